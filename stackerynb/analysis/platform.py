"""What the platform does with idle instances: keep-alive, lifetime, routing, INIT time.

A :class:`Platform` states the policy the cold-start simulator applies. The default,
``Platform()``, is the simulator's documented policy (a fixed 600 s keep-alive, no lifetime,
most-recently-freed reuse) and is simulated exactly by :mod:`stackerynb.analysis.simulator`.
:func:`stackerynb.analysis.calibrate` learns the other parameters from data:

* ``keep_alive`` and ``keep_alive_spread``: each idle period of an instance ends after a
  lognormal idle time (median ``keep_alive`` seconds, log-standard deviation
  ``keep_alive_spread``; 0 is a fixed keep-alive);
* ``lifetime``: instances are recycled at random, at a rate of one per ``lifetime`` seconds of
  their life (mean lifetime; None: never). The next request they would have served starts cold;
* ``routing``: ``"mru"`` hands a request to the most recently freed idle instance (pools shrink
  as soon as traffic falls); ``"spread"`` spreads requests over the idle instances, so every
  instance of a pool stays warm as long as the function is not idle for a whole keep-alive; the
  pool then shrinks only by recycling;
* ``init``: INIT seconds by memory size (MB) measured from logs (a mapping), or one number, used
  when the simulation is not told a function's INIT time.

How a non-default platform is simulated: by the same concurrency levels as the exact engine (the
``k``-th concurrent request is served by the level-``k`` instance), with the randomness above
drawn per request from a hash of (function, arrival time), so results are reproducible and do
not depend on how the input is chunked. :func:`warm_log_probability` gives the expected value of
the same rule, which is what calibration fits.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np
import pandas as pd

from stackerynb.errors import StackError

ROUTINGS = ("mru", "spread")
TICKS = 1_000_000


@dataclass(frozen=True)
class Platform:
    """A platform policy (see the module docstring). ``parameters``: the estimates with their
    standard errors when calibrated, else empty."""

    keep_alive: float = 600.0
    keep_alive_spread: float = 0.0
    lifetime: float | None = None
    routing: str = "mru"
    init: Mapping[float, float] | float | None = None
    parameters: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        for name in ("keep_alive", "keep_alive_spread", "lifetime"):
            v = getattr(self, name)
            if v is None and name == "lifetime":
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not np.isfinite(v) \
                    or v < 0 or (v == 0 and name != "keep_alive_spread"):
                raise StackError(f"Platform {name}: expected a finite number of seconds > 0, got {v!r}"
                                 if name != "keep_alive_spread" else
                                 f"Platform keep_alive_spread: expected a number >= 0, got {v!r}")
        if self.routing not in ROUTINGS:
            raise StackError(f"Platform routing {self.routing!r}: choose from {', '.join(ROUTINGS)}")

    @property
    def is_default_policy(self) -> bool:
        """True when the exact engine applies: fixed keep-alive, no lifetime, MRU reuse."""
        return self.keep_alive_spread == 0 and self.lifetime is None and self.routing == "mru"

    def init_for(self, memory: float) -> float | None:
        """INIT seconds this platform measured for ``memory`` MB (the nearest size measured), or None."""
        if self.init is None:
            return None
        if not isinstance(self.init, Mapping):
            return float(self.init)
        if not self.init:
            return None
        sizes = np.array(sorted(self.init), dtype=float)
        return float(self.init[sizes[np.argmin(np.abs(sizes - memory))]])

    def with_(self, **changes) -> "Platform":
        """A copy with some fields changed."""
        return replace(self, **changes)

    def __repr__(self) -> str:
        life = "never" if self.lifetime is None else f"{self.lifetime:,.0f}s"
        return (f"Platform(keep_alive={self.keep_alive:,.0f}s, spread={self.keep_alive_spread:.3g}, "
                f"lifetime={life}, routing={self.routing!r})")


# ============================================================================ level structure
@dataclass
class Levels:
    """Per arrival (sorted by function then time): its concurrency level's previous busy period.

    ``same``: the level was visited before (else the arrival is cold whatever the platform);
    ``gap``: seconds since the level's previous busy period ended; ``since``: seconds since it
    began; ``level1``: the arrival is at level 1 (no other request of its function running);
    ``lo``/``hi``: the level-1 arrivals of the same function after that previous start and up to
    this arrival, as a range of positions in level-1 order (for ``spread`` routing)."""

    same: np.ndarray
    gap: np.ndarray
    since: np.ndarray
    level1: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    one_index: np.ndarray  # arrival index of the k-th level-1 arrival (time order per function)
    level: np.ndarray | None = None


def levels(fl: np.ndarray, a: np.ndarray, e: np.ndarray) -> Levels:
    """Level structure of arrivals ``a`` ending at ``e`` (ticks) of functions ``fl`` (sorted by
    function, then time), as the exact engine builds it (ends before starts at one instant)."""
    n = a.size
    if n == 0:
        z = np.zeros(0)
        return Levels(z.astype(bool), z, z, z.astype(bool), z.astype(np.int64), z.astype(np.int64), z.astype(np.int64),
                      z.astype(np.int64))
    span = int(max(e.max(), a.max())) + 1
    base = fl.astype(np.int64) * span
    keys = np.concatenate((((base + a) << 1) | 1, (base + e) << 1))
    order = np.argsort(keys, kind="stable")
    ft = keys[order] >> 1
    is_start = order < n
    level = np.cumsum(np.where(is_start, 1, -1)) + ~is_start
    by = np.argsort(level, kind="stable")
    order, level, ft = order[by], level[by], ft[by]
    s_pos = np.flatnonzero(order < n)
    inv = order[s_pos]
    prev = np.maximum(s_pos - 1, 0)
    pstart = np.maximum(s_pos - 2, 0)
    lev = level[s_pos]
    ts = ft[s_pos]
    same = (s_pos > 0) & (level[prev] == lev) & (ft[prev] // span == ts // span)
    gap = np.where(same, ts - ft[prev], 0) / TICKS
    since = np.where(same, ts - ft[pstart], 0) / TICKS
    one = lev == 1
    t1 = ts[one]  # level-1 starts, sorted by (function, time)
    tprev = np.where(same, ft[pstart], ts)
    lo = np.searchsorted(t1, tprev, side="right")
    hi = np.searchsorted(t1, ts, side="right")
    out = Levels(*(np.empty(n, x.dtype) for x in (same, gap, since, one, lo, hi)), one_index=inv[one])
    out.level = np.empty(n, np.int64)
    for name, x in (("same", same), ("gap", gap), ("since", since), ("level1", one), ("lo", lo), ("hi", hi),
                    ("level", lev)):
        getattr(out, name)[inv] = x
    return out


def _log_survival(gap: np.ndarray, platform: Platform) -> np.ndarray:
    """log P(the idle time allowed exceeds ``gap``)."""
    if platform.keep_alive_spread == 0:
        return np.where(gap < platform.keep_alive, 0.0, -np.inf)
    from scipy.special import log_ndtr

    with np.errstate(divide="ignore"):
        z = (np.log(np.maximum(gap, 1e-12)) - np.log(platform.keep_alive)) / platform.keep_alive_spread
    return log_ndtr(-z)


def _pool_sum(lv: Levels, per_level1: np.ndarray) -> np.ndarray:
    """For each arrival, the sum of ``per_level1`` (values at level-1 arrivals, in level-1
    order) over the level-1 arrivals of its function since its level's previous start; a range
    holding a -inf (a sure timeout of a fixed keep-alive) sums to -inf, never to NaN."""
    sure = np.isneginf(per_level1)
    c = np.concatenate(([0.0], np.cumsum(np.where(sure, 0.0, per_level1))))
    out = c[lv.hi] - c[lv.lo]
    if sure.any():
        k = np.concatenate(([0], np.cumsum(sure)))
        out = np.where(k[lv.hi] > k[lv.lo], -np.inf, out)
    return out


def warm_log_probability(lv: Levels, platform: Platform) -> np.ndarray:
    """log P(warm) of each arrival under ``platform``, given its level structure."""
    ls = _log_survival(lv.gap, platform)
    if platform.routing == "spread":
        at_one = np.where(lv.same[lv.one_index], ls[lv.one_index], 0.0)
        ls = np.where(lv.level1, ls, _pool_sum(lv, at_one))
    if platform.lifetime is not None:
        ls = ls - lv.since / platform.lifetime
    return np.where(lv.same, ls, -np.inf)


def _uniforms(fkey: np.ndarray, a: np.ndarray, salt: int) -> np.ndarray:
    """Reproducible uniforms in (0, 1) from (function key, arrival tick): splitmix64."""
    with np.errstate(over="ignore"):
        z = (a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ (fkey.astype(np.uint64) + np.uint64(salt) * np.uint64(0xD1B54A32D192ED03))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def draw_cold(lv: Levels, platform: Platform, fkey: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Cold flags drawn under ``platform``: one idle time per idle period, one recycling draw per
    arrival (the random counterpart of :func:`warm_log_probability`)."""
    if platform.keep_alive_spread == 0:
        allowed = np.full(a.size, platform.keep_alive)
    else:
        from scipy.special import ndtri

        allowed = platform.keep_alive * np.exp(platform.keep_alive_spread * ndtri(_uniforms(fkey, a, 1)))
    timed_out = lv.gap >= allowed
    if platform.routing == "spread":
        at_one = (timed_out & lv.same)[lv.one_index].astype(np.float64)
        timed_out = np.where(lv.level1, timed_out, _pool_sum(lv, at_one) > 0)
    cold = ~lv.same | timed_out
    if platform.lifetime is not None:
        cold |= _uniforms(fkey, a, 2) < -np.expm1(-lv.since / platform.lifetime)
    return cold, allowed

"""Cold-start simulation: which invocations start cold, how long instances live, what latency.

The policy, stated exactly (per function; functions never share instances):

* An invocation arriving at time ``t`` with duration ``d`` is served by an *idle, live* instance
  if there is one; otherwise a new instance starts (a **cold start**) and the invocation also
  waits for the function's INIT time ``i``: the instance is busy for ``i + d`` instead of ``d``.
* Among idle live instances the **most recently freed** one is chosen (MRU / LIFO reuse). This
  is what keeps a pool small when traffic falls, and it is the policy the results below are
  exact for.
* An instance dies once it has been idle for ``keep_alive`` seconds (idle ``>= keep_alive`` at
  an arrival means it is gone). An instance freed at the same instant an invocation arrives can
  serve it. Durations are resolved to the microsecond and count at least 1 µs.
* ``max_lifetime`` (optional): an instance is recycled once ``max_lifetime`` seconds have passed
  since its cold start; it finishes the request it is serving, and the next request it would have
  served starts cold.

How it is computed without a loop per request. Let ``B(s)`` be the number of busy instances at
time ``s``. Under MRU reuse the number of live instances at ``t`` equals the largest ``B`` in the
window ``(t - keep_alive, t]`` (every instance busy in the window is still alive, and MRU lets
every other instance age out), so an arrival is cold exactly when ``B`` has not reached its new
level ``k = B(t-) + 1`` within the last ``keep_alive`` seconds. Busy periods at level ``k`` (B
rising to ``k`` ... falling below ``k``) alternate start/end. One merge of the sorted start keys
with the end keys (values only, keyed by function and time) gives every start's level and every
end's level from its position; a stable 16-bit sort by level of each side then lines up the
k-th start and the k-th end of each (level, function) group, so each arrival's previous end at
its level is its neighbour: the test is one vectorised comparison. Instance-seconds follow from
the same level structure (level ``k`` holds one instance from each of its cold starts until
``keep_alive`` after its last busy period). Cold starts lengthen busy periods, and busy periods
decide cold starts; the dependence is causal, so iterating "flags -> end times -> flags" reaches
the unique fixed point, which is the exact answer. A function leaves the iteration when its
flags stop changing; most functions need one or two passes, busy ones three to five.
Functions are processed in chunks of about ``chunk_size`` invocations (2^17 by default, so a
pass's arrays stay in a core's cache); a function much larger than that is cut into time
windows of about 2^14 arrivals (or 8 times their context), taken in time order, each carrying the
arrivals of the ``keep_alive`` (plus the longest call) before it, since no decision looks further
back: a window iterates to its own fixed point once the windows before it are final. Still exact,
and each pass stays in cache. The same windows let :func:`simulate_stream` take one function's
arrivals in time-ordered pieces that never need to be in memory together.

Approximation: only ``max_lifetime`` is approximate, and only when a function runs more than one
instance at a time. It is applied per concurrency level, as asked for: the k-th concurrent
instance is recycled ``max_lifetime`` after its cold start and the next request it would have
served starts cold. A physical MRU pool hands that request to another idle instance when one is
alive, so with concurrency the lifetime cold starts here are an upper bound (measured against the
event-by-event pool: +5 to +30% cold starts at 1-2 instances busy on average, 1-2 hour
lifetimes; exact with one instance at a time). ``tests/test_analysis_simulate.py`` checks the
engine against an event-by-event reference on random workloads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from stackerynb.analysis.platform import Platform, draw_cold, levels
from stackerynb.catalog.prices import init_seconds
from stackerynb.errors import StackError

TICKS_PER_SECOND = 1_000_000  # times are resolved to the microsecond
_MAX_KEY = 1 << 61
_LITTLE_ENDIAN = np.little_endian
_CONTEXT_FACTOR = 8  # a window holds at least this many times the arrivals of its context
# own arrivals of a window when the context allows: a pass over ~16k arrivals stays in a core's
# L2 cache; at 2^17 a function of one instance or two took 1.7x the CPU time for the same passes
_WINDOW = 1 << 14
_PARTITION_FUNCTIONS = 16  # up to this many functions in a chunk, quantiles by selection, not a sort
DEFAULT_QUANTILES = (0.5, 0.95, 0.99)


@dataclass
class SimulationResult:
    """What :func:`simulate` found.

    ``summary``: DataFrame indexed by function with ``invocations``, ``cold_starts``,
    ``cold_start_rate``, ``instance_seconds`` (live time of all instances, busy + idle),
    ``busy_seconds``, ``idle_seconds``, ``idle_gb_seconds`` (idle memory-seconds),
    ``init_seconds`` (INIT time paid), ``max_concurrency``, ``memory``, ``init``,
    ``latency_mean`` and ``latency_p50/p95/p99`` (seconds, cold start penalty included).

    ``invocations``: the input rows (input order) with ``duration``, ``cold`` and ``latency``
    added, or None when ``per_invocation=False``.
    """

    summary: pd.DataFrame
    invocations: pd.DataFrame | None
    keep_alive: float
    max_lifetime: float | None
    horizon: float | None
    passes: int = 1
    meta: dict = field(default_factory=dict)
    platform: Platform | None = None

    @property
    def cold_start_rate(self) -> float:
        """Cold starts over invocations, all functions together."""
        n = self.summary["invocations"].sum()
        return float(self.summary["cold_starts"].sum() / n) if n else 0.0

    def latency_quantiles(self, q: Sequence[float] = DEFAULT_QUANTILES) -> pd.Series:
        """Latency quantiles (seconds) over every invocation of every function."""
        if self.invocations is None:
            raise StackError("latency over all functions needs simulate(..., per_invocation=True)")
        lat = self.invocations["latency"].to_numpy()
        return pd.Series(np.quantile(lat, list(q)) if lat.size else np.full(len(q), np.nan), index=list(q))

    def __repr__(self) -> str:
        s = self.summary
        return (f"<SimulationResult {len(s)} functions, {int(s['invocations'].sum()):,} invocations, "
                f"{int(s['cold_starts'].sum()):,} cold starts ({self.cold_start_rate:.4%}), "
                f"keep_alive={self.keep_alive:g}s>")


# ============================================================================ input checks
def _per_function(value, name: str, functions: pd.Index, default, check) -> list:
    """A scalar or a mapping function -> value, as a list aligned with ``functions``."""
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in functions]
        if unknown:
            raise StackError(f"{name} names {', '.join(map(repr, unknown[:5]))}, which "
                             f"{'has' if len(unknown) == 1 else 'have'} no invocations; "
                             f"functions: {', '.join(map(str, functions[:10]))}")
        out = [value.get(f, default) for f in functions]
    elif isinstance(value, pd.Series):
        return _per_function(value.to_dict(), name, functions, default, check)
    else:
        out = [default if value is None else value] * len(functions)
    for fn, v in zip(functions, out):
        why = check(v)
        if why:
            raise StackError(f"{name} for function {fn!r}: {why}")
    return out


def _nonneg_number(v) -> str | None:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        return f"expected seconds as a number, got {v!r}"
    if not np.isfinite(v) or v < 0:
        return f"expected a finite number >= 0, got {v!r}"
    return None


def _positive_number(v) -> str | None:
    why = _nonneg_number(v)
    return why or (None if v > 0 else f"expected a number > 0, got {v!r}")


def _first_bad(mask: np.ndarray, index: pd.Index) -> str:
    pos = int(np.flatnonzero(mask)[0])
    return f"row {index[pos]!r}"


def _numeric_column(df: pd.DataFrame, column: str) -> np.ndarray:
    col = df[column]
    if not (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)):
        converted = pd.to_numeric(col, errors="coerce")
        bad = converted.isna() & col.notna()
        if bad.any():
            raise StackError(f"invocations column {column!r} must hold numbers of seconds; "
                             f"{_first_bad(bad.to_numpy(), df.index)} has {col[bad].iloc[0]!r}")
        col = converted
    values = col.to_numpy(dtype=np.float64, na_value=np.nan, copy=False) if col.hasnans else col.to_numpy(np.float64)
    if values.size == 0:
        return values
    lo, hi = values.min(), values.max()  # NaN propagates: two passes and no temporaries when all is well
    if np.isfinite(lo) and np.isfinite(hi) and lo >= 0:
        return values
    bad = ~np.isfinite(values)
    if bad.any():
        raise StackError(f"invocations column {column!r}: {_first_bad(bad, df.index)} is "
                         f"{values[bad][0]!r}, not a finite number")
    neg = values < 0
    if neg.any():
        raise StackError(f"invocations column {column!r}: {_first_bad(neg, df.index)} is "
                         f"negative ({values[neg][0]!r}); times and durations are seconds >= 0")
    return values


def _function_codes(df: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    col = df["function"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories
        if not codes.size:
            used = np.zeros(len(cats), bool)
        elif codes.min() >= 0:
            used = _count_codes(codes, len(cats)) > 0
        else:
            used = np.bincount(codes[codes >= 0], minlength=len(cats)) > 0
        if not used.all():  # drop categories without invocations, keep codes dense
            remap = np.cumsum(used) - 1
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
            cats = cats[used]
    elif _one_value(col):  # one function (a log of one, a simulated workload): no hashing
        codes, cats = np.zeros(len(col), np.int8), pd.Index(col.iloc[:1].to_numpy(), dtype=col.dtype)
    else:
        codes, cats = pd.factorize(col, sort=False)
        cats = pd.Index(cats)
    if codes.size and (codes < 0).any():
        raise StackError(f"invocations column 'function': {_first_bad(codes < 0, df.index)} names no function")
    return codes, cats


def _one_value(col: pd.Series) -> bool:
    """Whether a column holds one value (not NA) throughout; the ends are checked first, so a
    column of many functions rarely pays for the full comparison."""
    if len(col) == 0:
        return False
    first = col.iloc[0]
    try:
        if pd.isna(first) or not (col.iloc[-1] == first and col.iloc[len(col) // 2] == first):
            return False
        return bool((col == first).all())
    except (TypeError, ValueError):  # values that do not compare to one another
        return False


def _count_codes(codes: np.ndarray, nf: int, block: int = 1 << 20) -> np.ndarray:
    """``np.bincount(codes, minlength=nf)`` in blocks: bincount widens its input to 64 bits,
    which for 10^8 16-bit codes would be an 800 MB temporary."""
    counts = np.zeros(nf, np.int64)
    for i in range(0, codes.size, block):
        counts += np.bincount(codes[i:i + block], minlength=nf)
    return counts


# ============================================================================ engine
def _segment_search(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray) -> np.ndarray:
    """First index in [lo, hi) with values >= target (hi when none); values sorted in each range."""
    lo, hi = lo.copy(), hi.copy()
    last = values.size - 1
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = np.minimum((lo + hi) >> 1, last)
        right = values[mid] < target
        lo = np.where(active & right, mid + 1, lo)
        hi = np.where(active & ~right, mid, hi)


def _by_level(level: np.ndarray) -> np.ndarray | None:
    """Positions in (level, position) order, or None when every level is 1 (already in order).

    The sort key is the level alone (a stable radix sort on 16 bits); when most events sit at
    level 1, those keep their order and only the rest are sorted."""
    top = int(level.max(initial=0))
    if top <= 1:
        return None
    ltype = np.uint16 if top < 65536 else np.int32
    ones = level == 1
    if int(np.count_nonzero(ones)) * 2 > level.size:
        ones = np.flatnonzero(ones)
        rest = np.flatnonzero(level > 1)
        rest = rest[np.argsort(level[rest].astype(ltype), kind="stable")]
        return np.concatenate((ones, rest))
    return np.argsort(level.astype(ltype), kind="stable")


def _pass(fl: np.ndarray, a: np.ndarray, e: np.ndarray, nf: int, T: int, L: int | None, H: int | None,
          bounds: tuple[np.ndarray, np.ndarray] | None = None):
    """One evaluation of the cold-start rule for fixed end times ``e``.

    ``fl`` (function, 0..nf-1) is sorted and ``a`` sorted within each function. Returns the cold
    flags (input order) and ``stats()``, which gives per-function busy ticks, idle ticks and
    maximum concurrency at these flags when called (only once they are final). With ``bounds``
    (per-function [lo, hi) in ticks) only arrivals inside the bounds, and busy periods ending
    inside them shifted back by ``T``, are counted (time windows of one function, see
    :class:`_WindowStream`); busy ticks are then not counted (the caller sums the invocations).

    Starts never need their partner end: one merge of the sorted start keys with the end keys
    (values only, no argsort) gives the level of every start (in input order, as starts keep
    their order) and of every end (in time order). Busy periods at a level alternate start/end,
    so the starts at level k of a function, in time order, and its ends at level k, in time
    order, pair up one to one: sorting each side by level (stable, 16-bit radix) lines them up.
    """
    n = a.size
    span = int(e.max()) + 1
    if nf * span >= _MAX_KEY:
        raise OverflowError("chunk too large for 64-bit keys")
    if nf == 1:  # one function (a time window): the keys are the times
        base = np.zeros(1, np.int64)
        start = a
    else:
        base = fl.astype(np.int64)
        base *= span  # function * span: keys sort by (function, time)
        start = base + a
    merged = np.empty(2 * n, np.int64)
    np.left_shift(start, 1, out=merged[:n])
    merged[:n] |= 1  # ends sort before starts at the same instant
    ends = merged[n:]
    np.add(base, e, out=ends)
    ends <<= 1
    del base
    merged.sort(kind="stable")  # two sorted runs (ends nearly sorted): a merge of values
    low = merged.view(np.uint8)[::8] if _LITTLE_ENDIAN else merged.astype(np.uint8)
    flag = np.bitwise_and(low, 1).view(bool)  # starts carry the low bit
    at_start = np.flatnonzero(flag)  # positions of the starts, in input order
    flag ^= True
    at_end = np.flatnonzero(flag)  # positions of the ends, in time order
    del flag
    del low
    end_key = merged[at_end]
    end_key >>= 1
    del merged
    # before the i-th start come i starts and (position - i) ends, so it rises to level
    # 2i + 1 - position; the j-th end leaves level position - 2j
    counter = np.arange(0, 2 * n, 2, dtype=np.int64)
    k = counter + 1
    k -= at_start
    end_level = np.subtract(at_end, counter, out=at_end)
    del counter, at_start, at_end

    g_s = _by_level(k)
    same = np.empty(n, bool)
    same[:1] = False
    if g_s is None:  # one instance at a time: each start's previous end is the one before it
        ts, te, lev, f_s = start, end_key, k, fl
        np.equal(f_s[1:], f_s[:-1], out=same[1:])
    else:
        fbits = max(nf - 1, 1).bit_length()
        group = k << fbits
        group |= fl  # (level, function) of each start, one gather instead of two
        group = group[g_s]
        ts = start[g_s]
        te = end_key[_by_level(end_level)]
        np.equal(group[1:], group[:-1], out=same[1:])
        f_s = group & ((1 << fbits) - 1)
        lev = group >> fbits
        del group
    del end_key, end_level
    cold = ~same
    cold[1:] |= (ts[1:] - te[:-1]) >= T

    m = ts.size
    run_head = None
    if L is not None:
        run_head = np.maximum.accumulate(np.where(cold, np.arange(m), 0))
        birth = ts[run_head]
        cand = ~cold & (ts - birth >= L)
        if cand.any():
            heads = np.flatnonzero(cold)
            cidx = np.flatnonzero(cand)
            runs = run_head[cidx]
            first = np.r_[True, runs[1:] != runs[:-1]]
            cur, runs = cidx[first], runs[first]
            nxt_head = np.searchsorted(heads, runs, side="right")
            hi = np.where(nxt_head < heads.size, heads[np.minimum(nxt_head, heads.size - 1)], m)
            recycled = []
            while cur.size:
                recycled.append(cur)
                nxt = _segment_search(ts, cur + 1, hi, ts[cur] + L)
                keep = nxt < hi
                cur, hi = nxt[keep], hi[keep]
            cold[np.concatenate(recycled)] = True
            run_head = np.maximum.accumulate(np.where(cold, np.arange(m), 0))

    def stats():
        """Per-function busy ticks, idle ticks and maximum concurrency at these flags (asked for
        only once the flags are final: the passes before need the flags alone)."""
        top_f = np.zeros(nf, np.int64)
        seg = np.searchsorted(fl, np.arange(nf + 1)) if nf > 1 else np.array([0, n])  # fl is sorted
        nonempty = seg[1:] > seg[:-1]
        if bounds is None:
            if nonempty.any():
                top_f[nonempty] = np.maximum.reduceat(k, seg[:-1][nonempty])
        elif nf == 1:  # concurrency at arrivals inside the bounds only: a range of input rows
            inside = slice(*np.searchsorted(a, [int(bounds[0][0]), int(bounds[1][0])]))
            top_f[0] = k[inside].max(initial=0)
        else:
            rel = ts - f_s.astype(np.int64) * span
            inside = (rel >= bounds[0][f_s]) & (rel < bounds[1][f_s])
            if nf == 1:
                top_f[0] = lev[inside].max(initial=0)
            else:
                np.maximum.at(top_f, f_s[inside], lev[inside])
            del rel, inside

        # how long the instance of each busy period stays alive after it: until the next start at
        # its level when that one is warm, else keep_alive (or its lifetime, or the horizon)
        next_warm = np.empty(m, bool)
        next_warm[-1:] = False
        np.greater(same[1:], cold[1:], out=next_warm[:-1])
        until = te + T
        if L is not None:
            np.minimum(until, np.maximum(te, ts[run_head] + L), out=until)
        np.copyto(until[:-1], ts[1:], where=next_warm[:-1])
        until -= te
        idle = until
        if H is not None or bounds is not None:
            te_rel = te if nf == 1 else te - f_s.astype(np.int64) * span
            if H is not None:
                np.minimum(idle, np.maximum(H - te_rel, 0), out=idle)
            if bounds is not None and nf == 1:  # the busy periods ending in [lower - T, upper - T)
                lo, hi = int(bounds[0][0]) - T, int(bounds[1][0]) - T
                idle *= (te_rel >= lo) & (te_rel < hi)
            elif bounds is not None:
                idle[(te_rel < bounds[0][f_s] - T) | (te_rel >= bounds[1][f_s] - T)] = 0
            del te_rel
        busy_f = np.zeros(nf)
        if bounds is None and nonempty.any():
            busy_f[nonempty] = np.add.reduceat(e - a, seg[:-1][nonempty])
        idle_f = (np.bincount(f_s, weights=idle, minlength=nf) if nf > 1
                  else np.array([float(idle.sum())]))
        return busy_f, idle_f, top_f

    if g_s is None:
        return cold, stats
    flags = np.empty(n, bool)
    flags[g_s] = cold
    return flags, stats


class _WindowStream:
    """One function's arrivals, pushed in time-ordered pieces, simulated window by window.

    A window's own arrivals are decided from events at most ``keep_alive`` before them, so each
    window carries as context the (final) arrivals of the ``T + reach`` before it (``reach``: the
    longest busy time seen so far, so every invocation still running ``T`` before the window is
    in). Decisions are causal: once the windows before are final, a window iterates to its own
    fixed point on its own flags alone. Its idle time is that of the busy periods ending in
    ``[lower - T, upper - T)``, where ``upper`` is the first arrival after it; whether the next
    start at their level is warm is decided within the window, without looking further ahead.
    So a window is taken only once the arrival after it is known (or at :meth:`finish`), and
    only the context and the undecided arrivals are held: memory stays bounded however long
    the function's stream is, and the answer is the same however it is cut.

    ``size``: own arrivals per window; with ``adaptive`` it grows to ``_CONTEXT_FACTOR`` times
    the context of the last window (so the context stays a small share of the work)."""

    def __init__(self, init: int, T: int, H: int | None, size: int, *, adaptive: bool = False,
                 keep_flags: bool = True, keep_latency: bool = False):
        self.init, self.T, self.H = int(init), T, H
        self.size = self.base_size = max(min(int(size), _WINDOW) if adaptive else int(size), 1)
        self.adaptive = adaptive
        self.a = np.zeros(0, np.int64)  # context (decided) rows, then pending (undecided) rows
        self.d = np.zeros(0, np.int64)
        self.cold = np.zeros(0, bool)  # flags of the context rows
        self.reach = 0
        self.first = True
        self.idle = 0.0
        self.top = 0
        self.passes = 0
        self.cold_count = 0
        self.count = 0
        self.busy_ticks = 0
        self.flags: list | None = [] if keep_flags else None
        self.latency: list | None = [] if keep_latency else None

    def push(self, a: np.ndarray, d: np.ndarray) -> None:
        """Add arrivals (ticks, sorted, none before the last one pushed) with their durations."""
        if not a.size:
            return
        self.reach = max(self.reach, int(d.max()) + self.init)
        self.a = np.concatenate((self.a, a))
        self.d = np.concatenate((self.d, d))
        while self.a.size - self.cold.size > self.size:
            self._window(self.size, int(self.a[self.cold.size + self.size]))

    def finish(self) -> None:
        """Decide the arrivals still pending (the last window has no upper bound)."""
        while self.a.size > self.cold.size:
            m = min(self.size, self.a.size - self.cold.size)
            upper = int(self.a[self.cold.size + m]) if self.cold.size + m < self.a.size else 1 << 62
            self._window(m, upper)

    def _window(self, m: int, t_hi: int) -> None:
        T, init = self.T, self.init
        c = self.cold.size
        t_lo = -(1 << 62) if self.first else int(self.a[c])
        j0 = 0 if self.first else int(np.searchsorted(self.a[:c], t_lo - T - self.reach, side="left"))
        if j0:  # rows before the context end before any later window's reach
            self.a, self.d, self.cold = self.a[j0:], self.d[j0:], self.cold[j0:]
            c -= j0
        sa, sd = self.a[:c + m], self.d[:c + m]
        cold = np.concatenate((self.cold, _initial_guess(None, sa, sd, T)[c:]))
        own = cold[c:]
        fl = np.zeros(sa.size, np.int8)
        base = sa + sd
        zero = np.zeros(1, np.int64)
        used = 0
        while True:
            used += 1
            e = base + init * cold if init else base
            stats = None  # the last pass's arrays go before this one makes its own
            flags, stats = _pass(fl, sa, e, 1, T, None, self.H, (zero + t_lo, zero + t_hi))
            mine = flags[c:]
            if np.array_equal(mine, own):
                break
            own[:] = mine
        _, idle_w, top_w = stats()
        self.passes = max(self.passes, used)
        self.idle += float(idle_w[0])
        self.top = max(self.top, int(top_w[0]))
        self.cold_count += int(np.count_nonzero(own))
        self.count += m
        own_d = sd[c:]
        self.busy_ticks += int(own_d.sum())
        if self.flags is not None:
            self.flags.append(own)
        if self.latency is not None:
            lat = own_d.copy()
            lat[own] += init
            self.latency.append(lat)
        self.cold = cold
        self.first = False
        if self.adaptive:
            self.size = max(self.base_size, _CONTEXT_FACTOR * c)

    @property
    def busy(self) -> float:
        # a busy period that began before a window's context is cut short there: busy time comes
        # from the invocations themselves (it is their total length, whatever the levels)
        return float(self.busy_ticks) + float(self.init) * float(self.cold_count)


def _simulate_windows(a, d, init, T, H, size):
    """The fixed point for one large function, window by window in time order (see
    :class:`_WindowStream`): exact, and each pass touches a slice small enough to stay in cache."""
    if np.ndim(d) == 0:
        d = np.full(a.size, d, np.int64)
    stream = _WindowStream(init, T, H, size)
    stream.push(a, d)
    stream.finish()
    cold = np.concatenate(stream.flags) if stream.flags else np.zeros(0, bool)
    return cold, stream.busy, stream.idle, stream.top, stream.passes


def _initial_guess(fl: np.ndarray, a: np.ndarray, d: np.ndarray, T: int) -> np.ndarray:
    """Cold flags as if instances never overlapped and INIT took no time (one instance per
    function): first invocation, or the previous one ended ``keep_alive`` or more ago."""
    guess = np.ones(a.size, bool)
    if a.size > 1:
        gap = a[1:] - a[:-1]
        gap -= d[:-1]
        np.greater_equal(gap, T, out=guess[1:])
        if fl is not None:
            guess[1:] |= fl[1:] != fl[:-1]
    return guess


def _simulate_chunk(fl, a, d, init_f, nf, T, L, H):
    """Fixed-point iteration of :func:`_pass` over one chunk; see the module docstring."""
    has_init = init_f > 0
    cold = _initial_guess(fl, a, d, T)
    busy = np.zeros(nf)
    idle = np.zeros(nf)
    top = np.zeros(nf, np.int64)
    active = np.ones(nf, bool)
    ids = np.arange(nf)
    passes = 0
    sub_fl, sub_a, sub_d, sub_idx = fl, a, d, None
    while True:
        passes += 1
        sub_init = init_f[ids][sub_fl]
        sub_cold = cold if sub_idx is None else cold[sub_idx]
        e = sub_a + sub_d + sub_init * sub_cold
        new, stats = _pass(sub_fl, sub_a, e, ids.size, T, L, H)
        changed = new != sub_cold
        if sub_idx is None:
            cold = new
        else:
            cold[sub_idx] = new
        moved = np.bincount(sub_fl[changed], minlength=ids.size) > 0
        still = moved & has_init[ids]
        if not still.all():  # functions leave the iteration with this pass's figures
            busy[ids], idle[ids], top[ids] = stats()
        stats = None  # its pass's arrays go before the next pass makes its own
        if not still.any():
            return cold, busy, idle, top, passes
        keep = still[sub_fl]
        relabel = np.cumsum(still) - 1
        sub_idx = np.flatnonzero(keep) if sub_idx is None else sub_idx[keep]
        sub_fl = relabel[sub_fl[keep]]
        sub_a, sub_d = sub_a[keep], sub_d[keep]
        ids = ids[still]


def _function_keys(functions: pd.Index) -> np.ndarray:
    """A stable 64-bit key per function name (CRC-32 of the name, twice): the platform's draws
    depend on the function's name and arrival time only, never on its position in the input."""
    import zlib

    out = np.empty(len(functions), np.int64)
    for i, f in enumerate(functions):
        b = str(f).encode()
        out[i] = (zlib.crc32(b) << 31) ^ zlib.crc32(b[::-1])
    return out


def _simulate_platform_chunk(fl, a, d, init_f, nf, platform: Platform, fkeys: np.ndarray):
    """Cold flags of one chunk under a non-default platform: the fixed point of "flags -> busy
    periods -> levels -> flags" with the platform's draws (see :mod:`stackerynb.analysis.platform`).
    Idle time is estimated: a warm arrival's gap at its level, a timed-out or recycled instance's
    allowed idle time, and one median keep-alive per level at the end."""
    fkey = fkeys[fl]
    cold = _initial_guess(fl, a, d, int(platform.keep_alive * TICKS_PER_SECOND))
    passes = 0
    while True:
        passes += 1
        e = a + d + init_f[fl] * cold
        lv = levels(fl, a, e)
        new, allowed = draw_cold(lv, platform, fkey, a)
        if np.array_equal(new, cold) or passes >= 100:
            cold = new
            break
        cold = new
    busy = np.bincount(fl, weights=(e - a).astype(np.float64), minlength=nf)
    gap_ticks = lv.gap * TICKS_PER_SECOND
    idle_each = np.where(~cold, gap_ticks, np.where(lv.same, np.minimum(gap_ticks, allowed * TICKS_PER_SECOND), 0.0))
    top = np.zeros(nf, np.int64)
    np.maximum.at(top, fl, lv.level)
    idle = np.bincount(fl, weights=idle_each, minlength=nf) + top * platform.keep_alive * TICKS_PER_SECOND
    return cold, busy, idle, top, passes


def _window_size(a: np.ndarray, d: np.ndarray, init: np.ndarray, T: int, chunk_size: int) -> int | None:
    """Arrivals per window for a function too large for one chunk, or None to keep it whole
    (when its context, the arrivals within ``keep_alive`` plus the longest call, would be too
    large a share of each window)."""
    n = a.size
    if n <= 2 * chunk_size:
        return None
    rate = n / max(int(a[-1] - a[0]), 1)
    context = rate * (T + int(d.max()) + int(init[0]))
    size = max(min(chunk_size, _WINDOW), int(_CONTEXT_FACTOR * context))
    return size if size * 2 <= n else None


def _quantiles_two_valued(n: np.ndarray, c: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: float) -> np.ndarray:
    """numpy's linear quantile of a sorted array holding n - c copies of lo then c of hi."""
    h = (n - 1) * q
    j = np.floor(h)
    frac = h - j
    v0 = np.where(j < n - c, lo, hi)
    v1 = np.where(j + 1 < n - c, lo, hi)
    out = v0 + frac * (v1 - v0)
    return np.where(n > 0, out, np.nan)


def _partition_quantiles(values: np.ndarray, quantiles: Sequence[float]) -> dict:
    """numpy's linear quantiles of one unsorted array, by selecting the ranks they need."""
    n = values.size
    if n == 0:
        return {q: np.nan for q in quantiles}
    where = {}
    for q in quantiles:
        h = (n - 1) * q
        j = int(np.floor(h))
        where[q] = (min(max(j, 0), n - 1), min(max(j + 1, 0), n - 1), h - j)
    ranks = sorted({r for lo, hi, _ in where.values() for r in (lo, hi)})
    part = np.partition(values, ranks).astype(np.float64)
    return {q: part[lo] + frac * (part[hi] - part[lo]) for q, (lo, hi, frac) in where.items()}


def _segment_quantiles(sorted_values: np.ndarray, offsets: np.ndarray, q: float) -> np.ndarray:
    """numpy's linear quantile of each segment [offsets[i], offsets[i+1]) of a sorted array."""
    n = np.diff(offsets)
    h = (n - 1) * q
    j = np.floor(h).astype(np.int64)
    frac = h - j
    start = offsets[:-1]
    safe = np.maximum(n, 1)
    i0 = start + np.clip(j, 0, safe - 1)
    i1 = start + np.clip(j + 1, 0, safe - 1)
    if sorted_values.size == 0:
        return np.full(n.size, np.nan)
    v0 = sorted_values[np.minimum(i0, sorted_values.size - 1)]
    v1 = sorted_values[np.minimum(i1, sorted_values.size - 1)]
    return np.where(n > 0, v0 + frac * (v1 - v0), np.nan)


def _durations_per_function(durations, functions: pd.Index) -> np.ndarray:
    if isinstance(durations, Mapping) or isinstance(durations, pd.Series):
        durations = dict(durations)
        absent = [f for f in functions if f not in durations]
        if absent:
            raise StackError(f"durations has no entry for function{'s' if len(absent) > 1 else ''} "
                             f"{', '.join(map(repr, absent[:5]))}")
    return np.asarray(_per_function(durations, "durations", functions, None, _nonneg_number), dtype=float)


def _memory_and_init(functions: pd.Index, memory, init, runtime, architecture, package_mb,
                     platform: Platform | None) -> tuple[np.ndarray, np.ndarray]:
    """Memory (MB) and INIT seconds per function, from the arguments of :func:`simulate`."""
    mem_f = np.asarray(_per_function(memory, "memory", functions, 128.0, _positive_number), dtype=float)
    if init is None and platform is not None and platform.init is not None:
        init = {f: platform.init_for(m) for f, m in zip(functions, mem_f)}
    if init is not None:
        return mem_f, np.asarray(_per_function(init, "init", functions, 0.0, _nonneg_number), dtype=float)
    rt = _per_function(runtime, "runtime", functions, None, lambda v: None if v is None or isinstance(v, str) else f"expected a runtime name, got {v!r}")
    arch = _per_function(architecture, "architecture", functions, "x86_64", lambda v: None if isinstance(v, str) else f"expected x86_64 or arm64, got {v!r}")
    pkg = _per_function(package_mb, "package_mb", functions, None, lambda v: None if v is None else _nonneg_number(v))
    try:
        init_f = np.array([init_seconds(rt[i], mem_f[i], arch[i], None if pkg[i] is None else float(pkg[i]))
                           for i in range(len(functions))], dtype=float)
    except StackError as exc:
        raise StackError(f"cold start estimate: {exc}") from None
    return mem_f, init_f


def _summary(functions, counts, cold_f, busy_f, idle_f, top_f, mem_f, init_f, init_ticks, mean_f, qs, quantiles):
    """The per-function table of :class:`SimulationResult` (tick sums in, seconds out)."""
    busy_s = busy_f / TICKS_PER_SECOND
    idle_s = idle_f / TICKS_PER_SECOND
    return pd.DataFrame({
        "invocations": counts.astype(np.int64),
        "cold_starts": cold_f,
        "cold_start_rate": np.where(counts > 0, cold_f / np.maximum(counts, 1), np.nan),
        "instance_seconds": busy_s + idle_s,
        "busy_seconds": busy_s,
        "idle_seconds": idle_s,
        "idle_gb_seconds": idle_s * mem_f / 1024.0,
        "init_seconds": cold_f * init_ticks / TICKS_PER_SECOND,
        "max_concurrency": top_f,
        "memory": mem_f,
        "init": init_f,
        "latency_mean": mean_f,
        **{f"latency_p{_qname(q)}": qs[q] for q in quantiles},
    }, index=pd.Index(functions, name="function"))


# ============================================================================ public entry
def simulate(invocations: pd.DataFrame, durations: Mapping[str, float] | float | None = None,
             keep_alive: float = 600.0, max_lifetime: float | None = None, *,
             init: Mapping[str, float] | float | None = None,
             runtime: Mapping[str, str] | str | None = None,
             memory: Mapping[str, float] | float | None = None,
             architecture: Mapping[str, str] | str | None = None,
             package_mb: Mapping[str, float] | float | None = None,
             horizon: float | None = None, per_invocation: bool = True,
             quantiles: Sequence[float] = DEFAULT_QUANTILES,
             chunk_size: int = 1 << 17, platform: Platform | None = None,
             client=None, scheduler: str | None = None) -> SimulationResult:
    """Simulate cold starts and instance lifetimes of Lambda functions; see the module docstring
    for the exact policy.

    ``invocations``: DataFrame with ``function`` (name; categorical is fastest) and ``time``
    (seconds, >= 0, any order), and optionally ``duration`` (seconds) per invocation.
    ``durations``: function -> seconds of work per invocation (or one number for all), used when
    there is no ``duration`` column. ``keep_alive``: idle seconds before an instance is reclaimed.
    ``max_lifetime``: seconds after which an instance is recycled (None: never).

    Cold start penalty (INIT seconds) per function: ``init`` when given, else estimated from
    ``runtime`` (default python3.12), ``memory`` (MB, default 128), ``architecture`` and
    ``package_mb`` with :func:`stackerynb.catalog.prices.init_seconds`. Each may be one value or a
    mapping function -> value. ``memory`` also turns idle seconds into idle GB-seconds.

    ``horizon``: stop counting instance time at this instant (None counts every instance until it
    is reclaimed). ``per_invocation=False`` skips the per-invocation table (saves memory on very
    large inputs). Raises :class:`StackError` naming the column, row or function at fault.

    ``platform``: a :class:`~stackerynb.analysis.platform.Platform` (e.g. from
    :func:`~stackerynb.analysis.calibrate`) whose keep-alive, lifetime and routing replace
    ``keep_alive`` and ``max_lifetime``, and whose measured INIT times by memory are used when
    ``init`` is not given. A platform with a random keep-alive, a lifetime or spread routing is
    simulated by :func:`_simulate_platform_chunk` (same levels, its randomness drawn per request;
    instance time is then an estimate). Without one, the exact policy above applies.

    A Dask DataFrame (or ``client``/``scheduler`` given) runs on dask.distributed through
    :func:`~stackerynb.analysis.distributed.simulate_distributed`: shuffled by function, an
    embedded ``LocalCluster`` unless a ``distributed.Client`` or scheduler address is given; the
    summary is the same as in one process and per-invocation rows stay on the workers.
    """
    if client is not None or scheduler is not None or type(invocations).__module__.startswith("dask"):
        from stackerynb.analysis.distributed import simulate_distributed

        if per_invocation is True and type(invocations).__module__.startswith("dask"):
            per_invocation = False  # the default: per-invocation rows of a Dask frame stay on the workers
        if per_invocation:
            raise StackError("simulate on dask.distributed returns the per-function summary; pass per_invocation=False")
        return simulate_distributed(invocations, client=client, scheduler=scheduler, durations=durations,
                                    keep_alive=keep_alive, max_lifetime=max_lifetime, init=init, runtime=runtime,
                                    memory=memory, architecture=architecture, package_mb=package_mb, horizon=horizon,
                                    quantiles=quantiles, chunk_size=chunk_size, platform=platform)
    if platform is not None:
        if not isinstance(platform, Platform):
            raise StackError(f"platform must be a Platform (analysis.calibrate gives one), got {type(platform).__name__}")
        if max_lifetime is not None:
            raise StackError("give the lifetime either as max_lifetime or in the platform, not both")
        keep_alive = platform.keep_alive
        if platform.is_default_policy:
            platform_engine = None
        else:
            platform_engine = platform
    if not isinstance(invocations, pd.DataFrame):
        raise StackError(f"invocations must be a DataFrame with columns function and time, got {type(invocations).__name__}")
    missing = [c for c in ("function", "time") if c not in invocations.columns]
    if missing:
        raise StackError(f"invocations lack column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(map(repr, missing))} (columns: {', '.join(map(str, invocations.columns))})")
    for name, value, check in (("keep_alive", keep_alive, _positive_number),
                               ("max_lifetime", max_lifetime, _positive_number),
                               ("horizon", horizon, _nonneg_number)):
        if value is not None and (why := check(value)):
            raise StackError(f"{name}: {why}")
    if chunk_size < 1:
        raise StackError("chunk_size must be at least 1")

    if platform is None:
        platform_engine = None
    codes, functions = _function_codes(invocations)
    nf = len(functions)
    times = _numeric_column(invocations, "time")
    has_col = "duration" in invocations.columns
    if has_col and durations is not None:
        raise StackError("give durations either as a 'duration' column or as the durations argument, not both")
    if has_col:
        dur_col = _numeric_column(invocations, "duration")
        dur_f = None
    else:
        if durations is None:
            raise StackError("durations missing: pass durations={function: seconds} or a 'duration' column")
        dur_f = _durations_per_function(durations, functions)
        dur_col = None
    mem_f, init_f = _memory_and_init(functions, memory, init, runtime, architecture, package_mb, platform)

    fkeys = _function_keys(functions) if platform_engine is not None else None
    T = int(round(keep_alive * TICKS_PER_SECOND))
    L = None if max_lifetime is None else int(round(max_lifetime * TICKS_PER_SECOND))
    H = None if horizon is None else int(round(horizon * TICKS_PER_SECOND))
    init_ticks = np.rint(init_f * TICKS_PER_SECOND).astype(np.int64)
    dur_ticks_f = None if dur_f is None else np.maximum(np.rint(dur_f * TICKS_PER_SECOND).astype(np.int64), 1)

    n = codes.size
    counts = _count_codes(codes, nf)
    if n > 1 and (codes[1:] < codes[:-1]).any():
        order = np.argsort(codes.astype(np.int16 if nf < 32768 else np.int32), kind="stable")
    else:
        order = None
    bounds = np.concatenate(([0], np.cumsum(counts)))

    cold_all = np.zeros(n, bool) if per_invocation else None
    lat_all = np.zeros(n) if per_invocation else None
    cold_f = np.zeros(nf, np.int64)
    busy_f = np.zeros(nf)
    idle_f = np.zeros(nf)
    top_f = np.zeros(nf, np.int64)
    qs = {q: np.full(nf, np.nan) for q in quantiles}
    mean_f = np.full(nf, np.nan)
    passes = 0
    max_time = float(times.max()) if n else 0.0
    max_dur = float(dur_col.max() if dur_col is not None and n else (dur_f.max() if dur_f is not None and nf else 0.0))
    span_est = int((max_time + max_dur + float(init_f.max() if nf else 0.0)) * TICKS_PER_SECOND) + 2
    per_key_funcs = max(1, _MAX_KEY // (2 * span_est))

    f0 = 0
    while f0 < nf:
        # grow the chunk while it stays under chunk_size invocations and fits 64-bit keys
        limit = bounds[f0] + chunk_size
        f1 = int(np.searchsorted(bounds, limit, side="right")) - 1
        f1 = min(max(f1, f0 + 1), nf, f0 + per_key_funcs)
        lo, hi = bounds[f0], bounds[f1]
        rows = None if order is None else order[lo:hi]  # None: the rows lo..hi in input order
        k = f1 - f0
        c_k = counts[f0:f1]
        fl = np.repeat(np.arange(k, dtype=np.int32), c_k)
        a = _ticks(times[lo:hi] if rows is None else times[rows])
        if dur_col is not None:
            d = _ticks(dur_col[lo:hi] if rows is None else dur_col[rows])
            np.maximum(d, 1, out=d)
        else:
            d = dur_ticks_f[f0:f1][fl]
        if a.size > 1:
            down = a[1:] < a[:-1]
            down[np.cumsum(c_k)[:-1] - 1] = False  # a new function may start earlier
            if down.any():
                key = fl.astype(np.int64) * (int(a.max()) + 1) + a
                p = np.argsort(key, kind="stable")
                del key
                a, d = a[p], d[p]
                rows = (np.arange(lo, hi) if rows is None else rows)[p]
            del down
        ini = init_ticks[f0:f1]
        window = _window_size(a, d, ini, T, chunk_size) if k == 1 and L is None and platform_engine is None else None
        if platform_engine is not None:
            cold, busy, idle, top, used = _simulate_platform_chunk(fl, a, d, ini, k, platform_engine, fkeys[f0:f1])
        elif window is not None:
            cold, b1, i1, t1, used = _simulate_windows(a, d, int(ini[0]), T, H, window)
            busy, idle, top = np.array([b1]), np.array([i1]), np.array([t1])
        else:
            cold, busy, idle, top, used = _simulate_chunk(fl, a, d, ini, k, T, L, H)
        passes = max(passes, used)
        del a
        offs = np.concatenate(([0], np.cumsum(c_k)))
        cold_f[f0:f1] = np.add.reduceat(cold.view(np.int8), offs[:-1], dtype=np.int64)
        busy_f[f0:f1], idle_f[f0:f1], top_f[f0:f1] = busy, idle, top
        if dur_col is None:  # one duration per function: latencies take two values
            sum_d = dur_ticks_f[f0:f1] * c_k
        else:
            sum_d = np.add.reduceat(d, offs[:-1])
        mean_f[f0:f1] = (sum_d + ini * cold_f[f0:f1]) / c_k / TICKS_PER_SECOND
        lat = None
        if dur_col is not None or per_invocation:
            lat = d
            if k == 1:
                lat[cold] += ini[0]  # cold starts are few: no gather of INIT per row
            else:
                lat += ini[fl] * cold
        del d
        if dur_col is None:
            dk = dur_ticks_f[f0:f1].astype(np.float64)
            for q in quantiles:
                qs[q][f0:f1] = _quantiles_two_valued(c_k, cold_f[f0:f1], dk, dk + ini, q) / TICKS_PER_SECOND
        elif k <= _PARTITION_FUNCTIONS:  # a few functions: select the ranks, no full sort
            for j in range(k):
                for q, value in _partition_quantiles(lat[offs[j]:offs[j + 1]], quantiles).items():
                    qs[q][f0 + j] = value / TICKS_PER_SECOND
        else:
            bits = max(int(lat.max()).bit_length(), 1)
            if (k - 1).bit_length() + bits <= 62:
                srt = np.sort((fl.astype(np.int64) << bits) | lat)
                srt &= (1 << bits) - 1
            else:  # pragma: no cover - latencies beyond ~70 years
                srt = lat[np.lexsort((lat, fl))]
            for q in quantiles:
                qs[q][f0:f1] = _segment_quantiles(srt.astype(np.float64), offs, q) / TICKS_PER_SECOND
            del srt
        if per_invocation:
            where = slice(lo, hi) if rows is None else rows
            cold_all[where] = cold
            lat_all[where] = lat / TICKS_PER_SECOND
        f0 = f1

    summary = _summary(functions, counts, cold_f, busy_f, idle_f, top_f, mem_f, init_f, init_ticks, mean_f, qs,
                       quantiles)

    detail = None
    if per_invocation:
        detail = invocations.copy()
        if dur_col is None:
            detail["duration"] = dur_f[codes] if n else np.zeros(0)
        detail["cold"] = cold_all
        detail["latency"] = lat_all
    return SimulationResult(summary=summary, invocations=detail, keep_alive=float(keep_alive), platform=platform,
                            max_lifetime=None if max_lifetime is None else float(max_lifetime),
                            horizon=None if horizon is None else float(horizon), passes=passes)


def simulate_stream(chunks: Iterable, function: str = "function", durations: float | None = None,
                    keep_alive: float = 600.0, *, init: float | None = None, runtime: str | None = None,
                    memory: float | None = None, architecture: str | None = None, package_mb: float | None = None,
                    horizon: float | None = None, quantiles: Sequence[float] = DEFAULT_QUANTILES,
                    chunk_size: int = 1 << 17, platform: Platform | None = None) -> SimulationResult:
    """:func:`simulate` of one function whose arrivals come in time-ordered pieces, so that they
    never need to be in memory at once (a month of a busy function's logs, read or generated piece
    by piece). The summary is the same as :func:`simulate` of all the pieces together.

    ``chunks``: an iterable of DataFrames with ``time`` (seconds) and optionally ``duration``, or of
    ``(times, durations)`` pairs of arrays (``durations`` None when ``durations`` is given). Each
    piece may be in any order; a piece may not start before the previous one ended (arrivals at
    the same instant may straddle two pieces). Other arguments as for :func:`simulate`: one value,
    or a mapping that names ``function``. The state carried from piece to piece is the arrivals of the last
    ``keep_alive`` (plus the longest call) and the running totals; latency quantiles with a
    ``duration`` column keep one number per invocation.

    A platform other than the default policy, or ``max_lifetime``, has no windowed engine: the
    pieces are then gathered and simulated at once."""
    for name, value, check in (("keep_alive", keep_alive, _positive_number), ("horizon", horizon, _nonneg_number)):
        if value is not None and (why := check(value)):
            raise StackError(f"{name}: {why}")
    if chunk_size < 1:
        raise StackError("chunk_size must be at least 1")
    if platform is not None:
        if not isinstance(platform, Platform):
            raise StackError(f"platform must be a Platform (analysis.calibrate gives one), got {type(platform).__name__}")
        keep_alive = platform.keep_alive
    functions = pd.Index([function])
    dur_f = None if durations is None else _durations_per_function(durations, functions)
    mem_f, init_f = _memory_and_init(functions, memory, init, runtime, architecture, package_mb, platform)
    options = dict(keep_alive=keep_alive, init=float(init_f[0]), memory=float(mem_f[0]), horizon=horizon,
                   quantiles=quantiles, chunk_size=chunk_size, platform=platform, per_invocation=False)
    if platform is not None and not platform.is_default_policy:
        frames = [_chunk_frame(c, i, dur_f) for i, c in enumerate(chunks)]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"time": [], "duration": []})
        return simulate(frame.assign(function=function), **options)

    T = int(round(keep_alive * TICKS_PER_SECOND))
    H = None if horizon is None else int(round(horizon * TICKS_PER_SECOND))
    init_t = int(np.rint(init_f[0] * TICKS_PER_SECOND))
    dur_t = None if dur_f is None else max(int(np.rint(dur_f[0] * TICKS_PER_SECOND)), 1)
    stream = None
    last = -1
    for i, chunk in enumerate(chunks):
        times, durs = _chunk_arrays(chunk, i, dur_f)
        if not times.size:
            continue
        a = _ticks(times)
        d = np.full(a.size, dur_t, np.int64) if durs is None else np.maximum(_ticks(durs), 1)
        if a.size > 1 and (a[1:] < a[:-1]).any():
            p = np.argsort(a, kind="stable")
            a, d = a[p], d[p]
        if a[0] < last:
            raise StackError(f"piece {i} of {function!r} starts at {a[0] / TICKS_PER_SECOND:g} s, before the "
                             f"previous piece ended ({last / TICKS_PER_SECOND:g} s): pieces must come in time order")
        last = int(a[-1])
        if stream is None:
            if durs is not None and dur_t is not None:
                raise StackError("give durations either as a 'duration' column or as the durations argument, not both")
            stream = _WindowStream(init_t, T, H, chunk_size, adaptive=True, keep_flags=False,
                                   keep_latency=durs is not None)
        stream.push(a, d)
    if stream is not None:
        stream.finish()
    n = 0 if stream is None else stream.count
    cold = 0 if stream is None else stream.cold_count
    counts = np.array([n], np.int64)
    cold_f = np.array([cold], np.int64)
    qs = {}
    if stream is not None and stream.latency is not None:
        lat = np.concatenate(stream.latency)
        sum_d = stream.busy_ticks
        for q, value in _partition_quantiles(lat, quantiles).items():
            qs[q] = np.array([value / TICKS_PER_SECOND])
        del lat
    else:
        dk = np.array([float(dur_t or 1)])
        sum_d = (dur_t or 1) * n
        for q in quantiles:
            qs[q] = _quantiles_two_valued(counts, cold_f, dk, dk + init_t, q) / TICKS_PER_SECOND
    mean = np.array([(sum_d + init_t * cold) / n / TICKS_PER_SECOND if n else np.nan])
    busy = np.array([0.0 if stream is None else stream.busy])
    idle = np.array([0.0 if stream is None else stream.idle])
    top = np.array([0 if stream is None else stream.top], np.int64)
    summary = _summary(functions, counts, cold_f, busy, idle, top, mem_f, init_f, np.array([init_t]), mean, qs,
                       quantiles)
    return SimulationResult(summary=summary, invocations=None, keep_alive=float(keep_alive), platform=platform,
                            max_lifetime=None, horizon=None if horizon is None else float(horizon),
                            passes=0 if stream is None else stream.passes)


def _chunk_arrays(chunk, i: int, dur_f) -> tuple[np.ndarray, np.ndarray | None]:
    """(times, durations or None) in seconds of one piece given to :func:`simulate_stream`."""
    if isinstance(chunk, tuple) and len(chunk) == 2:  # arrays: checked as columns are, without a copy
        times = _seconds_array(chunk[0], "time", i)
        if chunk[1] is not None:
            return times, _seconds_array(chunk[1], "duration", i)
        if dur_f is None:
            raise StackError(f"piece {i}: durations missing: pass durations=seconds or durations with the times")
        return times, None
    if not isinstance(chunk, pd.DataFrame):
        raise StackError(f"piece {i}: expected a DataFrame with time (and duration) or a (times, durations) pair, "
                         f"got {type(chunk).__name__}")
    frame = chunk
    if "time" not in frame.columns:
        raise StackError(f"piece {i} lacks column 'time' (columns: {', '.join(map(str, frame.columns))})")
    times = _numeric_column(frame, "time")
    if "duration" in frame.columns:
        return times, _numeric_column(frame, "duration")
    if dur_f is None:
        raise StackError(f"piece {i}: durations missing: pass durations=seconds or a 'duration' column")
    return times, None


def _seconds_array(values, column: str, i: int) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind not in "iuf":
        raise StackError(f"piece {i}: {column} must be numbers of seconds, got {values.dtype}")
    values = values.astype(np.float64, copy=False)
    if values.size and not (np.isfinite(values.min()) and np.isfinite(values.max()) and values.min() >= 0):
        raise StackError(f"piece {i}: {column} must be finite seconds >= 0")
    return values


def _chunk_frame(chunk, i: int, dur_f) -> pd.DataFrame:
    times, durs = _chunk_arrays(chunk, i, dur_f)
    return pd.DataFrame({"time": times, "duration": np.full(times.size, dur_f[0]) if durs is None else durs})

def _ticks(seconds: np.ndarray) -> np.ndarray:
    """Seconds as whole microsecond ticks (int64), with one float temporary."""
    out = np.multiply(seconds, TICKS_PER_SECOND)
    np.rint(out, out=out)
    return out.astype(np.int64)


def _qname(q: float) -> str:
    text = f"{q * 100:g}"
    return text.replace(".", "_")

"""Learn the platform from data: keep-alive, its spread, instance lifetime, routing, INIT time.

:func:`calibrate` fits a :class:`~stackerynb.analysis.platform.Platform` by maximum likelihood to

* **invocations** (a DataFrame as :func:`~stackerynb.analysis.read_lambda_reports` gives:
  ``function``, ``time``, ``duration``, ``init_duration`` NaN when warm, optionally ``memory``
  and ``runtime``): the observed cold starts, arrival by arrival (Bernoulli likelihood of each
  cold/warm outcome given its concurrency level's history), or
* **experiment summaries** with columns ``rate, warm_ms, cold_ms, p_cold[, p_cold_se]`` (Poisson
  arrivals to one function at ``rate`` per second, each busy ``warm_ms``): the expected cold
  share of each experiment, computed on seeded Poisson arrivals, against the measured one
  (Gaussian likelihood with the standard errors; without them, binomial-free relative errors).

The expected cold share is the mean over arrivals of 1 - P(warm), with P(warm) from
:func:`~stackerynb.analysis.platform.warm_log_probability`: the idle time allowed exceeds the gap
since the level's instance was last busy, and the instance was not recycled since it last
started. Parameters are optimised in log space (scipy's Nelder-Mead from two starts), for each
routing and for a fixed or a lognormal keep-alive; the combination of least Akaike criterion
(negative log-likelihood plus its number of parameters) wins, so a keep-alive spread the data do
not ask for is not fitted (on the AWS experiments it was 0.05 +- 0.48 and cost cross-validated
accuracy). Standard errors come from the inverse of the
numerical Hessian of the negative log-likelihood (delta method back to seconds).
:func:`cross_validate` refits leaving each experiment out and predicts it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stackerynb.analysis.platform import ROUTINGS, TICKS, Platform, levels, warm_log_probability
from stackerynb.errors import StackError

SUMMARY_COLUMNS = ("rate", "warm_ms", "cold_ms", "p_cold")
_LOWEST = np.log(1e-9)  # a lifetime of 30 years or a spread of 1e-9 is "none"


@dataclass
class Calibration:
    """What :func:`calibrate` found: the ``platform``, its ``parameters`` (estimate, standard
    error, unit), the ``fitted`` table (observed against fitted per experiment or function), the
    negative log-likelihood of each routing tried, and the INIT table by memory (and runtime)."""

    platform: Platform
    parameters: pd.DataFrame
    fitted: pd.DataFrame
    routings: dict = field(default_factory=dict)
    init: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"<Calibration {self.platform!r}>\n{self.parameters.to_string()}"


# ============================================================================ the two data shapes
class _SummaryModel:
    """Experiment summaries: seeded Poisson arrivals per experiment, levels computed once."""

    def __init__(self, data: pd.DataFrame, arrivals: int | None, seed: int, span: float = 600_000.0,
                 min_arrivals: int = 30_000):
        from stackerynb.analysis.simulator import simulate

        self.data = data.reset_index(drop=True)
        self.levels = []
        rng = np.random.default_rng(seed)
        for row in self.data.itertuples():
            # the same simulated span for every rate: at high rates cold starts are rare (~1e-3 of
            # arrivals), so a fixed count of arrivals would leave their expected share to a few
            # hundred events of Monte-Carlo noise; the size depends on the rate only, never on p_cold
            n = int(arrivals) if arrivals is not None else int(max(min_arrivals, row.rate * span))
            t = np.cumsum(rng.exponential(1 / row.rate, n))
            warm, init = row.warm_ms / 1000, max(row.cold_ms - row.warm_ms, 0.0) / 1000
            # busy periods lengthen by INIT when cold: take the default policy's flags for that
            res = simulate(pd.DataFrame({"function": "f", "time": t}), warm, init=init)
            a = np.rint(t * TICKS).astype(np.int64)
            e = a + np.rint((warm + init * res.invocations["cold"].to_numpy()) * TICKS).astype(np.int64)
            self.levels.append(levels(np.zeros(n, np.int64), a, e))
        self.observed = self.data["p_cold"].to_numpy(float)
        se = self.data["p_cold_se"].to_numpy(float) if "p_cold_se" in self.data else None
        self.se = se if se is not None and np.all(np.isfinite(se) & (se > 0)) else 0.1 * self.observed

    def predict(self, platform: Platform, rows=None) -> np.ndarray:
        rows = range(len(self.levels)) if rows is None else rows
        return np.array([1 - np.exp(warm_log_probability(self.levels[i], platform)).mean() for i in rows])

    def nll(self, platform: Platform, rows) -> float:
        r = (self.predict(platform, rows) - self.observed[rows]) / self.se[rows]
        return 0.5 * float(np.sum(r * r))

    def fitted(self, platform: Platform) -> pd.DataFrame:
        p = self.predict(platform)
        out = self.data[["rate"]].copy()
        out["observed"], out["fitted"], out["se"] = self.observed, p, self.se
        out["rel_error"] = (p - self.observed) / self.observed
        out["z"] = (p - self.observed) / self.se
        return out


class _InvocationModel:
    """Invocations from logs: each arrival's level history from the observed busy periods."""

    def __init__(self, inv: pd.DataFrame):
        missing = [c for c in ("function", "time", "duration", "init_duration") if c not in inv.columns]
        if missing:
            raise StackError(f"calibrate: invocations lack column(s) {', '.join(missing)}; "
                             "read_lambda_reports gives function, time, duration, init_duration")
        from stackerynb.analysis.logs import require_times

        require_times(inv, "calibrate")
        df = inv.sort_values(["function", "time"], kind="stable")
        codes, self.functions = pd.factorize(df["function"], sort=False)
        t = pd.to_datetime(df["time"]) if not pd.api.types.is_numeric_dtype(df["time"]) else df["time"]
        if pd.api.types.is_datetime64_any_dtype(t):
            t = (t - t.min()).dt.total_seconds()
        a = np.rint(t.to_numpy(float) * TICKS).astype(np.int64)
        init = df["init_duration"].to_numpy(float)
        self.cold = np.isfinite(init)
        busy = df["duration"].to_numpy(float) + np.where(self.cold, init, 0.0)
        e = a + np.maximum(np.rint(busy * TICKS).astype(np.int64), 1)
        order = np.lexsort((a, codes))
        self.codes, self.cold = codes[order], self.cold[order]
        self.levels = levels(self.codes, a[order], e[order])
        self.informative = self.levels.same  # a level's first visit says nothing about the platform

    def nll(self, platform: Platform, rows=None) -> float:
        lw = warm_log_probability(self.levels, platform)[self.informative]
        cold = self.cold[self.informative]
        with np.errstate(divide="ignore"):
            lc = np.log(np.maximum(-np.expm1(lw), 1e-300))
        return -float(np.sum(np.where(cold, lc, np.maximum(lw, -700))))

    def fitted(self, platform: Platform) -> pd.DataFrame:
        p = 1 - np.exp(warm_log_probability(self.levels, platform))
        frame = pd.DataFrame({"function": self.functions[self.codes], "observed": self.cold.astype(float), "fitted": p})
        out = frame.groupby("function", sort=False).agg(invocations=("observed", "size"), observed_cold=("observed", "sum"),
                                                        fitted_cold=("fitted", "sum"))
        out["observed"] = out["observed_cold"] / out["invocations"]
        out["fitted"] = out["fitted_cold"] / out["invocations"]
        return out


# ============================================================================ fitting
# A fit's free parameters, in log space: keep-alive, lifetime hazard, and (variant "spread" only)
# the keep-alive's log-sd. The "fixed" variant holds the keep-alive fixed (spread 0): one parameter
# fewer, kept unless the spread earns its place (see _choose).
VARIANTS = ("fixed", "spread")
_STARTS = {"fixed": ((np.log(650.0), np.log(1 / 7200)), (np.log(600.0), np.log(1 / 36000))),
           "spread": ((np.log(650.0), np.log(1 / 7200), np.log(0.2)), (np.log(600.0), np.log(1 / 36000), np.log(0.05)))}


def _platform(theta, routing) -> Platform:
    ka, hazard = np.exp(np.clip(theta[:2], -30, 30))
    spread = float(np.exp(np.clip(theta[2], -30, 30))) if len(theta) > 2 and theta[2] > _LOWEST else 0.0
    return Platform(keep_alive=float(ka), keep_alive_spread=spread,
                    lifetime=float(1 / hazard) if theta[1] > _LOWEST else None, routing=routing)


def _fit(model, rows, routing, variant="spread"):
    from scipy.optimize import minimize

    floor = np.array([np.log(1.0), _LOWEST, _LOWEST][:len(_STARTS[variant][0])])

    def f(theta):
        return model.nll(_platform(np.maximum(theta, floor), routing), rows)

    best = None
    for x0 in _STARTS[variant]:
        r = minimize(f, np.array(x0), method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-4, "maxiter": 600})
        if best is None or r.fun < best.fun:
            best = r
    return np.maximum(best.x, floor), float(best.fun), f


def _choose(fits: dict) -> tuple:
    """The (routing, variant) of least Akaike criterion (negative log-likelihood plus the number of
    free parameters): a keep-alive spread is kept only when it buys more than it costs, which is
    what makes the fitted platform predict unseen experiments rather than echo the seen ones."""
    return min(fits, key=lambda k: fits[k][1] + len(fits[k][0]))


def _hessian(f, x, step=1e-2):
    k = x.size
    h = np.zeros((k, k))
    f0 = f(x)
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * step, np.eye(k)[j] * step
            if i == j:
                h[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / step ** 2
            else:
                h[i, j] = h[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * step ** 2)
    return h


def _parameters(theta, f) -> pd.DataFrame:
    h = _hessian(f, theta)
    try:
        cov = np.linalg.pinv(h)
        se_log = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:  # pragma: no cover - pinv converges on finite input
        se_log = np.full(theta.size, np.nan)
    ka, hazard = np.exp(theta[:2])
    life = 1 / hazard
    rows = [("keep_alive", ka, ka * se_log[0], "s", "median idle seconds before an idle instance is reclaimed"),
            ("lifetime", life, life * se_log[1], "s", "mean seconds an instance lives before it is recycled")]
    if theta.size > 2:
        spread = np.exp(theta[2])
        rows.insert(1, ("keep_alive_spread", spread, spread * se_log[2], "log-sd",
                        "spread of the idle time allowed (lognormal)"))
    else:
        rows.insert(1, ("keep_alive_spread", 0.0, np.nan, "log-sd",
                        "held at 0 (fixed keep-alive): a spread did not improve the fit by more than it costs"))
    return pd.DataFrame(rows, columns=["parameter", "estimate", "se", "unit", "meaning"]).set_index("parameter")


def init_table(inv: pd.DataFrame) -> pd.DataFrame:
    """INIT seconds of cold starts by memory (and runtime when the column exists): count, median,
    mean and the median's standard error."""
    if "init_duration" not in inv.columns:
        raise StackError("init_table needs an init_duration column (read_lambda_reports gives one)")
    cold = inv[inv["init_duration"].notna()]
    keys = [c for c in ("runtime", "memory") if c in cold.columns]
    if not keys:
        cold = cold.assign(memory=np.nan)
        keys = ["memory"]
    g = cold.groupby(keys, dropna=False)["init_duration"]
    out = g.agg(count="size", median="median", mean="mean", std="std")
    out["median_se"] = 1.2533 * out["std"].fillna(0) / np.sqrt(out["count"])
    return out.drop(columns="std")


def _check_summary(data: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in SUMMARY_COLUMNS if c not in data.columns]
    if missing:
        raise StackError(f"calibrate: experiment summaries need columns {', '.join(SUMMARY_COLUMNS)}; "
                         f"missing {', '.join(missing)}")
    num = data[[c for c in (*SUMMARY_COLUMNS, "p_cold_se") if c in data.columns]].apply(pd.to_numeric, errors="coerce")
    bad = num.isna().any(axis=1) | (num["rate"] <= 0) | (num["p_cold"] <= 0) | (num["p_cold"] >= 1)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise StackError(f"calibrate: experiment row {i + 1} needs rate > 0, numbers of ms and 0 < p_cold < 1; "
                         f"got {data.iloc[i].to_dict()}")
    if len(num) < 3:
        raise StackError("calibrate needs at least 3 experiments to fit up to 3 parameters")
    return num


def _variants(keep_alive: str | None) -> tuple:
    if keep_alive is None:
        return VARIANTS
    if keep_alive not in VARIANTS:
        raise StackError(f"keep_alive {keep_alive!r}: choose from {', '.join(VARIANTS)} (or None: the data decide)")
    return (keep_alive,)


def calibrate(data: pd.DataFrame, *, routing: str | None = None, keep_alive: str | None = None,
              arrivals: int | None = None, seed: int = 0, span: float = 600_000.0) -> Calibration:
    """Fit a :class:`~stackerynb.analysis.platform.Platform` to invocations or experiment
    summaries (see the module docstring). ``routing``: fit only this routing; ``keep_alive``:
    ``"fixed"`` or ``"spread"`` (lognormal) only (default: every combination, the one of least
    Akaike criterion wins). Experiment summaries are simulated over ``span`` seconds of Poisson
    arrivals (at least 30,000 arrivals), or ``arrivals`` per experiment when given."""
    if not isinstance(data, pd.DataFrame):
        raise StackError(f"calibrate needs a DataFrame, got {type(data).__name__}")
    routings = ROUTINGS if routing is None else (routing,)
    if any(r not in ROUTINGS for r in routings):
        raise StackError(f"routing {routing!r}: choose from {', '.join(ROUTINGS)}")
    variants = _variants(keep_alive)
    init = None
    if "p_cold" in data.columns or "rate" in data.columns:
        num = _check_summary(data)
        model = _SummaryModel(num, arrivals, seed, span)
        rows = np.arange(len(num))
        delta = (num["cold_ms"] - num["warm_ms"]).to_numpy() / 1000
        init_value = float(np.mean(delta))
        init = pd.DataFrame({"count": [len(delta)], "median": [float(np.median(delta))], "mean": [init_value],
                             "median_se": [float(np.std(delta, ddof=1) / np.sqrt(len(delta)))]},
                            index=pd.Index([np.nan], name="memory"))
        platform_init = init_value
    else:
        model = _InvocationModel(data)
        rows = None
        if not model.informative.any():
            raise StackError("calibrate: no function in the logs ran twice at one concurrency level; nothing to learn")
        init = init_table(data)
        platform_init = ({float(k[-1] if isinstance(k, tuple) else k): float(v) for k, v in init["median"].items()
                          if np.isfinite(k[-1] if isinstance(k, tuple) else k)} or None) if len(init) else None
    results = {}
    for r in routings:
        for v in variants:
            theta, nll, f = _fit(model, rows, r, v)
            results[r, v] = (theta, nll, f)
    best = _choose(results)
    theta, nll, f = results[best]
    params = _parameters(theta, f)
    platform = _platform(theta, best[0]).with_(init=platform_init, parameters=params)
    per_routing = {r: results[_choose({k: x for k, x in results.items() if k[0] == r})][1] for r in routings}
    return Calibration(platform=platform, parameters=params, fitted=model.fitted(platform),
                       routings=per_routing, init=init)


def cross_validate(data: pd.DataFrame, *, keep_alive: str | None = None, arrivals: int | None = None, seed: int = 0,
                   span: float = 600_000.0, progress: bool = False) -> pd.DataFrame:
    """Leave-one-out cross-validation on experiment summaries: each experiment predicted by the
    platform fitted to the others (routing and keep-alive form chosen per fold, as
    :func:`calibrate` chooses). Columns ``rate``, ``observed``, ``predicted``, ``se``,
    ``rel_error``, ``z``, ``routing``, ``keep_alive``; ``attrs`` hold ``mare`` (mean absolute
    relative error) and ``mean_abs_z`` (mean |error| / standard error)."""
    variants = _variants(keep_alive)
    num = _check_summary(data)
    model = _SummaryModel(num, arrivals, seed, span)
    n = len(num)
    rows = []
    folds = range(n)
    if progress:
        from tqdm.auto import tqdm

        folds = tqdm(folds, desc="leave-one-out", unit="fold")
    for i in folds:
        keep = np.array([j for j in range(n) if j != i])
        fits = {(r, v): _fit(model, keep, r, v)[:2] for r in ROUTINGS for v in variants}
        routing, variant = _choose(fits)
        p = model.predict(_platform(fits[routing, variant][0], routing), [i])[0]
        rows.append({"rate": num["rate"].iloc[i], "observed": model.observed[i], "predicted": p, "se": model.se[i],
                     "rel_error": (p - model.observed[i]) / model.observed[i], "z": (p - model.observed[i]) / model.se[i],
                     "routing": routing, "keep_alive": "lognormal" if variant == "spread" else "fixed"})
    out = pd.DataFrame(rows)
    out.attrs["mare"] = float(out["rel_error"].abs().mean())
    out.attrs["mean_abs_z"] = float(out["z"].abs().mean())
    return out

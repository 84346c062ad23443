"""Replay the past: what each design would have cost on the arrivals and durations in the logs.

:func:`replay` takes invocations read from Lambda's logs (:func:`~stackerynb.analysis.read_lambda_reports`)
and a stack, and answers for each design of :func:`~stackerynb.analysis.alternatives` (as
deployed, one function per API, proxies collapsed, both): monthly cost, cold starts per day and
latency percentiles, each design simulated on the very arrivals of the logs with a calibrated
:class:`~stackerynb.analysis.platform.Platform` (by default calibrated on the same logs).

How a design changes the logged invocations: every invocation keeps its arrival time and logged
duration and runs on the design function that owns its function (merged functions run at the
largest memory of their members and pay their INIT). An invocation of a function that was called
by a member of its own merged group disappears: the call now runs in-process, and the caller's
logged duration already holds the time it waited for it. The first row, ``as deployed
(observed)``, prices the logs as they are, with the cold starts Lambda reported.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from stackerynb.analysis import pricing
from stackerynb.analysis.consolidation import alternatives, call_graph, entry_points
from stackerynb.analysis.platform import Platform
from stackerynb.catalog.prices import Prices, load_prices
from stackerynb.errors import StackError

DAY = 86400.0
COLUMNS = ["functions", "merged", "monthly_compute", "monthly_requests", "monthly_api", "monthly_total",
           "invocations_per_day", "cold_starts_per_day", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms"]


def match_functions(log_functions, stack, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Log function name -> stack function id: ``names`` first, then an exact id, then the one
    function id the deployed name contains (``orders-dev-GetOrder-1A2B`` -> ``GetOrder``)."""
    ids = [n.id for n in stack.nodes if n.kind == "function"]
    out = {}
    for name in log_functions:
        name = str(name)
        if names and name in names:
            target = names[name]
            if target not in ids:
                raise StackError(f"names maps {name!r} to {target!r}, which is not a function of {stack.name}")
            out[name] = target
        elif name in ids:
            out[name] = name
        else:
            hits = [i for i in ids if i in name]
            hits = [h for h in hits if not any(h != o and h in o for o in hits)]  # the longest id wins
            if len(hits) == 1:
                out[name] = hits[0]
    return out


def _quantiles(lat: np.ndarray) -> list[float]:
    return list(np.quantile(lat * 1000, [0.5, 0.95, 0.99])) if lat.size else [np.nan] * 3


def _row(n_functions, merged, frame, cold, latency, memory_of, arch_of, init_of, api_calls, span, prices):
    factor = pricing.monthly_factor(span, prices)
    gb_s = {"x86_64": 0.0, "arm64": 0.0}
    fn = frame["design_function"].to_numpy()
    dur = frame["duration"].to_numpy(float)
    for f in pd.unique(fn):
        sel = fn == f
        init = np.where(cold[sel], init_of[f], 0.0) if prices.init_billed else None
        gb_s[arch_of[f]] += pricing.gb_seconds(pricing.billed_seconds(dur[sel], init), memory_of[f]) * factor
    lam = pricing.lambda_cost(len(frame) * factor, gb_s, prices=prices)
    api = pricing.api_cost(api_calls * factor, "rest", prices)
    q = _quantiles(latency)
    return {"functions": n_functions, "merged": merged, "monthly_compute": lam["compute"],
            "monthly_requests": lam["requests"], "monthly_api": api, "monthly_total": lam["compute"] + lam["requests"] + api,
            "invocations_per_day": len(frame) * DAY / span, "cold_starts_per_day": float(np.sum(cold)) * DAY / span,
            "latency_p50_ms": q[0], "latency_p95_ms": q[1], "latency_p99_ms": q[2]}


def replay(invocations: pd.DataFrame, stack, *, platform: Platform | None = None, names: Mapping[str, str] | None = None,
           prices: Prices | None = None, designs=None) -> pd.DataFrame:
    """One row per design, indexed by design name (see the module docstring); columns as
    :func:`~stackerynb.analysis.consolidation` for cost, cold starts and latency.

    ``invocations``: from :func:`~stackerynb.analysis.read_lambda_reports` (``function``,
    ``time``, ``duration``, ``init_duration``, ``memory``), a pandas or a Dask DataFrame.
    ``platform``: default calibrated on these invocations (:func:`~stackerynb.analysis.calibrate`).
    ``names``: log function name -> stack function id where the deployed names do not contain
    the ids. A Dask DataFrame is computed into this process first (the prices and percentiles
    need every invocation; for per-function cold starts at any scale use
    :func:`~stackerynb.analysis.distributed.simulate_distributed`). ``attrs["notes"]`` says what
    was left out and which platform was used.
    """
    from stackerynb.analysis.simulator import simulate

    prices = prices or load_prices()
    if _is_dask(invocations):
        invocations = invocations.compute()
    required = ("function", "time", "duration")
    missing = [c for c in required if c not in getattr(invocations, "columns", [])]
    if missing:
        raise StackError(f"replay: invocations lack column(s) {', '.join(missing)}; read_lambda_reports gives them")
    from stackerynb.analysis.logs import require_times

    require_times(invocations, "replay")
    notes: list[str] = []
    mapping = match_functions(pd.unique(invocations["function"].astype(str)), stack, names)
    logged = invocations["function"].astype(str)
    unknown = sorted(set(logged) - set(mapping))
    if unknown:
        notes.append(f"left out {len(unknown)} function(s) of the logs that match no function of {stack.name}: "
                     f"{', '.join(unknown[:5])}")
    inv = invocations[logged.isin(list(mapping)).to_numpy()].copy()
    if inv.empty:
        raise StackError(f"replay: no function in the logs matches a function of {stack.name} "
                         f"(functions: {', '.join(n.id for n in stack.nodes if n.kind == 'function')}); pass names=")
    inv["member"] = inv["function"].astype(str).map(mapping)
    span = float(inv["time"].max() - inv["time"].min()) + float(inv["duration"].max())
    span = max(span, 1.0)
    if platform is None:
        from stackerynb.analysis.calibrate import calibrate

        try:
            platform = calibrate(inv).platform
            notes.append(f"platform calibrated on these logs: {platform!r}")
        except StackError as exc:
            platform = Platform()
            notes.append(f"default platform (calibration not possible: {exc})")
    cold_obs = inv["init_duration"].notna().to_numpy() if "init_duration" in inv else np.zeros(len(inv), bool)
    init_obs = inv["init_duration"].to_numpy(float) if "init_duration" in inv else np.zeros(len(inv))
    entries = entry_points(stack)
    api_targets = {e.function for e in entries if e.kind == "rest_api"}
    api_calls = int(inv["member"].isin(list(api_targets)).sum())
    callers: dict[str, set[str]] = {}
    for caller, callees in call_graph(stack).items():
        for callee in callees:
            callers.setdefault(callee, set()).add(caller)

    designs = list(designs) if designs is not None else alternatives(stack)
    rows, index = [], []
    # as deployed, observed: the logs priced as they are
    mem_member = inv.groupby("member")["memory"].max().to_dict() if "memory" in inv else {}
    base = designs[0]
    obs = inv.assign(design_function=inv["member"])
    memory_of = {m: float(mem_member.get(m, base.functions[m].memory)) for m in base.functions}
    arch_of = {m: base.functions[m].architecture for m in base.functions}
    lat_obs = inv["duration"].to_numpy(float) + np.nan_to_num(init_obs)
    observed_init = {m: float(np.nanmedian(init_obs[(inv["member"] == m).to_numpy() & cold_obs]))
                     if ((inv["member"] == m).to_numpy() & cold_obs).any() else base.functions[m].init
                     for m in base.functions}
    rows.append(_row(len(set(inv["member"])), "", obs, cold_obs, lat_obs, memory_of, arch_of, observed_init,
                     api_calls, span, prices))
    index.append("as deployed (observed)")
    for d in designs:
        owner = d.owner
        member = inv["member"].to_numpy()
        absorbed = np.array([any(owner[c] == owner[m] for c in callers.get(m, ())) for m in member], bool)
        frame = inv.loc[~absorbed, ["time", "duration", "member"]].copy()
        frame["design_function"] = frame["member"].map(owner)
        spec = d.functions
        used = list(pd.unique(frame["design_function"]))
        # INIT: what the logs measured for an unmerged function, the design's estimate for a merged one
        init_of = {f: (observed_init[f] if len(spec[f].members) == 1 else spec[f].init) for f in used}
        sim_in = pd.DataFrame({"function": pd.Categorical(frame["design_function"], categories=used),
                               "time": frame["time"].to_numpy(float) - float(inv["time"].min()),
                               "duration": frame["duration"].to_numpy(float)})
        result = simulate(sim_in, init=init_of, memory={f: float(spec[f].memory) for f in used}, platform=platform)
        cold = result.invocations["cold"].to_numpy()
        lat = result.invocations["latency"].to_numpy()
        mem = {f: float(spec[f].memory) for f in used}
        arch = {f: spec[f].architecture for f in used}
        merged = "; ".join("+".join(g) for g in d.groups)
        rows.append(_row(len(used), merged, frame, cold, lat, mem, arch, init_of, api_calls, span, prices))
        index.append(d.name if d.name != "as designed" else "as deployed")
    table = pd.DataFrame(rows, index=pd.Index(index, name="design"), columns=COLUMNS)
    table.attrs["notes"] = notes + [n for d in designs for n in d.notes]
    table.attrs["platform"] = platform
    table.attrs["days"] = span / DAY
    return table


def _is_dask(obj) -> bool:
    return type(obj).__module__.startswith("dask")

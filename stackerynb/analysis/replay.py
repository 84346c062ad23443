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
from stackerynb.model.groups import connected_groups

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


def _quantiles(values: np.ndarray, counts: np.ndarray, qs=(0.5, 0.95, 0.99)) -> list[float]:
    """``np.quantile``'s linear rule over a sample given as distinct sorted values and their counts
    (so partial samples from many workers combine exactly)."""
    n = int(counts.sum())
    if n == 0:
        return [np.nan] * len(qs)
    ends = np.cumsum(counts)  # sorted position k holds values[searchsorted(ends, k, "right")]
    out = []
    for q in qs:
        h = (n - 1) * q
        lo = int(np.floor(h))
        a = values[np.searchsorted(ends, lo, side="right")]
        b = values[np.searchsorted(ends, min(lo + 1, n - 1), side="right")]
        out.append(float(a + (h - lo) * (b - a)))
    return out


def _merge_counts(parts) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if p[0].size]
    if not parts:
        return np.zeros(0), np.zeros(0, np.int64)
    v, inv = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    return v, np.bincount(inv, weights=np.concatenate([p[1] for p in parts]), minlength=v.size).astype(np.int64)


def _value_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v, c = np.unique(x, return_counts=True)
    return v, c.astype(np.int64)


def _gb_seconds(frame_fn, dur, cold, memory_of, arch_of, init_of, prices) -> dict:
    gb_s = {"x86_64": 0.0, "arm64": 0.0}
    for f in pd.unique(frame_fn):
        sel = frame_fn == f
        init = np.where(cold[sel], init_of[f], 0.0) if prices.init_billed else None
        gb_s[arch_of[f]] += pricing.gb_seconds(pricing.billed_seconds(dur[sel], init), memory_of[f])
    return gb_s


def _partial(n, cold, latency, gb_s, api_calls) -> dict:
    """What one partition contributes to one design's row (sums, and latencies as value counts)."""
    return {"n": int(n), "cold": int(np.sum(cold)), "latency": _value_counts(np.asarray(latency) * 1000),
            "gb_s": gb_s, "api": int(api_calls)}


def _combine(parts: list[dict]) -> dict:
    gb = {"x86_64": 0.0, "arm64": 0.0}
    for p in parts:
        for k, v in p["gb_s"].items():
            gb[k] += v
    return {"n": sum(p["n"] for p in parts), "cold": sum(p["cold"] for p in parts), "gb_s": gb,
            "api": sum(p["api"] for p in parts), "latency": _merge_counts([p["latency"] for p in parts])}


def _row(n_functions, merged, total: dict, span, prices) -> dict:
    factor = pricing.monthly_factor(span, prices)
    lam = pricing.lambda_cost(total["n"] * factor, {k: v * factor for k, v in total["gb_s"].items()}, prices=prices)
    api = pricing.api_cost(total["api"] * factor, "rest", prices)
    q = _quantiles(*total["latency"])
    return {"functions": n_functions, "merged": merged, "monthly_compute": lam["compute"],
            "monthly_requests": lam["requests"], "monthly_api": api, "monthly_total": lam["compute"] + lam["requests"] + api,
            "invocations_per_day": total["n"] * DAY / span, "cold_starts_per_day": total["cold"] * DAY / span,
            "latency_p50_ms": q[0], "latency_p95_ms": q[1], "latency_p99_ms": q[2]}


# ============================================================================ per partition
def _stats(part: pd.DataFrame, mapping: dict) -> dict:
    """What the driver needs before simulating: span, missing times, memory and cold INITs by member."""
    part = part.reset_index() if part.index.name == "function" else part
    member = part["function"].astype(str).map(mapping)
    keep = member.notna().to_numpy()
    part, member = part[keep], member[keep]
    time = pd.to_numeric(part["time"], errors="coerce").to_numpy(float)
    out = {"rows": int(len(part)), "no_time": int(np.isnan(time).sum()),
           "t_min": float(np.nanmin(time)) if np.isfinite(time).any() else np.inf,
           "t_max": float(np.nanmax(time)) if np.isfinite(time).any() else -np.inf,
           "dur_max": float(part["duration"].max()) if len(part) else -np.inf, "memory": {}, "init": {}}
    if "memory" in part and len(part):
        out["memory"] = part.groupby(member.to_numpy())["memory"].max().to_dict()
    if "init_duration" in part and len(part):
        init = part["init_duration"].to_numpy(float)
        cold = np.isfinite(init)
        for m in pd.unique(member.to_numpy()[cold]):
            out["init"][m] = init[cold & (member.to_numpy() == m)]
    return out


def _replay_partition(part: pd.DataFrame, ctx: dict) -> list[dict]:
    """One partial per design row (observed first) from the invocations of whole merge groups."""
    from stackerynb.analysis.simulator import simulate

    part = part.reset_index() if part.index.name == "function" else part
    member_s = part["function"].astype(str).map(ctx["mapping"])
    keep = member_s.notna().to_numpy()
    inv, member = part[keep], member_s[keep].to_numpy(object)
    dur = inv["duration"].to_numpy(float)
    init_obs = inv["init_duration"].to_numpy(float) if "init_duration" in inv else np.full(len(inv), np.nan)
    cold_obs = np.isfinite(init_obs)
    api_targets = ctx["api_targets"]
    is_api = np.isin(member, list(api_targets)) if len(member) else np.zeros(0, bool)
    out = [_partial(len(inv), cold_obs, dur + np.nan_to_num(init_obs),
                    _gb_seconds(member, dur, cold_obs, ctx["memory_of"], ctx["arch_of"], ctx["observed_init"],
                                ctx["prices"]) if len(inv) else {"x86_64": 0.0, "arm64": 0.0}, is_api.sum())]
    time = inv["time"].to_numpy(float) - ctx["t0"]
    for d in ctx["designs"]:
        owner, spec = d.owner, d.functions
        # per member, not per invocation: a member called from inside its own merged group is absorbed
        absorbed_members = [m for m in pd.unique(member)
                            if any(owner[c] == owner[m] for c in ctx["callers"].get(m, ()))]
        kept = ~np.isin(member, absorbed_members)
        fn = pd.Series(member[kept], dtype=object).map(owner).to_numpy(object)
        used = list(pd.unique(fn))
        init_of = {f: (ctx["observed_init"][f] if len(spec[f].members) == 1 else spec[f].init) for f in used}
        mem = {f: float(spec[f].memory) for f in used}
        arch = {f: spec[f].architecture for f in used}
        if not used:
            out.append(_partial(0, np.zeros(0, bool), np.zeros(0), {"x86_64": 0.0, "arm64": 0.0}, 0))
            continue
        sim_in = pd.DataFrame({"function": pd.Categorical(fn, categories=used), "time": time[kept],
                               "duration": dur[kept]})
        result = simulate(sim_in, init=init_of, memory=mem, platform=ctx["platform"])
        cold = result.invocations["cold"].to_numpy()
        lat = result.invocations["latency"].to_numpy()
        out.append(_partial(kept.sum(), cold, lat, _gb_seconds(fn, dur[kept], cold, mem, arch, init_of, ctx["prices"]),
                            is_api.sum()))
    return out


def _merge_groups(designs, members) -> dict[str, int]:
    """Member -> group id such that every merge of every design stays inside one group."""
    known = set(members)
    pairs = [(m, other) for d in designs for m, o in d.owner.items() if m in known
             for other in d.functions[o].members if other in known]
    groups = connected_groups(pairs, list(members), min_size=1)
    return {m: index for index, group in enumerate(groups) for m in group}


def replay(invocations, stack, *, platform: Platform | None = None, names: Mapping[str, str] | None = None,
           prices: Prices | None = None, designs=None, client=None, scheduler: str | None = None,
           npartitions: int | None = None) -> pd.DataFrame:
    """One row per design, indexed by design name (see the module docstring); columns as
    :func:`~stackerynb.analysis.consolidation` for cost, cold starts and latency.

    ``invocations``: from :func:`~stackerynb.analysis.read_lambda_reports` (``function``,
    ``time``, ``duration``, ``init_duration``, ``memory``), a pandas or a Dask DataFrame.
    ``platform``: default calibrated on these invocations (:func:`~stackerynb.analysis.calibrate`).
    ``names``: log function name -> stack function id where the deployed names do not contain
    the ids. A Dask DataFrame runs on dask.distributed (``client``, ``scheduler`` address, or an
    embedded ``LocalCluster``): it is shuffled so that the functions one design merges share a
    partition, each partition is replayed on a worker, and only sums and latency value counts come
    back; the answer equals the in-process one. ``attrs["notes"]`` says what was left out and which
    platform was used.
    """
    prices = prices or load_prices()
    dask_input = _is_dask(invocations)
    required = ("function", "time", "duration")
    missing = [c for c in required if c not in getattr(invocations, "columns", [])]
    if missing:
        raise StackError(f"replay: invocations lack column(s) {', '.join(missing)}; read_lambda_reports gives them")
    if not dask_input and not isinstance(invocations, pd.DataFrame):
        raise StackError(f"replay needs a pandas or Dask DataFrame, got {type(invocations).__name__}")
    if dask_input:
        from stackerynb.analysis.distributed import cluster_client

        with cluster_client(client, scheduler) as c:
            return _replay(invocations, stack, platform, names, prices, designs, c, npartitions)
    return _replay(invocations, stack, platform, names, prices, designs, None, npartitions)


def _run(client, func, frames, *args):
    """``func(frame, *args)`` for each partition: on the cluster, or here for a pandas frame."""
    if client is None:
        return [func(f, *args) for f in frames]
    from dask import delayed

    return client.gather(client.compute([delayed(func)(f, *args) for f in frames]))


def _replay(invocations, stack, platform, names, prices, designs, client, npartitions) -> pd.DataFrame:
    notes: list[str] = []
    if client is not None:
        functions = client.compute(invocations["function"].astype(str).unique()).result()
    else:
        functions = pd.unique(invocations["function"].astype(str))
    mapping = match_functions(functions, stack, names)
    unknown = sorted(set(map(str, functions)) - set(mapping))
    if unknown:
        notes.append(f"left out {len(unknown)} function(s) of the logs that match no function of {stack.name}: "
                     f"{', '.join(unknown[:5])}")
    if not mapping:
        raise StackError(f"replay: no function in the logs matches a function of {stack.name} "
                         f"(functions: {', '.join(n.id for n in stack.nodes if n.kind == 'function')}); pass names=")
    designs = list(designs) if designs is not None else alternatives(stack)
    base = designs[0]
    groups = _merge_groups(designs, sorted(set(mapping.values())))
    if client is not None:
        import dask.dataframe as dd

        keyed = invocations.assign(_group=invocations["function"].astype(str).map(
            {f: groups[m] for f, m in mapping.items()}, meta=("_group", "float64")).fillna(-1).astype("int64"))
        frames = keyed.shuffle(on="_group", npartitions=npartitions).to_delayed()
    else:
        frames = [invocations]
    stats = _run(client, _stats, frames, mapping)
    no_time = sum(s["no_time"] for s in stats)
    if no_time:
        from stackerynb.analysis.logs import require_times

        require_times(pd.DataFrame({"time": [np.nan] * no_time}), "replay")
    t0, t1 = min(s["t_min"] for s in stats), max(s["t_max"] for s in stats)
    span = max(float(t1 - t0) + max(s["dur_max"] for s in stats), 1.0)
    mem_member: dict = {}
    inits: dict = {}
    for s in stats:
        for m, v in s["memory"].items():
            mem_member[m] = max(mem_member.get(m, v), v)
        for m, v in s["init"].items():
            inits.setdefault(m, []).append(v)
    if platform is None:
        from stackerynb.analysis.calibrate import calibrate

        if client is None:
            sample, where = invocations[invocations["function"].astype(str).isin(list(mapping)).to_numpy()], "these logs"
        else:
            sample = client.compute(frames[int(np.argmax([s["rows"] for s in stats]))]).result()
            sample = sample[sample["function"].astype(str).isin(list(mapping)).to_numpy()]
            where = f"the largest partition ({len(sample):,} invocations of {sample['function'].nunique()} functions)"
        try:
            platform = calibrate(sample).platform
            notes.append(f"platform calibrated on {where}: {platform!r}")
        except StackError as exc:
            platform = Platform()
            notes.append(f"default platform (calibration not possible: {exc})")
    observed_init = {m: float(np.median(np.concatenate(inits[m]))) if m in inits else base.functions[m].init
                     for m in base.functions}
    entries = entry_points(stack)
    callers: dict[str, set[str]] = {}
    for caller, callees in call_graph(stack).items():
        for callee in callees:
            callers.setdefault(callee, set()).add(caller)
    ctx = {"mapping": mapping, "t0": t0, "designs": designs, "callers": callers, "platform": platform,
           "prices": prices, "api_targets": {e.function for e in entries if e.kind == "rest_api"},
           "memory_of": {m: float(mem_member.get(m, base.functions[m].memory)) for m in base.functions},
           "arch_of": {m: base.functions[m].architecture for m in base.functions}, "observed_init": observed_init}
    partials = _run(client, _replay_partition, frames, ctx)
    totals = [_combine([p[i] for p in partials]) for i in range(len(designs) + 1)]
    present = sorted(set(mapping.values()))
    rows = [_row(len(present), "", totals[0], span, prices)]
    index = ["as deployed (observed)"]
    for d, total in zip(designs, totals[1:]):
        used = {d.owner[m] for m in present}
        # a member absorbed by its caller leaves no invocation of its own, but its owner runs
        rows.append(_row(len(used), "; ".join("+".join(g) for g in d.groups), total, span, prices))
        index.append(d.name if d.name != "as designed" else "as deployed")
    table = pd.DataFrame(rows, index=pd.Index(index, name="design"), columns=COLUMNS)
    table.attrs["notes"] = notes + [n for d in designs for n in d.notes]
    table.attrs["platform"] = platform
    table.attrs["days"] = span / DAY
    return table


def _is_dask(obj) -> bool:
    return type(obj).__module__.startswith("dask")

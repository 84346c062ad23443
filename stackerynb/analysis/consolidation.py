"""Separate functions or one? Cost, cold starts, latency and IAM breadth of consolidated designs.

:func:`alternatives` builds the designs of a stack: as designed; the functions behind each
``rest_api`` merged into one function with a router; proxy chains (``function -> function``
wires) collapsed into one function; and both together. :func:`consolidation` simulates each
design on the same arrivals and tabulates it; :func:`recommend` names the single merges that save
the most, with what they cost in IAM breadth, package size and cold-start time.

The request model. Every function ``F`` does ``durations[F]`` seconds of its own work per call,
then calls each function it is wired to (``F -> G``), in wire order, synchronously. A remote call
is a separate Lambda invocation: the caller idles (and is billed) while it waits, and both pay
their own cold starts. A call between members of one merged function runs in-process: no
invocation, no second cold start, no wait beyond the work itself. A merged function has the
largest memory of its members (all its calls are billed at it), their common runtime (members
with different runtimes are not merged), arm64 only when every member is arm64, and a package the
size of its members' packages together (it pays that in INIT time on every cold start).

Approximations: the arrival time of a remote call ignores cold-start delays upstream of it (a
shift of at most the INIT times on the path); callers' busy times use the callees' simulated
latencies exactly (the designs are iterated until no latency changes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from stackerynb.analysis import iam, pricing
from stackerynb.analysis.simulator import simulate
from stackerynb.analysis.traffic import DAY, Profile, Traffic, from_schedule, none
from stackerynb.catalog import wire_profile
from stackerynb.catalog.prices import Prices, coldstart_table, init_seconds, load_prices
from stackerynb.errors import StackError
from stackerynb.model.groups import connected_groups

DEFAULT_DURATION = 0.1  # seconds of own work per call when nothing better is known
TABLE_COLUMNS = ["functions", "merged", "monthly_compute", "monthly_requests", "monthly_api", "monthly_total",
                 "invocations_per_day", "cold_starts_per_day", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms",
                 "iam_actions", "iam_resources", "largest_role", "package_mb"]


# ============================================================================ stack shape
@dataclass(frozen=True)
class Entry:
    """An entry point: the wire ``source -> function`` through which outside traffic arrives."""

    source: str
    function: str
    kind: str  # the source's kind: rest_api, timer, queue, ...

    @property
    def name(self) -> str:
        return f"{self.source}->{self.function}"


def entry_points(stack) -> list[Entry]:
    """Wires that trigger a function from a non-function node (routes, schedules, event sources)."""
    out = []
    for wire in stack.wires:
        src, dst = stack.node(wire.source), stack.node(wire.target)
        if dst.kind != "function" or src.kind == "function":
            continue
        profile = wire_profile(src.kind, dst.kind)
        if profile is not None and profile.event:
            out.append(Entry(src.id, dst.id, src.kind))
    return out


def _functions(stack) -> list[str]:
    return [n.id for n in stack.nodes if n.kind == "function"]


def call_graph(stack) -> dict[str, list[str]]:
    """function -> functions it calls synchronously (``function -> function`` wires), in wire
    order. Raises StackError on a call cycle, which would never return."""
    calls = {f: [] for f in _functions(stack)}
    for wire in stack.wires:
        if wire.source in calls and wire.target in calls:
            calls[wire.source].append(wire.target)
    state: dict[str, int] = {}

    def visit(f, path):
        if state.get(f) == 1:
            cycle = path[path.index(f):] + [f]
            raise StackError(f"proxy calls form a cycle: {' -> '.join(cycle)}")
        if state.get(f) == 2:
            return
        state[f] = 1
        for g in calls[f]:
            visit(g, path + [f])
        state[f] = 2

    for f in calls:
        visit(f, [])
    return calls


# ============================================================================ designs
@dataclass(frozen=True)
class MergedFunction:
    """A function of a design: one original function, or several merged into one."""

    id: str
    members: tuple[str, ...]
    runtime: str
    memory: int
    architecture: str
    package_mb: float
    init: float  # seconds of INIT per cold start


@dataclass
class Design:
    """An alternative: ``owner`` maps each original function to the design function that runs it."""

    name: str
    description: str
    functions: dict[str, MergedFunction]
    owner: dict[str, str]
    groups: tuple[tuple[str, ...], ...] = ()
    notes: list[str] = field(default_factory=list)


def _options_value(value, key, default):
    if isinstance(value, Mapping):
        return value.get(key, default)
    return default if value is None else value


def design(stack, groups: Sequence[Sequence[str]], name: str, description: str, *,
           package_mb: Mapping[str, float] | float | None = None,
           init: Mapping[str, float] | float | None = None) -> Design:
    """A design merging each group of functions into one; groups whose members use different
    runtimes stay separate (and say so in ``notes``)."""
    functions = _functions(stack)
    known = set(functions)
    table = coldstart_table()
    owner = {f: f for f in functions}
    merged: dict[str, MergedFunction] = {}
    notes: list[str] = []
    kept: list[tuple[str, ...]] = []

    def single(f):
        node = stack.node(f)
        pkg = float(_options_value(package_mb, f, table["default_package_mb"]))
        rt, mem, arch = node.get("runtime"), int(node.get("memory")), node.get("architecture")
        est = init_seconds(rt, mem, arch, pkg)
        return MergedFunction(f, (f,), rt, mem, arch, pkg, float(_options_value(init, f, est)))

    singles = {f: single(f) for f in functions}
    for group in groups:
        group = tuple(group)
        bad = [g for g in group if g not in known]
        if bad:
            raise StackError(f"cannot merge {', '.join(bad)}: not functions of {stack.name}")
        runtimes = {singles[g].runtime for g in group}
        if len(runtimes) > 1:
            notes.append(f"kept {', '.join(group)} apart: different runtimes ({', '.join(sorted(runtimes))})")
            continue
        members = [singles[g] for g in group]
        rt = members[0].runtime
        mem = max(m.memory for m in members)
        arch = "arm64" if all(m.architecture == "arm64" for m in members) else "x86_64"
        pkg = sum(m.package_mb for m in members)
        # the slowest member's INIT, grown by the extra code the merged package carries
        slowest = max(members, key=lambda m: m.init)
        grow = init_seconds(rt, mem, arch, pkg) - init_seconds(rt, mem, arch, slowest.package_mb)
        mid = "+".join(group)
        merged[mid] = MergedFunction(mid, group, rt, mem, arch, pkg, slowest.init + max(grow, 0.0))
        for g in group:
            owner[g] = mid
        kept.append(group)
    fns = {f: singles[f] for f in functions if owner[f] == f}
    fns.update(merged)
    return Design(name, description, fns, owner, tuple(kept), notes)


def alternatives(stack, *, package_mb=None, init=None) -> list[Design]:
    """As designed; each rest_api's functions merged; proxy chains collapsed; both. Designs that
    would merge nothing are left out (as designed is always first)."""
    functions = _functions(stack)
    entries = entry_points(stack)
    api_pairs = []
    for api in {e.source for e in entries if e.kind == "rest_api"}:
        targets = [e.function for e in entries if e.source == api]
        api_pairs += [(targets[0], t) for t in targets[1:]]
    proxy_pairs = [(a, b) for a, callees in call_graph(stack).items() for b in callees]
    opts = {"package_mb": package_mb, "init": init}
    out = [design(stack, [], "as designed", "every function on its own", **opts)]
    for name, pairs, text in [
        ("one function per api", api_pairs, "the functions behind each rest_api merged into one with a router"),
        ("proxies collapsed", proxy_pairs, "functions that call each other merged into one"),
        ("consolidated", api_pairs + proxy_pairs, "both: one function per api and proxy chains collapsed"),
    ]:
        groups = connected_groups(pairs, functions, min_size=2)
        if groups:
            d = design(stack, groups, name, text, **opts)
            if d.groups and not any(d.groups == o.groups for o in out):
                out.append(d)
            else:  # nothing left to merge: keep what it would have said
                out[0].notes.extend(n for n in d.notes if n not in out[0].notes)
    return out


# ============================================================================ traffic
def resolve_traffic(stack, traffic: Traffic | Mapping[str, Profile]) -> tuple[dict[Entry, Profile], dict[Entry, float], dict[str, float], list[str]]:
    """Match traffic names to the stack's entry points.

    Returns (entry -> profile, entry -> own seconds of work, function -> own seconds of work,
    notes). A name is ``"Source->Function"``, or a node id naming one entry wire (a timer, a
    queue, a function with one entry), or a function without entries whose profile is ``none``
    (a row that only gives a proxied function's duration). Timers without traffic fire on their
    schedule; other entries without traffic get none, and a note says so.
    """
    if not isinstance(traffic, Traffic):
        traffic = Traffic(dict(traffic))
    entries = entry_points(stack)
    by_name = {e.name: e for e in entries}
    functions = set(_functions(stack))
    profiles: dict[Entry, Profile] = {}
    entry_durations: dict[Entry, float] = {}
    function_durations: dict[str, float] = {}
    notes: list[str] = []
    for name, profile in traffic.items():
        key = name.replace(" ", "")
        if key in by_name:
            match = [by_name[key]]
        else:
            match = [e for e in entries if name in (e.source, e.function)]
        if len(match) == 1:
            entry = match[0]
            profiles[entry] = profile
            if name in traffic.durations:
                entry_durations[entry] = traffic.durations[name]
            continue
        if not match and name in functions and profile.mean_rate() == 0:
            if name in traffic.durations:
                function_durations[name] = traffic.durations[name]
            continue
        listing = ", ".join(e.name for e in (match or entries)) or "none"
        if match:
            raise StackError(f"traffic {name!r} is ambiguous: it matches {listing}; name the wire")
        raise StackError(f"traffic {name!r} matches no entry point of {stack.name}; entry points: {listing}")
    for entry in entries:
        if entry in profiles:
            continue
        if entry.kind == "timer" and not stack.node(entry.source).get("enabled"):
            profiles[entry] = none()
        elif entry.kind == "timer":
            profiles[entry] = from_schedule(stack.node(entry.source).get("schedule"))
        else:
            profiles[entry] = none()
            notes.append(f"no traffic given for {entry.name}: counted as none")
    return profiles, entry_durations, function_durations, notes


# ============================================================================ evaluation
@dataclass
class Evaluation:
    """One design simulated: ``row`` is its line of the consolidation table, ``invocations``
    every Lambda invocation (function, member, time, duration, cold, latency, parent, entry),
    ``requests`` every outside request (entry, time, latency)."""

    design: Design
    row: dict
    invocations: pd.DataFrame
    requests: pd.DataFrame
    seconds: float


def _expand(calls, owner, own, memo):
    """Template of one request for member ``m`` run by its owner: (inline seconds of work,
    [(warm offset, callee member)], warm latency)."""

    def expand(m, root_own=None):
        key = (m, root_own)
        if key in memo:
            return memo[key]
        g = owner[m]
        work = own[m] if root_own is None else root_own
        elapsed = work
        remote = []
        for c in calls[m]:
            if owner[c] == g:
                w, r, lat = expand(c)
                remote += [(elapsed + off, cm) for off, cm in r]
                work += w
                elapsed += lat
            else:
                remote.append((elapsed, c))
                elapsed += expand(c)[2]
        memo[key] = (work, remote, elapsed)
        return memo[key]

    return expand


def evaluate(stack, design_: Design, traffic, *, days: float = 1.0, seed: int = 0, keep_alive: float = 600.0,
             max_lifetime: float | None = None, durations: Mapping[str, float] | None = None,
             prices: Prices | None = None, platform=None, _resolved=None) -> Evaluation:
    """Simulate one design over ``days`` of the traffic and price it for a month. ``platform``:
    a :class:`~stackerynb.analysis.platform.Platform` (e.g. calibrated) instead of
    ``keep_alive``/``max_lifetime``."""
    prices = prices or load_prices()
    if days <= 0:
        raise StackError("days must be positive")
    seconds = days * DAY
    profiles, entry_dur, fn_dur, notes = _resolved or resolve_traffic(stack, traffic)
    functions = _functions(stack)
    for f in durations or {}:
        if f not in functions:
            raise StackError(f"durations names {f!r}, which is not a function of {stack.name}")
    own = {f: float((durations or {}).get(f, fn_dur.get(f, DEFAULT_DURATION))) for f in functions}
    calls = call_graph(stack)
    expand = _expand(calls, design_.owner, own, {})

    # arrivals, identical for every design (same seed)
    entries = list(profiles)
    arrivals = Traffic({e.name: profiles[e] for e in entries}).invocations(seconds, seed)
    codes = arrivals["entry"].cat.codes.to_numpy()
    times = arrivals["time"].to_numpy()

    fn_names: list[str] = list(design_.functions)
    fn_index = {f: i for i, f in enumerate(fn_names)}
    batches = []  # (function idx, member, times, own work, parent ids, entry code)
    next_id = 0

    def instantiate(member, t, parent, entry_code, root_own=None):
        nonlocal next_id
        work, remote, _ = expand(member, root_own)
        ids = np.arange(next_id, next_id + t.size)
        next_id += t.size
        batches.append((fn_index[design_.owner[member]], member, t, work, ids, parent, entry_code))
        for off, callee in remote:
            instantiate(callee, t + off, ids, entry_code)
        return ids

    root_ids = np.empty(times.size, np.int64)
    for code, entry in enumerate(entries):
        sel = np.flatnonzero(codes == code)
        if sel.size == 0:
            continue
        root_ids[sel] = instantiate(entry.function, times[sel], np.full(sel.size, -1), code, entry_dur.get(entry))
    if batches:
        rec = pd.DataFrame({
            "function": pd.Categorical.from_codes(np.concatenate([np.full(b[2].size, b[0]) for b in batches]), fn_names),
            "member": np.concatenate([np.full(b[2].size, b[1], dtype=object) for b in batches]),
            "time": np.concatenate([b[2] for b in batches]),
            "own": np.concatenate([np.full(b[2].size, b[3]) for b in batches]),
            "parent": np.concatenate([b[5] for b in batches]),
            "entry": np.concatenate([np.full(b[2].size, b[6]) for b in batches]),
        }, index=np.concatenate([b[4] for b in batches]))
        rec = rec.sort_index()
    else:
        rec = pd.DataFrame({"function": pd.Categorical([], categories=fn_names), "member": [], "time": [],
                            "own": [], "parent": [], "entry": []})
    spec = design_.functions
    present = [f for f in fn_names if (rec["function"] == f).any()] if len(rec) else []
    init = {f: spec[f].init for f in present}
    memory = {f: spec[f].memory for f in present}
    parent = rec["parent"].to_numpy().astype(np.int64)
    has_parent = parent >= 0
    latency = np.zeros(len(rec))
    result = None
    for _ in range(50):  # a chain of n proxies settles in n + 1 rounds
        wait = np.bincount(parent[has_parent], weights=latency[has_parent], minlength=len(rec)) if len(rec) else np.zeros(0)
        frame = rec[["function", "time"]].copy()
        frame["function"] = frame["function"].cat.remove_unused_categories()
        frame["duration"] = rec["own"].to_numpy() + wait
        result = simulate(frame, keep_alive=keep_alive, max_lifetime=max_lifetime, init=init, memory=memory,
                          platform=platform) if len(rec) else None
        new = result.invocations["latency"].to_numpy() if result is not None else latency
        if np.array_equal(new, latency) or not has_parent.any():
            latency = new
            break
        latency = new
    rec["duration"] = frame["duration"].to_numpy() if len(rec) else np.zeros(0)
    rec["cold"] = result.invocations["cold"].to_numpy() if result is not None else np.zeros(0, bool)
    rec["latency"] = latency
    requests = pd.DataFrame({"entry": arrivals["entry"], "time": times,
                             "latency": latency[root_ids] if times.size else np.zeros(0)})
    row = _price(stack, design_, rec, requests, entries, seconds, prices)
    return Evaluation(design_, row, rec, requests, seconds)


def _price(stack, design_, rec, requests, entries, seconds, prices) -> dict:
    factor = pricing.monthly_factor(seconds, prices)
    gb_s = {"x86_64": 0.0, "arm64": 0.0}
    for f, spec in design_.functions.items():
        sel = (rec["function"] == f).to_numpy()
        if not sel.any():
            continue
        init = np.where(rec["cold"].to_numpy()[sel], spec.init, 0.0) if prices.init_billed else None
        billed = pricing.billed_seconds(rec["duration"].to_numpy()[sel], init)
        gb_s[spec.architecture] += pricing.gb_seconds(billed, spec.memory) * factor
    lam = pricing.lambda_cost(len(rec) * factor, gb_s, prices=prices)
    rest_codes = [i for i, e in enumerate(entries) if e.kind == "rest_api"]
    is_rest = requests["entry"].cat.codes.isin(rest_codes).to_numpy() if len(requests) else np.zeros(0, bool)
    api = pricing.api_cost(is_rest.sum() * factor, "rest", prices)
    user_facing = requests.loc[is_rest] if is_rest.any() else requests
    lat_ms = user_facing["latency"].to_numpy() * 1000
    q = np.quantile(lat_ms, [0.5, 0.95, 0.99]) if lat_ms.size else [np.nan] * 3
    largest, best = "", (-1, -1)
    for f, spec in design_.functions.items():
        b = iam.breadth(iam.merged_grants(stack, spec.members))
        if b > best:
            largest, best = f, b
    merged = "; ".join("+".join(g) for g in design_.groups)
    return {
        "functions": len(design_.functions),
        "merged": merged,
        "monthly_compute": lam["compute"],
        "monthly_requests": lam["requests"],
        "monthly_api": api,
        "monthly_total": lam["compute"] + lam["requests"] + api,
        "invocations_per_day": len(rec) * DAY / seconds,
        "cold_starts_per_day": float(rec["cold"].sum()) * DAY / seconds,
        "latency_p50_ms": q[0], "latency_p95_ms": q[1], "latency_p99_ms": q[2],
        "iam_actions": max(best[0], 0), "iam_resources": max(best[1], 0), "largest_role": largest,
        "package_mb": max((s.package_mb for s in design_.functions.values()), default=0.0),
    }


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ============================================================================ public API
def consolidation(stack, traffic, *, days: float = 1.0, seed: int = 0, keep_alive: float = 600.0,
                  max_lifetime: float | None = None, durations: Mapping[str, float] | None = None,
                  package_mb=None, init=None, prices: Prices | None = None,
                  designs: Sequence[Design] | None = None, details: bool = False, platform=None,
                  client=None, scheduler: str | None = None):
    """The tradeoff table: one row per design (see :func:`alternatives`), indexed by design name.

    Columns: ``functions``, ``merged`` (groups), monthly USD ``monthly_compute`` (GB-seconds,
    INIT included), ``monthly_requests`` (Lambda requests), ``monthly_api`` (REST API requests),
    ``monthly_total``, ``invocations_per_day``, ``cold_starts_per_day``, ``latency_p50/p95/p99_ms``
    (of requests through rest_api routes, or of every entry when there is no API),
    ``iam_actions``/``iam_resources`` of the ``largest_role``, and the largest ``package_mb``.

    ``traffic``: a :class:`~stackerynb.analysis.traffic.Traffic` or mapping entry -> profile, or
    **invocations** (a pandas or Dask DataFrame as :func:`~stackerynb.analysis.read_lambda_reports`
    gives): then every design runs on those very arrivals and durations, as
    :func:`~stackerynb.analysis.replay` does (a Dask frame on dask.distributed: ``client``,
    ``scheduler`` address or an embedded ``LocalCluster``), with ``platform`` or one calibrated on
    them; ``days``, ``seed`` and ``durations`` do not apply (the logs give them) and
    ``details=True`` returns no evaluations.
    ``durations``: function -> seconds of its own work per call (default 0.1 s, or what the
    traffic gives). Every design sees the same arrivals (``seed``) over ``days`` days, scaled to a
    730-hour month. ``details=True`` also returns the :class:`Evaluation` of each design.
    ``platform``: a :class:`~stackerynb.analysis.platform.Platform` (from
    :func:`~stackerynb.analysis.calibrate`) replacing ``keep_alive``/``max_lifetime``; without
    one the simulator's documented default policy applies.
    """
    prices = prices or load_prices()
    if isinstance(traffic, pd.DataFrame) or type(traffic).__module__.startswith("dask"):
        designs = list(designs) if designs is not None else alternatives(stack, package_mb=package_mb, init=init)
        table = _from_invocations(stack, traffic, designs, prices, platform, keep_alive, max_lifetime, durations,
                                  client, scheduler)
        return (table, {}) if details else table
    resolved = resolve_traffic(stack, traffic)
    designs = list(designs) if designs is not None else alternatives(stack, package_mb=package_mb, init=init)
    evals = [evaluate(stack, d, traffic, days=days, seed=seed, keep_alive=keep_alive, max_lifetime=max_lifetime,
                      durations=durations, prices=prices, platform=platform, _resolved=resolved) for d in designs]
    table = pd.DataFrame([e.row for e in evals], index=pd.Index([d.name for d in designs], name="design"),
                         columns=TABLE_COLUMNS)
    table.attrs["notes"] = list(dict.fromkeys(resolved[3] + [n for d in designs for n in d.notes]))
    return (table, {d.name: e for d, e in zip(designs, evals)}) if details else table


def _from_invocations(stack, invocations, designs, prices, platform, keep_alive, max_lifetime, durations, client,
                      scheduler) -> pd.DataFrame:
    """The tradeoff table of ``designs`` replayed on logged invocations (rows of :func:`replay`
    without the observed one, plus each design's IAM breadth and package size)."""
    from stackerynb.analysis.platform import Platform
    from stackerynb.analysis.replay import replay

    if durations:
        raise StackError("consolidation of invocations takes each invocation's logged duration; leave durations unset")
    if platform is None and (keep_alive != 600.0 or max_lifetime is not None):
        platform = Platform(keep_alive=keep_alive, lifetime=max_lifetime)
    replayed = replay(invocations, stack, platform=platform, prices=prices, designs=designs, client=client,
                      scheduler=scheduler)
    rows = replayed.iloc[1:].copy()
    rows.index = pd.Index([d.name for d in designs], name="design")
    for d in designs:
        largest, best = "", (-1, -1)
        for f, spec in d.functions.items():
            b = iam.breadth(iam.merged_grants(stack, spec.members))
            if b > best:
                largest, best = f, b
        rows.loc[d.name, ["iam_actions", "iam_resources"]] = [max(best[0], 0), max(best[1], 0)]
        rows.loc[d.name, "largest_role"] = largest
        rows.loc[d.name, "package_mb"] = max((s.package_mb for s in d.functions.values()), default=0.0)
    table = rows.reindex(columns=TABLE_COLUMNS)
    table[["iam_actions", "iam_resources"]] = table[["iam_actions", "iam_resources"]].astype(int)
    table.attrs.update(replayed.attrs)
    return table


def recommend(stack, traffic, *, top: int | None = None, **options) -> pd.DataFrame:
    """The single merges worth making, best saving first.

    Each candidate merge (the functions behind one rest_api; one chain of proxies) is evaluated
    alone against the design as it is. Columns: ``merge``, ``kind``, ``saving_per_month`` (USD),
    ``saving_pct``, cold starts per day and p99 latency before and after, IAM actions and
    resources of the largest member role before and of the merged role after, package MB after,
    and ``tradeoff``: one sentence stating what the saving costs. Options as for
    :func:`consolidation` (``platform`` included).
    """
    package_mb, init = options.pop("package_mb", None), options.pop("init", None)
    entries = entry_points(stack)
    functions = _functions(stack)
    candidates = []
    for api in dict.fromkeys(e.source for e in entries if e.kind == "rest_api"):
        targets = list(dict.fromkeys(e.function for e in entries if e.source == api))
        if len(targets) > 1:
            candidates.append(("api " + api, tuple(t for t in functions if t in targets)))
    for group in connected_groups([(a, b) for a, cs in call_graph(stack).items() for b in cs], functions, min_size=2):
        candidates.append(("proxy chain", group))
    base = design(stack, [], "as designed", "every function on its own", package_mb=package_mb, init=init)
    designs = [base]
    kinds = {}
    for kind, group in candidates:
        d = design(stack, [group], "+".join(group), kind, package_mb=package_mb, init=init)
        if d.groups:
            designs.append(d)
            kinds[d.name] = kind
    cols = ["merge", "kind", "saving_per_month", "saving_pct", "cold_starts_per_day_before", "cold_starts_per_day_after",
            "p99_ms_before", "p99_ms_after", "iam_actions_before", "iam_actions_after", "iam_resources_before",
            "iam_resources_after", "package_mb_after", "tradeoff"]
    if len(designs) == 1:
        return pd.DataFrame(columns=cols)
    table = consolidation(stack, traffic, designs=designs, **options)
    b = table.loc["as designed"]
    rows = []
    for d in designs[1:]:
        r = table.loc[d.name]
        members = d.groups[0]
        before_roles = [iam.breadth(iam.function_grants(stack, m)) for m in members]
        act_b, res_b = max(before_roles)
        saving = b["monthly_total"] - r["monthly_total"]
        pct = saving / b["monthly_total"] * 100 if b["monthly_total"] else 0.0
        verb = "saves" if saving >= 0 else "costs"
        after = (r["iam_actions"], r["iam_resources"])
        widened = [(m, rb) for m, rb in zip(members, before_roles) if rb < after]
        merged_fn = d.functions[d.name]
        init_before = max(base.functions[m].init for m in members)
        if widened:
            who = ", ".join(m for m, _ in widened)
            least = min(rb for _, rb in widened)
            iam_text = (f"{who} {'runs' if len(widened) == 1 else 'run'} with a role of {_n(after[0], 'action')} "
                        f"on {_n(after[1], 'resource')} instead of as few as {least[0]} on {least[1]}")
        else:
            iam_text = f"no role grows ({_n(after[0], 'action')} on {_n(after[1], 'resource')})"
        tradeoff = (f"Merging {', '.join(members)} {verb} ${abs(saving):,.2f}/month ({abs(pct):.0f}%); "
                    f"cold starts {b['cold_starts_per_day']:,.0f} -> {r['cold_starts_per_day']:,.0f}/day, "
                    f"p99 {b['latency_p99_ms']:,.0f} -> {r['latency_p99_ms']:,.0f} ms. "
                    f"Price: {iam_text}; one {merged_fn.package_mb:g} MB package "
                    f"(INIT {init_before * 1000:,.0f} -> {merged_fn.init * 1000:,.0f} ms).")
        rows.append({"merge": d.name, "kind": kinds[d.name], "saving_per_month": saving, "saving_pct": pct,
                     "cold_starts_per_day_before": b["cold_starts_per_day"], "cold_starts_per_day_after": r["cold_starts_per_day"],
                     "p99_ms_before": b["latency_p99_ms"], "p99_ms_after": r["latency_p99_ms"],
                     "iam_actions_before": act_b, "iam_actions_after": r["iam_actions"],
                     "iam_resources_before": res_b, "iam_resources_after": r["iam_resources"],
                     "package_mb_after": d.functions[d.name].package_mb, "tradeoff": tradeoff})
    out = pd.DataFrame(rows, columns=cols).sort_values("saving_per_month", ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    return out.head(top) if top is not None else out

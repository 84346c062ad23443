"""Past one machine: the simulator on dask.distributed, and the Azure Functions trace read lazily.

Every decision of the simulator concerns one function's own arrivals, so a month of an
organisation's logs splits by function: :func:`simulate_distributed` shuffles a Dask DataFrame by
``function`` (unless it is already partitioned so), runs :func:`~stackerynb.analysis.simulate` on
each partition on the workers and brings back the per-function summary, the same table as in one
process. The cluster is an embedded ``LocalCluster`` by default, or any scheduler address, or a
``distributed.Client`` you pass.

:func:`read_azure_trace_lazy` reads the Azure Functions 2019 trace (per-minute invocation counts)
with ``dask.dataframe.read_csv``; :func:`azure_arrivals` turns the counts into arrival times on the
workers (uniform within each minute, seeded per function), so 10^9 invocations never sit in one
process; :func:`simulate_azure_trace` goes further and never holds a busy function's whole day:
it makes and simulates such a function in time-ordered pieces on its worker, carrying the
instances from piece to piece (:func:`~stackerynb.analysis.simulator.simulate_stream`). dask is
imported here only.
"""
from __future__ import annotations

import contextlib
import zlib
from typing import Mapping

import numpy as np
import pandas as pd

from stackerynb.errors import StackError

AZURE_ID_COLUMNS = ("HashOwner", "HashApp", "HashFunction", "Trigger")


@contextlib.contextmanager
def cluster_client(client=None, scheduler: str | None = None, **local_options):
    """A ``distributed.Client``: the one given, one connected to ``scheduler``, or an embedded
    ``LocalCluster`` (closed on exit; ``local_options`` go to it)."""
    if client is not None:
        yield client
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        c = Client(scheduler)
        try:
            yield c
        finally:
            c.close()
        return
    with LocalCluster(**{"dashboard_address": None, **local_options}) as lc, Client(lc) as c:
        yield c


def _is_dask(obj) -> bool:
    return type(obj).__module__.startswith("dask")


def by_function(frame, npartitions: int | None = None, partitioned: bool = False):
    """A Dask DataFrame in which each function's rows sit in one partition: a pandas frame is
    split by function; a Dask frame is shuffled on ``function`` unless it is partitioned so
    already: ``partitioned=True`` (e.g. :func:`azure_arrivals` of one day), or an index named
    ``function`` with known divisions."""
    import dask.dataframe as dd

    if not _is_dask(frame):
        if not isinstance(frame, pd.DataFrame):
            raise StackError(f"invocations must be a pandas or Dask DataFrame, got {type(frame).__name__}")
        n = npartitions or max(1, min(64, len(frame) // 1_000_000 + 1))
        keys = frame["function"].astype(str).map(lambda f: zlib.crc32(f.encode()) % n)
        parts = [frame[(keys == i).to_numpy()] for i in range(n)]
        return dd.from_delayed([_delayed_frame(p) for p in parts], meta=frame.iloc[:0])
    if partitioned or (frame.index.name == "function" and frame.known_divisions):
        return frame
    if "function" not in frame.columns:
        raise StackError("invocations lack column 'function'")
    return frame.shuffle(on="function", npartitions=npartitions)


def _delayed_frame(part):
    from dask import delayed

    return delayed(lambda x: x)(part)


def _simulate_partition(part: pd.DataFrame, options: dict) -> pd.DataFrame:
    from stackerynb.analysis.simulator import simulate

    if part.index.name == "function":
        part = part.reset_index()
    if len(part) == 0:
        return _empty_summary(options)
    if not isinstance(part["function"].dtype, pd.CategoricalDtype):
        part = part.assign(function=part["function"].astype(str))
    present = set(map(str, pd.unique(part["function"])))
    # per-function options name every function; a partition holds some of them
    local = {k: ({f: v for f, v in value.items() if f in present} if isinstance(value, Mapping) else value)
             for k, value in options.items()}
    res = simulate(part, per_invocation=False, **local)
    return res.summary.reset_index()


def _empty_summary(options):
    from stackerynb.analysis.simulator import simulate

    keep = {k: v for k, v in options.items() if k in ("keep_alive", "max_lifetime", "platform", "horizon", "quantiles")
            and v is not None}
    probe = simulate(pd.DataFrame({"function": ["x"], "time": [0.0], "duration": [0.1]}), per_invocation=False,
                     init=0.0, **keep)
    return probe.summary.reset_index().iloc[:0]


def simulate_distributed(invocations, *, client=None, scheduler: str | None = None, npartitions: int | None = None,
                         partitioned: bool = False, **options):
    """:func:`~stackerynb.analysis.simulate` of a pandas or Dask DataFrame on dask.distributed;
    returns a :class:`~stackerynb.analysis.SimulationResult` with the per-function summary
    (``invocations`` None: at this scale per-invocation rows stay on the workers). ``options`` as
    for ``simulate`` (``keep_alive``, ``platform``, ``init`` or ``runtime``/``memory`` as one value
    or a mapping by function, ...). The answer equals ``simulate`` in one process."""
    from stackerynb.analysis.simulator import SimulationResult

    if options.get("per_invocation"):
        raise StackError("simulate_distributed keeps per-invocation rows on the workers; leave per_invocation unset")
    options.pop("per_invocation", None)
    options = {k: v for k, v in options.items() if v is not None}
    ddf = by_function(invocations, npartitions, partitioned)
    summaries = ddf.map_partitions(_simulate_partition, options, meta=_empty_summary(options))
    return _gather(summaries, client, scheduler, options, ddf.npartitions)


def _gather(summaries, client, scheduler, options: dict, partitions: int):
    """The per-function summaries of every partition, computed on the cluster, as one result."""
    from stackerynb.analysis.simulator import SimulationResult

    with cluster_client(client, scheduler) as c:
        summary = c.compute(summaries).result()
    summary = summary.set_index("function").sort_index()
    platform = options.get("platform")
    keep_alive = platform.keep_alive if platform is not None else float(options.get("keep_alive", 600.0))
    return SimulationResult(summary=summary, invocations=None, keep_alive=keep_alive,
                            max_lifetime=options.get("max_lifetime"), horizon=options.get("horizon"),
                            platform=platform, meta={"partitions": partitions})


# ============================================================================ Azure trace
def read_azure_trace_lazy(path, blocksize: str | int = "64MB"):
    """The Azure Functions 2019 per-minute invocation counts (``HashOwner,HashApp,HashFunction,
    Trigger,1..1440``), one or many files (globs work), as a lazy Dask DataFrame."""
    import dask.dataframe as dd

    dtypes = {c: "object" for c in AZURE_ID_COLUMNS}
    dtypes.update({str(m): "int64" for m in range(1, 1441)})
    try:
        frame = dd.read_csv(path, blocksize=blocksize, dtype=dtypes)
    except (OSError, ValueError) as exc:
        raise StackError(f"{path}: not readable as an Azure Functions trace ({exc})") from None
    missing = [c for c in (*AZURE_ID_COLUMNS, "1", "1440") if c not in frame.columns]
    if missing:
        raise StackError(f"{path}: not the Azure Functions 2019 trace format; missing {', '.join(missing)}")
    return frame


_MINUTES = np.arange(1440, dtype=np.int16)


def _arrival_pieces(name: str, counts: np.ndarray, seed: int, day: int, piece: int | None = None):
    """One function's arrival times (seconds, sorted) from its per-minute counts, in pieces of
    whole minutes holding about ``piece`` arrivals each (None: one piece). Uniform within each
    minute, seeded by the function's name: the times are the same however they are cut, since
    the uniform draws follow one another and each minute's times sort within the minute."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    if piece is None:
        edges = [0, 1440]
    else:
        cum = np.cumsum(counts)
        edges = np.unique(np.searchsorted(cum, np.arange(piece, cum[-1], piece), side="left") + 1)
        edges = [0, *[int(e) for e in edges if 0 < e < 1440], 1440]
    for m0, m1 in zip(edges[:-1], edges[1:]):
        yield _minute_times(rng, counts[m0:m1], m0, day)


def _minute_times(rng, counts: np.ndarray, first_minute: int, day: int, out: np.ndarray | None = None) -> np.ndarray:
    # in place, about 18 bytes per arrival at the peak
    n = int(counts.sum())
    t = np.empty(n) if out is None else out
    np.multiply(np.repeat(_MINUTES[first_minute:first_minute + counts.size], counts), 60.0, out=t)
    t += rng.uniform(0, 60, n)
    t.sort()  # sorted minute by minute already; the sort orders each minute's arrivals
    t += day * 86400.0
    return t


def _count_matrix(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    counts = np.maximum(part[[str(m) for m in range(1, 1441)]].to_numpy(np.int64), 0)
    return counts, part["HashFunction"].astype(str).to_numpy()


def _expand_counts(part: pd.DataFrame, seed: int, day: int) -> pd.DataFrame:
    if len(part) == 0:
        return pd.DataFrame({"function": pd.Series(pd.Categorical([])), "time": pd.Series(dtype=float)})
    counts, names = _count_matrix(part)
    totals = counts.sum(axis=1)
    keep = np.flatnonzero(totals > 0)
    out_t = np.empty(int(totals.sum()))
    pos = 0
    for i in keep:  # one row per function: a loop over functions, not invocations
        n = int(totals[i])
        rng = np.random.default_rng([seed, zlib.crc32(names[i].encode())])
        _minute_times(rng, counts[i], 0, day, out=out_t[pos:pos + n])
        pos += n
    # categorical names: 10^8 rows of object strings would cost a pointer each
    codes = np.repeat(np.arange(keep.size), totals[keep])
    return pd.DataFrame({"function": pd.Categorical.from_codes(codes, pd.Index(names[keep]).astype(object)), "time": out_t})


def _simulate_counts(part: pd.DataFrame, seed: int, day: int, options: dict, stream_above: float) -> pd.DataFrame:
    """Summary of the functions of one partition of per-minute counts: the functions with more
    than ``stream_above`` arrivals each made and simulated in pieces of about that many
    (:func:`~stackerynb.analysis.simulator.simulate_stream`), the others expanded together."""
    from stackerynb.analysis.simulator import simulate_stream

    if len(part) == 0:
        return _empty_summary(options)
    counts, names = _count_matrix(part)
    totals = counts.sum(axis=1)
    if options.get("max_lifetime") is not None:
        stream_above = float("inf")  # no windowed engine for a lifetime: each function at once
    big = totals > stream_above
    out = []
    if (~big).any():
        out.append(_simulate_partition(_expand_counts(part[~big], seed, day), options))
    piece = max(int(stream_above), 1)
    for i in np.flatnonzero(big):
        name = names[i]
        # mappings by function narrowed to this one (an empty one: simulate's default for it)
        one = {k: (({name: v[name]} if name in v else {}) if isinstance(v, Mapping) else v) for k, v in options.items()}
        pieces = ((t, None) for t in _arrival_pieces(name, counts[i], seed, day, piece))
        res = simulate_stream(pieces, name, **one)
        out.append(res.summary.reset_index())
    frames = [f for f in out if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else _empty_summary(options)


def azure_arrivals(counts, *, seed: int = 0, day: int = 0):
    """Arrival times (``function``, ``time`` in seconds) from a Dask frame of Azure per-minute
    counts, expanded on the workers: uniform within each minute, seeded per function. Rows of
    one function stay in their partition (the trace has one row per function and day)."""
    meta = pd.DataFrame({"function": pd.Series(pd.Categorical([])), "time": pd.Series(dtype=float)})
    return counts.map_partitions(_expand_counts, seed, day, meta=meta)


def simulate_azure_trace(counts, *, seed: int = 0, day: int = 0, client=None, scheduler: str | None = None,
                         stream_above: int = 1 << 22, **options):
    """:func:`~stackerynb.analysis.simulate` of the arrivals of a Dask frame of Azure per-minute
    counts (:func:`read_azure_trace_lazy`), made on the workers as :func:`azure_arrivals` makes
    them, without holding a busy function's day in memory: each function stays on the worker of
    its partition, and one with more than ``stream_above`` arrivals is made and simulated in
    time-ordered pieces of about that many (:func:`~stackerynb.analysis.simulator.simulate_stream`,
    which carries the instances' state from piece to piece). The summary equals ``simulate`` of
    ``azure_arrivals(counts, seed=seed, day=day)`` in one process. ``options`` as for
    :func:`simulate_distributed`."""
    if options.pop("per_invocation", None):
        raise StackError("simulate_azure_trace keeps per-invocation rows on the workers; leave per_invocation unset")
    if not _is_dask(counts):
        raise StackError(f"counts must be a Dask DataFrame of the Azure trace (read_azure_trace_lazy), got {type(counts).__name__}")
    if stream_above < 1:
        raise StackError("stream_above must be at least 1 arrival")
    options = {k: v for k, v in options.items() if v is not None}
    summaries = counts.map_partitions(_simulate_counts, seed, day, options, stream_above, meta=_empty_summary(options))
    return _gather(summaries, client, scheduler, options, counts.npartitions)

"""The simulator on dask.distributed: N invocations through a LocalCluster, time and peak memory.

    python benchmarks/dask_cluster.py                          # 10^8 invocations, 2 worker processes
    python benchmarks/dask_cluster.py --invocations 1e9        # the issue's target (10 min, 8 GiB)
    python benchmarks/dask_cluster.py --scheduler tcp://HOST:8786

The workload is built lazily in the Azure Functions 2019 trace format (per-minute counts of 20,000
functions with Zipf-distributed rates (exponent 0.9: the busiest takes ~6%) over one day, in blocks
of functions holding about 5M invocations each, made on the workers), expanded to
arrival times on the workers and simulated per partition
(:func:`~stackerynb.analysis.distributed.simulate_azure_trace`: a function of more than
``--stream-above`` arrivals, such as the busiest one's 61M a day at 10^9, is made and simulated in
time-ordered pieces on its worker, so its day is never in memory at once); only the per-function
summary comes back. Reports wall time, invocations/s, and each worker's peak RSS
(``ru_maxrss`` of the worker process) and the driver's.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def shares(functions: int) -> np.ndarray:
    """Each function's share of the invocations: Zipf, exponent 0.9 (the busiest takes ~6%)."""
    w = 1 / np.arange(1, functions + 1, dtype=float) ** 0.9
    return w / w.sum()


def blocks(functions: int, total: float, per_partition: float) -> list[tuple[int, int]]:
    """Ranges of function ranks holding about ``per_partition`` invocations each (a function
    busier than that gets a partition of its own), so no worker holds most of the day."""
    cum = np.cumsum(shares(functions) * total)
    edges = np.unique(np.searchsorted(cum, np.arange(per_partition, cum[-1], per_partition), side="right"))
    edges = [0, *[int(e) for e in edges if 0 < e < functions], functions]
    return [(lo, hi) for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo]


def counts_block(block: tuple[int, int], functions: int, total: float, seed: int) -> pd.DataFrame:
    """Per-minute counts (Azure format) of functions ``block`` = (first rank, last rank + 1), made
    on the worker that reads the partition (nothing of it exists in the driver)."""
    lo, hi = block
    ids = np.arange(lo, hi)
    rng = np.random.default_rng([seed, lo])
    day = np.cos(2 * np.pi * (np.arange(1440) / 1440 - 14 / 24)) * 0.6 + 1  # diurnal shape
    lam = np.outer(shares(functions)[ids] * total, day / day.sum())
    frame = pd.DataFrame(rng.poisson(lam), columns=[str(m) for m in range(1, 1441)])
    frame.insert(0, "Trigger", "http")
    frame.insert(0, "HashFunction", [f"f{i:06d}" for i in ids])
    frame.insert(0, "HashApp", "app")
    frame.insert(0, "HashOwner", "owner")
    return frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--invocations", type=float, default=1e8)
    ap.add_argument("--functions", type=int, default=20000)
    ap.add_argument("--partitions", type=int, default=0, help="default: about 5M invocations each")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="3.75GiB", help="per worker (two of them, the driver and the scheduler "
                    "stay within 8 GiB)")
    ap.add_argument("--stream-above", type=float, default=1 << 22,
                    help="functions with more arrivals than this are simulated in pieces of about this many")
    ap.add_argument("--scheduler", default=None)
    args = ap.parse_args()
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    # nothing to spill: each task holds one partition's arrivals, or pieces of one busy function's
    dask.config.set({"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False})

    from stackerynb.analysis.distributed import simulate_azure_trace

    total = args.invocations
    parts = args.partitions or max(args.workers, int(total // 5e6))
    ranges = blocks(args.functions, total, total / parts)
    parts = len(ranges)
    meta = counts_block((0, 1), args.functions, total, 0).iloc[:0]
    counts = dd.from_map(counts_block, ranges, functions=args.functions, total=total, seed=0, meta=meta)
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               memory_limit=args.memory_limit, dashboard_address=None)
        client = Client(cluster)
    print(f"load average {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores at the start", flush=True)
    t0 = time.perf_counter()
    res = simulate_azure_trace(counts, seed=1, client=client, stream_above=int(args.stream_above), durations=0.2,
                               runtime="python3.12", memory=512)
    wall = time.perf_counter() - t0
    n = int(res.summary["invocations"].sum())
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20)
    cpus = client.run(lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2]))
    print(f"{n:,} invocations of {len(res.summary):,} functions in {parts} partitions on "
          f"{len(peaks)} workers: {wall:.1f} s, {n / wall / 1e6:.2f} M invocations/s, "
          f"cold starts {res.summary['cold_starts'].sum():,}")
    for w, gib in sorted(peaks.items()):
        print(f"  worker {w}: peak RSS {gib:.2f} GiB, CPU {cpus.get(w, float('nan')):.0f} s")
    print(f"  CPU time of the workers together {sum(cpus.values()):.0f} s ({n / sum(cpus.values()) / 1e6:.2f} M "
          f"invocations per CPU second; wall time on a shared machine is at the mercy of its load)")
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    print(f"  driver: peak RSS {driver:.2f} GiB; workers and driver together at most {sum(peaks.values()) + driver:.2f} GiB")
    print(f"  load average {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores at the end")
    client.close()
    if not args.scheduler:
        cluster.close()


if __name__ == "__main__":
    main()

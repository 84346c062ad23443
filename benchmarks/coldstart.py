"""Cold-start simulator benchmark: throughput and peak memory, and a side-by-side with SimFaaS.

    python benchmarks/coldstart.py                      # 1M and 100M invocations over 1,000 functions
    python benchmarks/coldstart.py --sizes 1e6,1e7      # other sizes
    python benchmarks/coldstart.py --simfaas            # also SimFaaS's README workload, both simulators
    python benchmarks/coldstart.py --sizes 1e7 --vs main  # this tree against main, medians and ratios

Each size runs in a fresh process pinned to one core. The workload: 1,000 functions with
Zipf-distributed rates (the busiest gets ~13% of the calls, as in the Azure trace), Poisson
arrivals over one day, per-function durations (lognormal, median 200 ms) and INIT times from
the cold-start table; the frame is grouped by function like an imported trace (``--shuffle``
randomises the row order to exercise the sorting path). "peak MB" is the process's peak resident
memory during the simulation (input included; the high-water mark is reset once the input is
built), "peak/input" that over the input frame's size.
The floor: ``np.sort`` of the same keys (the float64 arrival times, sorted per function) and of
as many random float64, timed in the same process after the simulation; "x sort" is the
simulator's time over the sort of its own keys, "x rand" over the random sort. "cpu s" is the
simulation's CPU time (what contention on a shared machine does not inflate).

SimFaaS (``pip install simfaas``, or its wheel unpacked on PYTHONPATH; not a dependency of
stackerynb; ``--simfaas-path`` names a folder holding it) is run on its README workload:
arrival rate 0.9/s, warm service 1.991 s, cold 2.244 s (exponential), keep-alive 600 s, 10^6 s.
SimFaaS imports scipy.stats only to plot densities; when scipy is absent the benchmark stands in
a stub so the project's environment stays scipy-free. Our model of the same workload: the same
arrivals and warm durations, plus 0.253 s of INIT on cold starts (2.244 - 1.991).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import types

import numpy as np
import pandas as pd

import _compare

sys.path.insert(0, _compare.code_root())


def rss_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM (Linux >= 4.0)
        return True
    except OSError:
        return False


def workload(n: int, functions: int, seed: int = 0, shuffle: bool = False):
    """Arrivals of ``n`` invocations (on average) over one day across ``functions`` functions."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, functions + 1)
    weights /= weights.sum()
    day = 86400.0
    rates = weights * n / day
    counts = rng.poisson(rates * day)
    codes = np.repeat(np.arange(functions, dtype=np.int16 if functions < 32768 else np.int32), counts)
    times = rng.exponential(1.0, codes.size)
    times /= rates[codes]
    np.cumsum(times, out=times)
    starts = np.concatenate(([0], np.cumsum(counts)))[:-1]
    times -= np.repeat(np.concatenate(([0.0], times))[starts], counts)  # restart the clock per function
    names = pd.Index([f"fn{i:04d}" for i in range(functions)])
    frame = pd.DataFrame({"function": pd.Categorical.from_codes(codes, names), "time": times})
    del codes, times
    if shuffle:
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    durations = dict(zip(names, np.round(rng.lognormal(np.log(0.2), 1.0, functions), 3)))
    runtimes = dict(zip(names, rng.choice(["python3.12", "nodejs20.x", "java21", "provided.al2023"], functions,
                                          p=[0.5, 0.3, 0.1, 0.1])))
    memory = dict(zip(names, rng.choice([128, 256, 512, 1024, 2048], functions)))
    return frame, durations, runtimes, memory


def child(n: int, functions: int, shuffle: bool) -> dict:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    from stackerynb.analysis import simulate

    t0 = time.perf_counter()
    frame, durations, runtimes, memory = workload(n, functions, shuffle=shuffle)
    generated = time.perf_counter() - t0
    input_mb = frame.memory_usage(deep=False).sum() / 2**20
    before = rss_mb("VmRSS")
    generation_peak = rss_mb("VmHWM")
    can_reset = reset_peak()
    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(frame, durations, keep_alive=600, runtime=runtimes, memory=memory, per_invocation=False)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = rss_mb("VmHWM") if can_reset else float("nan")
    rows = len(frame)
    keys = frame["time"].to_numpy()
    del frame
    t0 = time.perf_counter()
    np.sort(keys)
    sort_seconds = time.perf_counter() - t0
    keys = np.random.default_rng(1).random(rows)
    t0 = time.perf_counter()
    keys.sort()
    random_sort_seconds = time.perf_counter() - t0
    return {"sort_seconds": sort_seconds, "random_sort_seconds": random_sort_seconds, "cpu_seconds": cpu,
            "invocations": rows, "functions": functions, "seconds": elapsed,
            "per_second": rows / elapsed, "passes": result.passes, "cold_start_rate": result.cold_start_rate,
            "cold_starts": int(result.summary["cold_starts"].sum()), "input_mb": input_mb, "rss_before_mb": before,
            "peak_mb": peak,
            "peak_incl_generation_mb": max(generation_peak, peak),
            "generate_seconds": generated, "shuffled": shuffle}


def run_child(n: int, functions: int, shuffle: bool) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(n), "--functions", str(functions)]
    if shuffle:
        cmd.append("--shuffle")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- SimFaaS
def _stub_scipy_stats():
    try:
        import scipy.stats  # noqa: F401
    except ImportError:
        stats = types.ModuleType("scipy.stats")
        stats.expon = stats.poisson = stats.norm = None  # used only to plot densities
        scipy = types.ModuleType("scipy")
        scipy.stats = stats
        sys.modules.setdefault("scipy", scipy)
        sys.modules.setdefault("scipy.stats", stats)


def simfaas_run(max_time: float, seed: int) -> dict:
    _stub_scipy_stats()
    from simfaas.ServerlessSimulator import ServerlessSimulator

    np.random.seed(seed)
    sim = ServerlessSimulator(arrival_rate=0.9, warm_service_rate=1 / 1.991, cold_service_rate=1 / 2.244,
                              expiration_threshold=600, max_time=max_time)
    t0, c0 = time.perf_counter(), time.process_time()
    sim.generate_trace(debug_print=False, progress=False)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    sim.calculate_time_lengths()
    # batch means over 20 equal time slices for the error of P(cold)
    times = np.asarray(sim.hist_times)
    cold_t = times[np.asarray(sim.hist_req_cold_idxs, dtype=int)]
    all_t = times[np.asarray(sim.hist_req_cold_idxs + sim.hist_req_warm_idxs, dtype=int)]
    edges = np.linspace(0, max_time, 21)
    per = np.histogram(cold_t, edges)[0] / np.maximum(np.histogram(all_t, edges)[0], 1)
    return {"p_cold": sim.get_cold_start_prob(), "p_cold_se": per.std(ddof=1) / np.sqrt(per.size),
            "requests": sim.total_req_count, "cold": sim.total_cold_count, "seconds": elapsed, "cpu_seconds": cpu,
            "avg_instances": sim.get_average_server_count()}


def ours_run(max_time: float, replicas: int) -> dict:
    from stackerynb.analysis import simulate

    rates, secs, cpus, inst = [], [], [], []
    for seed in range(replicas):
        rng = np.random.default_rng(seed)
        n = rng.poisson(0.9 * max_time)
        frame = pd.DataFrame({"function": "f", "time": np.sort(rng.uniform(0, max_time, n)),
                              "duration": rng.exponential(1.991, n)})
        t0, c0 = time.perf_counter(), time.process_time()
        res = simulate(frame, keep_alive=600, init=0.253, horizon=max_time, per_invocation=False)
        secs.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        rates.append(res.cold_start_rate)
        inst.append(res.summary["instance_seconds"].iloc[0] / max_time)
    return {"p_cold": float(np.mean(rates)), "p_cold_se": float(np.std(rates, ddof=1) / np.sqrt(replicas)),
            "requests_per_run": int(0.9 * max_time), "seconds": float(np.median(secs)), "replicas": replicas,
            "cpu_seconds": float(np.median(cpus)),
            "avg_instances": float(np.mean(inst))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1e6,1e8", help="invocation counts, comma-separated")
    ap.add_argument("--functions", type=int, default=1000)
    ap.add_argument("--shuffle", action="store_true", help="random row order (exercises the sort)")
    ap.add_argument("--simfaas", action="store_true", help="compare with SimFaaS on its README workload")
    ap.add_argument("--simfaas-time", type=float, default=1e6, help="simulated seconds for the comparison")
    ap.add_argument("--replicas", type=int, default=20, help="our replicas for the comparison's error bar")
    ap.add_argument("--simfaas-path", help="a folder holding the simfaas package (e.g. its wheel unpacked), "
                                           "when it is not installed; kept by --vs children")
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    _compare.add_arguments(ap)
    args = ap.parse_args(argv)
    if args.vs:
        return _compare.run(args.vs, __file__, argv, runs=args.vs_runs)
    if args.child:
        print(json.dumps(child(int(args.child), args.functions, args.shuffle)))
        return 0
    metrics = {}
    print(f"{'invocations':>12} {'functions':>9} {'seconds':>8} {'inv/s':>12} {'passes':>6} {'cold %':>7} "
          f"{'cpu s':>6} {'input MB':>9} {'peak MB':>8} {'peak/input':>10} {'sort s':>7} {'x sort':>6} {'rand s':>7} "
          f"{'x rand':>6}")
    for size in (float(s) for s in args.sizes.split(",")):
        r = run_child(int(size), args.functions, args.shuffle)
        ratio = r["seconds"] / r["sort_seconds"]
        print(f"{r['invocations']:>12,} {r['functions']:>9} {r['seconds']:>8.2f} {r['per_second']:>12,.0f} "
              f"{r['passes']:>6} {r['cold_start_rate'] * 100:>7.3f} {r['cpu_seconds']:>6.2f} {r['input_mb']:>9.0f} "
              f"{r['peak_mb']:>8.0f} {r['peak_mb'] / r['input_mb']:>10.2f} {r['sort_seconds']:>7.2f} {ratio:>6.2f} "
              f"{r['random_sort_seconds']:>7.2f} {r['seconds'] / r['random_sort_seconds']:>6.2f}", flush=True)
        metrics.update({f"simulate {size:g} s": r["seconds"], f"simulate {size:g} cpu s": r["cpu_seconds"],
                        f"np.sort {size:g} s": r["sort_seconds"], f"x sort {size:g}": ratio,
                        f"x random sort {size:g}": r["seconds"] / r["random_sort_seconds"],
                        f"peak/input {size:g}": r["peak_mb"] / r["input_mb"]})
    if args.simfaas:
        if args.simfaas_path:
            sys.path.append(os.path.abspath(args.simfaas_path))
        ours = ours_run(args.simfaas_time, args.replicas)
        ours_rate = ours["requests_per_run"] / ours["seconds"]
        metrics["simfaas workload requests/s"] = ours_rate
        try:
            theirs = simfaas_run(args.simfaas_time, seed=1)
        except ImportError:
            print(f"\nSimFaaS is not installed (pip install simfaas); stackerynb: {ours_rate:,.0f} requests/s "
                  f"on its README workload")
            _compare.emit(args, metrics)
            return 0
        theirs_rate = theirs["requests"] / theirs["seconds"]
        z = abs(ours["p_cold"] - theirs["p_cold"]) / np.hypot(ours["p_cold_se"], theirs["p_cold_se"])
        print(f"\nSimFaaS README workload, {args.simfaas_time:g} s simulated:")
        print(f"  SimFaaS     P(cold) {theirs['p_cold']:.5f} +/- {theirs['p_cold_se']:.5f} "
              f"({theirs['cold']} / {theirs['requests']}), mean instances {theirs['avg_instances']:.2f}, "
              f"{theirs['seconds']:.1f} s, {theirs_rate:,.0f} requests/s")
        print(f"  stackerynb  P(cold) {ours['p_cold']:.5f} +/- {ours['p_cold_se']:.5f} "
              f"(mean of {ours['replicas']} runs), mean instances {ours['avg_instances']:.2f}, "
              f"{ours['seconds']:.3f} s per run (median), {ours_rate:,.0f} requests/s")
        cpu_ratio = (theirs["cpu_seconds"] / theirs["requests"]) / (ours["cpu_seconds"] / ours["requests_per_run"])
        print(f"  difference {z:.1f} standard errors; stackerynb is {ours_rate / theirs_rate:,.0f}x faster "
              f"({cpu_ratio:,.0f}x in CPU time per request)")
        metrics["simfaas requests/s"] = theirs_rate
        metrics["x simfaas"] = ours_rate / theirs_rate
        metrics["x simfaas cpu"] = cpu_ratio
    _compare.emit(args, metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())

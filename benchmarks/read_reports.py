"""REPORT-line parsing throughput of ``analysis.read_lambda_reports`` (text format, one core).

    python benchmarks/read_reports.py                 # 2,000,000 lines, plain and gzip
    python benchmarks/read_reports.py --lines 5e6

Writes a CloudWatch-export style file (timestamp, log group, Lambda's REPORT message; a third of
the lines cold with Init Duration, one START and one END line per 50 reports, as real logs
interleave them) to a temporary folder, then times the read (best of 3) and reports lines/s of
wall time and of the process's CPU time (the second is what a shared machine cannot inflate).
Target: >= 1,000,000 REPORT lines per second on one core for the plain text format.
"""
from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def make(path: str, n: int) -> None:
    rng = np.random.default_rng(0)
    dur = rng.lognormal(4, 1, n)
    cold = rng.random(n) < 0.3
    t0 = np.datetime64("2026-10-01T00:00:00.000")
    secs = np.sort(rng.uniform(0, 30 * 86400, n))
    stamps = np.datetime_as_string(t0 + (secs * 1000).astype("timedelta64[ms]"), unit="ms")
    ids = rng.bytes(16 * n).hex()
    with open(path, "w") as fh:
        for i in range(n):
            if i % 50 == 0:
                fh.write(f"{stamps[i]}Z /aws/lambda/fn{i % 7} START RequestId: x Version: $LATEST\n")
            init = f"Init Duration: {dur[i] * 3:.2f} ms\t" if cold[i] else ""
            fh.write(f"{stamps[i]}Z /aws/lambda/fn{i % 7} REPORT RequestId: {ids[32 * i:32 * i + 8]}-{ids[32 * i + 8:32 * i + 12]}-"
                     f"{ids[32 * i + 12:32 * i + 16]}-{ids[32 * i + 16:32 * i + 20]}-{ids[32 * i + 20:32 * i + 32]}\t"
                     f"Duration: {dur[i]:.2f} ms\tBilled Duration: {int(np.ceil(dur[i]))} ms\tMemory Size: 512 MB\t"
                     f"Max Memory Used: 80 MB\t{init}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=float, default=2e6)
    args = ap.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from stackerynb.analysis.logs import read_lambda_reports

    n = int(args.lines)
    with tempfile.TemporaryDirectory() as tmp:
        plain = os.path.join(tmp, "reports.log")
        make(plain, n)
        with open(plain, "rb") as src, gzip.open(plain + ".gz", "wb", compresslevel=6) as dst:
            dst.write(src.read())
        mb = os.path.getsize(plain) / 2 ** 20
        for label, path in (("text", plain), ("text.gz", plain + ".gz")):
            best, best_cpu = float("inf"), float("inf")
            for _ in range(3):
                t0, c0 = time.perf_counter(), time.process_time()
                df = read_lambda_reports(path)
                best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
            assert len(df) == n and not df.attrs["malformed"]
            print(f"{label:8s} {n:,} reports ({mb:,.0f} MB plain) in {best:.2f} s wall, {best_cpu:.2f} s CPU: "
                  f"{n / best / 1e6:.2f} M lines/s wall, {n / best_cpu / 1e6:.2f} M lines/s CPU "
                  f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()

"""REPORT-line throughput of ``analysis.read_lambda_reports``, per log format, on one core.

    python benchmarks/read_reports.py                  # 2,000,000 text lines; 200,000 per other format
    python benchmarks/read_reports.py --lines 5e6 --runs 5
    python benchmarks/read_reports.py --vs main        # this tree and main side by side, ratios

Formats: ``text`` (a CloudWatch-export style file: timestamp, log group, Lambda's REPORT message;
a third of the lines cold with Init Duration, a START and an END line around every report, as
real logs interleave them), ``text.gz`` (the same, gzip), ``export`` (a CloudWatch Logs export
folder, ``aws/lambda/NAME/STREAM/000000.gz``, timestamp and message), ``json`` (the JSON log
format's ``platform.report`` records) and ``events`` (the JSON of ``aws logs filter-log-events``).
The files are written once to a cache folder (``--data``) and reused by later runs.

The process is pinned to one core; each read is timed ``--runs`` times and the median is printed,
as REPORT lines per second of CPU time (what a machine shared with other work cannot inflate; and
all lines per second, START and END lines counted) and of wall time, with the load average.
Target: >= 1,000,000 REPORT lines per second of CPU time on one core for the text format.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

import _compare

sys.path.insert(0, _compare.code_root())

TARGET = 1_000_000  # REPORT lines per second of CPU time, text format
LINES_PER_REPORT = {"text": 3, "text.gz": 3, "export": 3, "json": 2, "events": 1}  # START and END lines around


def _reports(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    dur = rng.lognormal(4, 1, n)
    cold = rng.random(n) < 0.3
    secs = np.sort(rng.uniform(0, 30 * 86400, n))
    stamps = np.datetime_as_string(np.datetime64("2026-10-01T00:00:00.000") + (secs * 1000).astype("timedelta64[ms]"),
                                   unit="ms")
    ids = rng.bytes(16 * n).hex()
    for i in range(n):
        rid = ids[32 * i:32 * i + 32]
        yield (f"{stamps[i]}Z", f"fn{i % 7}", f"{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:]}", dur[i],
               int(np.ceil(dur[i])), 80 + i % 50, dur[i] * 3 if cold[i] else None)


def _message(rid, d, billed, used, init) -> str:
    text = (f"REPORT RequestId: {rid}\tDuration: {d:.2f} ms\tBilled Duration: {billed} ms\tMemory Size: 512 MB\t"
            f"Max Memory Used: {used} MB\t")
    return text + (f"Init Duration: {init:.2f} ms\t" if init is not None else "")


def make_text(path: str, n: int) -> None:
    with open(path, "w") as fh:
        for stamp, fn, rid, d, billed, used, init in _reports(n):
            fh.write(f"{stamp} /aws/lambda/{fn} START RequestId: {rid} Version: $LATEST\n"
                     f"{stamp} /aws/lambda/{fn} END RequestId: {rid}\n"
                     f"{stamp} /aws/lambda/{fn} {_message(rid, d, billed, used, init)}\n")


def make_export(folder: str, n: int) -> None:
    files = {}
    for stamp, fn, rid, d, billed, used, init in _reports(n, seed=1):
        files.setdefault(fn, []).append(f"{stamp} START RequestId: {rid} Version: $LATEST\n{stamp} END RequestId: {rid}\n"
                                        f"{stamp} {_message(rid, d, billed, used, init)}\n")
    for fn, lines in files.items():
        where = os.path.join(folder, "aws", "lambda", fn, "2026-10-01", "stream1")
        os.makedirs(where, exist_ok=True)
        with gzip.open(os.path.join(where, "000000.gz"), "wt", compresslevel=6) as fh:
            fh.writelines(lines)


def make_json(path: str, n: int) -> None:
    with open(path, "w") as fh:
        for stamp, fn, rid, d, billed, used, init in _reports(n, seed=2):
            metrics = {"durationMs": round(d, 2), "billedDurationMs": billed, "memorySizeMB": 512, "maxMemoryUsedMB": used}
            if init is not None:
                metrics["initDurationMs"] = round(init, 2)
            fh.write(json.dumps({"time": stamp, "type": "platform.start", "record": {"requestId": rid}}) + "\n")
            fh.write(json.dumps({"time": stamp, "type": "platform.report",
                                 "record": {"requestId": rid, "metrics": metrics, "status": "success"}}) + "\n")


def make_events(path: str, n: int) -> None:
    events = [{"logStreamName": "2026/10/01/[$LATEST]3f1c", "timestamp": int(np.datetime64(stamp[:-1], "ms").astype(np.int64)),
               "message": _message(rid, d, billed, used, init) + "\n", "eventId": str(i)}
              for i, (stamp, fn, rid, d, billed, used, init) in enumerate(_reports(n, seed=3))]
    with open(path, "w") as fh:
        json.dump({"events": events, "searchedLogStreams": []}, fh)


def data(folder: str, lines: int, others: int) -> dict:
    """The benchmark's files (written once): format -> (path, number of REPORT lines)."""
    os.makedirs(folder, exist_ok=True)
    files = {"text": (os.path.join(folder, f"reports-{lines}.log"), lines),
             "text.gz": (os.path.join(folder, f"reports-{lines}.log.gz"), lines),
             "export": (os.path.join(folder, f"export-{others}"), others),
             "json": (os.path.join(folder, f"reports-{others}.jsonl"), others),
             "events": (os.path.join(folder, f"events-{others}.json"), others)}
    makers = {"text": make_text, "export": make_export, "json": make_json, "events": make_events}
    for name, (path, n) in files.items():
        if os.path.exists(path):
            continue
        tmp = path + ".tmp"
        if name == "text.gz":
            with open(files["text"][0], "rb") as src, gzip.open(tmp, "wb", compresslevel=6) as dst:
                dst.write(src.read())
        else:
            makers[name](tmp, n)
        os.replace(tmp, path)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=float, default=2e6, help="REPORT lines of the text formats (default 2e6)")
    ap.add_argument("--other-lines", type=float, default=2e5, help="REPORT lines of the other formats (default 2e5)")
    ap.add_argument("--runs", type=int, default=3, help="timed reads per format; the median is printed (default 3)")
    ap.add_argument("--formats", default="text,text.gz,export,json,events")
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "stackerynb-bench-reports"),
                    help="folder of the generated logs, written once and reused")
    _compare.add_arguments(ap)
    args = ap.parse_args(argv)
    if args.vs:
        return _compare.run(args.vs, __file__, argv, runs=args.vs_runs)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from stackerynb.analysis import read_lambda_reports

    files = data(args.data, int(args.lines), int(args.other_lines))
    metrics, missed = {}, False
    for name in args.formats.split(","):
        path, n = files[name]
        walls, cpus = [], []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            df = read_lambda_reports(path)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        assert len(df) == n and not df.attrs["malformed"], (name, len(df), df.attrs["malformed"][:3])
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        metrics[f"{name} CPU s"], metrics[f"{name} wall s"] = cpu, wall
        every = n * LINES_PER_REPORT[name]
        print(f"{name:8s} {n:>11,} reports: {n / cpu / 1e6:6.2f} M REPORT lines/s CPU ({cpu:6.2f} s; "
              f"{every / cpu / 1e6:.2f} M/s of all {every:,} lines), {n / wall / 1e6:6.2f} M REPORT lines/s wall "
              f"({wall:6.2f} s), medians of {args.runs}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        if name == "text":
            missed = n / cpu < TARGET
    if missed:
        print(f"text format below the target of {TARGET:,} lines/s of CPU time")
    _compare.emit(args, metrics)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

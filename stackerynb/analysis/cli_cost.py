"""``stackerynb cost FILE --traffic TRAFFIC.csv`` or ``--logs LOGS``: the tradeoff table in a terminal.

With ``--traffic``, each design is simulated on traffic described in a CSV file (format below, in EPILOG); with
``--logs``, on the arrivals and durations of the functions' own Lambda logs (REPORT lines, any
format :func:`~stackerynb.analysis.read_lambda_reports` reads), with the platform calibrated on
those logs (:func:`~stackerynb.analysis.replay`).

The traffic file's format, with an example, is :data:`EPILOG`: what ``stackerynb cost --help``
prints, kept in one place for both.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import pandas as pd

from stackerynb.analysis.consolidation import consolidation, recommend
from stackerynb.analysis.traffic import Traffic
from stackerynb.catalog.prices import load_prices
from stackerynb.errors import StackError

DESCRIPTION = ("Compare the stack as designed with consolidated alternatives (one function per API, "
               "proxy chains collapsed, both): monthly cost, cold starts per day, latency percentiles and "
               "IAM breadth. Give the traffic as a CSV file (--traffic) or replay the functions' own Lambda "
               "logs (--logs).")
EPILOG = """\
traffic CSV (--traffic): a header line, then one row per entry point; '#' starts a comment line.
Only entry and profile are required; leave other cells empty or drop the columns.

  entry,profile,rate_per_second,peak_to_trough,peak_hour,every_s,trace,trace_function,duration_ms
  Api->GetOrder,diurnal,5,4,14,,,,120
  Api->PutOrder,constant,0.5,,,,,,200
  Nightly,periodic,,,,3600,,,2000
  Api->Search,azure,,,,,azure_d01.csv,9f2c...,80
  Charge,none,,,,,,,300

  entry            Source->Function (a wire), a node id naming one entry wire (a timer, a queue), or a
                   function without entries with profile none (to give its duration only)
  profile          constant (needs rate_per_second) | diurnal (rate_per_second is the mean; optional
                   peak_to_trough, default 4, and peak_hour 0-24, default 14) | bursty (rate_per_second
                   plus burst_rate_per_second for burst_length_s seconds about every burst_every_s) |
                   periodic (every_s, optional offset_s) | azure (per-minute counts from an Azure
                   Functions 2019 trace file named in trace, relative to the traffic file; row
                   trace_function: a HashFunction or #N for the N-th row, empty for a one-row trace) | none
  duration_ms      the function's own work per call through this entry (default 100)

Entry points without a row get no traffic, except timers, which fire on their schedule. A file in
the Azure trace format itself (HashOwner,HashApp,HashFunction,Trigger,1..1440) is accepted too.

logs (--logs): Lambda REPORT lines: a file, a .gz, or a folder (a CloudWatch Logs export), in the
text or JSON log format, or the JSON of aws logs filter-log-events. Deployed names are matched to
the stack's functions by the function id they contain (orders-prod-GetOrder -> GetOrder).

examples:
  stackerynb cost stacks/orders.yaml --traffic traffic.csv --days 2
  stackerynb cost stacks/orders.yaml --logs exported-logs/
"""


def format_table(table: pd.DataFrame) -> str:
    """The tradeoff table as aligned text, money in dollars, latencies in ms."""
    shown = pd.DataFrame({
        "functions": table["functions"].astype(int),
        "compute $/mo": table["monthly_compute"].map("{:,.2f}".format),
        "requests $/mo": table["monthly_requests"].map("{:,.2f}".format),
        "api $/mo": table["monthly_api"].map("{:,.2f}".format),
        "total $/mo": table["monthly_total"].map("{:,.2f}".format),
        "cold/day": table["cold_starts_per_day"].map("{:,.0f}".format),
        "p50 ms": table["latency_p50_ms"].map("{:,.0f}".format),
        "p95 ms": table["latency_p95_ms"].map("{:,.0f}".format),
        "p99 ms": table["latency_p99_ms"].map("{:,.0f}".format),
    }, index=table.index)
    if "iam_actions" in table:
        shown["iam actions"] = table["iam_actions"].astype(int)
        shown["iam resources"] = table["iam_resources"].astype(int)
        shown["package MB"] = table["package_mb"].map("{:g}".format)
    return shown.to_string()


def cost_command(stack_path: str | Path, traffic_path: str | Path, out: TextIO = sys.stdout, *,
                 days: float = 1.0, keep_alive: float = 600.0, region: str = "us-east-1",
                 prices_file: str | Path | None = None, seed: int = 0) -> int:
    """Print the tradeoff table of ``stack_path`` under ``traffic_path`` (format above), the
    merges worth making, and notes; returns 0. Bad files raise StackError naming file and line."""
    from stackerynb.model import Stack

    stack = Stack.load(stack_path)
    traffic = Traffic.from_csv(traffic_path)
    prices = load_prices(region, prices_file)
    options = dict(days=days, keep_alive=keep_alive, prices=prices, seed=seed)
    table = consolidation(stack, traffic, **options)
    out.write(f"{stack.name}: {days:g} day(s) of traffic simulated, keep-alive {keep_alive:g} s, "
              f"prices {region}, scaled to a 730-hour month\n\n")
    out.write(format_table(table) + "\n")
    _write_designs(table, out)
    rec = recommend(stack, traffic, **options)
    if len(rec):
        out.write("\nMerges, best saving first:\n")
        for text in rec["tradeoff"]:
            out.write(f"  - {text}\n")
    for note in table.attrs.get("notes", []):
        out.write(f"note: {note}\n")
    return 0


def _write_designs(table: pd.DataFrame, out: TextIO) -> None:
    """What each design merged, in words ("as designed" merges nothing)."""
    out.write("\n")
    for name, merged in table["merged"].items():
        text = "every function on its own, nothing merged" if not merged else f"merges {merged.replace(';', ' and')}"
        out.write(f"  {name}: {text}\n")


def logs_command(stack_path: str | Path, logs_path: str | Path, out: TextIO = sys.stdout, *,
                 region: str = "us-east-1", prices_file: str | Path | None = None) -> int:
    """Replay the Lambda logs at ``logs_path`` through each design of ``stack_path``: read, calibrate
    the platform on them, print its parameters, the replay table and what could not be read."""
    from stackerynb.analysis.calibrate import calibrate
    from stackerynb.analysis.logs import read_lambda_reports
    from stackerynb.analysis.replay import match_functions, replay
    from stackerynb.model import Stack

    stack = Stack.load(stack_path)
    inv = read_lambda_reports(logs_path)
    prices = load_prices(region, prices_file)
    bad = inv.attrs.get("malformed", [])
    out.write(f"{logs_path}: {len(inv):,} invocations of {inv['function'].nunique()} function(s)"
              f"{f', {len(bad)} malformed report line(s)' if bad else ''}\n")
    for m in bad[:5]:
        out.write(f"  malformed: {m['source']} line {m['line']}: {m['text'][:100]}\n")
    mapping = match_functions(pd.unique(inv["function"].astype(str)), stack)
    platform = None
    known = inv[inv["function"].astype(str).isin(list(mapping)).to_numpy()]
    if len(known):
        try:
            cal = calibrate(known)
            platform = cal.platform
            out.write(f"platform calibrated on the logs: routing {platform.routing}\n")
            for name, r in cal.parameters.iterrows():
                out.write(f"  {name:18s} {r['estimate']:>10,.3g} +/- {r['se']:,.2g} {r['unit']}\n")
        except StackError as exc:
            out.write(f"note: default platform, calibration not possible: {exc}\n")
    table = replay(inv, stack, platform=platform, prices=prices)
    out.write(f"\n{stack.name}: {table.attrs['days']:.2f} day(s) of logs replayed, prices {region}, "
              f"scaled to a 730-hour month\n\n")
    out.write(format_table(table) + "\n")
    _write_designs(table, out)
    for note in table.attrs.get("notes", []):
        if not note.startswith("platform calibrated"):
            out.write(f"note: {note}\n")
    return 0


def add_arguments(parser) -> None:
    """Add ``cost``'s arguments to an argparse parser (for ``stackerynb.cli``)."""
    parser.add_argument("file", help="stack file (stacks/NAME.yaml)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--traffic", metavar="CSV", help="traffic file, one row per entry point (format below)")
    source.add_argument("--logs", metavar="PATH", help="Lambda REPORT logs to replay: file, .gz or folder (below)")
    parser.add_argument("--days", type=float, default=1.0, help="days of traffic to simulate (default 1)")
    parser.add_argument("--keep-alive", type=float, default=600.0, help="idle seconds before an instance is reclaimed")
    parser.add_argument("--region", default="us-east-1", help="price region (default us-east-1)")
    parser.add_argument("--prices", default=None, help="YAML/JSON file of price overrides")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the arrivals")


def run(args, out: TextIO | None = None) -> int:
    """Run ``cost`` from parsed arguments (see :func:`add_arguments`)."""
    if getattr(args, "logs", None):
        return logs_command(args.file, args.logs, out or sys.stdout, region=args.region, prices_file=args.prices)
    return cost_command(args.file, args.traffic, out or sys.stdout, days=args.days, keep_alive=args.keep_alive,
                        region=args.region, prices_file=args.prices, seed=args.seed)

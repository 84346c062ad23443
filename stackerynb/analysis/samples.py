"""The sample the kit ships: one day of an orders API's Lambda logs, in Lambda's REPORT format.

``orders-reports.log.gz`` was made by :func:`write_orders_log` (run ``python -m
stackerynb.analysis.samples`` to make it again): notebook 02's stack (an API with GetOrder,
PutOrder and ListOrders, ListOrders calling Pricing, a nightly Report), one day of its traffic
simulated with a platform like the one calibrated on AWS's published measurements, written as
CloudWatch Logs exports print REPORT lines. Reading it back exercises the whole path from logs
to a decision.
"""
from __future__ import annotations

from pathlib import Path

SAMPLE_LOG = Path(__file__).with_name("data") / "orders-reports.log.gz"
# the platform the sample was made with, so calibration has something known to find
SAMPLE_PLATFORM = dict(keep_alive=700.0, keep_alive_spread=0.05, lifetime=6800.0, routing="spread")


def sample_log() -> Path:
    """Path of the shipped sample log (one day of notebook 02's orders API)."""
    return SAMPLE_LOG


def orders_stack():
    """Notebook 02's stack: an API over a table, a proxy call, and a nightly report."""
    from stackerynb import patterns

    stack = patterns.api_with_table("orders")
    stack.add("function", "Pricing", memory=256, position=(400, 200))
    stack.connect("ListOrders", "Pricing")
    stack.add("timer", "Nightly", schedule="cron(0 2 * * ? *)", position=(0, 300))
    stack.add("function", "Report", memory=1024, timeout=300, position=(200, 300))
    stack.connect("Nightly", "Report")
    stack.connect("Report", "Orders", access="read")
    return stack


def orders_traffic():
    """Notebook 02's traffic, and the own work of functions reached without an entry."""
    from stackerynb import analysis

    traffic = analysis.Traffic(
        {"Api->GetOrder": analysis.diurnal(0.08, peak_to_trough=4),
         "Api->PutOrder": analysis.constant(0.01),
         "Api->ListOrders": analysis.bursty(0.002, burst_rate_per_second=0.5, burst_every_s=3 * 3600, burst_length_s=300)},
        durations={"Api->GetOrder": 0.04, "Api->PutOrder": 0.08, "Api->ListOrders": 0.06})
    return traffic, {"Pricing": 0.03, "Report": 20.0}


def write_orders_log(path: str | Path = SAMPLE_LOG, *, seed: int = 2) -> Path:
    """Simulate one day of the orders API and write its REPORT lines (deployed names
    ``orders-prod-<Function>``), gzip-compressed."""
    import numpy as np

    from stackerynb.analysis.consolidation import alternatives, evaluate
    from stackerynb.analysis.logs import write_lambda_reports
    from stackerynb.analysis.platform import Platform

    stack = orders_stack()
    traffic, work = orders_traffic()
    as_designed = alternatives(stack)[0]
    ev = evaluate(stack, as_designed, traffic, days=1.0, seed=seed, durations=work,
                  platform=Platform(**SAMPLE_PLATFORM))
    rec = ev.invocations
    rng = np.random.default_rng(seed)
    # real durations vary: lognormal jitter around the modelled work (callers keep their waits)
    jitter = rng.lognormal(0.0, 0.25, len(rec))
    frame = rec.assign(function="orders-prod-" + rec["member"].astype(str),
                       duration=rec["duration"].to_numpy() * jitter,
                       memory=[as_designed.functions[m].memory for m in rec["member"]])
    frame["latency"] = frame["duration"] + np.where(frame["cold"], rec["latency"] - rec["duration"], 0.0)
    return write_lambda_reports(frame, path, seed=seed)


if __name__ == "__main__":  # pragma: no cover - regenerates the shipped file
    print(write_orders_log())

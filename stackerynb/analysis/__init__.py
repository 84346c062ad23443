"""Analysis: prices, traffic, cold-start simulation, consolidation, deployments, plots.

The core of "should these be separate functions or one?"::

    from stackerynb import analysis
    traffic = analysis.Traffic({"Api->GetOrder": analysis.diurnal(5), "Nightly": analysis.periodic(3600)})
    analysis.consolidation(stack, traffic)       # one row per design
    analysis.recommend(stack, traffic)           # the merges that save the most, and their price

From the functions' own logs::

    logs = analysis.read_lambda_reports("exported-logs/")   # or fetch_lambda_reports(names, start, end)
    platform = analysis.calibrate(logs).platform            # keep-alive, lifetime, routing, INIT
    analysis.replay(logs, stack, platform=platform)         # each design on the logged arrivals

Plots live in :mod:`stackerynb.analysis.plots` (matplotlib is imported there on first use).
Nothing here imports ipywidgets or boto3 at import time.
"""
from stackerynb.analysis.consolidation import (Design, Entry, Evaluation, alternatives, consolidation, design,
                                               entry_points, evaluate, recommend)
from stackerynb.analysis.calibrate import Calibration, calibrate, cross_validate
from stackerynb.analysis.fetch import fetch_lambda_reports
from stackerynb.analysis.history import deployments_summary
from stackerynb.analysis.logs import read_lambda_reports
from stackerynb.analysis.platform import Platform
from stackerynb.analysis.replay import replay
from stackerynb.analysis.pricing import (api_cost, dynamodb_cost, invocation_cost, lambda_cost, nat_gateway_cost,
                                         provisioned_concurrency_cost, sns_cost, sqs_cost)
from stackerynb.analysis.simulator import SimulationResult, simulate
from stackerynb.analysis.traffic import (Traffic, bursty, constant, diurnal, from_cloudwatch, none, periodic,
                                         read_azure_durations, read_azure_trace, trace)
from stackerynb.catalog.prices import Prices, init_seconds, load_prices

__all__ = [
    "simulate", "SimulationResult", "Platform", "calibrate", "cross_validate", "Calibration",
    "read_lambda_reports", "fetch_lambda_reports", "replay",
    "consolidation", "recommend", "alternatives", "design", "evaluate", "entry_points", "Design", "Entry", "Evaluation",
    "deployments_summary",
    "Traffic", "constant", "diurnal", "bursty", "periodic", "trace", "none", "from_cloudwatch",
    "read_azure_trace", "read_azure_durations",
    "load_prices", "Prices", "init_seconds",
    "lambda_cost", "invocation_cost", "api_cost", "dynamodb_cost", "sqs_cost", "sns_cost", "nat_gateway_cost",
    "provisioned_concurrency_cost",
]

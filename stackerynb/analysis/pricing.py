"""What usage costs: Lambda, API Gateway, DynamoDB, SQS, SNS and NAT gateways, per month.

All functions take quantities for one month and a :class:`~stackerynb.catalog.prices.Prices`
(default: us-east-1 from ``catalog/prices.yaml``); tiers apply to the quantities given, so price a
whole account's monthly usage at once when tiers matter.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from stackerynb.catalog.prices import Prices, load_prices
from stackerynb.errors import StackError

MB_PER_GB = 1024  # Lambda's GB-second uses memory in MB / 1024 (AWS pricing examples)


def _prices(prices: Prices | None) -> Prices:
    return prices if prices is not None else load_prices()


def billed_seconds(durations, init=None) -> float:
    """Total billed seconds of invocations: each invocation's duration (plus its INIT time when
    it started cold and INIT is billed) rounded up to the next millisecond."""
    d = np.asarray(durations, dtype=float)
    if init is not None:
        d = d + np.asarray(init, dtype=float)
    if d.size and (not np.all(np.isfinite(d)) or d.min() < 0):
        raise StackError("durations must be finite numbers of seconds >= 0")
    # round in integer microseconds first so 0.1 s stays 100 ms despite binary floating point
    us = np.rint(d * 1_000_000).astype(np.int64)
    return float(np.sum(-(-us // 1000))) / 1000.0


def gb_seconds(seconds: float, memory_mb: float) -> float:
    """GB-seconds of ``seconds`` of billed time at ``memory_mb``."""
    if memory_mb <= 0:
        raise StackError(f"memory must be positive, got {memory_mb}")
    return seconds * memory_mb / MB_PER_GB


def lambda_cost(requests: float, gb_s: float | dict[str, float], architecture: str = "x86_64",
                prices: Prices | None = None) -> dict[str, float]:
    """Monthly Lambda charges: ``{"compute": ..., "requests": ...}`` in USD.

    ``gb_s`` is the month's billed GB-seconds, or a mapping architecture -> GB-seconds (each
    architecture has its own tiers). The free tier, when the prices include it, comes off the
    requests and off the GB-seconds (first x86 then arm64).
    """
    p = _prices(prices)
    per_arch = dict(gb_s) if isinstance(gb_s, dict) else {architecture: gb_s}
    if requests < 0 or any(v < 0 for v in per_arch.values()):
        raise StackError("requests and GB-seconds must not be negative")
    free = p.free_gb_seconds
    compute = 0.0
    for arch in sorted(per_arch, key=lambda a: a != "x86_64"):
        qty = per_arch[arch]
        used = min(free, qty)
        free -= used
        compute += p.lambda_duration(arch).cost(qty - used)
    billable = max(0.0, requests - p.free_requests)
    return {"compute": compute, "requests": billable * p.lambda_request}


def invocation_cost(count: float, duration: float, memory_mb: float, architecture: str = "x86_64",
                    prices: Prices | None = None, init: float = 0.0, cold_starts: float = 0) -> dict[str, float]:
    """Monthly cost of ``count`` invocations of ``duration`` seconds at ``memory_mb``, of which
    ``cold_starts`` also paid ``init`` seconds of INIT (billed since 2025-08-01)."""
    p = _prices(prices)
    per_call = math.ceil(round(duration * 1_000_000) / 1000) / 1000
    init_s = (math.ceil(round((duration + init) * 1_000_000) / 1000) / 1000 - per_call) if p.init_billed else 0.0
    seconds = count * per_call + cold_starts * init_s
    return lambda_cost(count, gb_seconds(seconds, memory_mb), architecture, p)


def provisioned_concurrency_cost(concurrency: int, memory_mb: float, hours: float, busy_seconds: float = 0.0,
                                 architecture: str = "x86_64", prices: Prices | None = None) -> dict[str, float]:
    """Provisioned concurrency for ``hours``: the concurrency charge, plus the (lower) duration
    price for ``busy_seconds`` served on it. Requests are charged as usual, separately."""
    conc, dur = _prices(prices).provisioned(architecture)
    gb = memory_mb / MB_PER_GB
    return {"provisioned": concurrency * gb * hours * 3600 * conc, "compute": busy_seconds * gb * dur}


def api_cost(requests: float, api: str = "rest", prices: Prices | None = None) -> float:
    """API Gateway charge for ``requests`` in a month: ``api`` is ``rest`` or ``http``."""
    p = _prices(prices)
    if api == "rest":
        return p.api_rest.cost(requests)
    if api == "http":
        return p.api_http.cost(requests)
    raise StackError(f"unknown API type {api!r}; choose rest or http")


def dynamodb_cost(reads: float = 0, writes: float = 0, storage_gb: float = 0, prices: Prices | None = None) -> float:
    """DynamoDB on-demand: read and write request units plus storage, for one month."""
    p = _prices(prices)
    return reads * p.dynamodb_read + writes * p.dynamodb_write + storage_gb * p.dynamodb_storage


def sqs_cost(requests: float, fifo: bool = False, prices: Prices | None = None) -> float:
    """SQS requests (send, receive, delete each count; every 64 KB of payload is one request)."""
    p = _prices(prices)
    return (p.sqs_fifo if fifo else p.sqs_standard).cost(requests)


def sns_cost(publishes: float, deliveries: dict[str, float] | None = None, prices: Prices | None = None) -> float:
    """SNS publishes plus deliveries by endpoint type (``{"lambda": n, "sqs": n, "http": n}``)."""
    p = _prices(prices)
    total = publishes * p.sns_publish
    for kind, count in (deliveries or {}).items():
        if kind not in p.sns_delivery:
            raise StackError(f"no SNS delivery price for {kind!r}; known: {', '.join(p.sns_delivery)}")
        total += count * p.sns_delivery[kind]
    return total


def nat_gateway_cost(gateways: int = 1, hours: float = 730, gb_processed: float = 0, prices: Prices | None = None) -> float:
    """NAT gateways: hourly charge per gateway plus data processed."""
    p = _prices(prices)
    return gateways * hours * p.nat_hour + gb_processed * p.nat_gb


def monthly_factor(simulated_seconds: float, prices: Prices | None = None) -> float:
    """Multiplier from a simulated span to one month (730 hours)."""
    if simulated_seconds <= 0:
        raise StackError("the simulated span must be positive")
    return _prices(prices).seconds_per_month / simulated_seconds


def sum_costs(parts: Iterable[dict[str, float]]) -> dict[str, float]:
    """Add cost dicts key by key."""
    out: dict[str, float] = {}
    for part in parts:
        for k, v in part.items():
            out[k] = out.get(k, 0.0) + v
    return out

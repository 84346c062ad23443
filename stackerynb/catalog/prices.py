"""Prices and cold-start durations, read from ``prices.yaml`` and ``coldstarts.yaml``.

``load_prices()`` gives a :class:`Prices` for one region with the user's overrides applied;
``init_seconds()`` estimates the INIT (cold start) duration of a function from its runtime,
memory, architecture and package size. Both tables name their sources; see their headers.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from stackerynb.catalog._data import load_table
from stackerynb.errors import StackError

DEFAULT_REGION = "us-east-1"
ARCHITECTURES = ("x86_64", "arm64")


@dataclass(frozen=True)
class Tiered:
    """A volume-tiered unit price: ``tiers`` is ((cumulative upper bound or None, price), ...)."""

    tiers: tuple[tuple[float | None, float], ...]

    def cost(self, quantity: float) -> float:
        """The price of ``quantity`` units in one month, each tier at its own rate."""
        if quantity < 0:
            raise StackError(f"cannot price a negative quantity ({quantity})")
        total, floor = 0.0, 0.0
        for upper, price in self.tiers:
            top = quantity if upper is None else min(quantity, upper)
            if top > floor:
                total += (top - floor) * price
            if upper is None or quantity <= upper:
                break
            floor = upper
        return total

    @property
    def first(self) -> float:
        """The first tier's unit price."""
        return self.tiers[0][1]


def _tiered(raw: Mapping, where: str) -> Tiered:
    try:
        tiers = tuple((None if t["up_to"] is None else float(t["up_to"]), float(t["price"])) for t in raw["tiers"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StackError(f"prices: {where} needs tiers of {{up_to, price}} ({exc})") from None
    bounds = [u for u, _ in tiers if u is not None]
    if not tiers or tiers[-1][0] is not None or bounds != sorted(bounds):
        raise StackError(f"prices: {where} tiers must rise and end with up_to: null")
    return Tiered(tiers)


class Prices:
    """Unit prices for one region (USD), with where each came from.

    Built by :func:`load_prices`; ``raw`` holds the region's table after overrides.
    """

    def __init__(self, region: str, raw: Mapping[str, Any], *, free_tier: bool = False,
                 seconds_per_month: float = 2_628_000):
        self.region = region
        self.raw = raw
        self.free_tier = free_tier
        self.seconds_per_month = float(seconds_per_month)
        try:
            lam = raw["lambda"]
            self._duration = {a: _tiered(lam["duration"][a], f"lambda.duration.{a}") for a in ARCHITECTURES}
            self.lambda_request = float(lam["requests"]["price"])
            self.init_billed = bool(lam["init"]["billed"])
            pc = lam["provisioned_concurrency"]
            self._pc = {a: (float(pc[a]["concurrency"]), float(pc[a]["duration"])) for a in ARCHITECTURES}
            self.ephemeral_storage = float(lam["ephemeral_storage"]["price"])
            self.free_requests = float(lam["free_tier"]["requests"]) if free_tier else 0.0
            self.free_gb_seconds = float(lam["free_tier"]["gb_seconds"]) if free_tier else 0.0
            api = raw["api_gateway"]
            self.api_rest = _tiered(api["rest"], "api_gateway.rest")
            self.api_http = _tiered(api["http"], "api_gateway.http")
            ddb = raw["dynamodb"]["on_demand"]
            self.dynamodb_write = float(ddb["write_request_unit"])
            self.dynamodb_read = float(ddb["read_request_unit"])
            self.dynamodb_storage = float(ddb["storage_gb_month"])
            self.sqs_standard = _tiered(raw["sqs"]["standard"], "sqs.standard")
            self.sqs_fifo = _tiered(raw["sqs"]["fifo"], "sqs.fifo")
            self.sns_publish = float(raw["sns"]["publish"]["price"])
            self.sns_delivery = {k: float(v) for k, v in raw["sns"]["deliveries"].items()
                                 if k not in ("source", "as_of")}
            self.nat_hour = float(raw["nat_gateway"]["hour"])
            self.nat_gb = float(raw["nat_gateway"]["gb_processed"])
        except KeyError as exc:
            raise StackError(f"prices for {region} lack {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise StackError(f"prices for {region}: {exc}") from None

    def lambda_duration(self, architecture: str = "x86_64") -> Tiered:
        """Tiered on-demand price per GB-second for ``x86_64`` or ``arm64``."""
        try:
            return self._duration[architecture]
        except KeyError:
            raise StackError(f"unknown architecture {architecture!r}; choose from {', '.join(ARCHITECTURES)}") from None

    def provisioned(self, architecture: str = "x86_64") -> tuple[float, float]:
        """(price per GB-second of provisioned concurrency, price per GB-second of duration on it)."""
        self.lambda_duration(architecture)
        return self._pc[architecture]

    def table(self):
        """Every price as a DataFrame: item, price, unit, source, as_of (for notebooks and reports)."""
        import pandas as pd

        rows = []

        def walk(node, path, inherited):
            if not isinstance(node, Mapping):
                return
            meta = {k: node.get(k, inherited.get(k)) for k in ("source", "as_of", "unit")}
            for key, value in node.items():
                if key in ("source", "as_of", "unit", "note", "since"):
                    continue
                here = f"{path}.{key}" if path else str(key)
                if key == "tiers":
                    for i, tier in enumerate(value):
                        upto = "" if tier["up_to"] is None else f" up to {tier['up_to']:,.0f}"
                        rows.append({"item": f"{path} tier {i + 1}{upto}", "price": tier["price"], **meta})
                elif isinstance(value, Mapping):
                    walk(value, here, meta)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    rows.append({"item": here, "price": float(value), **meta})

        walk(self.raw, "", {})
        return pd.DataFrame(rows, columns=["item", "price", "unit", "source", "as_of"])

    def __repr__(self) -> str:
        return f"Prices({self.region!r}, free_tier={self.free_tier})"


def _apply_override(table: dict, key: str, value: Any) -> None:
    node = table
    parts = key.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise StackError(f"price override {key!r}: {'.'.join(parts[:i]) or 'table'} has no item {part}")
            part = int(part)
        elif not isinstance(node, dict) or part not in node:
            raise StackError(f"price override {key!r}: no price called {'.'.join(parts[:i + 1])}")
        if last:
            node[part] = value
        else:
            node = node[part]


def _flatten(overrides: Mapping, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in overrides.items():
        here = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(_flatten(value, here))
        else:
            out[here] = value
    return out


def load_prices(region: str = DEFAULT_REGION, overrides: Mapping | str | Path | None = None, *,
                free_tier: bool = False) -> Prices:
    """The price table for ``region`` with ``overrides`` applied.

    ``overrides`` is a mapping of dotted paths (``{"lambda.requests.price": 2.5e-7}``), a nested
    mapping of the same shape as ``prices.yaml``'s region block, or a path to a YAML/JSON file
    holding such a mapping. An override naming a price that does not exist is an error, so a typo
    cannot silently leave the default in place. ``free_tier`` subtracts Lambda's monthly free
    requests and GB-seconds (they are per account, so they are off by default).
    """
    table = load_table("prices.yaml")
    regions = table["regions"]
    if region not in regions:
        raise StackError(f"no prices for region {region!r}; known: {', '.join(regions)}")
    raw = copy.deepcopy(regions[region])
    if isinstance(overrides, (str, Path)):
        path = Path(overrides)
        try:
            overrides = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise StackError(f"cannot read price overrides {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise StackError(f"{path}: not valid YAML/JSON: {exc}") from None
        if not isinstance(overrides, Mapping):
            raise StackError(f"{path}: price overrides must be a mapping")
    for key, value in _flatten(overrides or {}).items():
        _apply_override(raw, key, value)
    return Prices(region, raw, free_tier=free_tier, seconds_per_month=table.get("seconds_per_month", 2_628_000))


# --------------------------------------------------------------------------- cold starts
def coldstart_table() -> Mapping[str, Any]:
    """The parsed ``coldstarts.yaml`` (shared, do not modify)."""
    return load_table("coldstarts.yaml")


def runtimes() -> list[str]:
    """Runtimes with a cold-start estimate."""
    return list(coldstart_table()["runtimes"])


def init_seconds(runtime: str | None = None, memory: float = 128, architecture: str = "x86_64",
                 package_mb: float | None = None) -> float:
    """Estimated INIT duration in seconds of a cold start; see ``coldstarts.yaml`` for the model."""
    table = coldstart_table()
    runtime = runtime or table["default_runtime"]
    spec = table["runtimes"].get(runtime)
    if spec is None:
        raise StackError(f"no cold-start estimate for runtime {runtime!r}; known: {', '.join(table['runtimes'])}")
    factor = table["architecture_factor"].get(architecture)
    if factor is None:
        raise StackError(f"unknown architecture {architecture!r}; choose from {', '.join(table['architecture_factor'])}")
    if package_mb is None:
        package_mb = table["default_package_mb"]
    if not (isinstance(memory, (int, float)) and memory > 0 and math.isfinite(memory)):
        raise StackError(f"memory must be a positive number of MB, got {memory!r}")
    if package_mb < 0:
        raise StackError(f"package size must not be negative, got {package_mb!r}")
    ref, full = table["reference_memory_mb"], table["full_cpu_memory_mb"]
    mem = min(max(float(memory), ref), full)
    ms = (spec["base_ms"] + spec["package_ms_per_mb"] * package_mb) * (ref / mem) ** spec["memory_exponent"] * factor
    return ms / 1000.0

"""Realistic example stacks that tests, notebooks and benchmarks share.

- ``api_with_table()``: a REST API, one function per route, one table they share.
- ``rate_limiting()``: Stackery's rate-limiting pattern: timer -> filler -> queue -> worker
  with bounded concurrency and a token bucket in a cache cluster.
- ``private_network()``: a VPC with a database, a bastion, and a docker service behind a load
  balancer, plus a function that reads the database.
- ``cdn_site()``: a CDN in front of an object store only the CDN may read.
- ``fleet(nodes)``: a synthetic stack of functions, tables, queues and APIs of any size, for
  benchmarks; every 100 nodes form one self-contained group behind their own API.

The first four are the designs in ``stackerynb.patterns`` (one source of truth); the
compiled templates of all four are kept as golden files under ``tests/golden/``.
"""
from __future__ import annotations

from stackerynb import patterns
from stackerynb.model import Stack

api_with_table = patterns.api_with_table
private_network = patterns.private_network
cdn_site = patterns.cdn_site


def rate_limiting(stack: Stack | str = "rate-limiting", rate_per_minute: int = 60, workers: int = 5) -> Stack:
    """Timer -> filler -> queue -> worker (bounded concurrency) with a token-bucket cache."""
    return patterns.queue_filler(stack, rate_per_minute=rate_per_minute, workers=workers)


EXAMPLES = {
    "api_with_table": api_with_table,
    "rate_limiting": rate_limiting,
    "private_network": private_network,
    "cdn_site": cdn_site,
}

GROUP_SIZE = 100  # nodes per self-contained group of a fleet (about 440 resources)


def fleet(nodes: int, name: str = "fleet") -> Stack:
    """A stack of exactly ``nodes`` nodes: groups of up to 100, each an API in front of units of
    five (a writer and a reader routed by the API, a table, a queue the writer fills, and a
    worker draining the queue into the table). Groups are not wired to each other, so a fleet
    larger than one template splits cleanly (``split_stack``)."""
    if nodes < 1:
        raise ValueError("a fleet has at least one node")
    s = Stack(name)
    made = 0
    group = 0
    while made < nodes:
        group += 1
        size = min(GROUP_SIZE, nodes - made)
        _group(s, f"G{group}", size)
        made += size
    return s


def _group(s: Stack, prefix: str, size: int) -> None:
    api = f"{prefix}Api"
    specs = [("rest_api", api, {})]
    unit = 0
    while len(specs) < size:
        unit += 1
        u = f"{prefix}U{unit}"
        specs += [("table", f"{u}Items", {}), ("function", f"{u}Writer", {"memory": 256}),
                  ("queue", f"{u}Jobs", {"visibility_timeout": 60}), ("function", f"{u}Worker", {"timeout": 60}),
                  ("function", f"{u}Reader", {})]
    specs = specs[:size]
    for kind, node_id, settings in specs:
        s.add(kind, node_id, **settings)
    present = {node_id for _, node_id, _ in specs}
    for u in range(1, unit + 1):
        n = f"{prefix}U{u}"
        wires = [(api, f"{n}Writer", None), (api, f"{n}Reader", None), (f"{n}Writer", f"{n}Items", "write"),
                 (f"{n}Writer", f"{n}Jobs", None), (f"{n}Jobs", f"{n}Worker", None),
                 (f"{n}Worker", f"{n}Items", "write"), (f"{n}Reader", f"{n}Items", "read")]
        for source, target, access in wires:
            if source in present and target in present:
                s.connect(source, target, access=access)

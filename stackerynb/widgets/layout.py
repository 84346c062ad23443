"""Canvas positions computed in plain Python: a layered layout for stacks that have none (an
imported template, say) and a free spot for a node added without a position.

Wires point left to right (a Rest Api sits left of its functions, tables to their right); nodes
in the same Virtual Network and subnet tier share a band of rows, so the network's box and its
tier boxes on the canvas do not overlap other nodes.
"""
from __future__ import annotations

import math
from collections import defaultdict

from stackerynb.catalog import kind as catalog_kind

COLUMN = 190  # horizontal distance between layers
ROW = 110  # vertical distance between nodes in a layer
BAND_GAP = 70  # extra space between bands (room for network and tier box borders and labels)
ASPECT = 1.5  # width / height a large layout aims for (the canvas is wider than tall)


def network_band(stack, node) -> tuple[str, str] | None:
    """(network id, tier) for a node drawn inside a network, None for a free-standing node."""
    net = node.network
    if not isinstance(net, str) or net not in stack or stack.node(net).kind != "virtual_network":
        return None
    spec = catalog_kind(node.kind)
    if spec is None or spec.network == "none":
        return None
    return net, spec.tier or "private"


def layers(stack) -> dict[str, int]:
    """Layer (column) of every node: the longest chain of wires leading to it; cycles are
    broken by taking the waiting node with the fewest unplaced predecessors."""
    ids = [n.id for n in stack.nodes]
    preds: dict[str, set[str]] = {i: set() for i in ids}
    succs: dict[str, set[str]] = {i: set() for i in ids}
    for wire in stack.wires:
        if wire.source in preds and wire.target in preds and wire.source != wire.target:
            preds[wire.target].add(wire.source)
            succs[wire.source].add(wire.target)
    layer: dict[str, int] = {}
    waiting = {i: len(preds[i]) for i in ids}
    ready = [i for i in ids if waiting[i] == 0]
    order = {i: k for k, i in enumerate(ids)}
    while len(layer) < len(ids):
        if not ready:  # a cycle: break it where the fewest wires are still unplaced
            rest = [i for i in ids if i not in layer]
            ready = [min(rest, key=lambda i: (waiting[i], order[i]))]
        node_id = ready.pop(0)
        if node_id in layer:
            continue
        layer[node_id] = max((layer[p] + 1 for p in preds[node_id] if p in layer), default=0)
        for nxt in sorted(succs[node_id], key=order.get):
            waiting[nxt] -= 1
            if waiting[nxt] == 0 and nxt not in layer:
                ready.append(nxt)
    return layer


def layered_layout(stack) -> dict[str, tuple[float, float]]:
    """A position for every node of ``stack``: columns by wire depth, rows in bands by network
    and tier, ordered within a band so wires cross little (barycentre of predecessors).

    A layer with more nodes than fit in a band's rows wraps into several columns, so a large
    stack stays roughly as wide as the canvas rather than a thin, tall strip."""
    layer = layers(stack)
    nodes = stack.nodes
    band_of = {n.id: network_band(stack, n) for n in nodes}
    preds = defaultdict(list)
    for wire in stack.wires:
        preds[wire.target].append(wire.source)
    bands = [None] + sorted({b for b in band_of.values() if b is not None})
    columns: dict[tuple, dict[int, list[str]]] = {b: defaultdict(list) for b in bands}
    for node in nodes:
        columns[band_of[node.id]][layer[node.id]].append(node.id)
    depth = max(layer.values(), default=0) + 1
    tallest = {b: max((len(c) for c in columns[b].values()), default=0) for b in bands}

    def shape(max_rows: int):
        rows_of = {b: min(max_rows, tallest[b]) for b in bands}
        widths = [max((math.ceil(len(columns[b].get(col, ())) / rows_of[b]) for b in bands if rows_of[b]),
                      default=1) for col in range(depth)]
        return rows_of, widths

    # the fewest rows that keep the drawing no wider than ASPECT times its height
    max_rows = max(6, math.ceil(math.sqrt(len(nodes) * COLUMN / (ASPECT * ROW))))
    rows_of, width_of = shape(max_rows)
    while max_rows < max(tallest.values(), default=0) and \
            sum(width_of) * COLUMN > ASPECT * sum(r * ROW + BAND_GAP for r in rows_of.values() if r):
        max_rows += 1
        rows_of, width_of = shape(max_rows)
    left = [sum(width_of[:col]) for col in range(depth)]
    row: dict[str, float] = {}
    positions: dict[str, tuple[float, float]] = {}
    top = 0
    for band in bands:
        rows = rows_of[band]
        if rows == 0:
            continue
        for col in range(depth):
            members = columns[band].get(col, [])

            def barycentre(node_id: str, _members=members) -> tuple[float, int]:
                seen = [row[p] for p in preds[node_id] if p in row]
                return (sum(seen) / len(seen) if seen else _members.index(node_id), _members.index(node_id))

            for k, node_id in enumerate(sorted(members, key=barycentre)):
                row[node_id] = k % rows
                positions[node_id] = ((left[col] + k // rows) * COLUMN, round(top + (k % rows) * ROW))
        top += rows * ROW + BAND_GAP
    return positions


def free_spot(taken, columns: int | None = None) -> tuple[float, float]:
    """The first grid cell, row by row, with no node near it; ``taken`` are positions in use."""
    taken = list(taken)
    occupied = {(round(x / COLUMN), round(y / ROW)) for x, y in taken}
    if columns is None:
        columns = max(6, int(len(taken) ** 0.5) + 1)
    k = 0
    while True:
        cell = (k % columns, k // columns)
        if cell not in occupied:
            return (cell[0] * COLUMN, cell[1] * ROW)
        k += 1


def spot_near(anchor: tuple[float, float], taken) -> tuple[float, float]:
    """A free grid cell close to ``anchor`` (used to drop a node next to its network's members)."""
    occupied = {(round(x / COLUMN), round(y / ROW)) for x, y in taken}
    ax, ay = round(anchor[0] / COLUMN), round(anchor[1] / ROW)
    for radius in range(0, 1000):
        ring = [(ax + dx, ay + dy) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
                if max(abs(dx), abs(dy)) == radius]
        for cell in sorted(ring, key=lambda c: (abs(c[1] - ay), abs(c[0] - ax), c[1], c[0])):
            if cell not in occupied:
                return (cell[0] * COLUMN, cell[1] * ROW)
    return free_spot(taken)

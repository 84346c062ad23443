"""Canvas positions for the widgets: a thin front of ``stackerynb.diagram.layout``, where the
layout, the placement search and the group boxes live (the export draws from the same code).

Kept here: the names the canvas's modules call (``layered_layout``, ``free_spot``,
``spot_near``, ``network_band``). ``free_spot`` and ``spot_near`` given the ``stack`` avoid
nodes, wires and group boxes; without it (positions alone) they fall back to grid cells.
"""
from __future__ import annotations

from collections.abc import Mapping

from stackerynb.diagram.layout import (  # noqa: F401  (re-exported for the canvas)
    COLUMN, ROW, complete_positions, group_boxes, layered_layout, layers, network_band, spot_in_network,
)
from stackerynb.diagram import layout as _diagram


def free_spot(taken, columns: int | None = None, *, stack=None, view=None) -> tuple[float, float]:
    """A spot for a new node. With ``stack`` (and ``taken`` a mapping of node id to position) it
    touches no node, wire or group box, preferring ``view``; else the first free grid cell."""
    if stack is not None and isinstance(taken, Mapping):
        return _diagram.free_spot(stack, dict(taken), view=view)
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
    """A free grid cell close to ``anchor`` (positions alone; see ``spot_in_network``)."""
    occupied = {(round(x / COLUMN), round(y / ROW)) for x, y in taken}
    ax, ay = round(anchor[0] / COLUMN), round(anchor[1] / ROW)
    for radius in range(0, 1000):
        ring = [(ax + dx, ay + dy) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
                if max(abs(dx), abs(dy)) == radius]
        for cell in sorted(ring, key=lambda c: (abs(c[1] - ay), abs(c[0] - ax), c[1], c[0])):
            if cell not in occupied:
                return (cell[0] * COLUMN, cell[1] * ROW)
    return free_spot(taken)

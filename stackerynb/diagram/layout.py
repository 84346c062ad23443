"""Where every node of a stack is drawn, in plain Python: a layered layout for stacks without
positions (an imported template), a free spot for a new node, a spot inside a network for a node
placed there, and the group boxes (networks and their subnet tiers) the canvas draws around
their members. The canvas (``stackerynb.widgets``) and the export (``render``) both use it.

The layout is a small Sugiyama-style pass, written here rather than taken from a library
(grandalf, networkx) because its constraints are ours: wires that trigger (an event source, a
route, a schedule) point left to right even inside cycles; nodes of one network and subnet tier
share a band of rows, so a group box holds its members and nothing else; and a large stack
wraps into a canvas-shaped block instead of a long strip. The passes: cycle breaking (triggering
wires kept first), longest-path layering, barycentre ordering within each band, and columns
as wide as their widest label.

Geometry mirrors the canvas stylesheet: nodes are 44 x 44 with the label below; generic
resource cards are as wide as their text; tier boxes pad their members by 14, networks their
tiers by 18 (cytoscape's compound nodes size themselves the same way).
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from stackerynb.catalog import kind as catalog_kind, wire_profile
from stackerynb.model.groups import connected_groups

COLUMN = 190  # narrowest distance between layers
ROW = 110  # vertical distance between nodes in a layer
BAND_GAP = 70  # extra space between bands (room for network and tier box borders and labels)
ASPECT = 1.5  # width / height a large layout aims for (the canvas is wider than tall)
COLUMN_GAP = 46  # free space between the widest labels of two neighbouring columns

NODE_HALF = 22  # nodes are 44 x 44 model units
LABEL_FONT = 12  # label size in model units (the stylesheet's)
LABEL_GAP = 4  # text-margin-y between a node and its label
CHAR_WIDTH = 0.6  # average glyph width per font size unit (sans-serif)
LINE_HEIGHT = 1.3
CARD_HEIGHT = 52  # a generic resource's card: its id over its type
CARD_PADDING = 10
TIER_PADDING = 14
NETWORK_PADDING = 18
BOX_LABEL = 18  # a network's label sits above its box
MARGIN = 12  # the least free space kept around a newly placed node

TIER_MARK = "::"  # tier group ids are "<network>::<tier>"; node ids cannot contain ":"


# ------------------------------------------------------------------ geometry
def text_width(text: str, font: float = LABEL_FONT) -> float:
    """Approximate width of one line of ``text`` at ``font`` size (model units)."""
    return len(text) * CHAR_WIDTH * font


def is_card(node) -> bool:
    """Generic resources (kind ``resource``) are drawn as cards, curated kinds as shapes."""
    return node.kind == "resource"


def card_lines(node) -> tuple[str, str]:
    """A card's two lines: the node id, and its service and type (``SQS · Queue``)."""
    type_name = str(node.settings.get("type", "")) if hasattr(node, "settings") else ""
    parts = type_name.split("::")
    shown = f"{parts[1]} · {parts[2]}" if len(parts) == 3 else (type_name or "resource")
    return node.id, shown


def node_size(node) -> tuple[float, float]:
    """Width and height of the node's body."""
    if is_card(node):
        width = max(text_width(line) for line in card_lines(node)) + 2 * CARD_PADDING + 28
        return max(120.0, round(width)), float(CARD_HEIGHT)
    return 2.0 * NODE_HALF, 2.0 * NODE_HALF


def footprint(node, at: tuple[float, float]) -> tuple[float, float, float, float]:
    """``(x1, y1, x2, y2)`` the node covers at ``at``, its label included."""
    x, y = at
    w, h = node_size(node)
    if is_card(node):
        return x - w / 2, y - h / 2, x + w / 2, y + h / 2
    half = max(w / 2, text_width(node.id) / 2)
    return x - half, y - h / 2, x + half, y + h / 2 + LABEL_GAP + LINE_HEIGHT * LABEL_FONT


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _grow(rect, by: float):
    return rect[0] - by, rect[1] - by, rect[2] + by, rect[3] + by


# ------------------------------------------------------------------ groups
def network_band(stack, node) -> tuple[str, str] | None:
    """(network id, tier) for a node drawn inside a network, None for a free-standing node."""
    net = node.network
    if not isinstance(net, str) or net not in stack or stack.node(net).kind != "virtual_network":
        return None
    spec = catalog_kind(node.kind)
    if spec is None or spec.network == "none":
        return None
    return net, spec.tier or "private"


def tier_id(band: tuple[str, str]) -> str:
    """The canvas id of a network's tier box: ``"<network>::<tier>"``."""
    return f"{band[0]}{TIER_MARK}{band[1]}"


def boxed_networks(stack) -> set[str]:
    """Networks drawn as a box around members (the others are drawn as a plain node)."""
    return {band[0] for n in stack.nodes if (band := network_band(stack, n))}


@dataclass(frozen=True)
class Box:
    """A group box as drawn: a network (``kind`` "network") or one of its subnet tiers ("tier"),
    ``rect`` its border ``(x1, y1, x2, y2)`` and ``members`` the stack nodes inside it."""

    id: str
    kind: str
    label: str
    rect: tuple[float, float, float, float]
    members: tuple[str, ...]
    parent: str | None = None


def group_boxes(stack, positions) -> list[Box]:
    """The tier and network boxes around their members at ``positions``, tiers first."""
    tiers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in stack.nodes:
        band = network_band(stack, node)
        if band and node.id in positions:
            tiers[band].append(node.id)
    boxes: list[Box] = []
    per_network: dict[str, list[Box]] = defaultdict(list)
    for band in sorted(tiers):
        rects = [footprint(stack.node(m), positions[m]) for m in tiers[band]]
        rect = _grow(_union(rects), TIER_PADDING)
        box = Box(tier_id(band), "tier", f"{band[1]} subnets", rect, tuple(tiers[band]), parent=band[0])
        boxes.append(box)
        per_network[band[0]].append(box)
    for net, inner in per_network.items():
        rect = _grow(_union([b.rect for b in inner]), NETWORK_PADDING)
        members = tuple(m for b in inner for m in b.members)
        boxes.append(Box(net, "network", net, rect, members))
    return boxes


def _union(rects):
    return (min(r[0] for r in rects), min(r[1] for r in rects),
            max(r[2] for r in rects), max(r[3] for r in rects))


def drawn_rect(box: Box) -> tuple[float, float, float, float]:
    """The area a box covers on screen, its label above it included."""
    x1, y1, x2, y2 = box.rect
    return (x1, y1 - BOX_LABEL, x2, y2) if box.kind == "network" else box.rect


# ------------------------------------------------------------------ layering
def triggers(stack, wire) -> bool:
    """True for a wire whose source triggers its target (an event source, route, schedule)."""
    try:
        src, dst = stack.node(wire.source), stack.node(wire.target)
    except Exception:
        return False
    profile = wire_profile(src.kind, dst.kind)
    return profile is not None and profile.event is not None


def _edges(stack, ids: set[str]) -> list[tuple[str, str, bool]]:
    """``(source, target, triggers)`` among ``ids``: the wires, then the reference edges (a
    resource to what it references), which order imported stacks of generic resources."""
    from stackerynb.model.references import reference_edges

    edges = [(w.source, w.target, triggers(stack, w)) for w in stack.wires
             if w.source in ids and w.target in ids and w.source != w.target]
    edges += [(s, t, False) for s, t, _ in reference_edges(stack) if s in ids and t in ids]
    return edges


def _acyclic_edges(stack, ids: list[str], edges) -> list[tuple[str, str]]:
    """The edges kept for layering: triggering wires first, then the rest, each only when it
    closes no cycle (so a cycle is broken at an edge that triggers nothing where it can be)."""
    order = {i: k for k, i in enumerate(ids)}
    edges = sorted(edges, key=lambda e: (not e[2], order[e[0]], order[e[1]]))
    succs: dict[str, set[str]] = defaultdict(set)
    kept = []

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            here = todo.pop()
            if here == goal:
                return True
            for nxt in succs[here]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    for source, target, _ in edges:
        if target in succs[source]:
            continue
        if not reaches(target, source):
            succs[source].add(target)
            kept.append((source, target))
    return kept


def layers(stack, ids: list[str] | None = None, edges=None) -> dict[str, int]:
    """Layer (column) of every node: the longest chain of kept edges leading to it."""
    ids = [n.id for n in stack.nodes] if ids is None else ids
    edges = _edges(stack, set(ids)) if edges is None else edges
    preds: dict[str, list[str]] = {i: [] for i in ids}
    succs: dict[str, list[str]] = {i: [] for i in ids}
    for a, b in _acyclic_edges(stack, ids, edges):
        preds[b].append(a)
        succs[a].append(b)
    waiting = {i: len(preds[i]) for i in ids}
    ready = [i for i in ids if waiting[i] == 0]
    layer: dict[str, int] = {}
    while ready:
        node_id = ready.pop()
        layer[node_id] = max((layer[p] + 1 for p in preds[node_id]), default=0)
        for nxt in succs[node_id]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                ready.append(nxt)
    return layer


def components(stack, edges) -> list[list[str]]:
    """Groups of nodes joined by wires, references or a network (members with their network),
    each in stack order, in the order their first node comes."""
    joins = [(a, b) for a, b, _ in edges]
    joins += [(n.id, band[0]) for n in stack.nodes if (band := network_band(stack, n))]
    return [list(g) for g in connected_groups(joins, [n.id for n in stack.nodes])]


def layered_layout(stack) -> dict[str, tuple[float, float]]:
    """A position for every node of ``stack``: each group of connected nodes laid out in layers
    (see ``_block``), the groups then packed in rows into a canvas-shaped drawing, largest first.
    """
    edges = _edges(stack, {n.id for n in stack.nodes})
    groups = components(stack, edges)
    if len(groups) <= 1:
        return _block(stack, groups[0] if groups else [], edges)
    blocks = []
    for ids in groups:
        members = set(ids)
        positions = _block(stack, ids, [e for e in edges if e[0] in members])
        blocks.append((_extent(stack, positions), positions))
    return _pack(blocks)


BLOCK_GAP = 60  # free space between packed groups


def _extent(stack, positions) -> tuple[float, float, float, float]:
    boxed = boxed_networks(stack)
    rects = [footprint(stack.node(k), p) for k, p in positions.items() if k not in boxed]
    rects += [drawn_rect(b) for b in group_boxes(stack, positions)]
    return _union(rects)


def _pack(blocks) -> dict[str, tuple[float, float]]:
    """Shelf packing: blocks (``(extent, positions)``) tallest first, left to right in rows as
    wide as makes the drawing about ASPECT times wider than tall."""
    area = sum((e[2] - e[0] + BLOCK_GAP) * (e[3] - e[1] + BLOCK_GAP) for e, _ in blocks)
    widest = max(e[2] - e[0] for e, _ in blocks)
    row_width = max(widest, math.sqrt(area * ASPECT))
    order = sorted(range(len(blocks)), key=lambda k: (-(blocks[k][0][3] - blocks[k][0][1]), k))
    placed: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for k in order:
        (x1, y1, x2, y2), positions = blocks[k]
        if x > 0 and x + (x2 - x1) > row_width:
            x, y, row_height = 0.0, y + row_height + BLOCK_GAP, 0.0
        dx, dy = x - x1, y - y1
        for node_id, (px, py) in positions.items():
            placed[node_id] = (round(px + dx), round(py + dy))
        x += x2 - x1 + BLOCK_GAP
        row_height = max(row_height, y2 - y1)
    return placed


def _block(stack, ids: list[str], edges) -> dict[str, tuple[float, float]]:
    """Positions for the nodes ``ids`` joined by ``edges``: columns by depth along the edges,
    rows in bands by network and tier, ordered within a band so edges cross little (barycentre
    of predecessors).

    A layer with more nodes than fit in a band's rows wraps into several columns, so a large
    group stays roughly as wide as the canvas rather than a thin, tall strip. A network drawn as
    a box gets the place where its box's top-left corner will be (used if it loses its members).
    """
    if not ids:
        return {}
    layer = layers(stack, ids, edges)
    nodes = [stack.node(i) for i in ids]
    boxed = boxed_networks(stack) & set(ids)
    band_of = {n.id: network_band(stack, n) for n in nodes}
    preds = defaultdict(list)
    for source, target, _ in edges:
        preds[target].append(source)
    bands = [None] + sorted({b for b in band_of.values() if b is not None})
    columns: dict[tuple, dict[int, list[str]]] = {b: defaultdict(list) for b in bands}
    for node in nodes:
        if node.id not in boxed:
            columns[band_of[node.id]][layer[node.id]].append(node.id)
    depth = max(layer.values(), default=0) + 1
    tallest = {b: max((len(c) for c in columns[b].values()), default=0) for b in bands}

    def shape(max_rows: int):
        rows_of = {b: min(max_rows, tallest[b]) for b in bands}
        widths = [max((math.ceil(len(columns[b].get(col, ())) / rows_of[b]) for b in bands if rows_of[b]),
                      default=1) for col in range(depth)]
        return rows_of, widths

    count = sum(len(c) for b in bands for c in columns[b].values())
    # the fewest rows that keep the drawing no wider than ASPECT times its height
    max_rows = max(6, math.ceil(math.sqrt(count * COLUMN / (ASPECT * ROW))))
    rows_of, width_of = shape(max_rows)
    while max_rows < max(tallest.values(), default=0) and \
            sum(width_of) * COLUMN > ASPECT * sum(r * ROW + BAND_GAP for r in rows_of.values() if r):
        max_rows += 1
        rows_of, width_of = shape(max_rows)

    # slots: (layer, sub-column) -> members; rows within each band
    slot_of: dict[str, tuple[int, int]] = {}
    row_of: dict[str, int] = {}
    top_of: dict = {}
    top = 0
    for band in bands:
        rows = rows_of[band]
        if rows == 0:
            continue
        top_of[band] = top
        for col in range(depth):
            members = columns[band].get(col, [])

            def barycentre(node_id: str, _members=members) -> tuple[float, int]:
                seen = [row_of[p] for p in preds[node_id] if p in row_of]
                return (sum(seen) / len(seen) if seen else _members.index(node_id), _members.index(node_id))

            for k, node_id in enumerate(sorted(members, key=barycentre)):
                row_of[node_id] = k % rows
                slot_of[node_id] = (col, k // rows)
        top += rows * ROW + BAND_GAP

    # each sub-column as wide as its widest node and label
    width: dict[tuple[int, int], float] = defaultdict(lambda: COLUMN)
    for node_id, slot in slot_of.items():
        x1, _, x2, _ = footprint(stack.node(node_id), (0, 0))
        width[slot] = max(width[slot], x2 - x1 + COLUMN_GAP)
    left: dict[tuple[int, int], float] = {}
    x = 0.0
    for col in range(depth):
        for sub in range(width_of[col]):
            w = width[(col, sub)]
            left[(col, sub)] = x + w / 2
            x += w
    positions: dict[str, tuple[float, float]] = {}
    for node_id, slot in slot_of.items():
        band = band_of[node_id]
        positions[node_id] = (round(left[slot] - left[(0, 0)]), round(top_of[band] + row_of[node_id] * ROW))
    for net in boxed:
        inside = [positions[n.id] for n in nodes if band_of[n.id] and band_of[n.id][0] == net]
        positions[net] = (min(p[0] for p in inside), min(p[1] for p in inside) - ROW / 2)
    return positions


# ------------------------------------------------------------------ placing new nodes
class _Obstacles:
    """What a new node must keep clear of: node footprints, wires and group boxes."""

    def __init__(self, stack, positions, ignore=()):
        import numpy as np  # here, not at import: the editor's start does not place nodes

        boxed = boxed_networks(stack)
        ignore = set(ignore)
        self.rects = np.array([footprint(stack.node(k), p) for k, p in positions.items()
                               if k in stack and k not in boxed and k not in ignore] or
                              np.zeros((0, 4)), dtype=float).reshape(-1, 4)
        segments = []
        for wire in stack.wires:
            a, b = positions.get(wire.source), positions.get(wire.target)
            if a is not None and b is not None and not ({wire.source, wire.target} & (boxed | ignore)):
                segments.append((*a, *b))
        self.segments = np.array(segments or np.zeros((0, 4)), dtype=float).reshape(-1, 4)
        self.boxes = [b for b in group_boxes(stack, {k: p for k, p in positions.items() if k not in ignore})]

    def clear(self, rect, centre, body_radius: float, boxes=None) -> bool:
        """True when ``rect`` (a footprint) touches no node or box, and no wire passes within
        ``body_radius`` of ``centre`` (the node's body)."""
        import numpy as np

        grown = _grow(rect, MARGIN)
        r = self.rects
        if len(r) and np.any((r[:, 0] < grown[2]) & (grown[0] < r[:, 2]) & (r[:, 1] < grown[3]) & (grown[1] < r[:, 3])):
            return False
        if len(self.segments):
            if _segment_distances(self.segments, *centre).min() < body_radius + MARGIN:
                return False
        for box in self.boxes if boxes is None else boxes:
            if _overlap(grown, drawn_rect(box)):
                return False
        return True


def _segment_distances(seg, px: float, py: float):
    import numpy as np

    ax, ay, bx, by = seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3]
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = np.where(length > 0, ((px - ax) * dx + (py - ay) * dy) / np.where(length > 0, length, 1), 0.0)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


class Probe:
    """A stand-in for the node being placed (its id and kind decide its footprint)."""

    def __init__(self, node_id: str = "Function1", kind: str = "function", settings=None):
        self.id, self.kind, self.settings = node_id, kind, settings or {}


def free_spot(stack, positions, *, probe=None, anchor=None, view=None) -> tuple[float, float]:
    """A spot for a new node that touches no node, wire or group box at ``positions``.

    Without ``anchor`` the drawing's grid is scanned row by row from its top-left corner (holes
    first, then rows below); with one, the nearest clear spot to ``anchor``. ``view`` (a model
    rectangle ``(x1, y1, x2, y2)``) is preferred when given, so the node lands where the user
    looks. ``probe`` stands for the node (its id and kind give its size; a function by default).
    """
    probe = probe or Probe()
    obstacles = _Obstacles(stack, positions)
    radius = max(node_size(probe)) / 2
    taken = [p for k, p in positions.items() if k in stack]

    def fits(at) -> bool:
        return obstacles.clear(footprint(probe, at), at, radius)

    if view is not None:
        spot = _search_view(view, fits)
        if spot is not None:
            return spot
    if anchor is not None:
        return _spiral(anchor, fits)
    if not taken:
        return (0.0, 0.0)
    left, top = min(p[0] for p in taken), min(p[1] for p in taken)
    right = max(p[0] for p in taken)
    columns = max(6, int(len(taken) ** 0.5) + 1, int((right - left) / COLUMN) + 1)
    k = 0
    while True:
        at = (left + (k % columns) * COLUMN, top + (k // columns) * ROW)
        if fits(at):
            return at
        k += 1


def _search_view(view, fits):
    x1, y1, x2, y2 = view
    step_x, step_y = COLUMN / 2, ROW / 2
    centre = ((x1 + x2) / 2, (y1 + y2) / 2)
    cells = [(x1 + NODE_HALF + 20 + i * step_x, y1 + NODE_HALF + 10 + j * step_y)
             for j in range(max(1, int((y2 - y1 - 80) / step_y) + 1))
             for i in range(max(1, int((x2 - x1 - 80) / step_x) + 1))]
    cells.sort(key=lambda c: math.hypot(c[0] - centre[0], c[1] - centre[1]))
    return next((c for c in cells if fits(c)), None)


def _spiral(anchor, fits, limit: int = 400):
    ax, ay = anchor
    step_x, step_y = COLUMN / 2, ROW / 2
    for radius in range(limit):
        ring = [(dx, dy) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
                if max(abs(dx), abs(dy)) == radius]
        ring.sort(key=lambda d: (math.hypot(d[0] * step_x, d[1] * step_y), d[1], d[0]))
        for dx, dy in ring:
            at = (ax + dx * step_x, ay + dy * step_y)
            if fits(at):
                return at
    raise AssertionError("no free spot found")  # unreachable: the plane is unbounded


def spot_in_network(stack, positions, node_id: str, view=None) -> tuple[float, float]:
    """Where ``node_id`` goes now that it sits in a network (``stack.place`` done): the spot
    nearest to where it is drawn now (so it stays in view) at which its network's boxes grow to
    hold it without covering any other node, wire or box, and it covers nothing either."""
    node = stack.node(node_id)
    import numpy as np

    band = network_band(stack, node)
    here = positions.get(node_id)
    if band is None:
        return here if here is not None else free_spot(stack, positions, probe=node)
    net = band[0]
    others = {k: p for k, p in positions.items() if k != node_id}
    members = [n.id for n in stack.nodes if n.id != node_id and n.id in others
               and (b := network_band(stack, n)) and b[0] == net]
    obstacles = _Obstacles(stack, others, ignore=[net])
    foreign_boxes = [b for b in obstacles.boxes if b.id != net and b.parent != net]
    radius = max(node_size(node)) / 2
    boxed = boxed_networks(stack)
    drawn_ids = [k for k in others if k in stack and k != net and k not in boxed]
    drawn = np.array([footprint(stack.node(k), others[k]) for k in drawn_ids] or np.zeros((0, 4)),
                     dtype=float).reshape(-1, 4)
    trial_positions = dict(others)

    def fits(at) -> bool:
        if not obstacles.clear(footprint(node, at), at, radius, boxes=foreign_boxes):
            return False
        trial_positions[node_id] = at
        for box in group_boxes(stack, trial_positions):
            if box.parent != net and box.id != net:
                continue
            rect = _grow(drawn_rect(box), MARGIN)
            if any(_overlap(rect, drawn_rect(b)) for b in foreign_boxes):
                return False
            if len(drawn):  # the box may cover its own members only
                hit = (drawn[:, 0] < rect[2]) & (rect[0] < drawn[:, 2]) & (drawn[:, 1] < rect[3]) & (rect[1] < drawn[:, 3])
                if any(drawn_ids[i] not in box.members for i in np.flatnonzero(hit)):
                    return False
        return True

    if members:
        inside = [others[m] for m in members]
        centre = (sum(p[0] for p in inside) / len(inside), sum(p[1] for p in inside) / len(inside))
    else:
        centre = others.get(net, here if here is not None else (0.0, 0.0))
    # near the network, and among equally near spots the one closest to where the node was
    candidates = []
    ax, ay = centre
    for radius_cells in range(0, 60):
        ring = [(ax + dx * COLUMN / 2, ay + dy * ROW / 2)
                for dy in range(-radius_cells, radius_cells + 1) for dx in range(-radius_cells, radius_cells + 1)
                if max(abs(dx), abs(dy)) == radius_cells]
        candidates = [c for c in ring if fits(c)]
        if candidates:
            break
    if not candidates:
        return free_spot(stack, others, probe=node, anchor=centre)
    target = here or centre
    in_view = [c for c in candidates if view is None or (view[0] <= c[0] <= view[2] and view[1] <= c[1] <= view[3])]
    return min(in_view or candidates, key=lambda c: (math.hypot(c[0] - target[0], c[1] - target[1]), c[1], c[0]))


def complete_positions(stack, positions=None) -> dict[str, tuple[float, float]]:
    """Every node's position: ``positions`` (default the stack's saved layout) where known; a
    stack with none gets the layered layout, and nodes still missing get free spots, in order.
    This is what the canvas draws when it opens a stack, and what the export draws."""
    saved = stack.layout if positions is None else positions
    done = {k: tuple(v) for k, v in saved.items() if k in stack}
    missing = [n for n in stack.nodes if n.id not in done]
    if not missing:
        return done
    if not done:
        return layered_layout(stack)
    for node in missing:
        done[node.id] = free_spot(stack, done, probe=node)
    return done

"""The canvas's drawing logic in plain Python: which elements the canvas shows for a Stack and
how each stack edit changes them.

``GraphSync`` observes the stack and turns every ``Change`` into a few element operations
(``Op``: add, update or remove one element), so one edit touches one element rather than the
whole graph. What the user's gestures do lives in ``gestures``; gestures edit the stack, and
the stack's own change events bring the canvas up to date, so edits from Python and from the
canvas take the same path.

Nothing here imports ipywidgets: tests drive it by editing a stack and reading the operations.
"""
from __future__ import annotations

import copy
import logging
from contextlib import contextmanager

from stackerynb.catalog import kind as catalog_kind
from stackerynb.errors import Problem
from stackerynb.model.elements import Change, Node, Wire
from stackerynb.widgets import layout
from stackerynb.widgets.viewport import NODE_HALF
from stackerynb.widgets.elements import TIER_MARK, Element, Op, Signal, plain, wire_id
from stackerynb.widgets.elements import kind_classes, node_look_data, sync_references

__all__ = ["GraphSync", "Element", "Op", "TIER_MARK", "wire_id"]

log = logging.getLogger(__name__)


class GraphSync:
    """Keeps canvas elements in step with ``stack``: ``elements`` by id, the selection, the
    node a wire is being drawn from, and where each node is drawn.

    Signals: ``ops`` (a list of Op per stack edit, then one with the problem marks it changed,
    if any), ``selection`` (node id, wire id or None),
    ``problems`` (list of Problem), ``changed`` (the stack Change, after the canvas caught up).
    """

    def __init__(self, stack):
        self.stack = stack
        self.ops = Signal()
        self.selection = Signal()
        self.problems = Signal()
        self.changed = Signal()
        self.elements: dict[str, Element] = {}
        self.selected: str | None = None
        self.connect_source: str | None = None
        self.current_problems: list[Problem] = []
        self._flagged: dict[str, str] = {}  # node id -> worst problem severity
        self._positions: dict[str, tuple[float, float]] = {}
        self._canvas_move = False
        self._place_missing_positions()
        self._build()
        stack.observe(self._on_change)

    def close(self) -> None:
        """Stop following the stack."""
        self.stack.unobserve(self._on_change)

    # ------------------------------------------------------------ elements
    def ordered_elements(self) -> list[Element]:
        """Every element, parents before children and nodes before wires (cytoscape's order)."""
        def depth(el: Element) -> int:
            d, parent = 0, el.parent
            while parent is not None and d < 3:
                d += 1
                parent = self.elements[parent].parent if parent in self.elements else None
            return d
        return sorted(self.elements.values(), key=lambda el: (el.group == "edges", depth(el)))

    def position(self, node_id: str) -> tuple[float, float] | None:
        """Where ``node_id`` is drawn: its saved position, or one the canvas chose for it."""
        return self._positions.get(node_id)

    def unsaved_positions(self) -> dict[str, tuple[float, float]]:
        """Positions the canvas chose that the stack does not hold yet (recorded on save)."""
        saved = self.stack.layout
        return {k: v for k, v in self._positions.items() if k not in saved and k in self.stack}

    def positions(self) -> dict[str, tuple[float, float]]:
        """Where every node is drawn (a copy)."""
        return dict(self._positions)

    @contextmanager
    def reported_by_canvas(self):
        """Moves made inside this block came from the browser, which already shows them."""
        self._canvas_move = True
        try:
            yield
        finally:
            self._canvas_move = False

    def node_at(self, x: float, y: float, exclude: str | None = None) -> str | None:
        """The stack node drawn at model point ``(x, y)`` (not a network box with members)."""
        reach = NODE_HALF + 6
        for node_id, (nx, ny) in reversed(list(self._positions.items())):
            if node_id == exclude or node_id not in self.stack or self._has_members(node_id):
                continue
            if abs(nx - x) <= reach and abs(ny - y) <= reach:
                return node_id
        return None

    def wire_at(self, x: float, y: float, reach: float) -> str | None:
        """The wire drawn within ``reach`` of model point ``(x, y)`` (as a straight line)."""
        for el in self.elements.values():
            if el.group != "edges":
                continue
            a, b = self._positions.get(el.data["source"]), self._positions.get(el.data["target"])
            if a is None or b is None:
                continue
            if _segment_distance((x, y), a, b) <= reach:
                return el.id
        return None

    def box_at(self, x: float, y: float) -> str | None:
        """The network drawn as a box around ``(x, y)`` (cytoscape drags the box from there)."""
        for node in self.stack.nodes:
            if node.kind != "virtual_network" or not self._has_members(node.id):
                continue
            inside = [self._positions[m] for m in self.members(node.id) if m in self._positions]
            if not inside:
                continue
            margin = NODE_HALF + 14 + 18
            x1 = min(p[0] for p in inside) - margin
            x2 = max(p[0] for p in inside) + margin
            y1 = min(p[1] for p in inside) - margin - 16  # the box's label sits on top
            y2 = max(p[1] for p in inside) + margin + 16  # and member labels below
            if x1 <= x <= x2 and y1 <= y <= y2:
                return node.id
        return None

    def networks(self) -> list[str]:
        """Ids of the stack's Virtual Networks (what the form offers for placement)."""
        return [n.id for n in self.stack.nodes if n.kind == "virtual_network"]

    def members(self, element_id: str) -> list[str]:
        """Stack nodes drawn inside the box ``element_id`` (a network or tier; empty for a leaf)."""
        inside = []
        for el in self.elements.values():
            parent = el.parent
            if el.group != "nodes" or parent is None:
                continue
            if parent == element_id or parent.split(TIER_MARK)[0] == element_id:
                if el.id in self.stack:
                    inside.append(el.id)
        return inside

    # ---------------------------------------------------------- selection
    def select(self, element_id: str | None) -> None:
        """Select a node or wire (by canvas id); a tier box selects its network."""
        if element_id and TIER_MARK in element_id:
            element_id = element_id.split(TIER_MARK)[0]
        if element_id is not None and element_id not in self.elements:
            element_id = None
        ops: list[Op] = []
        self._set_selected(element_id, ops)
        if ops:
            self.ops.emit(ops)

    def _set_selected(self, element_id: str | None, ops: list[Op]) -> None:
        if element_id == self.selected:
            return
        before, self.selected = self.selected, element_id
        for eid in (before, element_id):
            if eid is not None:
                self._restyle(eid, ops)
        self.selection.emit(element_id)

    def selected_node(self) -> Node | None:
        """The selected node, or None (nothing or a wire is selected)."""
        if self.selected in self.stack:
            return self.stack.node(self.selected)
        return None

    def selected_wire(self) -> Wire | None:
        """The selected wire, or None."""
        el = self.elements.get(self.selected or "")
        if el is not None and el.group == "edges":
            return self.stack.wire(el.data["source"], el.data["target"])
        return None

    def mark_source(self, node_id: str | None) -> None:
        """Highlight ``node_id`` as the start of the wire being drawn (None: no highlight)."""
        if node_id == self.connect_source:
            return
        ops: list[Op] = []
        before, self.connect_source = self.connect_source, node_id
        for nid in (before, node_id):
            if nid is not None:
                self._restyle(nid, ops)
        if ops:
            self.ops.emit(ops)

    # ------------------------------------------------------------- drawing
    def _place_missing_positions(self) -> None:
        saved = self.stack.layout
        self._positions = {k: v for k, v in saved.items() if k in self.stack}
        missing = [n.id for n in self.stack.nodes if n.id not in self._positions]
        if not missing:
            return
        if not self._positions:  # nothing placed yet (an imported stack): lay it all out
            self._positions.update(layout.layered_layout(self.stack))
            return
        for node_id in missing:
            self._positions[node_id] = layout.free_spot(self._positions, stack=self.stack)

    def _parent_id(self, node: Node) -> str | None:
        band = layout.network_band(self.stack, node)
        return f"{band[0]}{TIER_MARK}{band[1]}" if band else None

    def _node_classes(self, node_id: str, kind: str) -> str:
        classes = ["stack-node"]
        if kind == "virtual_network":
            classes.append("network")
        classes += kind_classes(kind)
        severity = self._flagged.get(node_id)
        if severity:
            classes.append(f"problem-{severity}")
        if self.selected == node_id:
            classes.append("chosen")
        if self.connect_source == node_id:
            classes.append("connect-source")
        return " ".join(classes)

    def _node_element(self, node: Node) -> Element:
        spec = catalog_kind(node.kind)
        data = {"id": node.id, "label": node.id, "kind": node.kind,
                "kind_label": spec.label if spec else node.kind,
                "settings": plain(dict(node.settings)), **node_look_data(node)}
        parent = self._parent_id(node)
        if parent:
            data["parent"] = parent
        if node.network is not None and isinstance(node.network, str):
            data["network"] = node.network
        position = None if node.kind == "virtual_network" and self._has_members(node.id) \
            else self._positions.get(node.id)
        return Element(node.id, "nodes", data, self._node_classes(node.id, node.kind), position)

    def _has_members(self, node_id: str) -> bool:
        """True for a network drawn as a box around other nodes (cytoscape places it itself)."""
        if node_id not in self.stack or self.stack.node(node_id).kind != "virtual_network":
            return False
        return any(n.network == node_id and self._parent_id(n) is not None for n in self.stack.nodes)

    def _refresh_network(self, network_id: str | None, ops: list[Op]) -> None:
        """A network that lost its last member is drawn at its own position again."""
        el = self.elements.get(network_id or "")
        if el is None or el.data.get("kind") != "virtual_network":
            return
        if self._has_members(network_id):
            self._update(network_id, ops, position=None)  # the box follows its members
        elif network_id in self._positions:
            self._update(network_id, ops, position=self._positions[network_id])

    def _tier_element(self, tier_id: str) -> Element:
        network, tier = tier_id.split(TIER_MARK)
        return Element(tier_id, "nodes", {"id": tier_id, "parent": network, "tier": tier,
                                          "label": f"{tier} subnets"}, "tier")

    def _wire_element(self, wire: Wire) -> Element:
        wid = wire_id(wire.source, wire.target)
        data = {"id": wid, "source": wire.source, "target": wire.target,
                "label": wire.access or "", "access": wire.access or ""}
        return Element(wid, "edges", data, "wire chosen" if self.selected == wid else "wire")

    def _drawable(self, wire: Wire) -> bool:
        return wire.source in self.elements and wire.target in self.elements

    def _needed_tiers(self) -> list[str]:
        return list(dict.fromkeys(p for n in self.stack.nodes if (p := self._parent_id(n))))

    def _build(self) -> None:
        self.current_problems = self.stack.problems()
        self._flagged = _severities(self.current_problems)
        nodes = self.stack.nodes
        for node in nodes:
            if node.kind == "virtual_network":
                el = self._node_element(node)
                self.elements[el.id] = el
        for tier_id in self._needed_tiers():
            self.elements[tier_id] = self._tier_element(tier_id)
        for node in nodes:
            if node.kind != "virtual_network":
                el = self._node_element(node)
                self.elements[el.id] = el
        for wire in self.stack.wires:
            if self._drawable(wire):
                el = self._wire_element(wire)
                self.elements[el.id] = el
        sync_references(self)

    # ------------------------------------------------------- element ops
    def _add(self, el: Element, ops: list[Op]) -> None:
        self.elements[el.id] = el
        ops.append(Op("add", copy.deepcopy(el)))

    def _remove(self, element_id: str, ops: list[Op]) -> None:
        el = self.elements.pop(element_id, None)
        if el is not None:
            ops.append(Op("remove", el))

    def _update(self, element_id: str, ops: list[Op], echo: bool = False, **values) -> None:
        el = self.elements.get(element_id)
        if el is None:
            return
        changed = tuple(k for k, v in values.items() if getattr(el, k) != v)
        if not changed:
            return
        for k in changed:
            setattr(el, k, values[k])
        ops.append(Op("update", copy.deepcopy(el), changed, echo))

    def _restyle(self, element_id: str, ops: list[Op]) -> None:
        el = self.elements.get(element_id)
        if el is None:
            return
        if el.group == "edges":
            classes = "wire chosen" if self.selected == element_id else "wire"
        elif el.data.get("tier"):
            return
        else:
            classes = self._node_classes(element_id, el.data["kind"])
        self._update(element_id, ops, classes=classes)

    def _rebuild_nodes(self, old_ids: set[str], new_ids: list[str], ops: list[Op]) -> None:
        """Replace the elements of ``old_ids`` (and their wires) by fresh ones for ``new_ids``:
        cytoscape cannot change an element's id or parent in place."""
        gone = set(old_ids)
        for el in list(self.elements.values()):
            if el.group == "edges" and (el.data["source"] in gone or el.data["target"] in gone):
                self._remove(el.id, ops)
        for node_id in old_ids:
            self._remove(node_id, ops)
        self._sync_tiers(ops, removing=True)
        ordered = sorted(new_ids, key=lambda i: self.stack.node(i).kind != "virtual_network")
        networks = [i for i in ordered if self.stack.node(i).kind == "virtual_network"]
        for node_id in networks:
            self._add(self._node_element(self.stack.node(node_id)), ops)
        self._sync_tiers(ops, removing=False)
        for node_id in ordered[len(networks):]:
            self._add(self._node_element(self.stack.node(node_id)), ops)
        fresh = set(new_ids)
        for wire in self.stack.wires:
            if (wire.source in fresh or wire.target in fresh) and self._drawable(wire) \
                    and wire_id(wire.source, wire.target) not in self.elements:
                self._add(self._wire_element(wire), ops)

    def _sync_tiers(self, ops: list[Op], removing: bool) -> None:
        needed = self._needed_tiers()
        if removing:
            for el in list(self.elements.values()):
                if el.data.get("tier") and el.id not in needed:
                    self._remove(el.id, ops)
        else:
            for tier_id in needed:
                if tier_id not in self.elements and tier_id.split(TIER_MARK)[0] in self.elements:
                    self._add(self._tier_element(tier_id), ops)

    # -------------------------------------------------- stack -> canvas
    def _on_change(self, change: Change) -> None:
        ops: list[Op] = []
        try:
            getattr(self, f"_on_{change.op}", self._redraw)(change, ops)
        except Exception:  # a bug of ours must not fail the user's stack edit: draw it all again
            log.exception("canvas could not follow %s; redrawing", change.op)
            self._redraw(change, ops)
        sync_references(self, ops)
        if ops:  # the edited elements first: the canvas shows the edit without waiting for the
            self.ops.emit(ops)  # problems check below (tens of ms on a 500-node stack)
        flags: list[Op] = []
        self._refresh_problems(flags)
        if flags:
            self.ops.emit(flags)
        self.changed.emit(change)

    def _redraw(self, change: Change, ops: list[Op]) -> None:
        """A change the canvas has no special case for (a reload, say): draw everything again."""
        for el in sorted(self.elements.values(), key=lambda e: e.group != "edges"):
            self._remove(el.id, ops)
        self.connect_source = None
        self._place_missing_positions()
        problems = self.current_problems
        self._build()
        self.current_problems = problems  # so that _refresh_problems announces the new ones
        if self.selected is not None and self.selected not in self.elements:
            self.selected = None
            self.selection.emit(None)
        ops.extend(Op("add", copy.deepcopy(el)) for el in self.ordered_elements())

    def _on_add(self, change: Change, ops: list[Op]) -> None:
        node = change.node
        if change.position is not None:
            self._positions[node.id] = change.position
        elif node.id not in self._positions:
            self._positions[node.id] = layout.free_spot(self._positions, stack=self.stack)
        if node.kind == "virtual_network":
            orphans = [n.id for n in self.stack.nodes if n.network == node.id and n.id in self.elements]
            self._add(self._node_element(node), ops)
            if orphans:  # nodes that named this network before it existed move inside it
                self._rebuild_nodes(set(orphans), orphans, ops)
            return
        self._sync_tiers(ops, removing=False)
        self._add(self._node_element(node), ops)
        if isinstance(node.network, str):
            self._refresh_network(node.network, ops)

    def _on_remove(self, change: Change, ops: list[Op]) -> None:
        node_id = change.node.id
        network = change.node.network if isinstance(change.node.network, str) else None
        self._positions.pop(node_id, None)
        for el in list(self.elements.values()):
            if el.group == "edges" and node_id in (el.data["source"], el.data["target"]):
                self._remove(el.id, ops)
        self._remove(node_id, ops)
        self._sync_tiers(ops, removing=True)
        self._refresh_network(network, ops)
        if self.connect_source == node_id:
            self.connect_source = None
        if self.selected == node_id:
            self._set_selected(None, ops)

    def _on_rename(self, change: Change, ops: list[Op]) -> None:
        old, new = change.old_id, change.node.id
        if old in self._positions:
            self._positions[new] = self._positions.pop(old)
        members = [n.id for n in self.stack.nodes if n.network == new and n.id in self.elements]
        if self.selected == old:
            self.selected = new
        if self.connect_source == old:
            self.connect_source = new
        self._rebuild_nodes({old, *members}, [new, *members], ops)
        if self.selected == new:
            self.selection.emit(new)

    def _on_set(self, change: Change, ops: list[Op]) -> None:
        node = change.node
        if node.id in self.elements:
            data = {**self.elements[node.id].data, "settings": plain(dict(node.settings)), **node_look_data(node)}
            self._update(node.id, ops, data=data)

    def _on_place(self, change: Change, ops: list[Op]) -> None:
        node = change.node
        before = self.elements[node.id].data.get("network") if node.id in self.elements else None
        if node.id in self.elements and self.elements[node.id].parent != self._parent_id(node):
            self._rebuild_nodes({node.id}, [node.id], ops)
            for network_id in dict.fromkeys((before, node.network)):
                if isinstance(network_id, str):
                    self._refresh_network(network_id, ops)
        elif node.id in self.elements:
            data = dict(self.elements[node.id].data)
            data.pop("network", None)
            if isinstance(node.network, str):
                data["network"] = node.network
            self._update(node.id, ops, data=data)

    def _on_connect(self, change: Change, ops: list[Op]) -> None:
        if self._drawable(change.wire):
            self._add(self._wire_element(change.wire), ops)

    def _on_configure(self, change: Change, ops: list[Op]) -> None:
        wid = wire_id(change.wire.source, change.wire.target)
        if wid in self.elements:
            self._update(wid, ops, data=self._wire_element(change.wire).data)

    def _on_disconnect(self, change: Change, ops: list[Op]) -> None:
        wid = wire_id(change.wire.source, change.wire.target)
        self._remove(wid, ops)
        if self.selected == wid:
            self._set_selected(None, ops)

    def _on_move(self, change: Change, ops: list[Op]) -> None:
        node_id = change.node.id
        if change.position is None:  # an undo took a position the canvas chose off the stack
            return
        self._positions[node_id] = change.position
        el = self.elements.get(node_id)
        if el is not None and not self._has_members(node_id):
            self._update(node_id, ops, echo=self._canvas_move, position=change.position)

    def _refresh_problems(self, ops: list[Op]) -> None:
        problems = self.stack.problems()
        flagged = _severities(problems)
        before, self._flagged = self._flagged, flagged
        for node_id in set(before) | set(flagged):
            if before.get(node_id) != flagged.get(node_id):
                self._restyle(node_id, ops)
        if problems != self.current_problems:
            self.current_problems = problems
            self.problems.emit(problems)

def _severities(problems: list[Problem]) -> dict[str, str]:
    flagged: dict[str, str] = {}
    for p in problems:
        if p.node is None:
            continue
        if p.severity == "error" or flagged.get(p.node) is None:
            flagged[p.node] = "error" if p.severity == "error" else "warning"
    return flagged


def _segment_distance(p, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    cx, cy = ax + t * dx, ay + t * dy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5

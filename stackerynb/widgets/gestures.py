"""What the user's gestures on the canvas do to the stack, in plain Python: clicks and drags
on the canvas, connect mode, the palette, the settings form and the toolbar.

Every gesture edits the stack through its public methods; the canvas then catches up from the
stack's change events (``GraphSync``). A refused gesture never raises: the reason goes to the
``message`` signal, which the editor shows in its message area.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Callable

from stackerynb.catalog import kind as catalog_kind, wire_profile
from stackerynb.errors import StackError
from stackerynb.widgets import layout
from stackerynb.widgets.elements import TIER_MARK, Signal
from stackerynb.widgets.sync import GraphSync

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """What the canvas tells the user after a gesture: ``level`` is info or error."""

    text: str
    level: str = "info"


def camel(label: str) -> str:
    """``"Rest Api"`` -> ``"RestApi"``: a kind label turned into an id prefix."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", label) if part)


class Gestures:
    """The canvas's gestures for the stack drawn by ``sync``.

    Signals: ``message`` (a Message after each gesture), ``mode`` (connect mode on or off),
    ``picking`` (the kind waiting to be placed by a click on the canvas, or None) and
    ``snap_back`` (a node id the canvas must draw at its recorded position again: it was
    dropped onto another node to wire them).

    ``selection`` is the set of element ids selected on the canvas (click, shift-click); the
    canvas keeps it up to date. Delete and drags act on all of them.
    """

    def __init__(self, sync: GraphSync):
        self.sync = sync
        self.stack = sync.stack
        self.message = Signal()
        self.mode = Signal()
        self.picking = Signal()
        self.snap_back = Signal()
        self.connect_mode = False
        self.picked_kind: str | None = None
        self.selection: set[str] = set()
        self.last_message: Message | None = None
        self._grabbed: dict[str, tuple[float, float]] = {}

    # ------------------------------------------------------------ feedback
    def say(self, text: str, level: str = "info") -> None:
        """Show ``text`` in the canvas's message area."""
        self.last_message = Message(text, level)
        self.message.emit(self.last_message)

    def attempt(self, action: Callable[[], Any]) -> bool:
        """Run one gesture's stack edits; a StackError becomes a message, not a traceback."""
        try:
            action()
        except StackError as exc:
            self.say(str(exc), "error")
            return False
        except Exception as exc:  # a bug of ours: tell the user briefly, keep the details in the log
            log.exception("canvas gesture failed")
            self.say(f"unexpected error: {type(exc).__name__}: {exc}", "error")
            return False
        return True

    # ------------------------------------------------------ canvas events
    def tap(self, event: dict) -> None:
        """A node or wire was clicked (``event`` is cytoscape's element JSON): select it, or in
        connect mode take it as the wire's source or target."""
        element_id = _event_id(event)
        if element_id is None:
            return
        el = self.sync.elements.get(element_id)
        if el is not None and el.group == "nodes" and self.connect_mode:
            self._connect_click(element_id.split(TIER_MARK)[0])
        else:
            self.sync.select(element_id)

    def grab(self, event: dict) -> None:
        """A press on a node (cytoscape ``tapstart``): remember where it was."""
        element_id = _event_id(event)
        pos = _event_position(event)
        if element_id is not None and pos is not None:
            self._grabbed = {element_id: pos}

    def release(self, event: dict) -> None:
        """A press ended on a node (cytoscape ``tapend``): record where it was dragged.

        Dragging a network or tier box moves every node inside it, so their positions move by
        the distance the box travelled."""
        element_id = _event_id(event)
        pos = _event_position(event)
        if element_id is None or pos is None or element_id not in self.sync.elements:
            return
        start = self._grabbed.pop(element_id, None)
        members = self.sync.members(element_id)
        positions = self.sync.positions()
        if not members and element_id in self.stack and start is not None \
                and max(abs(pos[0] - start[0]), abs(pos[1] - start[1])) >= 0.5:
            target = self.sync.node_at(*pos, exclude=element_id)
            if target is not None:  # dropped onto another node: wire them, put it back
                self.snap_back.emit(element_id)
                self._wire(element_id, target)
                return
        if members:
            if start is None:
                return
            dx, dy = pos[0] - start[0], pos[1] - start[1]
            if abs(dx) < 0.5 and abs(dy) < 0.5:
                return
            shifted = members + ([element_id] if element_id in self.stack else [])
            moves = {m: (positions[m][0] + dx, positions[m][1] + dy) for m in shifted if m in positions}
        else:
            if element_id not in self.stack:
                return
            current = positions.get(element_id)
            if current is not None and abs(current[0] - pos[0]) < 0.5 and abs(current[1] - pos[1]) < 0.5:
                return  # a click, not a drag
            moves = {element_id: pos}
            if element_id in self.selection and current is not None:
                # cytoscape drags every selected node along; only the grabbed one reports
                dx, dy = pos[0] - current[0], pos[1] - current[1]
                for other in sorted(self.selection - {element_id}):
                    if other in self.stack and other in positions and not self.sync.members(other):
                        moves[other] = (positions[other][0] + dx, positions[other][1] + dy)
        with self.sync.reported_by_canvas():
            self.attempt(lambda: self._move_all(moves))

    def _move_all(self, moves: dict) -> None:
        with self.stack.batch():  # one undo step for the whole drag
            for node_id, (x, y) in moves.items():
                self.stack.move(node_id, x, y)

    # --------------------------------------------------------- connecting
    def set_connect_mode(self, on: bool) -> None:
        """Enter or leave connect mode (click a source, then a target, to wire them)."""
        on = bool(on)
        self.sync.mark_source(None)
        if on != self.connect_mode:
            self.connect_mode = on
            self.mode.emit(on)
        if on:
            self.say("Connect mode: click the node that sends or uses, then the node it uses.")

    def _connect_click(self, node_id: str) -> None:
        source = self.sync.connect_source
        if source is None or source not in self.stack:
            self.sync.mark_source(node_id)
            self.say(f"Wiring from {node_id}: now click the node it should use.")
            return
        self.sync.mark_source(None)
        if node_id == source:
            self.say("Wiring cancelled.")
            return
        self._wire(source, node_id)

    def _wire(self, source: str, node_id: str) -> None:
        if self.attempt(lambda: self.stack.connect(source, node_id)):
            src, dst = self.stack.node(source), self.stack.node(node_id)
            profile = wire_profile(src.kind, dst.kind)
            self.say(f"Wired {source} -> {node_id}" + (f": {profile.summary}" if profile else "."))

    # -------------------------------------------------- palette & toolbar
    def next_id(self, kind: str) -> str:
        """A free id for a new node of ``kind``: ``Function1``, ``Function2``, ..."""
        spec = catalog_kind(kind)
        prefix = camel(spec.label) if spec else camel(kind)
        n = 1
        while f"{prefix}{n}" in self.stack:
            n += 1
        return f"{prefix}{n}"

    def pick(self, kind: str | None) -> None:
        """Choose a kind in the palette: the next click on the canvas's background places a
        node of it there (None, or Escape, cancels)."""
        spec = catalog_kind(kind) if kind is not None else None
        if kind is not None and spec is None:
            self.say(f"unknown kind {kind!r}", "error")
            kind = None
        self.picked_kind = kind
        self.picking.emit(kind)
        if kind is not None:
            self.say(f"Click on the canvas where the {spec.label} should go (Esc cancels).")

    def background_click(self, x: float, y: float) -> str | None:
        """A click on the canvas's background at model point ``(x, y)``: places the kind picked
        in the palette there (its new id), else clears the selection."""
        kind = self.picked_kind
        if kind is None:
            self.sync.select(None)
            return None
        self.pick(None)
        return self.add_node(kind, at=(x, y))

    def escape(self) -> None:
        """Escape: cancel a palette pick, connect mode and wiring."""
        if self.picked_kind is not None:
            self.pick(None)
            self.say("Placing cancelled.")
        if self.connect_mode:
            self.set_connect_mode(False)

    def add_node(self, kind: str, at: tuple[float, float] | None = None) -> str | None:
        """Add a node of ``kind`` at ``at`` (model coordinates; default a free spot) and select
        it; its new id."""
        node_id = self.next_id(kind)
        spot = at if at is not None else layout.free_spot(self.sync.positions(), stack=self.stack)
        if not self.attempt(lambda: self.stack.add(kind, node_id, position=spot)):
            return None
        self.sync.select(node_id)
        spec = catalog_kind(kind)
        self.say(f"Added {node_id} ({spec.label if spec else kind}); edit it in the settings form.")
        return node_id

    def delete_selection(self) -> bool:
        """Delete every node and wire selected on the canvas (Delete or Backspace) as one
        undoable step; without a canvas selection, the node or wire the form shows."""
        chosen = {i for i in self.selection if i in self.sync.elements}
        if not chosen:
            return self.delete_selected()
        nodes = [i for i in chosen if i in self.stack]
        wires = [self.sync.elements[i].data for i in chosen if self.sync.elements[i].group == "edges"]

        def action():
            with self.stack.batch():
                for data in wires:
                    if data["source"] not in nodes and data["target"] not in nodes \
                            and self.stack.wire(data["source"], data["target"]) is not None:
                        self.stack.disconnect(data["source"], data["target"])
                for node_id in nodes:
                    if node_id in self.stack:
                        self.stack.remove(node_id)
        if not nodes and not wires:
            return False
        if self.attempt(action):
            self.selection -= chosen
            what = ", ".join(sorted(nodes)) or f"{len(wires)} wire(s)"
            self.say(f"Deleted {what} (Ctrl+Z brings it back).")
            return True
        return False

    def undo(self) -> bool:
        """Take back the last edit (from the canvas or from Python)."""
        if self.stack.undo():
            self.say("Undone.")
            return True
        self.say("Nothing to undo.")
        return False

    def redo(self) -> bool:
        """Make the last undone edit again."""
        if self.stack.redo():
            self.say("Redone.")
            return True
        self.say("Nothing to redo.")
        return False

    def key(self, key: str, ctrl: bool = False, shift: bool = False) -> bool:
        """A key pressed over the canvas; True when it did something."""
        low = key.lower()
        if ctrl and low == "z":
            return self.redo() if shift else self.undo()
        if ctrl and low == "y":
            return self.redo()
        if key in ("Delete", "Backspace"):
            return self.delete_selection()
        if key == "Escape":
            self.escape()
            return True
        return False

    def select_on_canvas(self, element_id: str, on: bool) -> None:
        """The canvas selected (or unselected) ``element_id``."""
        if on:
            self.selection.add(element_id)
        else:
            self.selection.discard(element_id)

    def delete_selected(self) -> bool:
        """Delete the selected node (with its wires) or wire."""
        wire = self.sync.selected_wire()
        if wire is not None:
            if self.attempt(lambda: self.stack.disconnect(wire.source, wire.target)):
                self.say(f"Removed the wire {wire.source} -> {wire.target}.")
                return True
            return False
        node = self.sync.selected_node()
        if node is None:
            self.say("Select a node or a wire first, then delete it.", "error")
            return False
        if self.attempt(lambda: self.stack.remove(node.id)):
            self.say(f"Deleted {node.id} (Ctrl+Z brings it back).")
            return True
        return False

    def auto_layout(self) -> None:
        """Lay every node out again (wires left to right, networks in bands) and record it."""
        positions = layout.layered_layout(self.stack)
        self.attempt(lambda: self._move_all(positions))

    def record_positions(self) -> None:
        """Write positions the canvas chose (for nodes added without one) into the stack."""
        self._move_all(self.sync.unsaved_positions())  # one undo step

    # ---------------------------------------------------------------- form
    def rename(self, old: str, new: str) -> bool:
        """Rename a node; a refused name leaves it as it was."""
        new = (new or "").strip()
        if new == old:
            return True
        return self.attempt(lambda: self.stack.rename(old, new))

    def set_setting(self, node_id: str, name: str, value) -> bool:
        """Change one setting; a refused value leaves the stack unchanged."""
        return self.attempt(lambda: self.stack.set(node_id, **{name: value}))

    def place(self, node_id: str, network_id: str | None) -> bool:
        """Put a node inside a Virtual Network (None takes it out), next to the network's
        other members so the network's box stays compact."""
        with self.stack.batch():  # placing and the move next to the other members: one step
            return self._place(node_id, network_id)

    def _place(self, node_id: str, network_id: str | None) -> bool:
        if not self.attempt(lambda: self.stack.place(node_id, network_id)):
            return False
        if network_id is None:
            return True
        spot = layout.spot_in_network(self.stack, self.sync.positions(), node_id)
        self.attempt(lambda: self.stack.move(node_id, *spot))
        return True


def _event_id(event: dict) -> str | None:
    data = event.get("data") if isinstance(event, dict) else None
    element_id = data.get("id") if isinstance(data, dict) else None
    return element_id if isinstance(element_id, str) else None


def _event_position(event: dict) -> tuple[float, float] | None:
    pos = event.get("position") if isinstance(event, dict) else None
    try:
        return float(pos["x"]), float(pos["y"])
    except (TypeError, KeyError, ValueError):
        return None

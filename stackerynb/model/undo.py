"""Undo and redo for a Stack: every edit, from the canvas or from Python, back to the load.

The history records the ``Change`` events the stack emits (they carry what was there before:
``Change.before`` / ``before_position``). Edits made inside ``stack.batch()`` form one step, so a
multi-node move or a delete of a node with its wires is undone at once. Undoing a step replays
the reverse changes one by one through the stack's own emit path, so observers (the canvas)
follow along as with any edit; then the stack takes the exact order of nodes and wires it had,
so a save after an undo writes what was there before.

The reverse changes are applied directly rather than through ``add``/``set``/...: a stack loaded
from a file may hold values those methods refuse (``problems()`` reports them), and undo must
bring back exactly what was there.
"""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable

from stackerynb.model.elements import Change

if TYPE_CHECKING:
    from stackerynb.model.stack import Stack

MAX_STEPS = 200

Snapshot = tuple  # (nodes items, wires, layout items): immutable values, cheap to keep


@dataclasses.dataclass(frozen=True)
class Step:
    """One undoable step: the changes it made, and the stack as it was after them."""

    changes: tuple[Change, ...]
    after: Snapshot

    @property
    def ops(self) -> tuple[str, ...]:
        return tuple(c.op for c in self.changes)


class History:
    """The undo and redo stacks of one Stack (``stack.history``). ``listeners`` are called with
    no argument after every recorded step, undo, redo or clear (toolbars enable their buttons)."""

    def __init__(self, stack: "Stack", limit: int = MAX_STEPS):
        self.stack = stack
        self.limit = limit
        self.listeners: list[Callable[[], None]] = []
        self._done: list[Step] = []
        self._undone: list[Step] = []
        self._open: list[Change] | None = None
        self._depth = 0
        self._paused = 0
        self._base: Snapshot = _snapshot(stack)

    # ----------------------------------------------------------- reading
    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo_ops(self) -> list[tuple[str, ...]]:
        """The recorded steps, oldest first, as the change kinds each made (for tests and tools)."""
        return [step.ops for step in self._done]

    # ---------------------------------------------------------- recording
    def clear(self) -> None:
        """Forget every step; the stack as it is now becomes the point undo goes back to."""
        self._done.clear()
        self._undone.clear()
        self._base = _snapshot(self.stack)
        self._notify()

    @contextmanager
    def paused(self):
        """Changes inside this block are not recorded (a reload replaces the history)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def begin(self) -> None:
        """Start (or nest into) a batch: its changes become one step."""
        self._depth += 1
        if self._depth == 1:
            self._open = []

    def end(self) -> None:
        """Close a batch started by ``begin``; the outermost one records the step."""
        self._depth -= 1
        if self._depth == 0:
            changes, self._open = self._open or [], None
            if changes:
                self._push(changes)

    def record(self, change: Change) -> None:
        """Called by the stack after each edit."""
        if self._paused:
            return
        if self._open is not None:
            self._open.append(change)
        else:
            self._push([change])

    def _push(self, changes: list[Change]) -> None:
        if not all(_invertible(c) for c in changes):
            # an edit made outside the stack's methods: it cannot be taken back, so undo
            # starts from here rather than restore a wrong state
            self._done.clear()
            self._undone.clear()
            self._base = _snapshot(self.stack)
            self._notify()
            return
        self._done.append(Step(tuple(changes), _snapshot(self.stack)))
        self._undone.clear()
        if len(self._done) > self.limit:
            self._base = self._done.pop(0).after
        self._notify()

    # ------------------------------------------------------- undo / redo
    def undo(self) -> bool:
        """Take back the last step; False when there is none."""
        if not self._done or self._depth:
            return False
        step = self._done.pop()
        before = self._done[-1].after if self._done else self._base
        with self.paused():
            for change in reversed(step.changes):
                _apply(self.stack, inverse(change))
            _restore(self.stack, before)
        self._undone.append(step)
        self._notify()
        return True

    def redo(self) -> bool:
        """Make the last undone step again; False when there is none."""
        if not self._undone or self._depth:
            return False
        step = self._undone.pop()
        with self.paused():
            for change in step.changes:
                _apply(self.stack, change)
            _restore(self.stack, step.after)
        self._done.append(step)
        self._notify()
        return True

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener()


# ------------------------------------------------------------------ changes
_BEFORE_NEEDED = {"set", "place", "rename", "configure"}


def _invertible(change: Change) -> bool:
    if change.op in _BEFORE_NEEDED:
        return change.before is not None
    return change.op in INVERSE_OPS


INVERSE_OPS = {"add": "remove", "remove": "add", "connect": "disconnect", "disconnect": "connect",
               "set": "set", "place": "place", "rename": "rename", "move": "move",
               "configure": "configure"}


def inverse(change: Change) -> Change:
    """The change that takes ``change`` back."""
    op = change.op
    if op == "add":
        return Change("remove", node=change.node, before_position=change.position)
    if op == "remove":
        return Change("add", node=change.node, position=change.before_position)
    if op in ("connect", "disconnect"):
        return Change(INVERSE_OPS[op], wire=change.wire)
    if op in ("set", "place"):
        return Change(op, node=change.before, before=change.node)
    if op == "rename":
        return Change("rename", node=change.before, old_id=change.node.id, before=change.node)
    if op == "move":
        return Change("move", node=change.node, position=change.before_position,
                      before_position=change.position)
    if op == "configure":
        return Change("configure", wire=change.before, before=change.wire)
    raise ValueError(f"cannot undo a {op!r} change")


def _apply(stack: "Stack", change: Change) -> None:
    """Make ``change`` on the stack's state and tell its observers."""
    op, node, wire = change.op, change.node, change.wire
    if op == "add":
        stack._nodes[node.id] = node
        if change.position is not None:
            stack._layout[node.id] = change.position
    elif op == "remove":
        stack._nodes.pop(node.id, None)
        stack._layout.pop(node.id, None)
    elif op in ("set", "place"):
        stack._nodes[node.id] = node
    elif op == "rename":
        # _rename emits the change itself (with the node as it is now as ``before``)
        stack._rename(stack._nodes[change.old_id], node.id)
        return
    elif op == "connect":
        stack._wires.append(wire)
    elif op == "disconnect":
        stack._wires.remove(wire)
    elif op == "configure":
        stack._wires = [wire if (w.source, w.target) == (wire.source, wire.target) else w
                        for w in stack._wires]
    elif op == "move":
        if change.position is None:
            stack._layout.pop(node.id, None)
        else:
            stack._layout[node.id] = change.position
    stack._emit(change)


def _snapshot(stack: "Stack") -> Snapshot:
    return (tuple(stack._nodes.items()), tuple(stack._wires), tuple(stack._layout.items()))


def _restore(stack: "Stack", snapshot: Snapshot) -> None:
    """Take the snapshot's exact state (its order of nodes, wires and positions) silently: the
    observers have already seen every change that leads there."""
    nodes, wires, layout = snapshot
    stack._nodes = dict(nodes)
    stack._wires = list(wires)
    stack._layout = dict(layout)

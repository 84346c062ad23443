"""What the canvas is made of, as plain data: elements (cytoscape nodes and edges), the
operations that change them, and the small signal objects the widgets listen to."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

TIER_MARK = "::"  # tier group ids are "<network>::<tier>"; node ids cannot contain ":"


@dataclass
class Element:
    """One canvas element as cytoscape sees it: ``group`` is "nodes" or "edges"."""

    id: str
    group: str
    data: dict[str, Any]
    classes: str = ""
    position: tuple[float, float] | None = None

    @property
    def parent(self) -> str | None:
        return self.data.get("parent")


@dataclass(frozen=True)
class Op:
    """One change to the canvas: ``action`` add, update or remove of ``element`` (a snapshot).

    For updates ``fields`` names what changed (data, classes, position). ``echo`` is True for a
    position the canvas itself reported, which the browser therefore already shows.
    """

    action: str
    element: Element
    fields: tuple[str, ...] = ()
    echo: bool = False


class Signal:
    """A list of callbacks called with one value."""

    def __init__(self):
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, value=None) -> None:
        for callback in list(self._callbacks):
            callback(value)


def wire_id(source: str, target: str) -> str:
    """The canvas id of the wire ``source -> target``."""
    return f"{source}->{target}"


def plain(value):
    """Settings as JSON-ready values (the canvas keeps them in each node's data)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# ------------------------------------------------------------------ how nodes and references look
REFERENCE_MARK = "~>"  # reference edge ids are "<source>~><target>"


def kind_classes(kind: str) -> list[str]:
    """Extra canvas classes of a node of ``kind``: ``card`` for a generic resource."""
    return ["card"] if kind == "resource" else []


def node_look_data(node) -> dict[str, Any]:
    """Element data a node's look needs beyond its id and kind: a generic resource's card shows
    its id over its service and type, in its service's colour, as wide as its text."""
    from stackerynb.diagram.look import look_of

    look = look_of(node)
    if not look.card:
        return {}
    return {"label": look.label, "colour": look.colour, "width": look.width, "height": look.height,
            "service": look.service, "type": look.type}


def reference_id(source: str, target: str) -> str:
    """The canvas id of the reference edge ``source`` -> ``target``."""
    return f"{source}{REFERENCE_MARK}{target}"


def reference_element(source: str, target: str, how: str) -> Element:
    """A dashed edge: ``source`` references ``target`` (Ref, GetAtt, Sub) with no wire."""
    rid = reference_id(source, target)
    return Element(rid, "edges", {"id": rid, "source": source, "target": target, "label": how,
                                  "how": how}, "reference")


def sync_references(sync, ops: list | None = None) -> None:
    """Bring ``sync``'s reference edges in line with its stack (``ops`` None: while building)."""
    from stackerynb.model.references import reference_edges

    wanted = {reference_id(s, t): (s, t, how) for s, t, how in reference_edges(sync.stack)
              if s in sync.elements and t in sync.elements}
    for el in list(sync.elements.values()):
        if el.group == "edges" and el.classes == "reference" and \
                (el.id not in wanted or el.data.get("how") != wanted[el.id][2]):
            if ops is None:
                del sync.elements[el.id]
            else:
                sync._remove(el.id, ops)
    for rid, (source, target, how) in wanted.items():
        if rid not in sync.elements:
            if ops is None:
                sync.elements[rid] = reference_element(source, target, how)
            else:
                sync._add(reference_element(source, target, how), ops)

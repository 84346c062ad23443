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

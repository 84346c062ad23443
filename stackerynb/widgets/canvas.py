"""The canvas: an ipycytoscape widget that draws what ``GraphSync`` says and reports clicks and
drags back to it.

ipycytoscape facts this module is built around (measured, see DESIGN.md):
- every element is its own widget model, and the browser re-creates every view after the first
  changed index of the node or edge list. Elements are therefore only ever *appended*; a removed
  element is hidden in place (``removed``), given a throw-away id and the ``gone`` class, so a
  fresh view of the canvas (a page reload) draws it hidden instead of resurrecting it;
- the ``preset`` layout keeps the positions we send, and additions are batched into one list
  change per stack edit;
- dragged positions come back only through the ``tapend`` event, so positions the browser
  already shows are recorded without being sent back.
"""
from __future__ import annotations

import itertools
import logging

import ipycytoscape
from ipywidgets import Layout

from stackerynb.widgets.gestures import Gestures
from stackerynb.widgets.style import canvas_style
from stackerynb.widgets.sync import Element, GraphSync, Op

log = logging.getLogger(__name__)

CANVAS_CLASS = "stackerynb-canvas"
ANCHOR = "__anchor__"  # a hidden node that hidden (removed) wires point at


class StackCanvas:
    """Draws a GraphSync's elements on an ipycytoscape widget (``.widget``) and feeds the
    widget's tap, press and release events to ``gestures``."""

    def __init__(self, sync: GraphSync, gestures: Gestures, height: str = "560px"):
        self.sync = sync
        self.gestures = gestures
        self.widget = ipycytoscape.CytoscapeWidget(
            layout=Layout(height=height, width="auto", flex="1 1 0%", min_width="300px"))
        self.widget.add_class(CANVAS_CLASS)
        self.widget.min_zoom = 0.05
        self.widget.max_zoom = 2.0
        self.widget.box_selection_enabled = False
        self.widget.cytoscape_style = canvas_style()
        self.widget.cytoscape_layout = {"name": "preset", "fit": True, "padding": 40, "animate": False}
        self._live: dict[str, ipycytoscape.Element] = {}
        self._gone = itertools.count(1)
        anchor = ipycytoscape.Node(data={"id": ANCHOR}, classes="gone", position={"x": 0, "y": 0},
                                   grabbable=False)
        nodes, edges = [anchor], []
        for el in sync.ordered_elements():
            (nodes if el.group == "nodes" else edges).append(self._create(el))
        self.widget.graph.nodes.extend(nodes)
        self.widget.graph.edges.extend(edges)
        self._height = height
        # Views report themselves (``_view_count``), so each new view can be fitted once the
        # notebook has laid it out: cytoscape fits the drawing to the size its container had
        # when it first drew, before the palette and form beside it took their share.
        self.widget._view_count = 0
        self.widget.observe(self._views_changed, "_view_count")
        self.widget.on("node", "tap", self._guarded(gestures.tap))
        self.widget.on("edge", "tap", self._guarded(gestures.tap))
        self.widget.on("node", "tapstart", self._guarded(gestures.grab))
        self.widget.on("node", "tapend", self._guarded(gestures.release))
        sync.ops.connect(self.apply)

    def fit(self) -> None:
        """Fit the whole drawing into the canvas at its current size."""
        # ipycytoscape re-reads the container's size whenever the layout's height changes; two
        # spellings of the same height make that happen without changing what the user sees.
        # Running the (preset) layout again then fits the drawing with its padding.
        height = self._height
        self.widget.layout.height = f"calc({height} + 0px)" if self.widget.layout.height == height else height
        self.widget.relayout()

    def close(self) -> None:
        """Stop drawing and close the widget with every element widget (hidden ones too)."""
        self.sync.ops.disconnect(self.apply)
        graph = self.widget.graph
        for element in [*graph.nodes, *graph.edges]:
            element.close()
        graph.close()
        self.widget.close()
        self._live.clear()

    def _views_changed(self, change) -> None:
        if (change["new"] or 0) > (change["old"] or 0):
            self.fit()

    @property
    def element_count(self) -> int:
        """Elements drawn (hidden removed ones excluded)."""
        return len(self._live)

    def live_widget(self, element_id: str):
        """The ipycytoscape widget drawing ``element_id``, or None."""
        return self._live.get(element_id)

    def _guarded(self, handler):
        def callback(event):
            try:
                handler(event)
            except Exception as exc:  # never let a widget callback print a traceback
                log.exception("canvas event failed")
                self.gestures.say(f"unexpected error: {type(exc).__name__}: {exc}", "error")
        return callback

    def _create(self, el: Element):
        kwargs = dict(data=dict(el.data), classes=el.classes)
        if el.group == "nodes":
            widget = ipycytoscape.Node(position=_position(el.position) or {}, grabbable=True, **kwargs)
        else:
            widget = ipycytoscape.Edge(**kwargs)
        self._live[el.id] = widget
        return widget

    def apply(self, ops: list[Op]) -> None:
        """Apply one batch of element operations (one stack edit) to the widget."""
        nodes, edges = [], []
        for op in ops:
            el = op.element
            if op.action == "remove":
                widget = self._live.pop(el.id, None)
                if widget is not None:
                    self._hide(widget, el.group)
            elif op.action == "add":
                old = self._live.pop(el.id, None)
                if old is not None:
                    self._hide(old, el.group)
                (nodes if el.group == "nodes" else edges).append(self._create(el))
            else:
                widget = self._live.get(el.id)
                if widget is not None:
                    self._update(widget, op)
        if nodes:
            self.widget.graph.nodes.extend(nodes)
        if edges:
            self.widget.graph.edges.extend(edges)

    def _update(self, widget, op: Op) -> None:
        el = op.element
        with widget.hold_sync():
            if "data" in op.fields:
                widget.data = dict(el.data)
            if "classes" in op.fields:
                widget.classes = el.classes
            if "position" in op.fields and el.position is not None:
                position = _position(el.position)
                if op.echo and hasattr(widget, "_lock_property"):
                    # the browser reported this position: record it without sending it back
                    with widget._lock_property(position=position):
                        widget.position = position
                else:
                    widget.position = position

    def _hide(self, widget, group: str) -> None:
        gone = f"gone{next(self._gone)}"
        with widget.hold_sync():
            widget.removed = True
            widget.classes = "gone"
            widget.data = ({"id": gone, "source": ANCHOR, "target": ANCHOR} if group == "edges"
                           else {"id": gone})


def _position(position) -> dict | None:
    if position is None:
        return None
    return {"x": float(position[0]), "y": float(position[1])}

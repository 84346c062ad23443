"""The canvas: an ipycytoscape widget that draws what ``GraphSync`` says and reports clicks and
drags back to it.

ipycytoscape facts this module is built around (measured, see DESIGN.md):
- every element is its own widget model, and the browser re-creates every view after the first
  changed index of the node or edge list. Elements are therefore only ever *appended*; a removed
  element is hidden in place (``removed``), given a throw-away id and the ``gone`` class, so a
  fresh view of the canvas (a page reload) draws it hidden instead of resurrecting it;
- the ``preset`` layout keeps the positions we send, and additions are batched into one list
  change per stack edit. ipycytoscape runs the layout over the whole graph after every list
  change (and on every view change): each layout we send carries an empty ``positions`` table,
  so preset moves no node and an edit touches only the elements it adds;
- a widget per element is what ipycytoscape draws from, so a big graph is many comm messages:
  element widgets are built lean (plain dict traits instead of ipycytoscape's spectate-watched
  ones, no observer per widget) and every list change is one message;
- dragged positions come back only through the ``tapend`` event;
- box selection (Shift + drag on the background) is cytoscape's own; the nodes it selects
  report ``selected`` back one by one, as shift-clicked ones do;
- there is no background event and the browser's zoom and pan are not reported: the canvas
  owns the view (``Viewport``). Cytoscape's own wheel zoom and drag pan are off; ``ipyevents``
  reports the wheel, presses on the background and keys, and every view change is sent as a
  ``preset`` layout with zoom and pan, so a background click maps to a model position;
- options such as ``desktop_tap_threshold`` blank the graph when changed after display: every
  option is set once, before the widget is shown.
"""
from __future__ import annotations

import importlib
import itertools
import logging
import sys


TYPING_TARGETS = {"INPUT", "TEXTAREA", "SELECT"}


class _OnDemand:
    """Stands in for a module that loads when one of its names is first used."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)

    def __bool__(self) -> bool:
        return self._name in sys.modules


_OPTIONAL = {"pd": "pandas", "nx": "networkx"}  # ipycytoscape's module name -> package


def _import_ipycytoscape():
    """ipycytoscape, without importing pandas and networkx with it.

    ipycytoscape imports pandas and networkx (with numpy) when it is imported (about a second
    of the editor's start on this machine) only to accept DataFrame and networkx graphs, which
    the canvas never passes: they are kept out while ipycytoscape loads and stand in as
    modules that load when first used. Such a stand-in is true only once its package is
    imported (nobody can pass a DataFrame before pandas is imported), so ipycytoscape's
    ``nx and isinstance(graph, nx.Graph)`` does not import networkx for every canvas."""
    if "ipycytoscape.cytoscape" in sys.modules:
        import ipycytoscape
        return ipycytoscape
    kept_out = [name for name in _OPTIONAL.values() if name not in sys.modules]
    for name in kept_out:
        sys.modules[name] = None  # `import name` fails: ipycytoscape then goes without it
    try:
        import ipycytoscape
        import ipycytoscape.cytoscape as module
    finally:
        for name in kept_out:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    for attr, name in _OPTIONAL.items():
        if getattr(module, attr, None) is None:
            setattr(module, attr, _OnDemand(name))
    return ipycytoscape


ipycytoscape = _import_ipycytoscape()
from ipyevents import Event  # noqa: E402
from ipywidgets import Layout  # noqa: E402
from traitlets import Dict, default  # noqa: E402

from stackerynb.widgets.gestures import Gestures  # noqa: E402
from stackerynb.widgets.style import canvas_style
from stackerynb.widgets.sync import Element, GraphSync, Op
from stackerynb.widgets.viewport import BUTTON_STEP, Viewport, bounding_box

log = logging.getLogger(__name__)

CANVAS_CLASS = "stackerynb-canvas"
ANCHOR = "__anchor__"  # a hidden node that hidden (removed) wires point at


def preset_layout(**view) -> dict:
    """A ``preset`` layout that moves no node: its ``positions`` table is empty, so cytoscape
    keeps every node where it is (without it, preset re-sets all of them, firing a position
    event per node and redrawing every wire). ``view``: fit/padding or zoom/pan."""
    return {"name": "preset", "positions": {}, "animate": False, **view}


FIT_LAYOUT = preset_layout(fit=True, padding=40)


class _Reporting:
    """An element widget that tells ``on_selected`` (a plain attribute, set once) when the
    browser changes its ``selected``: no traitlets observer per widget. Its synced trait names
    are listed once per class (ipywidgets lists them for every widget, an eighth of its cost)."""

    on_selected = None

    @default("keys")
    def _default_keys(self):
        cls = type(self)
        if "_sync_keys" not in cls.__dict__:
            cls._sync_keys = list(self.traits(sync=True))
        return list(cls._sync_keys)

    def notify_change(self, change) -> None:
        super().notify_change(change)
        if change["name"] == "selected" and self.on_selected is not None:
            self.on_selected(change)


class CanvasNode(_Reporting, ipycytoscape.Node):
    """ipycytoscape's Node with plain dict traits: ipycytoscape's own are spectate-watched
    dicts (built per widget, a third of its cost) for in-place edits the canvas never makes."""

    data = Dict().tag(sync=True)
    position = Dict().tag(sync=True)


class CanvasEdge(_Reporting, ipycytoscape.Edge):
    """ipycytoscape's Edge with a plain dict ``data`` trait (see CanvasNode)."""

    data = Dict().tag(sync=True)


class StackCanvas:
    """Draws a GraphSync's elements on an ipycytoscape widget (``.widget``) and feeds the
    widget's tap, press and release events to ``gestures``."""

    def __init__(self, sync: GraphSync, gestures: Gestures, height: str = "560px"):
        self.sync = sync
        self.gestures = gestures
        self.view = Viewport()
        # an (empty) graph given as a dict: ipycytoscape then never asks pandas whether the
        # graph is a DataFrame, which would load pandas
        self.widget = ipycytoscape.CytoscapeWidget(
            {"nodes": []}, layout=Layout(height=height, width="100%", min_width="300px"))
        self.widget.add_class(CANVAS_CLASS)
        self.widget.min_zoom = self.view.min_zoom
        self.widget.max_zoom = self.view.max_zoom
        # Shift (or Ctrl/Cmd) + drag on the background: cytoscape draws the selection box and
        # selects what is inside it; each node's `selected` comes back like a shift-click's.
        # A plain background drag still pans (cytoscape asks for the modifier while its user
        # panning is on, which ipycytoscape never turns off at start: the option is not passed)
        self.widget.box_selection_enabled = True
        self.widget.user_zooming_enabled = False  # the wheel comes through ipyevents
        self.widget.user_panning_enabled = False  # so do background drags
        self.widget.auto_unselectify = False  # click and shift-click select; `selected` syncs back
        self.widget.selection_type = "single"  # shift/ctrl/cmd-click adds to the selection
        self.widget.wheel_sensitivity = 0.2  # only if cytoscape's own zoom is turned back on
        self._label_size = self.view.label_size()
        self.widget.cytoscape_style = canvas_style(self._label_size)
        self.widget.cytoscape_layout = dict(FIT_LAYOUT)
        self._live: dict[str, CanvasNode | CanvasEdge] = {}
        self._gone = itertools.count(1)
        anchor = CanvasNode(data={"id": ANCHOR}, classes="gone", position={"x": 0, "y": 0},
                                   grabbable=False, selectable=False)
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
        gestures.snap_back.connect(self.snap_back)
        gestures.picking.connect(self._picking)
        # presses, releases and the pointer entering; the wheel and keys (their default action,
        # page scroll or JupyterLab shortcuts, is stopped while the pointer is on the canvas)
        self.mouse = Event(source=self.widget, watched_events=["mousedown", "mouseup", "mouseenter"])
        self.mouse.on_dom_event(self._guarded(self._mouse_event))
        self.drag = Event(source=self.widget, watched_events=["mousemove"],
                          throttle_or_debounce="throttle", wait=40)
        self.drag.on_dom_event(self._guarded(self._mouse_move))
        # The wheel's default (scrolling the page) is prevented; keys' is not: ipyevents hears
        # keys while the pointer is over the canvas, wherever the focus is, and a form field
        # being typed into must keep its keys (Enter, Backspace, letters).
        self.wheel = Event(source=self.widget, watched_events=["wheel"], prevent_default_action=True)
        self.wheel.on_dom_event(self._guarded(self._key_or_wheel))
        self.keys = Event(source=self.widget, watched_events=["keydown"])
        self.keys.on_dom_event(self._guarded(self._key_or_wheel))
        self._press: dict | None = None

    def fit(self) -> None:
        """Fit the whole drawing into the canvas at its current size."""
        if self.view.width > 0:
            self.view.fit(bounding_box(self.sync.positions().values()))
            self._show_view()
            return
        # The size is not known yet (no pointer event came): let cytoscape fit. ipycytoscape
        # re-reads the container's size whenever the layout's height changes; two spellings of
        # the same height make that happen without changing what the user sees.
        height = self._height
        self.widget.layout.height = f"calc({height} + 0px)" if self.widget.layout.height == height else height
        if self.widget.cytoscape_layout != FIT_LAYOUT:
            self.widget.cytoscape_layout = dict(FIT_LAYOUT)  # runs it on every view
        else:
            self.widget.relayout()

    def resize_to(self, height: str) -> None:
        """Give the canvas ``height`` (a CSS length)."""
        self._height = height
        self.widget.layout.height = height

    def forget_view(self) -> None:
        """The canvas is about to be shown somewhere else (the studio tab, or back inline):
        its size is unknown again, so the new view fits itself and the next pointer event
        measures it, as when the canvas was first shown."""
        self.view = Viewport()
        self._press = None
        if self.view.label_size() != self._label_size:
            self._label_size = self.view.label_size()
            self.widget.cytoscape_style = canvas_style(self._label_size)
        self.widget.cytoscape_layout = dict(FIT_LAYOUT)

    def zoom_in(self) -> None:
        """Zoom in one step around the centre."""
        self._zoom(BUTTON_STEP)

    def zoom_out(self) -> None:
        """Zoom out one step around the centre."""
        self._zoom(1 / BUTTON_STEP)

    def _zoom(self, factor: float) -> None:
        if not self.view.known:
            self.fit()
            if not self.view.known:
                return
        self.view.zoom_at(factor)
        self._show_view()

    def _show_view(self) -> None:
        """Send the view (and label size) to the browser."""
        size = self.view.label_size()
        if size != self._label_size:
            self._label_size = size
            self.widget.cytoscape_style = canvas_style(size)
        layout = self.view.layout()
        if layout == self.widget.cytoscape_layout:
            # the browser ignores a value equal to the one it has, yet its view may differ (a
            # resize re-fits it): a hair's pan apart makes it apply the view again
            layout["pan"]["x"] += 0.01
        self.widget.cytoscape_layout = layout

    # ------------------------------------------------------ ipyevents input
    def _measure(self, event: dict) -> None:
        """Every event carries the canvas size: a change (the user dragged the resize corner)
        tells cytoscape to re-read its box, and the first one lets the view fit itself."""
        width, height = event.get("boundingRectWidth"), event.get("boundingRectHeight")
        if not isinstance(width, (int, float)) or not isinstance(height, (int, float)):
            return
        was_known = self.view.width > 0
        if not self.view.resize(width, height):
            return
        if not was_known:
            self.fit()
            return
        self._height = f"{round(height)}px"  # ipycytoscape re-reads its size when this changes
        self.widget.layout.height = self._height
        if self.view.known:
            self._show_view()

    def _model_point(self, event: dict) -> tuple[float, float] | None:
        x, y = event.get("relativeX"), event.get("relativeY")
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)) or not self.view.known:
            return None
        return self.view.to_model(x, y)

    def _on_element(self, point: tuple[float, float]) -> bool:
        return (self.sync.node_at(*point) is not None or self.sync.box_at(*point) is not None
                or self.sync.wire_at(*point, 8 / self.view.zoom) is not None)

    def _mouse_event(self, event: dict) -> None:
        kind = event.get("type")
        self._measure(event)
        if kind == "mousedown" and event.get("button", 0) == 0:
            point = self._model_point(event)
            background = point is not None and not self._on_element(point)
            self._press = {"x": event.get("relativeX"), "y": event.get("relativeY"),
                           "pan": (self.view.pan_x, self.view.pan_y), "background": background,
                           "pan_ok": background and not event.get("shiftKey")}
        elif kind == "mouseup" and self._press is not None:
            press, self._press = self._press, None
            dx, dy = event.get("relativeX", 0) - press["x"], event.get("relativeY", 0) - press["y"]
            if abs(dx) < 4 and abs(dy) < 4:
                if press["background"]:
                    point = self._model_point(event)
                    if point is not None:
                        self.gestures.background_click(*point)
            elif press["pan_ok"]:
                self._pan_to(press, dx, dy)

    def _mouse_move(self, event: dict) -> None:
        self._measure(event)
        press = self._press
        if press is None or not press["pan_ok"]:
            return
        if not (event.get("buttons", 0) & 1):  # the button came up outside the canvas
            self._press = None
            return
        self._pan_to(press, event.get("relativeX", 0) - press["x"], event.get("relativeY", 0) - press["y"])

    def _pan_to(self, press: dict, dx: float, dy: float) -> None:
        self.view.pan_x, self.view.pan_y = press["pan"][0] + dx, press["pan"][1] + dy
        self._show_view()

    def _key_or_wheel(self, event: dict) -> None:
        if event.get("type") == "wheel":
            self._measure(event)
            if not self.view.known:
                return
            self.view.wheel(float(event.get("deltaY") or 0), int(event.get("deltaMode") or 0),
                            float(event.get("relativeX") or 0), float(event.get("relativeY") or 0))
            self._show_view()
            return
        if str((event.get("target") or {}).get("tagName", "")).upper() in TYPING_TARGETS:
            return  # typed into a field (the settings form, a cell): not a canvas gesture
        ctrl = bool(event.get("ctrlKey") or event.get("metaKey"))
        self.gestures.key(str(event.get("key", "")), ctrl=ctrl, shift=bool(event.get("shiftKey")))

    def _picking(self, kind) -> None:
        if kind is None:
            self.widget.remove_class("stackerynb-placing")
        else:
            self.widget.add_class("stackerynb-placing")

    def snap_back(self, node_id: str) -> None:
        """Draw ``node_id`` at its recorded position again (it was dropped onto a node)."""
        widget = self._live.get(node_id)
        position = _position(self.sync.position(node_id))
        if widget is None or position is None:
            return
        # the browser's model still holds the position from before the drag (drags are not
        # synced back), so the same value would be no change: send one a hair apart
        if dict(widget.position) == position:
            position = {"x": position["x"] + 0.001, "y": position["y"]}
        widget.position = position

    def close(self) -> None:
        """Stop drawing and close the widget with every element widget (hidden ones too)."""
        self.sync.ops.disconnect(self.apply)
        self.gestures.snap_back.disconnect(self.snap_back)
        self.gestures.picking.disconnect(self._picking)
        for event in (self.mouse, self.drag, self.wheel, self.keys):
            event.close()
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
        selectable = not el.data.get("tier")
        if el.group == "nodes":
            widget = CanvasNode(position=_position(el.position) or {}, grabbable=True,
                                selectable=selectable, **kwargs)
        else:
            widget = CanvasEdge(selectable=True, **kwargs)
        widget.on_selected = self._selected_changed
        self._live[el.id] = widget
        return widget

    def _selected_changed(self, change) -> None:
        widget = change["owner"]
        element_id = widget.data.get("id")
        if self._live.get(element_id) is not widget:
            return
        self.gestures.select_on_canvas(element_id, bool(change["new"]))
        if not change["new"]:
            # ipycytoscape answers its own "selected: false" with unselectify(), so a node
            # clicked away from could never be selected again: make it selectable once more
            # (two messages: the browser acts only on a change of the value)
            widget.selectable = False
            widget.selectable = True

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
        if (nodes or edges) and self.widget.cytoscape_layout.get("fit"):
            # ipycytoscape runs the layout after every addition: a fitting one would re-fit
            # the view around the whole graph for each node added (the first view fitted
            # itself already; a new view is fitted by ``_views_changed``)
            self.widget.cytoscape_layout = preset_layout(fit=False)
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
                # sent even when the browser reported it (it shows it already): the browser's
                # model must hold it, or an undo back to the old value would look like no change
                widget.position = _position(el.position)

    def _hide(self, widget, group: str) -> None:
        gone = f"gone{next(self._gone)}"
        old_id = widget.data.get("id")
        if old_id is not None:
            self.gestures.select_on_canvas(old_id, False)
        with widget.hold_sync():
            widget.selected = False
            widget.removed = True
            widget.classes = "gone"
            widget.data = ({"id": gone, "source": ANCHOR, "target": ANCHOR} if group == "edges"
                           else {"id": gone})


def _position(position) -> dict | None:
    if position is None:
        return None
    return {"x": float(position[0]), "y": float(position[1])}

"""The canvas toolbar: undo and redo, connect mode, delete, zoom, automatic layout, fit."""
from __future__ import annotations

from ipywidgets import Button, HBox, Layout, ToggleButton

from stackerynb.widgets.export import export_button
from stackerynb.widgets.gestures import Gestures


class CanvasToolbar(HBox):
    """Undo / Redo (Ctrl/Cmd+Z, Shift+Ctrl/Cmd+Z), Connect toggle (click a source then a
    target to wire them; dragging a node onto another wires them too), Delete (the selection),
    Auto layout (wires left to right; for imported stacks), zoom out / in and Fit."""

    def __init__(self, gestures: Gestures, fit=None, zoom_in=None, zoom_out=None, **kwargs):
        self.gestures = gestures
        self.undo = Button(description="", icon="undo", tooltip="Undo (Ctrl/Cmd+Z)")
        self.redo = Button(description="", icon="redo", tooltip="Redo (Shift+Ctrl/Cmd+Z)")
        self.connect = ToggleButton(description="Connect", icon="link", value=False,
                                    tooltip="Wire nodes: click the source, then the target "
                                            "(or drag a node onto the node it uses)")
        self.delete = Button(description="Delete", icon="trash",
                             tooltip="Delete the selection (Delete or Backspace; Ctrl+Z undoes)")
        self.auto_layout = Button(description="Auto layout", icon="sitemap",
                                  tooltip="Lay every node out again, wires left to right")
        self.zoom_out = Button(description="", icon="search-minus", tooltip="Zoom out")
        self.zoom_in = Button(description="", icon="search-plus", tooltip="Zoom in")
        self.fit = Button(description="Fit", icon="expand", tooltip="Show the whole stack")
        for widget, name in ((self.undo, "undo"), (self.redo, "redo"), (self.connect, "connect"),
                             (self.delete, "delete"), (self.auto_layout, "auto-layout"),
                             (self.zoom_out, "zoom-out"), (self.zoom_in, "zoom-in"), (self.fit, "fit")):
            widget.add_class(f"stackerynb-{name}")
            widget.layout = Layout(width="auto")
        self.connect.observe(lambda change: gestures.set_connect_mode(change["new"]), "value")
        gestures.mode.connect(self._mode_changed)
        self.undo.on_click(lambda _b: gestures.undo())
        self.redo.on_click(lambda _b: gestures.redo())
        self.delete.on_click(lambda _b: gestures.delete_selection())
        self.auto_layout.on_click(lambda _b: gestures.auto_layout())
        buttons = [self.undo, self.redo, self.connect, self.delete, self.auto_layout]
        for button, action in ((self.zoom_out, zoom_out), (self.zoom_in, zoom_in), (self.fit, fit)):
            if action is not None:
                button.on_click(lambda _b, action=action: action())
                buttons.append(button)
        self._history = gestures.stack.history
        self._history.listeners.append(self._history_changed)
        self._history_changed()
        self.export = export_button(gestures)  # the diagram as drawn, to <stack>.svg
        buttons.append(self.export)
        super().__init__(buttons, layout=Layout(flex="0 0 auto", flex_flow="row wrap"), **kwargs)

    def _history_changed(self) -> None:
        self.undo.disabled = not self._history.can_undo
        self.redo.disabled = not self._history.can_redo

    def close(self) -> None:
        if self._history_changed in self._history.listeners:
            self._history.listeners.remove(self._history_changed)
        super().close()

    def _mode_changed(self, on: bool) -> None:
        if self.connect.value != on:
            self.connect.value = on

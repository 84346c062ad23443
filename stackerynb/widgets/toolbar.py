"""The canvas toolbar: connect mode, delete, automatic layout, fit to view."""
from __future__ import annotations

from ipywidgets import Button, HBox, Layout, ToggleButton

from stackerynb.widgets.export import export_button
from stackerynb.widgets.gestures import Gestures


class CanvasToolbar(HBox):
    """Connect toggle (click a source then a target to wire them), Delete (the selected node
    or wire) and Auto layout (wires left to right; for imported stacks)."""

    def __init__(self, gestures: Gestures, fit=None, **kwargs):
        self.gestures = gestures
        self.connect = ToggleButton(description="Connect", icon="link", value=False,
                                    tooltip="Wire nodes: click the source, then the target")
        self.delete = Button(description="Delete", icon="trash", tooltip="Delete the selected node or wire")
        self.auto_layout = Button(description="Auto layout", icon="sitemap",
                                  tooltip="Lay every node out again, wires left to right")
        self.fit = Button(description="Fit", icon="expand", tooltip="Show the whole stack")
        for widget, name in ((self.connect, "connect"), (self.delete, "delete"),
                             (self.auto_layout, "auto-layout"), (self.fit, "fit")):
            widget.add_class(f"stackerynb-{name}")
            widget.layout = Layout(width="auto")
        self.connect.observe(lambda change: gestures.set_connect_mode(change["new"]), "value")
        gestures.mode.connect(self._mode_changed)
        self.delete.on_click(lambda _b: gestures.delete_selected())
        self.auto_layout.on_click(lambda _b: gestures.auto_layout())
        if fit is not None:
            self.fit.on_click(lambda _b: fit())
        buttons = [self.connect, self.delete, self.auto_layout] + ([self.fit] if fit is not None else [])
        self.export = export_button(gestures)  # the diagram as drawn, to <stack>.svg
        buttons.append(self.export)
        super().__init__(buttons,
                         layout=Layout(flex="0 0 auto"), **kwargs)

    def _mode_changed(self, on: bool) -> None:
        if self.connect.value != on:
            self.connect.value = on

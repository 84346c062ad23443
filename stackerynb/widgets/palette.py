"""The palette: one button per node kind, in the kind's colour with its icon; a click picks the
kind and the next click on the canvas places a node of it there."""
from __future__ import annotations

from ipywidgets import Button, HTML, Layout, VBox

from stackerynb.catalog import kinds
from stackerynb.widgets.gestures import Gestures

PALETTE_CLASS = "stackerynb-palette"


class Palette(VBox):
    """A column of buttons, one per catalogue kind (``.buttons`` maps kind name to button)."""

    def __init__(self, gestures: Gestures, **kwargs):
        self.gestures = gestures
        self.buttons: dict[str, Button] = {}
        for spec in kinds():
            button = Button(description=f"{spec.icon}  {spec.label}", tooltip=spec.help,
                            layout=Layout(width="175px", height="28px", margin="1px 0"))
            button.style.button_color = spec.colour
            button.style.text_color = "white"
            button.style.font_weight = "bold"
            button.add_class("stackerynb-palette-button")
            button.add_class(f"stackerynb-kind-{spec.name}")
            # pick the kind; a click on the canvas then places it there
            button.on_click(lambda _b, name=spec.name: self.gestures.pick(name))
            self.buttons[spec.name] = button
        title = HTML("<b>Add a node</b>")
        super().__init__([title, *self.buttons.values()], layout=Layout(flex="0 0 auto",
                                                                         overflow="hidden auto"), **kwargs)
        self.add_class(PALETTE_CLASS)

    def add(self, kind: str) -> str | None:
        """Add a node of ``kind`` (what a click does); returns its id, None if refused."""
        return self.gestures.add_node(kind)

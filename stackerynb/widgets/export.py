"""The editor's Export button: the canvas as drawn, written to ``<stack>.svg`` beside the stack
file (the working folder for a stack not saved yet), with a message saying where."""
from __future__ import annotations

from pathlib import Path

from ipywidgets import Button, Layout

from stackerynb.widgets.gestures import Gestures


def export_path(stack) -> Path:
    """Where Export writes: ``<stack file without .yaml>.svg``, else ``<name>.svg`` here."""
    if stack.path is not None:
        return Path(stack.path).with_suffix(".svg")
    return Path.cwd() / f"{stack.name}.svg"

def export_canvas(gestures: Gestures) -> Path | None:
    """Write the canvas as drawn (the positions it shows) to ``export_path``; the file written,
    None when refused (the reason goes to the message area)."""
    stack = gestures.stack
    target = export_path(stack)
    written: list[Path] = []
    if gestures.attempt(lambda: written.append(stack.diagram(target, positions=gestures.sync.positions()))):
        gestures.say(f"Exported the diagram to {written[0]}.")
        return written[0]
    return None

def export_button(gestures: Gestures) -> Button:
    """A toolbar button running ``export_canvas``."""
    button = Button(description="Export", icon="download", tooltip="Write the diagram as <stack>.svg beside the stack file",
                    layout=Layout(width="auto"))
    button.add_class("stackerynb-export")
    button.on_click(lambda _b: export_canvas(gestures))
    return button

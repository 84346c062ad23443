"""The studio: a stack editor in its own JupyterLab main-area tab, full size, through ipylab.

The tab holds an editor of its own on the same stack (not a second view of the inline one):
each canvas keeps its own view and selection, and both follow the stack, so an edit in either,
or in Python, shows in both; undo is the stack's, shared by all of them.
"""
from __future__ import annotations

from ipylab import JupyterFrontEnd, Panel
from ipywidgets import Layout, VBox, widget_serialization
from traitlets import Instance

from stackerynb.widgets.editor import StackEditor

STUDIO_CLASS = "stackerynb-studio"
_app: JupyterFrontEnd | None = None


def frontend() -> JupyterFrontEnd:
    """The JupyterLab front end (one per kernel)."""
    global _app
    if _app is None:
        _app = JupyterFrontEnd()
    return _app


class StudioPanel(Panel):
    """An ipylab Panel without a layout model. With one, ipywidgets' layout view clears the
    inline size and position Lumino gives the tab's content, once, after Lumino set them, and
    the tab stays blank until its size changes (ipylab issue #129, seen with JupyterLab 4.6)."""

    layout = Instance(Layout, allow_none=True).tag(sync=True, **widget_serialization)

    def __init__(self, children):
        super().__init__(children, layout=None)


class Studio:
    """``Studio(stack).open()``: the editor in a JupyterLab tab; ``editor`` is its StackEditor."""

    def __init__(self, stack, *, title: str | None = None, git: bool = True):
        self.stack = stack
        # the canvas fills the tab's height less the toolbar above and the actions below it
        self.editor = StackEditor(stack, height="calc(100vh - 260px)", git=git, side="right")
        # the panel's size is Lumino's to set (a layout on it breaks that): scroll inside it
        body = VBox([self.editor], layout=Layout(height="100%", overflow="auto", padding="8px"))
        self.panel = StudioPanel([body])
        self.panel.title.label = title or f"Studio: {stack.name}"
        self.panel.title.closable = True
        self.panel.add_class(STUDIO_CLASS)

    def open(self) -> "Studio":
        """Add the tab to JupyterLab's main area and show it."""
        frontend().shell.add(self.panel, "main", {"mode": "tab-after", "activate": True})
        return self

    def close(self) -> None:
        """Close the tab and the editor in it."""
        self.editor.close()
        self.panel.close()

    def __repr__(self) -> str:
        return f"<Studio of {self.stack!r}>"

"""The studio: a stack editor in its own JupyterLab main-area tab, full size, through ipylab.

``editor.open()`` moves the inline editor into the tab (its canvas, selection and undo come
along; inline, a note with a button to bring it back) instead of building a second editor:
a second editor of a 500-node stack is some 1,300 new widgets, seconds before the tab shows.
``Studio(stack)`` on its own builds an editor for the tab.
"""
from __future__ import annotations

from ipylab import JupyterFrontEnd, Panel
from ipywidgets import Layout, VBox, widget_serialization
from traitlets import Instance

from stackerynb.widgets.editor import EDITOR_CLASS, StackEditor

STUDIO_CLASS = "stackerynb-studio"
# the canvas fills the tab's height less the toolbar above and the actions below it
STUDIO_HEIGHT = "calc(100vh - 260px)"
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
    """``Studio(stack).open()``: an editor in a JupyterLab tab; ``editor`` is its StackEditor.

    With ``editor`` given (what ``StackEditor.open`` does), that editor moves into the tab and
    ``close()`` gives it back to where it was shown."""

    def __init__(self, stack, *, title: str | None = None, git: bool = True,
                 editor: StackEditor | None = None):
        self.stack = stack
        self._borrowed = editor is not None
        # the panel's size is Lumino's to set (a layout on it breaks that): scroll inside it
        self.body = VBox([], layout=Layout(height="100%", overflow="auto", padding="8px"))
        if editor is None:
            editor = StackEditor(stack, height=STUDIO_HEIGHT, git=git, side="right")
            self.body.children = [editor]
        else:
            self.body.children = editor._move_out(STUDIO_HEIGHT)
            self.body.add_class(EDITOR_CLASS)
        self.editor = editor
        self.panel = StudioPanel([self.body])
        self.panel.title.label = title or f"Studio: {stack.name}"
        self.panel.title.closable = True
        self.panel.add_class(STUDIO_CLASS)
        self.closed = False

    def open(self) -> "Studio":
        """Add the tab to JupyterLab's main area and show it."""
        frontend().shell.add(self.panel, "main", {"mode": "tab-after", "activate": True})
        return self

    def close(self) -> None:
        """Close the tab; a moved editor goes back to where it was shown, one built for the
        tab is closed."""
        if self.closed:
            return
        self.closed = True
        self.body.children = []
        if self._borrowed:
            self.editor._move_back()
        else:
            self.editor.close()
        self.body.close()
        self.panel.close()

    def __repr__(self) -> str:
        return f"<Studio of {self.stack!r}>"

"""The message area: what the canvas says after a gesture (why a wire was refused, what a
click did). Gestures never print tracebacks; their outcome shows here."""
from __future__ import annotations

import html

from ipywidgets import HTML, Layout

from stackerynb.widgets.gestures import Gestures, Message

MESSAGE_CLASS = "stackerynb-message"
COLOURS = {"error": "#d13212", "info": "var(--jp-ui-font-color1, #16191f)"}  # info follows the theme


class MessageArea(HTML):
    """One line (or a few) of feedback; errors in red."""

    def __init__(self, gestures: Gestures, **kwargs):
        # A fixed height: were the canvas below to shift, cytoscape (which caches where its
        # container is) would map clicks to the wrong place until the page scrolled.
        super().__init__(layout=Layout(height="48px", overflow="hidden auto", flex="1 1 auto",
                                       margin="0 0 0 8px"), **kwargs)
        self.add_class(MESSAGE_CLASS)
        self.message: Message | None = None
        gestures.message.connect(self.show)

    def show(self, message: Message) -> None:
        """Display ``message``."""
        self.message = message
        colour = COLOURS.get(message.level, COLOURS["info"])
        lines = "<br>".join(html.escape(line) for line in message.text.splitlines())
        self.value = (f'<div class="{MESSAGE_CLASS}-{message.level}" '
                      f'style="color:{colour};white-space:normal;line-height:1.3">{lines}</div>')

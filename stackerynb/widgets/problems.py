"""The problems list: every problem ``stack.problems()`` reports, kept live as the stack
changes (the canvas marks the offending nodes with a red or amber border)."""
from __future__ import annotations

import html

from ipywidgets import HTML, Layout

from stackerynb.errors import Problem
from stackerynb.widgets.sync import GraphSync

PROBLEMS_CLASS = "stackerynb-problems"


class ProblemsList(HTML):
    """An HTML list of problems, one line each: where, then what."""

    def __init__(self, sync: GraphSync, **kwargs):
        super().__init__(layout=Layout(max_height="180px", overflow="hidden auto"), **kwargs)
        self.add_class(PROBLEMS_CLASS)
        self.problems: list[Problem] = []
        sync.problems.connect(self.show)
        self.show(sync.current_problems)

    def show(self, problems: list[Problem]) -> None:
        """Display ``problems``."""
        self.problems = list(problems)
        if not problems:
            self.value = '<div class="stackerynb-no-problems">No problems.</div>'
            return
        rows = "".join(
            f'<li class="stackerynb-problem stackerynb-problem-{html.escape(p.severity)}" '
            f'data-node="{html.escape(p.node or "")}">'
            f'<b>{html.escape(p.where)}</b>: {html.escape(p.message)}</li>'
            for p in problems)
        self.value = (f"<div><b>{len(problems)} problem{'s' if len(problems) != 1 else ''}</b>"
                      f'<ul style="margin:2px 0">{rows}</ul></div>')

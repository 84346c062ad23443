"""Live deployment progress in a notebook: one phase line, a progress bar, the result, and the
resource events collapsed under it (details on demand).

``WidgetProgress`` is the notebook's :class:`~stackerynb.deploy.progress.ProgressReporter`:
the deploy engine calls it (possibly from the thread following CloudFormation) and it only
assigns new values to widget traits, which ipywidgets sends to the browser at once. The bar
shows only while a change set executes; the phase line is cleared when the work ends, so no
"creating change set..." stays beside an empty bar.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from stackerynb.deploy.progress import DeployEvent, ProgressReporter

STATUS_COLOURS = {"FAILED": "#d13212", "COMPLETE": "#037f0c", "IN_PROGRESS": "#0972d3", "NOT_CREATED": "#8d6605"}
MAX_ROWS = 200  # the table keeps the newest events; the Deployment keeps all of them


def _colour(status: str) -> str:
    for key, colour in STATUS_COLOURS.items():
        if key in status:
            return colour
    return "#16191f"


class WidgetProgress(widgets.VBox, ProgressReporter):
    """Phase line, progress bar (one step per changed resource), result, events (collapsed)."""

    def __init__(self, **kwargs):
        self.phase_label = widgets.HTML(value="")
        self.bar = widgets.IntProgress(value=0, min=0, max=1, description="", bar_style="info",
                                       layout=widgets.Layout(width="100%"))
        self.counter = widgets.HTML(value="")
        self.bar_row = widgets.HBox([self.bar, self.counter], layout=widgets.Layout(display="none"))
        self.result = widgets.HTML(value="")
        self.table = widgets.HTML(value="")
        self.details = widgets.Accordion(children=[self.table], layout=widgets.Layout(display="none"))
        self.details.selected_index = None  # collapsed
        self.events: list[DeployEvent] = []
        self._done: set[str] = set()
        super().__init__([self.phase_label, self.bar_row, self.result, self.details], **kwargs)
        self.add_class("stackerynb-deploy-progress")

    def clear(self) -> None:
        """Remove the phase line (the work it named is over)."""
        self.phase_label.value = ""

    # ProgressReporter --------------------------------------------------------
    def phase(self, name: str) -> None:
        self.phase_label.value = f"<i>{html.escape(name)}...</i>"

    def message(self, text: str, level: str = "info") -> None:
        style = "color:#8d6605;font-weight:600" if level == "warning" else ""
        prefix = "warning: " if level == "warning" else ""
        self.phase_label.value = f"<span style='{style}'>{html.escape(prefix + text)}</span>"

    def start(self, total: int, title: str) -> None:
        self._done = set()
        self.events = []
        self.bar.max = max(total, 1)
        self.bar.value = 0
        self.bar.bar_style = "info"
        self.bar.description = ""
        self.counter.value = f"0/{total}"
        self.bar_row.layout.display = "flex"
        self.phase_label.value = f"<b>{html.escape(title)}</b>"
        self.table.value = ""
        self.details.layout.display = "none"

    def event(self, event: DeployEvent) -> None:
        self.events.append(event)
        if event.done and event.type != "AWS::CloudFormation::Stack" and event.logical_id not in self._done:
            self._done.add(event.logical_id)
            self.bar.value = min(self.bar.max, len(self._done))
            self.counter.value = f"{self.bar.value}/{self.bar.max}"
        if event.failed:
            self.bar.bar_style = "danger"
            self.result.value = (f"<span style='color:{_colour(event.status)}'>{html.escape(event.logical_id)} "
                                 f"{html.escape(event.status)}: {html.escape(event.reason or '')}</span>")

    def finish(self, deployment) -> None:
        if deployment.status == "succeeded":
            self.bar.value = self.bar.max
            self.bar.bar_style = "success"
            self.counter.value = f"{self.bar.max}/{self.bar.max}"
        elif deployment.status in ("failed", "interrupted"):
            self.bar.bar_style = "danger"
        self.clear()
        lines = deployment.summary().splitlines()
        self.result.value = "<br>".join(html.escape(line) for line in lines if not line.endswith("(deployment.events)"))
        if self.events:
            self.table.value = self.render_table(self.events)
            failed = sum(e.failed for e in self.events)
            self.details.set_title(0, f"{len(self.events)} resource events" + (f", {failed} failed" if failed else ""))
            self.details.layout.display = "flex"

    # drawing ------------------------------------------------------------------
    @staticmethod
    def render_table(events: list[DeployEvent]) -> str:
        """The newest events as an HTML table (time, resource, type, status, reason)."""
        rows = []
        for e in events[-MAX_ROWS:]:
            rows.append(
                "<tr>"
                f"<td>{e.time:%H:%M:%S}</td><td>{html.escape(e.logical_id)}</td><td>{html.escape(e.type)}</td>"
                f"<td style='color:{_colour(e.status)}'>{html.escape(e.status)}</td>"
                f"<td>{html.escape(e.reason or '')}</td></tr>")
        return ("<table class='stackerynb-events'><thead><tr><th>time</th><th>resource</th><th>type</th>"
                "<th>status</th><th>reason</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

"""The studio's Deployments tab: per environment, the current and past deployments of the stack
(commit, branch, time, status, outputs with clickable URLs), and, for the one selected, its
design drawn read-only (as Stackery did) and what happened, summed up in a line with the change
set, the failure and the resource events on demand.

    tab = DeploymentsTab(stack)       # in the studio's side area; lists on first refresh()
    tab.refresh()                     # read the history again (the Refresh button)
    tab.select("20260101T120000Z")    # show one deployment (what picking it in the list does)

The history comes from the deploy layer (``deploy.state.history_records``: the records kept in
the environment's artifacts bucket, settled from CloudFormation); the design of a deployment is
the stack file its record keeps (the current one's also sits in the deployed template's
Metadata). Reading the history talks to the environment's cloud, so the tab reads it when asked
(Refresh, or the studio showing the tab), never on its own while the design is edited.
"""
from __future__ import annotations

import html
import logging
import re

from ipywidgets import Accordion, Button, Dropdown, HBox, HTML, Layout, Select, VBox

from stackerynb.errors import StackError
from stackerynb.widgets.gestures import Gestures

log = logging.getLogger(__name__)

TAB_CLASS = "stackerynb-deployments"
DEPLOYED_CANVAS_CLASS = "stackerynb-deployed-canvas"
STATUS_COLOURS = {"succeeded": "#037f0c", "failed": "#d13212", "in progress": "#0972d3",
                  "interrupted": "#8d6605", "expired": "#8d6605", "cancelled": "#5f6b7a"}
URL = re.compile(r"https?://[^\s<>\"']+")
ERROR_STYLE = "color:#d13212;white-space:pre-wrap"


def link_urls(text: str) -> str:
    """``text`` as HTML with every http(s) URL a link that opens in a new tab."""
    out, last = [], 0
    for match in URL.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def row_label(record: dict, current_id: str | None) -> str:
    """One line of the list: id, status, commit and branch, time."""
    sha = (record.get("git_sha") or "none")[:8]
    branch = record.get("branch") or ""
    mark = "● " if record.get("id") == current_id else "  "
    kind = " destroy" if record.get("kind") == "destroy" else ""
    return (f"{mark}{record.get('started') or record.get('id')}  {record.get('status')}{kind}  "
            f"{sha}{' on ' + branch if branch else ''}{' (dirty)' if record.get('dirty') else ''}")


class ViewOnlyGestures(Gestures):
    """Gestures for a canvas that shows a design without changing it: clicks select, nothing
    edits (drags, connecting, the palette and keys are refused with a word why)."""

    def attempt(self, action) -> bool:
        self.say("This is a deployed design, shown read-only: edit the design on the main canvas.", "error")
        return False

    def grab(self, event: dict) -> None:
        return None

    def release(self, event: dict) -> None:
        return None

    def set_connect_mode(self, on: bool) -> None:
        return None

    def tap(self, event: dict) -> None:
        data = event.get("data") if isinstance(event, dict) else None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            self.sync.select(data["id"])


def read_only_canvas(stack, height: str = "340px"):
    """A canvas drawing ``stack`` that ignores editing gestures (nodes cannot be dragged)."""
    from stackerynb.widgets.canvas import CANVAS_CLASS, StackCanvas
    from stackerynb.widgets.sync import GraphSync
    sync = GraphSync(stack)
    canvas = StackCanvas(sync, ViewOnlyGestures(sync), height=height)
    canvas.widget.remove_class(CANVAS_CLASS)  # the studio's own canvas stays the one tests and tools find
    canvas.widget.add_class(DEPLOYED_CANVAS_CLASS)
    for node in canvas.widget.graph.nodes:
        node.grabbable = False
    return canvas


class DeploymentsTab(VBox):
    """Deployments of ``stack`` per environment; ``environments`` is a list of names or a
    callable giving them (default: those that exist beside the stack)."""

    def __init__(self, stack, environments=None, **kwargs):
        from stackerynb.widgets.environment_list import environment_choices
        self.stack = stack
        self._environments = environments or (lambda: environment_choices(stack))
        self.records: list[dict] = []  # newest first
        self.current_id: str | None = None
        self.outputs_now: dict = {}
        self.selected: str | None = None
        self.design = None  # the Stack of the selected deployment
        self.canvas = None
        self.loaded = False
        self._known: dict[str, object] = {}  # Deployments run in this session (their events)
        self._quiet = False
        names = self._names()
        self.environment = Dropdown(options=names, value=names[0] if names else None, description="Environment",
                                    style={"description_width": "initial"}, layout=Layout(width="220px"))
        self.environment.add_class("stackerynb-deployments-environment")
        self.environment.observe(lambda _c: None if self._quiet else self.refresh(), "value")
        self.refresh_button = Button(description="Refresh", icon="refresh", layout=Layout(width="auto"),
                                     tooltip="Read the deployment history of this environment again")
        self.refresh_button.add_class("stackerynb-deployments-refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.status = HTML()
        self.status.add_class("stackerynb-deployments-status")
        self.list = Select(options=[], rows=6, layout=Layout(width="100%"))
        self.list.add_class("stackerynb-deployments-list")
        self.list.observe(self._picked, "value")
        self.summary = HTML()
        self.summary.add_class("stackerynb-deployment-summary")
        self.outputs = HTML()
        self.outputs.add_class("stackerynb-deployment-outputs")
        self.details = Accordion(children=[HTML()], layout=Layout(display="none"))
        self.details.selected_index = None  # collapsed: the summary line says enough at first
        self.details.add_class("stackerynb-deployment-details")
        self.design_box = VBox()
        self.design_box.add_class("stackerynb-deployment-design")
        self.status.value = ("<i>Refresh to read the deployments of "
                             f"{html.escape(self.environment.value or 'this stack')}.</i>")
        bar = HBox([self.environment, self.refresh_button], layout=Layout(align_items="center"))
        super().__init__([bar, self.status, self.list, self.summary, self.outputs, self.details,
                          self.design_box], **kwargs)
        self.add_class(TAB_CLASS)

    def _names(self) -> list[str]:
        env = self._environments
        return list(env() if callable(env) else env)

    def remember(self, deployment) -> None:
        """Keep a Deployment run in this session, so its resource events can be shown."""
        if deployment is not None:
            self._known[deployment.id] = deployment

    # ------------------------------------------------------------ reading
    def refresh(self) -> bool:
        """Read the environment's deployments again (and the environment list); False when
        that failed (the reason is shown)."""
        names = self._names()
        if list(self.environment.options) != names:
            keep = self.environment.value if self.environment.value in names else (names[0] if names else None)
            self._quiet = True
            try:
                self.environment.options = names
                self.environment.value = keep
            finally:
                self._quiet = False
        env = self.environment.value
        if env is None:
            self.status.value = "<i>No environment is defined beside the stack.</i>"
            return False
        self.status.value = f"<i>reading the deployments of {html.escape(self.stack.name)} in {html.escape(env)}...</i>"
        try:
            from stackerynb.deploy.state import history_records
            found = history_records(self.stack, self.stack.environment(env))
        except StackError as exc:
            self._clear(f'<div class="stackerynb-error" style="{ERROR_STYLE}">{html.escape(str(exc))}</div>')
            return False
        except Exception as exc:  # the cloud, credentials, a bug of ours: said, not a traceback
            log.exception("reading the deployment history failed")
            self._clear(f'<div class="stackerynb-error" style="{ERROR_STYLE}">could not read the deployments: '
                        f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</div>")
            return False
        self.loaded = True
        self.records = list(reversed(found.records))
        self.current_id = found.current_id
        self.outputs_now = found.outputs
        count = len(self.records)
        current = f"; current: {self.current_id}" if self.current_id else "; nothing deployed now"
        self.status.value = (f'<div style="font-size:smaller">{count} deployment{"s" if count != 1 else ""} '
                             f"of {html.escape(self.stack.name)} in {html.escape(env)}{html.escape(current)}</div>")
        keep = self.selected if any(r["id"] == self.selected for r in self.records) else None
        self._quiet = True
        try:
            self.list.options = [(row_label(r, self.current_id), r["id"]) for r in self.records]
            self.list.value = keep
        finally:
            self._quiet = False
        chosen = keep or self.current_id or (self.records[0]["id"] if self.records else None)
        if chosen is not None:
            self.select(chosen)
        else:
            self._show_none()
        return True

    def _clear(self, message: str) -> None:
        self.records, self.current_id, self.outputs_now = [], None, {}
        self._quiet = True
        try:
            self.list.options = []
        finally:
            self._quiet = False
        self.status.value = message
        self._show_none()

    def _show_none(self) -> None:
        self.selected = None
        self.summary.value = ""
        self.outputs.value = ""
        self.details.layout.display = "none"
        self._drop_canvas()

    def record(self, deployment_id: str) -> dict | None:
        """The record of ``deployment_id`` as last read, or None."""
        return next((r for r in self.records if r["id"] == deployment_id), None)

    # ------------------------------------------------------------ one deployment
    def _picked(self, change) -> None:
        if not self._quiet and change["new"]:
            self.select(change["new"])

    def select(self, deployment_id: str) -> None:
        """Show ``deployment_id``: summary, outputs, details on demand, its design read-only."""
        record = self.record(deployment_id)
        if record is None:
            raise StackError(f"no deployment {deployment_id!r} in the list of {self.environment.value}")
        self.selected = deployment_id
        if self.list.value != deployment_id:
            self._quiet = True
            try:
                self.list.value = deployment_id
            finally:
                self._quiet = False
        self.summary.value = self._summary_html(record)
        self.outputs.value = self._outputs_html(record)
        self._details(record)
        self._draw_design(record)

    def _summary_html(self, record: dict) -> str:
        status = record.get("status") or "?"
        colour = STATUS_COLOURS.get(status, "inherit")
        current = " (current)" if record["id"] == self.current_id else ""
        sha = record.get("git_sha") or "none"
        origin = "not from a git commit" if sha == "none" else f"commit {sha[:12]}"
        if record.get("branch"):
            origin += f" on {record['branch']}"
        if record.get("dirty"):
            origin += " with uncommitted edits"
        counts = f"+{record.get('created', 0)} ~{record.get('changed', 0)} -{record.get('deleted', 0)}"
        duration = record.get("duration_s")
        took = f" in {duration:.1f} s" if isinstance(duration, (int, float)) else ""
        lines = [f'<b>{html.escape(record["id"])}</b>{html.escape(current)}: '
                 f'<span class="stackerynb-deployment-status" style="color:{colour};font-weight:600">'
                 f"{html.escape(status)}</span>{html.escape(took)}, {html.escape(counts)}",
                 html.escape(f"{origin}, by {record.get('user') or '?'} at {record.get('started') or '?'}")]
        failure = record.get("failure") or {}
        if failure:
            lines.append(f'<span style="color:#d13212">failed resource {html.escape(failure.get("logical_id") or "?")}: '
                         f"{html.escape(failure.get('reason') or '')}</span>")
        elif record.get("reason"):
            lines.append(html.escape(record["reason"]))
        return "<br>".join(lines)

    def _outputs_html(self, record: dict) -> str:
        outputs = record.get("outputs") or (self.outputs_now if record["id"] == self.current_id else {})
        if not outputs:
            return '<div style="font-size:smaller"><i>no outputs reported</i></div>'
        rows = "".join(f"<tr><td style='padding-right:8px'>{html.escape(k)}</td><td>{link_urls(str(v))}</td></tr>"
                       for k, v in outputs.items())
        return f"<b>Outputs</b><table class='stackerynb-outputs'>{rows}</table>"

    def _details(self, record: dict) -> None:
        from stackerynb.tables import table_html
        from stackerynb.widgets.deploy_progress import WidgetProgress
        parts, titles = [], []
        changes = record.get("changes") or []
        if changes:
            import pandas as pd
            from stackerynb.deploy.changeset import CHANGE_COLUMNS
            parts.append(HTML(table_html(pd.DataFrame(changes, columns=CHANGE_COLUMNS), index=False, border=0,
                                         classes="stackerynb-changes")))
            titles.append(f"change set: {len(changes)} resources")
        known = self._known.get(record["id"])
        events = list(getattr(known, "event_log", []) or [])
        if events:
            failed = sum(e.failed for e in events)
            parts.append(HTML(WidgetProgress.render_table(events)))
            titles.append(f"{len(events)} resource events" + (f", {failed} failed" if failed else ""))
        not_created = record.get("not_created") or []
        if not_created:
            names = "".join(f"<li>{html.escape(str(lid))} ({html.escape(str(kind))})</li>"
                            for lid, kind, *_ in not_created)
            parts.append(HTML(f"<ul>{names}</ul>"))
            titles.append(f"{len(not_created)} not really created by the local emulator")
        if not parts:
            self.details.layout.display = "none"
            return
        self.details.children = parts
        for i, title in enumerate(titles):
            self.details.set_title(i, title)
        self.details.selected_index = None
        self.details.layout.display = "flex"

    # ------------------------------------------------------------ the design, read-only
    def design_of(self, record: dict):
        """The Stack a deployment deployed (from its record, or the deployed template)."""
        from stackerynb.model.fileformat import parse_stack
        text = record.get("stack_file")
        if text:
            return parse_stack(text, filename=f"<deployment {record['id']}>")
        if record["id"] == self.current_id:
            return self.stack.deployed(self.environment.value)
        raise StackError(f"deployment {record['id']} keeps no stack file: its design cannot be drawn")

    def _draw_design(self, record: dict) -> None:
        self._drop_canvas()
        try:
            self.design = self.design_of(record)
        except StackError as exc:
            self.design = None
            self.design_box.children = [HTML(f'<div style="{ERROR_STYLE}">{html.escape(str(exc))}</div>')]
            return
        self.canvas = read_only_canvas(self.design)
        caption = HTML(f'<div style="font-size:smaller"><b>Design as deployed</b> in {html.escape(record["id"])} '
                       f"({len(self.design.nodes)} nodes, {len(self.design.wires)} wires), read-only</div>")
        self.design_box.children = [caption, self.canvas.widget]

    def _drop_canvas(self) -> None:
        if self.canvas is not None:
            self.canvas.sync.close()
            self.canvas.close()
            self.canvas = None
        self.design_box.children = []

    def close(self) -> None:
        """Close the tab and the read-only canvas."""
        self._drop_canvas()
        super().close()

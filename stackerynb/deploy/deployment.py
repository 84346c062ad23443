"""Deployment: one prepared, running or finished deployment (or teardown) of a stack.

What ``stack.deploy(env)`` and ``stack.prepare(env)`` return. ``.status`` is one of
``prepared``, ``no changes``, ``in progress``, ``interrupted``, ``succeeded``, ``failed``,
``cancelled``, ``expired``, ``destroyed`` or ``not deployed``; ``.changes`` is the change set
as a DataFrame (action, logical_id, type, replacement, note). A prepared deployment runs with
``.execute()`` or is dropped with ``.cancel()``.

Nothing here holds a secret value: the record (what is shown and stored) has parameter names
only; the values live on the private plan, which never prints them.
"""
from __future__ import annotations

import html
import threading
from datetime import datetime
from typing import Any

from stackerynb.deploy import history
from stackerynb.deploy.changeset import CHANGE_COLUMNS
from stackerynb.errors import StackError
from stackerynb.tables import table_html


class Deployment:
    """A deployment of one stack to one environment; see the module docstring."""

    def __init__(self, record: dict, plan: Any = None, message: str | None = None):
        self.record = record
        self._plan = plan  # engine state needed to execute (never shown)
        self.message = message
        self.event_log: list = []  # DeployEvents as they came (``events`` is the table)
        self.phases: dict[str, float] = dict(record.get("phases", {}))
        self.outputs: dict[str, str] = {}
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._shown_in: int | None = None  # notebook cell that already shows this deployment's panel
        self._panel = None

    # ------------------------------------------------------------ reading
    id = property(lambda self: self.record["id"], doc="The deployment id (a UTC timestamp).")
    kind = property(lambda self: self.record.get("kind", "deploy"), doc="deploy or destroy.")
    status = property(lambda self: self.record.get("status"), doc="Where the deployment stands.")
    stack_name = property(lambda self: self.record.get("cf_stack"), doc="The CloudFormation stack name.")
    environment = property(lambda self: self.record.get("environment"), doc="The environment name.")
    git_sha = property(lambda self: self.record.get("git_sha") or "none", doc="Commit deployed ('none' outside git).")
    branch = property(lambda self: self.record.get("branch"), doc="Branch deployed from.")
    dirty = property(lambda self: bool(self.record.get("dirty")), doc="True when uncommitted edits were deployed.")
    created = property(lambda self: self.record.get("created", 0))
    changed = property(lambda self: self.record.get("changed", 0))
    deleted = property(lambda self: self.record.get("deleted", 0))
    duration = property(lambda self: self.record.get("duration_s"), doc="Seconds from execution to the end.")
    reason = property(lambda self: self.record.get("reason"), doc="Why it failed or what to know, if anything.")

    @property
    def panel(self):
        """The notebook panel showing this deployment (Confirm/Cancel, progress), or None."""
        return self._panel

    @property
    def started(self) -> datetime | None:
        value = self.record.get("started")
        return datetime.fromisoformat(value) if value else None

    @property
    def failure(self) -> dict | None:
        """``{"logical_id", "type", "reason"}`` of the resource that failed, or None."""
        return self.record.get("failure")

    @property
    def not_created(self) -> list[tuple[str, str, str]]:
        """Resources the local emulator accepted without creating: (logical id, type, meaning)."""
        return [tuple(x) for x in self.record.get("not_created", [])]

    @property
    def changes(self):
        """The change set as a DataFrame: action, logical_id, type, replacement, note."""
        import pandas as pd
        return pd.DataFrame(self.record.get("changes", []), columns=CHANGE_COLUMNS)

    @property
    def events(self):
        """The resource events seen while executing, as a DataFrame (time, logical_id, type,
        status, reason, source): the details behind the summary's one line."""
        import pandas as pd
        return pd.DataFrame([{"time": e.time, "logical_id": e.logical_id, "type": e.type, "status": e.status,
                              "reason": e.reason, "source": e.source} for e in self.event_log],
                            columns=["time", "logical_id", "type", "status", "reason", "source"])

    event_table = events  # the name before 0.x

    # ------------------------------------------------------------ acting
    def execute(self, reporter=None, quiet: bool = False, background: bool = False, on_done=None) -> "Deployment":
        """Run the prepared change set (or teardown) and follow it; returns self.

        ``background=True`` returns at once and runs in a thread (the notebook's Confirm button
        does this so the widgets stay live); ``wait()`` joins it and ``on_done(deployment)`` is
        called at the end, also after an error (kept in ``.error``)."""
        from stackerynb.deploy import engine
        if self.status != history.PREPARED or self._plan is None:
            raise StackError(f"deployment {self.id} of {self.stack_name} is {self.status}: only a deployment "
                             "prepared in this session can be executed")
        if self._panel is not None:  # shown in a notebook: its panel follows, whoever starts it
            self._panel.lock()
            reporter = reporter or self._panel.progress
        if not background:
            return engine.execute(self, reporter=reporter, quiet=quiet)
        if self._thread is not None and self._thread.is_alive():
            raise StackError(f"deployment {self.id} is already executing")

        def run():
            try:
                engine.execute(self, reporter=reporter, quiet=quiet)
            except BaseException as exc:  # noqa: BLE001 - kept for wait() and shown by the panel
                self.error = exc
            if on_done is not None:
                on_done(self)
        self._thread = threading.Thread(target=run, name=f"stackerynb-deploy-{self.id}", daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> "Deployment":
        """Block until a background execution ends; re-raises its error, if any."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise StackError(f"deployment {self.id} is still running after {timeout} s")
        if isinstance(self.error, Exception):
            raise self.error
        return self

    def cancel(self) -> "Deployment":
        """Drop a prepared deployment: its change set is deleted and nothing changes."""
        from stackerynb.deploy import engine
        if self.status != history.PREPARED:
            raise StackError(f"deployment {self.id} is {self.status}; only a prepared one can be cancelled")
        return engine.cancel(self)

    # ------------------------------------------------------------ showing
    def summary(self) -> str:
        """One paragraph: what happened, where, how long, and what to know."""
        rec = self.record
        where = f"{rec.get('cf_stack')} in {rec.get('environment')} ({rec.get('where', rec.get('target'))})"
        status = self.status
        if self.kind == "destroy" or status == history.FAILED:
            head = f"{where}: {status}"
        elif status in (history.SUCCEEDED, history.INTERRUPTED, history.IN_PROGRESS):
            head = (f"{where}: {status}: created {self.created}, changed {self.changed}, "
                    f"deleted {self.deleted}")
        elif status == history.PREPARED:
            head = (f"{where}: prepared change set {rec.get('change_set')} "
                    f"({self.created} to create, {self.changed} to change, {self.deleted} to delete)")
        else:
            head = f"{where}: {status}"
        if self.duration is not None and status not in (history.PREPARED, history.NO_CHANGES):
            head += f" in {self.duration:.2f} s" if self.duration < 10 else f" in {self.duration:.0f} s"
        lines = [head]
        if self.failure:
            f = self.failure
            lines.append(f"failed resource: {f.get('logical_id') or 'unknown'}"
                         f"{' (' + f['type'] + ')' if f.get('type') else ''}: {f.get('reason')}")
        if self.reason and (not self.failure or self.reason != self.failure.get("reason")):
            lines.append(self.reason)
        if self.not_created and status not in (history.NO_CHANGES,):
            names = ", ".join(f"{lid} ({kind})" for lid, kind, _ in self.not_created)
            lines.append(f"not really created by the local emulator: {names}")
        if self.message:
            lines.append(self.message)
        if self.event_log:
            failed = sum(e.failed for e in self.event_log)
            lines.append(f"{len(self.event_log)} resource events{f', {failed} failed' if failed else ''} "
                         "(deployment.events)")
        return "\n".join(lines)

    def preview(self) -> str:
        """The summary and the change set, as the terminal shows them before asking."""
        text = self.summary()
        if self.record.get("changes"):
            text += "\n" + text_table(self.record["changes"], CHANGE_COLUMNS)
        return text

    def __repr__(self) -> str:
        verb = "Teardown" if self.kind == "destroy" else "Deployment"
        return f"{verb} {self.id}: {self.summary()}"

    def _repr_html_(self) -> str:
        lines = self.summary().splitlines()
        head = f"<b>{html.escape(lines[0])}</b>"
        body = "".join(f"<br>{html.escape(line)}" for line in lines[1:])
        details = ""
        if self.record.get("changes"):
            details += (f"<details><summary>change set: {len(self.record['changes'])} resources</summary>"
                        f"{_html_table(self.changes)}</details>")
        if self.event_log:
            details += (f"<details><summary>events: {len(self.event_log)}</summary>"
                        f"{_html_table(self.events)}</details>")
        return f"<div class='stackerynb-deployment'>{head}{body}{details}</div>"

    def _ipython_display_(self) -> None:
        from IPython import get_ipython
        from IPython.display import display
        ip = get_ipython()
        if self._shown_in is not None and ip is not None and self._shown_in == getattr(ip, "execution_count", None):
            return  # a panel or progress display in this cell's output already shows it
        if self._panel is not None:
            display(self._panel)
        else:
            display({"text/html": self._repr_html_(), "text/plain": repr(self)}, raw=True)


def text_table(rows: list[dict], columns: list[str]) -> str:
    """``rows`` as pandas' ``DataFrame.to_string(index=False)`` lays them out (every column
    right-aligned, one space apart), without loading pandas for a terminal's change set."""
    cells = [[str(row.get(column, "")) for column in columns] for row in rows]
    widths = [max([len(column)] + [len(line[i]) for line in cells]) for i, column in enumerate(columns)]
    return "\n".join(" ".join(value.rjust(width) for value, width in zip(line, widths))
                     for line in [list(columns)] + cells)


def _html_table(frame) -> str:
    """A DataFrame as HTML with ``$`` kept literal (a notebook would typeset ``$...$`` as maths;
    an entity such as ``&#36;`` does not stop MathJax, which reads the decoded text)."""
    return table_html(frame, index=False, border=0)

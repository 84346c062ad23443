"""Live progress of a deployment: the ProgressReporter interface and its terminal drawing.

The engine calls a reporter at each phase, for each resource event and at the end; reporters
only draw. ``TqdmReporter`` draws in a terminal; the notebook one (ipywidgets) lives in
``stackerynb.widgets.deploy_progress`` and is passed in by ``Stack.deploy`` in a kernel, so this
layer never imports ipywidgets itself.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stackerynb.deploy.deployment import Deployment

DONE_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "DELETE_SKIPPED", "IMPORT_COMPLETE",
                 "CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED", "NOT_CREATED")


@dataclass(frozen=True)
class DeployEvent:
    """One thing that happened to one resource (or to the stack) during a deployment.

    ``source`` says who reported it: ``cloudformation`` (a stack event) or ``emulator`` (the
    local emulator records no resource events; these come from the executed change set)."""

    time: datetime
    logical_id: str
    type: str
    status: str
    reason: str = ""
    source: str = "cloudformation"

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    @property
    def done(self) -> bool:
        return self.status in DONE_STATUSES


class ProgressReporter:
    """Receives a deployment's progress. Subclasses override what they draw; the base draws nothing."""

    def phase(self, name: str) -> None:
        """A phase starts: packaging, compiling, creating the change set, executing, ..."""

    def message(self, text: str, level: str = "info") -> None:
        """A sentence for the user (``level`` is info or warning)."""

    def start(self, total: int, title: str) -> None:
        """Execution starts; ``total`` resources will change."""

    def event(self, event: DeployEvent) -> None:
        """A resource (or the stack) changed status."""

    def finish(self, deployment: "Deployment") -> None:
        """The deployment ended (in any way)."""


class NullReporter(ProgressReporter):
    """Draws nothing (``quiet=True``)."""


class TqdmReporter(ProgressReporter):
    """A tqdm bar (one step per resource) with failures and warnings printed above it."""

    def __init__(self, file=None, summary: bool = True):
        self.file = file if file is not None else sys.stderr
        self.summary = summary  # print the result at the end (the CLI prints it on stdout itself)
        self.bar = None
        self.seen: set[str] = set()

    def _write(self, text: str) -> None:
        from tqdm import tqdm
        tqdm.write(text, file=self.file)

    def phase(self, name: str) -> None:
        self._write(f"- {name}")

    def message(self, text: str, level: str = "info") -> None:
        self._write(f"warning: {text}" if level == "warning" else text)

    def start(self, total: int, title: str) -> None:
        from tqdm import tqdm
        self.seen = set()
        self.bar = tqdm(total=max(total, 1), desc=title, unit="res", file=self.file, leave=True,
                        bar_format="{desc}: {percentage:3.0f}%|{bar:24}| {n_fmt}/{total_fmt} {postfix}")

    def event(self, event: DeployEvent) -> None:
        if event.failed:
            self._write(f"  FAILED {event.logical_id} ({event.type}): {event.reason}")
        if self.bar is not None and event.done and event.logical_id not in self.seen and event.type != "AWS::CloudFormation::Stack":
            self.seen.add(event.logical_id)
            if self.bar.n < self.bar.total:
                self.bar.update(1)
            self.bar.set_postfix_str(f"{event.logical_id} {event.status}", refresh=True)

    def finish(self, deployment: "Deployment") -> None:
        if self.bar is not None:
            if deployment.status == "succeeded" and self.bar.n < self.bar.total:
                self.bar.update(self.bar.total - self.bar.n)
            self.bar.close()
            self.bar = None
        if self.summary:
            self._write(deployment.summary())


def in_notebook() -> bool:
    """True inside a running Jupyter kernel (where widgets can be shown)."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:  # noqa: BLE001
        return False
    return ip is not None and getattr(ip, "kernel", None) is not None


def default_reporter(quiet: bool = False) -> ProgressReporter:
    """A tqdm bar, or nothing when ``quiet`` (notebooks pass their own widget reporter). It does
    not print the result: the returned Deployment is the one summary."""
    return NullReporter() if quiet else TqdmReporter(summary=False)

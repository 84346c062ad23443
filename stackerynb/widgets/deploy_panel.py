"""The editor's deploy panel: Deploy prepares a change set for the chosen environment and shows
it with Confirm and Cancel; confirming executes it with live progress in the same panel.

The panel itself is the notebook's ``ConfirmPanel`` (``stackerynb.widgets.confirm``), so a
deploy from the canvas looks and behaves like ``stack.deploy(env)`` in a cell.
"""
from __future__ import annotations

import html

from ipywidgets import HTML, VBox

from stackerynb.errors import StackError
from stackerynb.widgets.confirm import ConfirmPanel, attach


class DeployPanel(VBox):
    """Prepare, preview, confirm, follow. ``deployment`` is the last one prepared here."""

    def __init__(self, stack, **kwargs):
        self.stack = stack
        self.deployment = None
        self.finished: list = []  # callbacks(deployment) when a deployment confirmed here ends
        self.confirm: ConfirmPanel | None = None
        self.title = HTML()
        super().__init__([self.title], **kwargs)
        self.add_class("stackerynb-deploy-panel")

    def prepare(self, env: str):
        """Create the change set for ``env`` and show it for confirmation; the Deployment, or
        None when preparing failed (the reason is shown in the panel)."""
        self.title.value = f"<b>Deploy {html.escape(self.stack.name)} to {html.escape(env)}</b>"
        self.deployment = None
        try:
            environment = self.stack.environment(env)
        except StackError as exc:
            self.confirm = ConfirmPanel()
            self.children = [self.title, self.confirm]
            self.confirm.fail(exc)
            return None
        self.confirm = ConfirmPanel(danger=environment.production)
        self.confirm.finished.append(lambda done: [callback(done) for callback in list(self.finished)])
        self.children = [self.title, self.confirm]
        try:
            from stackerynb.deploy import prepare
            deployment = prepare(self.stack, environment, reporter=self.confirm.progress)
        except StackError as exc:
            self.confirm.fail(exc)
            return None
        attach(deployment, self.confirm)
        self.deployment = deployment
        return deployment

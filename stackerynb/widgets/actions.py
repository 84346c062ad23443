"""The editor's action bar: environment, Save, Compile and Deploy.

Save writes the stack file (with the positions the canvas chose for nodes added without one);
Compile shows the CloudFormation template and the permissions table; Deploy opens the deploy
panel. The work happens in the stack's own methods (``stack.save``, ``stack.compile``,
``stack.permissions``); a StackError they raise is shown here, never as a traceback.
"""
from __future__ import annotations

import html
import logging

from ipywidgets import Button, Dropdown, HBox, HTML, Layout, VBox

from stackerynb.errors import StackError
from stackerynb.tables import table_html
from stackerynb.widgets.gestures import Gestures

log = logging.getLogger(__name__)

def environment_names(stack) -> list[str]:
    """Environments defined beside the stack file, else the local default (never a made-up one)."""
    from stackerynb.widgets.environment_list import environment_choices
    return environment_choices(stack)


def error_html(exc: Exception) -> str:
    lines = "<br>".join(html.escape(line) for line in str(exc).splitlines())
    return f'<div class="stackerynb-error" style="color:#d13212">{lines}</div>'


class StackActions(VBox):
    """Environment dropdown, Save, Compile and Deploy, and an output area for their results.

    After Compile, ``template_json`` holds the template text and ``permissions`` the table."""

    def __init__(self, gestures: Gestures, deploy_panel_factory=None, **kwargs):
        self.gestures = gestures
        self.stack = gestures.stack
        self.template_json: str | None = None
        self.permissions = None
        self.environment = Dropdown(options=environment_names(self.stack), description="Environment",
                                    style={"description_width": "initial"},
                                    layout=Layout(width="200px"))
        self.environment.add_class("stackerynb-environment")
        self.save_button = Button(description="Save", icon="save", tooltip="Write the stack file")
        self.compile_button = Button(description="Compile", icon="cogs",
                                     tooltip="Show the CloudFormation template and permissions")
        self.deploy_button = Button(description="Deploy", icon="cloud-upload",
                                    tooltip="Preview the change set, confirm, deploy")
        for button, name in ((self.save_button, "save"), (self.compile_button, "compile"),
                             (self.deploy_button, "deploy")):
            button.add_class(f"stackerynb-{name}")
            button.layout = Layout(width="auto")
        self.output = HTML()
        self.output.add_class("stackerynb-output")
        self.save_button.on_click(lambda _b: self.save())
        self.compile_button.on_click(lambda _b: self.compile())
        self.deploy_button.on_click(lambda _b: self.deploy())
        self._deploy_panel_factory = deploy_panel_factory
        self.deploy_panel = None
        self.bar = HBox([self.environment, self.save_button, self.compile_button, self.deploy_button])
        super().__init__([self.bar, self.output], **kwargs)
        self.add_class("stackerynb-actions")

    def _run(self, action) -> bool:
        try:
            action()
        except StackError as exc:
            self.output.value = error_html(exc)
            return False
        except Exception as exc:  # a bug of ours: say so briefly, keep details in the log
            log.exception("editor action failed")
            self.output.value = error_html(f"unexpected error: {type(exc).__name__}: {exc}")
            return False
        return True

    def save(self) -> bool:
        """Write the stack file; the output area names it."""
        def action():
            self.gestures.record_positions()
            path = self.stack.save()
            self.output.value = f'<div class="stackerynb-saved">Saved {html.escape(str(path))}</div>'
        return self._run(action)

    def compile(self) -> bool:
        """Compile for the chosen environment and show the template and permissions table."""
        env = self.environment.value

        def action():
            template = self.stack.compile(env)
            table = self.stack.permissions(env)
            self.template_json = template.to_json(sort_keys=False)  # resources in dependency order
            self.permissions = table
            resources = len(getattr(template, "resources", {}) or {})
            self.output.value = (
                f'<div class="stackerynb-compiled"><b>Template for {html.escape(env)}</b> '
                f"({resources} resources)"
                f'<details><summary>CloudFormation JSON</summary><pre style="max-height:400px;'
                f'overflow:auto">{html.escape(self.template_json)}</pre></details>'
                f"<b>Permissions</b> ({len(table)} statements)"
                f'<div class="stackerynb-permissions" style="max-height:300px;overflow:auto">'
                f"{table_html(table, index=False, border=0)}</div></div>")
        return self._run(action)

    def deploy(self):
        """Prepare a change set for the chosen environment and show it with Confirm/Cancel in
        the deploy panel; returns the prepared Deployment (None when that failed)."""
        if self._deploy_panel_factory is None:
            self.output.value = error_html("deploying from the canvas needs the deploy layer "
                                           "(stackerynb.deploy), which is not installed")
            return None
        result = []

        def action():
            if self.deploy_panel is None:
                self.deploy_panel = self._deploy_panel_factory(self.stack)
                self.children = [self.bar, self.output, self.deploy_panel]
            self.output.value = ""
            result.append(self.deploy_panel.prepare(self.environment.value))
        self._run(action)
        return result[0] if result else None

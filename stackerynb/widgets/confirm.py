"""The notebook's deployment panel: preparing, change-set preview with Confirm/Cancel, progress.

``stack.deploy("dev")`` (and ``stack.destroy("dev")``) in a kernel come here (``deploy_in_notebook``):
the panel is the deploy layer's progress reporter and confirmation callback (the deploy layer
knows nothing of widgets). They display one panel and return at once.
The panel shows the preparation (its progress part is the reporter), then the change set with
Confirm and Cancel. Confirm executes the prepared deployment in a background thread, so the
kernel stays free and the widgets keep updating while CloudFormation works; progress and result
appear in the same panel. Cancel deletes the change set: nothing changes.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from stackerynb.tables import table_html
from stackerynb.widgets.deploy_progress import WidgetProgress

ERROR_STYLE = "color:#d13212"


class ConfirmPanel(widgets.VBox):
    """One deployment's panel; ``show(deployment)`` once it is prepared (or pass it here)."""

    def __init__(self, deployment=None, danger: bool = False, **kwargs):
        self.deployment = None
        self.danger = danger
        self.finished: list = []  # callbacks(deployment) after a confirmed execution ends
        self.header = widgets.HTML(value="")
        self.preview = widgets.HTML(value="")
        self.confirm_button = widgets.Button(description="Deploy", button_style="primary", icon="cloud-upload",
                                             disabled=True, layout=widgets.Layout(width="auto"))
        self.cancel_button = widgets.Button(description="Cancel", icon="times", disabled=True)
        self.buttons = widgets.HBox([self.confirm_button, self.cancel_button],
                                    layout=widgets.Layout(display="none"))
        self.progress = WidgetProgress()
        self.error = widgets.HTML(value="")
        self.confirm_button.on_click(self._on_confirm)
        self.cancel_button.on_click(self._on_cancel)
        super().__init__([self.header, self.preview, self.buttons, self.progress, self.error], **kwargs)
        self.add_class("stackerynb-confirm")
        if deployment is not None:
            self.show(deployment)

    # ------------------------------------------------------------ the deploy layer's callbacks
    def __call__(self, deployment, environment=None):
        """The confirmation callback (``stackerynb.deploy.confirm.Confirmation``): show the
        change set with Confirm/Cancel and take the deployment over (returns None)."""
        attach(deployment, self)
        return None

    # ------------------------------------------------------------ states
    def show(self, deployment) -> None:
        """Show a prepared deployment's change set and offer Confirm/Cancel (or just its summary)."""
        self.deployment = deployment
        destroy = deployment.kind == "destroy"
        verb = "Destroy" if destroy else "Deploy"
        self.confirm_button.description = f"{verb} {deployment.stack_name}"
        self.confirm_button.button_style = "danger" if (self.danger or destroy) else "primary"
        self.confirm_button.icon = "trash" if destroy else "cloud-upload"
        self.confirm_button.tooltip = f"{verb} {deployment.stack_name} in {deployment.environment}"
        self.header.value = self._summary_html()
        table = deployment.changes
        self.preview.value = "" if table.empty else table_html(
            table, index=False, border=0, classes="stackerynb-changes")
        waiting = deployment.status == "prepared"
        self.buttons.layout.display = "flex" if waiting else "none"
        self._buttons(waiting)
        if waiting:
            self.progress.phase_label.value = "<i>review the change set, then confirm</i>"
        else:
            self.progress.phase_label.value = ""

    def fail(self, error: BaseException) -> None:
        """Show an error that stopped the preparation (it is raised in the cell as well)."""
        self.progress.clear()
        self.error.value = f"<span style='{ERROR_STYLE}'>{html.escape(str(error))}</span>"

    # ------------------------------------------------------------ actions
    def _summary_html(self) -> str:
        return "<br>".join(html.escape(line) for line in self.deployment.summary().splitlines())

    def lock(self) -> None:
        """Disable Confirm/Cancel (the deployment is being executed from code)."""
        self._buttons(False)

    def _buttons(self, enabled: bool) -> None:
        self.confirm_button.disabled = not enabled
        self.cancel_button.disabled = not enabled

    def _on_confirm(self, _button=None) -> None:
        self._buttons(False)
        self.error.value = ""
        self.deployment.execute(reporter=self.progress, background=True, on_done=self._done)

    def _done(self, deployment) -> None:
        self.header.value = self._summary_html()
        for callback in list(self.finished):
            callback(deployment)
        if deployment.error is not None:
            self.error.value = (f"<span style='{ERROR_STYLE}'>{html.escape(type(deployment.error).__name__)}: "
                                f"{html.escape(str(deployment.error))}</span>")
            if deployment.status == "prepared":
                self._buttons(True)  # refused before anything ran (the stack became busy): try again later

    def _on_cancel(self, _button=None) -> None:
        self._buttons(False)
        try:
            self.deployment.cancel()
        except Exception as exc:  # noqa: BLE001 - shown in the panel, not as a traceback
            self.error.value = f"<span style='{ERROR_STYLE}'>{html.escape(str(exc))}</span>"
            return
        self.progress.clear()
        self.header.value = self._summary_html() + "<br><b>cancelled: nothing was changed</b>"


# ---------------------------------------------------------------- what Stack.deploy uses in a kernel
def attach(deployment, panel: ConfirmPanel) -> None:
    """Show ``deployment`` in ``panel``; the deployment, as a cell's result, does not show twice."""
    from IPython import get_ipython
    panel.show(deployment)
    deployment._panel = panel
    deployment._shown_in = getattr(get_ipython(), "execution_count", None)


def _shown_here(deployment) -> None:
    from IPython import get_ipython
    deployment._shown_in = getattr(get_ipython(), "execution_count", None)


def _unconfirmed(action, stack, environment, options):
    """``action(..., yes=True)`` (deploy or destroy) with a progress widget and no question."""
    from IPython.display import display
    progress = WidgetProgress()
    display(progress)
    result = action(stack, environment, yes=True, reporter=progress, **options)
    _shown_here(result)
    return result


def deploy_in_notebook(stack, environment, *, yes: bool = False, **options):
    """``stack.deploy`` in a kernel: one panel (progress, then the change set with Confirm and
    Cancel, or straight on with ``yes``), which the returned Deployment does not repeat."""
    from IPython.display import display

    from stackerynb.deploy import deploy
    if yes:
        return _unconfirmed(deploy, stack, environment, options)
    panel = ConfirmPanel(danger=environment.production)
    display(panel)
    try:
        deployment = deploy(stack, environment, reporter=panel.progress, confirm=panel, **options)
    except Exception as exc:
        panel.fail(exc)
        raise
    if deployment._panel is None:  # no changes: nothing to confirm, the panel shows the outcome
        panel.show(deployment)
        _shown_here(deployment)
    return deployment


def prepare_in_notebook(stack, environment, **options):
    """``stack.prepare`` in a kernel: the preparation's progress as a widget."""
    from IPython.display import display

    from stackerynb.deploy import prepare
    progress = WidgetProgress()
    display(progress)
    return prepare(stack, environment, reporter=progress, **options)


def destroy_in_notebook(stack, environment, *, yes: bool = False, **options):
    """``stack.destroy`` in a kernel: a danger panel with the resources to delete."""
    from IPython.display import display

    from stackerynb.deploy import destroy
    if yes:
        return _unconfirmed(destroy, stack, environment, options)
    panel = ConfirmPanel(danger=True)
    display(panel)
    return destroy(stack, environment, reporter=panel.progress, confirm=panel, **options)

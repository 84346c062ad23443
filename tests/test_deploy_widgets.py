"""The notebook side of deploying: the Confirm/Cancel panel and the live progress widget,
driven for real against a moto server (button clicks run the real handlers), and once in a
real kernel through nbclient."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from troposphere import Template, sns, sqs

from stackerynb import Stack
from stackerynb.deploy import DeployEvent

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(autouse=True)
def _local(local_target):
    """Every test here deploys to the session's emulator."""


def two_resources() -> Template:
    template = Template()
    template.add_resource(sqs.Queue("Jobs"))
    template.add_resource(sns.Topic("News"))
    return template


def test_confirm_button_executes_and_progress_follows(tmp_path):
    from stackerynb.widgets.confirm import ConfirmPanel
    stack = Stack("panel")
    prepared = stack.prepare("dev", quiet=True, template=two_resources())
    panel = ConfirmPanel(prepared)
    assert "Jobs" in panel.preview.value and "AWS::SNS::Topic" in panel.preview.value
    assert panel.confirm_button.description == "Deploy panel-dev" and not panel.confirm_button.disabled
    assert stack.status("dev").state == "not deployed"  # nothing happens before the click

    panel.confirm_button.click()
    assert panel.confirm_button.disabled and panel.cancel_button.disabled
    prepared.wait(timeout=60)
    assert prepared.status == "succeeded"
    bar = panel.progress.bar
    assert (bar.value, bar.max, bar.bar_style) == (2, 2, "success")
    assert "Jobs" in panel.progress.table.value and "CREATE_COMPLETE" in panel.progress.table.value
    assert panel.progress.details.selected_index is None  # the event table is collapsed
    assert "succeeded" in panel.progress.result.value and "succeeded" in panel.header.value
    assert stack.status("dev").current["id"] == prepared.id


def test_cancel_button_drops_the_change_set(tmp_path):
    from stackerynb.widgets.confirm import ConfirmPanel
    stack = Stack("panelno")
    prepared = stack.prepare("dev", quiet=True, template=two_resources())
    panel = ConfirmPanel(prepared)
    panel.cancel_button.click()
    assert prepared.status == "cancelled" and "nothing was changed" in panel.header.value
    assert panel.confirm_button.disabled
    assert stack.status("dev").state == "not deployed"


def test_destroy_panel_is_a_danger_button(tmp_path):
    from stackerynb.deploy import engine
    from stackerynb.widgets.confirm import ConfirmPanel
    stack = Stack("paneldel")
    stack.deploy("dev", yes=True, quiet=True, template=two_resources())
    teardown = engine.prepare_destroy(stack, stack.environment("dev"))
    panel = ConfirmPanel(teardown)
    assert panel.confirm_button.button_style == "danger" and panel.confirm_button.description == "Destroy paneldel-dev"
    panel.confirm_button.click()
    teardown.wait(timeout=60)
    assert teardown.status == "destroyed" and stack.status("dev").state == "not deployed"


def test_progress_widget_shows_failures_with_their_reason():
    from stackerynb.widgets.deploy_progress import WidgetProgress
    progress = WidgetProgress()
    progress.start(2, "shop-dev -> dev")
    now = datetime.now(timezone.utc)
    progress.event(DeployEvent(now, "Jobs", "AWS::SQS::Queue", "CREATE_COMPLETE"))
    progress.event(DeployEvent(now, "Fn", "AWS::Lambda::Function", "CREATE_FAILED", "role <b>missing</b>"))
    assert progress.bar.value == 2 and progress.bar.bar_style == "danger"
    assert "Fn CREATE_FAILED: role &lt;b&gt;missing&lt;/b&gt;" in progress.result.value  # escaped, not rendered


def test_progress_shows_one_summary_and_collapses_the_events(tmp_path):
    """One result line, the event table folded away (details on demand), no stale phase label."""
    from stackerynb.widgets.deploy_progress import WidgetProgress
    stack = Stack("folded")
    progress = WidgetProgress()
    done = stack.deploy("dev", yes=True, reporter=progress, template=two_resources())
    assert done.status == "succeeded"
    assert progress.phase_label.value == "" and progress.bar_row.layout.display == "flex"
    assert progress.result.value.count("folded-dev in dev") == 1
    assert progress.details.selected_index is None and progress.details.get_title(0) == "2 resource events"
    assert "Jobs" in progress.table.value and "CREATE_COMPLETE" in progress.table.value
    assert list(done.events["logical_id"]) == ["Jobs", "News"] and "(deployment.events)" in done.summary()

    again = WidgetProgress()
    same = stack.deploy("dev", yes=True, reporter=again, template=two_resources())
    assert same.status == "no changes"
    assert again.phase_label.value == "" and again.bar_row.layout.display == "none"  # no bar for nothing
    assert "no changes" in again.result.value
    assert "<Deployment" not in repr(same) and repr(same).startswith(f"Deployment {same.id}: folded-dev in dev")


@pytest.mark.slow
def test_deploy_in_a_real_kernel_shows_one_panel_then_runs_on_click(tmp_path):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "from stackerynb import Stack\nstack = Stack('kernel')\nstack.add('queue', 'Jobs')\nstack.add('topic', 'News')",
        "deployment = stack.deploy('dev')\ndeployment",
        "print(deployment.status)",
        "deployment.panel.confirm_button.click()\ndeployment.wait(120)\n"
        "print(deployment.status, deployment.panel.progress.bar.value, deployment.panel.progress.bar.max)",
    )]
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = nb.cells[1].outputs
    views = [o for o in shown if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1, shown  # the panel, and the returned deployment does not show twice
    assert not [o for o in shown if o.output_type == "error"]
    assert nb.cells[2].outputs[0]["text"].strip() == "prepared"
    assert nb.cells[3].outputs[0]["text"].split() == ["succeeded", "2", "2"]


@pytest.mark.slow
def test_a_kernel_uses_the_project_emulator_without_noise(tmp_path, monkeypatch):
    """No endpoint given: the kernel starts the project's emulator (a background process that
    outlives the kernel), and neither its request log nor moto's warnings reach the notebook
    (the kit reports skipped resources itself)."""
    import nbformat
    from nbclient import NotebookClient

    from stackerynb.deploy import local
    monkeypatch.delenv("STACKERYNB_LOCAL_ENDPOINT")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "from stackerynb import Stack\nstack = Stack('own')\nstack.add('queue', 'Jobs')\nstack.add('secret', 'Key')",
        "deployment = stack.deploy('dev', yes=True)\ndeployment",
        "from stackerynb.deploy import local\nprint(deployment.status, local.find().pid, [n for n, _, _ in deployment.not_created])",
    )]
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
        outputs = [o for cell in nb.cells for o in cell.outputs]
        streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        assert "HTTP/1.1" not in streams and "UserWarning" not in streams and "No Moto" not in streams, streams
        views = [o for o in nb.cells[1].outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert len(views) == 1 and len(nb.cells[1].outputs) == 1  # the progress widget, not the result again
        status, pid, skipped = nb.cells[2].outputs[-1]["text"].split(maxsplit=2)
        assert (status, skipped.strip()) == ("succeeded", "['Key']")
        assert local.find(tmp_path).pid == int(pid)  # the kernel has ended; its emulator has not
    finally:
        local.stop(tmp_path, reset=True)

"""The Deployments tab, against real deployments to the session's local emulator: current and
past deployments with commit, branch, time and status; picking one draws its design read-only;
outputs with clickable URLs; the event log and change set collapsed behind a summary."""
from __future__ import annotations

import pytest

from stackerynb import Stack
from stackerynb.widgets.canvas import CANVAS_CLASS
from stackerynb.widgets.deployments_tab import (DEPLOYED_CANVAS_CLASS, DeploymentsTab, link_urls,
                                                 read_only_canvas)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # governance notes outside production


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, emulator):
    """A design committed in git and deployed twice (the second adds a topic)."""
    import git
    folder = tmp_path_factory.mktemp("deployments-tab")
    mp = pytest.MonkeyPatch()
    mp.setenv("STACKERYNB_LOCAL_ENDPOINT", emulator)
    repo = git.Repo.init(folder, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test").set_value("user", "email", "test@example.com")
    stack = Stack("tabshop")
    stack.add("function", "GetOrder", position=(0, 0))
    stack.add("table", "Orders", position=(200, 0))
    stack.connect("GetOrder", "Orders", access="read")
    stack.save(folder / "tabshop.yaml")
    repo.index.add(["tabshop.yaml"])
    sha = repo.index.commit("design").hexsha
    first = stack.deploy("dev", yes=True, quiet=True)
    stack.add("topic", "Alerts", position=(200, 150))
    stack.connect("GetOrder", "Alerts")
    second = stack.deploy("dev", yes=True, quiet=True)
    assert (first.status, second.status) == ("succeeded", "succeeded")
    yield stack, first, second, sha
    mp.undo()


@pytest.fixture
def tab(deployed, local_target):
    stack = deployed[0]
    t = DeploymentsTab(stack)
    yield t
    t.close()


def test_the_tab_lists_current_and_past_deployments_with_commit_branch_time_status(deployed, tab):
    stack, first, second, sha = deployed
    assert not tab.loaded and tab.list.options == ()  # reads the cloud only when asked
    assert tab.environment.options == ("dev",)
    assert tab.refresh()
    assert [r["id"] for r in tab.records] == [second.id, first.id]  # newest first
    assert tab.current_id == second.id
    labels = [label for label, _ in tab.list.options]
    assert labels[0].startswith("● ") and not labels[1].startswith("● ")
    assert all("succeeded" in label and sha[:8] in label and "on main" in label for label in labels)
    assert "2 deployments of tabshop in dev; current: " + second.id in tab.status.value
    # the current one is shown first
    assert tab.selected == second.id and "(current)" in tab.summary.value
    assert f"commit {sha[:12]} on main" in tab.summary.value and "succeeded" in tab.summary.value


def test_picking_a_deployment_draws_its_design_read_only(deployed, tab):
    stack, first, second, _ = deployed
    tab.refresh()
    assert set(n.id for n in tab.design.nodes) == {"GetOrder", "Orders", "Alerts"}
    tab.list.value = first.id  # what picking it in the browser does
    assert tab.selected == first.id
    assert set(n.id for n in tab.design.nodes) == {"GetOrder", "Orders"}  # as it was then
    widget = tab.canvas.widget
    assert widget in tab.design_box.children
    assert DEPLOYED_CANVAS_CLASS in widget._dom_classes and CANVAS_CLASS not in widget._dom_classes
    drawn = {n.data["id"] for n in widget.graph.nodes if not n.removed}
    assert {"GetOrder", "Orders"} <= drawn and "Alerts" not in drawn
    assert all(not n.grabbable for n in widget.graph.nodes)
    # gestures on the drawing change nothing: not the deployed design, not the live stack
    before, live = tab.design.snapshot(), stack.snapshot()
    gestures = tab.canvas.gestures
    gestures.release({"data": {"id": "GetOrder"}, "position": {"x": 500, "y": 500}})
    assert gestures.add_node("queue") is None and "read-only" in gestures.last_message.text
    gestures.tap({"data": {"id": "Orders"}})
    assert tab.canvas.sync.selected == "Orders"  # looking is fine
    assert tab.design.snapshot() == before and stack.snapshot() == live


def test_the_change_set_is_collapsed_behind_the_summary(deployed, tab):
    stack, first, second, _ = deployed
    tab.remember(second)
    tab.refresh()
    assert tab.details.layout.display == "flex" and tab.details.selected_index is None  # collapsed
    titles = [tab.details.get_title(i) for i in range(len(tab.details.children))]
    assert titles[0] == f"change set: {len(second.record['changes'])} resources"
    assert "Alerts" in tab.details.children[0].value
    assert "+1 ~1 -0" in tab.summary.value or f"+{second.created} ~{second.changed} -{second.deleted}" in tab.summary.value


def test_outputs_show_with_clickable_urls(deployed, tab):
    tab.refresh()
    record = dict(tab.records[0], outputs={"ApiUrl": "https://abc.execute-api.us-east-1.amazonaws.com/dev",
                                           "TableName": "tabshop-dev-Orders"})
    tab.records[0] = record
    tab.select(record["id"])
    assert ('<a href="https://abc.execute-api.us-east-1.amazonaws.com/dev" target="_blank"'
            in tab.outputs.value)
    assert "tabshop-dev-Orders" in tab.outputs.value and "<a href=\"tabshop" not in tab.outputs.value
    assert link_urls("see <http://x.test/a?b=1&c=2>") == (
        'see &lt;<a href="http://x.test/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">'
        'http://x.test/a?b=1&amp;c=2</a>&gt;')


def test_an_environment_never_deployed_says_so(tmp_path, monkeypatch, local_target):
    monkeypatch.chdir(tmp_path)
    stack = Stack("nevertab")
    stack.add("queue", "Jobs")
    t = DeploymentsTab(stack)
    assert t.refresh() and t.records == [] and "0 deployments" in t.status.value
    assert "nothing deployed now" in t.status.value and t.canvas is None
    (tmp_path / "environments.yaml").write_text("staging: {target: local}\n")
    t.refresh()
    assert t.environment.options == ("staging",) and t.environment.value == "staging"
    t.close()


def test_a_read_only_canvas_of_any_design():
    s = Stack("view")
    s.add("queue", "Jobs", position=(0, 0))
    canvas = read_only_canvas(s)
    assert canvas.gestures.attempt(lambda: s.remove("Jobs")) is False and "Jobs" in s
    canvas.close()


def test_a_deploy_from_the_editor_shows_in_the_tab_with_its_events(tmp_path, monkeypatch, local_target):
    from stackerynb.widgets import StackEditor
    monkeypatch.chdir(tmp_path)
    stack = Stack("tabeditor")
    stack.add("queue", "Jobs", position=(0, 0))
    stack.save(tmp_path / "stacks" / "tabeditor.yaml")
    editor = StackEditor(stack, git=False)
    tab, side = editor.deployments_tab, editor.side
    side.selected_index = list(side.children).index(tab)  # shown: read at once
    assert tab.loaded and tab.records == []
    editor.actions.deploy_button.click()
    deployment = editor.actions.deploy_panel.deployment
    assert deployment.status == "prepared"
    editor.actions.deploy_panel.confirm.confirm_button.click()
    deployment.wait(timeout=120)
    assert deployment.status == "succeeded"
    assert [r["id"] for r in tab.records] == [deployment.id] and tab.current_id == deployment.id
    titles = [tab.details.get_title(i) for i in range(len(tab.details.children))]
    events = [t for t in titles if "resource events" in t]
    assert deployment.event_log  # on the emulator, one event per change the kit applied
    assert events == [f"{len(deployment.event_log)} resource events"]
    assert {n.id for n in tab.design.nodes} == {"Jobs"}
    editor.close()

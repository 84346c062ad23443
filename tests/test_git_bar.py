"""The git bar's logic, driven in plain Python through its real widgets (no browser): branch label,
warning when the file changed underneath, "Create branch..." and "Reload" with confirmation,
and polling on the event loop."""
import asyncio
import subprocess
import time

import pytest

from stackerynb import Stack
from stackerynb.widgets.git_bar import GitBar


def git(repo, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")
    s = Stack("orders")
    s.add("function", "GetOrder")
    path = s.save(repo / "stacks" / "orders.yaml")
    s.commit("orders")
    return path


def visible(bar) -> bool:
    return bar.prompt.layout.display != "none"


def test_label_shows_branch_and_commit(path):
    bar = GitBar(Stack.load(path), poll_seconds=None)
    head = git(path.parent.parent, "rev-parse", "--short=7", "HEAD")
    assert bar.branch_label.value == f"⎇ main @ {head}"
    assert bar.warning.value == "" and bar.unsaved_label.value == "" and not bar.create_button.disabled
    assert "stackerynb-git-bar" in bar._dom_classes


def test_label_outside_git_and_before_saving(tmp_path):
    s = Stack("orders")
    bar = GitBar(s, poll_seconds=None)
    assert bar.branch_label.value == "not saved yet" and bar.reload_button.disabled
    s.save(tmp_path / "orders.yaml")
    bar.refresh()
    assert bar.branch_label.value == "not in git" and bar.create_button.disabled
    assert "not in a git repository" in bar.create_button.tooltip


def test_warning_when_the_file_changes_underneath(path):
    mine, theirs = Stack.load(path), Stack.load(path)
    bar = GitBar(mine, poll_seconds=None)
    theirs.add("queue", "Jobs")
    theirs.save()
    assert bar.warning.value == ""  # until the next check
    reason = bar.refresh()
    assert "changed on disk" in reason and "changed on disk" in bar.warning.value and "⚠" in bar.warning.value
    mine.add("topic", "News")
    assert bar.unsaved_label.value == "● unsaved edits"  # at once, from the edit itself
    mine.remove("News")
    assert bar.unsaved_label.value == ""
    bar.close()
    mine.add("topic", "News")
    assert bar.unsaved_label.value == "" and not mine._observers  # a closed bar lets go of the stack


def test_create_branch_saves_the_edits_there(path):
    mine, theirs = Stack.load(path), Stack.load(path)
    bar = GitBar(mine, poll_seconds=None)
    theirs.add("queue", "Jobs")
    theirs.commit("jobs")
    mine.add("topic", "News")
    bar.refresh()
    assert "moved" in bar.warning.value
    bar.create_button.click()
    assert visible(bar) and bar.branch_name in bar.prompt.children
    bar.branch_name.value = "main"
    bar.create_confirm.click()
    assert "already exists" in bar.message.value and visible(bar)  # the error is shown, box stays
    bar.branch_name.value = "news"
    bar.create_confirm.click()
    assert not visible(bar) and "new branch news" in bar.message.value
    assert bar.branch_label.value.startswith("⎇ news @ ") and bar.warning.value == "" and bar.unsaved_label.value == ""
    assert git(path.parent.parent, "branch", "--show-current") == "news" and "News" in Stack.load(path)


def test_reload_asks_before_discarding_edits(path):
    mine, theirs = Stack.load(path), Stack.load(path)
    bar = GitBar(mine, poll_seconds=None)
    theirs.add("queue", "Jobs")
    theirs.save()
    mine.add("topic", "News")
    bar.reload_button.click()
    assert visible(bar) and bar.reload_confirm in bar.prompt.children and "Discard" in bar.prompt_label.value
    assert "News" in mine  # nothing discarded yet
    bar.cancel_button.click()
    assert not visible(bar) and "News" in mine
    bar.reload_button.click()
    bar.reload_confirm.click()
    assert not visible(bar) and "News" not in mine and "Jobs" in mine
    assert bar.warning.value == "" and bar.unsaved_label.value == "" and "Reloaded" in bar.message.value


def test_reload_without_edits_needs_no_confirmation(path):
    mine, theirs = Stack.load(path), Stack.load(path)
    bar = GitBar(mine, poll_seconds=None)
    theirs.add("queue", "Jobs")
    theirs.save()
    bar.reload_button.click()
    assert not visible(bar) and "Jobs" in mine


def test_polling_on_the_event_loop_notices_a_change_and_stops_when_closed(path):
    async def scenario():
        mine, theirs = Stack.load(path), Stack.load(path)
        bar = GitBar(mine, poll_seconds=0.05)
        assert bar._timer is not None
        theirs.add("queue", "Jobs")
        theirs.save()
        for _ in range(100):
            await asyncio.sleep(0.02)
            if bar.warning.value:
                break
        assert "changed on disk" in bar.warning.value
        bar.close()
        assert bar._timer is None and not bar.start_polling()

    in_own_thread(lambda: asyncio.run(scenario()))


def test_no_polling_without_an_event_loop(path):
    def check():
        bar = GitBar(Stack.load(path), poll_seconds=1)
        assert bar._timer is None and not bar.start_polling()

    in_own_thread(check)


def in_own_thread(fn):
    """Run ``fn`` where no event loop runs: Playwright's sync API (the browser tests) keeps one
    marked as running on the main thread for as long as its browser is open."""
    import threading

    errors = []

    def target():
        try:
            fn()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "timed out"
    if errors:
        raise errors[0]


@pytest.mark.slow
def test_polling_in_a_real_kernel_while_it_is_idle(tmp_path):
    """In Jupyter the check runs on the kernel's own loop between cells, never on another thread."""
    import nbclient
    import nbformat

    path = tmp_path / "stacks" / "orders.yaml"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from stackerynb import Stack\nfrom stackerynb.widgets.git_bar import GitBar\n"
        f"s = Stack('orders'); s.add('queue', 'Jobs'); s.save({str(path)!r})\n"
        "bar = GitBar(s, poll_seconds=0.1)\n"
        f"other = Stack.load({str(path)!r}); other.add('topic', 'News'); other.save()\n"
        "print(repr(bar.warning.value))"),
        nbformat.v4.new_code_cell("print(repr(bar.warning.value)); bar.close()")]
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=60,
                                     resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        client.execute_cell(nb.cells[0], 0)
        time.sleep(0.6)  # the kernel is idle: only its event loop can run the check
        client.execute_cell(nb.cells[1], 1)
    assert nb.cells[0].outputs[0]["text"] == "''\n"
    assert "changed on disk" in nb.cells[1].outputs[0]["text"]

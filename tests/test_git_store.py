"""Git-backed stacks: a save never overwrites a change it has not seen, the two ways out (reload,
save to a new branch) work, commits hold the stack file alone, deployments learn where they come
from. Every test uses a real temporary git repository and the real git command line."""
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from stackerynb import Stack, StackError
from stackerynb.store import gitstore
from stackerynb.model.elements import Change


def git(repo, *args) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def make_repo(path):
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test Author")
    git(path, "config", "user.email", "author@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def orders() -> Stack:
    s = Stack("orders")
    s.add("function", "GetOrder", memory=512, position=(10, 20))
    s.add("table", "Orders")
    s.connect("GetOrder", "Orders", access="read")
    return s


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path, monkeypatch):
    """Relative paths (a stack saved without a path) land in the test's folder, never in the
    repository the tests run from."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def repo(tmp_path):
    root = make_repo(tmp_path / "repo")
    path = orders().save(root / "stacks" / "orders.yaml")
    git(root, "add", "stacks/orders.yaml")
    git(root, "commit", "-q", "-m", "orders stack")
    return root


@pytest.fixture
def path(repo):
    return repo / "stacks" / "orders.yaml"


def state(repo):
    """Everything a refused operation must leave alone."""
    return (git(repo, "rev-parse", "HEAD"), git(repo, "branch", "--show-current"),
            git(repo, "status", "--porcelain"), git(repo, "branch", "--list"),
            (repo / "stacks" / "orders.yaml").read_bytes())


def work_tree_state(repo):
    """What a save to a branch beside the work tree must leave alone: all of state() but the branch list."""
    head, branch, status, _, text = state(repo)
    return head, branch, status, text, git(repo, "ls-files", "-s")


# ------------------------------------------------------------------ what a stack remembers
def test_load_remembers_content_commit_and_branch(repo, path):
    s = Stack.load(path)
    assert s.vcs.base == git(repo, "rev-parse", "HEAD")
    assert s.vcs.branch == "main" and s.vcs.file == "stacks/orders.yaml"
    assert s.changed_underneath() is None and not gitstore.has_unsaved_edits(s)
    s.set("GetOrder", memory=1024)
    assert gitstore.has_unsaved_edits(s)
    s.save()
    assert not gitstore.has_unsaved_edits(s) and s.changed_underneath() is None


def test_stack_is_loaded_from_the_bytes_it_remembers(tmp_path):
    path = orders().save(tmp_path / "orders.yaml")
    s = Stack.load(path)
    assert s.vcs.work_tree is None and s.vcs.base is None
    assert s.vcs.content == gitstore._digest(path.read_bytes())


# ------------------------------------------------------------------ two editors
def test_second_save_is_refused_and_writes_nothing(repo, path):
    first, second = Stack.load(path), Stack.load(path)
    first.add("queue", "Jobs")
    first.save()
    second.set("GetOrder", memory=2048)
    before = state(repo)
    with pytest.raises(StackError) as caught:
        second.save()
    message = str(caught.value)
    assert "stacks/orders.yaml changed on disk" in message and "Nothing was written" in message
    assert "stack.reload(confirm=True)" in message and 'stack.save(branch="my-branch")' in message
    assert caught.value.code == gitstore.CHANGED_ON_DISK
    assert state(repo) == before
    assert "Jobs" in Stack.load(path) and second.node("GetOrder").get("memory") == 2048  # nothing lost
    assert second.changed_underneath() == caught.value.reason


def test_outside_git_the_disk_check_still_applies(tmp_path):
    path = orders().save(tmp_path / "orders.yaml")
    first, second = Stack.load(path), Stack.load(path)
    first.add("queue", "Jobs")
    first.save()
    second.add("topic", "News")
    before = path.read_bytes()
    with pytest.raises(StackError, match="changed on disk") as caught:
        second.save()
    assert "not in a git repository" in str(caught.value)  # and it says why branches are no way out
    assert path.read_bytes() == before
    with pytest.raises(StackError, match="not in a git repository"):
        second.save(branch="feature-x")
    with pytest.raises(StackError, match="not in a git repository"):
        second.commit("news")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["orders.yaml"]


def test_a_new_stack_does_not_replace_an_existing_file(repo, path):
    before = path.read_bytes()
    other = Stack("orders")
    other.add("queue", "Jobs")
    with pytest.raises(StackError, match="already exists and this stack was not loaded from it") as caught:
        other.save(path)
    assert "Stack.load(" in str(caught.value) and path.read_bytes() == before
    orders().save(path)  # re-running the cell that made the very same stack is fine
    assert path.read_bytes() == before


def test_same_content_saved_by_both_editors_is_not_a_conflict(repo, path):
    first, second = Stack.load(path), Stack.load(path)
    for s in (first, second):
        s.add("queue", "Jobs")
    first.save()
    second.save()  # nothing can be lost: the file already holds exactly this
    assert Stack.load(path) == second


def test_a_deleted_file_is_reported_and_written_again(tmp_path):
    path = orders().save(tmp_path / "orders.yaml")
    s = Stack.load(path)
    path.unlink()
    assert "was deleted" in s.changed_underneath()
    s.save()
    assert Stack.load(path) == s


def test_concurrent_saves_are_serialised(repo, path):
    """Check and write happen under one lock: of two simultaneous saves exactly one wins."""
    for round_ in range(8):
        editors = [Stack.load(path), Stack.load(path)]
        for i, s in enumerate(editors):
            s.add("queue", f"Q{round_}x{i}")
        results, barrier = [], threading.Barrier(2)

        def save(s):
            barrier.wait()
            try:
                s.save()
                results.append("ok")
            except StackError:
                results.append("refused")

        threads = [threading.Thread(target=save, args=(s,)) for s in editors]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["ok", "refused"]
        winner = editors[0] if f"Q{round_}x0" in Stack.load(path) else editors[1]
        assert Stack.load(path) == winner


# ------------------------------------------------------------------ the branch moved
def test_a_commit_made_elsewhere_refuses_the_save_and_names_it(repo, path):
    mine, theirs = Stack.load(path), Stack.load(path)
    theirs.add("queue", "Jobs")
    theirs.commit("add the jobs queue")
    mine.add("topic", "News")
    with pytest.raises(StackError) as caught:
        mine.save()
    assert caught.value.code == gitstore.BRANCH_MOVED
    assert "branch main moved from" in str(caught.value) and '"add the jobs queue"' in str(caught.value)


def test_branch_moved_without_the_work_tree_changing(repo, path, tmp_path):
    """A teammate's commit fetched and the branch pointer moved (git reset --soft origin/main):
    the file on disk is untouched, but saving then committing would undo their change."""
    mine = Stack.load(path)
    mine.set("GetOrder", memory=256)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    git(clone, "config", "user.email", "mate@example.com")
    git(clone, "config", "user.name", "Mate")
    theirs = Stack.load(clone / "stacks" / "orders.yaml")
    theirs.add("queue", "Jobs")
    theirs.commit("mate adds jobs")
    git(clone, "push", "-q", "origin", "main:incoming")
    git(repo, "reset", "-q", "--soft", "incoming")
    before = state(repo)
    with pytest.raises(StackError, match="saving would undo that committed change") as caught:
        mine.save()
    assert caught.value.code == gitstore.BRANCH_MOVED and state(repo) == before
    assert "git restore stacks/orders.yaml brings it" in str(caught.value)
    assert "mate adds jobs" in mine.changed_underneath()


def test_unrelated_commits_do_not_block_a_save(repo, path):
    s = Stack.load(path)
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "readme")
    s.add("queue", "Jobs")
    s.save()
    assert s.vcs.base == git(repo, "rev-parse", "HEAD")


# ------------------------------------------------------------------ save to a new branch
def test_save_to_branch_carries_the_edits_and_keeps_main(repo, path):
    original = path.read_text()
    s = Stack.load(path)
    s.add("queue", "Jobs")
    s.save(branch="feature-x")
    assert git(repo, "branch", "--show-current") == "feature-x"
    assert Stack.load(path) == s and s.vcs.branch == "feature-x"
    assert git(repo, "show", "main:stacks/orders.yaml") + "\n" == original
    assert git(repo, "rev-parse", "feature-x") == git(repo, "rev-parse", "main")


def test_save_to_branch_starts_from_the_base_when_the_branch_moved(repo, path):
    base = git(repo, "rev-parse", "HEAD")
    mine, theirs = Stack.load(path), Stack.load(path)
    theirs.add("queue", "Jobs")
    theirs_commit = theirs.commit("jobs")
    mine.add("topic", "News")
    with pytest.raises(StackError):
        mine.save()
    mine.save(branch="news")
    assert git(repo, "rev-parse", "HEAD") == base and git(repo, "branch", "--show-current") == "news"
    assert git(repo, "rev-parse", "main") == theirs_commit  # their commit is where they left it
    on_disk = Stack.load(path)
    assert "News" in on_disk and "Jobs" not in on_disk
    mine.commit("news")
    assert git(repo, "rev-parse", "HEAD~1") == base
    assert "  Jobs:" in git(repo, "show", "main:stacks/orders.yaml")
    with pytest.raises(StackError, match="the work tree switched from branch main to branch news"):
        theirs.save()  # the other editor is now warned: the work tree is on another branch


def test_save_to_branch_keeps_another_kernels_uncommitted_save_where_it_is(repo, path):
    """Issue 14 item 4: another kernel saved (not committed); this kernel's way out works."""
    mine, theirs = Stack.load(path), Stack.load(path)
    theirs.add("queue", "Jobs")
    theirs.save()
    mine.add("topic", "News")
    with pytest.raises(StackError, match='stack.save\\(branch="my-branch"\\)'):
        mine.save()
    before = work_tree_state(repo)
    result = mine.save(branch="news")
    # the work tree, HEAD, the branch, the index and git status are exactly as the other kernel left them
    assert work_tree_state(repo) == before
    assert "Jobs" in Stack.load(path) and "News" not in Stack.load(path)
    # this kernel's version is the tip of the new branch, on top of the commit both kernels loaded
    assert not result.checked_out and git(repo, "rev-parse", "news") == result.commit
    assert git(repo, "rev-parse", "news~1") == git(repo, "rev-parse", "main")
    assert git(repo, "show", "news:stacks/orders.yaml") + "\n" == mine.dumps()
    assert git(repo, "diff", "--name-only", "main", "news") == "stacks/orders.yaml"  # nothing else
    # and the result says which branch holds what
    message = str(result)
    assert "new branch news" in message and "stays on branch main" in message
    assert "other kernel's" in message and "git checkout news" in message
    assert result.path == path and Path(result) == path
    # the other kernel goes on as if nothing happened; once it commits, news can be checked out
    theirs.add("queue", "More")
    theirs.commit("jobs")
    git(repo, "checkout", "-q", "news")
    assert mine.reload(confirm=True) == Stack.load(path) and "News" in mine


def test_save_to_branch_commits_beside_a_checkout_that_would_lose_other_changes(repo, path):
    (repo / "app.py").write_text("v1\n")
    git(repo, "add", "app.py")
    git(repo, "commit", "-q", "-m", "app")
    base = git(repo, "rev-parse", "HEAD")
    mine = Stack.load(path)
    other = Stack.load(path)
    (repo / "app.py").write_text("v2\n")
    other.add("queue", "Jobs")
    other.save()
    git(repo, "commit", "-q", "-am", "app v2 and jobs")
    (repo / "app.py").write_text("v3 uncommitted\n")
    mine.add("topic", "News")
    before = work_tree_state(repo)
    result = mine.save(branch="news")
    assert work_tree_state(repo) == before and (repo / "app.py").read_text() == "v3 uncommitted\n"
    assert not result.checked_out and "app.py" in str(result)
    assert git(repo, "rev-parse", "news~1") == base  # on the version this kernel loaded
    assert "News" in git(repo, "show", "news:stacks/orders.yaml")
    assert git(repo, "show", "news:app.py") == "v1"


def test_save_to_branch_keeps_staged_changes_it_did_not_make(repo, path):
    mine = Stack.load(path)
    staged = Stack.load(path)
    staged.add("queue", "Jobs")
    staged.save()
    git(repo, "add", "stacks/orders.yaml")
    git(repo, "restore", "--worktree", "--source=HEAD", "stacks/orders.yaml")  # the index keeps Jobs
    mine.add("topic", "News")
    before = work_tree_state(repo)
    result = mine.save(branch="news")
    assert work_tree_state(repo) == before and "Jobs" in git(repo, "show", ":stacks/orders.yaml")
    assert not result.checked_out and "staged changes" in str(result)
    assert "News" in git(repo, "show", "news:stacks/orders.yaml")


def test_save_to_branch_beside_the_work_tree_needs_a_git_identity(repo, path, monkeypatch):
    mine, theirs = Stack.load(path), Stack.load(path)
    theirs.add("queue", "Jobs")
    theirs.save()
    mine.add("topic", "News")
    git(repo, "config", "--unset", "user.email")
    git(repo, "config", "--unset", "user.name")
    git(repo, "config", "user.useConfigOnly", "true")  # git may not guess one from the host name
    monkeypatch.setenv("HOME", str(repo.parent))  # no global identity either
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    before = state(repo)
    with pytest.raises(StackError, match=r"(?s)cannot save to branch 'news'.*identity.*Nothing was changed"):
        mine.save(branch="news")
    assert state(repo) == before and "news" not in git(repo, "branch")


@pytest.mark.parametrize("name, message", [
    ("main", "already exists"), ("bad name", "not a valid git branch name"),
    ("", "give the new branch a name"), ("x..y", "not a valid git branch name"),
])
def test_bad_branch_names_are_refused(repo, path, name, message):
    s = Stack.load(path)
    s.add("queue", "Jobs")
    before = state(repo)
    with pytest.raises(StackError, match=message):
        s.save(branch=name)
    assert state(repo) == before


def test_save_to_branch_in_a_repository_without_commits(tmp_path):
    root = make_repo(tmp_path / "fresh")
    s = orders()
    s.save(root / "orders.yaml", branch="design")
    assert git(root, "symbolic-ref", "--short", "HEAD") == "design"
    assert gitstore.where(s.path) == {"sha": None, "branch": "design"}
    s.commit("first design")
    assert git(root, "log", "--format=%s", "design") == "first design"


# ------------------------------------------------------------------ commit
def test_commit_holds_the_stack_file_alone(repo, path):
    (repo / "notes.txt").write_text("staged but not part of the stack\n")
    git(repo, "add", "notes.txt")
    s = Stack.load(path)
    s.add("queue", "Jobs")  # unsaved: commit saves first
    sha = s.commit("add jobs queue")
    assert sha == git(repo, "rev-parse", "HEAD") and s.vcs.base == sha
    assert git(repo, "show", "--name-only", "--format=%s", sha).splitlines() == ["add jobs queue", "", "stacks/orders.yaml"]
    assert git(repo, "status", "--porcelain") == "A  notes.txt"  # still staged, untouched
    with pytest.raises(StackError, match="nothing to commit"):
        s.commit("again")
    with pytest.raises(StackError, match="needs a message"):
        s.commit("  ")


def test_commit_is_refused_when_the_file_changed_underneath(repo, path):
    mine, theirs = Stack.load(path), Stack.load(path)
    theirs.add("queue", "Jobs")
    theirs.save()
    mine.add("topic", "News")
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(StackError, match="changed on disk"):
        mine.commit("news")
    assert git(repo, "rev-parse", "HEAD") == head and "Jobs" in Stack.load(path)


def test_a_failed_commit_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    root = tmp_path / "noid"
    root.mkdir()
    monkeypatch.chdir(root)
    git(root, "init", "-q", "-b", "main")
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'design review required' >&2\nexit 1\n")
    hook.chmod(0o755)
    git(root, "config", "user.name", "T")
    git(root, "config", "user.email", "t@example.com")
    s = orders()
    with pytest.raises(StackError, match="design review required"):
        s.commit("first")
    assert git(root, "status", "--porcelain") == "?? stacks/"  # saved, but not staged
    assert s.path == Path("stacks/orders.yaml") and (root / s.path).exists()


# ------------------------------------------------------------------ reload
def test_reload_needs_confirmation_only_when_edits_would_be_lost(repo, path):
    mine, theirs = Stack.load(path), Stack.load(path)
    theirs.add("queue", "Jobs")
    theirs.save()
    mine.add("topic", "News")
    with pytest.raises(StackError, match="would discard your unsaved edits") as caught:
        mine.reload()
    assert "reload(confirm=True)" in str(caught.value) and "News" in mine
    seen: list[Change] = []
    mine.observe(seen.append)
    assert mine.reload(confirm=True) is mine  # in place: the canvas holds this very object
    assert mine == theirs and "News" not in mine
    assert [(c.op, c.node.id) for c in seen] == [("remove", "News"), ("add", "Jobs")]
    mine.set("GetOrder", memory=1024)
    mine.save()  # the reloaded stack saves without complaint
    theirs_again = Stack.load(path)
    theirs_again.reload()  # no unsaved edits: no confirmation needed
    assert theirs_again == mine


def test_reload_of_an_unsaved_stack_is_refused():
    with pytest.raises(StackError, match="never saved"):
        Stack("orders").reload(confirm=True)


# ------------------------------------------------------------------ deployments
def test_vcs_info_records_commit_branch_and_dirtiness(repo, path):
    s = Stack.load(path)
    head = git(repo, "rev-parse", "HEAD")
    assert gitstore.vcs_info(path, s) == {"sha": head, "branch": "main", "dirty": False, "detail": None}
    s.add("queue", "Jobs")
    info = gitstore.vcs_info(path, s)
    assert info["dirty"] and "not committed (or not saved)" in info["detail"]
    s.save()
    assert gitstore.vcs_info(path)["dirty"] and "stacks/orders.yaml has uncommitted changes" in gitstore.vcs_info(path)["detail"]
    s.commit("jobs")
    (repo / "scratch.txt").write_text("untracked files do not count\n")
    assert gitstore.vcs_info(path, s)["dirty"] is False
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print(1)\n")
    git(repo, "add", "src/app.py")
    info = gitstore.vcs_info(path, s)
    assert info["dirty"] and info["detail"] == "uncommitted changes in src/app.py"
    git(repo, "commit", "-q", "-m", "app")
    git(repo, "checkout", "-q", "--detach")
    assert gitstore.vcs_info(path, s) == {"sha": git(repo, "rev-parse", "HEAD"), "branch": None,
                                          "dirty": False, "detail": None}


def test_vcs_info_of_a_stack_never_saved():
    info = gitstore.vcs_info(None, orders())
    assert (info["sha"], info["dirty"]) == (None, True) and "never saved" in info["detail"]


def test_vcs_info_outside_git(tmp_path):
    path = orders().save(tmp_path / "orders.yaml")
    info = gitstore.vcs_info(path)
    assert info["sha"] is None and info["branch"] is None and info["dirty"] is True
    assert "not in a git repository" in info["detail"]


# ------------------------------------------------------------------ cost
def test_git_is_imported_only_for_stacks_in_a_repository(tmp_path):
    path = orders().save(tmp_path / "orders.yaml")
    code = ("import sys; from stackerynb import Stack; s = Stack.load(sys.argv[1]); s.add('queue', 'Q'); "
            "s.save(); s.changed_underneath(); print('git' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

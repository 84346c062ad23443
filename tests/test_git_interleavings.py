"""Two editors of one stack file (two "kernels") plus a person at the terminal, doing edits,
saves, reloads, commits, saves to new branches and checkouts in every order hypothesis can think
of, in a real git repository. Whatever the order:

* a refused operation leaves the file, HEAD, the branch and ``git status`` exactly as they were;
* a successful save overwrote only what that editor had already seen (its own last load or
  save), the very same content, or content committed somewhere;
* every edit that a successful save accepted is still in the file or in a commit of some branch;
* a save to a new branch that cannot switch the work tree without losing someone's uncommitted
  work commits the editor's version on that branch and leaves the work tree exactly as it was;
* a commit made by an editor never undoes a commit that arrived after the editor last loaded,
  saved or reloaded (a teammate's commit that moved the branch under the work tree included).
"""
import os
import subprocess
import tempfile
from pathlib import Path

from hypothesis import event, example, given, note, settings, strategies as st

from stackerynb import Stack, StackError
from stackerynb.model.fileformat import parse_stack

FILE = "stacks/orders.yaml"
ACTIONS = ["edit", "edit", "move", "save", "save", "reload", "reload_confirm", "commit", "branch",
           "terminal_commit", "checkout_main", "teammate"]


def git(repo, *args, check=True) -> str:
    out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if check and out.returncode:
        raise AssertionError(f"git {' '.join(args)}: {out.stderr}")
    return out.stdout


def snapshot(repo: Path):
    path = repo / FILE
    return (path.read_bytes() if path.exists() else None, git(repo, "rev-parse", "HEAD").strip(),
            git(repo, "branch", "--show-current").strip(), git(repo, "status", "--porcelain"))


def committed_contents(repo: Path) -> list[str]:
    """The stack file's text in every commit reachable from any branch."""
    shas = git(repo, "rev-list", "--all").split()
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, capture_output=True, check=True,
                         input="".join(f"{sha}:{FILE}\n" for sha in shas).encode())
    texts, data = [], out.stdout
    while data:
        header, _, data = data.partition(b"\n")
        if header.endswith(b"missing"):
            continue
        size = int(header.split()[2])
        texts.append(data[:size].decode())
        data = data[size + 1:]
    return texts


def teammate_commit(repo: Path, node_id: str) -> None:
    """A teammate's commit arrives and the branch moves to it while the work tree and index stay
    as they are (``git fetch && git reset --soft origin/main``)."""
    text = git(repo, "show", f"HEAD:{FILE}", check=False)
    if not text:
        return
    theirs = parse_stack(text)
    theirs.add("queue", node_id)
    env = {**os.environ, "GIT_INDEX_FILE": str(repo / ".git" / "teammate-index")}
    run = lambda *args, stdin=None: subprocess.run(["git", *args], cwd=repo, env=env, input=stdin, text=True,
                                                  capture_output=True, check=True).stdout.strip()
    run("read-tree", "HEAD")
    blob = run("hash-object", "-w", "--stdin", stdin=theirs.dumps())
    run("update-index", "--cacheinfo", f"100644,{blob},{FILE}")
    commit = run("commit-tree", run("write-tree"), "-p", "HEAD", "-m", f"teammate adds {node_id}")
    run("update-ref", "HEAD", commit)


def head_ids(repo: Path) -> set[str]:
    return node_ids(git(repo, "show", f"HEAD:{FILE}", check=False))


def node_ids(text: str) -> set[str]:
    return {line.strip().rstrip(":") for line in text.splitlines() if line.startswith("  ") and
            not line.startswith("   ") and line.strip().endswith(":")}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 1]), st.sampled_from(ACTIONS)), min_size=1, max_size=14))
# The stories from the issue, always run: the second save; a branch save over another editor's
# uncommitted save; a branch save after their commit; a commit after the branch moved underneath.
@example([(0, "edit"), (0, "save"), (1, "edit"), (1, "save"), (1, "reload"), (1, "reload_confirm")])
@example([(1, "edit"), (1, "save"), (0, "edit"), (0, "branch"), (1, "commit"), (0, "branch")])
@example([(1, "edit"), (1, "commit"), (0, "edit"), (0, "save"), (0, "branch"), (1, "save"), (0, "commit")])
@example([(0, "teammate"), (0, "commit"), (1, "edit"), (1, "commit")])
def test_no_edit_is_lost_in_any_order(steps):
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.name", "Test")
        git(repo, "config", "user.email", "test@example.com")
        git(repo, "config", "commit.gpgsign", "false")
        seed = Stack("orders")
        seed.add("function", "GetOrder", position=(0, 0))
        seed.add("table", "Orders")
        path = seed.save(repo / FILE)
        seed.commit("seed")
        editors = [Stack.load(path), Stack.load(path)]
        seen = [path.read_bytes(), path.read_bytes()]  # what each editor last loaded or wrote
        head_seen = [head_ids(repo), head_ids(repo)]  # the file at HEAD when each editor last looked
        accepted: set[str] = set()  # node ids that a successful save put in the file
        counter = 0
        for who, action in steps:
            counter += 1
            me = editors[who]
            before = snapshot(repo)
            note(f"step {counter}: editor {who} {action}")
            if action == "edit":
                me.add("queue", f"E{who}n{counter}")
            elif action == "move":
                me.move("GetOrder", counter * 10, who * 10)
            elif action in ("save", "branch", "commit"):
                wanted = me.dumps().encode()
                try:
                    if action == "save":
                        me.save()
                    elif action == "branch":
                        result = me.save(branch=f"b{counter}")
                    else:
                        me.commit(f"commit {counter}")
                except StackError as exc:
                    event(f"{action} refused")
                    after = snapshot(repo)
                    if action == "commit" and "nothing to commit" in str(exc):
                        assert after == before
                    else:
                        assert after == before, f"refused {action} changed the repository: {exc}"
                    continue
                event(f"{action} succeeded")
                if action == "branch" and not result.checked_out:
                    # switching would have lost someone's uncommitted work: committed beside it
                    assert snapshot(repo) == before, "a branch save beside the work tree touched it"
                    assert git(repo, "show", f"b{counter}:{FILE}").encode() == wanted
                    accepted |= {n for n in me._nodes if n.startswith("E")}
                    continue
                written = path.read_bytes()
                assert written == wanted
                old = before[0]
                assert old in (None, seen[who], written) or old.decode() in committed_contents(repo), \
                    "a save overwrote content this editor had never seen and that is not committed"
                if action == "branch":
                    assert snapshot(repo)[2] == f"b{counter}"
                if action == "commit":
                    assert git(repo, "show", f"HEAD:{FILE}").encode() == written
                    arrived = node_ids(git(repo, "show", f"HEAD~1:{FILE}", check=False)) - head_seen[who]
                    assert arrived <= node_ids(written.decode()), \
                        f"the commit undid work committed since the editor looked: {sorted(arrived)}"
                seen[who] = written
                head_seen[who] = head_ids(repo)
                accepted |= {n for n in me._nodes if n.startswith("E")}
            elif action in ("reload", "reload_confirm"):
                had_edits = me.dumps().encode() != seen[who]
                try:
                    me.reload(confirm=action == "reload_confirm")
                except StackError:
                    assert action == "reload" and had_edits
                    assert me.dumps().encode() != seen[who]  # nothing discarded
                    continue
                assert action == "reload_confirm" or not had_edits
                assert me == Stack.load(path) and me.dumps().encode() == path.read_bytes()
                seen[who] = path.read_bytes()
                head_seen[who] = head_ids(repo)
            elif action == "terminal_commit":
                git(repo, "add", "-A")
                git(repo, "commit", "-q", "-m", f"terminal {counter}", check=False)
            elif action == "teammate":
                teammate_commit(repo, f"T{counter}")
                accepted.add(f"T{counter}")
            elif action == "checkout_main":
                git(repo, "checkout", "-q", "main", check=False)  # git itself refuses to lose changes
            assert snapshot(repo)[0] is not None
        everywhere = set().union(node_ids(path.read_text()), *map(node_ids, committed_contents(repo)))
        assert accepted <= everywhere, f"lost edits: {sorted(accepted - everywhere)}"

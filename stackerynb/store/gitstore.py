"""Git-backed stack files: never overwrite an edit you have not seen.

A stack remembers, at every load and save, what its file held (a content hash), and when the file
sits in a git work tree also the commit HEAD pointed at and the branch checked out. Before a save
overwrites the file, :func:`check_can_save` compares that memory with the file and the branch as
they are now, and refuses, writing nothing, when

* **the file changed on disk**: another kernel, editor or program saved different content since
  this stack loaded or saved it; or
* **the branch moved**: HEAD is no longer the commit this stack was based on and the stack file
  differs between the two, so saving (then committing) would undo someone's committed change.

The refusal offers the two ways out: :func:`reload` (discard local edits, after confirmation) or
:func:`save_to_branch` (``stack.save(branch="feature-x")``: ``git checkout -b`` with the edits
carried over). :func:`commit` commits the stack file alone; pushing stays the user's choice.

Stacks outside a git repository keep the "changed on disk" protection; the branch features raise
a StackError saying the file is not in a git repository. GitPython is imported only when a stack
file really is inside a work tree, so ``import stackerynb`` stays fast.

Two kernels saving the same file at the same moment are serialised with an advisory lock
(``flock`` on the repository's ``.git`` folder, or the stack's folder outside git), so the check
and the write happen as one step.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from stackerynb.errors import StackError

if TYPE_CHECKING:
    from stackerynb.model.stack import Stack

CHANGED_ON_DISK = "changed-on-disk"
BRANCH_MOVED = "branch-moved"
FILE_EXISTS = "file-exists"


class ChangedUnderneath(StackError):
    """A save was refused because the file or the branch changed since the stack last saw it.

    ``code`` is ``"changed-on-disk"``, ``"branch-moved"`` or ``"file-exists"``; ``reason`` is
    the one-line description (also what :func:`changed_underneath` returns)."""

    def __init__(self, message: str, code: str, reason: str):
        super().__init__(message)
        self.code = code
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class FileMemory:
    """What a stack remembers about its file from its last load, save, commit or reload.

    ``content``: sha256 of the file's bytes (None when there was no file); ``design``: the
    stack's name, nodes, wires and layout at that moment (immutable values, so comparing with the
    stack now tells unsaved edits without writing the file's text); ``work_tree``
    / ``file``: the git work tree and the file's path inside it (None outside git); ``base``: the
    commit HEAD pointed at (None outside git or before the first commit); ``branch``: the branch
    checked out (None when detached or outside git).
    """

    path: Path
    content: str | None
    design: tuple = dataclasses.field(repr=False, compare=False)
    work_tree: Path | None = None
    file: str | None = None
    base: str | None = None
    branch: str | None = None


# ------------------------------------------------------------------ small helpers
def _digest(data: bytes | str | None) -> str | None:
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StackError(f"{path}: cannot read: {exc.strerror}") from None


def _short(sha: str | None) -> str:
    return sha[:7] if sha else "(no commit)"


def find_work_tree(path: str | Path) -> Path | None:
    """The root of the git work tree holding ``path`` (a file that may not exist yet), or None.

    Walks up looking for ``.git`` without importing GitPython, so stacks outside git cost nothing.
    """
    folder = Path(path).resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


@contextlib.contextmanager
def _repo(work_tree: Path):
    import git  # GitPython, imported only for stacks that live in a work tree

    try:
        repo = git.Repo(work_tree)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise StackError(f"{work_tree}: not a usable git repository ({exc})") from None
    try:
        yield repo
    finally:
        repo.close()  # ends the persistent `git cat-file` helpers


def _git(repo, *args: str) -> str:
    """Run ``git args`` in ``repo``; a failure becomes a StackError quoting git."""
    import git

    try:
        return repo.git.execute(["git", *args])
    except git.GitCommandError as exc:
        stderr = (exc.stderr or "").strip().removeprefix("stderr:").strip().strip("'").strip()
        raise StackError(f"git {args[0]} failed: {stderr or exc}") from None


def _head(repo) -> tuple[str | None, str | None]:
    """(HEAD commit sha or None before the first commit, branch name or None when detached).
    Read from the refs alone (no object lookup, so no git process): cheap enough to poll."""
    from git.refs.symbolic import SymbolicReference

    try:
        sha = SymbolicReference.dereference_recursive(repo, "HEAD")
    except ValueError:  # unborn branch: no commit yet
        sha = None
    head = repo.head
    branch = None if head.is_detached else head.reference.name
    return sha, branch


def _blob(repo, commit: str | None, file: str) -> bytes | None:
    """The file's bytes at ``commit`` (None when the commit or the file in it does not exist)."""
    if commit is None:
        return None
    try:
        return (repo.commit(commit).tree / file).data_stream.read()
    except (KeyError, ValueError):
        return None


def _relative(work_tree: Path, path: Path) -> str:
    return path.resolve().relative_to(work_tree).as_posix()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an advisory lock so two kernels cannot interleave a check and a write."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the check still runs, just not atomically
        yield
        return
    work_tree = find_work_tree(path)
    target = work_tree / ".git" if work_tree is not None else path.resolve().parent
    if not target.is_dir():  # a .git file (worktree/submodule) or a folder not created yet
        target = target.parent if target.parent.is_dir() else Path.cwd()
    fd = os.open(target, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# ------------------------------------------------------------------ memory
def _design(stack: "Stack") -> tuple:
    return (stack.name, tuple(stack._nodes.values()), tuple(stack._wires), tuple(stack._layout.items()))


def remember(stack: "Stack", path: str | Path, data: bytes | None) -> FileMemory:
    """Record ``data`` (the file's bytes now) and the git state as the stack's base for later saves."""
    path = Path(path)
    work_tree = find_work_tree(path)
    file = base = branch = None
    if work_tree is not None:
        file = _relative(work_tree, path)
        with _repo(work_tree) as repo:
            base, branch = _head(repo)
    memory = FileMemory(path=path.resolve(), content=_digest(data), design=_design(stack),
                        work_tree=work_tree, file=file, base=base, branch=branch)
    stack.vcs = memory
    return memory


def _memory_for(stack: "Stack", path: Path) -> FileMemory | None:
    memory = stack.vcs
    if isinstance(memory, FileMemory) and memory.path == path.resolve():
        return memory
    return None


def has_unsaved_edits(stack: "Stack") -> bool:
    """True when the stack differs from what it last loaded or saved (a new stack with nodes counts)."""
    memory = stack.vcs if isinstance(stack.vcs, FileMemory) else None
    if memory is None:
        return len(stack) > 0 or bool(stack.wires)
    return _design(stack) != memory.design


# ------------------------------------------------------------------ loading
def load(path: str | Path) -> "Stack":
    """Read a stack file and remember its content and git state (see :class:`FileMemory`)."""
    from stackerynb.model.fileformat import parse_stack, read_stack

    path = Path(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return read_stack(path)  # raises the file format's own clear error
    stack = parse_stack(text, str(path), path)
    remember(stack, path, raw)
    return stack


# ------------------------------------------------------------------ checking
class _Text:
    """The stack's file text, made only if a check needs it (polling usually does not)."""

    def __init__(self, stack: "Stack", text: str | None = None):
        self.stack, self._text = stack, text

    @property
    def value(self) -> str:
        if self._text is None:
            self._text = self.stack.dumps()
        return self._text


def _staleness(stack: "Stack", path: Path, text: _Text) -> tuple[str, str] | None:
    """(code, reason) when writing the stack's text to ``path`` could lose someone's change."""
    disk = _read(path)
    memory = _memory_for(stack, path)
    unseen = disk is not None and (memory is None or _digest(disk) != memory.content)
    same = unseen and disk == text.value.encode("utf-8")  # writing it again loses nothing on disk
    if memory is None:
        if disk is None or same:
            return None
        return FILE_EXISTS, (f"{path} already exists and this stack was not loaded from it "
                             "(saving would replace that stack)")
    moved = _branch_movement(memory, text)
    if unseen and not same:
        if moved and _digest(disk) == moved[1]:
            return BRANCH_MOVED, moved[0] + " (and the file on disk now holds that version)"
        return CHANGED_ON_DISK, (f"{path} changed on disk since this stack loaded or saved it "
                                 "(another kernel, editor or git command wrote it)")
    if moved:  # even when the file on disk is right: committing it would undo the branch's change
        return BRANCH_MOVED, (moved[0] + f"; the file on disk does not have that change either "
                              f"(git restore {memory.file} brings it, then reload)")
    return None


def _branch_movement(memory: FileMemory, text: _Text) -> tuple[str, str | None] | None:
    """(reason, digest of the file at HEAD) when HEAD moved past the base and changed the file."""
    if memory.work_tree is None or not (memory.work_tree / ".git").exists():
        return None
    with _repo(memory.work_tree) as repo:
        head, branch = _head(repo)
        if head == memory.base:
            return None
        at_head = _blob(repo, head, memory.file)
        at_base = _blob(repo, memory.base, memory.file)
        if at_head == at_base or _digest(at_head) in (memory.content, _digest(text.value)):
            return None  # the file is the same, or HEAD holds what this stack already has
        summary = repo.commit(head).summary if head else ""
    on = f"branch {branch}" if branch else "a detached HEAD"
    state = "deleted" if at_head is None else "changed"
    if memory.branch is not None and branch != memory.branch:
        reason = (f"the work tree switched from branch {memory.branch} to {on} ({_short(head)} "
                  f"\"{summary}\"), where {memory.file} is {'missing' if at_head is None else 'different'}: "
                  "saving would overwrite that branch's version")
    else:
        reason = (f"{on} moved from {_short(memory.base)} to {_short(head)} (\"{summary}\") and "
                  f"{memory.file} was {state} there: saving would undo that committed change")
    return reason, _digest(at_head)


def _ways_out(memory: FileMemory | None, path: Path, code: str) -> str:
    lines = ["Ways out (your edits are still in this stack):"]
    if code == FILE_EXISTS:
        lines.append(f"  - Stack.load({str(path)!r}) to edit the stack that is there")
    else:
        lines.append("  - stack.reload(confirm=True): discard your unsaved edits and load the file as it is now")
    if (memory and memory.work_tree) or find_work_tree(path) is not None:
        lines.append('  - stack.save(branch="my-branch"): keep your edits on a new git branch '
                     "(like git checkout -b), leaving the other version where it is")
    else:
        lines.append(f"  - stack.save('<another file>.yaml'): keep your edits in another file "
                     f"({path} is not in a git repository, so saving to a branch is not available)")
    return "\n".join(lines)


def check_can_save(stack: "Stack", path: str | Path, text: str | None = None) -> None:
    """Raise :class:`ChangedUnderneath` (a StackError) when saving ``stack`` to ``path`` could lose
    a change this stack has not seen; the message names what changed and the ways out."""
    path = Path(path)
    found = _staleness(stack, path, _Text(stack, text))
    if found is None:
        return
    code, reason = found
    message = (f"cannot save stack {stack.name!r}: {reason}. Nothing was written.\n"
               + _ways_out(_memory_for(stack, path), path, code))
    raise ChangedUnderneath(message, code, reason)


def changed_underneath(stack: "Stack") -> str | None:
    """Why a save of ``stack`` to its file would be refused now, or None (cheap enough to poll)."""
    memory = stack.vcs if isinstance(stack.vcs, FileMemory) else None
    if memory is None or stack.path is None:
        return None
    found = _staleness(stack, Path(stack.path), _Text(stack))
    if found is not None:
        return found[1]
    if not memory.path.exists() and memory.content is not None:
        return f"{stack.path} was deleted; saving will write it again"
    return None


# ------------------------------------------------------------------ saving
def save(stack: "Stack", path: str | Path, *, branch: str | None = None) -> Path:
    """Check, then write ``stack`` to ``path`` atomically and remember it (``branch``: see
    :func:`save_to_branch`). A refused save writes nothing."""
    if branch is not None:
        return save_to_branch(stack, path, branch)
    from stackerynb.model.fileformat import write_stack

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # so both kernels lock the same folder
    with _locked(path):
        check_can_save(stack, path)
        write_stack(stack, path)
        remember(stack, path, _read(path))  # under the lock: these are the bytes just written
    return path


def save_to_branch(stack: "Stack", path: str | Path, branch: str) -> Path:
    """Create ``branch``, check it out with the stack's edits carried over, and write the file there.

    The branch starts at HEAD, or at the commit the stack was based on when HEAD has since moved
    and changed the file (so the edits sit on the version they were made against). Refused, with
    nothing changed, when the path is not in git, the name is taken or invalid, the stack file
    holds uncommitted changes this stack did not write, or the checkout would lose other
    uncommitted changes.
    """
    from stackerynb.model.fileformat import write_stack

    path = Path(path)
    work_tree = find_work_tree(path)
    if work_tree is None:
        raise StackError(f"cannot save to branch {branch!r}: {path} is not in a git repository "
                         "(save it under another file name instead)")
    text = stack.dumps()
    file = _relative(work_tree, path)
    with _locked(path), _repo(work_tree) as repo:
        if not isinstance(branch, str) or not branch.strip():
            raise StackError(f"cannot save to branch {branch!r}: give the new branch a name")
        try:
            _git(repo, "check-ref-format", "--branch", branch)
        except StackError:
            raise StackError(f"cannot save to branch {branch!r}: not a valid git branch name") from None
        if branch in [h.name for h in repo.heads]:
            raise StackError(f"cannot save to branch {branch!r}: that branch already exists; "
                             "pick a new name (saving to an existing branch could overwrite its work)")
        head, _ = _head(repo)
        memory = _memory_for(stack, path)
        at_head = _blob(repo, head, file)
        start = head
        if memory is not None and memory.base and head != memory.base:
            if _blob(repo, memory.base, file) != at_head:
                start = memory.base
        _refuse_if_stack_file_unsafe(repo, path, file, at_head, memory, text)
        if start != head:
            _refuse_if_checkout_loses(repo, head, start, file)
        disk = _read(path)
        try:
            if start != head:
                _restore_to(repo, path, file, head, at_head)  # safe: checked above, ours or committed
            _git(repo, "checkout", "-q", "-b", branch, *([start] if start else []))
        except StackError as exc:
            _put_back(path, disk)
            raise StackError(f"cannot save to branch {branch!r}: {exc}. Nothing was changed.") from None
        write_stack(stack, path)
        remember(stack, path, _read(path))
    return path


def _refuse_if_stack_file_unsafe(repo, path: Path, file: str, at_head: bytes | None,
                                 memory: FileMemory | None, text: str) -> None:
    """The stack file may be overwritten only when what it holds (work tree and index) is committed
    at HEAD, is this stack's own last load/save, or equals what we are about to write."""
    safe = {_digest(at_head), _digest(text)}
    if memory is not None:
        safe.add(memory.content)
    disk = _read(path)
    entry = repo.index.entries.get((file, 0))
    staged = entry.binsha if entry is not None else None
    head_entry = None
    if at_head is not None:
        head_entry = (repo.head.commit.tree / file).binsha
    staged_unsafe = staged is not None and staged != head_entry and \
        _digest(repo.odb.stream(staged).read()) not in safe
    if (disk is not None and _digest(disk) not in safe) or staged_unsafe:
        raise StackError(
            f"cannot save to a new branch: {file} holds changes that are not committed and were not "
            "saved by this stack (another kernel or editor saved them); switching branches would "
            "lose them. Nothing was changed. Commit them first (stack.commit(...) in the editor that "
            f"saved them, or git commit {file}), then save to a new branch again.")


def _dirty_files(repo, untracked: bool = True) -> set[str]:
    """Paths with uncommitted changes: staged, modified, and (unless told not to) untracked."""
    out = _git(repo, "status", "--porcelain=v1", "-z", f"--untracked-files={'all' if untracked else 'no'}")
    files, entries = set(), out.split("\0")
    skip = False
    for entry in entries:
        if skip:  # the original path of a rename/copy
            skip = False
            continue
        if len(entry) > 3:
            files.add(entry[3:])
            skip = entry[0] in "RC"
    return files


def _refuse_if_checkout_loses(repo, head: str | None, start: str, file: str) -> None:
    if head is None:
        return
    differ = set(_git(repo, "diff", "--name-only", "-z", head, start).split("\0")) - {""}
    at_risk = sorted((differ & _dirty_files(repo)) - {file})
    if at_risk:
        listed = ", ".join(at_risk[:10]) + (" ..." if len(at_risk) > 10 else "")
        raise StackError(
            f"cannot save to a new branch from {_short(start)} (the commit this stack was based on): "
            f"checking it out would lose uncommitted changes to {listed}. Nothing was changed. "
            "Commit or stash those changes first.")


def _restore_to(repo, path: Path, file: str, head: str | None, at_head: bytes | None) -> None:
    """Put the stack file (work tree and index) back to its HEAD version so checkout can proceed."""
    if at_head is not None:
        _git(repo, "checkout", "-q", head, "--", file)
    else:
        _git(repo, "rm", "-q", "--cached", "--ignore-unmatch", "--", file)
        path.unlink(missing_ok=True)


def _put_back(path: Path, data: bytes | None) -> None:
    if data is None:
        path.unlink(missing_ok=True)
    elif _read(path) != data:
        path.write_bytes(data)


# ------------------------------------------------------------------ committing
def commit(stack: "Stack", message: str) -> str:
    """Save (checked as usual) and commit the stack file alone; returns the new commit's sha.

    Other staged or modified files are left out of the commit and stay as they were. Pushing
    stays the user's choice.
    """
    if not isinstance(message, str) or not message.strip():
        raise StackError("commit needs a message saying what changed")
    path = Path(stack.path) if stack.path is not None else Path("stacks") / f"{stack.name}.yaml"
    work_tree = find_work_tree(path)
    if work_tree is None:
        raise StackError(f"cannot commit: {path} is not in a git repository")
    save(stack, path)
    stack.path = path
    file = _relative(work_tree, path)
    with _locked(path), _repo(work_tree) as repo:
        head, _ = _head(repo)
        data = _read(path)
        if head is not None and _blob(repo, head, file) == data:
            raise StackError(f"nothing to commit: {file} is the same as in commit {_short(head)}")
        before = repo.index.entries.get((file, 0))
        _git(repo, "add", "--", file)
        try:
            _git(repo, "commit", "-q", "--only", "-m", message, "--", file)
        except StackError:  # e.g. no user.email, or a hook said no: leave the index as it was
            if before is None:
                _git(repo, "rm", "-q", "--cached", "--", file)
            else:
                _git(repo, "update-index", "--cacheinfo", f"{before.mode:o},{before.hexsha},{file}")
            raise
        new_head, _ = _head(repo)
    remember(stack, path, _read(path))
    return new_head


# ------------------------------------------------------------------ reloading
def reload(stack: "Stack", confirm: bool = False) -> "Stack":
    """Read the stack's file again into ``stack`` itself, so observers (the canvas) see it.

    Unsaved edits are discarded only with ``confirm=True``; without it a StackError says what
    would be lost. Observers receive the usual Change events (disconnect, remove, add, set,
    place, connect, move) for what differs, so nothing special is needed to follow a reload.
    """
    if stack.path is None:
        raise StackError(f"stack {stack.name!r} has no file to reload from (it was never saved)")
    if has_unsaved_edits(stack) and not confirm:
        raise StackError(
            f"reloading {stack.path} would discard your unsaved edits to stack {stack.name!r}. "
            "Call stack.reload(confirm=True) to discard them, or keep them with "
            'stack.save(branch="my-branch") (in git) or stack.save("<another file>.yaml").')
    fresh = load(stack.path)
    _apply(stack, fresh)
    stack.vcs = fresh.vcs
    return stack


def _apply(stack: "Stack", fresh: "Stack") -> None:
    """Turn ``stack`` into ``fresh`` one observable change at a time, in the order the edit
    methods use (wires off before nodes go, nodes out of a network before it goes, nodes in
    before they are placed and wired), so an observer such as the canvas just follows along."""
    from stackerynb.model.elements import Change

    old_nodes, new_nodes = stack._nodes, fresh._nodes
    gone = {nid for nid, node in old_nodes.items()
            if nid not in new_nodes or new_nodes[nid].kind != node.kind}
    for wire in [w for w in stack._wires
                 if w not in fresh._wires or w.source in gone or w.target in gone]:
        stack._wires.remove(wire)
        stack._emit(Change("disconnect", wire=wire))
    for node in list(old_nodes.values()):
        if node.network is not None and node.network in gone:
            unplaced = dataclasses.replace(node, network=None)
            old_nodes[node.id] = unplaced
            stack._emit(Change("place", node=unplaced))
    for node_id in [nid for nid in old_nodes if nid in gone]:
        node = old_nodes.pop(node_id)
        stack._layout.pop(node_id, None)
        stack._emit(Change("remove", node=node))
    for node_id, node in new_nodes.items():
        if node_id not in old_nodes:
            added = dataclasses.replace(node, network=None)  # placed below, once its network exists
            old_nodes[node_id] = added
            if node_id in fresh._layout:
                stack._layout[node_id] = fresh._layout[node_id]
            stack._emit(Change("add", node=added, position=fresh._layout.get(node_id)))
    for node_id, node in new_nodes.items():
        old = old_nodes[node_id]
        if dict(old.settings) != dict(node.settings):
            old = old_nodes[node_id] = dataclasses.replace(old, settings=dict(node.settings))
            stack._emit(Change("set", node=old))
        if old.network != node.network:
            old_nodes[node_id] = node
            stack._emit(Change("place", node=node))
        position = fresh._layout.get(node_id)
        if stack._layout.get(node_id) != position:
            if position is None:
                stack._layout.pop(node_id, None)
            else:
                stack._layout[node_id] = position
            stack._emit(Change("move", node=node, position=position))
    for wire in [w for w in fresh._wires if w not in stack._wires]:
        stack._wires.append(wire)
        stack._emit(Change("connect", wire=wire))
    # Same content now; take the file's order and line numbers too, so a save is byte-identical.
    stack.name = fresh.name
    stack._nodes = dict(new_nodes)
    stack._wires = list(fresh._wires)
    stack._layout = dict(fresh._layout)
    stack._lines = dict(fresh._lines)


def where(path: str | Path | None) -> dict | None:
    """``{"sha", "branch"}`` of the work tree holding ``path`` (None outside git); cheap, for a
    status line. ``sha`` is None before the first commit, ``branch`` None when detached."""
    work_tree = find_work_tree(path) if path is not None else None
    if work_tree is None:
        return None
    with _repo(work_tree) as repo:
        sha, branch = _head(repo)
    return {"sha": sha, "branch": branch}


# ------------------------------------------------------------------ deployments
def vcs_info(path: str | Path | None, stack: "Stack | None" = None) -> dict:
    """Where a deployment comes from: ``{"sha", "branch", "dirty", "detail"}``.

    ``sha``/``branch``: HEAD's commit and branch (None outside git, before the first commit, or
    when detached for ``branch``). ``dirty`` is True when what is deployed is not exactly a
    commit: the stack (given ``stack``, its in-memory design, else the file) differs from the file
    at HEAD, or tracked files in the work tree have uncommitted changes (``git describe --dirty``
    semantics; untracked files are ignored). ``detail`` says why in a sentence, or is None.
    """
    path = Path(path) if path is not None else None
    work_tree = find_work_tree(path) if path is not None else None
    if work_tree is None:
        where = f"{path} is not in a git repository" if path is not None else "the stack was never saved"
        return {"sha": None, "branch": None, "dirty": True, "detail": f"{where}: no commit records it"}
    file = _relative(work_tree, path)
    with _repo(work_tree) as repo:
        sha, branch = _head(repo)
        committed = _blob(repo, sha, file)
        reasons = []
        if stack is not None and committed != stack.dumps().encode("utf-8"):
            reasons.append("the stack has edits that are not committed"
                           + (" (or not saved)" if has_unsaved_edits(stack) else ""))
        elif stack is None and committed != _read(path):
            reasons.append(f"{file} has uncommitted changes")
        if sha is not None:
            others = sorted(_dirty_files(repo, untracked=False) - {file})
            if others:
                reasons.append("uncommitted changes in " + ", ".join(others[:5])
                               + (" ..." if len(others) > 5 else ""))
    detail = "; ".join(reasons) or None
    return {"sha": sha, "branch": branch, "dirty": bool(reasons), "detail": detail}


"""Git-backed stack files: never overwrite an edit you have not seen.

A stack remembers, at every load and save, what its file held (a content hash), and when the file
sits in a git work tree also the commit HEAD pointed at and the branch checked out. Before a save
overwrites the file, :func:`check_can_save` compares that memory with the file and the branch as
they are now, and refuses, writing nothing, when

* **the file changed on disk**: another kernel, editor or program saved different content since
  this stack loaded or saved it; or
* **the branch moved**: HEAD is no longer the commit this stack was based on and the stack file
  differs between the two, so saving (then committing) would undo someone's committed change.

The refusal offers the two ways out: ``stack.reload(confirm=True)`` (discard local edits) or
:func:`save_to_branch` (``stack.save(branch="feature-x")``: ``git checkout -b`` with the edits
carried over, or, when switching would lose someone's uncommitted work, a commit on the new branch
made from a temporary index that leaves the work tree alone). :func:`commit` commits the stack
file alone; pushing stays the user's choice.

This module knows files, bytes and commits, not the model: it receives the stack as an object
offering its text (``dumps()``), its design as immutable values (``snapshot()``), ``name``,
``path`` and ``vcs`` (see :class:`StoredStack`), and a ``parse`` callback to turn file text into
a stack. Applying a reloaded file to a stack is the model's business (``Stack.reload``).

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
from typing import Any, Callable, Iterator, Protocol

from stackerynb.errors import StackError
from stackerynb.store.files import read_text, require_regular_file, write_atomically


class StoredStack(Protocol):
    """What the store needs of a stack (the model's Stack offers it)."""

    name: str
    path: Path | None
    vcs: Any

    def dumps(self) -> str: ...

    def snapshot(self) -> tuple: ...

    def __len__(self) -> int: ...


Stack = StoredStack  # the annotations below read naturally
Parse = Callable[[str, str, Path], Any]  # (text, filename, path) -> a stack

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


def _git(repo, *args: str, env: dict | None = None) -> str:
    """Run ``git args`` in ``repo`` (``env``: extra environment variables); a failure becomes a
    StackError quoting git."""
    import git

    try:
        return repo.git.execute(["git", *args], env=env)
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
def remember(stack: "Stack", path: str | Path, data: bytes | None) -> FileMemory:
    """Record ``data`` (the file's bytes now) and the git state as the stack's base for later saves."""
    path = Path(path)
    work_tree = find_work_tree(path)
    file = base = branch = None
    if work_tree is not None:
        file = _relative(work_tree, path)
        with _repo(work_tree) as repo:
            base, branch = _head(repo)
    memory = FileMemory(path=path.resolve(), content=_digest(data), design=stack.snapshot(),
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
        return len(stack) > 0
    return stack.snapshot() != memory.design


# ------------------------------------------------------------------ loading
def load(path: str | Path, parse: Parse) -> "Stack":
    """Read a stack file with ``parse(text, filename, path)`` and remember its content and git
    state (see :class:`FileMemory`)."""
    path = Path(path)
    text = read_text(path, "stack file")  # a clear error for a missing, unreadable or binary file
    stack = parse(text, str(path), path)
    remember(stack, path, text.encode("utf-8"))
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
                     "(like git checkout -b when that loses nothing; otherwise committed on that branch "
                     "without touching the work tree), leaving the other version where it is")
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
def save(stack: "Stack", path: str | Path, *, branch: str | None = None) -> "Path | BranchSave":
    """Check, then write ``stack`` to ``path`` atomically and remember it (``branch``: see
    :func:`save_to_branch`). A refused save writes nothing."""
    if branch is not None:
        return save_to_branch(stack, path, branch)
    path = Path(path)
    require_regular_file(path, "stack file")  # it is read back: never a device, pipe or folder
    path.parent.mkdir(parents=True, exist_ok=True)  # so both kernels lock the same folder
    with _locked(path):
        text = stack.dumps()
        check_can_save(stack, path, text)
        write_atomically(path, text)
        remember(stack, path, _read(path))  # under the lock: these are the bytes just written
    return path


@dataclasses.dataclass(frozen=True)
class BranchSave:
    """Where ``stack.save(branch=...)`` put the stack, and what stayed where.

    ``checked_out``: True when the work tree now is on ``branch`` with the stack's text in
    ``path`` (not committed yet); False when switching would have lost someone's uncommitted
    changes, so the stack's text went into ``commit`` on ``branch`` and the work tree, its branch
    and the index were left exactly as they were. ``message`` (also ``str()``) says it in words.
    Usable as the path (``os.fspath``)."""

    path: Path
    branch: str
    checked_out: bool
    commit: str | None
    message: str

    def __str__(self) -> str:
        return self.message

    def __fspath__(self) -> str:
        return str(self.path)


def save_to_branch(stack: "Stack", path: str | Path, branch: str) -> BranchSave:
    """Put the stack's edits on a new branch ``branch``, never losing anyone's work.

    The branch starts at HEAD, or at the commit the stack was based on when HEAD has since moved
    and changed the file (so the edits sit on the version they were made against). When the work
    tree can switch without losing anything, this is ``git checkout -b`` with the edits carried
    over and the file written there. When switching would lose uncommitted changes this stack did
    not make (another kernel or an editor saved the stack file, or other files differ), the
    stack's text is committed on the new branch from a temporary index instead, and the work
    tree, HEAD and the index stay as they were. Refused, with nothing changed, when the path is
    not in git or the name is taken or invalid. Returns a :class:`BranchSave` saying which branch
    holds what.
    """
    path = Path(path)
    require_regular_file(path, "stack file")
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
        head, current = _head(repo)
        memory = _memory_for(stack, path)
        at_head = _blob(repo, head, file)
        start = head
        if memory is not None and memory.base and head != memory.base:
            if _blob(repo, memory.base, file) != at_head:
                start = memory.base
        kept = _unsafe_stack_file(repo, path, file, at_head, memory, text)
        if not kept and start != head:
            kept = _checkout_would_lose(repo, head, start, file)
        if kept:
            return _commit_beside(repo, stack, path, file, branch, start, text, current, kept)
        disk = _read(path)
        try:
            if start != head:
                _restore_to(repo, path, file, head, at_head)  # safe: checked above, ours or committed
            _git(repo, "checkout", "-q", "-b", branch, *([start] if start else []))
        except StackError as exc:
            _put_back(path, disk)
            raise StackError(f"cannot save to branch {branch!r}: {exc}. Nothing was changed.") from None
        write_atomically(path, text)
        remember(stack, path, _read(path))
    was = f"branch {current}" if current else "a detached HEAD"
    return BranchSave(path, branch, True, None,
                      f"saved stack {stack.name!r} to {file} on the new branch {branch}, now checked out "
                      f"(it was on {was}); commit it with stack.commit(...)")


def _commit_beside(repo, stack: "Stack", path: Path, file: str, branch: str, start: str | None,
                   text: str, current: str | None, kept: str) -> BranchSave:
    """Commit ``text`` as ``file`` on a new ``branch`` starting at ``start``, through a temporary
    index: the work tree, the index and HEAD are not touched."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="stackerynb-branch-") as folder:
        env = {"GIT_INDEX_FILE": os.path.join(folder, "index")}
        content = os.path.join(folder, "content")
        with open(content, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        try:
            if start:
                _git(repo, "read-tree", start, env=env)
            blob = _git(repo, "hash-object", "-w", "--no-filters", content)
            _git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{file}", env=env)
            tree = _git(repo, "write-tree", env=env)
            message = (f"{stack.name}: edits saved to a new branch from another kernel\n\n"
                       f"The work tree held {kept}, so this version was committed here without "
                       "checking the branch out.")
            sha = _git(repo, "commit-tree", tree, *(["-p", start] if start else []), "-m", message)
            _git(repo, "branch", branch, sha)
        except StackError as exc:
            raise StackError(f"cannot save to branch {branch!r}: {exc}. Nothing was changed.") from None
    on = f"branch {current}" if current else "a detached HEAD"
    return BranchSave(path, branch, False, sha, (
        f"saved stack {stack.name!r} to the new branch {branch} as commit {_short(sha)} ({file}). "
        f"The work tree stays on {on}, where {file} keeps {kept}: nothing there was touched. "
        f"To continue on {branch}: commit or stash those changes, then `git checkout {branch}` "
        "and stack.reload(confirm=True)."))


def _unsafe_stack_file(repo, path: Path, file: str, at_head: bytes | None,
                       memory: FileMemory | None, text: str) -> str | None:
    """What switching branches would lose of the stack file, or None: it may be overwritten only
    when what it holds (work tree and index) is committed at HEAD, is this stack's own last
    load/save, or equals what we are about to write."""
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
    if disk is not None and _digest(disk) not in safe:
        return "the other kernel's (or editor's) saved edits, not committed"
    if staged_unsafe:
        return "staged changes that are not committed"
    return None


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


def _checkout_would_lose(repo, head: str | None, start: str, file: str) -> str | None:
    """The uncommitted changes that checking out ``start`` would lose, described, or None."""
    if head is None:
        return None
    differ = set(_git(repo, "diff", "--name-only", "-z", head, start).split("\0")) - {""}
    at_risk = sorted((differ & _dirty_files(repo)) - {file})
    if not at_risk:
        return None
    listed = ", ".join(at_risk[:10]) + (" ..." if len(at_risk) > 10 else "")
    return f"its version from the newer commit, with uncommitted changes to {listed}"


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
def check_can_reload(stack: "Stack", confirm: bool) -> Path:
    """The file to reload ``stack`` from; StackError when it has none, or when reloading would
    discard unsaved edits without ``confirm``. (Applying the file is the model's ``Stack.reload``.)"""
    if stack.path is None:
        raise StackError(f"stack {stack.name!r} has no file to reload from (it was never saved)")
    if has_unsaved_edits(stack) and not confirm:
        raise StackError(
            f"reloading {stack.path} would discard your unsaved edits to stack {stack.name!r}. "
            "Call stack.reload(confirm=True) to discard them, or keep them with "
            'stack.save(branch="my-branch") (in git) or stack.save("<another file>.yaml").')
    return Path(stack.path)


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


"""The project a stack belongs to, and the kit's own files in it (``.stackerynb/``).

A project is the git work tree holding the stack file, else the folder holding it. Every kernel
and every command of one project finds the same ``.stackerynb/`` folder there: the local
emulator's pid, port and saved state, and the deploy locks (one file per stack and environment).
The folder ignores itself in git (it holds machine state, not design).
"""
from __future__ import annotations

import errno
import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from stackerynb.errors import StackError

FOLDER = ".stackerynb"


def root(folder: str | Path | None = None) -> Path:
    """The project holding ``folder`` (default: the working folder): the nearest ancestor with
    ``.git``, else ``folder`` itself."""
    start = Path(folder if folder is not None else Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def state_folder(folder: str | Path | None = None, *parts: str) -> Path:
    """``<project>/.stackerynb/<parts>``, created (with a .gitignore that ignores it all)."""
    base = root(folder) / FOLDER
    path = base.joinpath(*parts)
    try:
        if not base.is_dir():
            base.mkdir(parents=True, exist_ok=True)
            (base / ".gitignore").write_text("# machine state of stackerynb (emulator, locks): not design\n*\n")
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StackError(f"cannot keep the kit's state (emulator, deploy locks) in {path}: {exc.strerror or exc}; "
                         "nothing was changed") from None
    return path


# ---------------------------------------------------------------------------- locks
_held: dict[str, list] = {}  # lock path -> [file descriptor, depth] held by this process
_held_lock = threading.Lock()
WAIT_SECONDS = 900.0  # longer than a local deploy ever takes; AWS deploys rarely take longer
POLL_SECONDS = 0.1


def _holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


@contextmanager
def stack_lock(folder: str | Path | None, key: str, doing: str, on_wait: Callable[[str], None] | None = None,
               wait: float = WAIT_SECONDS):
    """Hold the project's lock for ``key`` (a stack and environment) while the block runs.

    Another process holding it is waited for (``on_wait`` is told once, with who holds it);
    after ``wait`` seconds the call is refused with nothing changed. The lock is an OS file lock
    (``flock``), so a process that dies releases it. Re-entrant within one process."""
    import fcntl

    path = state_folder(folder, "locks") / f"{key}.lock"
    name = str(path)
    with _held_lock:
        if name in _held:
            _held[name][1] += 1
            entered = True
        else:
            entered = False
    if entered:
        try:
            yield
        finally:
            _release(name)
        return
    fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o644)
    deadline, told = time.monotonic() + wait, False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                os.close(fd)
                raise
        holder = _holder(path)
        who = f"{holder.get('doing', 'another deployment')} (process {holder.get('pid', '?')}, since {holder.get('since', '?')})"
        if time.monotonic() > deadline:
            os.close(fd)
            raise StackError(f"{key}: {who} still holds the deploy lock after {wait:.0f} s; nothing was changed. "
                             f"Try again when it has finished (lock file {path})")
        if not told and on_wait is not None:
            on_wait(f"waiting for {who} to finish before {doing}")
            told = True
        time.sleep(POLL_SECONDS)
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": os.getpid(), "doing": doing,
                              "since": time.strftime("%H:%M:%S")}).encode(), 0)
    with _held_lock:
        _held[name] = [fd, 1]
    try:
        yield
    finally:
        _release(name)


def _release(name: str) -> None:
    import fcntl
    with _held_lock:
        entry = _held[name]
        entry[1] -= 1
        if entry[1]:
            return
        del _held[name]
    fd = entry[0]
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)

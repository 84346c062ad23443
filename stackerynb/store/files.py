"""Reading and writing the kit's text files: clear errors on the way in, atomic on the way out."""
from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from pathlib import Path

import yaml

from stackerynb.errors import StackError

# YAML deeper than this is refused when read: nothing the kit reads nests this deep, and the
# recursive readers and writers (PyYAML, troposphere, json) run out of stack not far above it.
MAX_NESTING = 100
# A lone "\ud800" escape in double-quoted YAML gives text no UTF-8 file or AWS API can hold.
SURROGATE = re.compile("[\ud800-\udfff]")

# A temporary file of a writer that died is removed on a later save once no live process can
# own it: its writer's pid is gone, or it is older than any save could take.
_STALE_SECONDS = 24 * 3600
_LEGACY_STALE_SECONDS = 3600  # temporary files written before the pid was part of the name


# ---------------------------------------------------------------- writing
def write_atomically(path: str | Path, text: str | bytes) -> Path:
    """Write ``text`` to ``path`` so that no reader ever sees half of it; returns the file written.

    A regular file (or a new one) is written through a temporary file in the same folder and a
    rename, so the old file stays whole until the new one is complete and on disk. A symlink is
    followed: its target is replaced, the link stays. Character devices and pipes (``/dev/null``,
    ``/dev/stdout``, a FIFO) are written directly, never replaced. Anything else (a folder, a
    socket, a block device) is refused with a StackError naming the path; nothing is written.
    ``bytes`` are written as they are (an image), text as UTF-8.
    """
    path = Path(path)
    try:
        info = os.stat(path)  # follows symlinks, also /dev/fd/N links to pipes
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise StackError(f"{path}: cannot write there: {exc.strerror}") from None
    if info is not None and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        _write_stream(path, text)
        return path
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise StackError(f"{path}: is {_file_type(info.st_mode)}, not a regular file; nothing was written")
    try:
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
    except OSError as exc:
        raise StackError(f"{path}: cannot follow the link: {exc.strerror}") from None
    _replace(target, text, None if info is None else stat.S_IMODE(info.st_mode))
    return target


def require_regular_file(path: str | Path, what: str) -> None:
    """StackError unless ``path`` is a regular file (through symlinks) or does not exist yet:
    for files the kit also reads back, such as stack files (never a device, pipe or folder)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StackError(f"{path}: cannot use it as a {what}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a character device" if stat.S_ISCHR(info.st_mode) else \
            "a pipe" if stat.S_ISFIFO(info.st_mode) else _file_type(info.st_mode)
        raise StackError(f"{path}: is {kind}, not a regular file; a {what} must be one. Nothing was written.")


def _open_for(text: str | bytes, opener, target):
    if isinstance(text, bytes):
        return opener(target, "wb")
    return opener(target, "w", encoding="utf-8", newline="\n")


def _write_stream(path: Path, text: str | bytes) -> None:
    try:
        with _open_for(text, open, path) as stream:
            stream.write(text)
    except OSError as exc:
        raise StackError(f"{path}: cannot write: {exc.strerror}") from None


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a special file"


def _replace(path: Path, text: str | bytes, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with _open_for(text, os.fdopen, handle) as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes owner-only files: keep the mode of the file replaced, else the umask's
        os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _temporary_pattern(name: str) -> re.Pattern:
    # .NAME.PID.RANDOM.tmp (mkstemp's random part: 8 of [a-z0-9_]); .NAME.RANDOM.tmp before pids
    return re.compile(rf"\.{re.escape(name)}\.(?:(\d+)\.)?[a-z0-9_]{{8}}\.tmp")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # someone else's live process (or a pid we cannot ask about)
    return True


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary files an earlier write of ``path`` left behind when its process died
    mid-write; returns those removed. Only files named as this writer names them, owned by this
    user, and owned by no live writer (pid gone, or older than any write could take) are touched."""
    path = Path(path)
    pattern = _temporary_pattern(path.name)
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            continue
        age = now - info.st_mtime
        pid = found.group(1)
        if pid is None:
            stale = age > _LEGACY_STALE_SECONDS
        else:
            stale = age > _STALE_SECONDS or (int(pid) != os.getpid() and not _alive(int(pid)))
        if stale:
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


# ---------------------------------------------------------------- reading
def read_text(path: str | Path, what: str, encoding: str = "utf-8") -> str:
    """The text of ``path``; StackError naming the file (and the line of a bad byte) when it
    is missing, a folder, unreadable or not text. ``what`` names the file for people."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StackError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise StackError(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise StackError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise StackError(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None


class CheckedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader for the kit's readers (stack files, templates, environments), refusing
    what it would otherwise crash on, as YAML errors with a line: explicit tags whose text does not
    fit (``!!bool maybe``, ``!!timestamp x``, ``!!int abc``, a 5,000-digit number), and nesting
    deeper than :data:`MAX_NESTING` levels."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_NESTING} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            value = super().construct_object(node, deep=deep)
        except (KeyError, AttributeError, ValueError, TypeError, OverflowError, IndexError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{_shown_scalar(node)} is not a valid {_short_tag(node.tag)} ({_reason(exc)})",
                node.start_mark) from None
        if isinstance(value, str) and SURROGATE.search(value):
            try:  # "\ud83d\ude00", as JSON writers escape an emoji: PyYAML leaves the pair apart
                value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
            except UnicodeDecodeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "text with a lone surrogate escape (\\ud800-\\udfff) is not valid Unicode",
                    node.start_mark) from None
        return value


def _short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _shown_scalar(node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return "this " + ("list" if isinstance(node, yaml.SequenceNode) else "mapping")
    text = node.value
    return repr(text) if len(text) <= 40 else f"{text[:30]!r}... ({len(text)} characters)"


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return "not a value of that type"
    if isinstance(exc, AttributeError):
        return "not in that type's form"
    return str(exc).split(";")[0][:120] or type(exc).__name__


def load_yaml(text: str, filename: str, loader: type[CheckedLoader] = CheckedLoader):
    """The data of one YAML document, read with ``loader``; any error becomes a StackError naming
    ``filename`` and the line."""
    try:
        reader = loader(text)  # checks the characters up front
    except yaml.YAMLError as exc:
        raise yaml_error(exc, filename, text) from None
    try:
        return reader.get_single_data()
    except (yaml.YAMLError, RecursionError) as exc:
        raise yaml_error(exc, filename, text) from None
    except (KeyError, AttributeError, ValueError, TypeError, OverflowError, IndexError) as exc:
        raise StackError(f"{filename}: not valid YAML: {_reason(exc)}") from None
    finally:
        reader.dispose()


def yaml_error(exc: Exception, filename: str, text: str = "") -> StackError:
    """A StackError naming ``filename`` and the line for a PyYAML error (or too deep nesting).
    ``text`` lets a ReaderError (bad characters, found before parsing) give its line too."""
    if isinstance(exc, RecursionError):
        return StackError(f"{filename}: nesting is too deep to read")
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        return StackError(f"{filename}:{line}: not valid YAML: {exc.reason}")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return StackError(f"{filename}:{line}: not valid YAML: {exc.problem or exc}")
    return StackError(f"{filename}: not valid YAML: {exc}")

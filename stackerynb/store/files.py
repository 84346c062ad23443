"""Reading and writing the kit's text files: clear errors on the way in, atomic on the way out."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from stackerynb.errors import StackError


def write_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename:
    the old file stays whole until the new one is complete and on disk."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes owner-only files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


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


def yaml_error(exc: Exception, filename: str, text: str = "") -> StackError:
    """A StackError naming ``filename`` and the line for a PyYAML error (or too deep nesting).
    ``text`` lets a ReaderError (bad characters, found before parsing) give its line too."""
    import yaml

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

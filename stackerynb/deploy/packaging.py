"""Function code packages: one deterministic zip per function, stored by content hash.

A function's ``code`` setting names a folder (or a ready ``.zip``/``.jar``) relative to the
stack file. The folder is zipped with sorted entries, fixed timestamps and normalised
permissions, so the same code always gives the same bytes and the same key
``code/<sha256>.zip`` in the artifacts bucket; code that did not change is not uploaded again
and leaves the template, hence the change set, untouched. A function with no code yet deploys
the compiler's inline starter handler (or, for runtimes CloudFormation cannot inline, the kit's
starter package); ``write_starter`` writes a starter matching the handler setting into the
code folder for the user to edit.
"""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from stackerynb.deploy.starters import handler_file_candidates, starter_for
from stackerynb.errors import StackError

SKIP_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", ".pytest_cache", ".mypy_cache", ".venv"}
SKIP_SUFFIXES = (".pyc", ".pyo")
SKIP_FILES = {".DS_Store"}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_UNZIPPED = 250 * 1024 * 1024  # Lambda's limit for code from S3


@dataclass
class Package:
    """A function's code as deployed: where it came from and where it is stored."""

    node: str
    source: str  # the code folder or file, or "starter handler"
    key: str
    size: int
    uploaded: bool = False
    data: bytes | None = field(default=None, repr=False)  # the zip, until uploaded

    def location(self, bucket: str) -> dict:
        """``{"S3Bucket", "S3Key"}`` for the function's Code property."""
        return {"S3Bucket": bucket, "S3Key": self.key}


def zip_folder(folder: Path, inside: Path | None = None) -> bytes:
    """The folder's files as a deterministic zip (same content -> same bytes). With ``inside``,
    a file that is a link to somewhere outside that folder is refused (StackError)."""
    buffer = io.BytesIO()
    total = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(folder):
            if inside is not None and not path.resolve().is_relative_to(inside):
                raise StackError(f"{path} links to {path.resolve()}, outside the project {inside}: "
                                 "function code is packaged from inside the project only")
            data = path.read_bytes()
            total += len(data)
            if total > MAX_UNZIPPED:
                raise StackError(f"{folder}: more than 250 MB of code, Lambda's limit")
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_TIME)
            info.external_attr = (0o100755 if os.access(path, os.X_OK) else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _files(folder: Path) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name in SKIP_FILES or name.endswith(SKIP_SUFFIXES):
                continue
            out.append(Path(root) / name)
    return out


def zip_text_files(files: dict[str, str]) -> bytes:
    """A deterministic zip of ``{name: text}``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name].encode("utf-8"))
    return buffer.getvalue()


def needs_package(node) -> bool:
    """True for functions the deploy step packages: those with code, and those without code
    whose runtime the compiler cannot inline a starter for (CloudFormation inlines only Python
    and Node.js), which get the kit's starter package instead."""
    if node.kind != "function":
        return False
    if node.get("code"):
        return True
    from stackerynb.compile.starter_code import starter_for as inline_starter
    return inline_starter(node.get("runtime")) is None


def code_of(stack, node) -> tuple[str, bytes, str]:
    """``(source, package bytes, extension)`` for one function node; StackError naming the
    node and setting when the code cannot be packaged."""
    code = node.get("code") or ""
    runtime, handler = node.get("runtime"), node.get("handler")
    if not code:
        name, text = starter_for(node.id, runtime, handler)
        return "starter handler", zip_text_files({name: text}), "zip"
    path = code_path(stack, node.id, code)
    if not path.exists():
        raise StackError(f"{node.id}.code: {code!r} does not exist (looked for {path})")
    if path.is_file():
        if path.suffix.lower() not in (".zip", ".jar"):
            raise StackError(f"{node.id}.code: {code!r} is a file; give a folder, a .zip or a .jar")
        return code, path.read_bytes(), path.suffix.lower().lstrip(".")
    if not _files(path):
        raise StackError(f"{node.id}.code: folder {code!r} is empty; put the handler there or "
                         f"use write_starter(stack, {node.id!r})")
    candidates = handler_file_candidates(runtime, handler)
    if candidates and not any((path / c).is_file() for c in candidates):
        raise StackError(f"{node.id}.handler: {handler!r} needs {candidates[0]} in {code!r}, which has no such file")
    try:
        return code, zip_folder(path, inside=project_root(stack)), "zip"
    except StackError as exc:
        raise StackError(f"{node.id}.code: {exc}") from None


def project_root(stack) -> Path:
    """The folder function code must stay in: the stack's project (git work tree, else its folder)."""
    from stackerynb.deploy.project import root
    return root(stack.folder)


def code_path(stack, node_id: str, code) -> Path:
    """The code folder (or file) ``code`` of function ``node_id``, resolved against the stack's
    folder; StackError naming the node and setting when it is not text or leads outside the
    project (an absolute path, ``..``, or a link out)."""
    if not isinstance(code, str):
        raise StackError(f"{node_id}.code: expected a folder relative to the stack file, got {code!r}")
    inside = project_root(stack)
    path = (stack.folder / code).resolve()
    if not path.is_relative_to(inside):
        raise StackError(f"{node_id}.code: {code!r} leads to {path}, outside the project {inside}; "
                         "function code must be a folder inside the project (relative to the stack file)")
    return path


UPLOAD_THREADS = 8


def package_functions(stack, artifacts=None) -> dict[str, Package]:
    """Package the functions that need it (see ``needs_package``); with ``artifacts``, upload
    what is not stored yet (or later with ``upload``). Functions without code are left to the
    compiler's inline starter."""
    packages: dict[str, Package] = {}
    problems = []
    for node in stack.nodes:
        if not needs_package(node):
            continue
        try:
            source, data, ext = code_of(stack, node)
        except StackError as exc:
            problems.append(str(exc))
            continue
        key = f"code/{hashlib.sha256(data).hexdigest()}.{ext}"
        packages[node.id] = Package(node.id, source, key, len(data), data=data)
    if problems:
        raise StackError("cannot package function code:\n  " + "\n  ".join(problems))
    if artifacts is not None:
        upload(packages, artifacts)
    return packages


def upload(packages: dict[str, Package], artifacts, stored=()) -> None:
    """Store each package not stored yet (keys are content hashes, so the same code is sent once).
    ``stored``: keys known to be in the bucket (those the running template points at), not asked
    for. Several packages are sent at once (boto3 clients are thread-safe; each request waits
    mostly on the network)."""
    pending = [p for p in packages.values() if p.data is not None]
    for package in pending:
        package.uploaded = False
    to_send = [p for p in pending if p.key not in stored]

    def send(package: Package) -> None:
        package.uploaded = artifacts.put_if_absent(package.key, package.data)

    if len(to_send) > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=min(UPLOAD_THREADS, len(to_send))) as pool:
            for future in [pool.submit(send, package) for package in to_send]:
                future.result()  # the first failure (a StackError) is raised here
    else:
        for package in to_send:
            send(package)
    for package in pending:
        package.data = None


def write_starter(stack, node_id: str, folder: str | None = None) -> Path:
    """Write the starter handler of function ``node_id`` into its code folder for you to edit.

    The folder is the node's ``code`` setting, else ``folder``, else ``functions/<node_id>``
    (relative to the stack file); an unset ``code`` is set to it. Existing files are never
    overwritten. Returns the handler file's path."""
    node = stack.node(node_id)
    if node.kind != "function":
        raise StackError(f"{node_id} is a {node.kind}, not a function")
    code = node.get("code") or folder or f"functions/{node_id}"
    setting = "code" if node.get("code") or not folder else "folder"
    name, text = starter_for(node_id, node.get("runtime"), node.get("handler"))
    try:
        base = code_path(stack, node_id, code)
    except StackError as exc:
        raise StackError(str(exc).replace(f"{node_id}.code:", f"{node_id}.{setting}:", 1)) from None
    target = (base / name).resolve()
    if not target.is_relative_to(base):
        raise StackError(f"{node_id}.handler: {node.get('handler')!r} leads outside the code folder {base}")
    if target.exists():
        raise StackError(f"{node_id}: {target} already exists; it was not overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if not node.get("code"):
        stack.set(node_id, code=code)
    return target

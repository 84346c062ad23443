"""AWS managed policies judged by their documents.

moto, a dependency of the kit already, ships the documents of AWS's managed policies (1,500+,
``moto/iam/aws_managed_policies.py``, refreshed from AWS with each moto release). They are read
from that file's source, without importing moto (whose import pulls in boto3), once per process.
A policy AWS published after the installed moto's data is judged by AWS's naming of
full-administration policies instead (``admin_managed_policy_names`` in catalog/iam.yaml).
"""
from __future__ import annotations

import ast
import functools
import importlib.util
import json
from pathlib import Path


@functools.lru_cache(maxsize=1)
def documents() -> dict[str, dict]:
    """Policy document by name, with and without its path: ``SystemAdministrator`` and
    ``job-function/SystemAdministrator``. Empty when moto's data cannot be found."""
    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        return {}
    source = Path(list(spec.submodule_search_locations)[0]) / "iam" / "aws_managed_policies.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    raw = next((node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(getattr(t, "id", None) == "aws_managed_policies_data" for t in node.targets)), None)
    if not isinstance(raw, str):
        return {}
    out = {}
    for name, entry in json.loads(raw).items():
        document = entry.get("Document") if isinstance(entry, dict) else None
        if isinstance(document, dict):
            out[name] = document
            path = str(entry.get("Path") or "/").strip("/")
            if path:
                out[f"{path}/{name}"] = document
    return out


def broad_grants(document: dict) -> list[str]:
    """What an IAM document allows too broadly: ``*``, ``service:*``, or every action but a
    few (``NotAction``), one entry per finding, in document order."""
    statements = document.get("Statement", [])
    found = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            found.append("every action except " + ", ".join(_as_list(statement["NotAction"])))
            continue
        found += [a for a in _as_list(statement.get("Action")) if a == "*" or a.endswith(":*")]
    return found


def _as_list(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]

"""Physical names used as references.

Templates often name a resource (``BucketName: !Sub ${AWS::StackName}-files``) and then use
that same name elsewhere instead of a Ref: in a policy template's ``BucketName``, in an ARN,
in an environment variable. A node does not keep its physical name (the compiler derives
names), so those uses are rewritten into Refs to the resource before a function's settings,
environment and permissions are read: the meaning is the same in the original template, and
stays right once the name is the compiler's. Raw resources are never rewritten.
"""
from __future__ import annotations

import copy
import json
import re

from stackerynb.importing.convert import import_map
from stackerynb.cfn.intrinsics import is_intrinsic

# Literal names shorter than this are too likely to appear by chance.
MIN_LITERAL = 4
_NAME_CHAR = r"[A-Za-z0-9_.\-]"


def name_aliases(resources: dict[str, dict]) -> list[tuple[object, str, object]]:
    """``(name value, logical id, value referring to the name)`` for each resource whose type
    has a physical-name property (import_map ``names``) that is set."""
    table = import_map().get("names") or {}
    out = []
    for lid, resource in resources.items():
        spec = table.get(resource.get("Type"))
        if not spec:
            continue
        value = (resource.get("Properties") or {}).get(spec["property"])
        if value is None or (isinstance(value, str) and len(value) < MIN_LITERAL):
            continue
        if not isinstance(value, str) and not (is_intrinsic(value) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str)):
            if not (is_intrinsic(value) and ("Ref" in value or "Fn::Join" in value)):
                continue
        ref = {"Ref": lid} if spec["ref"] == "Ref" else {"Fn::GetAtt": [lid, spec["ref"]]}
        out.append((value, lid, ref))
    return out


def _sub_text(ref) -> str:
    return "${%s}" % ref["Ref"] if "Ref" in ref else "${%s.%s}" % tuple(ref["Fn::GetAtt"])


def rewrite(value, aliases, owner: str):
    """``value`` with uses of other resources' names replaced by references to them."""
    usable = [(name, lid, ref) for name, lid, ref in aliases if lid != owner]
    if not usable:
        return value
    return _rewrite(copy.deepcopy(value), usable)


def _rewrite(value, aliases):
    for name, _, ref in aliases:
        if value == name:
            return copy.deepcopy(ref)
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            return _rewrite_sub(value, aliases)
        if set(value) & {"Ref", "Fn::GetAtt", "Condition"} and len(value) == 1:
            return value  # already a reference: its arguments are logical ids, not names
        return {k: _rewrite(v, aliases) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, aliases) for v in value]
    if isinstance(value, str) and value.startswith("arn:"):
        return _rewrite_literal_arn(value, aliases)
    return value


def _rewrite_sub(value, aliases):
    arg = value["Fn::Sub"]
    text, variables = (arg, None) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
    if not isinstance(text, str):
        return value
    for name, _, ref in aliases:
        if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
            needle = name["Fn::Sub"]
        elif isinstance(name, str):
            needle = name.replace("${", "${!")
        elif is_intrinsic(name) and isinstance(name.get("Ref"), str):
            needle = "${%s}" % name["Ref"]  # a parameter holding the name, used in the text
        else:
            continue
        text = _outside_variables(text, needle, _sub_text(ref))
    if variables is None:
        return {"Fn::Sub": text}
    return {"Fn::Sub": [text, {k: _rewrite(v, aliases) for k, v in variables.items()}]}


_SUB_VARIABLE = re.compile(r"(\$\{[^}!][^}]*\})")


def _outside_variables(text: str, needle: str, replacement: str) -> str:
    """``text`` (Fn::Sub text) with ``needle`` replaced where it does not start or end inside a
    ``${...}`` variable: a function named like its logical id (``FunctionName: Worker``) does
    not turn ``${Worker}`` into ``${${Worker}}``, while ``${AWS::StackName}-files`` or a whole
    ``${NameParameter}`` is still a use of the name."""
    if not needle or needle not in text:
        return text
    inside = [(m.start(), m.end()) for m in _SUB_VARIABLE.finditer(text)]

    def swap(match):
        cut = any(start < match.start() < end or start < match.end() < end for start, end in inside)
        return match.group(0) if cut else replacement
    return re.sub(rf"(?<!{_NAME_CHAR}){re.escape(needle)}(?!{_NAME_CHAR})", swap, text)


def _rewrite_literal_arn(text: str, aliases):
    changed = text.replace("${", "${!")
    found = False
    for name, _, ref in aliases:
        if isinstance(name, str):
            replaced = _replace_bounded(changed, name, _sub_text(ref))
            found = found or replaced != changed
            changed = replaced
    return {"Fn::Sub": changed} if found else text


def _replace_bounded(text: str, needle: str, replacement: str) -> str:
    if not needle or needle not in text:
        return text
    pattern = rf"(?<!{_NAME_CHAR}){re.escape(needle)}(?!{_NAME_CHAR})"
    return re.sub(pattern, lambda _: replacement, text)


def describe(aliases) -> dict[str, str]:
    """Logical id -> the name text it was known by (for the report)."""
    return {lid: json.dumps(name) if not isinstance(name, str) else name for name, lid, _ in aliases}

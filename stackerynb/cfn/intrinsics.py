"""CloudFormation intrinsic functions as plain data: what a value references, renaming those
references, and turning a value into a plain one when its references allow it."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator

PSEUDO_PARAMETERS = frozenset({
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
})
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class NotPlain(Exception):
    """A value depends on something only known at deploy time; ``reason`` says what."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _sub_parts(value) -> tuple[str, dict]:
    if isinstance(value, str):
        return value, {}
    if isinstance(value, list) and value and isinstance(value[0], str):
        variables = value[1] if len(value) > 1 and isinstance(value[1], dict) else {}
        return value[0], variables
    return "", {}


def sub_names(text: str) -> Iterator[tuple[str, str | None]]:
    """``(name, attribute)`` for each ``${name}`` / ``${name.attr}`` in a Sub string."""
    for match in _SUB_VAR.finditer(text):
        name, _, attribute = match.group(1).strip().partition(".")
        yield name, attribute or None


def references(value: Any) -> Iterator[tuple[str, str | None]]:
    """Every ``(logical id, attribute or None)`` that ``value`` points at through Ref, Fn::GetAtt
    or Fn::Sub, pseudo parameters excluded (they include template Parameters)."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                if arg not in PSEUDO_PARAMETERS:
                    yield arg, None
                return
            if key == "Fn::GetAtt":
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    attribute = arg[1] if len(arg) > 1 and isinstance(arg[1], str) else None
                    yield arg[0], attribute
                    for extra in arg[1:]:
                        if not isinstance(extra, str):
                            yield from references(extra)
                elif isinstance(arg, str):
                    name, _, attribute = arg.partition(".")
                    yield name, attribute or None
                return
            if key == "Fn::Sub":
                text, variables = _sub_parts(arg)
                for name, attribute in sub_names(text):
                    if name not in variables and name not in PSEUDO_PARAMETERS:
                        yield name, attribute
                for inner in variables.values():
                    yield from references(inner)
                return
        for inner in value.values():
            yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


def referenced_ids(value: Any) -> set[str]:
    """Logical ids (resources or parameters) ``value`` references."""
    return {name for name, _ in references(value)}


def condition_names(value: Any) -> set[str]:
    """Condition names used by ``Fn::If`` / ``Condition`` inside ``value``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                found.add(arg[0])
            elif key == "Condition" and isinstance(arg, str) and len(value) == 1:
                found.add(arg)
            found |= condition_names(arg)
    elif isinstance(value, list):
        for inner in value:
            found |= condition_names(inner)
    return found


def mapping_names(value: Any) -> set[str]:
    """Mapping names used by ``Fn::FindInMap`` inside ``value``."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Fn::FindInMap" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                found.add(arg[0])
            found |= mapping_names(arg)
    elif isinstance(value, list):
        for inner in value:
            found |= mapping_names(inner)
    return found


def rename_references(value: Any, rename: Callable[[str, str | None], str]) -> Any:
    """A copy of ``value`` with every referenced logical id replaced by ``rename(id, attribute)``."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {"Ref": arg if arg in PSEUDO_PARAMETERS else rename(arg, None)}
            if key == "Fn::GetAtt":
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    attribute = arg[1] if len(arg) > 1 and isinstance(arg[1], str) else None
                    return {"Fn::GetAtt": [rename(arg[0], attribute)] + [rename_references(a, rename) for a in arg[1:]]}
                if isinstance(arg, str):
                    name, _, attribute = arg.partition(".")
                    return {"Fn::GetAtt": [rename(name, attribute or None), attribute]}
            if key == "Fn::Sub":
                text, variables = _sub_parts(arg)

                def swap(match):
                    name, dot, attribute = match.group(1).strip().partition(".")
                    if name in variables or name in PSEUDO_PARAMETERS:
                        return match.group(0)
                    return "${" + rename(name, attribute or None) + dot + attribute + "}"
                new_text = _SUB_VAR.sub(swap, text)
                if isinstance(arg, str):
                    return {"Fn::Sub": new_text}
                return {"Fn::Sub": [new_text, {k: rename_references(v, rename) for k, v in variables.items()}]}
        return {k: rename_references(v, rename) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_references(v, rename) for v in value]
    return value


def intrinsic_text(value) -> str | None:
    """A value as Sub text when it can be read without deploying: a string, ``Fn::Sub`` text,
    ``Fn::Join`` of such parts, ``Ref`` as ``${Name}``; None otherwise (``Fn::If``, ...)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            return "${%s}" % arg
        if key == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            return text if isinstance(text, str) else None
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            parts = [intrinsic_text(p) for p in arg[1]]
            if isinstance(arg[0], str) and all(p is not None for p in parts):
                return arg[0].join(parts)
    return None


def sub_text(value: Any) -> str:
    """``value`` written as Fn::Sub text where it can be (:func:`intrinsic_text`, and
    ``{"Fn::GetAtt": ["T", "Arn"]}`` as ``${T.Arn}``), else as compact JSON: how tables show a value."""
    if isinstance(value, dict) and len(value) == 1 and "Fn::GetAtt" in value:
        arg = value["Fn::GetAtt"]
        parts = arg.split(".", 1) if isinstance(arg, str) else arg
        if isinstance(parts, list) and len(parts) == 2 and all(isinstance(x, str) for x in parts):
            return "${%s.%s}" % tuple(parts)
    text = intrinsic_text(value)
    if text is not None:
        return text
    import json
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def is_intrinsic(value: Any) -> bool:
    """True for ``{"Ref": ..}`` and ``{"Fn::...": ..}`` values."""
    return isinstance(value, dict) and len(value) == 1 and (
        "Ref" in value or next(iter(value)).startswith("Fn::") or "Condition" in value)


def plain_value(value: Any, parameters: dict, notes: list[str] | None = None) -> Any:
    """``value`` without intrinsics: Refs to template Parameters with a Default (and Subs made
    only of them) become that default, and ``notes`` says so. Raises NotPlain otherwise."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                return _parameter_default(arg, parameters, notes)
            if key == "Fn::Sub":
                text, variables = _sub_parts(arg)
                if not text:
                    raise NotPlain("an Fn::Sub without text")

                def swap(match):
                    name = match.group(1).strip()
                    if name in variables:
                        return str(plain_value(variables[name], parameters, notes))
                    if "." in name:
                        raise NotPlain(f"${{{name}}} is only known after deployment")
                    return str(_parameter_default(name, parameters, notes))
                return _SUB_VAR.sub(swap, text).replace("${!", "${")
            if key.startswith("Fn::") or key == "Condition":
                raise NotPlain(f"{key} is only evaluated at deploy time")
        return {k: plain_value(v, parameters, notes) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v, parameters, notes) for v in value]
    return value


def _parameter_default(name: str, parameters: dict, notes: list[str] | None):
    if name in PSEUDO_PARAMETERS:
        raise NotPlain(f"{name} is only known at deploy time")
    spec = parameters.get(name)
    if not isinstance(spec, dict):
        raise NotPlain(f"it refers to resource {name}")
    if "Default" not in spec:
        raise NotPlain(f"parameter {name} has no default")
    default = spec["Default"]
    if spec.get("Type") == "Number" and isinstance(default, str):
        try:
            default = int(default)
        except ValueError:
            pass
    if notes is not None:
        notes.append(f"took the default of parameter {name} ({default!r})")
    return default

"""Template values in one canonical form, so that equal meanings compare equal.

Text built from strings, ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``Fn::Join`` becomes one
``Fn::Sub``-style string: ``!Ref T``, ``!Sub "${T}"`` and ``!Join ["", [!Ref T]]`` are all
``${T}``; an attribute equal to the Ref (``!GetAtt Q.QueueUrl``) is ``${Q}``; an ARN written
out by hand for a resource of the template is ``${T.Arn}``; ``arn:aws:`` is
``arn:${AWS::Partition}:``. Other intrinsics (``Fn::If``, ``Fn::FindInMap``...) keep their shape
with canonical arguments.
"""
from __future__ import annotations

import json
import re
from typing import Any

from stackerynb.cfn.intrinsics import PSEUDO_PARAMETERS
from stackerynb.diff.knowledge import facts

_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Canon:
    """Canonical values for one template (its resource types decide Ref/attribute equalities)."""

    def __init__(self, resources: dict):
        self.types = {lid: r.get("Type") for lid, r in resources.items() if isinstance(r, dict)}
        data = facts()
        self.ref_equals = data["ref_equals"]
        self.arns = []
        for lid, rtype in self.types.items():
            pattern = data["arn_formats"].get(rtype)
            if pattern:
                short = "${" + lid + ("}" if rtype in data["ref_is_arn"] else ".Arn}")
                self.arns.append((pattern.replace("<id>", lid), short))
        self.arns.sort(key=lambda pair: -len(pair[0]))

    # -- text
    def _var(self, name: str) -> str:
        lid, dot, attribute = name.strip().partition(".")
        if dot and self.ref_equals.get(self.types.get(lid)) == attribute:
            return "${" + lid + "}"
        return "${" + name.strip() + "}"

    def text(self, value: Any) -> str | None:
        """``value`` as Sub-style text, or None when it is not text."""
        raw = self._raw_text(value)
        if raw is None:
            return None
        raw = raw.replace("arn:aws:", "arn:${AWS::Partition}:")
        for long, short in self.arns:
            if long in raw:
                raw = raw.replace(long, short)
        return _VAR.sub(lambda m: self._var(m.group(1)), raw)

    def _raw_text(self, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, (int, float)):
            return str(value)
        if not isinstance(value, dict) or len(value) != 1:
            return None
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            return "${" + arg + "}"
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
                return "${" + arg[0] + "." + arg[1] + "}"
            return None
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (
                (arg[0], arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {})
                if isinstance(arg, list) and arg and isinstance(arg[0], str) else (None, None))
            if text is None:
                return None
            inline = {}
            for name, inner in variables.items():
                inline[name] = self._raw_text(inner)
                if inline[name] is None:
                    return None

            def swap(match):
                name = match.group(1).strip()
                return inline[name] if name in inline else match.group(0)
            return _VAR.sub(swap, text)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) \
                and isinstance(arg[1], list):
            parts = [self._raw_text(p) for p in arg[1]]
            return None if any(p is None for p in parts) else arg[0].join(parts)
        return None

    # -- any value
    def value(self, value: Any) -> Any:
        """``value`` in canonical form (text where it is text; shapes kept otherwise)."""
        if isinstance(value, str) or (isinstance(value, dict) and len(value) == 1 and
                                      next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join")):
            text = self.text(value)
            if text is not None:
                return text
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, bool):  # CloudFormation reads true, "true" and "True" alike
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return value


def ids_in(text: Any) -> set[str]:
    """Logical ids a canonical value refers to (``${X}`` / ``${X.Attr}``), pseudo parameters left out."""
    found = set()
    for match in _VAR.finditer(json.dumps(text) if not isinstance(text, str) else text):
        name = match.group(1).strip().partition(".")[0]
        if name not in PSEUDO_PARAMETERS:
            found.add(name)
    return found


def shown(value: Any, limit: int = 120) -> str:
    """A value as short text for a table cell."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def key_of(value: Any) -> str:
    """A hashable, order-independent key for a canonical value (dict key order ignored)."""
    return json.dumps(value, sort_keys=True, default=str)

"""What a settings form needs to know about a CloudFormation type's properties, from its registry
schema: one field per top-level property (name, JSON type, required, enum, pattern, bounds,
description, read-only), so a form for any of the registry's types is generated, not written.
"""
from __future__ import annotations

from stackerynb.cfn.schemas import read_only_properties, schema

_BOUNDS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems")


def _resolve(body: dict, root: dict, depth: int = 0) -> dict:
    """``body`` with a local ``$ref`` (and single-entry ``allOf``) followed to its definition."""
    while depth < 20 and isinstance(body, dict):
        if "$ref" in body and str(body["$ref"]).startswith("#/"):
            target = root
            for part in body["$ref"][2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            body, depth = {**{k: v for k, v in body.items() if k != "$ref"}, **target}, depth + 1
        elif isinstance(body.get("allOf"), list) and len(body["allOf"]) == 1 and "type" not in body:
            body, depth = {**{k: v for k, v in body.items() if k != "allOf"}, **body["allOf"][0]}, depth + 1
        else:
            break
    return body if isinstance(body, dict) else {}


def _type_of(body: dict) -> str:
    kind = body.get("type")
    if isinstance(kind, list):
        return " or ".join(map(str, kind))
    if kind:
        return str(kind)
    if "properties" in body:
        return "object"
    if "oneOf" in body or "anyOf" in body:
        return "any"
    return "any"


def property_fields(type_name: str) -> list[dict]:
    """One field per top-level property of ``type_name``, required ones first, then by name:
    ``{name, type, required, read_only, description, enum?, pattern?, minimum?..., items?}``.
    Read-only properties (``Arn``...) are listed with ``read_only: True``: forms show them as
    attributes to read (``Fn::GetAtt``), never as inputs. StackError for an unknown type."""
    root = schema(type_name)
    required = set(root.get("required") or ())
    read_only = set(read_only_properties(type_name))
    fields = []
    for name, raw in (root.get("properties") or {}).items():
        body = _resolve(raw, root)
        field = {"name": name, "type": _type_of(body), "required": name in required,
                 "read_only": name in read_only, "description": (raw.get("description") or body.get("description") or "").strip()}
        if "enum" in body:
            field["enum"] = list(body["enum"])
        if "pattern" in body:
            field["pattern"] = body["pattern"]
        for bound in _BOUNDS:
            if bound in body:
                field[bound] = body[bound]
        if field["type"] == "array" and isinstance(body.get("items"), dict):
            field["items"] = _type_of(_resolve(body["items"], root))
        fields.append(field)
    return sorted(fields, key=lambda f: (not f["required"], f["read_only"], f["name"]))


def attribute_names(type_name: str) -> list[str]:
    """What ``Fn::GetAtt`` can read from a resource of ``type_name`` (``Arn``, ``Endpoint.Address``)."""
    return read_only_properties(type_name)

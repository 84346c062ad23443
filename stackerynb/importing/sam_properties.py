"""SAM-only properties in their CloudFormation form, driven by ``catalog/sam_properties.yaml``.

A curated node keeps the properties its kind does not model in its ``properties`` setting, in
CloudFormation form: for a CloudFormation resource they are kept as written; for a SAM resource
each is translated by the table (same name, renamed, wrapped or converted), and the ones the
table does not know are returned so the caller can decide (the resource then stays verbatim).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from stackerynb.catalog._data import load_table

SAM_PREFIX = "AWS::Serverless::"
CONVERTERS: dict[str, Callable[[Any], Any]] = {}


def converter(fn):
    """Register ``fn`` as a converter the table may name."""
    CONVERTERS[fn.__name__] = fn
    return fn


@converter
def tags_list(value):
    """SAM's ``{key: value}`` tags -> CloudFormation's ``[{Key, Value}]`` (intrinsics kept)."""
    if isinstance(value, dict) and not any(k.startswith("Fn::") or k == "Ref" for k in value):
        return [{"Key": k, "Value": v} for k, v in value.items()]
    raise ValueError("tags are not a plain mapping")


@lru_cache(maxsize=1)
def sam_table() -> dict:
    """The translation table (``stackerynb/catalog/sam_properties.yaml``)."""
    return load_table("sam_properties.yaml")


def pass_through(rtype: str, props: dict, names) -> tuple[dict, list[str]]:
    """``(properties, untranslated)``: the properties ``names`` of a resource of ``rtype`` in
    CloudFormation form, and the names that have none (SAM properties the table lacks)."""
    if not rtype.startswith(SAM_PREFIX):
        return {name: props[name] for name in names}, []
    entry = sam_table().get(rtype) or {}
    same, rules = set(entry.get("same") or ()), entry.get("properties") or {}
    out, missing = {}, []
    for name in names:
        if name in same:
            out[name] = props[name]
            continue
        rule = rules.get(name)
        if rule is None:
            missing.append(name)
            continue
        value = props[name]
        try:
            if rule.get("convert"):
                value = CONVERTERS[rule["convert"]](value)
        except ValueError:
            missing.append(name)
            continue
        if rule.get("wrap"):
            value = {rule["wrap"]: value}
        out[rule.get("to", name)] = value
    return out, missing

"""SAM ``Globals``: merged into each SAM resource before import, the way SAM does it.

A resource's own value wins over the global one for plain values; mappings are merged key by
key (so ``Environment.Variables`` from both are kept); lists are concatenated, global items
first; when either side is an intrinsic function the resource's value wins.
"""
from __future__ import annotations

import copy

from stackerynb.importing.convert import import_map
from stackerynb.cfn.intrinsics import is_intrinsic


def merge(global_value, local_value):
    """SAM's merge of one Globals value with a resource's own."""
    if is_intrinsic(global_value) or is_intrinsic(local_value):
        return copy.deepcopy(local_value)
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        out = copy.deepcopy(global_value)
        for key, value in local_value.items():
            out[key] = merge(out[key], value) if key in out else copy.deepcopy(value)
        return out
    if isinstance(global_value, list) and isinstance(local_value, list):
        return copy.deepcopy(global_value) + copy.deepcopy(local_value)
    return copy.deepcopy(local_value)


def apply_globals(data: dict) -> dict[str, dict]:
    """The template's resources (deep copies) with the Globals section merged into SAM ones."""
    sections = data.get("Globals") or {}
    by_type = import_map()["globals"]
    resources = {}
    for logical_id, resource in (data.get("Resources") or {}).items():
        resource = copy.deepcopy(resource)
        section = by_type.get(resource.get("Type"))
        defaults = sections.get(section) if section else None
        if isinstance(defaults, dict) and defaults:
            props = resource.get("Properties") or {}
            merged = {}
            for key, value in defaults.items():
                merged[key] = merge(value, props[key]) if key in props else copy.deepcopy(value)
            for key, value in props.items():
                if key not in merged:
                    merged[key] = value
            resource["Properties"] = merged
        resources[logical_id] = resource
    return resources


def api_globals(data: dict, api_type: str) -> dict:
    """The Globals section for implicit APIs (``Api`` or ``HttpApi``)."""
    return dict((data.get("Globals") or {}).get(api_type) or {})

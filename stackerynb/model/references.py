"""References between nodes that no wire explains: a ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub`` in a
node's pass-through ``properties`` or ``attributes`` (``DependsOn`` too) naming another node.

The canvas and the export draw them as dashed reference edges, as Infrastructure Composer does,
so a design imported from a template shows every connection its resources make, not only the
ones the kit turned into wires.
"""
from __future__ import annotations

from typing import Any, Iterator

from stackerynb.cfn.intrinsics import PSEUDO_PARAMETERS, references

# Settings whose values are CloudFormation template data (see kinds.yaml: pass-through on every
# kind); a generic resource's other settings are its CloudFormation properties too.
TEMPLATE_SETTINGS = ("properties", "attributes")
GENERIC_KIND = "resource"
GENERIC_TYPE_SETTING = "type"


def _hows(value: Any) -> Iterator[tuple[str, str]]:
    """``(logical id, how)`` for each reference in ``value``; how is ``Ref``, ``GetAtt <attr>``
    or ``Sub``."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                if arg not in PSEUDO_PARAMETERS:
                    yield arg, "Ref"
                return
            if key == "Fn::GetAtt":
                for name, attribute in references(value):
                    yield name, f"GetAtt {attribute}" if attribute else "GetAtt"
                return
            if key == "Fn::Sub":
                for name, _ in references(value):
                    yield name, "Sub"
                return
        for inner in value.values():
            yield from _hows(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _hows(inner)


def _template_values(node) -> Iterator[tuple[str, Any]]:
    for name, value in node.settings.items():
        if name in TEMPLATE_SETTINGS or (node.kind == GENERIC_KIND and name != GENERIC_TYPE_SETTING):
            yield name, value


def references_of(node) -> list[tuple[str, str]]:
    """``(logical id, how)`` for every reference in ``node``'s template settings, in order."""
    found: list[tuple[str, str]] = []
    for name, value in _template_values(node):
        found.extend(_hows(value))
        if name == "attributes" and isinstance(value, dict):
            depends = value.get("DependsOn")
            for target in [depends] if isinstance(depends, str) else depends if isinstance(depends, list) else []:
                if isinstance(target, str):
                    found.append((target, "DependsOn"))
    return found


def reference_edges(stack) -> list[tuple[str, str, str]]:
    """``(source, target, how)`` for each pair of nodes where ``source`` references ``target``
    and no wire joins them (either way); ``how`` lists the ways, e.g. ``"GetAtt Arn, Ref"``.
    Sorted by source, then target."""
    wired = {(w.source, w.target) for w in stack.wires} | {(w.target, w.source) for w in stack.wires}
    edges: dict[tuple[str, str], set[str]] = {}
    for node in stack.nodes:
        for target, how in references_of(node):
            if target == node.id or target not in stack or (node.id, target) in wired:
                continue
            edges.setdefault((node.id, target), set()).add(how)
    return [(s, t, ", ".join(sorted(hows))) for (s, t), hows in sorted(edges.items())]

"""Dependency order: every resource after the resources it refers to.

CloudFormation orders creation itself, but emulators (moto) create resources in template
order, and people read templates top-down. References are found in the resources' JSON
form: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` variables and ``DependsOn``.
"""
from __future__ import annotations

import heapq
import re

from stackerynb.errors import StackError

_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def references(node) -> set[str]:
    """Logical ids (and parameter names) a JSON fragment refers to."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == "Ref" and isinstance(inner, str):
                    found.add(inner)
                elif key == "Fn::GetAtt":
                    target = inner[0] if isinstance(inner, list) else str(inner).split(".", 1)[0]
                    if isinstance(target, str):
                        found.add(target)
                elif key == "Fn::Sub":
                    text = inner[0] if isinstance(inner, list) else inner
                    if isinstance(text, str):
                        found.update(_SUB_VARIABLE.findall(text))
                    if isinstance(inner, list) and len(inner) > 1:
                        stack.append(inner[1])
                else:
                    stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def dependencies(resources: dict[str, dict]) -> dict[str, set[str]]:
    """For each resource, the other resources it must come after."""
    out = {}
    for lid, body in resources.items():
        needs = references({k: v for k, v in body.items() if k != "DependsOn"})
        waits = body.get("DependsOn", [])
        needs.update([waits] if isinstance(waits, str) else waits)
        out[lid] = {n for n in needs if n in resources and n != lid}
    return out


SAM_PREFIX = "AWS::Serverless::"


def dependency_order(resources: dict[str, dict]) -> list[str]:
    """Logical ids in an order where each comes after what it needs; among resources free to
    go, the one emitted first goes first, so the template stays grouped by node.

    SAM resources (kept verbatim by ``resource`` nodes) may refer to each other both ways: the
    SAM transform expands them into resources that do not. When only such references close a
    circle, the SAM resources keep their place and the rest is ordered around them."""
    needs = dependencies(resources)
    try:
        return _ordered(resources, needs)
    except StackError:
        sam = {lid for lid, body in resources.items() if str(body.get("Type", "")).startswith(SAM_PREFIX)}
        if not sam:
            raise
        return _ordered(resources, {lid: set() if lid in sam else needed - sam for lid, needed in needs.items()})


def _ordered(resources: dict[str, dict], needs: dict[str, set[str]]) -> list[str]:
    position = {lid: i for i, lid in enumerate(resources)}
    waiting = {lid: len(n) for lid, n in needs.items()}
    users: dict[str, list[str]] = {lid: [] for lid in resources}
    for lid, needed in needs.items():
        for other in needed:
            users[other].append(lid)
    ready = [(position[lid], lid) for lid, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, lid = heapq.heappop(ready)
        order.append(lid)
        for user in users[lid]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (position[user], user))
    if len(order) != len(resources):
        stuck = sorted(lid for lid, count in waiting.items() if count > 0)
        error = StackError("cannot compile: these resources depend on each other in a circle, which "
                           f"CloudFormation refuses: {', '.join(stuck[:12])}")
        error.stuck = stuck  # the compiler names the nodes they belong to
        raise error
    return order

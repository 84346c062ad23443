"""IAM breadth: how much a function's role may do, counted from the stack's wire profiles.

A function's role holds the statements of the wires it is the principal of: wires from it
(``function -> table``...) and event-source wires into it whose profile makes the target the
principal (``queue -> function`` needs ``sqs:ReceiveMessage`` on the queue). A merged function's
role is the union of its members' roles, less the ``lambda:InvokeFunction`` grants between
members (those calls became in-process).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from stackerynb.catalog import wire_profile


@dataclass(frozen=True)
class Grant:
    """One action allowed on one resource template of one node (e.g. ``{arn}/index/*`` of Orders)."""

    action: str
    node: str
    resource: str


def function_grants(stack, function_id: str) -> set[Grant]:
    """Every (action, node, resource template) the function's role is granted by its wires."""
    grants: set[Grant] = set()
    for wire in stack.wires:
        if function_id not in (wire.source, wire.target):
            continue
        src, dst = stack.node(wire.source), stack.node(wire.target)
        profile = wire_profile(src.kind, dst.kind)
        if profile is None:
            continue
        principal = wire.source if profile.principal == "source" else wire.target
        if principal != function_id:
            continue
        other = wire.target if principal == wire.source else wire.source
        for statement in profile.statements(wire.access):
            for action in statement.actions:
                for resource in statement.resources:
                    grants.add(Grant(action, other, resource))
    return grants


def merged_grants(stack, members: Iterable[str]) -> set[Grant]:
    """The union of the members' grants, without invoke grants on fellow members."""
    members = set(members)
    out: set[Grant] = set()
    for member in members:
        out |= {g for g in function_grants(stack, member)
                if not (g.node in members and g.action == "lambda:InvokeFunction")}
    return out


def breadth(grants: set[Grant]) -> tuple[int, int]:
    """(distinct actions, distinct resources) of a set of grants."""
    return len({g.action for g in grants}), len({(g.node, g.resource) for g in grants})

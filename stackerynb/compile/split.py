"""Splitting a stack too big for one template (CloudFormation takes at most 500 resources).

Nodes joined by a wire, or sitting in the same network, must stay together (their resources
refer to each other); unconnected groups can live in separate stacks. ``split_stack`` packs
those groups into as few stacks as fit, largest first.
"""
from __future__ import annotations

from collections import Counter

from stackerynb.errors import StackError
from stackerynb.model.groups import connected_groups

PART_SUFFIX = "-{}"


def split_stack(stack, environment=None, *, max_resources: int = 500) -> list:
    """Stacks of at most ``max_resources`` resources each that together hold ``stack``.

    Returns ``[stack]`` when it fits already. Parts are named ``<name>-1``, ``<name>-2``...
    Raises StackError naming the nodes of a connected group that alone exceeds the limit.
    """
    from stackerynb.compile.compiler import build
    from stackerynb.model.environments import Environment

    if environment is None:
        environment = Environment(name="dev")
    elif isinstance(environment, str):
        environment = stack.environment(environment)
    return split_counted(stack, build(stack, environment), max_resources=max_resources)


def split_counted(stack, ctx, *, max_resources: int = 500) -> list:
    """``split_stack`` given the stack's built compilation ``ctx`` (resources counted per node)."""
    from stackerynb.model.stack import Stack

    if len(ctx.resources) <= max_resources:
        return [stack]
    per_node = Counter(ctx.owners.values())
    groups = _connected_groups(stack)
    sized = sorted(((sum(per_node[n] for n in group), group) for group in groups),
                   key=lambda item: (-item[0], item[1][0]))
    too_big = [(size, group) for size, group in sized if size > max_resources]
    if too_big:
        size, group = too_big[0]
        shown = ", ".join(group[:8]) + (f" and {len(group) - 8} more" if len(group) > 8 else "")
        raise StackError(f"cannot split stack {stack.name!r}: the connected nodes {shown} compile to {size} "
                         f"resources together, more than {max_resources}; remove wires between them or "
                         "make them fewer")
    bins: list[tuple[int, list[str]]] = []
    for size, group in sized:
        for i, (used, members) in enumerate(bins):
            if used + size <= max_resources:
                bins[i] = (used + size, members + group)
                break
        else:
            bins.append((size, list(group)))
    order = {n.id: i for i, n in enumerate(stack.nodes)}
    layout = stack.layout  # a copy per access: read it once
    parts = []
    for index, (_, members) in enumerate(bins, start=1):
        suffix = PART_SUFFIX.format(index)
        part = Stack(stack.name[: 40 - len(suffix)].rstrip("-") + suffix)
        chosen = set(members)
        nodes = sorted((stack.node(n) for n in members), key=lambda n: (n.kind != "virtual_network", order[n.id]))
        for node in nodes:
            part.add(node.kind, node.id, network=node.network, position=layout.get(node.id), **node.settings)
        for wire in stack.wires:
            if wire.source in chosen:
                part.connect(wire.source, wire.target, wire.access)
        parts.append(part)
    return parts


def _connected_groups(stack) -> list[list[str]]:
    """Node ids grouped by wires and network placement, each group in stack order."""
    pairs = [(w.source, w.target) for w in stack.wires] + [(n.id, n.network) for n in stack.nodes if n.network]
    return [list(g) for g in connected_groups(pairs, [n.id for n in stack.nodes])]

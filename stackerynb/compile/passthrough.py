"""Pass-through: a node's ``properties`` and ``attributes`` settings, written over its main resource.

Every kind has these two settings (``stackerynb.catalog.kinds.COMMON_SETTINGS``). An import puts
there what the template said that the kind's own settings do not model (a physical name,
tracing, layers, a ``DeletionPolicy``...), so compiling the stack back loses nothing; a user
may set them too. The node's main resource is the one whose logical id is the node id. What is
given wins over what the kit generates, property by property (top level).
"""
from __future__ import annotations

from stackerynb.compile.raw import RawObject
from stackerynb.errors import Problem, StackError


def apply_pass_through(ctx) -> None:
    """Write every node's ``properties`` and ``attributes`` over its main resource in ``ctx``
    (which then holds that resource as plain template data)."""
    for node in ctx.nodes.values():
        properties = node.settings.get("properties") or {}
        attributes = node.settings.get("attributes") or {}
        if not properties and not attributes:
            continue
        resource = ctx.resources.get(node.id)
        if resource is None:
            raise StackError(f"cannot compile {node.id}: it has properties or attributes to keep, but its "
                             f"{node.kind} compiles to no resource called {node.id}",
                             [Problem(node.id, "properties", "no main resource to write them on", code="compile")])
        body = resource.to_dict()
        merged = dict(body)
        if properties:
            merged["Properties"] = {**(body.get("Properties") or {}), **properties}
        merged.update(attributes)
        ctx.resources[node.id] = RawObject(node.id, merged)

"""Pass-through: a node's ``properties`` and ``attributes`` settings, written over its main resource.

Every kind has these two settings (``stackerynb.catalog.kinds.COMMON_SETTINGS``). An import puts
there what the template said that the kind's own settings do not model (a physical name,
tracing, layers, a ``DeletionPolicy``...), so compiling the stack back loses nothing; a user
may set them too. The node's main resource is the one whose logical id is the node id. What is
given wins over what the kit generates, property by property (top level).

A top-level property given as null removes that property from what the kit generates: an
import writes ``SSESpecification: null`` on a table whose template had none, so the compiled
table is the original one, not one with the kit's own encryption. A null for a property the
resource type requires (its registry schema's ``required``) is a problem naming the node.
"""
from __future__ import annotations

from stackerynb.compile.raw import RawObject
from stackerynb.errors import Problem, StackError


def apply_pass_through(ctx) -> None:
    """Write every node's ``properties`` and ``attributes`` over its main resource in ``ctx``
    (which then holds that resource as plain template data); null properties are removed."""
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
            written = {**(body.get("Properties") or {}), **properties}
            removed = sorted(k for k, v in written.items() if v is None)
            for key in required_removed(body.get("Type"), removed):
                ctx.problem(node.id, "properties", f"{key} is null (leave it out), but a {body.get('Type')} "
                            f"requires {key}: give it a value or drop the null")
            merged["Properties"] = {k: v for k, v in written.items() if v is not None}
        merged.update(attributes)
        ctx.resources[node.id] = RawObject(node.id, merged)


def required_removed(rtype, removed: list[str]) -> list[str]:
    """The properties of ``removed`` that the type's registry schema requires (none for a type
    the schemas do not know, such as SAM's)."""
    from stackerynb.cfn.schemas import is_resource_type, schema

    if not removed or not isinstance(rtype, str) or not is_resource_type(rtype):
        return []
    required = set(schema(rtype).get("required") or ())
    return [key for key in removed if key in required]

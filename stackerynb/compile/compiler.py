"""The compile pipeline: validate, emit nodes, apply wires, finalize, order, govern.

``build`` does the work up to the collected resources (used by the permissions table and the
stack splitter too); ``assemble`` checks the resource limit and lays out the Template.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

from troposphere import Template

from stackerynb.compile.context import Compilation
from stackerynb.compile.emitters import EMITTERS, FIRST
from stackerynb.compile.emitters.generic import add_transform_for_sam
from stackerynb.compile.iam import finalize_roles
from stackerynb.compile.order import dependency_order
from stackerynb.compile.overrides import effective_nodes
from stackerynb.compile.passthrough import apply_pass_through
from stackerynb.compile.raw import add_raw
from stackerynb.compile.policies import finalize_resource_policies
from stackerynb.compile.wiring import apply_wire
from stackerynb.errors import Problem, StackError

MAX_RESOURCES = 500  # CloudFormation's limit per template


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while compiling: a compile allocates tens of thousands
    of small objects that all stay alive until it returns, so the collections the allocations
    trigger find nothing and cost 15-20% of the compile. Restored on the way out, as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(stack, environment, *, code_locations=None) -> Compilation:
    """Validate ``stack`` and generate every resource for ``environment`` (no limit checked).
    Every problem is reported at once: the model's, and what the emitters find besides (on an
    invalid model they run as far as they can; the model's problems explain where they stop)."""
    model = [p for p in stack.problems() if p.severity == "error"]
    try:
        ctx = _emit(stack, environment, code_locations)
    except Exception:
        if not model:
            raise
        ctx = None
    if model:
        found = model + [p for p in (ctx.problems if ctx else ()) if p not in model]
        raise StackError(f"stack {stack.name!r} has {len(found)} problem(s):", found)
    if ctx.problems:
        raise StackError(f"stack {stack.name!r} cannot compile for environment {environment.name!r} "
                         f"({len(ctx.problems)} problem(s)):", ctx.problems)
    return ctx


def _emit(stack, environment, code_locations) -> Compilation:
    ctx = Compilation(stack, environment, effective_nodes(stack, environment), code_locations=code_locations)
    unknown = sorted(set(ctx.code_locations) - set(ctx.nodes))
    if unknown:
        raise StackError(f"code_locations names {', '.join(unknown)}, not functions of stack {stack.name!r}")
    nodes = sorted(ctx.nodes.values(), key=lambda n: n.kind not in FIRST)
    for node in nodes:
        ctx.parts[node.id] = _guarded(node.id, EMITTERS[node.kind], ctx, node)
    for wire in ctx.wires:
        _guarded(wire.source, apply_wire, ctx, wire)
    for finish in ctx.finalizers:
        finish()
    ctx.finalizers.clear()  # the closures refer back to ctx: free the cycle for refcounting
    finalize_roles(ctx)
    finalize_resource_policies(ctx)
    apply_pass_through(ctx)
    return ctx


def _guarded(node_id: str, step, *args):
    """Run an emitter step; a troposphere validator refusing a value becomes a StackError
    naming the node (the value came from the user, or the compiler has a bug worth reporting)."""
    try:
        return step(*args)
    except (ValueError, TypeError) as exc:
        raise StackError(f"cannot compile {node_id}: {exc}",
                         [Problem(node_id, None, str(exc), code="compile")]) from exc


def assemble(ctx: Compilation, *, limit: int | None = MAX_RESOURCES) -> tuple[Template, dict]:
    """The Template, resources in dependency order, and its JSON data for governance."""
    count = len(ctx.resources)
    if limit is not None and count > limit:
        raise StackError(
            f"stack {ctx.stack_name!r} compiles to {count} CloudFormation resources for environment "
            f"{ctx.env_name!r}, more than the {limit} one template may hold: split it into smaller stacks "
            "(stackerynb.compile.split_stack(stack) proposes a split along its unconnected parts)")
    clashes = sorted(set(ctx.parameters) & set(ctx.resources))
    if clashes:
        raise StackError("cannot compile: " + ", ".join(f"node {ctx.owners[c]} is called like the template "
                                                        f"parameter {c}" for c in clashes) + "; rename it",
                         [Problem(ctx.owners[c], None, f"{c} is a template parameter's name", code="name-clash")
                          for c in clashes])
    bodies = {}
    for lid, resource in ctx.resources.items():
        bodies[lid] = _guarded(ctx.owners[lid], resource.to_dict)
    try:
        ordered = {lid: bodies[lid] for lid in dependency_order(bodies)}
    except StackError as exc:
        stuck = getattr(exc, "stuck", None)
        if not stuck or exc.problems:
            raise
        nodes = list(dict.fromkeys(ctx.owners.get(lid, lid) for lid in stuck))
        raise StackError(f"{exc} (wired nodes {', '.join(nodes)} wait for each other: remove one of their wires)",
                         [Problem(node, None, "its resources and those of "
                                  f"{', '.join(n for n in nodes if n != node)} depend on each other in a circle",
                                  code="circle") for node in nodes]) from None
    template = Template()
    template.set_version("2010-09-09")
    template.set_description(f"{ctx.stack_name} for environment {ctx.env_name}, compiled by stackerynb")
    for parameter in ctx.parameters.values():
        template.add_parameter(parameter)
    for lid in ordered:
        template.add_resource(ctx.resources[lid])
    for output in ctx.outputs.values():
        template.add_output(output)
    data = {"Parameters": {k: p.to_dict() for k, p in ctx.parameters.items()},
            "Resources": ordered, "Outputs": {k: o.to_dict() for k, o in ctx.outputs.items()}}
    add_raw(ctx, template, data, limit=limit)
    add_transform_for_sam(ctx, template)
    return template, data

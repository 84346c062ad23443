"""A final import plan -> the Stack (nodes, wires, layout), its raw template fragment, and the
rows of the import report."""
from __future__ import annotations

import copy
import os
from pathlib import Path

from stackerynb.catalog import wire_profile
from stackerynb.catalog.kinds import RESOURCE_ATTRIBUTES, document_problem
from stackerynb.cfn.schemas import is_node_type, property_problems
from stackerynb.model.rules import id_problem, value_problem
from stackerynb.errors import StackError
from stackerynb.importing.compiled_names import has_main_resource, is_derived, replacement
from stackerynb.importing.convert import import_map
from stackerynb.importing.ids import node_id_for
from stackerynb.importing.importer import Round
from stackerynb.cfn.intrinsics import (
    PSEUDO_PARAMETERS, referenced_ids, rename_references,
)

RAW_SECTIONS = ("Parameters", "Rules", "Mappings", "Conditions", "Resources", "Outputs", "Metadata")
# Canvas columns: what starts work on the left, functions in the middle, data on the right.
COLUMNS = {"rest_api": 0, "timer": 0, "cdn": 0, "load_balancer": 0, "topic": 1, "queue": 1, "stream": 1,
           "function": 2, "docker_service": 2, "docker_cluster": 3, "table": 3, "object_store": 3,
           "database": 3, "cache_cluster": 3, "secret": 4, "config_store": 4, "virtual_network": 4, "bastion": 4,
           "event_bus": 1, "state_machine": 2, "http_api": 0}


# settings holding template data (a function's role, log group, URL...), whose references follow renames
KEPT_VERBATIM = ("properties", "attributes", "role", "log_group", "url", "event_invoke")


def build(rnd: Round, name: str, code_base: Path | None, stack_folder: Path | None):
    """``(stack, rows, extras)`` for the final round ``rnd``."""
    from stackerynb.model.stack import Stack

    data = rnd.template.data
    raw_ids = [lid for lid in rnd.resources if lid in rnd.raw] + list(rnd.extra_raw)
    taken: set[str] = set(raw_ids)
    node_ids: dict[str, str] = {}
    for lid in rnd.nodes:
        node_ids[lid] = node_id_for(lid, taken)
        taken.add(node_ids[lid])

    # Raw resources keep their logical ids unless the compiler may derive the same id for a
    # node's own resources (the generated residual policies are named that way on purpose);
    # imported nodes sit in no network, so what only a network makes does not count.
    def clashes(rid: str) -> bool:
        return any(is_derived(nid, rnd.nodes[lid].kind, rid, networked=False) for lid, nid in node_ids.items())

    raw_renames: dict[str, str] = {}
    for rid in raw_ids:
        if clashes(rid) and not (rid in rnd.extra_raw and rid.endswith("ImportedPolicy")):
            new, n = f"{rid}Kept", 2
            while new in taken or clashes(new):
                new, n = f"{rid}Kept{n}", n + 1
            taken.add(new)
            raw_renames[rid] = new

    def rename(ref: str, attribute=None) -> str:
        if ref in node_ids:
            return node_ids[ref]
        if ref in raw_renames:
            return raw_renames[ref]
        if ref in rnd.replacements:
            what, owner = rnd.replacements[ref]
            return replacement(what, node_ids.get(owner, owner))
        return ref

    stack = Stack(name)
    bodies = {rid: _raw_body(rnd, rid, rename) for rid in raw_ids}
    generic, kept_raw = generic_nodes(bodies, raw_renames)
    for rid, node_id in generic.items():
        rnd.generic[rid] = node_id
    for rid, why in kept_raw.items():
        rnd.raw[rid] = f"{rnd.raw[rid]}; {why}" if rid in rnd.raw else why
    order = {lid: i for i, lid in enumerate(list(rnd.resources) + list(rnd.extra_raw))}
    for lid in sorted(list(rnd.nodes) + list(generic), key=lambda lid: order.get(lid, len(order))):
        if lid in generic:
            _add_generic(stack, generic[lid], bodies[lid], rnd.template.filename, lid)
            continue
        plan = rnd.nodes[lid]
        settings = dict(plan.settings)
        if plan.kind == "function" and settings.get("code") and code_base is not None:
            settings["code"] = _relative_code(settings["code"], code_base, stack_folder)
        for key in KEPT_VERBATIM:  # kept verbatim: their references follow renames
            if key in settings:
                settings[key] = _follow_renames(rnd, settings[key], rename)
            if key in settings and not settings[key]:
                del settings[key]
        if plan.kind == "rest_api" and "routes" in settings:
            settings["routes"] = {node_ids.get(k, k): v for k, v in settings["routes"].items()}
        try:
            stack.add(plan.kind, node_ids[lid], **settings)
        except StackError as exc:  # a planning bug: say which resource, keep the message
            raise StackError(f"{rnd.template.filename}: cannot import {lid}: {exc}") from None
    # what nodes may refer to, until the fragment is made: parameters and resources kept raw
    stack.raw = {"Parameters": data.get("Parameters") or {},
                 "Resources": {raw_renames.get(rid, rid): bodies[rid] for rid in bodies if rid not in generic}}
    _demote_dangling(stack, generic, rnd)
    for (source, target), wire in rnd.wires.items():
        if source not in node_ids or target not in node_ids:
            continue
        profile = wire_profile(rnd.nodes[source].kind, rnd.nodes[target].kind)
        access = None
        if wire.levels is not None:
            levels = [lvl for lvl in profile.access if lvl in wire.levels]
            access = None if tuple(levels) == profile.default_access else ",".join(levels)
        stack.connect(node_ids[source], node_ids[target], access=access,
                      **{**wire.settings, **_wire_settings(wire, profile, rnd.nodes[source].kind)})
    _layout(stack)

    kept = {n.id: {"Properties": n.settings.get("properties") or {}, **(n.settings.get("attributes") or {})}
            for n in stack.nodes if n.kind != "resource" and (n.settings.get("properties") or n.settings.get("attributes"))}
    fragment, dropped_outputs = _raw_fragment(rnd, data, bodies, generic, rename, raw_renames, node_ids, kept)
    stack.raw = fragment
    id_map = {lid: rename(lid) for lid in list(rnd.resources) + list(rnd.nodes)}
    extras = {"node_ids": node_ids, "raw_renames": raw_renames, "dropped_outputs": dropped_outputs,
              "generic": generic,
              "id_map": {k: v for k, v in id_map.items() if k != v}}
    return stack, extras


def _wire_settings(wire, profile, source_kind: str) -> dict:
    """What a planned wire keeps of the template: the variable names its code reads (none when
    it read none), and exact actions/resources where the access levels would grant more."""
    settings = dict(wire.exact or {})
    if profile.env and source_kind == "function":
        if wire.env:
            settings["env"] = dict(wire.env)
        else:
            settings["default_env"] = False
    return settings


def _relative_code(code: str, code_base: Path, stack_folder: Path | None) -> str:
    if stack_folder is None or os.path.isabs(code):
        return code
    target = (code_base / code)
    relative = os.path.relpath(target, stack_folder)
    relative = relative.replace(os.sep, "/")
    if code.endswith("/") and not relative.endswith("/"):
        relative += "/"
    return relative


def _layout(stack) -> None:
    rows: dict[int, int] = {}
    for node in stack.nodes:
        column = COLUMNS.get(node.kind, 4)
        row = rows.get(column, 0)
        rows[column] = row + 1
        stack.move(node.id, 100 + 250 * column, 100 + 150 * row)


def _raw_body(rnd: Round, rid: str, rename) -> dict:
    """A resource not made a curated node, as the compiled template must hold it: references
    renamed, DependsOn on absorbed resources dropped."""
    return _follow_renames(rnd, rnd.pristine.get(rid) or rnd.extra_raw[rid], rename)


def _follow_renames(rnd: Round, body: dict, rename) -> dict:
    """A copy of ``body`` (a resource, or a node's kept properties or attributes) with its
    references renamed and its DependsOn on absorbed resources without a stand-in dropped."""
    resource = copy.deepcopy(body)
    depends = resource.get("DependsOn")
    if depends is not None:
        deps = [depends] if isinstance(depends, str) else list(depends)
        kept = [rename(d) for d in deps if not (d in rnd.absorbed and d not in rnd.replacements)
                and not (d in rnd.nodes and not has_main_resource(rnd.nodes[d].kind))]  # no resource of that id
        if kept:
            resource["DependsOn"] = kept[0] if isinstance(depends, str) and len(kept) == 1 else kept
        else:
            resource.pop("DependsOn")
    return rename_references(resource, rename)


def generic_nodes(bodies: dict[str, dict], raw_renames: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``(generic, kept_raw)``: which of the resources no curated kind took become ``resource``
    nodes (logical id -> node id, the logical id itself unless renamed), and why the others stay
    in ``stack.raw`` (an id that cannot be a node id, an unknown type, a key that is no resource
    attribute, properties the type's schema refuses: kept as they were, never lost)."""
    generic, kept_raw = {}, {}
    for rid, body in bodies.items():
        node_id = raw_renames.get(rid, rid)
        why = generic_problem(node_id, body)
        if why:
            kept_raw[rid] = why
        else:
            generic[rid] = node_id
    return generic, kept_raw


def generic_problem(node_id: str, body: dict) -> str | None:
    """Why ``body`` cannot be a ``resource`` node called ``node_id``, or None."""
    rtype = body.get("Type")
    if id_problem(node_id):
        return f"{node_id} is not usable as a node id"
    if not is_node_type(rtype):
        return f"{rtype!r} is not a resource type the registry schemas know"
    extra = sorted(set(body) - {"Type", "Properties"} - set(RESOURCE_ATTRIBUTES))
    if extra:
        return f"{', '.join(extra)} is no resource attribute a node keeps"
    properties = body.get("Properties", {})
    if properties is None:
        properties = {}
    if not isinstance(properties, dict) or document_problem(properties) or value_problem(properties):
        return "its Properties are not template data a node can hold"
    problems = property_problems(rtype, properties)
    if problems:
        return f"its properties do not follow the {rtype} schema ({problems[0]})"
    return None


def _demote_dangling(stack, generic: dict[str, str], rnd: Round) -> None:
    """A resource node referring to what the template does not have (a broken template) is no
    node: it goes back to ``stack.raw`` as it was, where compiling names the missing reference,
    rather than leaving a stack with problems. Repeated, as one demotion can strand another."""
    from stackerynb.model.rules import kept_references

    by_node = {nid: rid for rid, nid in generic.items()}
    while True:
        broken = {}
        for problem in kept_references(stack):
            if problem.node in by_node and problem.node in stack:
                broken.setdefault(problem.node, problem.message.split(":")[0])
        if not broken:
            return
        for nid, why in broken.items():
            stack.remove(nid)
            rid = by_node.pop(nid)
            del generic[rid]
            rnd.generic.pop(rid, None)
            rnd.raw[rid] = f"{rnd.raw[rid]}; it {why}" if rid in rnd.raw else f"it {why}"


def _add_generic(stack, node_id: str, body: dict, filename: str, lid: str) -> None:
    settings = {"type": body["Type"]}
    if body.get("Properties"):
        settings["properties"] = body["Properties"]
    attributes = {k: v for k, v in body.items() if k in RESOURCE_ATTRIBUTES}
    if attributes:
        settings["attributes"] = attributes
    try:
        stack.add("resource", node_id, **settings)
    except StackError as exc:  # generic_problem let through what the model refuses: a bug to report
        raise StackError(f"{filename}: cannot import {lid}: {exc}") from None


def _raw_fragment(rnd: Round, data: dict, bodies: dict, generic: dict, rename, raw_renames, node_ids,
                  kept: dict | None = None) -> tuple[dict, list]:
    """The template sections the stack keeps (``stack.raw``): resources no node could keep, the
    outputs, and the parameters, conditions and mappings that they, the ``resource`` nodes and
    the curated nodes' kept properties (``kept``: node id -> properties and attributes) use."""
    resources = {raw_renames.get(rid, rid): body for rid, body in bodies.items() if rid not in generic}
    generic_bodies = {generic[rid]: bodies[rid] for rid in generic}
    known = set(resources) | set(generic_bodies) | {nid for lid, nid in node_ids.items() if has_main_resource(rnd.nodes[lid].kind)}
    known |= {replacement(what, node_ids.get(owner, owner)) for what, owner in rnd.replacements.values()}
    raw_sam = [rid for rid, r in {**resources, **generic_bodies}.items() if str(r.get("Type")).startswith("AWS::Serverless::")]
    parameters = data.get("Parameters") or {}
    implicit_apis = set(import_map()["implicit_apis"].values())  # SAM makes them for raw functions' events
    outputs = {}
    dropped = []
    for oid, output in (data.get("Outputs") or {}).items():
        refs = referenced_ids(output) - set(parameters)
        missing = sorted(r for r in refs if rename(r) not in known and r not in PSEUDO_PARAMETERS
                         and not any(is_derived(nid, rnd.nodes[lid].kind, rename(r)) for lid, nid in node_ids.items())
                         and not any(r.startswith(s) for s in raw_sam)
                         and not (raw_sam and r in implicit_apis))
        if missing:
            dropped.append((oid, f"refers to {', '.join(missing)}, which the stack no longer has"))
            continue
        # an output named like one the compiler makes (``<api>Url``) keeps its name: the raw
        # output replaces the compiler's when the template is assembled (compile/raw.py)
        outputs[oid] = rename_references(copy.deepcopy(output), rename)

    # every parameter, condition, mapping and rule of the original stays: a deployed stack's
    # parameters keep their values and callers' overrides, whatever the nodes made of them
    fragment: dict = {}
    for section in ("Parameters", "Rules", "Mappings", "Conditions"):
        if data.get(section):
            fragment[section] = copy.deepcopy(data[section])
    if resources:
        fragment["Resources"] = resources
    if outputs:
        fragment["Outputs"] = outputs
    if isinstance(data.get("Metadata"), dict) and data["Metadata"]:
        fragment["Metadata"] = copy.deepcopy(data["Metadata"])
    return fragment, dropped

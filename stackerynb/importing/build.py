"""A final import plan -> the Stack (nodes, wires, layout), its raw template fragment, and the
rows of the import report."""
from __future__ import annotations

import copy
import os
from pathlib import Path

from stackerynb.catalog import wire_profile
from stackerynb.errors import StackError
from stackerynb.importing.compiled_names import has_main_resource, is_derived, output_clashes, replacement
from stackerynb.importing.ids import node_id_for
from stackerynb.importing.importer import Round
from stackerynb.cfn.intrinsics import (
    PSEUDO_PARAMETERS, condition_names, mapping_names, referenced_ids, rename_references,
)

RAW_SECTIONS = ("Parameters", "Mappings", "Conditions", "Resources", "Outputs")
# Canvas columns: what starts work on the left, functions in the middle, data on the right.
COLUMNS = {"rest_api": 0, "timer": 0, "cdn": 0, "load_balancer": 0, "topic": 1, "queue": 1, "stream": 1,
           "function": 2, "docker_service": 2, "docker_cluster": 3, "table": 3, "object_store": 3,
           "database": 3, "cache_cluster": 3, "secret": 4, "config_store": 4, "virtual_network": 4, "bastion": 4,
           "event_bus": 1, "state_machine": 2, "http_api": 0}


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
    # node's own resources (the generated residual policies are named that way on purpose).
    def clashes(rid: str) -> bool:
        return any(is_derived(nid, rnd.nodes[lid].kind, rid) for lid, nid in node_ids.items())

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
    for lid, plan in rnd.nodes.items():
        settings = dict(plan.settings)
        if plan.kind == "function" and settings.get("code") and code_base is not None:
            settings["code"] = _relative_code(settings["code"], code_base, stack_folder)
        if plan.kind == "rest_api" and "routes" in settings:
            settings["routes"] = {node_ids.get(k, k): v for k, v in settings["routes"].items()}
        try:
            stack.add(plan.kind, node_ids[lid], **settings)
        except StackError as exc:  # a planning bug: say which resource, keep the message
            raise StackError(f"{rnd.template.filename}: cannot import {lid}: {exc}") from None
    for (source, target), wire in rnd.wires.items():
        if source not in node_ids or target not in node_ids:
            continue
        profile = wire_profile(rnd.nodes[source].kind, rnd.nodes[target].kind)
        access = None
        if wire.levels is not None:
            levels = [lvl for lvl in profile.access if lvl in wire.levels]
            access = None if tuple(levels) == profile.default_access else ",".join(levels)
        stack.connect(node_ids[source], node_ids[target], access=access, **wire.settings)
    _layout(stack)

    fragment, dropped_outputs = _raw_fragment(rnd, data, raw_ids, rename, raw_renames, node_ids)
    stack.raw = fragment
    id_map = {lid: rename(lid) for lid in list(rnd.resources) + list(rnd.nodes)}
    extras = {"node_ids": node_ids, "raw_renames": raw_renames, "dropped_outputs": dropped_outputs,
              "id_map": {k: v for k, v in id_map.items() if k != v}}
    return stack, extras


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


def _raw_fragment(rnd: Round, data: dict, raw_ids: list[str], rename, raw_renames, node_ids) -> tuple[dict, list]:
    resources = {}
    for rid in raw_ids:
        resource = copy.deepcopy(rnd.pristine.get(rid) or rnd.extra_raw[rid])
        depends = resource.get("DependsOn")
        if depends is not None:
            deps = [depends] if isinstance(depends, str) else list(depends)
            kept = [rename(d) for d in deps if not (d in rnd.absorbed and d not in rnd.replacements)]
            if kept:
                resource["DependsOn"] = kept[0] if isinstance(depends, str) and len(kept) == 1 else kept
            else:
                resource.pop("DependsOn")
        resources[raw_renames.get(rid, rid)] = rename_references(resource, rename)

    known = set(resources) | {nid for lid, nid in node_ids.items() if has_main_resource(rnd.nodes[lid].kind)}
    known |= {replacement(what, node_ids.get(owner, owner)) for what, owner in rnd.replacements.values()}
    raw_sam = [rid for rid, r in resources.items() if str(r.get("Type")).startswith("AWS::Serverless::")]
    parameters = data.get("Parameters") or {}
    conditions = data.get("Conditions") or {}
    outputs = {}
    dropped = []
    for oid, output in (data.get("Outputs") or {}).items():
        refs = referenced_ids(output) - set(parameters)
        missing = sorted(r for r in refs if rename(r) not in known and r not in PSEUDO_PARAMETERS
                         and not any(is_derived(nid, rnd.nodes[lid].kind, rename(r)) for lid, nid in node_ids.items())
                         and not any(r.startswith(s) for s in raw_sam))
        if missing:
            dropped.append((oid, f"refers to {', '.join(missing)}, which the stack no longer has"))
            continue
        name = oid
        if output_clashes({nid: rnd.nodes[lid].kind for lid, nid in node_ids.items()}, oid):
            name = f"{oid}Kept"
            dropped.append((oid, f"kept as {name}: the compiler names one of its own outputs {oid}"))
        outputs[name] = rename_references(copy.deepcopy(output), rename)

    body = {"Resources": resources, "Outputs": outputs}
    used_conditions = _closure(condition_names(body) | _resource_conditions(body), conditions)
    kept_conditions = {c: copy.deepcopy(conditions[c]) for c in conditions if c in used_conditions}
    scope = {**body, "Conditions": kept_conditions}
    used_parameters = referenced_ids(scope) & set(parameters)
    mappings = data.get("Mappings") or {}
    used_mappings = mapping_names(scope) & set(mappings)

    fragment: dict = {}
    if used_parameters:
        fragment["Parameters"] = {p: copy.deepcopy(parameters[p]) for p in parameters if p in used_parameters}
    if used_mappings:
        fragment["Mappings"] = {m: copy.deepcopy(mappings[m]) for m in mappings if m in used_mappings}
    if kept_conditions:
        fragment["Conditions"] = kept_conditions
    if resources:
        fragment["Resources"] = resources
    if outputs:
        fragment["Outputs"] = outputs
    return fragment, dropped


def _resource_conditions(body: dict) -> set[str]:
    names = set()
    for section in body.values():
        for item in section.values():
            if isinstance(item, dict) and isinstance(item.get("Condition"), str):
                names.add(item["Condition"])
    return names


def _closure(names: set[str], conditions: dict) -> set[str]:
    seen: set[str] = set()
    todo = [n for n in names if n in conditions]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(c for c in condition_names(conditions[name]) if c in conditions and c not in seen)
    return seen

"""The stack's raw template fragment (``stack.raw``), added to the compiled template verbatim.

An import keeps every resource it could not map to a node kind, untouched, in ``stack.raw``
(a fragment with Parameters, Rules, Mappings, Conditions, Resources, Outputs and Metadata
sections: an import keeps every parameter, condition, mapping, rule and template metadata entry
of the original, used by raw resources or not, so parameters stay parameters). They
compile back as they were: their Refs to nodes point at the resources the nodes compile to
(a node's main resource keeps the node id as its logical id). Raw SAM resources bring the SAM
transform with them.

Call :func:`add_raw` at the end of ``compiler.assemble``; it raises StackError, naming the
raw entry, when the fragment clashes with what the nodes compiled to or refers to something
the template does not have. A raw output named like one the compiler makes (``<api>Url``)
replaces the compiler's: it is the imported template's own, which callers read by that name.
"""
from __future__ import annotations

import copy

from stackerynb.errors import Problem, StackError
from stackerynb.cfn.intrinsics import referenced_ids

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"
PSEUDO = frozenset({"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
                    "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"})
RAW_OWNER = "raw"


class RawObject:
    """A template entry kept as plain data; troposphere writes it with ``to_dict``."""

    def __init__(self, title: str, body):
        self.title = title
        self.body = body
        self.resource_type = body.get("Type") if isinstance(body, dict) else None

    def to_dict(self):
        return copy.deepcopy(self.body)


def add_raw(ctx, template, data: dict, *, limit: int | None = 500) -> None:
    """Add ``ctx.stack.raw`` to ``template`` (and to ``data``, the JSON governance reads)."""
    raw = getattr(ctx.stack, "raw", None) or {}
    if not raw or getattr(ctx, "raw_added", False):
        return
    ctx.raw_added = True  # idempotent: callers may add it before the compiler does
    resources = raw.get("Resources") or {}
    problems = []
    for section, existing in (("Parameters", template.parameters), ("Rules", template.rules),
                              ("Mappings", template.mappings), ("Conditions", template.conditions),
                              ("Resources", template.resources)):
        for name in raw.get(section) or {}:
            if name in existing:
                owner = ctx.owners.get(name, "the compiler")
                problems.append(Problem(None, None, f"raw {section[:-1].lower()} {name} clashes with the one "
                                        f"{owner} compiles to; rename one of them", code="raw-clash"))
    if problems:
        raise StackError(f"cannot compile stack {ctx.stack.name!r}: its raw section clashes with its nodes:", problems)
    if limit is not None and len(template.resources) + len(resources) > limit:
        raise StackError(
            f"stack {ctx.stack.name!r} compiles to {len(template.resources)} resources plus {len(resources)} raw "
            f"ones, more than the {limit} one template may hold")

    known = set(template.resources) | set(resources) | set(template.parameters) | set(raw.get("Parameters") or {}) | PSEUDO
    sam = [lid for lid, body in resources.items() if str(body.get("Type", "")).startswith("AWS::Serverless::")]
    sam += [n.id for n in ctx.nodes.values() if n.kind == "resource"  # SAM types kept as resource nodes
            and str(n.settings.get("type", "")).startswith("AWS::Serverless::")]
    missing = []
    for section in ("Resources", "Outputs", "Conditions", "Rules"):
        for name, body in (raw.get(section) or {}).items():
            needed = referenced_ids(body) | set(_depends_on(body))
            # SAM resources make more resources (MyApiProdStage, MyFunctionRole...) at deploy time
            for ref in sorted(r for r in needed - known if not any(r.startswith(s) for s in sam)
                              and not (sam and r in _implicit_apis())):
                missing.append(Problem(None, None, f"raw {section[:-1].lower() if section != 'Conditions' else 'condition'} "
                                       f"{name} refers to {ref}, which the template does not have", code="raw-ref"))
    if missing:
        raise StackError(f"cannot compile stack {ctx.stack.name!r}: its raw section refers to missing resources:",
                         missing)

    for name, body in (raw.get("Parameters") or {}).items():
        template.parameters[name] = RawObject(name, body)
    for name, body in (raw.get("Rules") or {}).items():
        template.rules[name] = copy.deepcopy(body)
    for name, body in (raw.get("Metadata") or {}).items():
        template.metadata.setdefault(name, copy.deepcopy(body))
    for name, body in (raw.get("Mappings") or {}).items():
        template.mappings[name] = copy.deepcopy(body)
    for name, body in (raw.get("Conditions") or {}).items():
        template.conditions[name] = copy.deepcopy(body)
    for lid in resources:  # as the template had them: SAM resources may refer to each other both ways
        template.add_resource(RawObject(lid, resources[lid]))
        ctx.owners.setdefault(lid, RAW_OWNER)
    for name, body in (raw.get("Outputs") or {}).items():
        # the template's own output wins over the one the compiler names alike (``<api>Url``):
        # callers of the imported stack read it by that name
        template.outputs[name] = RawObject(name, body)
    if any(str(r.get("Type", "")).startswith("AWS::Serverless::") for r in resources.values()):
        _add_transform(template)

    data.setdefault("Parameters", {}).update(copy.deepcopy(raw.get("Parameters") or {}))
    data.setdefault("Resources", {}).update(copy.deepcopy(resources))
    data.setdefault("Outputs", {}).update(copy.deepcopy(raw.get("Outputs") or {}))


def _implicit_apis() -> set[str]:
    """The APIs SAM makes for raw functions' events without an API of their own."""
    from stackerynb.catalog._data import load_table
    return set(load_table("import_map.yaml")["implicit_apis"].values())


def _depends_on(body) -> list[str]:
    value = body.get("DependsOn") if isinstance(body, dict) else None
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _add_transform(template) -> None:
    current = template.transform
    if current is None:
        template.set_transform(SERVERLESS_TRANSFORM)
    elif isinstance(current, list):
        if SERVERLESS_TRANSFORM not in current:
            template.transform = current + [SERVERLESS_TRANSFORM]
    elif current != SERVERLESS_TRANSFORM:
        template.transform = [current, SERVERLESS_TRANSFORM]


def with_override(permission, override: dict, made: list):
    """``permission`` with a wire's own ``permission`` setting written over its properties (a
    null removes one), or None when an equal permission was ``made`` already (the wire's own
    scope covers several routes or sources); ``permission`` itself when there is no override."""
    if not override:
        return permission
    body = permission.to_dict()
    merged = {k: v for k, v in {**body["Properties"], **override}.items() if v is not None}
    if merged in made:
        return None
    made.append(merged)
    return RawObject(permission.title, {**body, "Properties": merged})

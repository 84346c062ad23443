"""Checking an import: what each function may do in the original template and in the
compiled one, and where the two differ.

The original is expanded with aws-sam-translator first (SAM's own transform, run offline), so
policy templates, event source policies and connectors are compared as the IAM statements
CloudFormation would really get. Access is compared per target resource:

* *lost*: an action the original granted on a resource that the compiled template does not
  grant on the same resource (or on ``*``);
* *new resource*: the compiled template grants access to a resource of the original that the
  original did not let the function touch (resources the compiler makes for a node itself,
  like the function's log group, are its own and not counted).

Baseline AWS managed policies (``sam_policies.yaml``: logging, reading an event source) are
compared by what they grant on ``*``, without asking the compiled template for ``*``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from stackerynb.diff.names import with_names_as_refs
from stackerynb.diff.sam import expand_sam  # noqa: F401  (re-exported: the check's callers use it)
from stackerynb.importing.iam import (
    STAR, action_covered, expand_actions, statements_of,
)
from stackerynb.cfn.intrinsics import referenced_ids
from stackerynb.importing.permissions import managed_name, sam_policy_table

@dataclass
class FunctionAccess:
    """What one function may do: actions per target (logical id, ``*`` or literal ARN text)."""

    function: str
    role: str | None
    targets: dict[str, frozenset] = field(default_factory=dict)
    managed: list[str] = field(default_factory=list)
    known: bool = True  # False: the role comes from outside the template


def _target(resource, resource_ids) -> str:
    if resource == "*":
        return STAR
    ids = sorted(i for i in referenced_ids(resource) if i in resource_ids)
    if len(ids) == 1:
        return ids[0]
    return json.dumps(resource, sort_keys=True) if not isinstance(resource, str) else resource


def function_access(template: dict) -> dict[str, FunctionAccess]:
    """Every ``AWS::Lambda::Function``'s access in a plain CloudFormation template."""
    resources = template.get("Resources") or {}
    ids = set(resources)
    out = {}
    for fid, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::Function":
            continue
        role_ref = (resource.get("Properties") or {}).get("Role")
        roles = [r for r in referenced_ids(role_ref) if resources.get(r, {}).get("Type") == "AWS::IAM::Role"]
        access = FunctionAccess(fid, roles[0] if roles else None, known=bool(roles))
        if roles:
            targets: dict[str, set] = {}
            for statement in _role_statements(roles[0], resources):
                if statement.get("Effect") != "Allow" or "Action" not in statement:
                    continue
                actions = expand_actions(statement["Action"])
                for item in statement.get("Resource") if isinstance(statement.get("Resource"), list) else [statement.get("Resource")]:
                    targets.setdefault(_target(item, ids), set()).update(actions)
            access.managed = _role_managed(roles[0], resources)
            access.targets = {t: frozenset(a) for t, a in targets.items()}
        out[fid] = access
    return out


def _role_statements(role_id: str, resources: dict) -> list[dict]:
    props = resources[role_id].get("Properties") or {}
    statements = []
    for policy in props.get("Policies") or []:
        if isinstance(policy, dict):
            statements.extend(statements_of(policy.get("PolicyDocument")))
    managed = props.get("ManagedPolicyArns") or []
    for lid, resource in resources.items():
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            rprops = resource.get("Properties") or {}
            if role_id in referenced_ids(rprops.get("Roles")) or {"Ref": lid} in managed:
                statements.extend(statements_of(rprops.get("PolicyDocument")))
    return statements


def _role_managed(role_id: str, resources: dict) -> list[str]:
    managed = (resources[role_id].get("Properties") or {}).get("ManagedPolicyArns") or []
    return [managed_name(m) for m in managed if isinstance(m, str)]


@dataclass(frozen=True)
class Finding:
    """One difference between the original's and the compiled template's access."""

    function: str
    problem: str  # lost | new-resource | lost-managed | unknown-role | lost-trigger
    target: str
    actions: tuple[str, ...] = ()

    def __str__(self) -> str:
        acts = f" ({', '.join(self.actions[:6])}{'...' if len(self.actions) > 6 else ''})" if self.actions else ""
        return f"{self.function}: {self.problem} {self.target}{acts}"


def compare_access(original: dict, compiled: dict, id_map: dict[str, str]) -> list[Finding]:
    """Differences between what functions may do in ``original`` and in ``compiled`` (both
    plain CloudFormation); ``id_map`` maps original logical ids to compiled ones where they
    differ (renamed nodes, absorbed resources)."""
    original, compiled = with_names_as_refs(original), with_names_as_refs(compiled)
    table = sam_policy_table()
    baseline = table["baseline_managed_policies"]
    managed_actions = table.get("managed_policy_actions") or {}
    before = function_access(original)
    after = function_access(compiled)
    original_ids = set(original.get("Resources") or {})
    back = {}
    for lid in original_ids:
        back.setdefault(id_map.get(lid, lid), lid)
    findings: list[Finding] = []
    for fid, old in before.items():
        new = after.get(id_map.get(fid, fid))
        if new is None:
            continue  # the function is not in the compiled template: nothing to compare
        if not old.known or not new.known:
            if old.known != new.known:
                findings.append(Finding(fid, "unknown-role", old.role or "outside role"))
            continue
        for name in old.managed:
            if name not in baseline and name not in new.managed:
                findings.append(Finding(fid, "lost-managed", name))
        new_targets: dict[str, frozenset] = {}
        for target, actions in new.targets.items():
            key = back.get(target, target) if target not in (STAR,) else STAR
            new_targets[key] = new_targets.get(key, frozenset()) | actions
        star_new = new_targets.get(STAR, frozenset())
        for target, actions in old.targets.items():
            granted = new_targets.get(target, frozenset()) | star_new
            lost = sorted(a for a in actions if not action_covered(a, granted))
            if lost:
                findings.append(Finding(fid, "lost", target, tuple(lost)))
        old_star = set(old.targets.get(STAR, frozenset()))
        for name in old.managed:
            old_star |= {a.lower() for a in managed_actions.get(name, ())}
        old_services = {a.split(":")[0] for a in old_star}
        for target, actions in new_targets.items():
            if target == STAR:
                extra = sorted(a for a in actions if not action_covered(a, frozenset(old_star)))
                if extra:
                    findings.append(Finding(fid, "new-resource", STAR, tuple(extra)))
                continue
            if target not in original_ids or target in old.targets:
                continue  # a resource the compiler made for a node, or one the original granted
            if {a.split(":")[0] for a in actions} & old_services:
                continue  # granted by the original's "*" for that service
            findings.append(Finding(fid, "new-resource", target, tuple(sorted(actions))))
    return findings


def triggers(template: dict) -> set[tuple[str, str, str]]:
    """``(function, how, source)`` for everything that invokes or feeds a function: event source
    mappings, Lambda permissions (principal and source), SNS subscriptions and rule targets."""
    resources = template.get("Resources") or {}
    ids = set(resources)

    def one(value) -> str:
        found = sorted(i for i in referenced_ids(value) if i in ids)
        return found[0] if len(found) == 1 else json.dumps(value, sort_keys=True)

    out = set()
    for lid, resource in resources.items():
        props = resource.get("Properties") or {}
        rtype = resource.get("Type")
        if rtype == "AWS::Lambda::EventSourceMapping":
            out.add((one(props.get("FunctionName")), "mapping", one(props.get("EventSourceArn"))))
        elif rtype == "AWS::Lambda::Permission":
            source = one(props.get("SourceArn")) if "SourceArn" in props else "any"
            out.add((one(props.get("FunctionName")), f"invoke by {props.get('Principal')}", source))
        elif rtype == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            out.add((one(props.get("Endpoint")), "subscription", one(props.get("TopicArn"))))
        elif rtype == "AWS::Events::Rule":
            for target in props.get("Targets") or []:
                if isinstance(target, dict):
                    out.add((one(target.get("Arn")), "rule target", lid))
    return {t for t in out if t[0] in ids and resources[t[0]].get("Type") == "AWS::Lambda::Function"}


def compare_triggers(original: dict, compiled: dict, id_map: dict[str, str]) -> list[Finding]:
    """Triggers of the original's functions that the compiled template lacks."""
    original = with_names_as_refs(original)
    after = triggers(with_names_as_refs(compiled))
    findings = []
    for function, how, source in sorted(triggers(original)):
        mapped = (id_map.get(function, function), how, id_map.get(source, source))
        if source == "any" and any(t[:2] == mapped[:2] for t in after):
            continue  # the compiled permission names its source: narrower, not lost
        if mapped not in after:
            findings.append(Finding(function, "lost-trigger", f"{how} from {source}"))
    return findings


def compiled_for_check(stack, parameters=()) -> dict:
    """``stack`` compiled for an environment ``dev`` (with its raw section), as plain data;
    ``parameters`` are the template parameters the environment gives values, as a deploy of
    the original would."""
    import warnings

    from stackerynb.compile.compiler import assemble, build
    from stackerynb.compile.raw import add_raw
    from stackerynb.model.environments import Environment

    from stackerynb.model.fileformat import parse_stack

    if getattr(stack, "path", None) is not None:  # the design, without its file: the code folders
        stack = parse_stack(stack.dumps(), "<imported stack>")  # need not exist to compare meaning
    environment = Environment("dev", parameters={name: "example" for name in parameters})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # governance warnings about the original's own choices
        ctx = build(stack, environment)
        template, data = assemble(ctx)
        add_raw(ctx, template, data)  # a no-op once the compiler adds the raw section itself
    return json.loads(template.to_json(sort_keys=False))


def meaning_changes(stack, original: dict, attrs: dict) -> list:
    """What the imported ``stack``, compiled back, means differently from ``original`` (the
    semantic diff's rows; empty when the import changes nothing)."""
    from stackerynb.diff import semantic_diff

    return semantic_diff(original, compiled_for_check(stack, attrs.get("environment_parameters", ())))

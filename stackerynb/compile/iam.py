"""Roles and policy documents: collected statement records become awacs policies.

Each role gets one inline policy per reason it holds permissions (``baseline`` statements and
one policy per wire), so the IAM console reads like the canvas: ``GetOrder-to-Orders``.
"""
from __future__ import annotations

import re
from collections import defaultdict

import awacs.aws as aws
from troposphere import Ref, iam

from stackerynb.catalog._data import load_table
from stackerynb.cfn.intrinsics import sub_text
from stackerynb.compile.context import Compilation, Parts, StatementRecord
from stackerynb.compile.names import camel
from stackerynb.compile.refs import value

_DATA = load_table("iam.yaml")
TRUST: dict[str, str] = dict(_DATA["trust"])
BASELINES: dict[str, dict] = dict(_DATA["baselines"])
POLICY_VERSION = "2012-10-17"
_POLICY_NAME = re.compile(r"[^\w+=,.@-]")


def new_role(ctx: Compilation, owner: str, logical_id: str, trust: str) -> iam.Role:
    """Create an IAM role for node ``owner`` assumable by the ``trust`` service (see iam.yaml)."""
    service = TRUST[trust]
    document = aws.PolicyDocument(Version=POLICY_VERSION, Statement=[aws.Statement(
        Effect=aws.Allow, Principal=aws.Principal("Service", service),
        Action=[aws.Action("sts", "AssumeRole")])])
    role = ctx.add(iam.Role(logical_id, AssumeRolePolicyDocument=document), owner)
    ctx.roles[logical_id] = owner
    return role


def grant_baseline(ctx: Compilation, parts: Parts, name: str, **placeholders: str) -> None:
    """Give ``parts``' role the statements of baseline ``name`` from iam.yaml."""
    baseline = BASELINES[name]
    for raw in baseline["statements"]:
        resources = [item for r in raw["resources"] for item in _fill(r, placeholders)]
        condition = raw.get("condition")
        if condition:
            condition = {op: {key: text.format(**placeholders) for key, text in values.items()}
                         for op, values in condition.items()}
        ctx.grant(parts, raw["actions"], resources, purpose=name, condition=condition)


def keep_policies(ctx: Compilation, owner: str, role: iam.Role, policies: dict | None) -> None:
    """A node's ``policies`` setting on its role: managed policy ARNs attached as they are, and
    statements kept as written in a policy of their own, ``<owner>ImportedPolicy`` (a resource
    apart from the role, as SAM's statements on resources that refer back to the function
    would otherwise make the role, and so the function, wait for them: a circle)."""
    policies = policies or {}
    if policies.get("ManagedPolicyArns"):
        role.ManagedPolicyArns = list(policies["ManagedPolicyArns"])
    if policies.get("Statement"):
        holder = f"{owner}ImportedPolicy"
        ctx.add(iam.PolicyType(holder, PolicyName="imported-permissions", Roles=[Ref(role.title)],
                               PolicyDocument={"Version": POLICY_VERSION, "Statement": list(policies["Statement"])}),
                owner)
        for statement in policies["Statement"]:
            ctx.statements.append(_kept_record(owner, role.title, holder, statement))


def _kept_record(owner: str, role_id: str, holder: str, statement: dict) -> StatementRecord:
    """A kept statement as a permissions row: written as it is by its own policy, not by the role."""
    def texts(key: str) -> tuple[str, ...]:
        items = statement.get(key, statement.get("Not" + key, ()))
        return tuple(sub_text(x) for x in (items if isinstance(items, list) else [items]))
    condition = statement.get("Condition")
    return StatementRecord(
        wire=None, node=owner, principal=role_id, actions=texts("Action"), resources=texts("Resource"),
        purpose="kept statement (the policies setting)", holder=holder,
        condition=condition if isinstance(condition, dict) else None,
        effect=statement.get("Effect", "Allow") if isinstance(statement.get("Effect"), str) else "Allow", kept=True)


def _fill(template: str, placeholders: dict) -> list[str]:
    """``template`` with its placeholders filled in; a list placeholder gives one text per item."""
    lists = {k: v for k, v in placeholders.items() if isinstance(v, (list, tuple)) and "{%s}" % k in template}
    if not lists:
        return [template.format(**placeholders)]
    (key, items), = lists.items()  # one list per resource template is all the baselines use
    return [template.format(**{**placeholders, key: item}) for item in items]


def statement(record: StatementRecord, sid: str) -> aws.Statement:
    """The awacs statement for a record (resource statements carry their principal)."""
    kwargs = dict(Sid=sid, Effect=aws.Allow if record.effect == "Allow" else aws.Deny,
                  Action=[aws.Action(*a.split(":", 1)) for a in record.actions],
                  Resource=[value(r) for r in record.resources])
    if record.kind == "resource":
        kwargs["Principal"] = aws.Principal("*") if record.principal == "*" else aws.Principal("Service", record.principal)
    if record.condition:
        kwargs["Condition"] = aws.Condition([
            getattr(aws, operator)({key: value(v) for key, v in values.items()})
            for operator, values in record.condition.items()])
    return aws.Statement(**kwargs)


def document(records: list[StatementRecord]) -> aws.PolicyDocument:
    """A policy document holding ``records`` with readable, unique statement ids."""
    used: dict[str, int] = defaultdict(int)
    statements = []
    for record in records:
        base = camel(record.wire.replace("->", " to ")) if record.wire else camel(record.purpose) or "Statement"
        used[base] += 1
        statements.append(statement(record, f"{base}{used[base]}"))
    return aws.PolicyDocument(Version=POLICY_VERSION, Statement=statements)


def finalize_roles(ctx: Compilation) -> None:
    """Attach each role's collected identity statements as inline policies."""
    by_role: dict[str, dict[str, list[StatementRecord]]] = defaultdict(lambda: defaultdict(list))
    for record in ctx.statements:
        if record.kind == "identity" and not record.kept:
            name = record.wire.replace(" -> ", "-to-") if record.wire else record.purpose
            by_role[record.principal][_POLICY_NAME.sub("-", name)[:128]].append(record)
    for role_id in ctx.roles:
        policies = by_role.get(role_id)
        if policies:
            ctx.resources[role_id].Policies = [
                iam.Policy(PolicyName=name, PolicyDocument=document(records))
                for name, records in policies.items()]

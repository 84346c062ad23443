"""Resource policies: what lets an AWS service, on behalf of one source, into a wire's target.

``lambda_permission`` is a resource of its own per wire; queue, topic and bucket policies are
one document per target (a second policy resource on the same queue would replace the first),
collected as statements while wiring and written by :func:`finalize_resource_policies`.
"""
from __future__ import annotations

import copy

from troposphere import GetAtt, Ref, awslambda, s3, sns, sqs

from stackerynb.compile import event_targets
from stackerynb.compile.context import Compilation, Parts, StatementRecord
from stackerynb.compile.events import Invocation
from stackerynb.compile.iam import POLICY_VERSION, document
from stackerynb.compile.raw import with_override
from stackerynb.compile.refs import value
from stackerynb.model.elements import Wire


def _source_condition(invocation: Invocation, key: str = "aws:SourceArn", operator: str = "ArnLike") -> dict:
    condition = {operator: {key: invocation.source_arn}}
    if invocation.source_account:
        condition["StringEquals"] = {"aws:SourceAccount": "${AWS::AccountId}"}
    return condition


def lambda_permission(ctx: Compilation, wire: Wire, source: Parts, target: Parts, invocation: Invocation) -> None:
    base = f"{wire.source}To{wire.target}Permission"
    override = dict(wire.settings.get("permission") or {})  # the wire's own scope (null: none)
    made = []
    for n, source_arn in enumerate([invocation.source_arn] + list(invocation.more_sources), start=1):
        logical = base if n == 1 else f"{base}{n}"
        one = Invocation(invocation.service, source_arn, invocation.source_account)
        props = dict(Action="lambda:InvokeFunction", FunctionName=GetAtt(target.node.id, "Arn"),
                     Principal=invocation.service, SourceArn=value(source_arn))
        if invocation.source_account:
            props["SourceAccount"] = Ref("AWS::AccountId")
        permission = with_override(awslambda.Permission(logical, **props), override, made)
        if permission is None:
            continue  # sources the wire's own scope covers already
        if "SourceArn" in override:
            one = Invocation(invocation.service, override["SourceArn"] or "*", invocation.source_account)
        ctx.add(permission, wire.source)
        ctx.statements.append(StatementRecord(
            wire=str(Wire(wire.source, wire.target)), node=target.node.id, principal=invocation.service,
            actions=("lambda:InvokeFunction",), resources=(target.attribute("arn"),), kind="resource",
            purpose=f"{wire.source} invokes {wire.target}", holder=logical,
            condition=_source_condition(one)))
        for dependent in invocation.dependents:
            waits = getattr(dependent, "DependsOn", [])
            dependent.DependsOn = ([waits] if isinstance(waits, str) else list(waits)) + [logical]


def queue_policy(ctx, wire, source, target, invocation) -> None:
    ctx.allow_service(target.node.id, "queue_policy", invocation.service, ["sqs:SendMessage"],
                      [target.attribute("arn")], holder=f"{target.node.id}Policy", wire=wire,
                      purpose=f"{wire.source} sends to {wire.target}", condition=_source_condition(invocation))


def topic_policy(ctx, wire, source, target, invocation) -> None:
    ctx.allow_service(target.node.id, "topic_policy", invocation.service, ["sns:Publish"],
                      [target.attribute("arn")], holder=f"{target.node.id}Policy", wire=wire,
                      purpose=f"{wire.source} publishes to {wire.target}", condition=_source_condition(invocation))


def bucket_policy(ctx, wire, source, target, invocation) -> None:
    ctx.allow_service(target.node.id, "bucket_policy", invocation.service, ["s3:GetObject"],
                      [target.attribute("objects_arn")], holder=f"{target.node.id}Policy", wire=wire,
                      purpose=f"{wire.source} reads {wire.target}'s objects",
                      condition=_source_condition(invocation, "AWS:SourceArn", "StringEquals"))


POLICIES = {
    "lambda_permission": lambda_permission,
    "queue_policy": queue_policy,
    "topic_policy": topic_policy,
    "bucket_policy": bucket_policy,
    **event_targets.POLICIES,  # the role EventBridge assumes to start a state machine
}

# policy kind -> (troposphere class, the property naming the target)
_DOCUMENTS = {
    "queue_policy": lambda lid, target, doc: sqs.QueuePolicy(lid, Queues=[Ref(target)], PolicyDocument=doc),
    "topic_policy": lambda lid, target, doc: sns.TopicPolicy(lid, Topics=[Ref(target)], PolicyDocument=doc),
    "bucket_policy": lambda lid, target, doc: s3.BucketPolicy(lid, Bucket=Ref(target), PolicyDocument=doc),
}


# node kind -> the policy its ``policy`` setting's statements join
_KEPT = {"queue": "queue_policy", "topic": "topic_policy", "object_store": "bucket_policy"}


def _grants_outright(kept: dict, record: StatementRecord) -> bool:
    """True when statement ``kept`` (template data) allows, with no condition, the same service
    every action of ``record`` on each of its resources."""
    if kept.get("Effect") != "Allow" or kept.get("Condition") or record.effect != "Allow":
        return False
    principal = kept.get("Principal")
    services = principal.get("Service") if isinstance(principal, dict) else None
    services = services if isinstance(services, list) else [services]
    actions = kept.get("Action")
    actions = {a.lower() for a in (actions if isinstance(actions, list) else [actions]) if isinstance(a, str)}
    resources = kept.get("Resource")
    resources = resources if isinstance(resources, list) else [resources]
    plain = [v.to_dict() if hasattr(v, "to_dict") else v for v in (value(r) for r in record.resources)]
    return (record.principal in services and {a.lower() for a in record.actions} <= actions
            and all(r in resources for r in plain))


def finalize_resource_policies(ctx: Compilation) -> None:
    """Write one policy resource per target holding every statement collected for it, and the
    statements its ``policy`` setting keeps as written (an import's that no wire explains)."""
    kept = {(node.id, _KEPT[node.kind]): list((node.get("policy") or {}).get("Statement") or [])
            for node in ctx.nodes.values() if node.kind in _KEPT and (node.get("policy") or {}).get("Statement")}
    for key in dict.fromkeys([*ctx.resource_policies, *kept]):
        target, kind = key
        records = ctx.resource_policies.get(key, [])
        if key in kept:  # a wire's statement that a kept one already grants outright adds nothing
            records = [r for r in records if not any(_grants_outright(k, r) for k in kept[key])]
            generated = list(document(records).properties["Statement"]) if records else []
            body = {"Version": POLICY_VERSION, "Statement": generated + copy.deepcopy(kept[key])}
        else:
            body = document(records)
        holder = records[0].holder if records else f"{target}Policy"
        ctx.add(_DOCUMENTS[kind](holder, target, body), target)

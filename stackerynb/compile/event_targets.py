"""EventBridge's side of wires: a bus's rules (event ``bus_rule``) and the role EventBridge
assumes to start a state machine (resource policy ``events_role``).

A wire ``bus -> target`` is one ``AWS::Events::Rule`` on the bus with one target. Its ``event``
wire setting holds the rule's and the target's own words: ``EventPattern``, ``State``,
``Description``, ``Name`` for the rule; ``Input``, ``InputPath``, ``InputTransformer``,
``RetryPolicy``, ``DeadLetterConfig``, ``SqsParameters`` (...) for the target. A wire without a
pattern matches every event this account puts on the bus.
"""
from __future__ import annotations

import copy

from troposphere import GetAtt

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters import http_api
from stackerynb.compile.iam import new_role
from stackerynb.compile.raw import RawObject
from stackerynb.compile.refs import att, value
from stackerynb.model.elements import Wire

RULE_KEYS = ("EventPattern", "State", "Description", "Name", "RoleArn")
TARGET_KEYS = ("Input", "InputPath", "InputTransformer", "RetryPolicy", "DeadLetterConfig", "SqsParameters",
               "HttpParameters", "KinesisParameters", "RunCommandParameters", "BatchParameters",
               "EcsParameters", "AppSyncParameters", "RedshiftDataParameters", "SageMakerPipelineParameters")
EVERY_EVENT_OF_THIS_ACCOUNT = {"account": [{"Ref": "AWS::AccountId"}]}


def bus_rule(ctx: Compilation, wire: Wire, source: Parts, target: Parts):
    from stackerynb.compile.events import Invocation
    settings = wire.settings.get("event") or {}
    unknown = sorted(set(settings) - set(RULE_KEYS) - set(TARGET_KEYS))
    if unknown:
        ctx.problem(wire.source, "event", f"wire {wire.source} -> {wire.target}: {', '.join(unknown)} is not a "
                    f"rule or target property (rule: {', '.join(RULE_KEYS)}; target: {', '.join(TARGET_KEYS)})")
    logical = f"{wire.source}To{wire.target}Rule"
    # plain template data, not troposphere objects: the event setting is the user's
    # CloudFormation, intrinsics and all, written as given
    rule_props = {"EventPattern": copy.deepcopy(settings.get("EventPattern") or EVERY_EVENT_OF_THIS_ACCOUNT),
                  "State": settings.get("State", "ENABLED"),
                  **{k: copy.deepcopy(settings[k]) for k in ("Description", "Name") if k in settings}}
    if not source.node.get("default_bus"):
        rule_props["EventBusName"] = {"Ref": source.node.id}
    entry = {"Id": target.node.id, "Arn": _plain(value(target.attribute("arn")))}
    if target.node.kind == "queue" and target.node.get("fifo") and "SqsParameters" not in settings:
        entry["SqsParameters"] = {"MessageGroupId": source.node.id}
    entry.update({k: copy.deepcopy(settings[k]) for k in TARGET_KEYS if k in settings})
    source.handles["targets"].append(entry)
    rule_props["Targets"] = [entry]
    ctx.add(RawObject(logical, {"Type": "AWS::Events::Rule", "Properties": rule_props}), wire.source)
    return Invocation("events.amazonaws.com", att(logical, "Arn"))


def events_role(ctx: Compilation, wire: Wire, source: Parts, target: Parts, invocation) -> None:
    """EventBridge starts a state machine through a role: one per wire, which only EventBridge
    may assume and which may start only that state machine."""
    logical = f"{wire.source}To{wire.target}Role"
    new_role(ctx, wire.source, logical, "events")
    holder = Parts(source.node, role=logical)
    # recorded as the role's own purpose, not the wire's: the wire's source holds no role itself
    ctx.grant(holder, ["states:StartExecution"], [target.attribute("arn")],
              purpose=f"EventBridge starts {wire.target} for {wire.source}")
    for entry in source.handles["targets"]:  # a timer's troposphere targets, or a bus rule's plain one
        if isinstance(entry, dict) and entry.get("Id") == target.node.id:
            entry["RoleArn"] = {"Fn::GetAtt": [logical, "Arn"]}
        elif not isinstance(entry, dict) and entry.properties.get("Id") == target.node.id:
            entry.RoleArn = GetAtt(logical, "Arn")


def _plain(item):
    """A troposphere intrinsic as plain template data."""
    return item.to_dict() if hasattr(item, "to_dict") else item


EVENTS = {"bus_rule": bus_rule, "http_route": http_api.route}
POLICIES = {"events_role": events_role}

"""Step Functions state machines (SAM ``AWS::Serverless::StateMachine`` and
``AWS::StepFunctions::StateMachine``) -> ``state_machine`` nodes.

Settings come from ``import_map.yaml`` (converters below); what the kind does not model but the
template said (a physical name, a logging configuration naming the template's own log group,
tags, an S3 definition) is kept verbatim in the node's ``properties``, in CloudFormation's
words, so compiling back keeps it. The machine's permissions (SAM ``Policies`` or its role's
policies) run through the same split as a function's: wires where a wire profile explains a
statement, the rest kept as a raw policy on the compiled role.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from stackerynb.cfn.intrinsics import is_intrinsic
from stackerynb.importing.convert import MISSING, Unconvertible, converter
from stackerynb.importing.iam import statements_of
from stackerynb.importing.importer_errors import SHAPE_ERRORS, unexpected_shape
from stackerynb.importing.permissions import managed_name, role_grants, sam_function_grants, sam_policy_table

if TYPE_CHECKING:
    from stackerynb.importing.importer import Round

TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
STATES_PRINCIPALS = ("states.amazonaws.com", "states.${AWS::Region}.amazonaws.com")
# property of the template -> the CloudFormation property it is kept as in ``properties``
KEPT = {
    "AWS::Serverless::StateMachine": {"Name": "StateMachineName", "Logging": "LoggingConfiguration",
                                      "Tags": "Tags", "DefinitionUri": "DefinitionS3Location"},
    "AWS::StepFunctions::StateMachine": {"StateMachineName": "StateMachineName", "Tags": "Tags",
                                         "LoggingConfiguration": "LoggingConfiguration",
                                         "DefinitionS3Location": "DefinitionS3Location",
                                         "DefinitionString": "DefinitionString"},
}


@converter
def document(value, ctx):
    """A mapping kept as template data, intrinsics and all (a definition, its substitutions)."""
    if not isinstance(value, dict) or is_intrinsic(value):
        raise Unconvertible("not a mapping written in the template")
    return value


@converter
def definition_path(value, ctx):
    """A local definition file (``DefinitionUri: statemachine/flow.asl.json``); an S3 location
    is kept as a property instead (see KEPT)."""
    if not isinstance(value, str) or value.startswith("s3://"):
        return MISSING
    return value


@converter
def definition_text(value, ctx):
    """``Definition``, or a ``DefinitionString`` holding plain JSON, becomes the definition (a
    string built with intrinsics is kept as written, in ``properties``)."""
    if isinstance(value, dict) and not is_intrinsic(value):
        return value  # Definition
    if not isinstance(value, str):
        return MISSING  # DefinitionString with intrinsics: kept in properties
    try:
        loaded = json.loads(value)
    except ValueError:
        raise Unconvertible("DefinitionString is not JSON") from None
    return loaded if isinstance(loaded, dict) else MISSING


def plan(rnd: "Round", lid: str, node, props: dict) -> None:
    """Keep what the kind does not model, and gather the machine's permissions (``rnd.grants``)."""
    rtype = node.type
    if props.get("Events"):
        why = _events(rnd, lid, props["Events"])
        if why:
            rnd.demote_node(lid, why)
            return
    kept = {}
    for name, target in KEPT[rtype].items():
        if name not in props:
            continue
        value = props[name]
        if name == "DefinitionUri" and not _s3(value):
            continue  # a local file: the definition_uri setting
        if name == "DefinitionString" and node.settings.get("definition"):
            continue  # plain JSON: became the definition setting
        if name == "Tags" and isinstance(value, dict):  # SAM writes a map, CloudFormation a list
            value = [{"Key": k, "Value": v} for k, v in value.items()]
        if name == "DefinitionUri":
            value = _s3_location(value)
        kept[target] = value
    if kept:
        node.settings["properties"] = {**node.settings.get("properties", {}), **kept}
    try:
        grants = _grants(lid, props, rnd.resources, rtype)
    except SHAPE_ERRORS as exc:
        rnd.demote_node(lid, unexpected_shape(exc))
        return
    baseline = sam_policy_table()["baseline_managed_policies"]
    others = [m for m in grants.managed if managed_name(m) not in baseline]
    if others:
        grants.problems.append(f"managed polic{'ies' if len(others) > 1 else 'y'} "
                               f"{', '.join(managed_name(m) for m in others)} cannot be attached to a state machine node")
    if grants.problems:
        rnd.demote_node(lid, "; ".join(grants.problems))
        return
    rnd.grants[lid] = grants


def _s3(value) -> bool:
    return isinstance(value, dict) or (isinstance(value, str) and value.startswith("s3://"))


def _s3_location(value) -> dict:
    if isinstance(value, str):
        bucket, _, key = value[len("s3://"):].partition("/")
        return {"Bucket": bucket, "Key": key}
    return {k: value[k] for k in ("Bucket", "Key", "Version") if k in value}


def _grants(lid: str, props: dict, resources: dict, rtype: str):
    role = props.get("Role") if rtype == "AWS::Serverless::StateMachine" else props.get("RoleArn")
    if role is None:
        return sam_function_grants(lid, {"Policies": props.get("Policies")} if "Policies" in props else {}, resources)
    grants = role_grants(lid, role, resources)
    # role_grants judges a function's role (trusted by Lambda); a state machine's is trusted by Step Functions
    grants.problems = [p for p in grants.problems if "assumed by more than Lambda" not in p]
    if grants.role:
        trust = statements_of((resources[grants.role].get("Properties") or {}).get("AssumeRolePolicyDocument"))
        if not trust or any(not _trusts_states(s.get("Principal")) for s in trust):
            grants.problems.append(f"its role {grants.role} may be assumed by more than Step Functions")
    return grants


def _trusts_states(principal) -> bool:
    if not isinstance(principal, dict) or set(principal) != {"Service"}:
        return False
    services = principal["Service"] if isinstance(principal["Service"], list) else [principal["Service"]]
    texts = [s.get("Fn::Sub") if isinstance(s, dict) else s for s in services]
    return bool(texts) and all(t in STATES_PRINCIPALS for t in texts)



SCHEDULE_KEYS = {"Schedule", "Enabled", "State", "Input", "Description"}
RULE_KEYS = {"Pattern": "EventPattern", "Input": "Input", "InputPath": "InputPath", "State": "State",
             "RuleName": "Name"}


def _events(rnd: "Round", sid: str, events) -> str | None:
    """SAM ``Events`` that start the machine: a ``Schedule`` becomes a timer node wired to it
    (named as SAM names the rule, ``<machine><event>``), an ``EventBridgeRule`` (or
    ``CloudWatchEvent``) a wire from its bus with the pattern in the wire's event setting.
    Why they cannot, or None."""
    from stackerynb.importing import event_rules
    from stackerynb.importing.importer import NodePlan
    if not isinstance(events, dict):
        return "Events is not a mapping of named events"
    planned = []
    for name, event in events.items():
        etype = event.get("Type") if isinstance(event, dict) else None
        eprops = (event.get("Properties") or {}) if isinstance(event, dict) else None
        if not isinstance(eprops, dict):
            return f"event {name} has no Type or Properties"
        if etype == "Schedule":
            extra = sorted(set(eprops) - SCHEDULE_KEYS)
            schedule, payload = eprops.get("Schedule"), eprops.get("Input", "")
            enabled = eprops.get("Enabled", eprops.get("State", "ENABLED") != "DISABLED")
            if extra or not isinstance(schedule, str) or not isinstance(payload, str) or not isinstance(enabled, bool):
                return f"event {name} (Schedule): {', '.join(extra) or 'a schedule computed at deploy time'} " \
                       "cannot be carried by a timer"
            planned.append(("timer", f"{sid}{name}", {"schedule": schedule, "enabled": enabled,
                                                       **({"payload": payload} if payload else {})}, None))
        elif etype in ("EventBridgeRule", "CloudWatchEvent"):
            extra = sorted(set(eprops) - set(RULE_KEYS) - {"EventBusName"})
            bus = event_rules._bus(rnd, eprops.get("EventBusName"))
            if extra or "Pattern" not in eprops or bus is None:
                return f"event {name} ({etype}): " + (f"{', '.join(extra)} cannot be carried by a wire" if extra else
                                                        "no pattern, or a bus that is not an event bus node")
            event_setting = {RULE_KEYS[k]: v for k, v in eprops.items() if k in RULE_KEYS}
            planned.append(("bus", bus, event_setting, name))
        else:
            return f"event {name} ({etype}) cannot start a state machine node yet"
    for what, ident, settings, name in planned:
        if what == "timer":
            rnd.nodes[ident] = NodePlan(ident, "timer", settings, "SAM event", [f"the Schedule event of {sid}"],
                                        origin=f"{sid} event")
            rnd.add_wire(ident, sid, f"{sid} event {ident[len(sid):]}")
        else:
            (bus, default) = ident
            if default:
                event_rules._default_bus(rnd)
            if (bus, sid) in rnd.wires:
                return f"two rules from {bus} start {sid}; a wire holds one rule"
            rnd.add_wire(bus, sid, f"{sid} event {name}").settings["event"] = settings
    return None

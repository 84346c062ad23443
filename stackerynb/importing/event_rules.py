"""EventBridge rules with an event pattern -> wires ``event_bus -> target``.

A rule on a bus of the template wires from that bus's node; a rule on the account's default bus
wires from one ``event_bus`` node with ``default_bus: true`` that the import makes (id
``DefaultEventBus``). The rule's pattern and state, and the target's input, retry policy and
dead-letter configuration, become the wire's ``event`` setting in CloudFormation's words (see
compile/event_targets.py). A role only EventBridge assumes, used by this rule alone, is absorbed
too (the compiled wire makes its own). Schedules stay timers (importing/absorb.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from stackerynb.catalog import wire_profile
from stackerynb.cfn.intrinsics import referenced_ids
from stackerynb.importing.iam import statements_of

if TYPE_CHECKING:
    from stackerynb.importing.importer import Round

DEFAULT_BUS_ID = "DefaultEventBus"
DEFAULT_BUS_TYPE = "EventBridge default bus"
RULE_KEYS = ("EventPattern", "State", "Description", "Name")
TARGET_SKIPPED = ("Id", "Arn", "RoleArn")  # the wire's target, and the role the wire makes


def _single(value, ids) -> str | None:
    found = [i for i in referenced_ids(value) if i in ids]
    return found[0] if len(set(found)) == 1 else None


def rule(rnd: "Round", lid: str, props: dict) -> str | None:
    """Absorb rule ``lid`` into wires from its bus, or say why it stays raw."""
    if "ScheduleExpression" in props:
        return "a rule with both a schedule and an event pattern has no node or wire"
    if "EventPattern" not in props:
        return "a rule on an event bus without an event pattern"
    bus = _bus(rnd, props.get("EventBusName"))
    if bus is None:
        return f"its event bus {props.get('EventBusName')!r} is not an event bus node of the template"
    targets = props.get("Targets") or []
    if not isinstance(targets, list) or not targets:
        return "a rule without targets"
    planned = []
    for target in targets:
        if not isinstance(target, dict):
            return "a target is not a mapping"
        node = _single(target.get("Arn"), rnd.nodes)
        profile = wire_profile("event_bus", rnd.kind_of(node)) if node else None
        if profile is None or profile.event != "bus_rule":
            return f"target {target.get('Id')} is not a function, queue, topic or state machine node"
        if (bus[0], node) in rnd.wires:
            return f"{node} is already the target of another rule on {bus[0]}; a wire holds one rule"
        role = _single(target.get("RoleArn"), rnd.resources) if "RoleArn" in target else None
        if "RoleArn" in target and (role is None or not _events_role(rnd, role, lid)):
            return f"target {target.get('Id')} uses a role that is not its own EventBridge role"
        event = {k: props[k] for k in RULE_KEYS if k in props and not (k == "State" and props[k] == "ENABLED")}
        event.update({k: v for k, v in target.items() if k not in TARGET_SKIPPED})
        planned.append((node, role, event))
    if bus[1]:
        _default_bus(rnd)
    for node, role, event in planned:
        wire = rnd.add_wire(bus[0], node, f"rule {lid}")
        wire.settings["event"] = event
        rnd.rule_wires[lid] = (bus[0], node)
        if role:
            rnd.absorbed[role] = f"the role EventBridge assumes for the wire {bus[0]} -> {node}"
            rnd.absorbed_into[role] = (bus[0], node)
    if len(planned) > 1:
        rnd.note(bus[0], f"rule {lid} has {len(planned)} targets: one wire (and rule) per target")
    else:  # references to the rule (its Arn in an output, a DependsOn) point at the wire's rule
        rnd.replacements[lid] = ("rule", f"{bus[0]}To{planned[0][0]}")
    rnd.absorbed[lid] = "the wire" + ("s " if len(planned) > 1 else " ") + \
        ", ".join(f"{bus[0]} -> {node}" for node, _, _ in planned)
    rnd.absorbed_into[lid] = (bus[0], *(node for node, _, _ in planned))
    return None


def _bus(rnd: "Round", name) -> tuple[str, bool] | None:
    """(bus node id, whether it is the default bus) for a rule's EventBusName."""
    if name is None or name == "default":
        return DEFAULT_BUS_ID, True
    node = _single(name, rnd.nodes)
    return (node, False) if node and rnd.kind_of(node) == "event_bus" else None


def _default_bus(rnd: "Round") -> None:
    from stackerynb.importing.importer import NodePlan
    if DEFAULT_BUS_ID not in rnd.nodes:
        rnd.nodes[DEFAULT_BUS_ID] = NodePlan(DEFAULT_BUS_ID, "event_bus", {"default_bus": True}, DEFAULT_BUS_TYPE,
                                             ["the account's default bus, where the template's rules listen"],
                                             origin=DEFAULT_BUS_ID)


def _events_role(rnd: "Round", role: str, rule_id: str) -> bool:
    """True for a role only EventBridge may assume, used by nothing but rule ``rule_id``."""
    resource = rnd.resources.get(role) or {}
    if resource.get("Type") != "AWS::IAM::Role" or role in rnd.raw or role in rnd.forced_raw:
        return False
    trust = statements_of((resource.get("Properties") or {}).get("AssumeRolePolicyDocument"))
    if not trust or any(s.get("Principal") not in ({"Service": "events.amazonaws.com"},
                                                    {"Service": ["events.amazonaws.com"]}) for s in trust):
        return False
    users = [lid for lid, r in rnd.resources.items() if lid != role and role in referenced_ids(r)]
    return users == [rule_id]


def bus_properties(rnd: "Round", lid: str, plan, props: dict) -> None:
    """An ``AWS::Events::EventBus`` keeps every property (its name, policy, ...) verbatim: the kind
    models none of them."""
    if props:
        plan.settings["properties"] = {**plan.settings.get("properties", {}), **props}

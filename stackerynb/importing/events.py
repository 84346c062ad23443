"""SAM function events -> wires (and the nodes some of them need).

Each event of an ``AWS::Serverless::Function`` becomes one of:
  * a wire from the event source node into the function (API route, queue, stream, table
    stream, bucket notification, topic subscription); the event's settings (batch size,
    starting position, filters, retries...) go in the wire's ``event`` setting as the
    CloudFormation properties SAM would write (``import_map.yaml`` ``event_wires``), the API
    route (method and path) in the API's ``routes``;
  * a new timer node and its wire (``Schedule`` / ``ScheduleV2`` events);
  * raw resources that do what SAM would have generated (``EventBridgeRule`` with a pattern:
    an ``AWS::Events::Rule`` and its ``AWS::Lambda::Permission``), pointing at the function node;
  * or a reason the function has to stay raw (an event source with no kind, options a wire
    cannot express such as filters or authorizers).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stackerynb.catalog import kind as catalog_kind
from stackerynb.cfn.intrinsics import NotPlain, plain_value, referenced_ids


@dataclass
class EventWire:
    """A wire ``source -> function`` an event stands for."""

    event: str
    source: str  # logical id in the template (or of a new node)
    source_kind: str
    function: str
    source_settings: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)  # the wire's ``event`` setting (CloudFormation words)
    permission: dict = field(default_factory=dict)  # the wire's ``permission`` setting
    route: tuple[str, str] | None = None  # (method, path) for API events
    api_type: str | None = None  # Api | HttpApi
    implicit_api: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class NewNode:
    """A node the template did not declare as a resource (a SAM event's schedule)."""

    node_id: str
    kind: str
    settings: dict
    origin: str
    notes: list[str] = field(default_factory=list)


@dataclass
class EventPlan:
    """What a function's events become."""

    wires: list[EventWire] = field(default_factory=list)
    new_nodes: list[NewNode] = field(default_factory=list)
    raw_resources: dict[str, dict] = field(default_factory=dict)
    raw_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _source_id(value, resource_ids) -> str | None:
    ids = [i for i in referenced_ids(value) if i in resource_ids]
    return ids[0] if len(ids) == 1 else None


def _plain(value, parameters, default=None):
    try:
        return plain_value(value, parameters)
    except NotPlain:
        return default


# Event properties each type may carry; any other one keeps the function raw.
_ALLOWED = {
    "Api": {"Path", "Method", "RestApiId"},
    "HttpApi": {"Path", "Method", "ApiId", "PayloadFormatVersion", "TimeoutInMillis"},
    "Schedule": {"Schedule", "Enabled", "Description", "Name", "Input", "State"},
    "ScheduleV2": {"ScheduleExpression", "Description", "Name", "Input", "State", "ScheduleExpressionTimezone",
                   "FlexibleTimeWindow", "StartDate", "EndDate", "GroupName", "KmsKeyArn", "RetryPolicy",
                   "RoleArn", "OmitName"},
    "EventBridgeRule": {"Pattern", "EventBusName", "Input", "InputPath", "State", "RuleName"},
    "CloudWatchEvent": {"Pattern", "EventBusName", "Input", "InputPath", "State"},
}


def _event_wires() -> dict:
    from stackerynb.importing.convert import import_map
    return import_map()["event_wires"]


def _allowed(etype: str) -> set | None:
    wired = _event_wires().get(etype)
    if wired is not None:
        return {wired["source"], *wired["carried"]}
    return _ALLOWED.get(etype)


def plan_events(function_id: str, props: dict, resources: dict, parameters: dict,
                implicit_ids: dict[str, str]) -> EventPlan:
    """The plan for the events of SAM function ``function_id`` (its Globals already applied)."""
    plan = EventPlan()
    events = props.get("Events") or {}
    if not isinstance(events, dict):
        plan.raw_reasons.append("Events is not a mapping of named events")
        return plan
    resource_ids = set(resources)
    for name, event in events.items():
        if not isinstance(event, dict) or not isinstance(event.get("Type"), str):
            plan.raw_reasons.append(f"event {name} has no Type")
            continue
        etype = event["Type"]
        eprops = event.get("Properties") or {}
        if not isinstance(eprops, dict):
            plan.raw_reasons.append(f"event {name}: Properties is not a mapping")
            continue
        allowed = _allowed(etype)
        if allowed is None:
            plan.raw_reasons.append(f"event {name}: a {etype} event source has no node kind")
            continue
        extra = sorted(set(eprops) - allowed)
        if extra:
            plan.raw_reasons.append(f"event {name} ({etype}): {', '.join(extra)} cannot be carried by a wire")
            continue
        if eprops.get("Enabled") in (False, "false") or eprops.get("State") == "DISABLED":
            if etype not in ("Schedule", "ScheduleV2") and etype not in _event_wires():
                plan.raw_reasons.append(f"event {name} ({etype}) is disabled; a wire is always on")
                continue
        handler = _HANDLERS[etype]
        handler(plan, function_id, name, etype, eprops, resources, resource_ids, parameters, implicit_ids)
    return plan


def _api(plan, fid, name, etype, eprops, resources, resource_ids, parameters, implicit_ids):
    path = _plain(eprops.get("Path"), parameters)
    method = _plain(eprops.get("Method"), parameters)
    if etype == "HttpApi" and path is None and method is None:
        path, method = "/*", "ANY"  # an HttpApi event without path/method is the $default route: every path
    if not isinstance(path, str) or not isinstance(method, str):
        plan.raw_reasons.append(f"event {name}: Path and Method must be plain text")
        return
    if etype == "HttpApi" and str(_plain(eprops.get("PayloadFormatVersion"), parameters, "2.0")) != "1.0":
        plan.raw_reasons.append(
            f"event {name}: HTTP API payload format 2.0 differs from the REST API proxy event a rest_api "
            "node sends; the handler would receive events of another shape")
        return
    key = "RestApiId" if etype == "Api" else "ApiId"
    if key in eprops:
        api = _source_id(eprops[key], resource_ids)
        if api is None:
            plan.raw_reasons.append(f"event {name}: its API {eprops[key]!r} is not a resource of this template")
            return
        implicit = False
    else:
        api, implicit = implicit_ids[etype], True
    plan.wires.append(EventWire(name, api, "rest_api", fid, route=(method.upper(), path), api_type=etype,
                                implicit_api=implicit))


def _positive(value, parameters):
    value = _plain(value, parameters)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value


def _stream_source(plan, fid, name, etype, eprops, resources, resource_ids, parameters, implicit_ids):
    spec = _event_wires()[etype]
    prop, kind = spec["source"], spec["kind"]
    source = _source_id(eprops.get(prop), resource_ids)
    if source is None:
        plan.raw_reasons.append(f"event {name} ({etype}): its {prop} is not a resource of this template")
        return
    wire = EventWire(name, source, kind, fid)
    # the wire carries the event's settings exactly as SAM writes them (parameters stay Refs)
    wire.settings = {key: eprops[key] for key in spec["carried"] if key in eprops}
    wire.permission = dict(spec.get("permission") or {})
    if etype == "SQS" and "BatchSize" in eprops:
        wire.source_settings["batch_size"] = _positive(eprops["BatchSize"], parameters)
    if etype == "Kinesis":
        if "BatchSize" in eprops:
            wire.source_settings["batch_size"] = _positive(eprops["BatchSize"], parameters)
        position = _plain(eprops.get("StartingPosition"), parameters)
        if position is not None:
            wire.source_settings["starting_position"] = position
    if etype == "S3":
        events = eprops.get("Events")
        events = events if isinstance(events, list) else [events]
        if not events or not all(isinstance(e, str) and e.startswith("s3:") for e in events):
            plan.raw_reasons.append(f"event {name}: S3 events {events} are not plain s3: event names")
            return
        wire.settings["Events"] = events
    plan.wires.append(wire)


def _schedule(plan, fid, name, etype, eprops, resources, resource_ids, parameters, implicit_ids):
    if etype == "ScheduleV2":
        return _scheduler(plan, fid, name, eprops)
    expression = _plain(eprops.get("Schedule" if etype == "Schedule" else "ScheduleExpression"), parameters)
    settings: dict[str, Any] = {"schedule": expression}
    spec = catalog_kind("timer").settings
    why = spec["schedule"].check(expression)
    if why:
        plan.raw_reasons.append(f"event {name}: schedule {expression!r} cannot be a timer ({why})")
        return
    enabled = eprops.get("Enabled", True) not in (False, "false") and eprops.get("State") != "DISABLED"
    settings["enabled"] = enabled
    if "Input" in eprops:
        payload = _plain(eprops["Input"], parameters)
        if not isinstance(payload, str):
            plan.raw_reasons.append(f"event {name}: Input is not plain JSON text")
            return
        settings["payload"] = payload
    notes: list[str] = []
    node_id = _node_id(f"{fid}{name}")
    plan.new_nodes.append(NewNode(node_id, "timer", settings, f"{fid}.Events.{name}", notes))
    plan.wires.append(EventWire(name, node_id, "timer", fid))


_SCHEDULE_PROPERTIES = ("ScheduleExpression", "FlexibleTimeWindow", "Name", "Description", "State",
                        "ScheduleExpressionTimezone", "StartDate", "EndDate", "GroupName", "KmsKeyArn")


def _scheduler(plan, fid, name, eprops):
    """An EventBridge Scheduler schedule has no kind (a timer is an EventBridge rule, another
    service): emit what SAM would, the schedule and the role it invokes the function with."""
    sid = _node_id(f"{fid}{name}")
    props: dict[str, Any] = {"FlexibleTimeWindow": {"Mode": "OFF"}}
    if not eprops.get("OmitName"):
        props["Name"] = sid
    props.update({k: eprops[k] for k in _SCHEDULE_PROPERTIES if k in eprops})
    target: dict[str, Any] = {"Arn": {"Fn::GetAtt": [fid, "Arn"]},
                              "RoleArn": eprops.get("RoleArn", {"Fn::GetAtt": [f"{sid}Role", "Arn"]})}
    target.update({k: eprops[k] for k in ("Input", "RetryPolicy") if k in eprops})
    props["Target"] = target
    plan.raw_resources[sid] = {"Type": "AWS::Scheduler::Schedule", "Properties": props}
    if "RoleArn" not in eprops:
        plan.raw_resources[f"{sid}Role"] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": ["sts:AssumeRole"], "Effect": "Allow",
                "Principal": {"Service": ["scheduler.amazonaws.com"]}}]},
            "Policies": [{"PolicyName": f"{sid}LambdaPolicy", "PolicyDocument": {"Statement": [{
                "Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": {"Fn::GetAtt": [fid, "Arn"]}}]}}]}}
    plan.notes.append(f"event {name} (ScheduleV2) has no node kind: kept as raw schedule {sid} and its role")


def _rule(plan, fid, name, etype, eprops, resources, resource_ids, parameters, implicit_ids):
    """A rule with an event pattern has no kind; emit what SAM would, pointing at the node."""
    rule_id = _node_id(f"{fid}{name}")
    target: dict[str, Any] = {"Arn": {"Fn::GetAtt": [fid, "Arn"]}, "Id": f"{rule_id}LambdaTarget"}
    for key in ("Input", "InputPath"):
        if key in eprops:
            target[key] = eprops[key]
    properties: dict[str, Any] = {"EventPattern": eprops.get("Pattern"), "Targets": [target]}
    if "EventBusName" in eprops:
        properties["EventBusName"] = eprops["EventBusName"]
    if "State" in eprops:
        properties["State"] = eprops["State"]
    if "RuleName" in eprops:
        properties["Name"] = eprops["RuleName"]
    permission: dict[str, Any] = {
        "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": fid},
        "Principal": "events.amazonaws.com", "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
    }
    plan.raw_resources[rule_id] = {"Type": "AWS::Events::Rule", "Properties": properties}
    plan.raw_resources[f"{rule_id}Permission"] = {"Type": "AWS::Lambda::Permission", "Properties": permission}
    plan.notes.append(f"event {name} ({etype}) has no node kind: kept as raw rule {rule_id} and its permission")


_HANDLERS = {
    "Api": _api, "HttpApi": _api, "SQS": _stream_source, "Kinesis": _stream_source,
    "DynamoDB": _stream_source, "S3": _stream_source, "SNS": _stream_source,
    "Schedule": _schedule, "ScheduleV2": _schedule, "EventBridgeRule": _rule, "CloudWatchEvent": _rule,
}


def _node_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)[:64] or "Event"


def route_path(path: str) -> str:
    """A route's path as API Gateway serves it: no trailing slash except the root's."""
    path = "/" + path.strip().lstrip("/")
    return path.rstrip("/") or "/"


def route_texts(by_function: dict[str, list[tuple[str, str]]]) -> tuple[dict[str, str], list[str]]:
    """``(routes, conflicts)``: each function's ``(METHOD, path)`` pairs as the rest_api
    ``routes`` text (``"GET /a, POST /a/{id}"``; ``ANY`` left implicit), and the reasons one API
    cannot serve them all (two functions on one method and path, or two path variables of
    different names side by side, which API Gateway refuses)."""
    routes: dict[str, str] = {}
    owners: dict[tuple[str, str], str] = {}
    variables: dict[str, dict[str, str]] = {}
    conflicts = []
    for fid, pairs in by_function.items():
        entries = []
        for method, path in pairs:
            method, path = method.upper(), route_path(path)
            if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                method = "ANY"
            key = (method, path)
            if key in owners:
                if owners[key] != fid:
                    conflicts.append(f"{owners[key]} and {fid} both answer {method} {path}")
                continue
            owners[key] = fid
            entries.append(path if method == "ANY" else f"{method} {path}")
            prefix = ""
            for segment in [s for s in path.split("/") if s]:
                if segment.startswith("{"):
                    names = variables.setdefault(prefix, {})
                    names.setdefault(segment, fid)
                    if len(names) == 2 and segment in names and names[segment] == fid:
                        conflicts.append(f"path variables {', '.join(sorted(names))} side by side under "
                                         f"{prefix or '/'} ({', '.join(sorted(set(names.values())))})")
                prefix = f"{prefix}/{segment}"
        routes[fid] = ", ".join(entries)
    return routes, conflicts

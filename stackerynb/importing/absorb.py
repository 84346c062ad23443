"""Resources that disappear into a node or a wire when they follow a pattern the node or wire
generates itself: a function's role and attached policies, its log group, Lambda
permissions for a wired event source, event source mappings, subscriptions, queue policies
for a wired topic, dead-letter queues and SAM connectors. Anything off-pattern stays raw."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import TYPE_CHECKING

from stackerynb.catalog import kind as catalog_kind, wire_profile
from stackerynb.catalog._data import load_table
from stackerynb.importing import event_rules, http_apis, resource_policies
from stackerynb.importing.iam import statements_of
from stackerynb.cfn.intrinsics import NotPlain, plain_value, referenced_ids

from stackerynb.importing.importer_errors import SHAPE_ERRORS, unexpected_shape

if TYPE_CHECKING:
    from stackerynb.importing.importer import Round

# Service principal that invokes a function for each event source kind.
INVOKER = {"rest_api": "apigateway.amazonaws.com", "object_store": "s3.amazonaws.com",
           "topic": "sns.amazonaws.com", "timer": "events.amazonaws.com", "http_api": "apigateway.amazonaws.com",
           "event_bus": "events.amazonaws.com"}
# The CloudFormation type a node of each kind compiles to (for SAM connector profiles).
COMPILED_TYPE = {"function": "AWS::Lambda::Function", "table": "AWS::DynamoDB::Table",
                 "object_store": "AWS::S3::Bucket", "queue": "AWS::SQS::Queue", "topic": "AWS::SNS::Topic",
                 "rest_api": "AWS::ApiGateway::RestApi", "timer": "AWS::Events::Rule",
                 "state_machine": "AWS::StepFunctions::StateMachine", "event_bus": "AWS::Events::EventBus"}


def _single(value, ids) -> str | None:
    found = [i for i in referenced_ids(value) if i in ids]
    return found[0] if len(set(found)) == 1 else None


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def absorb_all(rnd: "Round") -> None:
    """Decide every resource of an absorbable type: absorbed (and how) or raw (and why)."""
    try:
        _roles_and_policies(rnd)
    except SHAPE_ERRORS:
        pass  # roles of a shape it cannot read are decided one by one below, and stay raw
    # Resources that make wires first, then those that only make sense for an existing wire.
    for phase in (_WIRE_MAKERS, _WIRE_FOLLOWERS, _LAST):
        for lid, resource in rnd.resources.items():
            if lid in rnd.raw or lid in rnd.nodes or lid in rnd.absorbed:
                continue
            handler = phase.get(resource["Type"])
            if handler is None:
                continue
            try:
                why = handler(rnd, lid, resource.get("Properties") or {})
            except SHAPE_ERRORS as exc:
                why = unexpected_shape(exc)
            if why:
                rnd.absorbed.pop(lid, None)
                rnd.absorbed_into.pop(lid, None)
                rnd.raw[lid] = why
    _connectors(rnd)
    for lid, resource in rnd.resources.items():
        if lid not in rnd.raw and lid not in rnd.nodes and lid not in rnd.absorbed:
            rnd.raw[lid] = f"no node kind for {resource['Type']}"  # pragma: no cover - table and code disagree


def _referrers(rnd: "Round", target: str) -> dict[str, dict]:
    return {lid: r for lid, r in rnd.resources.items()
            if lid != target and target in referenced_ids(r)}


ROLE_OWNERS = ("function", "state_machine")  # kinds whose own role takes a `role` setting
KIT_TRUST = load_table("iam.yaml")["trust"]  # kind -> the service the compiled role trusts


def _kept_role(props: dict, kind: str) -> dict:
    """What a template role of a ``kind`` node sets that its compiled role must set too: the
    kind's ``role`` setting keys, the trust policy only where it is not the kit's own (a
    regional principal, a condition, a Sid...), so an ordinary import stays short."""
    keys = catalog_kind(kind).settings["role"].keys
    kept = {k: copy.deepcopy(v) for k, v in props.items() if k in keys and k != "AssumeRolePolicyDocument"}
    trust = props.get("AssumeRolePolicyDocument")
    if trust is not None and not _is_kit_trust(trust, KIT_TRUST[kind]):
        kept["AssumeRolePolicyDocument"] = copy.deepcopy(trust)
    return kept


def _is_kit_trust(document, service: str) -> bool:
    """Whether a trust policy is the one the compiler writes: ``service`` may assume the role."""
    statements = statements_of(document)
    return bool(statements) and all(
        set(s) - {"Sid"} == {"Effect", "Principal", "Action"} and s["Effect"] == "Allow"
        and s["Principal"] in ({"Service": service}, {"Service": [service]})
        and s["Action"] in ("sts:AssumeRole", ["sts:AssumeRole"]) for s in statements)


def _roles_and_policies(rnd: "Round") -> None:
    users: dict[str, list[str]] = {}
    for fid, grants in rnd.grants.items():
        if grants.role:
            users.setdefault(grants.role, []).append(fid)
    policy_types = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    roles = set(users)
    while True:
        policies = {}
        for lid, resource in rnd.resources.items():
            if resource["Type"] not in policy_types or lid in rnd.forced_raw:
                continue
            props = resource.get("Properties") or {}
            attached = {r for r in referenced_ids(props.get("Roles")) if r in rnd.resources}
            attached |= {role for role in roles
                         if {"Ref": lid} in _as_list((rnd.resources[role].get("Properties") or {}).get("ManagedPolicyArns"))}
            if attached and attached <= roles and not (props.get("Users") or props.get("Groups")):
                policies[lid] = attached
        keep = set()
        for role in roles:
            for lid, resource in _referrers(rnd, role).items():
                if lid in users[role] and (rnd.resources[lid].get("Properties") or {}).get("Role") is not None:
                    continue
                if lid in policies:
                    continue
                keep.add(role)
        if not keep:
            break
        roles -= keep
    for role in sorted(set(users) - roles):
        rnd.raw[role] = f"IAM role also used by {', '.join(sorted(set(_referrers(rnd, role)) - set(users[role])))}"
    for role in sorted(roles):
        for fid in users[role]:
            if rnd.kind_of(fid) in ROLE_OWNERS:
                kept = _kept_role(rnd.resources[role].get("Properties") or {}, rnd.kind_of(fid))
                if len(users[role]) > 1:  # each node gets a role of its own: one name cannot be all of theirs
                    kept.pop("RoleName", None)
                if kept:  # the role's name, path, tags... stay the node role's
                    rnd.nodes[fid].settings["role"] = kept
        rnd.absorbed[role] = f"the own role of {', '.join(users[role])} (its statements became wires or a raw policy)"
        rnd.absorbed_into[role] = tuple(users[role])
        if len(users[role]) == 1:
            rnd.replacements[role] = ("role", users[role][0])
    for lid, attached in policies.items():
        if lid in rnd.absorbed:
            continue
        fids = sorted({f for role in attached for f in users[role]})
        unused = [r for r, res in _referrers(rnd, lid).items() if r not in attached]
        if unused:
            rnd.raw[lid] = f"referred to by {', '.join(unused)}"
            continue
        rnd.absorbed[lid] = f"permissions of {', '.join(fids)}"
        rnd.absorbed_into[lid] = tuple(fids)


LOG_GROUP_KEYS = tuple(catalog_kind("function").settings["log_group"].keys)


def _log_group_user(rnd: "Round", lid: str) -> str | None:
    """The one function node whose kept ``LoggingConfig`` names log group ``lid``, if only one does."""
    users = [fid for fid, plan in rnd.nodes.items() if plan.kind == "function"
             and lid in referenced_ids(((plan.settings.get("properties") or {}).get("LoggingConfig") or {}).get("LogGroup"))]
    return users[0] if len(users) == 1 else None


def _log_group(rnd: "Round", lid: str, props: dict) -> str | None:
    """A function's log group: named as Lambda's default one of the function, or the one its
    LoggingConfig names. Its properties go into the function's ``log_group`` setting (its
    retention into ``log_retention_days``), so the function's own log group is that one."""
    name = props.get("LogGroupName")
    fid = _single(name, rnd.nodes)
    if fid is None or rnd.kind_of(fid) != "function" or "/aws/lambda/" not in json.dumps(name):
        fid = _log_group_user(rnd, lid)
    if fid is None:
        owner = _single(name, rnd.resources)
        return (f"the log group of {owner}, which stays raw" if owner
                else "no node kind for a log group of its own")
    extra = set(props) - set(LOG_GROUP_KEYS)
    if extra:
        return f"log group of {fid} with {', '.join(sorted(extra))}, which the function kind cannot set"
    own = {k: copy.deepcopy(v) for k, v in props.items() if k != "RetentionInDays"}
    if "RetentionInDays" in props:
        try:
            days = plain_value(props["RetentionInDays"], rnd.parameters)
            days = int(days) if isinstance(days, str) and days.isdigit() else days
        except NotPlain:
            days = None
        if days is not None and not catalog_kind("function").settings["log_retention_days"].check(days):
            rnd.nodes[fid].settings["log_retention_days"] = days
        else:  # a parameter or an intrinsic: kept as written
            own["RetentionInDays"] = copy.deepcopy(props["RetentionInDays"])
    else:
        own["RetentionInDays"] = None  # logs kept for ever, as the template's log group keeps them
    if own:
        rnd.nodes[fid].settings["log_group"] = own
    rnd.absorbed[lid] = f"the log group of {fid}"
    rnd.absorbed_into[lid] = (fid,)
    rnd.replacements[lid] = ("log_group", fid)
    return None


def _permission(rnd: "Round", lid: str, props: dict) -> str | None:
    fid = _single(props.get("FunctionName"), rnd.nodes)
    if fid is None or rnd.kind_of(fid) != "function":
        owner = _single(props.get("FunctionName"), rnd.resources)
        return f"it lets {props.get('Principal')} invoke {owner or 'a function outside the template'}, which stays raw"
    source = _single(props.get("SourceArn"), rnd.resources) or _single(props.get("SourceArn"), rnd.nodes)
    if props.get("Action") == "lambda:InvokeFunction" and source is None:
        # unscoped, or scoped wider than one node: the wire from the one source this service
        # invokes the function for carries that scope exactly
        wired = [w for (src, dst), w in rnd.wires.items() if dst == fid and rnd.kind_of(src) != "rest_api"
                 and INVOKER.get(rnd.kind_of(src)) == props.get("Principal")]
        if len(wired) == 1 and set(props) <= {"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount"}:
            wired[0].settings["permission"] = {"SourceArn": props.get("SourceArn"),
                                               "SourceAccount": props.get("SourceAccount")}
            rnd.absorbed[lid] = f"the wire {wired[0].source} -> {fid} (with this permission's scope)"
            rnd.absorbed_into[lid] = (wired[0].source, fid)
            return None
    if props.get("Action") != "lambda:InvokeFunction" or source is None:
        return f"it lets {props.get('Principal')} invoke {fid} from outside the stack's wires"
    if rnd.rule_wires.get(source, (None, None))[1] == fid and props.get("Principal") == "events.amazonaws.com":
        rnd.absorbed[lid] = f"the wire {rnd.rule_wires[source][0]} -> {fid}"  # a bus rule's permission
        rnd.absorbed_into[lid] = (rnd.rule_wires[source][0], fid)
        return None
    kind = rnd.kind_of(source)
    if (source, fid) not in rnd.wires or INVOKER.get(kind) != props.get("Principal"):
        return f"it lets {props.get('Principal')} invoke {fid} for {source}, which is not wired to it"
    if kind == "rest_api":
        # the routes make their own permissions, each scoped to its method and path: this one
        # (often the whole API, /*) keeps its own scope beside them
        return f"it lets {source} invoke {fid} with its own scope, beside the routes' permissions"
    if set(props) - {"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount"}:
        return f"it lets {props.get('Principal')} invoke {fid} under conditions a wire does not carry"
    # the wire's permission keeps this one's scope exactly (its SourceAccount too, or none)
    rnd.wires[(source, fid)].settings["permission"] = {
        "SourceArn": props["SourceArn"], "SourceAccount": props.get("SourceAccount")}
    rnd.absorbed[lid] = f"the wire {source} -> {fid}"
    rnd.absorbed_into[lid] = (source, fid)
    return None


def _event_source_mapping(rnd: "Round", lid: str, props: dict) -> str | None:
    fid = _single(props.get("FunctionName"), rnd.nodes)
    source = _single(props.get("EventSourceArn"), rnd.nodes)
    if fid is None or source is None or rnd.kind_of(fid) != "function":
        return "an event source mapping between resources that are not both nodes"
    profile = wire_profile(rnd.kind_of(source), "function")
    if profile is None or profile.event != "event_source_mapping":
        return f"{source} is a {rnd.kind_of(source)}, which cannot feed a function"
    extra = set(props) - {"FunctionName", "EventSourceArn", "BatchSize", "StartingPosition", "Enabled"}
    if extra or props.get("Enabled") in (False, "false"):
        return f"event source mapping options {', '.join(sorted(extra)) or 'Enabled: false'} cannot be carried by a wire"
    kind = rnd.kind_of(source)
    if "BatchSize" in props and kind in ("queue", "stream"):
        rnd.set_source_setting(source, "batch_size", _int(props["BatchSize"], rnd), lid)
    if "StartingPosition" in props and kind == "stream":
        rnd.set_source_setting(source, "starting_position", props["StartingPosition"], lid)
    rnd.add_wire(source, fid, f"event source mapping {lid}")
    rnd.absorbed[lid] = f"the wire {source} -> {fid}"
    rnd.absorbed_into[lid] = (source, fid)
    return None


def _int(value, rnd):
    try:
        value = plain_value(value, rnd.parameters)
    except NotPlain:
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _subscription(rnd: "Round", lid: str, props: dict) -> str | None:
    topic = _single(props.get("TopicArn"), rnd.nodes)
    target = _single(props.get("Endpoint"), rnd.nodes)
    expected = {"sqs": "queue", "lambda": "function"}.get(props.get("Protocol"))
    if topic is None or rnd.kind_of(topic) != "topic" or target is None or rnd.kind_of(target) != expected:
        return "a subscription that is not between a topic node and a queue or function node"
    extra = set(props) - {"TopicArn", "Endpoint", "Protocol", "RawMessageDelivery", "Region"}
    if extra:
        return f"subscription options {', '.join(sorted(extra))} cannot be carried by a wire"
    if expected == "queue":
        raw = props.get("RawMessageDelivery", False) in (True, "true", "True")
        rnd.set_source_setting(topic, "raw_delivery", raw, lid)
    rnd.add_wire(topic, target, f"subscription {lid}")
    rnd.absorbed[lid] = f"the wire {topic} -> {target}"
    rnd.absorbed_into[lid] = (topic, target)
    return None


_WIRE_MAKERS = {
    "AWS::Events::Rule": event_rules.rule,
    "AWS::ApiGatewayV2::Route": http_apis.route,
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
    "AWS::SNS::Subscription": _subscription,
}
_WIRE_FOLLOWERS = {
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Lambda::Permission": _permission,
    "AWS::SQS::QueuePolicy": resource_policies.policy,
    "AWS::SNS::TopicPolicy": resource_policies.policy,
    "AWS::S3::BucketPolicy": resource_policies.policy,
    "AWS::ApiGatewayV2::Integration": http_apis.integration,
    "AWS::ApiGatewayV2::Deployment": http_apis.deployment,
    "AWS::IAM::Role": lambda rnd, lid, props: _used_by(rnd, lid, "an IAM role"),
    "AWS::IAM::Policy": lambda rnd, lid, props: _used_by(rnd, lid, "an IAM policy", props.get("Roles")),
    "AWS::IAM::ManagedPolicy": lambda rnd, lid, props: _used_by(rnd, lid, "a managed policy", props.get("Roles")),
}

# Resources that build on followers (a stage on its deployment).
_LAST = {"AWS::ApiGatewayV2::Stage": http_apis.stage}


def _used_by(rnd: "Round", lid: str, what: str, attached=None) -> str:
    users = sorted(set(referenced_ids(attached)) & set(rnd.resources)) if attached is not None \
        else sorted(_referrers(rnd, lid))
    raw = [u for u in users if u not in rnd.nodes]
    if raw:
        return f"{what} of {', '.join(raw)}, which stay{'s' if len(raw) == 1 else ''} raw"
    return f"{what} no function node uses on its own" if users else f"{what} nothing in the template uses"


# ------------------------------------------------------------- dead letters and timers
def dead_letter(rnd: "Round", lid: str, redrive) -> None:
    """A queue whose dead-letter queue is used by nothing else takes ``dead_letter: true``."""
    try:
        redrive = plain_value(redrive, rnd.parameters) if not referenced_ids(redrive) else redrive
    except NotPlain:
        pass
    if isinstance(redrive, str):
        try:
            redrive = json.loads(redrive)
        except ValueError:
            redrive = None
    if not isinstance(redrive, dict):
        rnd.demote_node(lid, "its RedrivePolicy is not a plain mapping")
        return
    dlq = _single(redrive.get("deadLetterTargetArn"), rnd.resources)
    if dlq is None or rnd.kind_of(dlq) != "queue":
        rnd.demote_node(lid, "its dead-letter queue is not a queue of this template")
        return
    others = [r for r in _referrers(rnd, dlq) if r != lid]
    if others:
        rnd.demote_node(lid, f"its dead-letter queue {dlq} is also used by {', '.join(others)}; a queue node "
                        "makes its own dead-letter queue")
        return
    receives = _int(redrive.get("maxReceiveCount", 5), rnd)
    plan = rnd.nodes[lid]
    plan.settings["dead_letter"] = True
    why = catalog_kind("queue").settings["max_receives"].check(receives)
    if why:
        rnd.demote_node(lid, f"maxReceiveCount {receives!r}: {why}")
        return
    plan.settings["max_receives"] = receives
    del rnd.nodes[dlq]
    rnd.absorbed[dlq] = f"the dead-letter queue of {lid}"
    rnd.absorbed_into[dlq] = (lid,)
    rnd.replacements[dlq] = ("dead_letter", lid)
    rnd.note(lid, f"dead-letter queue {dlq} became dead_letter: true (its own settings are the compiler's)")


def timer_targets(rnd: "Round", lid: str, props: dict) -> None:
    """A schedule rule whose targets are all nodes a timer can be wired to."""
    if "EventPattern" in props:
        rnd.demote_node(lid, "it has an event pattern; a timer only runs on a schedule")
        return
    payloads = set()
    for target in _as_list(props.get("Targets")):
        if not isinstance(target, dict):
            rnd.demote_node(lid, "a target is not a mapping")
            return
        node = _single(target.get("Arn"), rnd.nodes)
        if node is None or wire_profile("timer", rnd.kind_of(node)) is None:
            rnd.demote_node(lid, f"target {target.get('Id')} is not a function, queue or topic node")
            return
        extra = set(target) - {"Arn", "Id", "Input"}
        if extra:
            rnd.demote_node(lid, f"target {target.get('Id')} sets {', '.join(sorted(extra))}, which a timer cannot")
            return
        payloads.add(json.dumps(target.get("Input")))
        rnd.add_wire(lid, node, f"rule target {target.get('Id')}")
    if len(payloads) > 1:
        rnd.demote_node(lid, "its targets receive different inputs; a timer sends one payload")
        return
    if payloads and (payload := json.loads(payloads.pop())) is not None:
        if not isinstance(payload, str):
            rnd.demote_node(lid, "its target input is not plain text")
            return
        rnd.nodes[lid].settings["payload"] = payload


# --------------------------------------------------------------------- connectors
@lru_cache(maxsize=1)
def _connector_profiles() -> dict:
    try:
        from importlib import resources
        text = resources.files("samtranslator.model.connector_profiles").joinpath("profiles.json").read_text()
    except (ImportError, FileNotFoundError):  # pragma: no cover - aws-sam-translator is a dependency
        return {}
    return json.loads(text)


def _connector_list(rnd: "Round"):
    """Every connector: (logical id or None, embedded name or None, source, destinations, permissions)."""
    out = []
    for lid, resource in rnd.resources.items():
        props = resource.get("Properties") or {}
        if resource["Type"] == "AWS::Serverless::Connector":
            source = (props.get("Source") or {}).get("Id") if isinstance(props.get("Source"), dict) else None
            out.append((lid, None, source, _destinations(props.get("Destination")), props.get("Permissions") or []))
        embedded = resource.get("Connectors") if lid in rnd.nodes else None  # raw ones keep theirs
        for name, connector in embedded.items() if isinstance(embedded, dict) else ():
            cprops = (connector or {}).get("Properties") or {}
            out.append((lid, name, lid, _destinations(cprops.get("Destination")), cprops.get("Permissions") or []))
    return out


def _destinations(value) -> list:
    return [d.get("Id") if isinstance(d, dict) else None for d in _as_list(value)]


def _connectors(rnd: "Round") -> None:
    try:
        connectors = _connector_list(rnd)
    except SHAPE_ERRORS:
        connectors = []  # unreadable connectors: their resources stay raw (see absorb_all)
    for lid, name, source, destinations, permissions in connectors:
        label = f"connector {lid}.{name}" if name else f"connector {lid}"
        try:
            why = _connector_why(rnd, source, destinations, permissions)
        except SHAPE_ERRORS as exc:
            why = unexpected_shape(exc)
        if why:
            if name is None:
                rnd.raw[lid] = why
            else:  # an embedded connector that cannot be a wire: a standalone raw one
                connector_id = f"{lid}{name}"
                rnd.extra_raw[connector_id] = {"Type": "AWS::Serverless::Connector", "Properties": {
                    "Source": {"Id": lid}, **copy.deepcopy(rnd.resources[lid]["Connectors"][name].get("Properties") or {})}}
                rnd.extra_origin[connector_id] = f"{label}: {why}"
            continue
        statements = rnd.connector_grants.setdefault(source, [])
        for destination in destinations:
            profile = wire_profile(rnd.kind_of(source), rnd.kind_of(destination))
            if profile.event:
                rnd.add_wire(source, destination, label)
                continue
            statements.extend(_connector_statements(rnd.kind_of(source), rnd.kind_of(destination), destination,
                                                    permissions))
        if name is None:
            rnd.absorbed[lid] = f"wires from {source}"
            rnd.absorbed_into[lid] = (source, *destinations)
        else:
            rnd.note(lid, f"{label} became wires")


def _connector_why(rnd: "Round", source, destinations, permissions) -> str | None:
    if source not in rnd.nodes:
        return "its source is not a node"
    if not destinations or any(d not in rnd.nodes for d in destinations):
        return "its destination is not a node"
    for destination in destinations:
        profile = wire_profile(rnd.kind_of(source), rnd.kind_of(destination))
        if profile is None:
            return f"a {rnd.kind_of(source)} cannot be wired to a {rnd.kind_of(destination)}"
        if profile.event and (source, destination) not in rnd.wires:
            return f"{source} -> {destination} would add an event source the template does not have"
        if not profile.event and rnd.kind_of(source) != "function":
            return "only function sources become wires"
        if not profile.event and not _connector_profile(rnd.kind_of(source), rnd.kind_of(destination)):
            return "SAM has no connector profile for this pair"
    if not isinstance(permissions, list) or not all(p in ("Read", "Write") for p in permissions):
        return "its Permissions are not Read/Write"
    return None


def _connector_profile(source_kind: str, destination_kind: str) -> dict | None:
    table = _connector_profiles().get("Permissions", {})
    return table.get(COMPILED_TYPE.get(source_kind, ""), {}).get(COMPILED_TYPE.get(destination_kind, ""))


def _connector_statements(source_kind, destination_kind, destination, permissions) -> list[dict]:
    """The statements SAM's connector profile grants for ``permissions``, with the destination
    filled in (so they run through the same wire/residual split as any other statement)."""
    profile = _connector_profile(source_kind, destination_kind) or {}
    outputs = _connector_profiles().get("CfnResourceProperties", {}).get(COMPILED_TYPE[destination_kind], {}).get("Outputs", {})
    values = {key: json.loads(json.dumps(out).replace("%{logicalId}", destination)) for key, out in outputs.items()}
    values.setdefault("Arn", {"Fn::GetAtt": [destination, "Arn"]})
    values.setdefault("Name", {"Ref": destination})
    statements = []
    for permission in permissions:
        category = (profile.get("Properties") or {}).get("AccessCategories", {}).get(permission)
        for statement in (category or {}).get("Statement", []):
            statement = copy.deepcopy(statement)
            statement["Resource"] = [_fill(r, values) for r in _as_list(statement.get("Resource"))]
            statements.append(statement)
    return statements


def _fill(resource, values):
    if not isinstance(resource, str):
        return resource
    for key, value in values.items():
        placeholder = "%{Destination." + key + "}"
        if resource == placeholder:
            return value
        if placeholder in resource:
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                sub = "${%s.%s}" % tuple(value["Fn::GetAtt"])
            else:
                sub = "${%s}" % value["Ref"]
            resource = resource.replace(placeholder, sub)
            if "%{" not in resource:
                return {"Fn::Sub": resource}
    return resource


def connector_statements(rnd: "Round", fid: str) -> list[dict]:
    """Statements the connectors from function ``fid`` grant."""
    return list(rnd.connector_grants.get(fid, []))

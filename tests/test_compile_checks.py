"""Checks on compiled templates that cfn-lint cannot see, shared by the compile tests, and
tests that these checks do catch the mistakes they exist for.

- every Ref / GetAtt / Sub variable resolves to a resource, parameter or pseudo parameter
- resources come in dependency order (moto creates them in template order)
- properties that need an ARN get one: a role ARN, not its name; a queue ARN, not its URL
- a cached cfn-lint (each distinct template is linted once per test session)
"""
from __future__ import annotations

import copy
import hashlib
import json
import re

import pytest

from stackerynb.compile.order import references

PSEUDO = {"AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::StackName", "AWS::StackId",
          "AWS::URLSuffix", "AWS::NoValue", "AWS::NotificationARNs"}
# What Ref returns per resource type, where it is not the ARN.
REF_IS_NOT_ARN = {
    "AWS::SQS::Queue": "queue URL", "AWS::IAM::Role": "role name", "AWS::Lambda::Function": "function name",
    "AWS::DynamoDB::Table": "table name", "AWS::Kinesis::Stream": "stream name", "AWS::S3::Bucket": "bucket name",
    "AWS::ECS::Cluster": "cluster name", "AWS::Logs::LogGroup": "log group name",
    "AWS::IAM::InstanceProfile": "profile name", "AWS::EC2::SecurityGroup": "group id",
    "AWS::SSM::Parameter": "parameter name", "AWS::ApiGateway::RestApi": "API id",
    "AWS::Events::Rule": "rule name", "AWS::ElastiCache::ReplicationGroup": "group id",
    "AWS::RDS::DBInstance": "instance id",
}
# (resource type, property path) that must hold an ARN; [] walks a list, ? an optional key.
ARN_PROPERTIES = [
    ("AWS::Lambda::Function", "Role"),
    ("AWS::Lambda::EventSourceMapping", "EventSourceArn"),
    ("AWS::SNS::Subscription", "Endpoint"),
    ("AWS::SNS::Subscription", "TopicArn"),
    ("AWS::Events::Rule", "Targets[].Arn"),
    ("AWS::ECS::TaskDefinition", "ExecutionRoleArn"),
    ("AWS::ECS::TaskDefinition", "TaskRoleArn"),
    ("AWS::SQS::Queue", "RedrivePolicy.deadLetterTargetArn"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Targets[].Id"),
    ("AWS::ElasticLoadBalancingV2::Listener", "LoadBalancerArn"),
    ("AWS::ElasticLoadBalancingV2::Listener", "DefaultActions[].TargetGroupArn"),
    ("AWS::ElasticLoadBalancingV2::ListenerRule", "Actions[].TargetGroupArn"),
    ("AWS::ECS::Service", "LoadBalancers[].TargetGroupArn"),
    ("AWS::S3::Bucket", "NotificationConfiguration.LambdaConfigurations[].Function"),
    ("AWS::Lambda::Permission", "SourceArn"),
]
_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9:]+)((?:\.[A-Za-z0-9.]+)?)\}")


# ------------------------------------------------------------------ cfn-lint, cached
_LINTED: dict[str, tuple[list[str], list[str]]] = {}


def lint(text: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) cfn-lint reports for a template's JSON text (us-east-1), cached."""
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _LINTED:
        from cfnlint.api import lint as cfn_lint
        from cfnlint.config import ManualArgs
        matches = cfn_lint(text, config=ManualArgs(regions=["us-east-1"]))
        errors = [str(m) for m in matches if m.rule.id.startswith("E")]
        warnings = [str(m) for m in matches if not m.rule.id.startswith("E")]
        _LINTED[key] = (errors, warnings)
    return _LINTED[key]


# ------------------------------------------------------------------ structural checks
def _declared(template: dict) -> set[str]:
    return set(template.get("Resources", {})) | set(template.get("Parameters", {})) | PSEUDO


def unresolved_references(template: dict) -> list[str]:
    """``Resource -> Name`` for every Ref / GetAtt / Sub variable naming nothing declared."""
    declared = _declared(template)
    bad = []
    for section in ("Resources", "Outputs"):
        for lid, body in template.get(section, {}).items():
            names = references(body)
            waits = body.get("DependsOn", []) if section == "Resources" else []
            names |= set([waits] if isinstance(waits, str) else waits)
            names |= {m.group(1) for m in _SUB_VARIABLE.finditer(json.dumps(body)) if "::" in m.group(1)}
            bad += [f"{lid} -> {name}" for name in sorted(names - declared)]
    return bad


def order_violations(template: dict) -> list[str]:
    """``A before B`` for every resource listed before a resource it refers to."""
    resources = template.get("Resources", {})
    position = {lid: i for i, lid in enumerate(resources)}
    bad = []
    for lid, body in resources.items():
        waits = body.get("DependsOn", [])
        needs = references({k: v for k, v in body.items() if k != "DependsOn"}) | set(
            [waits] if isinstance(waits, str) else waits)
        bad += [f"{lid} before {n}" for n in sorted(needs) if n in position and position[n] > position[lid]]
    return bad


def _walk(props, path: str):
    if not path:
        yield props
        return
    head, _, rest = path.partition(".")
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if not isinstance(props, dict) or key not in props:
        return
    items = props[key] if many else [props[key]]
    for item in items if isinstance(items, list) else []:
        yield from _walk(item, rest)


def is_arn(value, resources: dict) -> bool:
    """True when ``value`` evaluates to an ARN (GetAtt of an ARN attribute, an ``arn:`` Sub,
    or Ref of a resource whose Ref is its ARN)."""
    if isinstance(value, str):
        return value.startswith("arn:") or value == "*"
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (fn, arg), = value.items()
    if fn == "Fn::GetAtt":
        attribute = arg[1] if isinstance(arg, list) else str(arg).split(".", 1)[1]
        return "Arn" in attribute
    if fn == "Ref":
        return arg in resources and resources[arg]["Type"] not in REF_IS_NOT_ARN
    if fn == "Fn::Sub":
        text = arg if isinstance(arg, str) else arg[0]
        whole = _SUB_VARIABLE.fullmatch(text)
        if whole:
            name, attribute = whole.group(1), whole.group(2)
            return ("Arn" in attribute) if attribute else is_arn({"Ref": name}, resources)
        return text.startswith("arn:") or bool(re.match(r"\$\{[A-Za-z0-9]+\.(Stream)?Arn\}[/:]", text))
    return False


def arn_misuses(template: dict) -> list[str]:
    """Where an ARN is needed but a name, URL or id is given; includes every policy Resource."""
    resources = template.get("Resources", {})
    bad = []
    for lid, body in resources.items():
        props = body.get("Properties", {})
        for kind, path in ARN_PROPERTIES:
            if body["Type"] == kind:
                bad += [f"{lid}.{path}: {json.dumps(v)}" for v in _walk(props, path) if not is_arn(v, resources)]
    from stackerynb.compile.governance import as_list, statements
    for lid, statement in statements(resources):
        if body_type(resources, lid) == "AWS::Lambda::Permission":
            continue  # FunctionName may be a name or an ARN
        for value in as_list(statement.get("Resource")):
            if not is_arn(value, resources) and not (isinstance(value, str) and value.startswith("execute-api:")):
                bad.append(f"{lid} policy Resource {json.dumps(value)}")
    return bad


def body_type(resources: dict, lid: str) -> str:
    return resources[lid]["Type"]


def structure_problems(template: dict) -> list[str]:
    """Everything the three checks above find, for one assertion."""
    return unresolved_references(template) + order_violations(template) + arn_misuses(template)


def statements_outside_target(result) -> list[str]:
    """Identity statements of a wire naming resources that do not belong to the wire's target
    (or, for event-source wires whose principal is the target, to the source)."""
    from stackerynb.catalog import wire_profile
    stack = result.stack
    bad = []
    for record in result.statements:
        if record.wire is None or record.kind != "identity":
            continue
        source, target = (part.strip() for part in record.wire.split("->"))
        profile = wire_profile(stack.node(source).kind, stack.node(target).kind)
        owner = source if profile.principal == "target" else target
        for text in record.resources:
            ids = {m.group(1) for m in _SUB_VARIABLE.finditer(text) if "::" not in m.group(1)}
            foreign = sorted(i for i in ids if result.owners.get(i) != owner)
            anchored = bool(ids) or f"/{owner.lower()}" in text.lower() or f"-{owner.lower()}" in text.lower()
            node = stack.node(owner)
            if node.kind == "event_bus" and node.get("default_bus") and text.endswith(":event-bus/default"):
                anchored = True  # the node stands for the account's default bus: that is its ARN
            if foreign or not anchored or text == "*":
                bad.append(f"{record.wire}: {text}")
    return bad


# ------------------------------------------------------------------ the checks can fail
GOOD = {
    "Parameters": {"Image": {"Type": "String"}},
    "Resources": {
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}, "maxReceiveCount": 3}}},
        "WorkerRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": ["sqs:ReceiveMessage"], "Resource": [
                {"Fn::GetAtt": ["Jobs", "Arn"]}]}]}}]}},
        "Worker": {"Type": "AWS::Lambda::Function", "Properties": {
            "Role": {"Fn::GetAtt": ["WorkerRole", "Arn"]}, "Description": {"Fn::Sub": "${AWS::Region} ${Image}"}}},
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": {"Fn::GetAtt": ["Jobs", "Arn"]}, "FunctionName": {"Ref": "Worker"}}},
    },
}


def _broken(path: list, value):
    template = copy.deepcopy(GOOD)
    node = template
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return template


def test_the_checks_pass_a_correct_template():
    assert structure_problems(GOOD) == []


@pytest.mark.parametrize("path, value, finds", [
    (["Resources", "Worker", "Properties", "Role"], {"Ref": "WorkerRole"}, "Worker.Role"),
    (["Resources", "Mapping", "Properties", "EventSourceArn"], {"Ref": "Jobs"}, "Mapping.EventSourceArn"),
    (["Resources", "Mapping", "Properties", "FunctionName"], {"Ref": "Missing"}, "Mapping -> Missing"),
    (["Resources", "Worker", "Properties", "Description"], {"Fn::Sub": "${Nope.Arn}"}, "Worker -> Nope"),
    (["Resources", "Worker", "Properties", "Description"], {"Fn::Sub": "${AWS::Regio}"}, "Worker -> AWS::Regio"),
    (["Resources", "WorkerRole", "Properties", "Policies", 0, "PolicyDocument", "Statement", 0, "Resource"],
     [{"Ref": "Jobs"}], "WorkerRole policy Resource"),
])
def test_the_checks_catch_each_mistake(path, value, finds):
    problems = structure_problems(_broken(path, value))
    assert any(finds in p for p in problems), problems


def test_the_order_check_catches_a_resource_before_what_it_needs():
    template = copy.deepcopy(GOOD)
    resources = template["Resources"]
    template["Resources"] = {"Mapping": resources.pop("Mapping"), **resources}
    assert order_violations(template) == ["Mapping before Jobs", "Mapping before Worker"]

"""Any CloudFormation type is a node: kind ``resource``, checked against the type's registry schema
(as cfn-lint ships it), compiled verbatim, its form fields generated from the schema."""
import json
import random

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from stackerynb.cfn.forms import property_fields
from stackerynb.cfn.schemas import read_only_properties, resource_types, schema
from stackerynb.errors import StackError
from stackerynb.model import Stack

LINT = ManualArgs(regions=["us-east-1"])
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
ROLE = {"Fn::GetAtt": ["FlowRole", "Arn"]}


def lint_errors(template: dict) -> list[str]:
    return [f"{m.rule.id} {m.message}" for m in lint(json.dumps(template), config=LINT) if m.rule.id.startswith("E")]


def compiled(stack: Stack) -> dict:
    return json.loads(stack.compile("dev").to_json())


def schema_messages(stack: Stack, node: str) -> list[str]:
    return [p.message for p in stack.problems() if p.node == node and p.code == "schema"]


def test_every_kind_of_schema_error_is_named_with_its_node_and_property():
    stack = Stack("generic")
    stack.add("resource", "Flow", type=STATE_MACHINE, properties={
        "StateMachineType": "FAST",                       # enum
        "Foo": 1,                                         # unknown property (additionalProperties)
        "RoleArnn": "x",                                  # unknown, with a close name
        "Arn": "arn:aws:states:::x",                      # read-only
        "StateMachineName": "",                           # minLength
        "Tags": [{"Key": "team"}],                        # nested required
        "TracingConfiguration": {"Enabled": [1]},         # type
    })
    found = schema_messages(stack, "Flow")
    expected = [
        "Properties.RoleArn: RoleArn is required",
        "Properties.StateMachineType: 'FAST' is not one of STANDARD, EXPRESS",
        "Properties.Foo: Foo is not a property here",
        "Properties.RoleArnn: RoleArnn is not a property here (did you mean RoleArn?)",
        "Properties.Arn: Arn is read-only (set by AWS; read it with Fn::GetAtt)",
        "Properties.StateMachineName: '' is 0 characters long, at least 1 allowed",
        "Properties.Tags[0].Value: Value is required",
        "Properties.TracingConfiguration.Enabled: expected boolean, got [1]",
    ]
    assert sorted(found) == sorted(expected)
    with pytest.raises(StackError, match=r"Flow\.properties: Properties\.Foo: Foo is not a property"):
        stack.validate()
    queue = Stack("generic")
    queue.add("resource", "Q", type="AWS::SQS::Queue", properties={"DelaySeconds": 99999, "Tags": [{}] * 0})
    assert schema_messages(queue, "Q") == ["Properties.DelaySeconds: 99999 is out of range (maximum 900)"]
    fn = Stack("generic")
    fn.add("resource", "F", type="AWS::Lambda::Function",
           properties={"Role": "not-an-arn", "Code": {"ZipFile": "x"}, "MemorySize": "lots"})
    assert sorted(schema_messages(fn, "F")) == [
        "Properties.MemorySize: expected integer, got 'lots'",
        "Properties.Role: 'not-an-arn' does not match the pattern "
        r"^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"]


def test_intrinsics_and_cloudformations_own_conversions_are_accepted():
    stack = Stack("generic")
    stack.add("resource", "F", type="AWS::Lambda::Function", properties={
        "Role": {"Fn::GetAtt": ["R", "Arn"]}, "Code": {"ZipFile": {"Fn::Sub": "x ${AWS::Region}"}},
        "MemorySize": "256", "Timeout": {"Ref": "Timeout"}, "Architectures": {"Fn::If": ["C", ["arm64"], ["x86_64"]]},
        "TracingConfig": {"Mode": "Active"}, "Environment": {"Variables": {"RETRIES": 5, "DEBUG": True}}})
    assert schema_messages(stack, "F") == []


def test_unknown_type_says_what_it_meant_and_a_missing_type_is_required():
    stack = Stack("generic")
    with pytest.raises(StackError, match=r"X\.type: 'AWS::StepFunction::StateMachine' is not a CloudFormation "
                                         r"resource type \(did you mean AWS::StepFunctions::StateMachine\?\)"):
        stack.add("resource", "X", type="AWS::StepFunction::StateMachine")
    stack.add("resource", "Y")
    assert [(p.node, p.setting, p.code) for p in stack.problems()] == [("Y", "type", "missing-setting")]


def test_raw_sam_types_are_nodes_checked_against_cfn_lints_sam_schemas():
    stack = Stack("generic")
    stack.add("resource", "Layer", type="AWS::Serverless::LayerVersion",
              properties={"ContentUri": "layer/", "CompatibleRuntimes": ["python3.12"]})
    stack.add("resource", "App", type="AWS::Serverless::Application",
              properties={"Location": {"ApplicationId": "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x",
                                       "SemanticVersion": "1.0.0"}, "Parameterz": {}})
    assert schema_messages(stack, "Layer") == []
    assert schema_messages(stack, "App") == ["Properties.Parameterz: Parameterz is not a property here (did you mean Parameters?)"]
    stack.set("App", properties=None)
    stack.set("App", properties={"Location": "app/template.yaml"})
    data = compiled(stack)
    assert data["Transform"] == "AWS::Serverless-2016-10-31"
    assert data["Resources"]["Layer"] == {"Type": "AWS::Serverless::LayerVersion", "Properties": {
        "ContentUri": "layer/", "CompatibleRuntimes": ["python3.12"]}}


def test_real_types_compile_verbatim_and_lint_clean():
    stack = Stack("generic")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    bodies = {
        "FlowRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust},
                     "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
        "Flow": {"Type": STATE_MACHINE, "Properties": {"RoleArn": ROLE, "StateMachineType": "EXPRESS",
                 "Definition": {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}}},
        "Schedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(5 minutes)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": {"Ref": "Flow"}, "RoleArn": ROLE}}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}, "Metadata": {"team": "a"}},
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}, "DependsOn": ["Logs"]},
    }
    for lid, body in bodies.items():
        attributes = {k: v for k, v in body.items() if k not in ("Type", "Properties")}
        stack.add("resource", lid, type=body["Type"], properties=body["Properties"], attributes=attributes)
    assert stack.problems() == []
    data = compiled(stack)
    assert data["Resources"] == bodies
    assert lint_errors(data) == []


def test_read_only_attributes_come_from_the_schema():
    assert read_only_properties(STATE_MACHINE) == ["Arn", "Name", "StateMachineRevisionId"]
    assert "Endpoint.Address" in read_only_properties("AWS::RDS::DBInstance")


def test_form_fields_come_from_the_schema():
    fields = {f["name"]: f for f in property_fields(STATE_MACHINE)}
    assert property_fields(STATE_MACHINE)[0]["name"] == "RoleArn"  # required first
    assert fields["RoleArn"]["required"] and fields["RoleArn"]["type"] == "string"
    assert fields["StateMachineType"]["enum"] == ["STANDARD", "EXPRESS"]
    assert fields["Arn"]["read_only"] and not fields["RoleArn"]["read_only"]
    assert fields["Tags"]["type"] == "array" and fields["Tags"]["items"] == "object"
    assert fields["TracingConfiguration"]["type"] == "object"
    queue = {f["name"]: f for f in property_fields("AWS::SQS::Queue")}
    assert queue["DelaySeconds"]["type"] == "integer" and queue["DelaySeconds"]["maximum"] == 900
    with pytest.raises(StackError, match="did you mean AWS::SQS::Queue"):
        property_fields("AWS::SQS::Queu")


def _example(body: dict, root: dict, depth: int = 0):
    """A value the schema accepts for ``body`` (only what is required), or None when unsure."""
    from stackerynb.cfn.forms import _resolve
    body = _resolve(body, root)
    if "enum" in body:
        return body["enum"][0]
    if "const" in body:
        return body["const"]
    kind = body.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if depth > 6 or any(k in body for k in ("oneOf", "anyOf", "pattern", "format")):
        return None
    if kind == "string":
        return "x" * max(1, body.get("minLength", 1))
    if kind in ("integer", "number"):
        return max(1, body.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "array":
        item = _example(body.get("items") or {}, root, depth + 1)
        return None if item is None else [item] * max(1, body.get("minItems", 1))
    if kind == "object" or "properties" in body:
        out = {}
        for name in body.get("required") or ():
            value = _example((body.get("properties") or {}).get(name, {}), root, depth + 1)
            if value is None:
                return None
            out[name] = value
        return out
    return None


def test_a_random_sample_of_registry_types_can_be_added_with_their_required_properties():
    """~30 types drawn from the registry: each takes its required properties (values the schema
    accepts), validates, and compiles verbatim; where cfn-lint also accepts the values it made
    up, the compiled template is lint-clean too."""
    rng = random.Random(16)
    chosen, tried = [], 0
    types = resource_types()
    while len(chosen) < 30 and tried < 400:
        tried += 1
        rtype = rng.choice(types)
        root = schema(rtype)
        properties = _example({"type": "object", "required": root.get("required") or [],
                               "properties": root.get("properties") or {}}, root)
        combined = any(k in root for k in ("oneOf", "anyOf", "allOf", "dependencies"))
        if properties is not None and not combined and rtype not in dict(chosen):
            chosen.append((rtype, properties))
    assert len(chosen) == 30
    stack = Stack("sample")
    for i, (rtype, properties) in enumerate(chosen):
        stack.add("resource", f"R{i}", type=rtype, properties=properties)
    assert [str(p) for p in stack.problems()] == []
    data = compiled(stack)
    for i, (rtype, properties) in enumerate(chosen):
        assert data["Resources"][f"R{i}"] == ({"Type": rtype, "Properties": properties} if properties else {"Type": rtype})
    # cfn-lint knows more about values than the registry schema (enums it adds, formats): the
    # values made up here may fail those. Where it agrees with the schema - the template's shape,
    # unknown and missing properties - the compiled template must be clean.
    found = [e for e in lint_errors(data) if e.split()[0] in ("E3002", "E3003") or e[:2] in ("E0", "E1")]
    assert found == []


def test_seeded_fault_the_rule_catches_what_cfn_lint_catches():
    """The same wrong property is found by the model rule and by cfn-lint on the compile of a
    stack without the rule: the rule is not weaker than the linter for schema errors."""
    body = {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}}
    assert any(e.startswith("E3012") for e in lint_errors({"Resources": {"Q": body}}))
    stack = Stack("generic")
    stack.add("resource", "Q", type="AWS::SQS::Queue", properties=body["Properties"])
    assert schema_messages(stack, "Q") == ["Properties.VisibilityTimeout: expected integer, got 'soon'"]


def _flow_stack() -> Stack:
    stack = Stack("refs")
    stack.add("resource", "FlowRole", type="AWS::IAM::Role", properties={"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}})
    stack.add("resource", "Flow", type=STATE_MACHINE, properties={
        "RoleArn": ROLE, "DefinitionString": {"Fn::Sub": "{\"Comment\": \"${FlowRole.RoleId} in ${AWS::Region}\"}"}},
        attributes={"DependsOn": ["FlowRole"]})
    stack.add("queue", "Jobs", properties={"Tags": [{"Key": "role", "Value": {"Ref": "FlowRole"}}]})
    stack.raw = {"Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["FlowRole", "Arn"]}}}}
    return stack


def test_a_rename_rewrites_every_reference_to_the_node():
    stack = _flow_stack()
    changes = []
    stack.observe(changes.append)
    stack.rename("FlowRole", "MachineRole")
    flow = stack.node("Flow")
    assert flow.get("properties")["RoleArn"] == {"Fn::GetAtt": ["MachineRole", "Arn"]}
    assert flow.get("properties")["DefinitionString"] == {
        "Fn::Sub": "{\"Comment\": \"${MachineRole.RoleId} in ${AWS::Region}\"}"}
    assert flow.get("attributes") == {"DependsOn": ["MachineRole"]}
    assert stack.node("Jobs").get("properties")["Tags"][0]["Value"] == {"Ref": "MachineRole"}
    assert stack.raw["Outputs"]["RoleArn"] == {"Value": {"Fn::GetAtt": ["MachineRole", "Arn"]}}
    assert [(c.op, c.node.id) for c in changes] == [("rename", "MachineRole"), ("set", "Flow"), ("set", "Jobs")]
    assert stack.problems() == []
    data = compiled(stack)
    assert lint_errors(data) == []


def test_removing_a_node_others_refer_to_is_a_problem_named_at_each_referrer():
    stack = _flow_stack()
    stack.remove("FlowRole")
    found = sorted((p.node or "", p.setting or "", p.code) for p in stack.problems())
    assert found == [("", "", "dangling-reference"),  # the kept output RoleArn, named in the message
                     ("Flow", "attributes", "dangling-reference"), ("Flow", "properties", "dangling-reference"),
                     ("Jobs", "properties", "dangling-reference")]
    assert any(p.message.startswith("raw output RoleArn refers to FlowRole") for p in stack.problems())
    with pytest.raises(StackError, match=r"Flow\.properties: refers to FlowRole, which the stack does not have"):
        stack.compile("dev")


def _wired(**settings) -> Stack:
    stack = Stack("wired")
    stack.add("function", "Fn")
    stack.add("resource", "Flow", type=STATE_MACHINE, properties={
        "RoleArn": "arn:aws:iam::123456789012:role/flow", "DefinitionString": "{\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Succeed\"}}}"})
    stack.connect("Fn", "Flow", **settings)
    return stack


def _statements(data: dict, policy: str = "Fn-to-Flow") -> list[dict]:
    policies = data["Resources"]["FnRole"]["Properties"]["Policies"]
    return next(p["PolicyDocument"]["Statement"] for p in policies if p["PolicyName"] == policy)


def test_a_wire_to_any_type_grants_the_levels_actions_from_aws_reference_on_its_arn():
    data = compiled(_wired(access="write"))
    (statement,) = _statements(data)
    assert "states:StartExecution" in statement["Action"] and "states:DescribeStateMachine" not in statement["Action"]
    assert statement["Resource"] == [{"Fn::GetAtt": ["Flow", "Arn"]}]
    assert data["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["FLOW_REF"] == {"Ref": "Flow"}
    read = _statements(compiled(_wired()))[0]  # read is the default
    assert "states:DescribeStateMachine" in read["Action"] and "states:StartExecution" not in read["Action"]
    assert lint_errors(data) == []


def test_exact_actions_replace_the_levels_and_star_only_where_aws_defines_no_resource():
    data = compiled(_wired(actions=["states:StartExecution", "states:ListStateMachines"]))
    statements = _statements(data)
    assert len(statements) == 2, "one statement per scope, none with an empty Resource"
    assert statements[0]["Action"] == ["states:StartExecution"]
    assert statements[0]["Resource"] == [{"Fn::GetAtt": ["Flow", "Arn"]}]
    assert statements[1]["Action"] == ["states:ListStateMachines"] and statements[1]["Resource"] == ["*"]
    assert lint_errors(data) == []
    scoped = compiled(_wired(actions=["states:DescribeExecution"], resources=["{Name}"]))
    assert _statements(scoped)[0]["Resource"] == [{"Fn::GetAtt": ["Flow", "Name"]}]


def test_seeded_fault_a_wrong_action_name_is_refused_naming_the_wire():
    stack = _wired(actions=["states:StartExecutoin"])
    assert [(p.node, p.setting, p.code) for p in stack.problems()] == [("Fn", "actions", "bad-wire")]  # before a compile
    with pytest.raises(StackError, match=r"Fn\.actions: wire Fn -> Flow: states:StartExecutoin is not an action"):
        stack.compile("dev")


def test_a_type_aws_reference_does_not_know_needs_exact_actions():
    stack = Stack("wired")
    stack.add("function", "Fn")
    stack.add("resource", "Wait", type="AWS::CloudFormation::WaitConditionHandle")
    stack.connect("Fn", "Wait", access="read")
    assert [(p.node, p.setting, p.code) for p in stack.problems()] == [("Fn", "access", "bad-wire")]
    with pytest.raises(StackError, match=r"Fn\.access: wire Fn -> Wait: AWS's service authorization reference has no "
                                         r"resource type for AWS::CloudFormation::WaitConditionHandle"):
        stack.compile("dev")


def test_a_type_whose_arn_nothing_tells_needs_the_wires_resources():
    """No Arn attribute in its schema, and AWS's ARN format needs more than the name Ref gives:
    the model says which setting to give before a compile, and the resources setting answers it."""
    from stackerynb.cfn.iam_reference import wildcard_only
    from stackerynb.cfn.iam_resources import level_actions, resource_arn
    from stackerynb.cfn.schemas import is_node_type, resource_types
    rtype = next(t for t in resource_types() if is_node_type(t) and resource_arn("X", t) is None
                 and any(not wildcard_only(a) for a in level_actions(t, "read")))
    stack = Stack("wired")
    stack.add("function", "Fn")
    stack.add("resource", "Target", type=rtype)
    stack.connect("Fn", "Target", access="read")
    problems = [(p.node, p.setting, p.code) for p in stack.problems() if p.code == "bad-wire"]
    assert problems == [("Fn", "resources", "bad-wire")], rtype
    stack.configure("Fn", "Target", resources=["arn:${AWS::Partition}:example:::thing"])
    assert [p for p in stack.problems() if p.code == "bad-wire"] == []


def test_the_wire_offers_the_five_access_levels_and_refuses_others():
    stack = _wired(access="list,tagging,permissions-management")
    assert stack.problems() == []
    with pytest.raises(StackError, match="choose from read, write, list, tagging, permissions-management"):
        stack.configure("Fn", "Flow", access="admin")


def test_governance_g002_passes_star_only_for_actions_without_resource_types():
    from stackerynb.compile import compile_report
    from stackerynb.model.environments import Environment
    prod = Environment("prod", production=True)
    assert compile_report(_wired(actions=["states:StartExecution", "states:ListStateMachines"]), prod).problems == []
    with pytest.raises(StackError, match=r"G002\] grants states:StartExecution on \"\*\""):
        compile_report(_wired(actions=["states:StartExecution"], resources=["*"]), prod)

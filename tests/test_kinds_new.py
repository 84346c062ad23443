"""The curated kinds of issue 16 item 3: state machines, event buses with rules as wires, and
queue/topic/bucket policies absorbed into their node. Each: settings validated, compiled
lint-clean with least-privilege IAM per wire, imported from real corpus templates and compiled
back with the same meaning; each check is shown to catch the fault it is for."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from stackerynb import Stack, StackError
from stackerynb.compile import compile_report
from stackerynb.importing import import_template, import_text, read_template
from stackerynb.importing.iam import expand_actions, statements_of
from stackerynb.importing.roundtrip import compare_access, compare_triggers, expand_sam
from stackerynb.model.environments import Environment

from test_compile_checks import lint, structure_problems
from test_import_roundtrip import CORPUS, compiled as compiled_import, lint_errors

DEV = Environment(name="dev")


def compile_stack(stack: Stack):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compile_report(stack, DEV)
    return result, json.loads(result.to_json())


def identity_rows(result, wire: str) -> list[tuple[list, list]]:
    rows = result.permissions()
    rows = rows[(rows["wire"] == wire) & (rows["kind"] == "identity")]
    return [(list(a), list(r)) for a, r in zip(rows["actions"], rows["resources"])]


@pytest.fixture(scope="module")
def workflow():
    """A state machine calling a function and a table, started by a function, a timer and a bus
    rule; the bus also feeds a queue and a topic."""
    s = Stack("workflow")
    s.add("state_machine", "Flow", logging="ERROR", tracing=True, type="EXPRESS",
          definition={"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "${WORK_ARN}", "End": True}}})
    s.add("function", "Work")
    s.add("function", "Starter")
    s.add("table", "Items")
    s.add("timer", "Nightly", schedule="cron(0 3 * * ? *)")
    s.add("event_bus", "Bus")
    s.add("queue", "Inbox")
    s.add("topic", "Alerts")
    s.connect("Flow", "Work")
    s.connect("Flow", "Items", access="read")
    s.connect("Starter", "Flow")
    s.connect("Nightly", "Flow")
    s.connect("Bus", "Flow", event={"EventPattern": {"source": ["shop.orders"]}, "RetryPolicy": {"MaximumRetryAttempts": 2}})
    s.connect("Bus", "Inbox", event={"EventPattern": {"detail-type": ["OrderPlaced"]}, "InputPath": "$.detail"})
    s.connect("Bus", "Alerts")
    return (s, *compile_stack(s))


# ------------------------------------------------------------------ settings
@pytest.mark.parametrize("kind, setting, value", [
    ("state_machine", "type", "SLOW"), ("state_machine", "definition", "StartAt: A"),
    ("state_machine", "definition_uri", "../outside.asl.json"), ("state_machine", "logging", "DEBUG"),
    ("event_bus", "default_bus", "yes"), ("queue", "policy", {"Statement": [], "Effect": "Allow"}),
])
def test_settings_of_the_new_kinds_are_validated(kind, setting, value):
    s = Stack("bad")
    with pytest.raises(StackError, match=setting):
        s.add(kind, "Node", **{setting: value})
    assert "Node" not in s  # nothing half-added


def test_a_wire_event_setting_that_is_no_rule_or_target_property_is_refused_by_name():
    s = Stack("bad-rule")
    s.add("event_bus", "Bus")
    s.add("queue", "Inbox")
    s.connect("Bus", "Inbox", event={"Pattern": {"source": ["x"]}})  # SAM's word, not CloudFormation's
    with pytest.raises(StackError, match=r"Bus.*Pattern is not a rule or target property"):
        compile_report(s, DEV)


# ------------------------------------------------------------------ compile
def test_the_workflow_compiles_lint_clean(workflow):
    _, result, template = workflow
    assert structure_problems(template) == []
    assert lint(result.to_json())[0] == []
    machine = template["Resources"]["Flow"]["Properties"]
    assert machine["StateMachineType"] == "EXPRESS" and machine["TracingConfiguration"] == {"Enabled": True}
    # only the substitutions the definition uses: WORK_ARN, not the table's ITEMS_NAME/ITEMS_ARN
    assert set(machine["DefinitionSubstitutions"]) == {"WORK_ARN"}
    assert machine["LoggingConfiguration"]["Level"] == "ERROR"
    assert machine["RoleArn"] == {"Fn::GetAtt": ["FlowRole", "Arn"]}
    # wires fill the definition's placeholders
    assert machine["DefinitionSubstitutions"]["WORK_ARN"] == {"Fn::GetAtt": ["Work", "Arn"]}
    trust = template["Resources"]["FlowRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": ["sts:AssumeRole"]}]


def test_each_wire_grants_only_what_it_needs_on_its_target_only(workflow):
    _, result, template = workflow
    assert identity_rows(result, "Flow -> Work") == [(["lambda:InvokeFunction"], ["${Work.Arn}"])]
    assert identity_rows(result, "Flow -> Items") == [(
        ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
         "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"], ["${Items.Arn}", "${Items.Arn}/index/*"])]
    assert identity_rows(result, "Starter -> Flow") == [(["states:StartExecution"], ["${Flow}"])]
    # EventBridge starts the machine through a role of its own per wire, which may start only Flow
    for source in ("Nightly", "Bus"):
        role = template["Resources"][f"{source}ToFlowRole"]["Properties"]
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
        (policy,) = role["Policies"]
        (statement,) = policy["PolicyDocument"]["Statement"]
        assert statement["Action"] == ["states:StartExecution"] and statement["Resource"] == [{"Ref": "Flow"}]


def test_bus_wires_are_rules_with_their_pattern_and_the_targets_let_in_only_that_rule(workflow):
    _, _, template = workflow
    resources = template["Resources"]
    rule = resources["BusToFlowRule"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "Bus"} and rule["EventPattern"] == {"source": ["shop.orders"]}
    (target,) = rule["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2}
    assert target["RoleArn"] == {"Fn::GetAtt": ["BusToFlowRole", "Arn"]}
    assert resources["BusToInboxRule"]["Properties"]["Targets"][0]["InputPath"] == "$.detail"
    # no pattern given: every event this account puts on the bus
    assert resources["BusToAlertsRule"]["Properties"]["EventPattern"] == {"account": [{"Ref": "AWS::AccountId"}]}
    (sent,) = resources["InboxPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert sent["Principal"] == {"Service": "events.amazonaws.com"}
    assert sent["Condition"] == {"ArnLike": {"aws:SourceArn": {"Fn::GetAtt": ["BusToInboxRule", "Arn"]}}}
    # a bus-fed topic gets a key EventBridge may use (it cannot use the AWS managed one)
    assert resources["Alerts"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlertsKey"}


def test_a_rule_on_the_default_bus_names_no_bus_and_makes_none():
    s = Stack("default-bus")
    s.add("event_bus", "Default", default_bus=True)
    s.add("function", "OnUpload")
    s.connect("Default", "OnUpload", event={"EventPattern": {"source": ["aws.s3"]}})
    result, template = compile_stack(s)
    assert "AWS::Events::EventBus" not in {b["Type"] for b in template["Resources"].values()}
    assert "EventBusName" not in template["Resources"]["DefaultToOnUploadRule"]["Properties"]
    permission = template["Resources"]["DefaultToOnUploadPermission"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["DefaultToOnUploadRule", "Arn"]}
    assert lint(result.to_json())[0] == []


def test_the_definition_file_is_read_from_beside_the_stack(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "order.asl.yaml").write_text("StartAt: Done\nStates:\n  Done: {Type: Succeed}\n")
    s = Stack("files", path=tmp_path / "files.yaml")
    s.add("state_machine", "Flow", definition_uri="flows/order.asl.yaml")
    _, template = compile_stack(s)
    assert template["Resources"]["Flow"]["Properties"]["Definition"] == {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    # not there yet: an S3 object the deploy step fills in, like a function's code
    s.set("Flow", definition_uri="flows/missing.asl.json")
    _, template = compile_stack(s)
    assert template["Resources"]["Flow"]["Properties"]["DefinitionS3Location"]["Bucket"] == {"Ref": "ArtifactBucket"}
    # a file that is not a definition is refused, naming the node and setting
    (tmp_path / "flows" / "broken.json").write_text("[1, 2")
    s.set("Flow", definition_uri="flows/broken.json")
    with pytest.raises(StackError, match=r"Flow.*definition_uri.*cannot be read"):
        compile_report(s, DEV)


def test_kept_policy_statements_are_compiled_beside_the_wires_own():
    kept = {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
            "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Inbox", "Arn"]}}
    s = Stack("kept")
    s.add("queue", "Inbox", policy={"Statement": [kept]})
    s.add("topic", "News")
    s.connect("News", "Inbox")
    result, template = compile_stack(s)
    statements = template["Resources"]["InboxPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statements[-1] == kept and statements[0]["Principal"] == {"Service": "sns.amazonaws.com"}
    assert lint(result.to_json())[0] == []
    # alone (no wire), the kept statements still make the policy
    s.disconnect("News", "Inbox")
    _, template = compile_stack(s)
    assert template["Resources"]["InboxPolicy"]["Properties"]["PolicyDocument"]["Statement"] == [kept]


# ------------------------------------------------------------------ import
def machine_access(template: dict, machine: str) -> dict[str, frozenset]:
    """Target (logical id, ``*`` or text) -> actions the state machine's role may perform."""
    resources = template["Resources"]
    props = resources[machine]["Properties"]
    role = next(iter(i for i in json.dumps(props.get("RoleArn") or props.get("Role")).split('"') if i in resources))
    out: dict[str, set] = {}
    documents = [p.get("PolicyDocument") for p in resources[role]["Properties"].get("Policies") or []]
    documents += [r["Properties"]["PolicyDocument"] for r in resources.values()
                  if r["Type"] == "AWS::IAM::Policy" and role in json.dumps(r["Properties"].get("Roles"))]
    for document in documents:
        for statement in statements_of(document):
            for resource in statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]:
                names = [i for i in resources if i in json.dumps(resource)] or [json.dumps(resource)]
                for name in names:
                    out.setdefault(name, set()).update(expand_actions(statement["Action"]))
    return {k: frozenset(v) for k, v in out.items()}


def import_and_compile(name: str):
    stack, report = import_template(CORPUS / name)
    result = compiled_import(stack, report.attrs["environment_parameters"])
    original = read_template(CORPUS / name).data
    return stack, report, original, result


def curated(stack, node_id: str) -> bool:
    """True when ``node_id`` is a node of a curated kind (not kept as written: raw, or a generic
    ``resource`` node)."""
    return node_id in stack and stack.node(node_id).kind != "resource"


def outcome(report, resource: str) -> str:
    return report.set_index("resource").loc[resource, "outcome"]


def test_import_a_state_machine_with_its_role_and_compile_back_with_the_same_access():
    stack, report, original, result = import_and_compile("sfn-dynamodb__template.yaml")
    assert stack.node("StateMachinetoDDB").kind == "state_machine"
    assert outcome(report, "MyStateMachineExecutionRole") == "absorbed"
    assert stack.wire("StateMachinetoDDB", "MyDdbTable") is not None
    before = machine_access(expand_sam(original), "StateMachinetoDDB")
    after = machine_access(result, "StateMachinetoDDB")
    # nothing lost, and nothing on a resource the original did not grant
    assert all(actions <= after.get(target, frozenset()) for target, actions in before.items())
    assert set(after) <= set(before)
    # the definition holds intrinsics (Refs to the table's name): written as SAM writes it, with
    # the intrinsics as substitutions (CloudFormation resolves none inside a definition)
    machine = result["Resources"]["StateMachinetoDDB"]["Properties"]
    assert machine["DefinitionString"] == expand_sam(original)["Resources"]["StateMachinetoDDB"]["Properties"]["DefinitionString"]
    assert machine["DefinitionSubstitutions"] == {"definition_substitution_1": {"Ref": "DdbTableName"},
                                                  "definition_substitution_2": {"Ref": "DdbTableName"}}
    assert not lint_errors(result) - lint_errors(original)


def test_import_keeps_a_sam_state_machines_logging_type_and_statements_no_wire_explains():
    stack, report, original, result = import_and_compile("lambda-sfn__template.yaml")
    machine = stack.node("StateMachine")
    assert (machine.get("type"), machine.get("definition_uri")) == ("EXPRESS", "statemachine/stateMachine.asl.json")
    assert machine.get("properties")["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"] == \
        {"LogGroupArn": {"Fn::GetAtt": ["StateMachineLogGroup", "Arn"]}}
    # cloudwatch:* and logs:* on "*" are no wire's: kept as written on the machine's role
    access = machine_access(result, "StateMachine")
    assert expand_actions(["cloudwatch:*", "logs:*"]) <= access['"*"']
    assert not lint_errors(result) - lint_errors(original)


def test_import_rules_with_patterns_become_bus_wires_and_compile_back_with_the_same_triggers():
    stack, report, original, result = import_and_compile("dynamodb-eventbridge__template.yaml")
    wire = stack.wire("MyEventBus", "SubscribeInsertFunction")
    assert wire.settings["event"]["EventPattern"]["detail"] == {"eventName": ["INSERT"]}
    for rid in ("EventRuleInsert", "PermissionForInsertEventsToInvokeLambda"):
        assert outcome(report, rid) == "absorbed"
    before, after = expand_sam(original), expand_sam(result)
    assert compare_triggers(before, after, report.attrs["id_map"]) == []
    assert compare_access(before, after, report.attrs["id_map"]) == []
    assert not lint_errors(result) - lint_errors(original)


def test_import_a_default_bus_rule_and_its_queue_policy():
    stack, report, original, result = import_and_compile("eventbridge-sqs__template.yaml")
    assert stack.node("DefaultEventBus").get("default_bus") is True
    assert outcome(report, "EventBridgeToToSqsPolicy") == "absorbed"
    # the original let any EventBridge rule send (no condition): kept as written, so the compiled
    # policy lets in exactly as much, beside the wire's own statement for its rule
    kept = stack.node("MySqsQueue").get("policy")["Statement"]
    assert kept == original["Resources"]["EventBridgeToToSqsPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    compiled_statements = result["Resources"]["MySqsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert kept[0] in compiled_statements
    assert not lint_errors(result) - lint_errors(original)


TEMPLATE = """
Resources:
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders}}
  Inbox: {Type: AWS::SQS::Queue}
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [shop]}
      Targets: [{Id: inbox, Arn: !GetAtt Inbox.Arn}]
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: events.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Inbox.Arn
            Condition: {ArnEquals: {aws:SourceArn: !GetAtt Rule.Arn}}
"""


def test_a_statement_the_wire_makes_is_left_to_the_wire_and_any_other_is_kept():
    stack, report = import_text(TEMPLATE)
    assert stack.node("Bus").get("properties") == {"Name": "orders"}  # its physical name is kept
    assert stack.node("Inbox").get("policy") == {}  # the rule's statement is the wire's
    # seeded: the same statement for another principal is not the wire's, so it must be kept
    seeded = TEMPLATE.replace("Principal: {Service: events.amazonaws.com}", "Principal: {AWS: '*'}")
    stack, report = import_text(seeded)
    (kept,) = stack.node("Inbox").get("policy")["Statement"]
    assert kept["Principal"] == {"AWS": "*"}


def test_a_rule_target_role_that_is_not_eventbridges_own_keeps_the_rule_raw():
    text = """
Resources:
  Flow: {Type: AWS::StepFunctions::StateMachine, Properties: {Definition: {StartAt: A, States: {A: {Type: Succeed}}}, RoleArn: !GetAtt FlowRole.Arn}}
  FlowRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: states.amazonaws.com}, Action: sts:AssumeRole}]}
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [shop]}
      Targets: [{Id: flow, Arn: !Ref Flow, RoleArn: !GetAtt StartRole.Arn}]
  StartRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sts:AssumeRole}]}
      Policies: [{PolicyName: start, PolicyDocument: {Statement: [{Effect: Allow, Action: states:StartExecution, Resource: !Ref Flow}]}}]
"""
    stack, report = import_text(text)
    assert stack.node("Flow").kind == "state_machine"
    assert outcome(report, "Rule") == "absorbed" and outcome(report, "StartRole") == "absorbed"
    assert stack.wire("DefaultEventBus", "Flow").settings["event"] == {"EventPattern": {"source": ["shop"]}}
    # seeded: a role others may assume too is not the rule's own, so the rule stays as it was
    stack, report = import_text(text.replace("Principal: {Service: events.amazonaws.com}",
                                             "Principal: {Service: [events.amazonaws.com, lambda.amazonaws.com]}"))
    assert outcome(report, "Rule") != "absorbed"
    # seeded: a state machine role Lambda may assume is not a state machine node's own role
    stack, report = import_text(text.replace("Principal: {Service: states.amazonaws.com}",
                                             "Principal: {Service: lambda.amazonaws.com}"))
    assert not curated(stack, "Flow")


# ------------------------------------------------------------------ http_api
def test_http_api_routes_each_get_a_permission_scoped_to_their_method_and_path():
    s = Stack("http")
    s.add("http_api", "Api", routes={"GetOrder": ["GET /orders/{id}"], "Orders": ["POST /orders", "GET /orders"]},
          auth="jwt", jwt_issuer="https://issuer.example.com", jwt_audience=["web"])
    s.add("function", "GetOrder")
    s.add("function", "Orders")
    s.connect("Api", "GetOrder")
    s.connect("Api", "Orders")
    result, template = compile_stack(s)
    assert lint(result.to_json())[0] == [] and structure_problems(template) == []
    resources = template["Resources"]
    routes = {b["Properties"]["RouteKey"]: b["Properties"] for b in resources.values() if b["Type"] == "AWS::ApiGatewayV2::Route"}
    assert set(routes) == {"GET /orders/{id}", "POST /orders", "GET /orders"}
    assert all(r["AuthorizationType"] == "JWT" for r in routes.values())
    scopes = sorted((b["Properties"]["FunctionName"]["Fn::GetAtt"][0], b["Properties"]["SourceArn"]["Fn::Sub"].split("${Api}/")[1])
                    for b in resources.values() if b["Type"] == "AWS::Lambda::Permission")
    assert scopes == [("GetOrder", "*/GET/orders/*"), ("Orders", "*/GET/orders"), ("Orders", "*/POST/orders")]


def test_http_api_route_keys_are_checked_for_the_protocol():
    s = Stack("ws")
    s.add("http_api", "Ws", protocol="WEBSOCKET", routes={"OnConnect": ["$connect"]})
    s.add("function", "OnConnect")
    s.connect("Ws", "OnConnect")
    result, template = compile_stack(s)
    assert lint(result.to_json())[0] == []
    assert template["Resources"]["Ws"]["Properties"]["RouteSelectionExpression"] == "$request.body.action"
    # seeded: an HTTP route key on a WebSocket API, and a WebSocket one on an HTTP API
    s.set("Ws", routes={"OnConnect": ["GET /connect"]})
    with pytest.raises(StackError, match=r"Ws.*routes.*GET /connect"):
        compile_report(s, DEV)
    s.set("Ws", protocol="HTTP", routes={"OnConnect": ["connect"]})
    with pytest.raises(StackError, match=r"Ws.*routes.*connect"):
        compile_report(s, DEV)


def test_import_a_websocket_api_written_out_in_cloudformation():
    stack, report, original, result = import_and_compile("apigw-websocket-api-lambda__template.yml")
    api = stack.node("WebSocketApi")
    assert (api.kind, api.get("protocol"), api.get("stage")) == ("http_api", "WEBSOCKET", "prod")
    assert api.get("routes") == {"OnConnectLambdaFunction": ["$connect"], "PostLambdaFunction": ["post"],
                                 "OnDisconnectLambdaFunction": ["$disconnect"]}
    for rid in ("OnConnectRoute", "OnConnectIntegration", "OnConnectFunctionResourcePermission", "Deployment", "Stage"):
        assert outcome(report, rid) == "absorbed", rid
    keys = {b["Properties"]["RouteKey"] for b in result["Resources"].values() if b["Type"] == "AWS::ApiGatewayV2::Route"}
    assert keys == {"$connect", "post", "$disconnect"}
    before, after = expand_sam(original), expand_sam(result)
    assert compare_triggers(before, after, report.attrs["id_map"]) == []
    assert not lint_errors(result) - lint_errors(original)
    # seeded: a route with an authorizer is not what the wire makes: the API stays as written
    text = (CORPUS / "apigw-websocket-api-lambda__template.yml").read_text()
    seeded = text.replace("RouteKey: post\n      AuthorizationType: NONE", "RouteKey: post\n      AuthorizationType: AWS_IAM")
    assert seeded != text
    stack, report = import_text(seeded)
    assert not curated(stack, "WebSocketApi") and not curated(stack, "PostRoute")


# ------------------------------------------------------------------ bucket notifications
def test_bucket_notifications_to_a_queue_carry_their_event_and_filter_and_wait_for_the_queue_policy():
    s = Stack("notify")
    s.add("object_store", "Uploads")
    s.add("queue", "Audit")
    csv = {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".csv"}]}}
    s.connect("Uploads", "Audit", event={"Event": "s3:ObjectRemoved:*", "Filter": csv})
    result, template = compile_stack(s)
    assert lint(result.to_json())[0] == [] and structure_problems(template) == []
    bucket = template["Resources"]["Uploads"]
    assert bucket["Properties"]["NotificationConfiguration"] == {"QueueConfigurations": [
        {"Event": "s3:ObjectRemoved:*", "Filter": csv, "Queue": {"Fn::GetAtt": ["Audit", "Arn"]}}]}
    assert "AuditPolicy" in bucket["DependsOn"]
    (statement,) = template["Resources"]["AuditPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"} and statement["Action"] == ["sqs:SendMessage"]
    assert set(statement["Condition"]) == {"ArnLike", "StringEquals"}  # this bucket, this account
    # seeded: a word S3 does not know is refused, naming the wire
    s.configure("Uploads", "Audit", event={"Event": "s3:ObjectRemoved:*", "Prefix": "a/"})
    with pytest.raises(StackError, match=r"Uploads -> Audit: Prefix is not an S3 notification setting"):
        compile_report(s, DEV)


def test_import_bucket_notifications_as_wires():
    stack, report, original, result = import_and_compile("s3-sqs-lambda-sam-java__template.yml")
    wire = stack.wire("S3FileBucket", "AuditQueue")
    notification = original["Resources"]["S3FileBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"][0]
    assert wire.settings["event"] == {k: notification[k] for k in ("Event", "Filter")}
    compiled_config = result["Resources"]["S3FileBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert [{k: c[k] for k in ("Event", "Filter")} for c in compiled_config] == [wire.settings["event"]]
    assert not lint_errors(result) - lint_errors(original)
    # seeded: a notification to a topic has no wire: the bucket stays as it was
    text = """
Resources:
  Files:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        TopicConfigurations: [{Event: "s3:ObjectCreated:*", Topic: !Ref News}]
  News: {Type: AWS::SNS::Topic}
"""
    stack, report = import_text(text)
    assert not curated(stack, "Files")


def test_sam_state_machine_events_become_a_timer_and_a_bus_wire():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: {StartAt: A, States: {A: {Type: Succeed}}}
      Events:
        Nightly: {Type: Schedule, Properties: {Schedule: "cron(0 3 * * ? *)"}}
        Orders: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop]}, InputPath: $.detail}}
"""
    stack, report = import_text(text)
    assert stack.node("FlowNightly").get("schedule") == "cron(0 3 * * ? *)"
    assert stack.wire("FlowNightly", "Flow") is not None
    assert stack.wire("DefaultEventBus", "Flow").settings["event"] == {"EventPattern": {"source": ["shop"]},
                                                                      "InputPath": "$.detail"}
    result, template = compile_stack(stack)
    assert lint(result.to_json())[0] == []
    original = expand_sam(read_template_text(text))
    rule = template["Resources"]["DefaultEventBusToFlowRule"]["Properties"]
    sam_rule = next(r["Properties"] for r in original["Resources"].values()
                    if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"])
    assert rule["EventPattern"] == sam_rule["EventPattern"] and rule["Targets"][0]["InputPath"] == "$.detail"
    # seeded: an Api event has no wire into a state machine yet: the machine stays as written
    stack, report = import_text(text.replace("Type: EventBridgeRule", "Type: Api"))
    assert not curated(stack, "Flow")


def read_template_text(text: str) -> dict:
    from stackerynb.importing import parse_template
    return parse_template(text, "<test>").data


def test_a_bucket_notification_filter_may_hold_intrinsics():
    """A key filter written with !Ref/!Sub (a parameter's prefix) compiles as written; it crashed
    the compiler with troposphere's TypeError before (lambda-s3-async-lambda in the corpus)."""
    s = Stack("shop")
    s.add("object_store", "Uploads")
    s.add("function", "Resize")
    prefix = {"Fn::Sub": "${AWS::StackName}/in/"}
    s.connect("Uploads", "Resize", event={"Event": "s3:ObjectCreated:*", "Filter": {
        "S3Key": {"Rules": [{"Name": "prefix", "Value": prefix}]}}})
    template = compile_report(s, DEV).template.to_dict()
    (notification,) = template["Resources"]["Uploads"]["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert notification["Filter"]["S3Key"]["Rules"][0]["Value"] == prefix
    assert notification["Function"] == {"Fn::GetAtt": ["Resize", "Arn"]}


def test_a_function_and_a_state_machine_wired_both_ways_are_a_problem_named_at_once():
    """Both directions make a dependency circle CloudFormation refuses: the model says so
    (naming both nodes) instead of the compile failing later."""
    s = Stack("shop")
    s.add("function", "Work")
    s.add("state_machine", "Flow")
    s.connect("Flow", "Work")
    assert s.problems() == []
    s.connect("Work", "Flow")
    (problem,) = [p for p in s.problems() if p.code == "mutual-wires"]
    assert problem.node in ("Work", "Flow") and "Flow -> Work" in problem.message and "Work -> Flow" in problem.message


def test_a_longer_loop_through_a_state_machine_is_named_too():
    s = Stack("shop")
    s.add("function", "A")
    s.add("function", "B")
    s.add("state_machine", "Flow")
    s.connect("A", "B")
    s.connect("B", "A")
    assert [p for p in s.problems() if p.code == "mutual-wires"] == []  # no machine: the cycles rule's
    s.connect("B", "Flow")
    s.connect("Flow", "A")
    (problem,) = [p for p in s.problems() if p.code == "mutual-wires"]
    assert problem.node == "Flow" and "Flow -> A" in problem.message and "B -> Flow" in problem.message

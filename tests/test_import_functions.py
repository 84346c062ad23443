"""Functions imported and compiled back mean the same: per function the same IAM (no broader,
no narrower), the same environment variable names and values, the same properties.

Each test imports a small real-looking template, compiles the stack, and compares the function
with the original expanded by aws-sam-translator; each check is then shown to fail on a seeded
fault (the stack edited the way an import that lost the meaning would have left it)."""
import json
import warnings

import pytest

from stackerynb.catalog import kind as catalog_kind, wire_pairs, wire_profile
from stackerynb.compile.compiler import assemble, build
from stackerynb.compile.raw import add_raw
from stackerynb.diff import semantic_diff
from stackerynb.importing import import_text, parse_template
from stackerynb.importing.iam import STAR, action_covered
from stackerynb.importing.permissions import sam_policy_table
from stackerynb.importing.roundtrip import compare_access, expand_sam, function_access
from stackerynb.model.environments import Environment
from stackerynb.model.stack import Stack

SAM = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
TABLE = """
  Connections:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""
# Properties compared by the checks below: the code is packaged by the deploy, the role is
# compared by the IAM check, and the function logs to its own log group (excepted by the issue).
NOT_COMPARED = {"Code", "Role", "Environment"}
DEFAULTS = {"MemorySize": 128, "Timeout": 3, "Architectures": ["x86_64"]}


def compiled(stack) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build(stack, Environment("dev"))
        template, data = assemble(ctx)
        add_raw(ctx, template, data)
    return json.loads(template.to_json(sort_keys=False))


def round_trip(body: str):
    """``(stack, report, original expanded, compiled)`` for a SAM template body."""
    text = SAM + body
    stack, report = import_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = expand_sam(parse_template(text).data)
    return stack, report, original, compiled(stack)


def broader(original: dict, compiled_: dict) -> list[tuple[str, str, tuple]]:
    """``(function, target, actions)`` the compiled role grants on a resource beyond what the
    original granted on it (or on ``*``, AWS managed policies included)."""
    managed_actions = sam_policy_table().get("managed_policy_actions") or {}
    before, after = function_access(original), function_access(compiled_)
    found = []
    for fid, old in before.items():
        new = after.get(fid)
        if new is None:
            continue
        star = set(old.targets.get(STAR, frozenset()))
        for name in old.managed:
            star |= {a.lower() for a in managed_actions.get(name, ())}
        for target, actions in new.targets.items():
            if target in old.targets:
                extra = tuple(sorted(a for a in actions if not action_covered(a, old.targets[target] | frozenset(star))))
                if extra:
                    found.append((fid, target, extra))
    return found


def same_iam(original, compiled_) -> list:
    return [str(f) for f in compare_access(original, compiled_, {})] + [str(b) for b in broader(original, compiled_)]


def function(template: dict, fid: str) -> dict:
    return template["Resources"][fid]["Properties"]


def variables(template: dict, fid: str) -> dict:
    return (function(template, fid).get("Environment") or {}).get("Variables") or {}


def property_differences(original: dict, compiled_: dict, fid: str) -> list[str]:
    old, new = function(original, fid), function(compiled_, fid)
    out = []
    for key in sorted((set(old) | set(new)) - NOT_COMPARED):
        a, b = old.get(key, DEFAULTS.get(key)), new.get(key, DEFAULTS.get(key))
        if key == "Tags":
            a = [t for t in a or [] if t.get("Key") != "lambda:createdBy"] or None
        if key == "LoggingConfig":
            a = {k: v for k, v in (a or {}).items() if k != "LogGroup"} or None
            b = {k: v for k, v in (b or {}).items() if k != "LogGroup"} or None
        if a != b:
            out.append(key)
    return out


# ------------------------------------------------------------------------------------- IAM
EXACT = TABLE + """
  OnConnect:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      Runtime: python3.12
      Environment: {Variables: {CONNECTIONS_TABLE: !Ref Connections}}
      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:PutItem
              Resource: !GetAtt Connections.Arn
"""


def test_a_function_granted_one_action_gets_that_action_only():
    stack, _, original, result = round_trip("Resources:" + EXACT)
    wire = stack.wire("OnConnect", "Connections")
    assert dict(wire.settings)["actions"] == ["dynamodb:PutItem"]
    assert dict(wire.settings)["resources"] == ["{arn}"]  # the template never named the indexes
    statements = [s for p in function(result, "OnConnectRole")["Policies"] for s in p["PolicyDocument"]["Statement"]
                  if "dynamodb:PutItem" in s["Action"]]
    assert statements == [{"Action": ["dynamodb:PutItem"], "Effect": "Allow", "Sid": "OnConnectToConnections1",
                           "Resource": [{"Fn::GetAtt": ["Connections", "Arn"]}]}]
    assert same_iam(original, result) == []
    # seeded fault: the wire forgets its exact actions and grants its access levels' sets
    stack.configure("OnConnect", "Connections", actions=None, resources=None)
    (fid, target, actions), = broader(original, compiled(stack))
    assert (fid, target) == ("OnConnect", "Connections") and "dynamodb:deleteitem" in actions


def test_policy_templates_expand_to_their_exact_statements():
    stack, _, original, result = round_trip("""Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Sender:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      Runtime: python3.12
      Policies:
        - SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}
""")
    assert ("Sender", "Jobs") in {(w.source, w.target) for w in stack.wires}
    assert same_iam(original, result) == []
    stack.configure("Sender", "Jobs", access="read,write", actions=None)  # seeded: wider than the template
    assert broader(original, compiled(stack))


def test_statements_and_managed_policies_no_wire_explains_stay_on_the_function():
    stack, report, original, result = round_trip("""Resources:
  Mailer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      Runtime: python3.12
      Policies:
        - AWSLambdaVPCAccessExecutionRole
        - arn:aws:iam::aws:policy/AmazonSESFullAccess
        - Statement:
            - Effect: Allow
              Action: [ses:SendEmail]
              Resource: "*"
            - Effect: Allow
              Action: [s3:GetObject]
              Resource: arn:aws:s3:::other-account-bucket/*
""")
    assert [n.id for n in stack.nodes] == ["Mailer"]  # a node, not kept raw for its policies
    policies = stack.node("Mailer").get("policies")
    assert policies["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",  # the name SAM would look up
        "arn:aws:iam::aws:policy/AmazonSESFullAccess"]
    assert [s["Action"] for s in policies["Statement"]] == [["ses:SendEmail"], ["s3:GetObject"]]
    role = function(result, "MailerRole")
    assert role["ManagedPolicyArns"] == policies["ManagedPolicyArns"]
    kept = function(result, "MailerImportedPolicy")
    assert kept["Roles"] == [{"Ref": "MailerRole"}] and kept["PolicyDocument"]["Statement"] == policies["Statement"]
    assert same_iam(original, result) == []
    stack.set("Mailer", policies={})  # seeded: the kept permissions dropped
    lost = same_iam(original, compiled(stack))
    assert any("lost " in f and "ses:sendemail" in f for f in lost)
    assert any("lost-managed AmazonSESFullAccess" in f for f in lost)


def test_a_template_role_and_log_group_are_absorbed_into_the_function():
    stack, report, original, result = round_trip("""Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Code: src/
      Role: !GetAtt WorkerRole.Arn
      TracingConfig: {Mode: Active}
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess
      Policies:
        - PolicyName: events
          PolicyDocument:
            Statement: [{Effect: Allow, Action: events:PutEvents, Resource: "*"}]
  WorkerLogs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "/aws/lambda/${Worker}", RetentionInDays: 7}
""")
    outcomes = dict(zip(report.resource, report.outcome))
    assert outcomes == {"Worker": "node", "WorkerRole": "absorbed", "WorkerLogs": "absorbed"}
    assert stack.node("Worker").get("log_retention_days") == 7
    assert function(result, "Worker")["TracingConfig"] == {"Mode": "Active"}
    assert same_iam(original, result) == []
    stack.set("Worker", policies={"ManagedPolicyArns": []})  # seeded: X-Ray and PutEvents lost
    assert len(same_iam(original, compiled(stack))) == 2


def test_an_event_source_keeps_the_execution_policy_sam_attaches_and_nothing_more():
    stack, _, original, result = round_trip("""Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      Runtime: python3.12
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5}}
""")
    assert stack.node("Consumer").get("policies")["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]
    assert dict(stack.wire("Jobs", "Consumer").settings)["grants"] is False
    assert same_iam(original, result) == []
    assert [r for r in semantic_diff(original, result) if r.category == "iam"] == []
    stack.configure("Jobs", "Consumer", grants=None)  # seeded: the wire's own statements come back
    rows = [r for r in semantic_diff(original, compiled(stack)) if r.category == "iam"]
    assert rows and "sqs:changemessagevisibility" in rows[0].detail and "broader" in rows[0].detail


# ----------------------------------------------------------------------------- environment
def test_environment_keeps_the_names_the_code_reads_and_the_values_it_had():
    stack, report, original, result = round_trip("""Parameters:
  Stage: {Type: String, Default: dev}
Resources:""" + EXACT.replace("      Environment: {Variables: {CONNECTIONS_TABLE: !Ref Connections}}\n", """\
      Environment:
        Variables:
          CONNECTIONS_TABLE: !Ref Connections
          REGION: !Ref AWS::Region
          STAGE: !Ref Stage
          MODE: fast
"""))
    assert dict(stack.wire("OnConnect", "Connections").settings)["env"] == {"CONNECTIONS_TABLE": "name"}
    assert variables(result, "OnConnect") == variables(original, "OnConnect") == {
        "CONNECTIONS_TABLE": {"Ref": "Connections"}, "REGION": {"Ref": "AWS::Region"},
        "STAGE": {"Ref": "Stage"}, "MODE": "fast"}
    assert result["Parameters"]["Stage"] == {"Type": "String", "Default": "dev"}  # not frozen to its default
    # seeded: without the kept Environment, the parameter's value is gone
    stack.set("OnConnect", properties={})
    assert variables(compiled(stack), "OnConnect") != variables(original, "OnConnect")


def test_a_wire_gives_exactly_the_variables_the_code_reads():
    stack, _, original, result = round_trip("Resources:" + EXACT)
    assert variables(result, "OnConnect") == {"CONNECTIONS_TABLE": {"Ref": "Connections"}}
    assert "properties" not in stack.node("OnConnect").settings  # all of it is the wire's
    stack.configure("OnConnect", "Connections", env=None)  # seeded: the profile's default names
    assert set(variables(compiled(stack), "OnConnect")) == {"CONNECTIONS_NAME", "CONNECTIONS_ARN"}


def test_a_permission_wire_adds_no_variable_the_function_did_not_have():
    stack, _, original, result = round_trip("Resources:" + EXACT.replace(
        "      Environment: {Variables: {CONNECTIONS_TABLE: !Ref Connections}}\n", ""))
    assert dict(stack.wire("OnConnect", "Connections").settings)["default_env"] is False
    assert variables(result, "OnConnect") == {}
    stack.configure("OnConnect", "Connections", default_env=None)  # seeded
    assert variables(compiled(stack), "OnConnect")


# ------------------------------------------------------------------------------ properties
PROPERTIES = """Globals:
  Function:
    Tracing: Active
    Tags: {team: payments}
Resources:
  Dead: {Type: AWS::SQS::Queue}
  Charge:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: esbuild, BuildProperties: {Minify: true}}
    Properties:
      FunctionName: !Sub "${AWS::StackName}-charge"
      Description: Charges a card
      Handler: app.handler
      CodeUri: src/
      Runtime: nodejs20.x
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:shared:3]
      EphemeralStorage: {Size: 1024}
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dead.Arn}
      LoggingConfig: {LogFormat: JSON}
"""


def test_sam_function_properties_are_kept_in_cloudformation_form():
    stack, report, original, result = round_trip(PROPERTIES)
    charge = stack.node("Charge")
    assert charge.get("properties")["TracingConfig"] == {"Mode": "Active"}  # from Globals
    assert charge.get("properties")["Tags"] == [{"Key": "team", "Value": "payments"}]
    assert charge.get("properties")["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["Dead", "Arn"]}}
    assert charge.get("attributes") == {"Metadata": {"BuildMethod": "esbuild", "BuildProperties": {"Minify": True}}}
    assert result["Resources"]["Charge"]["Metadata"]["BuildMethod"] == "esbuild"
    assert property_differences(original, result, "Charge") == []
    # what SAM adds to the role for them: X-Ray's managed policy, sending to the dead-letter queue
    assert function(result, "ChargeRole")["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]
    assert same_iam(original, result) == []
    stack.set("Charge", properties={})  # seeded: the properties lost
    assert set(property_differences(original, compiled(stack), "Charge")) == {
        "DeadLetterConfig", "Description", "EphemeralStorage", "FunctionName", "Layers", "LoggingConfig", "Tags",
        "TracingConfig"}


def test_properties_that_make_sam_generate_resources_keep_the_function_raw():
    stack, report, original, result = round_trip("""Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12, AutoPublishAlias: live,
                 DeploymentPreference: {Type: AllAtOnce}}
""")
    assert "Fn" not in stack or stack.node("Fn").kind == "resource"  # kept verbatim, not a function node
    reason = report.set_index("resource").loc["Fn"].reason
    assert "DeploymentPreference makes SAM generate" in reason
    body = stack.node("Fn").get("properties") if "Fn" in stack else stack.raw["Resources"]["Fn"]["Properties"]
    assert body["AutoPublishAlias"] == "live"


# ------------------------------------------------------------------ the compiler's side
PAIRS = [(s, t) for s, t in wire_pairs() if (any(wire_profile(s, t).access.values()) and not wire_profile(s, t).event
                                              and wire_profile(s, t).principal == "source")]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}-{p[1]}")
def test_every_wire_pair_grants_exactly_the_actions_and_resources_it_is_given(pair):
    source_kind, target_kind = pair
    profile = wire_profile(source_kind, target_kind)
    stack = Stack("pairs")
    network = "Net" if any(catalog_kind(k).network == "must" for k in pair) else None
    if network:
        stack.add("virtual_network", "Net")
    if source_kind == "docker_service" or target_kind == "docker_service":
        stack.add("docker_cluster", "Cluster")
    for node_id, kind in (("Src", source_kind), ("Dst", target_kind)):
        stack.add(kind, node_id, network=network if catalog_kind(kind).network != "none" else None)
        if kind == "docker_service":
            stack.connect(node_id, "Cluster") if stack.wire(node_id, "Cluster") is None else None
    level = next(lvl for lvl, statements in profile.access.items() if statements)
    statement = profile.statements(level)[0]
    action, resource = statement.actions[0], statement.resources[0]
    stack.connect("Src", "Dst", access=level, actions=[action], resources=[resource])
    try:
        ctx = build(stack, Environment("dev"))
    except Exception as exc:  # a pair that needs more around it than two nodes
        pytest.skip(f"{pair}: {exc}")
    granted = [r for r in ctx.statements if r.wire == "Src -> Dst" and r.kind == "identity"]
    assert [(r.actions, len(r.resources)) for r in granted] == [((action,), 1)]
    # seeded: without the settings the level's whole sets come back (where it has more than one)
    stack.configure("Src", "Dst", actions=None, resources=None)
    again = [r for r in build(stack, Environment("dev")).statements if r.wire == "Src -> Dst" and r.kind == "identity"]
    whole = {(a, r) for st in profile.statements(level) for a in st.actions for r in st.resources}
    assert len({(a, r) for rec in again for a in rec.actions for r in rec.resources}) == len(whole)


def test_kept_statements_are_rows_of_the_permissions_table():
    """What a user reads to review a function's access includes what its policies setting keeps,
    each statement once, with its own policy as holder (the role's generated policies do not repeat it)."""
    stack = Stack("kept")
    stack.add("function", "Mailer")
    stack.set("Mailer", policies={"Statement": [
        {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [{"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}]}]})
    rows = stack.permissions()
    kept = rows[rows.holder == "MailerImportedPolicy"]
    assert kept.actions.tolist() == [["ses:SendEmail"], ["s3:GetObject"]]
    assert kept.resources.tolist() == [["*"], ["arn:aws:s3:::${Bucket}/*"]]
    assert set(kept.principal) == {"MailerRole"} and set(kept.node) == {"Mailer"}
    role = assemble(build(stack, Environment("dev")))[0].to_dict()["Resources"]["MailerRole"]
    generated = [a for p in role["Properties"].get("Policies", []) for st in p["PolicyDocument"]["Statement"]
                 for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])]
    assert "ses:SendEmail" not in generated and "s3:GetObject" not in generated

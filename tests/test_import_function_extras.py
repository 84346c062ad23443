"""SAM function properties that make SAM generate more resources (AutoPublishAlias,
FunctionUrlConfig, EventInvokeConfig), inline code, container images, and a function's own
role and log group written in the template: the function imports as a curated function node
whose settings compile to what SAM made, with the same meaning (semantic diff empty)."""
import json
import warnings

import pytest

from stackerynb.compile.compiler import assemble, build
from stackerynb.compile.raw import add_raw
from stackerynb.diff import semantic_diff
from stackerynb.diff.sam import expand_sam
from stackerynb.errors import StackError
from stackerynb.importing import import_text, parse_template
from stackerynb.model.environments import Environment

SAM = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"


def compiled(stack) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build(stack, Environment("dev"))
        template, data = assemble(ctx)
        add_raw(ctx, template, data)
    return json.loads(template.to_json(sort_keys=False))


def round_trip(body: str):
    """``(stack, report, original expanded by SAM, compiled import)``."""
    text = SAM + body
    stack, report = import_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = expand_sam(parse_template(text).data)
    return stack, report, original, compiled(stack)


def rows(original, result) -> list[str]:
    return [r.detail for r in semantic_diff(original, result)]


def types(template: dict) -> dict[str, str]:
    return {lid: r["Type"] for lid, r in template["Resources"].items()}


EXTRAS = """Resources:
  Failed: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      Runtime: python3.12
      AutoPublishAlias: live
      FunctionUrlConfig: {AuthType: NONE, InvokeMode: BUFFERED, Cors: {AllowOrigins: ["*"]}}
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}
Outputs:
  Url: {Value: !GetAtt FnUrl.FunctionUrl}
"""


def test_alias_url_and_event_invoke_are_function_settings_compiled_as_sam_makes_them():
    stack, report, original, result = round_trip(EXTRAS)
    fn = stack.node("Fn")
    assert fn.kind == "function"
    assert fn.get("alias") == "live"
    assert fn.get("url") == {"AuthType": "NONE", "InvokeMode": "BUFFERED", "Cors": {"AllowOrigins": ["*"]}}
    assert fn.get("event_invoke") == {"MaximumRetryAttempts": 1, "DestinationConfig": {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["Failed", "Arn"]}}}}
    compiled_types = types(result)
    assert compiled_types["FnAliaslive"] == "AWS::Lambda::Alias" and compiled_types["FnUrl"] == "AWS::Lambda::Url"
    assert result["Resources"]["FnUrl"]["Properties"]["TargetFunctionArn"] == {"Ref": "FnAliaslive"}
    assert result["Resources"]["FnEventInvokeConfig"]["Properties"]["Qualifier"] == "live"
    assert rows(original, result) == []
    # seeded: without the URL, the template's output has nothing to point at
    stack.set("Fn", url={})
    with pytest.raises(StackError, match="FnUrl"):
        compiled(stack)
    stack.set("Fn", url=fn.get("url"), alias="")  # seeded: no alias, the URL targets the function
    assert rows(original, compiled(stack))


def test_a_destination_grants_what_sam_grants_the_function():
    stack, _, original, result = round_trip(EXTRAS)
    assert [r for r in semantic_diff(original, result) if r.category == "iam"] == []
    stack.set("Fn", event_invoke={})  # the grant stays: it comes from the import, not the setting
    for wire in list(stack.wires):
        stack.disconnect(wire.source, wire.target)
    stack.set("Fn", policies={})  # seeded: the send statement lost
    assert [r for r in semantic_diff(original, compiled(stack)) if r.category == "iam"]


def test_alias_with_events_or_sam_only_references_keeps_the_function_verbatim():
    _, report, _, _ = round_trip("""Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      {Handler: a.h, CodeUri: a/, Runtime: python3.12, AutoPublishAlias: live,
       Events: {Tick: {Type: Schedule, Properties: {Schedule: rate(1 hour)}}}}
""")
    assert "points its event sources at the alias" in report.set_index("resource").loc["Fn"].reason
    _, report, _, _ = round_trip("""Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12, AutoPublishAlias: live}
Outputs:
  Alias: {Value: !Ref Fn.Alias}
""")
    assert "Fn.Alias, which only SAM resolves" in report.set_index("resource").loc["Fn"].reason


def test_inline_code_keeps_its_code_and_handler():
    stack, _, original, result = round_trip("""Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: index.lambda_handler, Runtime: python3.12, InlineCode: "def lambda_handler(e, c): pass"}
""")
    assert stack.node("Fn").kind == "function"
    assert result["Resources"]["Fn"]["Properties"]["Code"] == {"ZipFile": "def lambda_handler(e, c): pass"}
    assert rows(original, result) == []
    stack.set("Fn", properties={})  # seeded: the starter handler instead
    assert {r.key for r in semantic_diff(original, compiled(stack))} >= {"Handler"}


def test_a_container_image_function_runs_its_image():
    stack, _, original, result = round_trip("""Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1}
""")
    assert stack.node("Fn").get("image") == "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
    props = result["Resources"]["Fn"]["Properties"]
    assert props["PackageType"] == "Image" and "Runtime" not in props and "Handler" not in props
    assert rows(original, result) == []
    stack.set("Fn", image="")  # seeded: a zip function with the starter handler
    assert rows(original, compiled(stack))


def test_an_image_sam_build_makes_keeps_the_function_verbatim():
    _, report = import_text(SAM + """Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {Dockerfile: Dockerfile, DockerContext: ./app}
    Properties: {PackageType: Image}
""")
    assert "sam build makes the image" in report.set_index("resource").loc["Fn"].reason


def test_a_template_log_group_and_role_keep_their_names_and_properties():
    stack, report, original, result = round_trip("""Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Role: !GetAtt FnExecRole.Arn
      LoggingConfig: {LogGroup: !Ref FnLogs, LogFormat: JSON}
  FnLogs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: fn-logs}
  FnExecRole:
    Type: AWS::IAM::Role
    Properties:
      Path: /service/
      Tags: [{Key: team, Value: payments}]
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
  Other:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12}
  OtherLogs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "/aws/lambda/${Other}", RetentionInDays: 14, LogGroupClass: STANDARD}
""")
    outcomes = dict(zip(report.resource, report.outcome))
    assert outcomes == {"Fn": "node", "FnLogs": "absorbed", "FnExecRole": "absorbed", "Other": "node",
                        "OtherLogs": "absorbed"}
    assert stack.node("Fn").get("log_group") == {"LogGroupName": "fn-logs", "RetentionInDays": None}
    assert stack.node("Fn").get("role") == {"Path": "/service/", "Tags": [{"Key": "team", "Value": "payments"}]}
    assert stack.node("Other").get("log_retention_days") == 14
    # Lambda's default log group of Other: the function names none (no circle), SAM's logging grant
    assert "LoggingConfig" not in result["Resources"]["Other"]["Properties"]
    assert result["Resources"]["FnLogGroup"]["Properties"] == {"LogGroupName": "fn-logs"}  # kept for ever
    assert rows(original, result) == []
    stack.set("Fn", log_group={"LogGroupName": "fn-logs"})  # seeded: the kit's retention
    assert [r.key for r in semantic_diff(original, compiled(stack))] == ["RetentionInDays"]
    stack.set("Fn", role={})  # seeded: a role without its path and tags
    assert {r.key for r in semantic_diff(original, compiled(stack))} >= {"Path", "Tags"}


def test_what_the_settings_compile_to_is_named_in_compiled_names():
    from stackerynb.importing.compiled_names import is_derived
    from stackerynb.model.stack import Stack

    stack = Stack("names")
    stack.add("function", "X", alias="live", url={"AuthType": "NONE"}, event_invoke={"MaximumRetryAttempts": 0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build(stack, Environment("dev"))
    made = sorted(lid for lid, owner in ctx.owners.items() if owner == "X" and lid != "X")
    assert {"XAliaslive", "XVersion", "XUrl", "XUrlPublicPermissions", "XEventInvokeConfig"} <= set(made)
    assert [lid for lid in made if not is_derived("X", "function", lid)] == []


def test_a_raw_reference_to_what_the_settings_make_keeps_the_function_a_node():
    body = """Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12, AutoPublishAlias: live}
  Perm:
    Type: AWS::Lambda::Permission
    Properties: {Action: lambda:InvokeFunction, FunctionName: !Ref FnAlias%s, Principal: s3.amazonaws.com}
"""
    stack, report = import_text(SAM + body % "live")
    assert stack.node("Fn").kind == "function"
    stack, report = import_text(SAM + body % "prod")  # seeded: an alias the function does not have
    assert stack.node("Fn").kind == "resource"
    assert "FnAliasprod, which SAM generates" in report.set_index("resource").loc["Fn"].reason

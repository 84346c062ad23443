"""An import compiles back with the same triggers, routes, invoke permissions, outputs and
template sections as the original (both sides SAM-expanded by samtranslator), cfn-lint clean.

Each test imports a small real-looking template for one cause, checks the compiled facts a
user relies on, then seeds the fault the import used to make (or a plausible regression) into
the stack and shows ``trigger_check.compare`` reports it: the check can fail.
"""
from __future__ import annotations

import json
import warnings

import pytest

from stackerynb.errors import StackError
from stackerynb.importing import import_text, parse_template
from stackerynb.importing.roundtrip import expand_sam
from stackerynb.importing.trigger_check import compare

SAM = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
FUNCTION = """
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
"""


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def compiled_of(stack) -> dict:
    return json.loads(stack.compile("dev").to_json())


def differences(original_text: str, stack, compiled: dict | None = None):
    original = parse_template(original_text, "template.yaml").data
    compiled = compiled_of(stack) if compiled is None else compiled
    id_map = stack.import_report.attrs["id_map"] if hasattr(stack, "import_report") else {}
    return compare(expand_sam(original), expand_sam(compiled), id_map, compiled_unexpanded=compiled)


def imported(text: str):
    stack, report = import_text(text)
    stack.import_report = report
    return stack, report


def lint_errors(template: dict) -> list[str]:
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs
    return [f"{m.rule.id} {m.message}" for m in lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
            if m.rule.id.startswith("E")]


def causes(rows) -> set[str]:
    return {f"{r.category}: {r.cause}" for r in rows}


def resources_of(template: dict, rtype: str) -> dict:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == rtype}


# ----------------------------------------------------------------- event source settings
STREAMS = SAM + """Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  CountClicks:""" + FUNCTION + """      Events:
        FromClicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 50
            MaximumRetryAttempts: 3
            BisectBatchOnFunctionError: true
            ParallelizationFactor: 2
            FilterCriteria:
              Filters: [{Pattern: '{"data": {"kind": ["click"]}}'}]
  ShipOrders:""" + FUNCTION + """      Events:
        FromTable:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            FilterCriteria:
              Filters: [{Pattern: '{"eventName": ["INSERT"]}'}]
  Work:""" + FUNCTION + """      Events:
        FromJobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
"""


def test_event_source_settings_compile_back_as_they_were():
    stack, report = imported(STREAMS)
    assert {n.id for n in stack.nodes} >= {"Clicks", "Orders", "Jobs", "CountClicks", "ShipOrders", "Work"}
    assert stack.wire("Clicks", "CountClicks").settings["event"]["StartingPosition"] == "TRIM_HORIZON"
    compiled = compiled_of(stack)
    mappings = {r["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: r["Properties"]
                for r in resources_of(compiled, "AWS::Lambda::EventSourceMapping").values()}
    assert mappings["Orders"]["StartingPosition"] == "TRIM_HORIZON"  # not the kit's LATEST
    assert mappings["Clicks"]["ParallelizationFactor"] == 2 and mappings["Clicks"]["BisectBatchOnFunctionError"] is True
    assert mappings["Jobs"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert differences(STREAMS, stack, compiled) == []
    assert lint_errors(compiled) == []
    # seeded fault: the wire forgets its settings (what the import did before)
    stack.configure("Orders", "ShipOrders", event=None)
    stack.configure("Jobs", "Work", event=None)
    found = causes(differences(STREAMS, stack))
    assert {"trigger: setting StartingPosition", "trigger: setting FilterCriteria",
            "trigger: setting FunctionResponseTypes"} <= found


TOPIC_AND_TIMER = SAM + """Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Notify:""" + FUNCTION + """      Events:
        FromAlerts:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            FilterPolicy: {severity: [high, critical]}
  Nightly:""" + FUNCTION + """      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
            Input: '{"full": true}'

        Every5:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(5 minutes), ScheduleExpressionTimezone: Europe/Paris}
"""


def test_subscription_filter_and_schedules_compile_back_as_they_were():
    stack, _ = imported(TOPIC_AND_TIMER)
    compiled = compiled_of(stack)
    subscription, = resources_of(compiled, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["FilterPolicy"] == {"severity": ["high", "critical"]}
    # EventBridge Scheduler stays Scheduler (its own service and role), not an EventBridge rule
    schedule = compiled["Resources"]["NightlyEvery5"]
    assert schedule["Type"] == "AWS::Scheduler::Schedule"
    assert schedule["Properties"]["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert differences(TOPIC_AND_TIMER, stack, compiled) == []
    assert lint_errors(compiled) == []
    stack.configure("Alerts", "Notify", event=None)
    assert "trigger: setting FilterPolicy" in causes(differences(TOPIC_AND_TIMER, stack))


# ----------------------------------------------------------------------- exact routes
ROUTES = SAM + """Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1}
  Hello:""" + FUNCTION + """      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /hello, Method: get}}
        Post: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/hello/{id}", Method: post}}
  Items:""" + FUNCTION + """      Events:
        Any: {Type: Api, Properties: {Path: "/items/{proxy+}", Method: any}}
Outputs:
  HelloUrl:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/v1/hello"
"""


def body_operations(resources: dict, api: str | None = None) -> list[tuple[str, str, str]]:
    """``(METHOD, path, integration uri text)`` of the operations in the compiled RestApis'
    OpenAPI bodies (the kit writes its routes there), CORS preflights left out."""
    found = []
    for lid, r in resources.items():
        if r["Type"] != "AWS::ApiGateway::RestApi" or (api and lid != api):
            continue
        for path, operations in (r["Properties"].get("Body") or {}).get("paths", {}).items():
            for key, op in operations.items():
                if key != "options":
                    uri = op["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
                    found.append(("ANY" if key.startswith("x-") else key.upper(), path, uri))
    return sorted(found)


def test_routes_keep_their_methods_paths_and_permission_scopes():
    stack, _ = imported(ROUTES)
    assert stack.node("Api").get("routes") == {"Hello": "GET /hello, POST /hello/{id}"}
    assert stack.node("ServerlessRestApi").get("routes") == {"Items": "/items/{proxy+}"}
    compiled = compiled_of(stack)
    operations = [op[:2] for op in body_operations(compiled["Resources"])]
    assert operations == [("ANY", "/items/{proxy+}"), ("GET", "/hello"), ("POST", "/hello/{id}")]  # no ANY, no added {proxy+}
    sources = sorted(p["Properties"]["SourceArn"]["Fn::Sub"].split(":")[-1]
                     for p in resources_of(compiled, "AWS::Lambda::Permission").values())
    assert sources == ["${Api}/*/GET/hello", "${Api}/*/POST/hello/*", "${ServerlessRestApi}/*/*/items/*"]
    assert differences(ROUTES, stack, compiled) == []
    assert lint_errors(compiled) == []
    # seeded fault: the old widening (one greedy ANY route per function)
    stack.set("Api", routes={"Hello": "/hello/*"})
    found = causes(differences(ROUTES, stack))
    assert {"route: widened to ANY", "route: lost", "permission: source scope differs"} <= found


def test_a_route_with_an_unknown_method_is_a_problem_naming_the_api():
    stack, _ = imported(ROUTES)
    stack.set("Api", routes={"Hello": "FETCH /hello"})
    with pytest.raises(StackError) as caught:
        stack.compile("dev")
    assert "Api" in str(caught.value.problems) and "FETCH" in str(caught.value.problems)


# --------------------------------------------------------------------- invoke permissions
PERMISSIONS = SAM + """Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Resize:""" + FUNCTION + """      Events:
        Put:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: [s3:ObjectCreated:Put, s3:ObjectCreated:Post]
            Filter: {S3Key: {Rules: [{Name: suffix, Value: .jpg}]}}
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      Subscription: [{Protocol: lambda, Endpoint: !GetAtt Notify.Arn}]
  Notify:""" + FUNCTION + """
  NotifyPermission:
    Type: AWS::Lambda::Permission
    Properties: {Action: lambda:InvokeFunction, FunctionName: !Ref Notify, Principal: sns.amazonaws.com}
"""


def test_invoke_permissions_keep_the_originals_scope():
    stack, report = imported(PERMISSIONS)
    assert report.set_index("resource").loc["NotifyPermission"].outcome == "absorbed"
    compiled = compiled_of(stack)
    bucket = compiled["Resources"]["Uploads"]["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert sorted(c["Event"] for c in bucket) == ["s3:ObjectCreated:Post", "s3:ObjectCreated:Put"]
    assert all(c["Filter"] == {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".jpg"}]}} for c in bucket)
    assert differences(PERMISSIONS, stack, compiled) == []
    assert lint_errors(compiled) == []
    # seeded fault: the kit's own (narrower) scope instead of the original's
    stack.configure("Alerts", "Notify", permission=None)
    stack.configure("Uploads", "Resize", permission=None)
    rows = [r for r in differences(PERMISSIONS, stack) if r.category == "permission"]
    assert {r.key for r in rows} == {"Notify <- sns.amazonaws.com", "Resize <- s3.amazonaws.com"}
    assert {r.cause for r in rows} == {"source scope differs"}


# -------------------------------------------------------------------- template sections
SECTIONS = SAM + """Metadata:
  AWS::CloudFormation::Interface:
    ParameterGroups: [{Label: {default: Sizing}, Parameters: [BatchSize]}]
Parameters:
  BatchSize: {Type: Number, Default: 7}
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Rules:
  ProdOnlyInUsEast1:
    RuleCondition: !Equals [!Ref Stage, prod]
    Assertions: [{Assert: !Equals [!Ref "AWS::Region", us-east-1]}]
Mappings:
  Sizes: {dev: {Memory: 128}, prod: {Memory: 512}}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Work:""" + FUNCTION + """      Events:
        FromJobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: !Ref BatchSize}}
  Broker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Events:
        FromMq:
          Type: MQ
          Properties:
            Broker: arn:aws:mq:us-east-1:123456789012:broker:b:b-1
            Queues: [orders]
            SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:123456789012:secret:s}]
Outputs:
  JobsUrl: {Value: !Ref Jobs}
  Prod: {Value: !If [IsProd, "yes", "no"]}
"""


def test_parameters_rules_mappings_conditions_metadata_outputs_and_transform_stay():
    stack, _ = imported(SECTIONS)
    assert stack.wire("Jobs", "Work").settings["event"]["BatchSize"] == {"Ref": "BatchSize"}  # not frozen to 7
    compiled = compiled_of(stack)
    assert set(compiled["Parameters"]) >= {"BatchSize", "Stage"}
    assert set(compiled["Rules"]) == {"ProdOnlyInUsEast1"} and set(compiled["Mappings"]) == {"Sizes"}
    assert "AWS::CloudFormation::Interface" in compiled["Metadata"]
    assert compiled["Transform"] == "AWS::Serverless-2016-10-31"  # the raw SAM function needs it
    assert differences(SECTIONS, stack, compiled) == []
    assert lint_errors(compiled) == []
    # seeded faults: a parameter frozen away, an output dropped, the transform lost
    raw = json.loads(json.dumps(stack.raw))
    del raw["Parameters"]["Stage"], raw["Rules"], raw["Outputs"]["JobsUrl"]
    raw["Conditions"] = {}
    stack.raw = raw
    broken = compiled_of(stack)
    broken.pop("Transform", None)
    found = causes(differences(SECTIONS, stack, broken))
    assert {"section: Parameters dropped", "section: Rules dropped", "output: lost",
            "section: Transform missing"} <= found


# ----------------------------------------------------------------------- API settings
API_SETTINGS = SAM + """Resources:
  Logs:
    Type: AWS::Logs::LogGroup
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Name: orders-api
      BinaryMediaTypes: ["image~1png"]
      TracingEnabled: true
      MethodSettings: [{HttpMethod: "*", ResourcePath: "/*", ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40}]
      AccessLogSetting: {DestinationArn: !GetAtt Logs.Arn, Format: "$context.requestId"}
  Orders:""" + FUNCTION + """      Events:
        List: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /orders, Method: get}}
"""


def test_api_name_media_types_and_stage_settings_stay():
    stack, _ = imported(API_SETTINGS)
    compiled = compiled_of(stack)
    api = compiled["Resources"]["Api"]["Properties"]
    assert (api["Name"], api["BinaryMediaTypes"]) == ("orders-api", ["image/png"])  # CloudFormation's "/"
    stage = compiled["Resources"]["ApiStage"]["Properties"]
    assert stage["TracingEnabled"] is True and stage["MethodSettings"][0]["ThrottlingRateLimit"] == 20
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["Logs", "Arn"]}
    assert differences(API_SETTINGS, stack, compiled) == []
    assert lint_errors(compiled) == []
    # seeded fault: the stage settings dropped (what the import did before)
    stack.set("Api", stage_properties=None)
    found = causes(differences(API_SETTINGS, stack))
    assert {"api: stage TracingEnabled differs", "api: stage MethodSettings differs",
            "api: stage AccessLogSetting differs"} <= found


HANDWRITTEN = SAM + """Resources:
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets: [{Id: run, Arn: !GetAtt Report.Arn}]
  Report:""" + FUNCTION + """
  ReportPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Report.Arn
      Principal: events.amazonaws.com
      SourceArn: !Sub "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*"
"""


def test_a_hand_written_permission_is_absorbed_with_its_own_scope():
    stack, report = imported(HANDWRITTEN)
    assert report.set_index("resource").loc["ReportPermission"].outcome == "absorbed"
    assert stack.wire("Nightly", "Report").settings["permission"]["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*"}
    compiled = compiled_of(stack)
    assert differences(HANDWRITTEN, stack, compiled) == []
    assert lint_errors(compiled) == []
    stack.configure("Nightly", "Report", permission=None)  # seeded: the kit's own (narrower) scope
    assert "permission: source scope differs" in causes(differences(HANDWRITTEN, stack))

"""Issue 16's last changes in meaning: what a template sets on the roles, ARNs and resources
the kit makes for a node is kept in the stack file, so the compiled form means the same."""
from __future__ import annotations

import json

import pytest

from stackerynb import Stack
from stackerynb.diff import semantic_diff
from stackerynb.importing import import_text
from stackerynb.importing.roundtrip import compiled_for_check

SAM_FUNCTION_ROLE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tags: {Application: shop}
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      RolePath: /services/
      PermissionsBoundary: arn:aws:iam::123456789012:policy/boundary
"""

STATE_MACHINE_ROLE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Role: !GetAtt FlowRole.Arn
      Definition: {StartAt: Done, States: {Done: {Type: Pass, End: true}}}
  FlowRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub ${AWS::StackName}-flow-role
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: !Sub "states.${AWS::Region}.amazonaws.com"}
            Action: sts:AssumeRole
"""


def _roundtrip(text: str):
    stack, report = import_text(text, name="shop")
    return stack, compiled_for_check(stack, report.attrs.get("environment_parameters", ()))


def test_a_sam_functions_tags_boundary_and_path_stay_on_its_role(tmp_path):
    stack, compiled = _roundtrip(SAM_FUNCTION_ROLE)
    assert semantic_diff(SAM_FUNCTION_ROLE, compiled) == []
    role = compiled["Resources"]["WorkerRole"]["Properties"]
    assert role["Tags"] == [{"Key": "Application", "Value": "shop"}]
    assert role["Path"] == "/services/"
    assert role["PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/boundary"
    assert stack.node("Worker").kind == "function"
    path = tmp_path / "shop.yaml"
    stack.save(path)
    assert Stack.load(path).node("Worker").settings["role"]["Path"] == "/services/"


def test_a_state_machines_role_keeps_its_name_and_regional_trust():
    stack, compiled = _roundtrip(STATE_MACHINE_ROLE)
    assert stack.node("Flow").kind == "state_machine"
    assert semantic_diff(STATE_MACHINE_ROLE, compiled) == []
    kept = stack.node("Flow").settings["role"]
    assert kept["RoleName"] == {"Fn::Sub": "${AWS::StackName}-flow-role"}
    assert kept["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": {"Fn::Sub": "states.${AWS::Region}.amazonaws.com"}}


def test_the_kits_own_trust_is_not_copied_into_the_stack_file():
    text = STATE_MACHINE_ROLE.replace('!Sub "states.${AWS::Region}.amazonaws.com"', "states.amazonaws.com")
    stack, compiled = _roundtrip(text)
    assert semantic_diff(text, compiled) == []
    assert "AssumeRolePolicyDocument" not in stack.node("Flow").settings["role"]


def test_the_diff_still_reports_a_trust_widened_to_every_region():
    _, compiled = _roundtrip(STATE_MACHINE_ROLE)
    role = compiled["Resources"]["FlowRole"]["Properties"]
    role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {"Service": "states.amazonaws.com"}
    rows = semantic_diff(STATE_MACHINE_ROLE, compiled)
    assert [(r.category, r.principal_or_resource) for r in rows] == [("property", "FlowRole")]


def _machine(**props) -> dict:
    return {"Resources": {"Flow": {"Type": "AWS::StepFunctions::StateMachine",
                                   "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/flow", **props}}}}


DEFINITION = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def test_the_diff_reads_a_definition_string_as_the_same_definition():
    as_text = _machine(DefinitionString=json.dumps(DEFINITION, indent=4))
    assert semantic_diff(as_text, _machine(Definition=DEFINITION)) == []
    changed = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    rows = semantic_diff(as_text, _machine(Definition=changed))
    assert [(r.category, r.key) for r in rows] == [("property", "Definition.States.Done")]


INVOKE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Caller:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Policies:
        - LambdaInvokePolicy: {FunctionName: !Ref Callee}
  Callee:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/}
"""


def test_sams_invoke_policy_keeps_versions_and_aliases_of_the_function():
    stack, compiled = _roundtrip(INVOKE)
    assert semantic_diff(INVOKE, compiled) == []
    wire, = stack.wires
    assert wire.settings["resources"] == ["{arn}*"]
    granted = [s for p in compiled["Resources"]["CallerRole"]["Properties"]["Policies"]
               for s in p["PolicyDocument"]["Statement"] if "lambda:InvokeFunction" in s["Action"]]
    assert granted[0]["Resource"] == [{"Fn::Sub": "${Callee.Arn}*"}]


def test_the_diff_still_reports_an_invoke_narrowed_to_the_unqualified_function():
    _, compiled = _roundtrip(INVOKE)
    for policy in compiled["Resources"]["CallerRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if "lambda:InvokeFunction" in statement["Action"]:
                statement["Resource"] = [{"Fn::GetAtt": ["Callee", "Arn"]}]
    rows = semantic_diff(INVOKE, compiled)
    assert {(r.category, r.key) for r in rows} == {("iam", "${Callee.Arn}"), ("iam", "${Callee.Arn}*")}


NOTIFIED_BUCKET = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  UploadsName: {Type: String}
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Policies:
        - S3WritePolicy: {BucketName: !Ref UploadsName}
      Events:
        Upload: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: "s3:ObjectCreated:*"}}
  Uploads:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Ref UploadsName}
  Inbox:
    Type: AWS::S3::Bucket
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Upload: {Type: S3, Properties: {Bucket: !Ref Inbox, Events: "s3:ObjectCreated:*"}}
"""


def test_a_notifying_bucket_keeps_the_templates_name_or_none():
    _, compiled = _roundtrip(NOTIFIED_BUCKET)
    assert semantic_diff(NOTIFIED_BUCKET, compiled) == []
    resources = compiled["Resources"]
    assert "BucketName" not in resources["Inbox"]["Properties"]  # SAM's permission names no bucket
    assert resources["Uploads"]["Properties"]["BucketName"] == {"Ref": "UploadsName"}
    assert "uploads-${AWS::AccountId}" not in json.dumps(compiled)  # no ARN names a bucket the kit named


def test_a_function_named_like_its_id_keeps_its_log_group():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: Worker, Runtime: python3.12, Handler: app.handler, CodeUri: src/}
  WorkerLogs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "/aws/lambda/${Worker}", RetentionInDays: 7}
"""
    stack, compiled = _roundtrip(text)
    assert semantic_diff(text, compiled) == []
    assert stack.node("Worker").settings["log_group"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${Worker}"}


def test_a_named_ssm_parameter_stays_itself():
    text = """
Parameters:
  ParameterName: {Type: String, Default: settings}
Resources:
  Settings:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Ref ParameterName, Type: String, Value: "{}"}
"""
    stack, compiled = _roundtrip(text)
    assert stack.node("Settings").kind == "resource"
    assert semantic_diff(text, compiled) == []
    assert compiled["Resources"]["Settings"]["Properties"]["Name"] == {"Ref": "ParameterName"}


def test_a_role_shared_by_functions_gives_none_of_them_its_name():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  One:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/, Role: !GetAtt Shared.Arn}
  Two:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/, Role: !GetAtt Shared.Arn}
  Shared:
    Type: AWS::IAM::Role
    Properties:
      RoleName: shared
      Path: /apps/
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
"""
    stack, _ = _roundtrip(text)
    assert stack.node("One").settings["role"] == {"Path": "/apps/"} == stack.node("Two").settings["role"]


def test_aws_lambda_execute_stays_attached_as_written():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/, Policies: [AWSLambdaExecute]}
"""
    stack, compiled = _roundtrip(text)
    assert semantic_diff(text, compiled) == []
    assert stack.node("Worker").settings["policies"] == {
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AWSLambdaExecute"]}


def _queue_policy(*statements) -> dict:
    return {"Resources": {
        "Q": {"Type": "AWS::SQS::Queue"},
        "QPolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "Q"}], "PolicyDocument": {"Statement": list(statements)}}}}}


SEND = {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["Q", "Arn"]}}


def test_the_diff_reads_a_statement_written_twice_as_once_and_still_reports_a_new_one():
    assert semantic_diff(_queue_policy(SEND), _queue_policy({**SEND, "Sid": "Again"}, SEND)) == []
    other = {**SEND, "Principal": {"Service": "sns.amazonaws.com"}}
    rows = semantic_diff(_queue_policy(SEND), _queue_policy(SEND, other))
    assert [(r.category, r.principal_or_resource) for r in rows] == [("property", "QPolicy")]


def test_a_function_logging_to_a_named_group_gets_no_group_of_its_own():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      LoggingConfig: {LogGroup: !Sub "/aws/lambda/${AWS::StackName}", LogFormat: JSON}
"""
    _, compiled = _roundtrip(text)
    assert semantic_diff(text, compiled) == []
    assert "WorkerLogGroup" not in compiled["Resources"]
    assert compiled["Resources"]["Worker"]["Properties"]["LoggingConfig"]["LogGroup"] == {
        "Fn::Sub": "/aws/lambda/${AWS::StackName}"}


def test_a_resource_named_like_a_network_only_companion_keeps_its_id():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/}
  WorkerSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: load balancer, VpcId: vpc-123}
"""
    stack, compiled = _roundtrip(text)
    assert stack.node("WorkerSecurityGroup").kind == "resource"
    assert semantic_diff(text, compiled) == []


WEBSOCKET = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: chat, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  OnConnect:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs22.x, Handler: app.handler, CodeUri: src/}
  OnConnectPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      FunctionName: !Ref OnConnect
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Chat}/*
  ConnectIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${OnConnect.Arn}/invocations
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Chat, RouteKey: $connect, AuthorizationType: NONE, Target: !Sub "integrations/${ConnectIntegration}"}
  Deployment:
    Type: AWS::ApiGatewayV2::Deployment
    DependsOn: [ConnectRoute]
    Properties: {ApiId: !Ref Chat}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {StageName: prod, ApiId: !Ref Chat, DeploymentId: !Ref Deployment}
"""


def test_a_websocket_api_keeps_its_permission_scope_and_its_own_deployment():
    stack, compiled = _roundtrip(WEBSOCKET)
    assert stack.node("Chat").kind == "http_api" and stack.node("Chat").settings["auto_deploy"] is False
    assert semantic_diff(WEBSOCKET, compiled) == []
    resources = compiled["Resources"]
    stage, = [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert "AutoDeploy" not in stage["Properties"] and "DeploymentId" in stage["Properties"]
    permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert [p["Properties"]["SourceArn"] for p in permissions] == [
        {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Chat}/*"}]


def test_the_diff_still_reports_a_websocket_permission_narrowed_to_a_route():
    _, compiled = _roundtrip(WEBSOCKET)
    for resource in compiled["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Permission":
            resource["Properties"]["SourceArn"] = {
                "Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Chat}/*/$connect"}
    assert {r.category for r in semantic_diff(WEBSOCKET, compiled)} == {"permission"}


def test_a_quick_created_http_api_gets_no_second_stage():
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: quick
      ProtocolType: HTTP
      Target: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Worker.Arn}/invocations
  Worker:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs22.x, Handler: app.handler, CodeUri: src/}
"""
    stack, compiled = _roundtrip(text)
    assert stack.node("Api").kind == "http_api"
    assert semantic_diff(text, compiled) == []
    assert not [r for r in compiled["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]

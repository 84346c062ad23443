"""The semantic diff reports every kind of difference in meaning, seeded one at a time into
real corpus templates, and nothing for variants that mean the same (key order, a Ref and an
attribute equal to it, a SAM template and its own expansion, logging to a function's own log
group). ``stackerynb diff`` exits 0/1/2, and ``Stack.diff`` is a DataFrame."""
import copy
import json
from pathlib import Path

import pytest

from stackerynb.diff import COLUMNS, load_template, semantic_diff
from stackerynb.diff.sam import expand_sam
from stackerynb.errors import StackError

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sam"
KINESIS = "lambda-kinesis-lambda-js__template.yaml"     # parameters, env, policy templates, a stream event, outputs
API = "apigw-throttle-sam__template.yaml"               # a GET and a POST route, tracing in Globals
SNS = "lambda-sns__template.yaml"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared SAM corpus is not beside the repository")


def template(name: str) -> dict:
    return load_template(CORPUS / name)


def seeded(name: str, change) -> tuple[dict, dict]:
    before = template(name)
    after = copy.deepcopy(before)
    change(after)
    return before, after


def found(rows, category, who=None, key_part=""):
    return [r for r in rows if r.category == category and (who is None or r.principal_or_resource == who)
            and key_part in r.key]


def fn(data, name):
    return data["Resources"][name]["Properties"]


# ------------------------------------------------------------------ each kind of difference
def test_broader_iam_is_reported():
    def change(data):  # a read policy template becomes the crud one: every write action too
        fn(data, "ConsumerFunction")["Policies"] = [{"KinesisCrudPolicy": {"StreamName": {"Ref": "KinesisStreamName"}}}]
    rows = semantic_diff(*seeded(KINESIS, change))
    iam = found(rows, "iam", "ConsumerFunction", "${KinesisStream.Arn}")
    assert len(iam) == 1 and "broader" in iam[0].detail
    assert "kinesis:putrecord" in iam[0].after and "kinesis:putrecord" not in iam[0].before


def test_narrower_iam_is_reported():
    def change(data):
        fn(data, "ProducerFunction")["Policies"] = [{"Statement": [{
            "Effect": "Allow", "Action": "kinesis:PutRecord",
            "Resource": {"Fn::GetAtt": ["KinesisStream", "Arn"]}}]}]
    rows = semantic_diff(*seeded(KINESIS, change))
    iam = found(rows, "iam", "ProducerFunction")
    assert len(iam) == 1 and "narrower" in iam[0].detail and "kinesis:deletestream" in iam[0].detail
    assert "broader" not in iam[0].detail  # PutRecord on the stream was granted before too


def test_action_wildcards_compare_by_what_they_grant():
    def policy(actions):
        return {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": {"Fn::GetAtt": ["KinesisStream", "Arn"]}}]}
    base = template(KINESIS)
    wide, narrow, same = copy.deepcopy(base), copy.deepcopy(base), copy.deepcopy(base)
    fn(wide, "ProducerFunction")["Policies"] = [policy("kinesis:Describe*")]
    fn(same, "ProducerFunction")["Policies"] = [policy(["kinesis:Describe*", "kinesis:DescribeStream"])]
    fn(narrow, "ProducerFunction")["Policies"] = [policy(["kinesis:DescribeStream"])]
    assert semantic_diff(wide, same) == []
    rows = semantic_diff(wide, narrow)
    assert [r.category for r in rows] == ["iam"] and "kinesis:describestreamsummary" in rows[0].detail


def test_renamed_dropped_and_changed_environment():
    def change(data):
        env = fn(data, "ProducerFunction")["Environment"]["Variables"]
        env["STREAM_NAME"] = env.pop("KINESIS_STREAM")
    rows = semantic_diff(*seeded(KINESIS, change))
    assert [(r.key, "renamed STREAM_NAME" in r.detail) for r in rows] == [("KINESIS_STREAM", True)]

    rows = semantic_diff(*seeded(KINESIS, lambda d: fn(d, "ProducerFunction").pop("Environment")))
    assert [(r.category, r.key, r.after) for r in rows] == [("environment", "KINESIS_STREAM", "")]
    assert "dropped" in rows[0].detail

    def other_value(data):
        fn(data, "ProducerFunction")["Environment"]["Variables"]["KINESIS_STREAM"] = "other-stream"
    rows = semantic_diff(*seeded(KINESIS, other_value))
    assert [(r.category, r.before, r.after) for r in rows] == [("environment", "${KinesisStream}", "other-stream")]


def test_parameter_frozen_to_a_literal():
    def change(data):
        del data["Parameters"]["KinesisStreamName"]
        text = json.dumps(data).replace('{"Ref": "KinesisStreamName"}', '"testDataStream"')
        data.clear()
        data.update(json.loads(text))
    rows = semantic_diff(*seeded(KINESIS, change))
    assert [(r.category, r.principal_or_resource) for r in rows] == [
        ("parameter", "KinesisStreamName"), ("property", "KinesisStream")]
    assert rows[1].key == "Name" and rows[1].after == "testDataStream"
    # the variable still holds the stream's name (read as a reference to the stream on both sides)


def test_route_widened_and_its_permission():
    def change(data):
        event = fn(data, "ThrottlingGetFunction")["Events"]["Throttling"]["Properties"]
        event["Method"] = "any"
        fn(data, "ThrottlingGetFunction")["Events"]["Proxy"] = {
            "Type": "Api", "Properties": {"RestApiId": {"Ref": "ThrottlingApi"}, "Path": "/{proxy+}", "Method": "any"}}
    rows = semantic_diff(*seeded(API, change))
    routes = {(r.key, bool(r.before), bool(r.after)) for r in found(rows, "route", "ThrottlingApi")}
    assert routes == {("GET /", True, False), ("ANY /", False, True), ("ANY /{proxy+}", False, True)}
    assert found(rows, "permission", "ThrottlingGetFunction")


def test_event_setting_changed():
    def change(data):
        fn(data, "ConsumerFunction")["Events"]["Stream"]["Properties"]["StartingPosition"] = "TRIM_HORIZON"
    rows = semantic_diff(*seeded(KINESIS, change))
    assert [(r.category, r.principal_or_resource, r.before, r.after) for r in rows] == [
        ("trigger", "ConsumerFunction", "LATEST", "TRIM_HORIZON")]
    assert "StartingPosition" in rows[0].key and "KinesisStream" in rows[0].detail


def test_tracing_dropped():
    rows = semantic_diff(*seeded(API, lambda d: d["Globals"]["Function"].pop("Tracing")))
    tracing = [r for r in rows if r.key.startswith("TracingConfig")]
    assert {r.principal_or_resource for r in tracing} == {"ThrottlingGetFunction", "ThrottlingPostFunction"}
    assert all(r.before == '{"Mode": "Active"}' and r.after == "" for r in tracing)
    iam = found(rows, "iam")  # SAM grants X-Ray writes with tracing: they go too
    assert len(iam) == 2 and all(r.before == "AWSXrayWriteOnlyAccess" for r in iam)


def test_physical_name_replaced():
    before = template(API)
    fn(before, "ThrottlingGetFunction")["FunctionName"] = "throttle-get"
    after = copy.deepcopy(before)
    fn(after, "ThrottlingGetFunction")["FunctionName"] = {"Fn::Sub": "${AWS::StackName}-ThrottlingGetFunction"}
    rows = semantic_diff(before, after)
    assert [(r.category, r.key, r.before) for r in rows] == [("property", "FunctionName", "throttle-get")]


def test_output_dropped_and_transform_dropped():
    rows = semantic_diff(*seeded(KINESIS, lambda d: d["Outputs"].pop("ConsumerFunction")))
    assert [(r.category, r.principal_or_resource, r.after) for r in rows] == [("output", "ConsumerFunction", "")]
    rows = semantic_diff(*seeded(KINESIS, lambda d: d.pop("Transform")))
    assert [(r.category, r.before, r.after) for r in rows] == [("transform", "AWS::Serverless-2016-10-31", "")]
    assert "not valid CloudFormation" in rows[0].detail


def test_resource_added_and_removed():
    def change(data):
        data["Resources"]["Extra"] = {"Type": "AWS::SQS::Queue"}
        del data["Resources"]["ApplicationResourceGroup"]
    rows = semantic_diff(*seeded(API, change))
    assert {(r.principal_or_resource, r.before, r.after) for r in found(rows, "resource")} >= {
        ("Extra", "", "AWS::SQS::Queue"), ("ApplicationResourceGroup", "AWS::ResourceGroups::Group", "")}


# ------------------------------------------------------------------ same meaning, no rows
@pytest.mark.parametrize("name", [KINESIS, API, SNS, "sns-sqs-lambda-xray__template.yaml",
                                  "apigw-lambda-dynamodb__template.yaml", "eventbridge-scheduled-lambda-java__template.yaml"])
def test_a_sam_template_and_its_own_expansion_mean_the_same(name):
    data = template(name)
    assert semantic_diff(data, expand_sam(data)) == []


def test_key_order_and_equal_references_mean_the_same():
    data = template(SNS)
    reordered = json.loads(json.dumps(data, sort_keys=True))
    reordered["Resources"] = dict(reversed(list(reordered["Resources"].items())))
    assert semantic_diff(data, reordered) == []
    other = copy.deepcopy(data)
    env = fn(other, "TopicPublisherFunction")["Environment"]["Variables"]
    env["SNStopic"] = {"Fn::GetAtt": ["MySnsTopic", "TopicArn"]}  # a topic's Ref is its ARN
    assert semantic_diff(data, other) == []
    env["SNStopic"] = {"Fn::Join": ["", [{"Ref": "MySnsTopic"}]]}
    assert semantic_diff(data, other) == []
    env["SNStopic"] = {"Fn::GetAtt": ["MySnsTopic", "TopicName"]}  # not the same text
    assert [r.key for r in semantic_diff(data, other)] == ["SNStopic"]


def test_logging_to_the_functions_own_log_group_is_not_a_difference():
    data = expand_sam(template(SNS))
    role = next(lid for lid, r in data["Resources"].items() if r["Type"] == "AWS::IAM::Role")
    other = copy.deepcopy(data)
    props = other["Resources"][role]["Properties"]
    props["ManagedPolicyArns"] = []
    props.setdefault("Policies", []).append({"PolicyName": "logs", "PolicyDocument": {"Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": ["FnLogs", "Arn"]}}]}})
    other["Resources"]["FnLogs"] = {"Type": "AWS::Logs::LogGroup", "Properties": {
        "LogGroupName": {"Fn::Sub": "/aws/lambda/${TopicPublisherFunction}"}, "RetentionInDays": 30}}
    assert semantic_diff(data, other) == []
    props["Policies"][-1]["PolicyDocument"]["Statement"][0]["Action"].append("logs:DeleteLogGroup")
    assert [r.category for r in semantic_diff(data, other)] == ["iam"]


def test_inputs_as_paths_text_and_bad_input():
    path = CORPUS / SNS
    assert semantic_diff(path, path.read_text()) == []
    with pytest.raises(StackError, match="Resources"):
        semantic_diff({"Resources": 5}, path)
    with pytest.raises(StackError):
        semantic_diff(path, str(path) + ".missing")


# ------------------------------------------------------------------ command line and Stack.diff
def test_cli_exit_codes_table_and_json(tmp_path, capsys):
    from stackerynb.cli import main

    before = CORPUS / KINESIS
    data = template(KINESIS)
    fn(data, "ConsumerFunction")["Events"]["Stream"]["Properties"]["StartingPosition"] = "TRIM_HORIZON"
    after = tmp_path / "after.json"
    after.write_text(json.dumps(data))
    assert main(["diff", str(before), str(before)]) == 0
    assert "no differences" in capsys.readouterr().out
    assert main(["diff", str(before), str(after)]) == 1
    captured = capsys.readouterr()
    assert "TRIM_HORIZON" in captured.out and captured.out.splitlines()[0].split() == list(COLUMNS)
    assert main(["diff", "--json", str(before), str(after)]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["category"] == "trigger" and rows[0]["after"] == "TRIM_HORIZON"
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [\n")
    assert main(["diff", str(before), str(broken)]) == 2
    assert "broken.yaml:" in capsys.readouterr().err


def test_stack_diff_is_a_dataframe_of_what_the_stack_changes(tmp_path):
    from stackerynb import Stack

    stack = Stack("shop", path=tmp_path / "stacks" / "shop.yaml")
    stack.add("function", "Work")
    stack.add("queue", "Jobs")
    stack.connect("Jobs", "Work")
    compiled = json.loads(stack.compile("dev").to_json())
    frame = stack.diff(compiled)
    assert list(frame.columns) == list(COLUMNS) and frame.empty
    mapping = next(r for r in compiled["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping")
    mapping["Properties"]["BatchSize"] = 1
    frame = stack.diff(compiled)
    assert list(frame.category) == ["trigger"] and "BatchSize" in frame.key.iloc[0]


# ------------------------------------------------------------ REST API routes: methods or an OpenAPI body
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"


def _route_tree(pool: str = POOL) -> dict:
    """A REST API written as resources and methods: GET /orders/{id} behind a Cognito authorizer."""
    uri = {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}
    return {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": "arn:aws:iam::123456789012:role/r",
                                                               "Runtime": "python3.12", "Handler": "index.handler",
                                                               "Code": {"ZipFile": "x"}}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "Auth": {"Type": "AWS::ApiGateway::Authorizer", "Properties": {
            "RestApiId": {"Ref": "Api"}, "Name": "auth", "Type": "COGNITO_USER_POOLS", "ProviderARNs": [pool],
            "IdentitySource": "method.request.header.Authorization"}},
        "Orders": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "orders"}},
        "Order": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ParentId": {"Ref": "Orders"}, "PathPart": "{id}"}},
        "Get": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Order"}, "HttpMethod": "GET",
            "AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": {"Ref": "Auth"},
            "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": uri}}}}}


def _route_body(pool: str = POOL, method: str = "get") -> dict:
    """The same API written as an OpenAPI body (as the kit compiles routes)."""
    data = _route_tree()
    uri = data["Resources"]["Get"]["Properties"]["Integration"]["Uri"]
    for lid in ("Auth", "Orders", "Order", "Get"):
        del data["Resources"][lid]
    data["Resources"]["Api"]["Properties"]["Body"] = {
        "openapi": "3.0.1", "info": {"title": "api", "version": "1.0"},
        "paths": {"/orders/{id}": {method: {"responses": {}, "security": [{"auth": []}],
                                            "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
                                                                                "uri": uri}}}},
        "components": {"securitySchemes": {"auth": {
            "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [pool]}}}}}
    return data


def test_routes_read_alike_from_methods_and_from_an_openapi_body():
    rows = semantic_diff(_route_tree(), _route_body())
    assert not found(rows, "route"), rows  # the same routes, auth and authorizer either way
    other_pool = POOL.replace("AbCdEf123", "ZzZzZz999")
    changed = found(semantic_diff(_route_tree(), _route_body(pool=other_pool)), "route", "Api", "GET /orders/{id}")
    assert [r.key for r in changed] == ["GET /orders/{id} authorizer"] and "ZzZzZz999" in changed[0].after
    moved = found(semantic_diff(_route_body(), _route_body(method="x-amazon-apigateway-any-method")), "route", "Api")
    assert {r.key for r in moved} == {"GET /orders/{id}", "ANY /orders/{id}"}  # one removed, one added
    body = _route_body()
    del body["Resources"]["Api"]["Properties"]["Body"]["paths"]["/orders/{id}"]["get"]["security"]
    opened = found(semantic_diff(_route_tree(), body), "route", "Api", "GET /orders/{id} authori")
    assert {r.key for r in opened} == {"GET /orders/{id} authorization", "GET /orders/{id} authorizer"}


def test_a_body_written_as_swagger_or_openapi_means_the_same():
    """SAM writes Swagger 2.0, the kit OpenAPI 3: the version, title and where the security
    schemes and binary media types sit are form; what they say is compared."""
    kit = _route_body()
    sam = copy.deepcopy(kit)
    body = sam["Resources"]["Api"]["Properties"]["Body"]
    del body["openapi"], body["components"]
    body.update(swagger="2.0", info={"title": "other", "version": "2"}, securityDefinitions=kit["Resources"]["Api"][
        "Properties"]["Body"]["components"]["securitySchemes"])
    body["x-amazon-apigateway-binary-media-types"] = ["image/png"]
    kit["Resources"]["Api"]["Properties"]["BinaryMediaTypes"] = ["image/png"]
    assert semantic_diff(sam, kit) == []
    kit["Resources"]["Api"]["Properties"]["BinaryMediaTypes"] = ["image/gif"]
    assert [r.key for r in found(semantic_diff(sam, kit), "property", "Api")] == ["BinaryMediaTypes"]

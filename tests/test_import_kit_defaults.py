"""Issue 16 item 5: where the kit's own defaults would differ, the imported values win and are
kept in the stack file; designs made in the kit keep every secure default."""
from __future__ import annotations

import pytest

from stackerynb import Stack
from stackerynb.diff import semantic_diff
from stackerynb.errors import StackError
from stackerynb.importing import import_text
from stackerynb.importing.roundtrip import compiled_for_check

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}
  Uploads:
    Type: AWS::S3::Bucket
  Alerts:
    Type: AWS::SNS::Topic
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 2
"""


@pytest.fixture(scope="module")
def imported():
    stack, _ = import_text(TEMPLATE, name="shop")
    return stack


@pytest.fixture(scope="module")
def compiled(imported):
    return compiled_for_check(imported)["Resources"]


def test_an_import_compiles_back_to_the_same_meaning(imported, compiled):
    assert semantic_diff(TEMPLATE, {"Resources": compiled}) == []


def test_the_kits_own_encryption_is_not_added_where_the_template_had_none(compiled):
    assert "SSESpecification" not in compiled["Orders"]["Properties"]
    assert "StreamEncryption" not in compiled["Clicks"]["Properties"]
    assert "KmsMasterKeyId" not in compiled["Alerts"].get("Properties", {})
    bucket = compiled["Uploads"].get("Properties", {})
    assert not {"BucketEncryption", "OwnershipControls", "PublicAccessBlockConfiguration"} & set(bucket)


def test_no_companions_the_template_did_not_have(compiled):
    types = {r["Type"] for r in compiled.values()}
    assert types == {"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::Kinesis::Stream"}


def test_what_the_import_keeps_is_in_the_stack_file(imported, tmp_path):
    assert imported.node("Orders").settings["properties"]["SSESpecification"] is None
    assert imported.node("Orders").get("autoscaling") is False
    assert imported.node("Uploads").get("tls_only") is False
    assert imported.node("Alerts").get("encryption") is False
    path = tmp_path / "shop.yaml"
    imported.save(path)
    text = path.read_text()
    assert "SSESpecification: null" in text and "autoscaling: false" in text
    from stackerynb.model.fileformat import dump_stack
    again = Stack.load(path)
    assert again == imported and dump_stack(again) == text  # byte-identical round trip


def test_the_templates_own_values_are_kept_as_written():
    stack, _ = import_text("""
Resources:
  Alerts:
    Type: AWS::SNS::Topic
    Properties: {KmsMasterKeyId: alias/mine}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      SSESpecification: {SSEEnabled: false}
""", name="own")
    resources = compiled_for_check(stack)["Resources"]
    assert resources["Alerts"]["Properties"]["KmsMasterKeyId"] == "alias/mine"
    assert resources["Orders"]["Properties"]["SSESpecification"] == {"SSEEnabled": False}
    assert "OrdersKey" not in resources and "AlertsKey" not in resources


def test_designs_made_in_the_kit_keep_every_secure_default():
    stack = Stack("fresh")
    stack.add("table", "Orders", billing="provisioned")
    stack.add("object_store", "Uploads")
    stack.add("topic", "Alerts")
    stack.add("stream", "Clicks")
    resources = stack.compile("dev").to_dict()["Resources"]
    assert resources["Orders"]["Properties"]["SSESpecification"] == {"SSEEnabled": True}
    assert {"OrdersReadScaling", "OrdersWriteScaling", "UploadsPolicy"} <= set(resources)
    assert resources["Alerts"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
    assert "StreamEncryption" in resources["Clicks"]["Properties"]
    assert {"BucketEncryption", "OwnershipControls", "PublicAccessBlockConfiguration"} <= set(
        resources["Uploads"]["Properties"])


def test_a_null_property_leaves_the_kits_value_out():
    stack = Stack("n")
    stack.add("stream", "Clicks", properties={"StreamEncryption": None, "ShardCount": 3})
    props = stack.compile("dev").to_dict()["Resources"]["Clicks"]["Properties"]
    assert "StreamEncryption" not in props and props["ShardCount"] == 3


def test_a_null_for_a_required_property_is_a_problem_naming_node_and_setting():
    stack = Stack("n")
    stack.add("table", "Orders", properties={"KeySchema": None})
    with pytest.raises(StackError) as err:
        stack.compile("dev")
    problem = next(p for p in err.value.problems if p.node == "Orders")
    assert problem.setting == "properties" and "KeySchema" in problem.message and "requires" in problem.message


def test_the_kit_defaults_table_names_what_the_kit_really_writes():
    """Each property kit_defaults.yaml lists is one the kind's emitter writes on a fresh node, and
    each setting it switches is a setting of the kind whose default it changes."""
    from stackerynb.catalog import kind
    from stackerynb.importing.reconcile import kit_defaults

    stack = Stack("k")
    for name in kit_defaults()["kinds"]:
        stack.add(name, f"A{name.replace('_', '')}", **({"billing": "provisioned"} if name == "table" else {}))
    resources = stack.compile("dev").to_dict()["Resources"]
    for name, spec in kit_defaults()["kinds"].items():
        written = resources[f"A{name.replace('_', '')}"].get("Properties") or {}
        for prop in spec.get("absent_properties") or ():
            assert prop in written, f"{name}: the kit does not write {prop}"
        for setting, value in (spec.get("settings") or {}).items():
            assert kind(name).settings[setting].default != value, f"{name}.{setting}"


def _rule_template(bus_name) -> dict:
    rule = {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": {"source": ["shop"]}}}
    if bus_name is not None:
        rule["Properties"]["EventBusName"] = bus_name
    return {"Resources": {"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "shop"}},
                          "Other": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "other"}},
                          "Rule": rule}}


@pytest.mark.parametrize("a, b", [
    ({"Fn::GetAtt": ["Bus", "Arn"]}, {"Ref": "Bus"}),  # "the name or ARN of the event bus"
    (None, "default"),  # "if you omit this, the default event bus is used"
])
def test_the_diff_reads_a_rules_bus_by_name_or_arn_alike(a, b):
    assert semantic_diff(_rule_template(a), _rule_template(b)) == []


@pytest.mark.parametrize("a, b", [
    ({"Fn::GetAtt": ["Bus", "Arn"]}, {"Ref": "Other"}),
    ({"Fn::GetAtt": ["Bus", "Arn"]}, None),
    (None, {"Ref": "Bus"}),
])
def test_the_diff_still_reports_a_rule_moved_to_another_bus(a, b):
    rows = semantic_diff(_rule_template(a), _rule_template(b))
    assert [(r.category, r.key) for r in rows] == [("property", "EventBusName")]


def _subscribed(raw) -> dict:
    sub = {"Protocol": "sqs", "TopicArn": {"Ref": "T"}, "Endpoint": {"Fn::GetAtt": ["Q", "Arn"]}}
    if raw is not None:
        sub["RawMessageDelivery"] = raw
    return {"Resources": {"T": {"Type": "AWS::SNS::Topic"}, "Q": {"Type": "AWS::SQS::Queue"},
                          "S": {"Type": "AWS::SNS::Subscription", "Properties": sub}}}


def test_the_diff_reads_raw_delivery_left_out_as_off_and_still_reports_it_turned_on():
    assert semantic_diff(_subscribed(None), _subscribed(False)) == []
    rows = semantic_diff(_subscribed(None), _subscribed(True))
    assert [(r.category, r.key) for r in rows] == [("trigger", "subscription from T RawMessageDelivery")]


def test_an_inline_sqs_subscription_imports_without_raw_delivery():
    template = """
Resources:
  Jobs: {Type: AWS::SQS::Queue}
  News:
    Type: AWS::SNS::Topic
    Properties:
      Subscription: [{Protocol: sqs, Endpoint: !GetAtt Jobs.Arn}]
"""
    stack, _ = import_text(template, name="subs")
    assert stack.node("News").get("raw_delivery") is False
    # (the queue policy the wire adds so SNS may deliver is another known cause: queue-policy-added)
    assert [r for r in semantic_diff(template, compiled_for_check(stack)) if r.category == "trigger"] == []


SAM_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Get: {Type: Api, Properties: {Path: /hello, Method: get}}
        Post: {Type: Api, Properties: {Path: /hello, Method: post, RestApiId: !Ref Shop}}
  Shop:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod}
  Cluster:
    Type: AWS::ECS::Cluster
"""


def test_sam_apis_keep_sams_name_endpoint_and_outputs():
    stack, _ = import_text(SAM_API, name="hello")
    for api in ("ServerlessRestApi", "Shop"):
        node = stack.node(api)
        assert node.get("endpoint") == "EDGE" and node.get("url_output") is False
        assert node.settings["properties"]["Name"] == {"Ref": "AWS::StackName"}
    compiled = compiled_for_check(stack)
    assert not compiled.get("Outputs")
    assert "ClusterSettings" not in (compiled["Resources"]["Cluster"].get("Properties") or {})
    assert semantic_diff(SAM_API, compiled) == []


def test_a_new_api_keeps_the_kits_name_endpoint_and_url_output():
    stack = Stack("fresh")
    stack.add("function", "Fn")
    stack.add("rest_api", "Api")
    stack.connect("Api", "Fn")
    template = stack.compile("dev").to_dict()
    props = template["Resources"]["Api"]["Properties"]
    assert props["EndpointConfiguration"] == {"Types": ["REGIONAL"]} and props["Name"] == "fresh-dev-Api"
    assert "ApiUrl" in template["Outputs"]


def _rest_api(**props) -> dict:
    return {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": props}}}


BODY = {"openapi": "3.0.1", "info": {"title": {"Ref": "AWS::StackName"}, "version": "1.0"}, "paths": {}}


@pytest.mark.parametrize("a, b", [
    (_rest_api(Body=BODY), _rest_api(Name={"Ref": "AWS::StackName"})),  # API Gateway names it by the title
    (_rest_api(Name="x", EndpointConfiguration={"Types": ["REGIONAL"]},
               Parameters={"endpointConfigurationTypes": "REGIONAL"}),
     _rest_api(Name="x", EndpointConfiguration={"Types": ["REGIONAL"]})),  # SAM repeats the endpoint type
    (_rest_api(Name="x"), _rest_api(Name="x", EndpointConfiguration={"Types": ["EDGE"]})),  # the default
])
def test_the_diff_reads_a_rest_apis_name_and_endpoint_as_api_gateway_does(a, b):
    assert semantic_diff(a, b) == []


@pytest.mark.parametrize("a, b, key", [
    (_rest_api(Body=BODY), _rest_api(Name="other"), "Name"),
    (_rest_api(Name="x", EndpointConfiguration={"Types": ["REGIONAL"]},
               Parameters={"endpointConfigurationTypes": "EDGE"}),
     _rest_api(Name="x", EndpointConfiguration={"Types": ["REGIONAL"]}), "Parameters"),
    (_rest_api(Name="x"), _rest_api(Name="x", EndpointConfiguration={"Types": ["REGIONAL"]}), "EndpointConfiguration"),
])
def test_the_diff_still_reports_a_rest_api_renamed_or_moved(a, b, key):
    assert [(r.category, r.key) for r in semantic_diff(a, b)] == [("property", key)]


def test_a_queues_own_dead_letter_queue_keeps_its_id_and_settings():
    template = """
Resources:
  ProcessingDLQ:
    Type: AWS::SQS::Queue
    Properties: {MessageRetentionPeriod: 600}
  Processing:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt ProcessingDLQ.Arn, maxReceiveCount: 3}
Outputs:
  DeadArn: {Value: !GetAtt ProcessingDLQ.Arn}
"""
    stack, _ = import_text(template, name="dlq")
    compiled = compiled_for_check(stack)
    assert set(compiled["Resources"]) == {"ProcessingDLQ", "Processing"}
    assert compiled["Resources"]["ProcessingDLQ"]["Properties"]["MessageRetentionPeriod"] == 600
    assert semantic_diff(template, compiled) == []


PARAMETERS = """
Parameters:
  Reads: {Type: Number, Default: 5}
  Mode: {Type: String, Default: ON_DEMAND}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ProvisionedThroughput: {ReadCapacityUnits: !Ref Reads, WriteCapacityUnits: 5}
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      StreamModeDetails: {StreamMode: ON_DEMAND}
  Alerts:
    Type: AWS::SNS::Topic
    Properties: {FifoTopic: false}
  Proxy:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Body: {openapi: 3.0.1, info: {title: proxy, version: "1"}, paths: {}}
"""


def test_parameters_stay_parameters_and_left_out_properties_stay_out():
    stack, _ = import_text(PARAMETERS, name="params")
    resources = compiled_for_check(stack)["Resources"]
    assert resources["Orders"]["Properties"]["ProvisionedThroughput"]["ReadCapacityUnits"] == {"Ref": "Reads"}
    assert "ShardCount" not in resources["Clicks"]["Properties"]  # on demand: no shard count
    assert not {"Name", "ProtocolType"} & set(resources["Proxy"]["Properties"])  # from its Body
    rows = semantic_diff(PARAMETERS, compiled_for_check(stack))
    # the stage the kit adds to an API without one is another cause (the API's, not the defaults')
    assert [(r.category, r.key) for r in rows] == [("resource", "AWS::ApiGatewayV2::Stage")]


def test_the_diff_reads_a_standard_topic_or_queue_written_out_as_the_default():
    for rtype, prop in (("AWS::SNS::Topic", "FifoTopic"), ("AWS::SQS::Queue", "FifoQueue")):
        plain = {"Resources": {"X": {"Type": rtype}}}
        written = {"Resources": {"X": {"Type": rtype, "Properties": {prop: False}}}}
        fifo = {"Resources": {"X": {"Type": rtype, "Properties": {prop: True}}}}
        assert semantic_diff(written, plain) == []
        assert [(r.category, r.key) for r in semantic_diff(plain, fifo)] == [("property", prop)]


def test_the_diff_reads_a_roles_path_left_out_as_the_root():
    assume = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                             "Action": "sts:AssumeRole"}]}

    def role(**extra):
        return {"Resources": {"R": {"Type": "AWS::IAM::Role",
                                    "Properties": {"AssumeRolePolicyDocument": assume, **extra}}}}
    assert semantic_diff(role(Path="/"), role()) == []
    assert [(r.category, r.key) for r in semantic_diff(role(Path="/app/"), role())] == [("property", "Path")]

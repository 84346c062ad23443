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
    for name in kit_defaults():
        stack.add(name, f"A{name.replace('_', '')}", **({"billing": "provisioned"} if name == "table" else {}))
    resources = stack.compile("dev").to_dict()["Resources"]
    for name, spec in kit_defaults().items():
        written = resources[f"A{name.replace('_', '')}"].get("Properties") or {}
        for prop in spec.get("absent_properties") or ():
            assert prop in written, f"{name}: the kit does not write {prop}"
        for setting, value in (spec.get("settings") or {}).items():
            assert kind(name).settings[setting].default != value, f"{name}.{setting}"

"""The import's fall-through: every resource no curated kind takes (nor absorbs) becomes a
``resource`` node under its own logical id, kept verbatim; ``stack.raw`` keeps template sections
only; curated nodes keep what their kind does not model in ``properties``/``attributes``."""
import json
import warnings
from pathlib import Path

import pytest

from stackerynb.compile.compiler import assemble, build
from stackerynb.importing import import_template, import_text, read_template
from stackerynb.importing.sam_globals import apply_globals
from stackerynb.model.environments import Environment

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sam"
FILES = sorted(p for p in CORPUS.glob("*") if p.suffix in (".yaml", ".yml")) if CORPUS.is_dir() else []
SAM = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
SECTIONS = {"Parameters", "Conditions", "Mappings", "Outputs", "Rules", "Metadata", "Transform", "Globals"}


def compiled(stack, report) -> dict:
    names = report.attrs.get("environment_parameters", [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = build(stack, Environment("dev", parameters={name: "example" for name in names}))
        template, _ = assemble(ctx)
    return json.loads(template.to_json(sort_keys=False))


def row(report, resource):
    return report.set_index("resource").loc[resource]


def test_a_type_without_a_curated_kind_becomes_a_resource_node_kept_verbatim():
    stack, report = import_text(SAM + """
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Flow:
    Type: AWS::Pipes::Pipe
    DependsOn: FlowRole
    DeletionPolicy: Retain
    Properties:
      RoleArn: !GetAtt FlowRole.Arn
      Source: arn:aws:sqs:us-east-1:123456789012:in
      Target: arn:aws:sqs:us-east-1:123456789012:out
      Name: !Sub "flow-${Env}"
  FlowRole:
    Type: AWS::IAM::Role
    Condition: IsProd
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: pipes.amazonaws.com}, Action: sts:AssumeRole}]
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/, CompatibleRuntimes: [python3.12]}
Outputs:
  FlowArn: {Value: !Ref Flow}
""")
    flow = stack.node("Flow")
    assert flow.kind == "resource" and flow.get("type") == "AWS::Pipes::Pipe"
    assert flow.get("attributes") == {"DependsOn": "FlowRole", "DeletionPolicy": "Retain"}
    assert stack.node("Layer").get("type") == "AWS::Serverless::LayerVersion"
    assert row(report, "Flow").outcome == "node" and row(report, "Flow").kind == "resource"
    assert "no node kind for AWS::Pipes::Pipe" in row(report, "Flow").reason
    assert "Resources" not in stack.raw and set(stack.raw) <= SECTIONS
    assert set(stack.raw["Parameters"]) == {"Env"} and set(stack.raw["Conditions"]) == {"IsProd"}
    assert stack.problems() == []
    data = compiled(stack, report)
    assert data["Transform"] == "AWS::Serverless-2016-10-31"  # a SAM type remains
    assert data["Outputs"]["FlowArn"] == {"Value": {"Ref": "Flow"}}
    assert data["Resources"]["FlowRole"]["Condition"] == "IsProd"
    assert data["Resources"]["Flow"]["Properties"]["Name"] == {"Fn::Sub": "flow-${Env}"}


def test_a_curated_node_keeps_the_properties_its_kind_does_not_model():
    stack, report = import_text(SAM + """
Parameters:
  Key: {Type: String, Default: alias/aws/sqs}
  Unused: {Type: String, Default: x}
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      QueueName: jobs
      KmsMasterKeyId: !Ref Key
      DelaySeconds: 5
      Tags: [{Key: team, Value: a}]
  Table:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: orders
      Tags: {team: a}
""")
    jobs = stack.node("Jobs")
    assert jobs.kind == "queue"
    assert jobs.get("properties") == {"KmsMasterKeyId": {"Ref": "Key"}, "DelaySeconds": 5, "QueueName": "jobs",
                                      "Tags": [{"Key": "team", "Value": "a"}]}
    assert jobs.get("attributes") == {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    # SAM properties are kept in their CloudFormation form (catalog/sam_properties.yaml)
    assert stack.node("Table").kind == "table"
    assert stack.node("Table").get("properties") == {"TableName": "orders", "Tags": [{"Key": "team", "Value": "a"}],
                                                     "SSESpecification": None}  # none in the template: no kit KMS
    assert list(stack.raw["Parameters"]) == ["Key", "Unused"]  # parameters stay parameters, used or not
    data = compiled(stack, report)
    queue = data["Resources"]["Jobs"]
    assert queue["DeletionPolicy"] == "Retain" and queue["Properties"]["DelaySeconds"] == 5
    assert queue["Properties"]["QueueName"] == "jobs"
    assert data["Resources"]["Table"]["Properties"]["Tags"] == [{"Key": "team", "Value": "a"}]


def test_a_sam_property_without_a_translation_keeps_the_resource_verbatim():
    stack, report = import_text(SAM + """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/
      Runtime: python3.12
      ProvisionedConcurrencyConfig: {ProvisionedConcurrentExecutions: 1}
""")
    assert stack.node("Fn").kind == "resource" and stack.node("Fn").get("type") == "AWS::Serverless::Function"
    assert "ProvisionedConcurrencyConfig makes SAM generate resources" in row(report, "Fn").reason
    assert stack.node("Fn").get("properties")["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": 1}


def test_what_cannot_be_a_node_stays_raw_with_the_reason():
    stack, report = import_text(SAM + """
Resources:
  Broken:
    Type: AWS::SQS::Queue
    Condition: Missing
    Properties: {DelaySeconds: 99999}
""")
    assert "Broken" not in stack
    assert row(report, "Broken").outcome == "raw"
    assert "do not follow the AWS::SQS::Queue schema (Properties.DelaySeconds: 99999 is out of range" in \
        row(report, "Broken").reason
    assert stack.raw["Resources"]["Broken"]["Properties"] == {"DelaySeconds": 99999}


@pytest.mark.skipif(not FILES, reason="the shared SAM corpus is not beside the repository")
def test_the_corpus_leaves_nothing_raw_but_sections_and_resource_nodes_compile_back_identical():
    """Over the 211 templates: at most a handful of resources stay raw (each with its reason),
    and every resource node compiles to exactly the resource the template had (Globals applied,
    references renamed where the import renamed an id)."""
    raw, generic, identical = 0, 0, 0
    for path in FILES:
        try:
            stack, report = import_template(path)
        except Exception:
            continue  # the four templates with duplicate keys (tests/test_import_corpus.py)
        raw += int((report.outcome == "raw").sum())
        assert (report.loc[report.outcome == "raw", "reason"].str.len() > 0).all()
        nodes = [n for n in stack.nodes if n.kind == "resource"]
        if not nodes:
            continue
        data = compiled(stack, report)
        original = apply_globals(read_template(path).data)
        back = {v: k for k, v in report.attrs["id_map"].items()}
        for node in nodes:
            source = original.get(back.get(node.id, node.id))
            if source is None:
                continue  # made by the import (a rule or policy aimed at a node), not the template's
            generic += 1
            if data["Resources"][node.id] == source:
                identical += 1
            else:  # only a reference to a renamed id may differ
                assert back, (path.name, node.id)
    assert raw <= 10
    # (over 600: most of what no curated kind takes; the rest are curated or absorbed)
    assert generic > 600 and generic - identical <= 2


def test_kept_indexes_keep_their_attributes_and_depends_on_a_node_without_its_own_resource_goes():
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs
    stack, report = import_text(SAM + """
Resources:
  Songs:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}, {AttributeName: artist, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: byArtist
          KeySchema: [{AttributeName: artist, KeyType: HASH}]
          Projection: {ProjectionType: ALL}
  Setting:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: x}
  Fn:
    Type: AWS::Lambda::Function
    DependsOn: [Setting, Songs]
    Properties:
      Handler: a.h
      Runtime: python3.12
      Code: {ZipFile: "def h(e, c): pass"}
      Role: arn:aws:iam::123456789012:role/x
""")
    assert stack.node("Songs").kind == "table" and "GlobalSecondaryIndexes" in stack.node("Songs").get("properties")
    data = compiled(stack, report)
    assert len(data["Resources"]["Songs"]["Properties"]["AttributeDefinitions"]) == 2
    assert "Setting" not in str(data["Resources"]["Fn"].get("DependsOn"))  # a config store has no resource Setting
    errors = [m.rule.id for m in lint(json.dumps(data), config=ManualArgs(regions=["us-east-1"])) if m.rule.id.startswith("E")]
    assert errors == []

"""Round trip: import a real template, compile the stack, and the result passes cfn-lint (no
error the original did not already have), every function keeps every permission and trigger
it had, and gains access to no resource of the original it could not touch before."""
import json
import warnings
from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from stackerynb.compile.compiler import assemble, build
from stackerynb.compile.raw import add_raw
from stackerynb.model.environments import Environment
from stackerynb.importing import import_template, import_text, read_template
from stackerynb.importing.roundtrip import (
    compare_access, compare_triggers, expand_sam, function_access, triggers,
)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sam"
# A spread of patterns: policies and events of every kind, APIs, roles, dead-letter queues,
# raw SAM state machines and web sockets, a VPC kept raw, an original with lint errors of its own.
SUBSET = [
    "lambda-durable-parallel-processing-sam__template.yaml", "apigw-websocket-api-lambda__template.yml",
    "lambda-s3-sfn__template.yaml", "apigw-lambda-cognito-sam-java__template.yaml",
    "lambda-sns-sqs-lambda-sam-java__template.yml", "apigw-lambda-dynamodb-kinesis-lambda__template.yaml",
    "lambda-kinesis-lambda-js__template.yaml", "lambda-sns__template.yaml",
    "lambda-dynamodb-ddbstream-lambda-sam-java__template.yml", "apigw-lambda-dynamodb__template.yaml",
    "dynamodb-eventbridge__template.yaml", "sns-sqs-lambda-xray__template.yaml", "s3-lambda-ses-sam__template.yaml",
    "apigw-sqs-lambda__template.yaml", "eventbridge-scheduled-lambda-java__template.yaml",
    "eventbridge-pipes-sqs-lambda-api-destination__template.yaml", "lambda-step-functions-sam-java__template.yml",
    "apigw-lambda-memorydb__template.yaml", "alb-lambda-rest-api-sam-py__template.yaml",
    "apigw-api-key__template.yaml",
]
LINT = ManualArgs(regions=["us-east-1"])

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared SAM corpus is not beside the repository")


def compiled(stack, parameters=()) -> dict:
    """The stack compiled for ``dev`` with its raw section, as plain data; ``parameters`` are
    the template parameters the environment gives values (as a deploy of the original would)."""
    environment = Environment("dev", parameters={name: "example" for name in parameters})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # governance warnings about the original's own choices
        ctx = build(stack, environment)
        template, data = assemble(ctx)
        add_raw(ctx, template, data)  # a no-op once the compiler calls it itself
    return json.loads(template.to_json(sort_keys=False))


def lint_errors(data: dict) -> set:
    return {(m.rule.id, m.message) for m in lint(json.dumps(data), config=LINT) if m.rule.id.startswith("E")}


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBSET)
def test_round_trip(name):
    path = CORPUS / name
    stack, report = import_template(path)
    assert stack.problems() == []
    result = compiled(stack, report.attrs["environment_parameters"])
    original = read_template(path).data
    new_errors = lint_errors(result) - lint_errors(original)
    assert not new_errors
    before, after = expand_sam(original), expand_sam(result)
    findings = compare_access(before, after, report.attrs["id_map"]) + \
        compare_triggers(before, after, report.attrs["id_map"])
    assert [str(f) for f in findings] == []
    # every resource of the original is accounted for: a node, absorbed, or kept raw as it was
    for lid, resource in original["Resources"].items():
        outcome = report.set_index("resource").loc[lid, "outcome"]
        if outcome == "raw":
            kept = result["Resources"][report.attrs["id_map"].get(lid, lid)]
            assert kept["Type"] == resource["Type"]
        else:
            assert outcome in ("node", "absorbed")


TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Jobs: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: src/
      Runtime: python3.12
      Policies: [DynamoDBCrudPolicy: {TableName: !Ref Orders}]
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
"""


def test_the_check_finds_a_lost_permission_and_a_lost_trigger():
    stack, report = import_text(TEMPLATE)
    original = expand_sam(read_template_text(TEMPLATE))
    assert compare_access(original, expand_sam(compiled(stack)), report.attrs["id_map"]) == []
    stack.disconnect("Fn", "Orders")
    stack.disconnect("Jobs", "Fn")
    after = expand_sam(compiled(stack))
    lost = compare_access(original, after, report.attrs["id_map"])
    assert {(f.function, f.problem, f.target) for f in lost} == {("Fn", "lost", "Orders")}
    assert "dynamodb:putitem" in lost[0].actions
    assert [(f.problem, f.target) for f in compare_triggers(original, after, {})] == [("lost-trigger", "mapping from Jobs")]


def test_the_check_finds_access_to_a_resource_the_original_did_not_grant():
    # the original may use any queue (SAM's SQS poller policy), but only its own table
    other = "  Other: {Type: AWS::DynamoDB::Table, Properties: {KeySchema: [{AttributeName: id, KeyType: HASH}], " \
            "AttributeDefinitions: [{AttributeName: id, AttributeType: S}]}}\n  Fn:"
    stack, report = import_text(TEMPLATE.replace("  Fn:", other))
    original = expand_sam(read_template_text(TEMPLATE.replace("  Fn:", other)))
    stack.connect("Fn", "Other", access="read")
    findings = compare_access(original, expand_sam(compiled(stack)), report.attrs["id_map"])
    assert [(f.problem, f.target) for f in findings] == [("new-resource", "Other")]


def test_function_access_reads_roles_policies_and_managed_policies():
    data = expand_sam(read_template_text(TEMPLATE))
    access = function_access(data)["Fn"]
    assert access.role == "FnRole" and "AWSLambdaSQSQueueExecutionRole" in access.managed
    assert "dynamodb:putitem" in access.targets["Orders"]
    assert ("Fn", "mapping", "Jobs") in triggers(data)


def read_template_text(text: str) -> dict:
    from stackerynb.importing.template_reader import parse_template
    return parse_template(text).data


# ------------------------------------------------------------------ the import proves itself
def test_from_template_lists_what_the_import_changes_in_meaning(tmp_path, capsys):
    from stackerynb import Stack

    path = tmp_path / "orders__template.yaml"
    path.write_text(TEMPLATE)
    stack = Stack.from_template(path)
    line = capsys.readouterr().out.strip()
    changes = stack.import_changes
    # the kit's own defaults (the table's encryption) no longer change what the template means
    assert changes.empty and line.endswith(f"meaning of {path} (no changes in meaning)")
    assert stack.import_report.attrs["meaning_changes"] == changes.to_dict("records")
    assert set(changes.columns) >= {"category", "principal_or_resource", "key", "before", "after", "detail"}
    # the seeded change: the design loses its trigger, and the check says so, row by row
    stack.disconnect("Jobs", "Fn")
    from stackerynb.importing.report import check_meaning
    after = check_meaning(stack, stack.import_report)
    lost = after[after.category == "trigger"]
    assert list(lost.principal_or_resource) == ["Fn"] and "removed" in lost.detail.iloc[0]
    assert not ((changes.category == "trigger") & changes.detail.str.contains("removed")).any()


def test_import_check_prints_the_changes(tmp_path, capsys):
    from stackerynb.cli import main

    path = tmp_path / "orders__template.yaml"
    path.write_text(TEMPLATE)
    assert main(["import", str(path), "-o", str(tmp_path / "orders.yaml")]) == 0
    assert f"stackerynb import {path} --check" in capsys.readouterr().err
    assert main(["import", str(path), "-o", str(tmp_path / "orders.yaml"), "--force", "--check"]) == 0
    out, err = capsys.readouterr()
    count = int(err.strip().splitlines()[-1].split()[0]) if "changes in meaning between" in err else 0
    assert ("no changes in meaning" in err) == (count == 0)
    if count:
        assert "category" in out and "see the table above" in err

"""Issue 16's last changes in meaning: what a template sets on the roles, ARNs and resources
the kit makes for a node is kept in the stack file, so the compiled form means the same."""
from __future__ import annotations

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
    import json
    as_text = _machine(DefinitionString=json.dumps(DEFINITION, indent=4))
    assert semantic_diff(as_text, _machine(Definition=DEFINITION)) == []
    changed = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    rows = semantic_diff(as_text, _machine(Definition=changed))
    assert [(r.category, r.key) for r in rows] == [("property", "Definition.States.Done")]

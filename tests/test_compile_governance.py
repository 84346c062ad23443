"""Governance: rules run on every compile, block in production, warn elsewhere, users add theirs."""
from __future__ import annotations

import copy
import json
import warnings

import pytest

from stackerynb import Stack, StackError
from stackerynb.catalog._data import load_table
from stackerynb.compile import GovernanceWarning, Rule, compile_report, compile_stack, governance
from stackerynb.compile.iam import WILDCARD_RESOURCE_ACTIONS
from stackerynb.model.environments import Environment

DEV = Environment(name="dev")
PROD = Environment(name="prod", production=True)


def api_stack() -> Stack:
    s = Stack("shop")
    s.add("rest_api", "Api")
    s.add("function", "Checkout", environment={"PAYMENT_API_KEY": "sk_live_123", "PAYMENT_KEY_ARN": "arn:x"})
    s.add("table", "Orders")
    s.connect("Api", "Checkout")
    s.connect("Checkout", "Orders")
    return s


def open_bastion() -> Stack:
    s = Stack("ops")
    s.add("virtual_network", "Net")
    s.add("bastion", "Jump", network="Net", allowed_cidrs=["0.0.0.0/0"])
    return s


def test_rules_are_discovered_one_per_module_with_id_description_and_source():
    rules = governance.builtin_rules()
    assert [r.id for r in rules] == ["G001", "G002", "G003", "G004", "G005", "G006"]
    for rule in rules:
        assert rule.description and rule.source.startswith("https://")


def test_wildcard_resource_actions_are_data_with_reasons():
    raw = load_table("iam.yaml")["wildcard_resource_actions"]
    assert set(raw) == set(WILDCARD_RESOURCE_ACTIONS)
    assert all(len(reason) > 20 for reason in raw.values())
    assert "ec2:CreateNetworkInterface" in raw and "xray:PutTraceSegments" in raw


def test_a_plain_text_secret_warns_outside_production():
    with pytest.warns(GovernanceWarning) as caught:
        result = compile_report(api_stack(), DEV)
    assert [w.message.problem.code for w in caught] == ["G006"]
    (problem,) = result.warnings
    assert (problem.node, problem.setting, problem.severity) == ("Checkout", "environment", "warning")
    assert "PAYMENT_API_KEY" in problem.message and "PAYMENT_KEY_ARN" not in problem.message


def test_a_violation_blocks_a_production_compile_naming_node_and_rule():
    with pytest.raises(StackError) as error:
        compile_stack(api_stack(), PROD)
    assert "governance blocks" in str(error.value) and "prod" in str(error.value)
    assert [(p.node, p.code, p.severity) for p in error.value.problems] == [("Checkout", "G006", "error")]


def test_bastion_open_to_the_world_blocks_production_only():
    with warnings.catch_warnings():
        warnings.simplefilter("error", GovernanceWarning)
        assert compile_report(open_bastion(), DEV).problems == []
    with pytest.raises(StackError) as error:
        compile_stack(open_bastion(), PROD)
    (problem,) = error.value.problems
    assert (problem.node, problem.setting, problem.code) == ("Jump", "allowed_cidrs", "G005")
    assert "SSH from anywhere" in problem.message


def test_check_false_skips_governance():
    assert compile_report(api_stack(), PROD, check=False).problems == []


def test_users_add_rules_with_a_decorator_and_per_compile():
    @governance.rule("ORG001", "Functions stay small", source="https://wiki.example.com/sizes")
    def small_functions(context):
        for lid, props in context.resources_of_type("AWS::Lambda::Function"):
            if props.get("MemorySize", 128) > 256:
                yield context.problem(lid, "uses more than 256 MB", setting="memory")
    try:
        s = Stack("big")
        s.add("function", "Huge", memory=1024)
        with pytest.warns(GovernanceWarning):
            result = compile_report(s, DEV)
        assert [(p.code, p.node, p.setting) for p in result.problems] == [("ORG001", "Huge", "memory")]
    finally:
        governance.unregister("ORG001")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GovernanceWarning)
        assert compile_report(s, DEV).problems == []

    def no_tables(context):
        """Tables are not allowed here."""
        for lid, _ in context.resources_of_type("AWS::DynamoDB::Table"):
            yield context.problem(lid, "is a table")
    with pytest.raises(StackError, match="is a table"):
        compile_stack(api_stack(), PROD, rules=[no_tables], check=True)


def test_a_broken_user_rule_is_named_in_a_clear_error():
    def broken(context):
        """Looks at the wrong thing."""
        return context.template["Nope"]
    with pytest.raises(StackError, match=r"governance rule broken .*KeyError"):
        compile_report(_one_function(), DEV, rules=[broken])


def _one_function() -> Stack:
    s = Stack("one")
    s.add("function", "Fn")
    return s


# ---------------------------------------------------------------- rules on hand-made templates
def compiled_data(stack: Stack):
    result = compile_report(stack, DEV, check=False)
    return json.loads(result.to_json()), result.owners


def run(template, stack, owners, env=DEV):
    return [(p.code, p.node) for p in governance.run(template, stack, env, owners)]


def test_g001_and_g002_catch_broad_actions_and_resources():
    stack = _one_function()
    template, owners = compiled_data(stack)
    assert run(template, stack, owners) == []
    policies = template["Resources"]["FnRole"]["Properties"]["Policies"]
    broad = copy.deepcopy(template)
    broad["Resources"]["FnRole"]["Properties"]["Policies"] = policies + [{"PolicyName": "bad", "PolicyDocument": {
        "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"},
                      {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::x"},
                      {"Effect": "Allow", "Action": ["ec2:DescribeSubnets"], "Resource": "*"},
                      {"Effect": "Deny", "Action": ["s3:*"], "Resource": "*"}]}}]
    assert run(broad, stack, owners) == [("G001", "Fn"), ("G001", "Fn"), ("G002", "Fn")]


def test_g003_and_g004_catch_a_public_unencrypted_database():
    s = Stack("data")
    s.add("virtual_network", "Net")
    s.add("database", "Db", network="Net")
    s.add("object_store", "Files")
    template, owners = compiled_data(s)
    assert run(template, s, owners) == []
    bad = copy.deepcopy(template)
    bad["Resources"]["Db"]["Properties"].update(PubliclyAccessible=True, StorageEncrypted=False)
    bad["Resources"]["DbSecurityGroup"]["Properties"]["SecurityGroupIngress"] = [
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "0.0.0.0/0"}]
    del bad["Resources"]["Files"]["Properties"]["BucketEncryption"]
    assert sorted(run(bad, s, owners)) == [("G003", "Db"), ("G003", "Db"), ("G004", "Db"), ("G004", "Files")]


def test_g006_catches_literal_master_passwords_and_secret_parameters():
    s = Stack("data")
    s.add("virtual_network", "Net")
    s.add("database", "Db", network="Net")
    template, owners = compiled_data(s)
    bad = copy.deepcopy(template)
    bad["Resources"]["Db"]["Properties"]["MasterUserPassword"] = "hunter22hunter22"
    bad.setdefault("Parameters", {})["DbPassword"] = {"Type": "String"}
    assert run(bad, s, owners) == [("G006", "Db"), ("G006", None)]


def test_secret_like_names():
    from stackerynb.compile.governance.rules.g006_secrets_not_in_plain_text import secret_like
    assert all(map(secret_like, ["DB_PASSWORD", "apiKey", "GITHUB_TOKEN", "client-secret", "PRIVATE_KEY"]))
    assert not any(map(secret_like, ["DB_PASSWORD_ARN", "TOKEN_BUCKET_HOST", "SECRET_NAME", "KEYBOARD",
                                     "PASSWORD_LENGTH", "TABLE_NAME"]))


def test_rule_objects_are_accepted_too():
    rule = Rule("ORG9", "Nothing named Forbidden", "", lambda c: (
        c.problem(lid, "is forbidden") for lid in c.resources if lid.startswith("Forbidden")))
    s = Stack("f")
    s.add("queue", "Forbidden")
    with pytest.warns(GovernanceWarning, match="ORG9"):
        compile_report(s, DEV, rules=[rule])

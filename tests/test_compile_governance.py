"""Governance: rules run on every compile, block in production, warn elsewhere, users add theirs."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import warnings

import pytest

from stackerynb import Stack, StackError
from stackerynb.catalog._data import load_table
from stackerynb.compile import GovernanceWarning, Rule, compile_report, compile_stack, governance
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
    assert [r.id for r in rules] == ["G001", "G002", "G003", "G004", "G005", "G006", "G007", "G008"]
    for rule in rules:
        assert rule.description and rule.source.startswith("https://")


def test_which_actions_take_resource_star_is_aws_data_not_ours():
    from stackerynb.cfn import iam_reference
    assert "wildcard_resource_actions" not in load_table("iam.yaml")
    for action in ["ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces", "xray:PutTraceSegments",
                   "ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"]:
        assert iam_reference.wildcard_only(action), action
    for action in ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                   "ec2:UnassignPrivateIpAddresses", "ecr:BatchGetImage", "s3:Get*", "nosuch:Thing"]:
        assert not iam_reference.wildcard_only(action), action


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


def test_bastion_open_to_the_world_warns_outside_production_and_blocks_production():
    with pytest.warns(GovernanceWarning, match="G005"):
        (problem,) = compile_report(open_bastion(), DEV).problems
    assert (problem.node, problem.setting, problem.code, problem.severity) == ("Jump", "allowed_cidrs", "G005", "warning")
    with pytest.raises(StackError) as error:
        compile_stack(open_bastion(), PROD)
    (problem,) = error.value.problems
    assert (problem.node, problem.setting, problem.code) == ("Jump", "allowed_cidrs", "G005")
    assert "SSH from the world" in problem.message


@pytest.mark.parametrize("cidrs", [["0.0.0.0/1", "128.0.0.0/1"], ["::/1", "8000::/1"],
                                   ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"], ["::/0"]])
def test_ssh_open_to_the_world_in_pieces_is_still_open_to_the_world(cidrs):
    s = open_bastion()
    s.set("Jump", allowed_cidrs=cidrs)
    with pytest.raises(StackError) as error:
        compile_stack(s, PROD)
    (problem,) = error.value.problems
    assert problem.code == "G005" and "SSH from the world" in problem.message


def test_ssh_from_half_the_internet_is_open_and_from_an_office_is_not():
    s = open_bastion()
    s.set("Jump", allowed_cidrs=["0.0.0.0/1"])
    with pytest.raises(StackError, match=r"SSH from 50% of the IPv4 internet"):
        compile_stack(s, PROD)
    s.set("Jump", allowed_cidrs=["203.0.113.0/24", "198.51.100.0/24", "2001:db8::/32"])
    assert compile_report(s, PROD).problems == []


def test_exposure_is_measured_per_port_over_all_rules_of_a_group():
    from stackerynb.compile.governance.network import exposures

    class Context:
        resources = {"G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 20, "ToPort": 25, "CidrIp": "0.0.0.0/1"},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "128.0.0.0/1"}]}},
            "Extra": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
                "GroupId": {"Fn::GetAtt": ["G", "GroupId"]}, "IpProtocol": "-1", "CidrIpv6": "::/1"}}}

        def resources_of_type(self, *types):
            return [(k, b["Properties"]) for k, b in self.resources.items() if b["Type"] in types]
    found = {(e.low, e.high): (e.share_v4, e.share_v6) for e in exposures(Context(), "G")}
    assert found == {(0, 19): (0, 0.5), (20, 21): (0.5, 0.5), (22, 22): (1.0, 0.5), (23, 25): (0.5, 0.5),
                     (26, 65535): (0, 0.5)}
    assert [(e.low, e.share_v4) for e in exposures(Context(), "G", port=22)] == [(22, 1.0)]


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
    assert all(map(secret_like, ["DB_PASS", "PGPASSWORD", "STRIPE_KEY", "AUTH_HEADER", "pass", "Authorization",
                                 "MYSQL_PWD", "sessionKey"]))
    assert not any(map(secret_like, ["DB_PASSWORD_ARN", "TOKEN_BUCKET_HOST", "SECRET_NAME", "KEYBOARD",
                                     "PASSWORD_LENGTH", "TABLE_NAME", "PARTITION_KEY", "S3_KEY", "KMS_KEY",
                                     "AUTH_MODE", "PASSPORT_OFFICE", "BYPASS_CACHE"]))


def test_rule_objects_are_accepted_too():
    rule = Rule("ORG9", "Nothing named Forbidden", "", lambda c: (
        c.problem(lid, "is forbidden") for lid in c.resources if lid.startswith("Forbidden")))
    s = Stack("f")
    s.add("queue", "Forbidden")
    with pytest.warns(GovernanceWarning, match="ORG9"):
        compile_report(s, DEV, rules=[rule])


# ---------------------------------------------------------------- admin policies, raw and SAM
ADMIN_ATTACHMENTS = [
    ("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": []},
                        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}),
    ("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": []},
                        "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/PowerUserAccess"}]}),
    ("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": []}, "ManagedPolicyArns": [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/IAMFullAccess"]]}]}),
    ("AWS::IAM::Role", {"AssumeRolePolicyDocument": {"Statement": []},
                        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonElasticMapReduceFullAccess"]}),
    ("AWS::Serverless::Function", {"Handler": "a.b", "Runtime": "python3.12", "InlineCode": "x",
                                   "Policies": ["AdministratorAccess"]}),
    ("AWS::Serverless::Function", {"Handler": "a.b", "Runtime": "python3.12", "InlineCode": "x",
                                   "Policies": "arn:aws:iam::aws:policy/job-function/SystemAdministrator"}),
    ("AWS::Serverless::Function", {"Handler": "a.b", "Runtime": "python3.12", "InlineCode": "x",
                                   "Policies": [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]}),
]


def raw_stack(kind: str, props: dict) -> Stack:
    s = _one_function()
    s.raw = {"Resources": {"Extra": {"Type": kind, "Properties": props}}}
    return s


@pytest.mark.parametrize("kind, props", ADMIN_ATTACHMENTS, ids=lambda v: str(v)[:60] if isinstance(v, dict) else v)
def test_admin_policies_in_raw_resources_and_sam_policies_block_production(kind, props):
    with pytest.raises(StackError) as error:
        compile_stack(raw_stack(kind, props), PROD)
    codes = {p.code for p in error.value.problems}
    assert "G001" in codes, error.value


@pytest.mark.parametrize("policies", [["AWSLambdaBasicExecutionRole"], ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                                      [{"SQSPollerPolicy": {"QueueName": "q"}}]])
def test_narrow_managed_policies_pass(policies):
    props = {"Handler": "a.b", "Runtime": "python3.12", "InlineCode": "x", "Policies": policies}
    problems = compile_report(raw_stack("AWS::Serverless::Function", props), DEV, warn=False).problems
    assert [p for p in problems if p.code == "G001"] == []


def test_managed_policies_are_judged_by_what_they_grant():
    from stackerynb.compile.governance.rules.g001_no_wildcard_actions import grants
    assert grants("AdministratorAccess") == "*"
    assert grants("PowerUserAccess").startswith("every action except iam:*")
    assert grants("AmazonS3FullAccess").startswith("s3:*")
    assert grants("job-function/SystemAdministrator") and grants("SystemAdministrator")
    # By the document, not the name: a broad policy without an admin name is caught, and a
    # "FullAccess" policy that names its actions is not.
    assert "codebuild:*" in grants("AWSCodeBuildAdminAccess")
    assert grants("AWSAppSyncInvokeFullAccess") is None
    assert grants("AmazonNewServiceFullAccess")  # newer than the data: AWS's naming decides
    assert grants("AWSLambdaBasicExecutionRole") is None and grants("ReadOnlyAccess") is None


def test_the_managed_policy_documents_are_read_without_importing_moto():
    code = ("import sys; from stackerynb.compile.governance import aws_managed;"
            "n = len(aws_managed.documents()); print(n, 'moto' in sys.modules, 'boto3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 1000 and out[1:] == ["False", "False"]


# ---------------------------------------------------------------- secrets by name and by value
PLAIN_SECRETS = {
    "DB_PASS": "correct horse", "PGPASSWORD": "hunter2", "STRIPE_KEY": "abc", "AUTH_HEADER": "whatever",
    "DATABASE_URL": "postgres://app:s3cr3t@db.internal:5432/app", "UPSTREAM": "Bearer abcdefgh12345678",
    "SIGNER": "-----BEGIN RSA PRIVATE KEY-----\nMIIB", "PAYMENT": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "OPAQUE": "q8Zr2Lw9Xv4Nk7Tb1Ys6Hm3Pd5Fj0Gc",
}
HARMLESS = {"LOG_LEVEL": "info", "DATABASE_URL": "postgres://db.internal:5432/app", "PARTITION_KEY": "id",
            "GREETING": "hello world", "DB_PASSWORD_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
            "REQUEST_ID": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "COMMIT": "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "SITE": "https://example.com/path/to/page", "S3_KEY": "uploads/2024/report.csv"}


@pytest.mark.parametrize("name, value", PLAIN_SECRETS.items())
def test_plain_text_secrets_are_found_by_name_or_value(name, value):
    s = Stack("env")
    s.add("function", "Fn", environment={name: value})
    with pytest.raises(StackError) as error:
        compile_stack(s, PROD)
    (problem,) = error.value.problems
    assert (problem.node, problem.setting, problem.code) == ("Fn", "environment", "G006")
    assert name in problem.message


def test_harmless_settings_are_not_secrets():
    s = Stack("env")
    s.add("function", "Fn", environment=HARMLESS)
    s.add("virtual_network", "Net")
    s.add("docker_service", "App", network="Net", environment=HARMLESS)
    s.add("docker_cluster", "Cluster")
    s.connect("App", "Cluster")
    s.add("config_store", "Config", parameters=HARMLESS)
    assert compile_report(s, PROD).problems == []


def test_secrets_in_config_stores_and_containers_are_found():
    s = Stack("cfg")
    s.add("config_store", "Config", parameters={"pass": "letmein", "region_url": "mysql://root:pw@h/db"})
    s.add("virtual_network", "Net", nat="single")
    s.add("docker_cluster", "Cluster")
    s.add("docker_service", "App", network="Net", environment={"PGPASSWORD": "x"})
    s.connect("App", "Cluster")
    with pytest.raises(StackError) as error:
        compile_stack(s, PROD)
    assert sorted((p.node, p.setting) for p in error.value.problems) == [
        ("App", "environment"), ("Config", "parameters"), ("Config", "parameters")]


def test_secret_values_in_raw_sam_functions_are_found():
    props = {"Handler": "a.b", "Runtime": "python3.12", "InlineCode": "x",
             "Environment": {"Variables": {"DSN": "postgres://u:p4ss@h/db"}}}
    with pytest.raises(StackError, match="G006"):
        compile_stack(raw_stack("AWS::Serverless::Function", props), PROD)


# ---------------------------------------------------------------- G002 walks every statement
def network_function_template():
    s = Stack("vpc-fn")
    s.add("virtual_network", "Net")
    s.add("function", "Fn", network="Net")
    template, owners = compiled_data(s)
    return s, template, owners


def test_compiled_network_function_scopes_its_interface_actions():
    s, template, owners = network_function_template()
    assert run(template, s, owners) == []


@pytest.mark.parametrize("seed", [
    {"Effect": "Allow", "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeSubnets"], "Resource": "*"},
    {"Effect": "Allow", "Action": "ec2:DeleteNetworkInterface", "Resource": ["*"]},
    {"Effect": "Allow", "Action": ["ecr:BatchGetImage"],
     "Resource": {"Fn::Sub": "arn:${AWS::Partition}:ecr:us-east-1:123456789012:repository/*"}},
    {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/*"},
    {"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*"},
])
def test_g002_flags_resource_star_on_actions_aws_lets_be_scoped(seed):
    s, template, owners = network_function_template()
    seeded = copy.deepcopy(template)
    seeded["Resources"]["FnRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(seed)
    assert run(seeded, s, owners) == [("G002", "Fn")]


@pytest.mark.parametrize("where", ["managed_policy", "sam_inline", "queue_policy"])
def test_g002_walks_statements_wherever_they_are(where):
    s, template, owners = network_function_template()
    seeded = copy.deepcopy(template)
    bad = {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}
    if where == "managed_policy":
        body = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [bad]}}}
    elif where == "sam_inline":
        body = {"Type": "AWS::Serverless::Function", "Properties": {"Policies": [{"Statement": [bad]}]}}
    else:
        body = {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [], "PolicyDocument": {
            "Statement": [{**bad, "Principal": {"Service": "sns.amazonaws.com"}}]}}}
    seeded["Resources"]["Extra"] = body
    assert run(seeded, s, owners) == [("G002", None)]


def test_g002_leaves_wildcard_only_actions_and_conditioned_interfaces_alone():
    s, template, owners = network_function_template()
    seeded = copy.deepcopy(template)
    seeded["Resources"]["FnRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"] += [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "ecr:GetAuthorizationToken"], "Resource": "*"},
        {"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": "*"}]
    assert run(seeded, s, owners) == []


# ---------------------------------------------------------------- in transit, SNS at rest, open APIs
def cache_and_balancer():
    s = Stack("transit")
    s.add("virtual_network", "Net")
    s.add("cache_cluster", "Cache", network="Net")
    s.add("load_balancer", "Lb", network="Net",
          certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/0f6c1d2e-1111-2222-3333-444455556666")
    s.add("timer", "Tick")
    s.add("topic", "News")
    s.connect("Tick", "News")
    template, owners = compiled_data(s)
    return s, template, owners


def test_compiled_cache_balancer_and_timer_topic_pass_g004_and_g008():
    s, template, owners = cache_and_balancer()
    assert run(template, s, owners) == []


@pytest.mark.parametrize("fault, expected", [
    (lambda r: r["Cache"]["Properties"].pop("AuthToken"), [("G008", "Cache")]),
    (lambda r: r["Cache"]["Properties"].update(TransitEncryptionEnabled=False), [("G008", "Cache")]),
    (lambda r: r["LbHttpRedirect"]["Properties"].update(DefaultActions=[
        {"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1"}]),
     [("G008", "Lb")]),
    (lambda r: r["News"]["Properties"].pop("KmsMasterKeyId"), [("G004", "News")]),
])
def test_g004_and_g008_catch_seeded_faults(fault, expected):
    s, template, owners = cache_and_balancer()
    seeded = copy.deepcopy(template)
    fault(seeded["Resources"])
    assert run(seeded, s, owners) == expected


def test_g007_judges_raw_methods_too_and_only_in_production():
    s = _one_function()
    s.raw = {"Resources": {
        "RawApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "raw"}},
        "RawMethod": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "RawApi"}, "ResourceId": {"Fn::GetAtt": ["RawApi", "RootResourceId"]},
            "HttpMethod": "GET", "AuthorizationType": "NONE", "Integration": {"Type": "MOCK"}}}}}
    with pytest.warns(GovernanceWarning, match="G007"):
        result = compile_report(s, PROD)
    assert [(p.code, p.severity) for p in result.problems] == [("G007", "warning")]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GovernanceWarning)
        assert compile_report(s, DEV).problems == []


def _raw_body_api(security_of_get) -> dict:
    get = {"responses": {}, "x-amazon-apigateway-integration": {"type": "mock"}}
    if security_of_get is not None:
        get["security"] = security_of_get
    guarded = {"responses": {}, "security": [{"sigv4": []}], "x-amazon-apigateway-integration": {"type": "mock"}}
    return {"Resources": {"RawApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
        "openapi": "3.0.1", "info": {"title": "raw", "version": "1"},
        "paths": {"/a": {"get": get, "post": guarded, "options": {"responses": {}}}},
        "components": {"securitySchemes": {"sigv4": {
            "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}}}}}


@pytest.mark.parametrize("security, open_routes", [(None, 1), ([], 1), ([{}], 1), ([{"sigv4": []}], 0)])
def test_g007_judges_the_routes_of_an_openapi_body(security, open_routes):
    s = _one_function()
    s.raw = _raw_body_api(security)
    if not open_routes:
        with warnings.catch_warnings():
            warnings.simplefilter("error", GovernanceWarning)
            assert compile_report(s, PROD).problems == []
        return
    with pytest.warns(GovernanceWarning, match="G007"):
        result = compile_report(s, PROD)
    (problem,) = result.problems
    assert problem.code == "G007" and "1 route(s) without an authorizer" in problem.message  # OPTIONS is not judged
    assert "security requirement" in problem.message


# ---------------------------------------------------------------- optional outside sources
def test_cfn_lint_serverless_is_an_optional_advisory_source():
    pytest.importorskip("cfn_lint_serverless")
    from stackerynb.compile.governance import sources
    from stackerynb.examples import rate_limiting
    assert "cfn-lint-serverless" in sources.installed()
    with pytest.warns(GovernanceWarning):
        result = compile_report(rate_limiting(), PROD, rules=[sources.source("cfn-lint-serverless")])
    found = [p for p in result.problems if p.code == "cfn-lint-serverless"]
    assert found and all(p.severity == "warning" for p in found)  # advisory even in production
    assert any("ES6000" in p.message and p.node == "Jobs" for p in found)  # the dead-letter queue has no redrive
    with warnings.catch_warnings():  # not on by default: our own rules stay the default
        warnings.simplefilter("error", GovernanceWarning)
        compile_report(rate_limiting(), PROD)


def test_checkov_source_runs_the_checkov_program_when_there_is_one():
    import os
    import shutil
    from stackerynb.compile.governance import sources
    if not (os.environ.get("STACKERYNB_CHECKOV") or shutil.which("checkov")):
        pytest.skip("checkov is not installed (pipx install checkov; or STACKERYNB_CHECKOV=path)")
    s = Stack("ckv")
    s.add("queue", "Jobs")
    template, owners = compiled_data(s)
    template["Resources"]["Jobs"]["Properties"]["SqsManagedSseEnabled"] = False  # seeded: unencrypted queue
    problems = governance.run(template, s, PROD, owners, extra=[sources.source("checkov")])
    assert any(p.code == "checkov" and "CKV_AWS_27" in p.message and p.node == "Jobs" for p in problems)


def test_a_missing_source_says_how_to_install_it(monkeypatch):
    from stackerynb.compile.governance import sources
    monkeypatch.delenv("STACKERYNB_CHECKOV", raising=False)
    monkeypatch.setattr(sources.shutil, "which", lambda name: None)
    with pytest.raises(StackError, match="pipx install checkov"):
        sources.source("checkov")
    with pytest.raises(StackError, match="sources: cfn-lint-serverless, checkov"):
        sources.source("tfsec")

"""Every kind compiles alone to real, lint-clean resources a careful AWS engineer would sign off."""
from __future__ import annotations

import json
import warnings

import pytest

from stackerynb import Stack, StackError
from stackerynb.catalog import KIND_NAMES, kind as catalog_kind
from stackerynb.compile import GovernanceWarning, compile_report
from stackerynb.compile.emitters import EMITTERS
from stackerynb.model.environments import Environment

from test_compile_checks import lint, structure_problems

DEV = Environment(name="dev")
PROD = Environment(name="prod", production=True)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGt6cmV4YW1wbGVrZXlmb3J0ZXN0aW5nb25seQ alice@laptop"

# settings a kind needs to be meaningful on its own
SETTINGS = {
    "config_store": {"parameters": {"LogLevel": "info", "PageSize": 50}},
    "bastion": {"allowed_cidrs": ["203.0.113.0/24"], "users": {"alice": KEY}},
    "resource": {"type": "AWS::SQS::Queue", "properties": {"SqsManagedSseEnabled": True}},
}
# resource types each kind must produce (at least)
PRODUCES = {
    "function": {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Logs::LogGroup"},
    "rest_api": {"AWS::ApiGateway::RestApi"},
    "table": {"AWS::DynamoDB::Table"},
    "object_store": {"AWS::S3::Bucket", "AWS::S3::BucketPolicy"},
    "cdn": {"AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl", "AWS::S3::BucketPolicy"},
    "virtual_network": {"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway",
                        "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::VPCEndpoint"},
    "bastion": {"AWS::EC2::Instance", "AWS::EC2::SecurityGroup", "AWS::IAM::InstanceProfile"},
    "database": {"AWS::RDS::DBInstance", "AWS::RDS::DBSubnetGroup", "AWS::SecretsManager::Secret",
                 "AWS::EC2::SecurityGroup"},
    "docker_cluster": {"AWS::ECS::Cluster"},
    "docker_service": {"AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::Logs::LogGroup"},
    "load_balancer": {"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener"},
    "timer": {"AWS::Events::Rule"},
    "cache_cluster": {"AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::SubnetGroup"},
    "config_store": {"AWS::SSM::Parameter"},
    "secret": {"AWS::SecretsManager::Secret"},
    "queue": {"AWS::SQS::Queue"},
    "topic": {"AWS::SNS::Topic"},
    "stream": {"AWS::Kinesis::Stream"},
    "state_machine": {"AWS::StepFunctions::StateMachine", "AWS::IAM::Role"},
    "event_bus": {"AWS::Events::EventBus"},
    "http_api": {"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"},
    "resource": {"AWS::SQS::Queue"},
}


def alone(kind: str, **settings) -> Stack:
    """A stack holding one node of ``kind`` (called Node) and only what it cannot exist without."""
    s = Stack("only-" + kind.replace("_", "-"))
    network = None
    if catalog_kind(kind).network == "must":
        s.add("virtual_network", "Net")
        network = "Net"
    s.add(kind, "Node", network=network, **{**SETTINGS.get(kind, {}), **settings})
    if kind == "docker_service":
        s.add("docker_cluster", "Cluster")
        s.connect("Node", "Cluster")
    if kind == "cdn":
        s.add("object_store", "Origin")
        s.connect("Node", "Origin")
    return s


def compiled(stack, env=DEV):
    with warnings.catch_warnings():
        warnings.simplefilter("error", GovernanceWarning)
        result = compile_report(stack, env)
    return result, json.loads(result.to_json())


def resources_of(template, kind):
    return {lid: body.get("Properties", {}) for lid, body in template["Resources"].items() if body["Type"] == kind}


def test_every_catalogue_kind_has_an_emitter():
    assert set(EMITTERS) == set(KIND_NAMES)
    assert set(PRODUCES) == set(KIND_NAMES)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_alone_compiles_lints_clean_and_passes_governance(kind):
    result, template = compiled(alone(kind))
    types = {body["Type"] for body in template["Resources"].values()}
    assert PRODUCES[kind] <= types
    assert structure_problems(template) == []
    errors, _ = lint(result.to_json())
    assert errors == []
    assert result.problems == []


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_kind_alone_passes_production_governance(kind):
    result, _ = compiled(alone(kind), PROD)
    assert result.problems == []


# ---------------------------------------------------------------- function
def test_function_has_its_own_role_and_log_group_with_retention():
    result, t = compiled(alone("function", log_retention_days=14, memory=1024, reserved_concurrency=3,
                               environment={"MODE": "fast", "RETRIES": 3, "DEBUG": False}))
    fn = t["Resources"]["Node"]["Properties"]
    assert fn["Role"] == {"Fn::GetAtt": ["NodeRole", "Arn"]}
    assert fn["LoggingConfig"] == {"LogGroup": {"Ref": "NodeLogGroup"}}
    assert t["Resources"]["NodeLogGroup"]["Properties"]["RetentionInDays"] == 14
    assert (fn["MemorySize"], fn["ReservedConcurrentExecutions"]) == (1024, 3)
    assert fn["Environment"]["Variables"] == {"MODE": "fast", "RETRIES": "3", "DEBUG": "false"}
    trust = t["Resources"]["NodeRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": ["sts:AssumeRole"]}]
    # alone, its role may only write its own log group
    rows = result.permissions()
    assert rows["resources"].tolist() == [["${NodeLogGroup.Arn}"]]
    assert rows["actions"].tolist() == [["logs:CreateLogStream", "logs:PutLogEvents"]]


def test_function_without_code_gets_a_runnable_starter_handler():
    for runtime, needle in (("python3.12", "def handler(event, context)"), ("nodejs20.x", "exports.handler")):
        _, t = compiled(alone("function", runtime=runtime, handler="app.main"))
        props = t["Resources"]["Node"]["Properties"]
        assert needle in props["Code"]["ZipFile"] and props["Handler"] == "index.handler"
    _, t = compiled(alone("function"))
    namespace = {}
    exec(compile(t["Resources"]["Node"]["Properties"]["Code"]["ZipFile"], "index.py", "exec"), namespace)
    answer = namespace["handler"]({"path": "/"}, None)
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["received"] == "dict"


def test_function_code_comes_from_packaged_locations_when_given():
    s = alone("function", code="src/worker", handler="app.main")
    t = json.loads(compile_report(s, DEV, code_locations={"Node": ("artifacts", "orders/Node-abc.zip")}).to_json())
    props = t["Resources"]["Node"]["Properties"]
    assert props["Code"] == {"S3Bucket": "artifacts", "S3Key": "orders/Node-abc.zip"}
    assert props["Handler"] == "app.main"
    # not packaged yet: the bucket is a parameter and the folder is recorded for the packager
    t = json.loads(compile_report(s, DEV).to_json())
    assert t["Resources"]["Node"]["Properties"]["Code"]["S3Bucket"] == {"Ref": "ArtifactBucket"}
    assert t["Resources"]["Node"]["Metadata"] == {"stackerynb": {"code": "src/worker"}}


def test_function_in_a_network_gets_a_security_group_and_private_subnets():
    s = Stack("vpc-fn")
    s.add("virtual_network", "Net")
    s.add("function", "Node", network="Net")
    result, t = compiled(s)
    vpc = t["Resources"]["Node"]["Properties"]["VpcConfig"]
    assert vpc["SubnetIds"] == [{"Ref": "NetPrivateSubnet1"}, {"Ref": "NetPrivateSubnet2"}]
    assert vpc["SecurityGroupIds"] == [{"Fn::GetAtt": ["NodeSecurityGroup", "GroupId"]}]
    rows = result.permissions()
    star = rows[rows["resources"].apply(lambda r: r == ["*"])]
    assert len(star) == 1 and star["actions"].iloc[0] == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    # interface actions are scoped: the network's private subnets and the function's group,
    # and interfaces Lambda has yet to create only inside this network's VPC
    eni = rows[rows["actions"].apply(lambda a: "ec2:DeleteNetworkInterface" in a)].iloc[0]
    assert eni["resources"] == ["arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"]
    assert json.loads(eni["condition"]) == {
        "ArnEquals": {"ec2:Vpc": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${Net}"}}
    create = rows[rows["actions"].apply(lambda a: a == ["ec2:CreateNetworkInterface"])].iloc[0]
    assert [r.rsplit(":", 1)[1] for r in create["resources"]] == [
        "subnet/${NetPrivateSubnet1}", "subnet/${NetPrivateSubnet2}", "security-group/${NodeSecurityGroup.GroupId}"]
    assert lint(result.to_json())[0] == []


# ---------------------------------------------------------------- rest api
def api_operations(template, api="Api") -> dict[tuple[str, str], dict]:
    """``(METHOD, path) -> operation`` of the API's OpenAPI body (``ANY`` for API Gateway's any-method)."""
    body = template["Resources"][api]["Properties"]["Body"]
    return {("ANY" if m == "x-amazon-apigateway-any-method" else m.upper(), path): op
            for path, ops in body["paths"].items() for m, op in ops.items()}


def test_rest_api_routes_are_exact_lambda_proxies_in_the_api_body_with_a_stage():
    s = Stack("api")
    s.add("rest_api", "Api", stage="v1", routes={"Orders": "/orders/{id}"})
    s.add("function", "Orders")
    s.add("function", "Home")
    s.connect("Api", "Orders")
    s.connect("Api", "Home")
    result, t = compiled(s)
    # no resource per path segment or route: the routes live in the API's OpenAPI body
    assert not resources_of(t, "AWS::ApiGateway::Resource") and not resources_of(t, "AWS::ApiGateway::Method")
    body = t["Resources"]["Api"]["Properties"]["Body"]
    assert body["openapi"].startswith("3.")
    operations = api_operations(t)
    assert set(operations) == {("ANY", "/orders/{id}"), ("ANY", "/Home")}  # unset: /<function-id>; no {proxy+}
    for (_, path), operation in operations.items():
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST"
        function = "Orders" if path.startswith("/orders") else "Home"
        assert f"functions/${{{function}.Arn}}/invocations" in integration["uri"]["Fn::Sub"]
        assert "security" not in operation  # auth none
    assert operations[("ANY", "/orders/{id}")]["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    (deployment_id, deployment), = resources_of(t, "AWS::ApiGateway::Deployment").items()
    assert deployment["RestApiId"] == {"Ref": "Api"}
    assert t["Resources"]["ApiStage"]["Properties"]["StageName"] == "v1"
    assert t["Resources"]["ApiStage"]["Properties"]["DeploymentId"] == {"Ref": deployment_id}
    permissions = resources_of(t, "AWS::Lambda::Permission")
    # the invoke permission covers exactly the routes emitted: a path variable is one segment
    assert permissions["ApiToOrdersPermission"]["SourceArn"]["Fn::Sub"].endswith("${Api}/*/*/orders/*")
    assert permissions["ApiToHomePermission"]["SourceArn"]["Fn::Sub"].endswith("${Api}/*/*/Home")
    assert lint(result.to_json())[0] == []
    # a change of the body is a new deployment (CloudFormation redeploys only new logical ids)...
    for change in ({"routes": {"Orders": "/orders"}}, {"cors": True}, {"routes": {"Orders": "GET /orders/{id}"}}):
        s.set("Api", **change)
        _, changed = compiled(s)
        assert not set(resources_of(changed, "AWS::ApiGateway::Deployment")) & {deployment_id}, change
        deployment_id = next(iter(resources_of(changed, "AWS::ApiGateway::Deployment")))
    # ...and the same body the same deployment (no redeploy for an unrelated change)
    s.set("Orders", memory=512)
    _, same = compiled(s)
    assert set(resources_of(same, "AWS::ApiGateway::Deployment")) == {deployment_id}


def test_rest_api_methods_and_several_routes_per_function():
    s = Stack("api")
    s.add("rest_api", "Api", routes={"Orders": "GET /orders, POST /orders, DELETE /orders/{id}"})
    s.add("function", "Orders")
    s.connect("Api", "Orders")
    result, t = compiled(s)
    assert set(api_operations(t)) == {("GET", "/orders"), ("POST", "/orders"), ("DELETE", "/orders/{id}")}
    arns = sorted(p["SourceArn"]["Fn::Sub"].rsplit("${Api}", 1)[1]
                  for p in resources_of(t, "AWS::Lambda::Permission").values())
    assert arns == ["/*/DELETE/orders/*", "/*/GET/orders", "/*/POST/orders"]  # one permission per route, exact
    assert lint(result.to_json())[0] == []


@pytest.mark.parametrize("route, paths, pattern", [
    ("/orders/*", ["/orders", "/orders/{proxy+}"], "${Api}/*/*/orders*"),
    ("/*", ["/", "/{proxy+}"], "${Api}/*/*/*"),
    ("/", ["/"], "${Api}/*/*/"),
])
def test_a_greedy_route_also_answers_every_path_below_it(route, paths, pattern):
    s = Stack("api")
    s.add("rest_api", "Api", routes={"Orders": route})
    s.add("function", "Orders")
    s.connect("Api", "Orders")
    result, t = compiled(s)
    assert sorted(api_operations(t)) == [("ANY", p) for p in paths]
    if route.endswith("/*"):
        proxy = api_operations(t)[("ANY", paths[-1])]
        assert proxy["parameters"] == [{"name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert resources_of(t, "AWS::Lambda::Permission")["ApiToOrdersPermission"]["SourceArn"]["Fn::Sub"].endswith(pattern)
    assert lint(result.to_json())[0] == []


def test_rest_api_cors_answers_preflight_on_every_path():
    s = Stack("api")
    s.add("rest_api", "Api", cors=True, routes={"Fn": "/fn/*"})
    s.add("function", "Fn")
    s.connect("Api", "Fn")
    result, t = compiled(s)
    options = {path: op for (method, path), op in api_operations(t).items() if method == "OPTIONS"}
    assert set(options) == {"/fn", "/fn/{proxy+}"}
    for operation in options.values():
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock"
        headers = integration["responses"]["default"]["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == "'*'"
        assert set(operation["responses"]["200"]["headers"]) == {h.rsplit(".", 1)[1] for h in headers}
    assert lint(result.to_json())[0] == []


# ---------------------------------------------------------------- storage
def test_provisioned_table_scales_reads_and_writes():
    result, t = compiled(alone("table", billing="provisioned", read_capacity_min=2, read_capacity_max=40,
                               write_capacity_min=1, write_capacity_max=9, sort_key="at", sort_key_type="N"))
    table = t["Resources"]["Node"]["Properties"]
    assert table["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"] == {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1}
    assert [k["KeyType"] for k in table["KeySchema"]] == ["HASH", "RANGE"]
    targets = resources_of(t, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert {(p["ScalableDimension"], p["MinCapacity"], p["MaxCapacity"]) for p in targets.values()} == {
        ("dynamodb:table:ReadCapacityUnits", 2, 40), ("dynamodb:table:WriteCapacityUnits", 1, 9)}
    policies = resources_of(t, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert {p["ScalingTargetId"]["Ref"] for p in policies.values()} == set(targets)
    assert lint(result.to_json())[0] == []
    _, on_demand = compiled(alone("table"))
    assert on_demand["Resources"]["Node"]["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "StreamSpecification" not in on_demand["Resources"]["Node"]["Properties"]


def test_object_store_blocks_public_access_encrypts_and_refuses_plain_http():
    _, t = compiled(alone("object_store", versioning=True, expire_days=30))
    bucket = t["Resources"]["Node"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 30
    statements = t["Resources"]["NodePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Effect"] for s in statements] == ["Deny"]
    assert statements[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_public_read_object_store_lets_anyone_read_objects_only():
    result, t = compiled(alone("object_store", public_access="read", website=True))
    block = t["Resources"]["Node"]["Properties"]["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
                     "RestrictPublicBuckets": False}
    allow = [s for s in t["Resources"]["NodePolicy"]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow == [{"Sid": "PublicAccessReadLetsAnyoneReadObjects1", "Effect": "Allow", "Principal": "*",
                      "Action": ["s3:GetObject"], "Resource": [{"Fn::Sub": "${Node.Arn}/*"}]}]
    assert lint(result.to_json())[0] == []


def test_data_is_retained_in_production_and_deleted_elsewhere():
    for env, policy in ((DEV, "Delete"), (PROD, "Retain")):
        _, t = compiled(alone("table"), env)
        assert t["Resources"]["Node"]["DeletionPolicy"] == policy
    _, t = compiled(alone("database"), PROD)
    db = t["Resources"]["Node"]
    assert db["DeletionPolicy"] == "Snapshot" and db["Properties"]["DeletionProtection"] is True


# ---------------------------------------------------------------- network, database, cache
def test_network_spreads_public_and_private_subnets_over_zones():
    _, t = compiled(alone("virtual_network", cidr="10.8.0.0/20", availability_zones=3, nat="per_az"))
    subnets = resources_of(t, "AWS::EC2::Subnet")
    assert len(subnets) == 6
    cidrs = [p["CidrBlock"] for p in subnets.values()]
    assert len(set(cidrs)) == 6 and all(c.startswith("10.8.") and c.endswith("/23") for c in cidrs)
    zones = {lid: p["AvailabilityZone"]["Fn::Select"][0] for lid, p in subnets.items()}
    assert sorted(zones.values()) == [0, 0, 1, 1, 2, 2]
    public = {lid for lid, p in subnets.items() if p["MapPublicIpOnLaunch"]}
    assert public == {"NodePublicSubnet1", "NodePublicSubnet2", "NodePublicSubnet3"}
    assert len(resources_of(t, "AWS::EC2::NatGateway")) == 3
    _, single = compiled(alone("virtual_network"))
    assert len(resources_of(single, "AWS::EC2::NatGateway")) == 1
    _, none = compiled(alone("virtual_network", nat="none"))
    assert resources_of(none, "AWS::EC2::NatGateway") == {}


def test_database_is_private_encrypted_and_its_password_never_in_the_template():
    result, t = compiled(alone("database", engine="mysql"))
    db = t["Resources"]["Node"]["Properties"]
    assert db["PubliclyAccessible"] is False and db["StorageEncrypted"] is True
    assert db["MasterUserPassword"] == {"Fn::Sub": "{{resolve:secretsmanager:${NodeSecret}:SecretString:password}}"}
    assert "SecretString" not in t["Resources"]["NodeSecret"]["Properties"]
    group = t["Resources"]["NodeSubnetGroup"]["Properties"]["SubnetIds"]
    assert group == [{"Ref": "NetPrivateSubnet1"}, {"Ref": "NetPrivateSubnet2"}]
    assert db["Port"] == "3306"
    assert "SecurityGroupIngress" not in t["Resources"]["NodeSecurityGroup"]["Properties"]
    assert lint(result.to_json())[0] == []


def test_cache_cluster_sits_in_private_subnets_encrypted():
    _, t = compiled(alone("cache_cluster", replicas=1))
    cache = t["Resources"]["Node"]["Properties"]
    assert cache["AtRestEncryptionEnabled"] and cache["TransitEncryptionEnabled"]
    assert cache["NumCacheClusters"] == 2 and cache["AutomaticFailoverEnabled"] is True
    assert t["Resources"]["NodeSubnetGroup"]["Properties"]["SubnetIds"] == [
        {"Ref": "NetPrivateSubnet1"}, {"Ref": "NetPrivateSubnet2"}]


def test_docker_service_runs_on_fargate_in_private_subnets_with_separate_roles():
    _, t = compiled(alone("docker_service", cpu=512, memory=2048, environment={"MODE": "web"}))
    service = t["Resources"]["Node"]["Properties"]
    assert service["Cluster"] == {"Ref": "Cluster"} and service["LaunchType"] == "FARGATE"
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["Subnets"] == [{"Ref": "NetPrivateSubnet1"}, {"Ref": "NetPrivateSubnet2"}]
    task = t["Resources"]["NodeTaskDefinition"]["Properties"]
    assert (task["Cpu"], task["Memory"]) == ("512", "2048")
    assert task["TaskRoleArn"] == {"Fn::GetAtt": ["NodeTaskRole", "Arn"]}
    assert task["ExecutionRoleArn"] == {"Fn::GetAtt": ["NodeExecutionRole", "Arn"]}
    assert task["ContainerDefinitions"][0]["Environment"] == [{"Name": "MODE", "Value": "web"}]


def test_private_ecr_image_lets_only_the_execution_role_pull_that_repository():
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.2"
    result, _ = compiled(alone("docker_service", image=image))
    rows = result.permissions()
    pulls = rows[rows["purpose"] == "container_image_pull"]
    assert pulls["principal"].unique().tolist() == ["NodeExecutionRole"]
    assert pulls["resources"].tolist() == [["*"], [
        "arn:${AWS::Partition}:ecr:us-east-1:123456789012:repository/team/app"]]



@pytest.mark.parametrize("repository", ["*", "team/*", "app?", "Team/App"])
def test_an_ecr_image_naming_no_single_repository_is_refused(repository):
    image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:latest"
    with pytest.raises(StackError) as error:
        compile_report(alone("docker_service", image=image), DEV)
    assert [(p.node, p.setting) for p in error.value.problems] == [("Node", "image")]
    assert "ECR repository name" in str(error.value)

def test_bastion_lets_in_only_the_configured_addresses_and_users():
    result, t = compiled(alone("bastion", allowed_cidrs=["203.0.113.0/24", "2001:db8::/32"]))
    ingress = t["Resources"]["NodeSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert [(r.get("CidrIp") or r.get("CidrIpv6"), r["FromPort"], r["ToPort"]) for r in ingress] == [
        ("203.0.113.0/24", 22, 22), ("2001:db8::/32", 22, 22)]
    instance = t["Resources"]["Node"]["Properties"]
    assert instance["SubnetId"] == {"Ref": "NetPublicSubnet1"}
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    assert "add_user 'alice' '" + KEY + "'" in instance["UserData"]["Fn::Base64"]
    _, closed = compiled(alone("bastion", allowed_cidrs=[]))
    assert "SecurityGroupIngress" not in closed["Resources"]["NodeSecurityGroup"]["Properties"]


def test_load_balancer_alone_answers_404_from_public_subnets():
    _, t = compiled(alone("load_balancer", listener_port=8080))
    lb = t["Resources"]["Node"]["Properties"]
    assert lb["Subnets"] == [{"Ref": "NetPublicSubnet1"}, {"Ref": "NetPublicSubnet2"}]
    action = t["Resources"]["NodeListener"]["Properties"]["DefaultActions"][0]
    assert action["Type"] == "fixed-response" and action["FixedResponseConfig"]["StatusCode"] == "404"
    assert t["Outputs"]["NodeUrl"]["Value"] == {"Fn::Sub": "http://${Node.DNSName}:8080"}


# ---------------------------------------------------------------- messaging & config
def test_queue_dead_letter_and_fifo_names():
    _, t = compiled(alone("queue", dead_letter=True, max_receives=3, fifo=True))
    queue = t["Resources"]["Node"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["NodeDeadLetter", "Arn"]},
                                      "maxReceiveCount": 3}
    assert queue["QueueName"].endswith(".fifo") and "only-queue-dev-Node" in queue["QueueName"]
    assert t["Resources"]["NodeDeadLetter"]["Properties"]["QueueName"].endswith("-dlq.fifo")
    assert list(t["Resources"]).index("NodeDeadLetter") < list(t["Resources"]).index("Node")


def test_config_store_parameters_are_per_environment():
    s = alone("config_store", parameters={"LogLevel": "info", "Url": "https://${Domain}/api"})
    test_env = Environment(name="test", parameters={"Domain": "test.example.com"},
                           config={"Node": {"LogLevel": "debug"}})
    _, t = compiled(s, test_env)
    values = {p["Name"]: p["Value"] for p in resources_of(t, "AWS::SSM::Parameter").values()}
    assert values == {"/only-config-store/test/Node/LogLevel": "debug",
                      "/only-config-store/test/Node/Url": "https://test.example.com/api"}
    with pytest.raises(StackError) as error:  # dev does not define Domain
        compiled(s)
    assert [(p.node, p.setting) for p in error.value.problems] == [("Node", "parameters")]
    assert "${Domain}" in str(error.value) and "environment dev" in str(error.value)
    _, literal = compiled(alone("config_store", parameters={"Template": "Hello $${name}"}))
    # CloudFormation writes ${!name} inside Fn::Sub as ${name}; a plain string would fail cfn-lint (E1029)
    assert [p["Value"] for p in resources_of(literal, "AWS::SSM::Parameter").values()] == [{"Fn::Sub": "Hello ${!name}"}]


def test_secret_value_is_generated_never_written():
    _, t = compiled(alone("secret", length=48, description="API key of the payment provider"))
    props = t["Resources"]["Node"]["Properties"]
    assert props["GenerateSecretString"] == {"PasswordLength": 48}
    assert "SecretString" not in props
    _, empty = compiled(alone("secret", generate=False))
    assert set(empty["Resources"]["Node"]["Properties"]) == {"Description"}


def test_timer_and_stream_and_topic_are_encrypted_or_scheduled():
    _, t = compiled(alone("timer", schedule="cron(0 3 * * ? *)", enabled=False))
    rule = t["Resources"]["Node"]["Properties"]
    assert (rule["ScheduleExpression"], rule["State"]) == ("cron(0 3 * * ? *)", "DISABLED")
    _, t = compiled(alone("stream", shards=3))
    assert t["Resources"]["Node"]["Properties"]["StreamEncryption"]["EncryptionType"] == "KMS"
    _, t = compiled(alone("topic"))
    assert t["Resources"]["Node"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"


# ---------------------------------------------------------------- who may call, who may read
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f6c1d2e-1111-2222-3333-444455556666"
USER_POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"


def api_with(auth: str, **settings) -> Stack:
    s = Stack("authed")
    s.add("rest_api", "Api", auth=auth, cors=True, **settings)
    s.add("function", "Orders")
    s.add("function", "Gate")
    s.connect("Api", "Orders")
    return s


@pytest.mark.parametrize("auth, settings, expected", [
    ("none", {}, None), ("iam", {}, "awsSigv4"),
    ("cognito", {"user_pool_arn": USER_POOL}, "cognito_user_pools"), ("lambda", {"authorizer": "Gate"}, "custom")])
def test_rest_api_auth_guards_every_route_but_preflight(auth, settings, expected):
    result, t = compiled(api_with(auth, **settings))
    operations = api_operations(t)
    routes = [op for (method, _), op in operations.items() if method == "ANY"]
    preflights = [op for (method, _), op in operations.items() if method == "OPTIONS"]
    assert len(routes) == 1 and len(preflights) == 1
    assert all("security" not in op for op in preflights)  # a browser's preflight carries no credentials
    schemes = t["Resources"]["Api"]["Properties"]["Body"].get("components", {}).get("securitySchemes", {})
    assert not resources_of(t, "AWS::ApiGateway::Authorizer")  # the body's import makes the authorizer
    if expected is None:
        assert "security" not in routes[0] and schemes == {}
        return
    (requirement,) = routes[0]["security"]
    (scheme_name,) = requirement
    assert set(schemes) == {scheme_name}
    scheme = schemes[scheme_name]
    assert scheme["x-amazon-apigateway-authtype"] == expected
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    authorizer = scheme.get("x-amazon-apigateway-authorizer")
    if auth == "cognito":
        assert authorizer == {"type": "cognito_user_pools", "providerARNs": [USER_POOL]}
    if auth == "lambda":
        assert authorizer["type"] == "token" and "Gate.Arn" in authorizer["authorizerUri"]["Fn::Sub"]
        permission = t["Resources"]["ApiAuthorizerPermission"]["Properties"]
        assert permission["FunctionName"] == {"Fn::GetAtt": ["Gate", "Arn"]}
        assert permission["SourceArn"]["Fn::Sub"].endswith(":${Api}/authorizers/*")
    assert lint(result.to_json())[0] == []


@pytest.mark.parametrize("auth, settings, setting", [
    ("cognito", {}, "user_pool_arn"), ("lambda", {}, "authorizer"), ("lambda", {"authorizer": "Nobody"}, "authorizer"),
    ("iam", {"user_pool_arn": USER_POOL}, "user_pool_arn"), ("none", {"authorizer": "Gate"}, "authorizer")])
def test_rest_api_auth_settings_that_do_not_fit_are_named(auth, settings, setting):
    with pytest.raises(StackError) as error:
        compile_report(api_with(auth, **settings), DEV)
    assert [(p.node, p.setting) for p in error.value.problems] == [("Api", setting)]


def test_open_api_warns_in_production_without_blocking():
    with pytest.warns(GovernanceWarning, match="G007"):
        result = compile_report(api_with("none"), PROD)
    assert [(p.node, p.setting, p.code, p.severity) for p in result.problems] == [("Api", "auth", "G007", "warning")]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GovernanceWarning)
        compile_report(api_with("none"), DEV)
        compile_report(api_with("iam"), PROD)


def test_cache_cluster_requires_tls_and_an_auth_token_from_a_secret():
    s = alone("cache_cluster")
    s.add("function", "Client", network="Net")
    s.connect("Client", "Node")
    result, t = compiled(s)
    cache = t["Resources"]["Node"]["Properties"]
    assert cache["TransitEncryptionMode"] == "required"
    assert cache["AuthToken"] == {"Fn::Sub": "{{resolve:secretsmanager:${NodeAuthToken}:SecretString}}"}
    token = t["Resources"]["NodeAuthToken"]["Properties"]["GenerateSecretString"]
    assert token["PasswordLength"] == 64 and token["ExcludePunctuation"] is True
    rows = result.permissions()
    (reads,) = rows[rows["wire"] == "Client -> Node"].itertuples()
    assert reads.actions == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert reads.resources == ["${NodeAuthToken}"]
    assert t["Resources"]["Client"]["Properties"]["Environment"]["Variables"]["NODE_SECRET_ARN"] == {"Ref": "NodeAuthToken"}
    assert lint(result.to_json())[0] == []


@pytest.mark.parametrize("port, https", [(80, 443), (443, 443), (8443, 8443)])
def test_load_balancer_with_a_certificate_serves_https_and_only_redirects_http(port, https):
    result, t = compiled(alone("load_balancer", certificate_arn=CERTIFICATE, listener_port=port))
    listeners = {p["Protocol"]: p for p in resources_of(t, "AWS::ElasticLoadBalancingV2::Listener").values()}
    assert set(listeners) == {"HTTP", "HTTPS"}
    assert listeners["HTTPS"]["Port"] == https and listeners["HTTPS"]["Certificates"] == [{"CertificateArn": CERTIFICATE}]
    (redirect,) = listeners["HTTP"]["DefaultActions"]
    assert listeners["HTTP"]["Port"] == 80 and redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"] == {"Protocol": "HTTPS", "Port": str(https), "StatusCode": "HTTP_301"}
    ingress = t["Resources"]["NodeSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert sorted(r["FromPort"] for r in ingress) == sorted({80, https})
    assert t["Outputs"]["NodeUrl"]["Value"]["Fn::Sub"].startswith("https://")
    assert lint(result.to_json())[0] == []


def test_timer_fed_topic_is_encrypted_with_a_key_eventbridge_and_publishers_may_use():
    s = Stack("ticks")
    s.add("timer", "Tick")
    s.add("topic", "News")
    s.add("function", "Writer")
    s.connect("Tick", "News")
    s.connect("Writer", "News")
    result, t = compiled(s)
    assert t["Resources"]["News"]["Properties"]["KmsMasterKeyId"] == {"Ref": "NewsKey"}
    key = t["Resources"]["NewsKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    services = [st["Principal"].get("Service") for st in key["KeyPolicy"]["Statement"]]
    assert "events.amazonaws.com" in services
    rows = result.permissions()
    uses = rows[rows["actions"].apply(lambda a: "kms:GenerateDataKey*" in a)]
    assert uses["principal"].tolist() == ["WriterRole"] and uses["resources"].tolist() == [["${NewsKey.Arn}"]]
    assert lint(result.to_json())[0] == []

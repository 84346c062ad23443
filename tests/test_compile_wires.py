"""Every supported wire compiles to what its profile says, scoped to its target, lint-clean."""
from __future__ import annotations

import json

import pytest

from stackerynb import Stack
from stackerynb.catalog import kind as catalog_kind, wire_pairs, wire_profile
from stackerynb.compile import compile_report
from stackerynb.compile.names import env_prefix
from stackerynb.model.environments import Environment

from test_compile_checks import lint, statements_outside_target, structure_problems

DEV = Environment(name="dev")
# resource types (or properties) that show an event was wired, per profile event name
EVENT_EVIDENCE = {
    "api_route": "AWS::ApiGateway::RestApi",  # its OpenAPI body routes to the function (checked below)
    "event_source_mapping": "AWS::Lambda::EventSourceMapping",
    "subscription": "AWS::SNS::Subscription",
    "load_balancer_target": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "bus_rule": "AWS::Events::Rule",
    "http_route": "AWS::ApiGatewayV2::Route",
}
POLICY_EVIDENCE = {
    "lambda_permission": "AWS::Lambda::Permission",
    "queue_policy": "AWS::SQS::QueuePolicy",
    "topic_policy": "AWS::SNS::TopicPolicy",
    "bucket_policy": "AWS::S3::BucketPolicy",
    "events_role": "AWS::IAM::Role",
}


SAMPLE_TYPE = "AWS::SQS::Queue"  # the type of a resource node in a pair stack


def pair_stack(source_kind: str, target_kind: str) -> Stack:
    """The smallest valid stack holding the wire Source -> Target."""
    s = Stack("wire-" + f"{source_kind}-{target_kind}".replace("_", "-")[:34])
    kinds = {"Source": source_kind, "Target": target_kind}
    in_network = any(catalog_kind(k).network == "must" for k in kinds.values())
    if in_network:
        s.add("virtual_network", "Net")
    for node_id, kind in kinds.items():
        settings = {"allowed_cidrs": ["198.51.100.0/24"]} if kind == "bastion" else {}
        if kind == "config_store":
            settings = {"parameters": {"Greeting": "hello"}}
        if kind == "resource":
            settings = {"type": SAMPLE_TYPE}
        placed = in_network and catalog_kind(kind).network != "none"
        s.add(kind, node_id, network="Net" if placed else None, **settings)
    s.connect("Source", "Target")
    for node_id, kind in kinds.items():
        if kind == "docker_service" and target_kind != "docker_cluster":
            s.add("docker_cluster", f"{node_id}Cluster")
            s.connect(node_id, f"{node_id}Cluster")
        if kind == "cdn" and target_kind != "object_store":
            s.add("object_store", f"{node_id}Origin")
            s.connect(node_id, f"{node_id}Origin")
    return s


def resources_of(template, kind):
    return {lid: b.get("Properties", {}) for lid, b in template["Resources"].items() if b["Type"] == kind}


@pytest.mark.parametrize("source_kind, target_kind", wire_pairs(), ids=[f"{s}->{t}" for s, t in wire_pairs()])
def test_every_wire_pair_does_what_its_profile_says(source_kind, target_kind):
    profile = wire_profile(source_kind, target_kind)
    result = compile_report(pair_stack(source_kind, target_kind), DEV)
    template = json.loads(result.to_json())
    assert structure_problems(template) == []
    assert statements_outside_target(result) == []
    assert result.problems == []
    assert lint(result.to_json())[0] == []

    rows = result.permissions()
    wired = rows[(rows["wire"] == "Source -> Target") & (rows["kind"] == "identity")]
    expected_actions = [list(st.actions) for st in profile.statements()]
    if profile.iam == "service_reference":  # AWS's reference says what each level grants
        from stackerynb.cfn.iam_resources import level_actions
        expected_actions = [[a for level in profile.default_access for a in level_actions(SAMPLE_TYPE, level)]]
        assert "sqs:ReceiveMessage" in expected_actions[0] and "sqs:SendMessage" not in expected_actions[0]
    assert wired["actions"].tolist() == expected_actions
    principal = "Target" if profile.principal == "target" else "Source"
    assert set(wired["node"]) <= {principal}

    if profile.env and catalog_kind(source_kind).name in ("function", "docker_service"):
        variables = _variables(template, source_kind)
        assert {f"TARGET_{suffix}" for suffix in profile.env} <= set(variables)
    if profile.event in EVENT_EVIDENCE:
        assert resources_of(template, EVENT_EVIDENCE[profile.event])
        if profile.event == "api_route":
            (api,) = resources_of(template, "AWS::ApiGateway::RestApi").values()
            assert "${Target.Arn}" in json.dumps(api["Body"]["paths"])
    if profile.resource_policy:
        policies = resources_of(template, POLICY_EVIDENCE[profile.resource_policy])
        assert policies, profile.resource_policy
    if profile.network:
        ingress = resources_of(template, "AWS::EC2::SecurityGroupIngress")["SourceToTargetIngress"]
        assert ingress["SourceSecurityGroupId"] == {"Fn::GetAtt": ["SourceSecurityGroup", "GroupId"]}
        assert ingress["GroupId"] == {"Fn::GetAtt": ["TargetSecurityGroup", "GroupId"]}
        assert ingress["FromPort"] == ingress["ToPort"]


def _variables(template, source_kind):
    if source_kind == "function":
        return template["Resources"]["Source"]["Properties"]["Environment"]["Variables"]
    containers = template["Resources"]["SourceTaskDefinition"]["Properties"]["ContainerDefinitions"]
    return {pair["Name"]: pair["Value"] for pair in containers[0]["Environment"]}


def test_function_to_table_grants_table_and_index_arns_and_names_it():
    s = Stack("orders")
    s.add("function", "GetOrder")
    s.add("table", "OrderItems")
    s.connect("GetOrder", "OrderItems", access="read")
    result = compile_report(s, DEV)
    rows = result.permissions()
    row = rows[rows["wire"] == "GetOrder -> OrderItems"].iloc[0]
    assert row["resources"] == ["${OrderItems.Arn}", "${OrderItems.Arn}/index/*"]
    assert row["principal"] == "GetOrderRole"
    assert "dynamodb:PutItem" not in row["actions"] and "dynamodb:GetItem" in row["actions"]
    variables = json.loads(result.to_json())["Resources"]["GetOrder"]["Properties"]["Environment"]["Variables"]
    assert variables == {"ORDER_ITEMS_NAME": {"Ref": "OrderItems"},
                         "ORDER_ITEMS_ARN": {"Fn::GetAtt": ["OrderItems", "Arn"]}}
    assert env_prefix("OrderItems") == "ORDER_ITEMS"


def test_function_to_database_opens_only_the_database_port_from_the_function():
    s = Stack("db")
    s.add("virtual_network", "Net")
    s.add("database", "Db", network="Net", engine="postgres")
    s.add("function", "Reader", network="Net")
    s.add("function", "Other", network="Net")
    s.connect("Reader", "Db")
    template = json.loads(compile_report(s, DEV).to_json())
    ingress = resources_of(template, "AWS::EC2::SecurityGroupIngress")
    assert list(ingress) == ["ReaderToDbIngress"]
    rule = ingress["ReaderToDbIngress"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 5432, 5432)
    assert "CidrIp" not in rule
    variables = template["Resources"]["Reader"]["Properties"]["Environment"]["Variables"]
    assert variables["DB_SECRET_ARN"] == {"Ref": "DbSecret"}
    assert variables["DB_HOST"] == {"Fn::GetAtt": ["Db", "Endpoint.Address"]}
    assert "Environment" not in template["Resources"]["Other"]["Properties"]


def test_topic_to_queue_policy_lets_only_that_topic_send():
    s = Stack("fanout")
    s.add("topic", "Events")
    s.add("queue", "Inbox")
    s.add("queue", "Audit")
    s.connect("Events", "Inbox")
    s.connect("Events", "Audit")
    template = json.loads(compile_report(s, DEV).to_json())
    for queue in ("Inbox", "Audit"):
        (statement,) = template["Resources"][f"{queue}Policy"]["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
        assert statement["Action"] == ["sqs:SendMessage"]
        assert statement["Resource"] == [{"Fn::GetAtt": [queue, "Arn"]}]
        assert statement["Condition"] == {"ArnLike": {"aws:SourceArn": {"Ref": "Events"}}}
        subscription = template["Resources"][f"EventsTo{queue}Subscription"]["Properties"]
        assert subscription["Endpoint"] == {"Fn::GetAtt": [queue, "Arn"]} and subscription["RawMessageDelivery"]


def test_table_stream_turns_on_when_a_function_listens():
    s = Stack("streams")
    s.add("table", "Orders")
    s.add("function", "OnChange")
    s.connect("Orders", "OnChange")
    result = compile_report(s, DEV)
    template = json.loads(result.to_json())
    assert template["Resources"]["Orders"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    mapping = template["Resources"]["OrdersToOnChangeMapping"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["Orders", "StreamArn"]}
    rows = result.permissions()
    consume = rows[rows["wire"] == "Orders -> OnChange"].iloc[0]
    assert consume["principal"] == "OnChangeRole" and consume["resources"] == ["${Orders.StreamArn}"]


def test_bucket_notification_waits_for_its_permission_which_names_the_bucket_in_advance():
    s = Stack("uploads")
    s.add("object_store", "Uploads")
    s.add("function", "Thumbnail")
    s.connect("Uploads", "Thumbnail")
    s.add("object_store", "Thumbs")
    s.connect("Thumbnail", "Thumbs", access="write")
    result = compile_report(s, DEV)
    template = json.loads(result.to_json())
    bucket = template["Resources"]["Uploads"]
    assert bucket["DependsOn"] == ["UploadsToThumbnailPermission"]
    permission = template["Resources"]["UploadsToThumbnailPermission"]["Properties"]
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission["SourceArn"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::" + bucket["Properties"]["BucketName"]["Fn::Sub"]}
    assert lint(result.to_json())[0] == []


def test_load_balancer_routes_each_extra_target_by_path():
    s = Stack("web")
    s.add("virtual_network", "Net")
    s.add("load_balancer", "Web", network="Net")
    s.add("docker_cluster", "Cluster")
    s.add("docker_service", "Site", network="Net", port=8080)
    s.add("function", "Hook", network="Net")
    s.connect("Site", "Cluster")
    s.connect("Web", "Site")
    s.connect("Web", "Hook")
    result = compile_report(s, DEV)
    template = json.loads(result.to_json())
    listener = template["Resources"]["WebListener"]["Properties"]
    assert listener["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "WebSiteTargets"}}]
    rule = template["Resources"]["WebHookRule"]["Properties"]
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/hook", "/hook/*"]
    assert template["Resources"]["Site"]["DependsOn"] == ["WebListener"]
    assert template["Resources"]["Site"]["Properties"]["LoadBalancers"][0]["ContainerPort"] == 8080
    ingress = template["Resources"]["WebToSiteIngress"]["Properties"]
    assert (ingress["FromPort"], ingress["SourceSecurityGroupId"]) == (8080, {"Fn::GetAtt": ["WebSecurityGroup", "GroupId"]})
    assert template["Resources"]["WebHookTargets"]["DependsOn"] == ["WebToHookPermission"]
    assert lint(result.to_json())[0] == []


def test_cdn_bucket_policy_lets_only_that_distribution_read():
    s = Stack("site")
    s.add("object_store", "Site")
    s.add("cdn", "Edge", domain_name="www.example.com")
    s.connect("Edge", "Site")
    result = compile_report(s, DEV)
    template = json.loads(result.to_json())
    allow = [st for st in template["Resources"]["SitePolicy"]["Properties"]["PolicyDocument"]["Statement"]
             if st["Effect"] == "Allow"]
    assert allow == [{"Sid": "EdgeToSite1", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                      "Action": ["s3:GetObject"], "Resource": [{"Fn::Sub": "${Site.Arn}/*"}],
                      "Condition": {"StringEquals": {"AWS:SourceArn": {
                          "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Edge}"}}}}]
    config = template["Resources"]["Edge"]["Properties"]["DistributionConfig"]
    assert config["Origins"][0]["OriginAccessControlId"] == {"Fn::GetAtt": ["EdgeOriginAccess", "Id"]}
    assert config["Aliases"] == ["www.example.com"]
    assert config["ViewerCertificate"]["AcmCertificateArn"] == {"Ref": "EdgeCertificate"}
    assert template["Resources"]["EdgeCertificate"]["Properties"]["ValidationMethod"] == "DNS"
    assert lint(result.to_json())[0] == []


def test_timer_targets_queue_and_function_with_their_permissions():
    s = Stack("tick")
    s.add("timer", "Tick", payload='{"job": "sweep"}')
    s.add("function", "Sweep")
    s.add("queue", "Later", fifo=True)
    s.connect("Tick", "Sweep")
    s.connect("Tick", "Later")
    result = compile_report(s, DEV)
    template = json.loads(result.to_json())
    targets = template["Resources"]["Tick"]["Properties"]["Targets"]
    assert [t["Arn"] for t in targets] == [{"Fn::GetAtt": ["Sweep", "Arn"]}, {"Fn::GetAtt": ["Later", "Arn"]}]
    assert targets[1]["SqsParameters"] == {"MessageGroupId": "Tick"} and targets[0]["Input"] == '{"job": "sweep"}'
    assert template["Resources"]["TickToSweepPermission"]["Properties"]["SourceArn"] == {"Fn::GetAtt": ["Tick", "Arn"]}
    (statement,) = template["Resources"]["LaterPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert lint(result.to_json())[0] == []


def test_bastion_reads_users_from_a_wired_config_store():
    s = Stack("jump")
    s.add("virtual_network", "Net")
    s.add("bastion", "Jump", network="Net", allowed_cidrs=["198.51.100.7/32"])
    s.add("config_store", "People", parameters={"bob": "ssh-ed25519 AAAAC3Nza bob@home"})
    s.add("database", "Db", network="Net")
    s.connect("Jump", "People")
    s.connect("Jump", "Db")
    result = compile_report(s, DEV)
    template = json.loads(result.to_json())
    script = template["Resources"]["Jump"]["Properties"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    assert "--path '/jump/dev/People'" in script and 'add_user "${!name##*/}" "$key"' in script
    rows = result.permissions()
    assert rows[rows["wire"] == "Jump -> People"]["principal"].tolist() == ["JumpRole"]
    assert template["Resources"]["JumpToDbIngress"]["Properties"]["FromPort"] == 5432

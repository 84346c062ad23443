"""Importing templates: resources become nodes with their settings, relationships become wires,
and whatever cannot be a node stays raw, untouched, with the reason in the report."""
import pytest

from stackerynb import StackError
from stackerynb.importing import import_template, import_text
from stackerynb.importing.ids import node_id_for, stack_name_for

SAM = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"


def imported(body: str, **kw):
    return import_text(SAM + body, **kw)


def row(report, resource):
    return report.set_index("resource").loc[resource]


def kept(stack, lid):
    """What the import kept verbatim for ``lid``: its ``resource`` node's template body (type,
    properties, attributes), or its entry in ``stack.raw``."""
    if lid in stack and stack.node(lid).kind == "resource":
        node = stack.node(lid)
        body = {"Type": node.get("type")}
        if node.get("properties"):
            body["Properties"] = dict(node.get("properties"))
        body.update(node.get("attributes") or {})
        return body
    return stack.raw["Resources"][lid]


def curated(stack, lid):
    """True when ``lid`` became a node of a curated kind (not a verbatim ``resource`` node)."""
    return lid in stack and stack.node(lid).kind != "resource"


def wires(stack):
    return {(w.source, w.target): w.access for w in stack.wires}


def test_function_settings_and_globals():
    stack, report = imported("""
Globals:
  Function:
    Runtime: python3.12
    MemorySize: 512
    Environment: {Variables: {LOG_LEVEL: info}}
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src/worker/
      Timeout: 20
      Architectures: [arm64]
      FunctionName: my-worker
      Environment: {Variables: {MODE: fast}}
  Quick:
    Type: AWS::Serverless::Function
    Properties: {Handler: q.handler, CodeUri: src/q/, MemorySize: 1024}
""")
    worker = stack.node("Worker")
    assert dict(worker.settings) == {"runtime": "python3.12", "handler": "app.handler", "code": "src/worker/",
                                     "memory": 512, "timeout": 20, "architecture": "arm64",
                                     "environment": {"LOG_LEVEL": "info", "MODE": "fast"},
                                     "properties": {"FunctionName": "my-worker"}}  # the physical name is kept
    quick = stack.node("Quick")
    assert quick.get("memory") == 1024  # the resource's own value wins over Globals
    assert quick.get("timeout") == 3  # SAM's default, not the catalogue's 30
    assert set(report.outcome) == {"node"}
    assert stack.problems() == []


def test_runtimes_the_catalogue_lacks():
    stack, report = imported("""
Resources:
  Newer:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.99}
  Gone:
    Type: AWS::Serverless::Function
    Properties: {Handler: main, CodeUri: b/, Runtime: go1.x}
""")
    assert stack.node("Newer").get("runtime") == "python3.14"  # the newest the catalogue offers
    assert "runtime python3.99 is not offered" in row(report, "Newer").notes
    assert not curated(stack, "Gone")
    assert row(report, "Gone").kind == "resource" and "go1.x" in row(report, "Gone").reason
    assert kept(stack, "Gone")["Properties"]["Runtime"] == "go1.x"


def test_what_a_function_node_cannot_carry_stays_raw_untouched():
    stack, report = imported("""
Resources:
  Layered:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12, Unheard: [x]}
    Metadata: {Owner: me}
""")
    assert not any(curated(stack, n.id) for n in stack.nodes)
    assert "Unheard cannot be carried" in row(report, "Layered").reason
    assert kept(stack, "Layered")["Properties"]["Unheard"] == ["x"]
    assert kept(stack, "Layered")["Metadata"] == {"Owner": "me"}


def test_tables_keys_billing_and_streams():
    stack, _ = imported("""
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: sk, AttributeType: N}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Fixed:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ProvisionedThroughput: {ReadCapacityUnits: 7, WriteCapacityUnits: 3}
  Simple:
    Type: AWS::Serverless::SimpleTable
    Properties: {PrimaryKey: {Name: userId, Type: Number}}
""")
    orders = stack.node("Orders")
    assert (orders.get("partition_key"), orders.get("sort_key"), orders.get("sort_key_type"),
            orders.get("billing"), orders.get("stream")) == ("pk", "sk", "N", "on_demand", "NEW_IMAGE")
    fixed = stack.node("Fixed")
    assert (fixed.get("billing"), fixed.get("read_capacity_min"), fixed.get("read_capacity_max"),
            fixed.get("write_capacity_max"), fixed.get("stream"), fixed.get("point_in_time_recovery")) == (
        "provisioned", 7, 7, 3, "off", False)
    simple = stack.node("Simple")
    assert (simple.get("partition_key"), simple.get("partition_key_type"), simple.get("billing")) == ("userId", "N", "on_demand")


def test_event_sources_become_wires_with_their_settings():
    stack, report = imported("""
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 2}
  Uploads:
    Type: AWS::S3::Bucket
  News:
    Type: AWS::SNS::Topic
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: nodejs20.x
      Events:
        FromQueue: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5}}
        FromStream: {Type: Kinesis, Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: TRIM_HORIZON, BatchSize: 50}}
        FromBucket: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}}
        FromTopic: {Type: SNS, Properties: {Topic: !Ref News}}
        Nightly: {Type: Schedule, Properties: {Schedule: "cron(0 3 * * ? *)", Input: '{"full": true}'}}
""")
    assert set(wires(stack)) == {("Jobs", "Worker"), ("Clicks", "Worker"), ("Uploads", "Worker"),
                                 ("News", "Worker"), ("WorkerNightly", "Worker")}
    assert stack.node("Jobs").get("batch_size") == 5
    assert (stack.node("Clicks").get("batch_size"), stack.node("Clicks").get("starting_position")) == (50, "TRIM_HORIZON")
    timer = stack.node("WorkerNightly")
    assert (timer.kind, timer.get("schedule"), timer.get("payload")) == ("timer", "cron(0 3 * * ? *)", '{"full": true}')
    assert row(report, "Worker.Events.Nightly").outcome == "node"
    assert stack.problems() == []


def test_event_options_a_wire_cannot_express_keep_the_function_raw():
    stack, report = imported("""
Resources:
  Jobs: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  Failed: {Type: AWS::SQS::Queue}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Events:
        FromStream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Jobs.Arn
            StartingPosition: LATEST
            DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}}
""")
    assert not curated(stack, "Worker") and "Jobs" in stack
    assert "DestinationConfig cannot be carried" in row(report, "Worker").reason
    # the function kept as written still points at the stream node, whose compiled resource keeps the id
    assert kept(stack, "Worker")["Properties"]["Events"]["FromStream"]["Properties"]["Stream"] == {
        "Fn::GetAtt": ["Jobs", "Arn"]}


def test_event_pattern_rules_are_kept_as_raw_rules_aimed_at_the_node():
    stack, report = imported("""
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Events:
        Orders: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop]}}}
""")
    assert "Worker" in stack
    rule = kept(stack, "WorkerOrders")
    assert rule["Type"] == "AWS::Events::Rule" and rule["Properties"]["EventPattern"] == {"source": ["shop"]}
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["Worker", "Arn"]}
    permission = kept(stack, "WorkerOrdersPermission")["Properties"]
    assert permission["FunctionName"] == {"Ref": "Worker"} and permission["Principal"] == "events.amazonaws.com"


API = """
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1, Cors: "'*'"}
  ListOrders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Events:
        List: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /orders, Method: get}}
        One: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/orders/{id}", Method: get}}
  Health:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Events:
        Ping: {Type: Api, Properties: {Path: /health, Method: any}}
"""


def body_operations(resources: dict, api: str | None = None) -> list[tuple[str, str, str]]:
    """``(METHOD, path, integration uri text)`` of the operations in the compiled RestApis'
    OpenAPI bodies (the kit writes its routes there), CORS preflights left out."""
    found = []
    for lid, r in resources.items():
        if r["Type"] != "AWS::ApiGateway::RestApi" or (api and lid != api):
            continue
        for path, operations in (r["Properties"].get("Body") or {}).get("paths", {}).items():
            for key, op in operations.items():
                if key != "options":
                    uri = op["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
                    found.append(("ANY" if key.startswith("x-") else key.upper(), path, uri))
    return sorted(found)


def test_api_events_become_routes_explicit_and_implicit():
    stack, report = imported(API)
    api = stack.node("Api")
    assert (api.get("stage"), api.get("cors"), api.get("routes")) == (
        "v1", True, {"ListOrders": "GET /orders, GET /orders/{id}"})  # exactly the events' methods and paths
    implicit = stack.node("ServerlessRestApi")
    assert (implicit.get("stage"), implicit.get("routes")) == ("Prod", {"Health": "/health"})
    assert set(wires(stack)) == {("Api", "ListOrders"), ("ServerlessRestApi", "Health")}
    # Compiled back: GET on /orders and /orders/{id}, no ANY and no {proxy+}
    resources = stack.compile("dev").to_dict()["Resources"]
    assert [op[:2] for op in body_operations(resources, "Api")] == [("GET", "/orders"), ("GET", "/orders/{id}")]
    assert [op[:2] for op in body_operations(resources, "ServerlessRestApi")] == [("ANY", "/health")]


def test_two_functions_on_one_method_and_path_keep_the_api_raw():
    body = API.replace("Path: \"/orders/{id}\", Method: get}}", "Path: /other, Method: get}}") + """
  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Events:
        Create: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /orders, Method: get}}
"""
    stack, report = imported(body)
    assert {"Api", "ListOrders", "CreateOrder"}.isdisjoint({n.id for n in stack.nodes if curated(stack, n.id)})
    assert "both answer GET /orders" in row(report, "Api").reason
    assert "Health" in stack  # on another API: unaffected


def test_functions_on_other_methods_of_one_path_share_the_api():
    body = API.replace("Path: \"/orders/{id}\", Method: get}}", "Path: /other, Method: get}}") + """
  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Events:
        Create: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /orders, Method: post}}
"""
    stack, report = imported(body)
    assert stack.node("Api").get("routes") == {"CreateOrder": "POST /orders", "ListOrders": "GET /orders, GET /other"}
    methods = {(method, uri.split("${")[-1]) for method, _path, uri in
               body_operations(stack.compile("dev").to_dict()["Resources"], "Api")}
    assert methods == {("GET", "ListOrders.Arn}/invocations"), ("POST", "CreateOrder.Arn}/invocations")}


def test_http_api_payload_format_2_keeps_the_function_raw():
    stack, report = imported("""
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Events:
        Get: {Type: HttpApi, Properties: {Path: /x, Method: GET}}
""")
    assert not curated(stack, "Fn") and "payload format 2.0" in row(report, "Fn").reason
    assert not curated(stack, "ServerlessHttpApi")


POLICIES = """
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Files: {Type: AWS::S3::Bucket}
  Jobs: {Type: AWS::SQS::Queue}
  Unused: {Type: AWS::SNS::Topic}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Environment:
        Variables:
          TABLE: !Ref Orders
          TOPIC: !Ref Unused
          STAGE: !Ref Stage
      Policies:
        - DynamoDBReadPolicy: {TableName: !Ref Orders}
        - S3CrudPolicy: {BucketName: !Ref Files}
        - Statement:
            - Effect: Allow
              Action: [sqs:SendMessage]
              Resource: !GetAtt Jobs.Arn
            - Effect: Allow
              Action: [ses:SendEmail]
              Resource: "*"
Parameters:
  Stage: {Type: String}
"""


def test_policies_become_wires_with_access_levels_and_the_rest_stays_a_raw_policy():
    stack, report = imported(POLICIES)
    assert wires(stack) == {("Fn", "Orders"): "read", ("Fn", "Files"): None, ("Fn", "Jobs"): None}
    statements = stack.node("Fn").get("policies")["Statement"]  # kept on the function node
    actions = [a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    assert "ses:SendEmail" in actions  # no wire for it: kept as written
    assert "s3:PutObjectAcl" in actions  # S3CrudPolicy grants more than an object_store wire
    assert "dynamodb:GetItem" not in actions and "sqs:SendMessage" not in actions  # the wires cover them
    fn = row(report, "Fn")
    assert "environment variable TOPIC refers to Unused, but the template grants no access" in fn.notes
    # STAGE stays a reference to the parameter: the template's Environment is kept as written
    assert stack.node("Fn").get("environment") == {}
    assert stack.node("Fn").get("properties")["Environment"]["Variables"]["STAGE"] == {"Ref": "Stage"}
    assert stack.raw["Parameters"] == {"Stage": {"Type": "String"}}
    assert ("Fn", "Unused") not in wires(stack)


def test_a_template_role_is_absorbed_and_its_statements_split():
    stack, report = imported("""
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  FnRole2:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref FnRole2]
      PolicyDocument:
        Statement: [{Effect: Allow, Action: "dynamodb:PutItem", Resource: !GetAtt Orders.Arn}]
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12, Role: !GetAtt FnRole2.Arn}
""")
    assert wires(stack) == {("Fn", "Orders"): "write"}
    assert row(report, "FnRole2").outcome == "absorbed" and row(report, "Extra").outcome == "absorbed"
    assert "Resources" not in stack.raw


def test_a_role_from_outside_keeps_the_function_raw():
    stack, report = imported("""
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12, Role: arn:aws:iam::123456789012:role/x}
""")
    assert not curated(stack, "Fn") and "outside the template" in row(report, "Fn").reason


def test_physical_names_used_as_references_are_read_as_refs():
    stack, report = imported("""
Resources:
  Files:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Sub "${AWS::StackName}-files"}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Environment: {Variables: {BUCKET: !Sub "${AWS::StackName}-files"}}
      Policies:
        - Statement: [{Effect: Allow, Action: s3:GetObject, Resource: !Sub "arn:aws:s3:::${AWS::StackName}-files/*"}]
""")
    assert wires(stack) == {("Fn", "Files"): "read"}
    assert "environment variable BUCKET (name of Files) is given by the wire" in row(report, "Fn").notes
    assert next(iter(stack.wires)).settings["env"] == {"BUCKET": "name"}


def test_a_permission_wire_that_would_close_a_loop_stays_a_raw_statement():
    stack, report = imported("""
Resources:
  Uploads: {Type: AWS::S3::Bucket}
  Thumbs:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.h
      CodeUri: a/
      Runtime: python3.12
      Policies: [S3ReadPolicy: {BucketName: !Ref Uploads}]
      Events:
        Up: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}}
""")
    assert wires(stack) == {("Uploads", "Thumbs"): None}
    assert stack.problems() == []
    assert "s3:GetObject" in str(stack.node("Thumbs").get("policies")["Statement"])
    assert "would close a loop" in row(report, "Thumbs").notes


def test_queues_dead_letter_queue_topics_and_subscriptions():
    stack, report = imported("""
Resources:
  Dead: {Type: AWS::SQS::Queue}
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 4}
  News: {Type: AWS::SNS::Topic}
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref News, Protocol: sqs, Endpoint: !GetAtt Jobs.Arn, RawMessageDelivery: true}
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Jobs.Arn
            Condition: {ArnEquals: {aws:SourceArn: !Ref News}}
""")
    jobs = stack.node("Jobs")
    # the template's own dead-letter queue stays a queue under its id; the redrive policy names it
    assert jobs.get("properties")["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["Dead", "Arn"]},
                                                       "maxReceiveCount": 4}
    assert not jobs.get("dead_letter") and curated(stack, "Dead") and row(report, "Dead").outcome == "node"
    assert wires(stack) == {("News", "Jobs"): None}
    assert stack.node("News").get("raw_delivery") is True
    assert set(report.outcome) == {"node", "absorbed"}


def test_connectors_become_wires():
    stack, report = imported("""
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Fn:
    Type: AWS::Serverless::Function
    Connectors:
      ToOrders:
        Properties: {Destination: {Id: Orders}, Permissions: [Read]}
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12}
  Other:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12}
  Link:
    Type: AWS::Serverless::Connector
    Properties: {Source: {Id: Other}, Destination: {Id: Orders}, Permissions: [Read, Write]}
""")
    assert wires(stack) == {("Fn", "Orders"): "read", ("Other", "Orders"): None}
    assert row(report, "Link").outcome == "absorbed"
    # SAM's connector also grants PartiQL actions, which the wire does not: kept as raw statements
    assert "dynamodb:PartiQLSelect" in str(stack.node("Fn").get("policies")["Statement"])


def test_references_to_what_sam_generates_for_a_node_keep_it_raw():
    stack, report = imported("""
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, CodeUri: a/, Runtime: python3.12}
  Perm:
    Type: AWS::Lambda::Permission
    Properties: {Action: lambda:InvokeFunction, FunctionName: !Ref FnAliaslive, Principal: s3.amazonaws.com}
""")
    assert not curated(stack, "Fn") and "FnAliaslive, which SAM generates" in row(report, "Fn").reason


def test_parameters_and_conditions_stay_and_outputs_follow_what_stays_raw():
    stack, report = imported("""
Parameters:
  Email: {Type: String}
  Unused: {Type: String, Default: x}
Conditions:
  HasEmail: !Not [!Equals [!Ref Email, ""]]
Resources:
  Identity:
    Type: AWS::SES::EmailIdentity
    Condition: HasEmail
    Properties: {EmailIdentity: !Ref Email}
  Jobs: {Type: AWS::SQS::Queue}
  Dead: {Type: AWS::SQS::Queue}
  Main:
    Type: AWS::SQS::Queue
    Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 3}}
Outputs:
  JobsUrl: {Value: !Ref Jobs}
  DeadArn: {Value: !GetAtt Dead.Arn}
  Nowhere: {Value: !Ref Missing}
""")
    assert set(stack.raw) == {"Parameters", "Conditions", "Outputs"}  # resources are nodes now
    assert list(stack.raw["Parameters"]) == ["Email", "Unused"]  # parameters stay parameters, used or not
    assert stack.raw["Outputs"]["JobsUrl"] == {"Value": {"Ref": "Jobs"}}
    assert stack.raw["Outputs"]["DeadArn"] == {"Value": {"Fn::GetAtt": ["Dead", "Arn"]}}  # its own queue
    assert [o for o, _ in report.attrs["dropped_outputs"]] == ["Nowhere"]


def test_report_has_a_row_per_resource_with_line_and_reason():
    stack, report = imported(POLICIES)
    assert list(report.columns) == ["resource", "type", "line", "outcome", "kind", "node", "absorbed_into",
                                    "reason", "notes"]  # absorbed_into: the node(s) a resource went into
    assert list(report.resource[:5]) == ["Orders", "Files", "Jobs", "Unused", "Fn"]
    assert row(report, "Orders").line == 5
    assert set(report.outcome) <= {"node", "raw", "absorbed"}
    assert "kept in its policies setting" in row(report, "Fn").notes


def test_node_ids_and_stack_names():
    assert node_id_for("Orders", set()) == "Orders"
    assert node_id_for("1stTable", set()) == "R1stTable"
    assert node_id_for("A" * 80, set()) == "A" * 64
    assert node_id_for("Orders", {"Orders"}) == "Orders2"
    assert stack_name_for("stuff/apigw-lambda-dynamodb__template.yaml") == "apigw-lambda-dynamodb"
    assert stack_name_for("My_Service.Template.yml") == "my-service"
    assert stack_name_for("/x/orders-api/template.yaml") == "orders-api"
    assert stack_name_for("/x/9lives/template.yaml") == "lives"


def test_long_logical_ids_are_renamed_and_mapped():
    long_id = "Q" + "x" * 70
    stack, report = imported(f"Resources:\n  {long_id}: {{Type: AWS::SQS::Queue}}\nOutputs:\n  U: {{Value: !Ref {long_id}}}\n")
    node = stack.nodes[0].id
    assert len(node) == 64 and row(report, long_id).node == node
    assert report.attrs["id_map"] == {long_id: node}
    assert stack.raw["Outputs"]["U"] == {"Value": {"Ref": node}}


def test_import_template_reads_files_and_rewrites_code_paths(tmp_path):
    (tmp_path / "svc").mkdir()
    path = tmp_path / "svc" / "template.yaml"
    path.write_text(SAM + "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                    "    Properties: {Handler: a.h, CodeUri: src/fn/, Runtime: python3.12}\n")
    stack, _ = import_template(path, stack_folder=tmp_path / "stacks")
    assert stack.name == "svc"
    assert stack.node("Fn").get("code") == "../svc/src/fn/"
    with pytest.raises(StackError, match="stack name 'Bad Name'"):
        import_template(path, name="Bad Name")


# ------------------------------------------------------------------ property: never a traceback
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_IDS = st.sampled_from(["Q", "T", "B", "S", "N", "Api", "F1", "F2", "Missing"])
_REF = st.one_of(_IDS.map(lambda i: {"Ref": i}), _IDS.map(lambda i: {"Fn::GetAtt": [i, "Arn"]}),
                 _IDS.map(lambda i: {"Fn::Sub": "arn:aws:s3:::${%s}/*" % i}), st.integers(), st.lists(st.booleans()))
_EVENT = st.one_of(
    st.builds(lambda r, b: {"Type": "SQS", "Properties": {"Queue": r, "BatchSize": b}}, _REF, st.integers(0, 20000)),
    st.builds(lambda r, p: {"Type": "Kinesis", "Properties": {"Stream": r, "StartingPosition": p}}, _REF,
              st.sampled_from(["LATEST", "AT_TIMESTAMP", 3])),
    st.builds(lambda r: {"Type": "DynamoDB", "Properties": {"Stream": r}}, _REF),
    st.builds(lambda r, e: {"Type": "S3", "Properties": {"Bucket": r, "Events": e}}, _REF,
              st.sampled_from(["s3:ObjectCreated:*", ["s3:ObjectRemoved:*"], 5])),
    st.builds(lambda r: {"Type": "SNS", "Properties": {"Topic": r}}, _REF),
    st.builds(lambda r, p, m: {"Type": "Api", "Properties": {"RestApiId": r, "Path": p, "Method": m}}, _REF,
              st.sampled_from(["/", "/a", "/a/{id}", "/b", 7]), st.sampled_from(["get", "ANY", None])),
    st.builds(lambda p: {"Type": "Api", "Properties": {"Path": p, "Method": "get"}}, st.sampled_from(["/", "/a", "/b"])),
    st.builds(lambda s: {"Type": "Schedule", "Properties": {"Schedule": s}}, st.sampled_from(["rate(5 minutes)", "at(x)"])),
    st.builds(lambda t, p: {"Type": t, "Properties": p}, st.sampled_from(["MQ", "EventBridgeRule", 3]),
              st.one_of(st.none(), st.dictionaries(st.sampled_from(["Pattern", "Queue"]), _REF, max_size=2))),
)
_POLICY = st.one_of(
    st.builds(lambda n, r: {n: {"TableName": r, "BucketName": r, "QueueName": r, "TopicName": r, "StreamName": r,
                                "FunctionName": r}},
              st.sampled_from(["DynamoDBCrudPolicy", "S3ReadPolicy", "SQSSendMessagePolicy", "LambdaInvokePolicy",
                               "KinesisStreamReadPolicy", "NoSuchPolicy"]), _REF),
    st.builds(lambda a, r: {"Statement": [{"Effect": "Allow", "Action": a, "Resource": r}]},
              st.sampled_from(["dynamodb:*", "s3:GetObject", "sqs:SendMessage", "*", ["sns:Publish"], 4]),
              st.one_of(_REF, st.just("*"), st.lists(_REF, max_size=2))),
    st.sampled_from(["AWSLambdaBasicExecutionRole", "AmazonS3FullAccess", 5]))
_FUNCTION = st.fixed_dictionaries({"Type": st.just("AWS::Serverless::Function"), "Properties": st.fixed_dictionaries(
    {"Handler": st.just("a.h"), "CodeUri": st.sampled_from(["src/", 3]), "Runtime": st.sampled_from(["python3.12", "go1.x"])},
    optional={"Events": st.one_of(st.dictionaries(st.sampled_from(["E1", "E2"]), _EVENT, max_size=2), st.integers()),
              "Policies": st.one_of(st.lists(_POLICY, max_size=3), _POLICY),
              "Environment": st.fixed_dictionaries({"Variables": st.dictionaries(st.sampled_from(["AB", "CD"]), _REF, max_size=2)}),
              "Role": _REF})})
_BASE = {
    "Q": {"Type": "AWS::SQS::Queue"}, "B": {"Type": "AWS::S3::Bucket"}, "S": {"Type": "AWS::Kinesis::Stream"},
    "N": {"Type": "AWS::SNS::Topic"}, "Api": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "v1"}},
    "T": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"}}},
}
_TEMPLATES = st.builds(
    lambda f1, f2, drop, odd: {"Transform": "AWS::Serverless-2016-10-31", "Resources": {
        **{k: v for k, v in _BASE.items() if k not in drop}, "F1": f1, "F2": f2, **odd}},
    _FUNCTION, _FUNCTION, st.sets(st.sampled_from(list(_BASE)), max_size=3),
    st.dictionaries(st.sampled_from(["X1", "X2"]), st.fixed_dictionaries({
        "Type": st.sampled_from(["AWS::SNS::Subscription", "AWS::Lambda::Permission", "AWS::SQS::QueuePolicy",
                                 "AWS::Lambda::EventSourceMapping", "AWS::Logs::LogGroup", "AWS::IAM::Policy",
                                 "AWS::Serverless::Connector", "AWS::SQS::Queue", "AWS::Events::Rule"]),
        "Properties": st.dictionaries(st.sampled_from(["Protocol", "Endpoint", "TopicArn", "FunctionName", "SourceArn",
                                                       "Principal", "Queues", "EventSourceArn", "LogGroupName", "Roles",
                                                       "RedrivePolicy", "Source", "Destination", "Targets",
                                                       "ScheduleExpression", "PolicyDocument"]),
                                      st.one_of(_REF, st.lists(_REF, max_size=2), st.sampled_from(["sqs", "lambda", "rate(1 day)"])),
                                      max_size=4)}), max_size=2))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_TEMPLATES)
def test_any_template_imports_to_a_valid_stack_or_a_stack_error(template):
    import json
    try:
        stack, report = import_text(json.dumps(template))
    except StackError:
        return
    assert [p for p in stack.problems() if p.severity == "error"] == []
    assert set(report.resource[: len(template["Resources"])]) == set(template["Resources"])
    assert set(report.outcome) <= {"node", "raw", "absorbed"}

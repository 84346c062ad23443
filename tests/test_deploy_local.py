"""Deploying to the local target, for real: a moto server on 127.0.0.1, HTTP, no mocks.

Every test uses its own stack name, so they share one emulator without seeing each other.
"""
from __future__ import annotations

import io
import json

import boto3
import pytest
from troposphere import GetAtt, Parameter, Ref, Tags, Template, awslambda, iam, sns, sqs, ssm

from stackerynb import Stack, StackError
from stackerynb.deploy import ProgressReporter, TqdmReporter, write_starter
from stackerynb.deploy.artifacts import bucket_name
from stackerynb.model.environments import Environment

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # governance notes outside production


@pytest.fixture(autouse=True)
def _local(local_target):
    """Every test here deploys to the session's emulator."""


def aws(emulator, service, region="us-east-1"):
    return boto3.client(service, endpoint_url=emulator, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def stack_resources(emulator, cf_stack):
    cf = aws(emulator, "cloudformation")
    return {r["LogicalResourceId"]: r["ResourceType"]
            for r in cf.describe_stack_resources(StackName=cf_stack)["StackResources"] if r.get("LogicalResourceId")}


def stack_exists(emulator, cf_stack, region="us-east-1"):
    cf = aws(emulator, "cloudformation", region)
    return any(s["StackName"] == cf_stack and s["StackStatus"] != "DELETE_COMPLETE"
               for s in cf.list_stacks()["StackSummaries"])


def shop(folder, name="shop", *, secret: bool = True) -> Stack:
    """A small real design: an API, two functions (one with code), a table, a queue and (unless
    ``secret=False``) a secret the worker reads."""
    (folder / "worker").mkdir(parents=True, exist_ok=True)
    # code unique per stack: packages are shared by content across stacks of an environment
    (folder / "worker" / "handler.py").write_text(f"def handler(event, context):\n    return {name!r}\n")
    s = Stack(name)
    s.add("rest_api", "Api")
    s.add("function", "GetOrder")
    s.add("table", "Orders")
    s.add("queue", "Jobs")
    s.add("function", "Worker", code="worker")
    s.connect("Api", "GetOrder")
    s.connect("GetOrder", "Orders")
    s.connect("Jobs", "Worker")
    if secret:
        s.add("secret", "Key")
        s.connect("Worker", "Key")
    s.save(folder / f"{name}.yaml")
    return s


# ----------------------------------------------------------------------------- deploying
def test_first_deploy_creates_the_compiled_stack(tmp_path, emulator):
    stack = shop(tmp_path, "first")
    out = io.StringIO()
    deployment = stack.deploy("dev", yes=True, reporter=TqdmReporter(file=out))
    assert deployment.status == "succeeded", deployment.summary()
    changes = deployment.changes
    assert list(changes.columns) == ["action", "logical_id", "type", "replacement", "note"]
    assert set(changes["action"]) == {"Add"}
    assert {"GetOrder", "Worker", "Orders", "Jobs"} <= set(changes["logical_id"])
    assert deployment.created == len(changes) and deployment.changed == deployment.deleted == 0

    # The resources really exist in the emulator.
    functions = {f["FunctionName"]: f for f in aws(emulator, "lambda").list_functions()["Functions"]}
    assert any(name.startswith("first-dev-Worker") for name in functions)
    assert any(t.startswith("first-dev-Orders") for t in aws(emulator, "dynamodb").list_tables()["TableNames"])
    assert {"GetOrder", "Worker", "Orders", "Jobs"} <= set(stack_resources(emulator, "first-dev"))

    # The API's routes, compiled into its OpenAPI body (which the emulator ignores), exist locally.
    gateway = aws(emulator, "apigateway")
    api_id = next(a["id"] for a in gateway.get_rest_apis()["items"] if a["name"] == "first-dev-Api")
    paths = {r["path"]: set(r.get("resourceMethods") or {}) for r in gateway.get_resources(restApiId=api_id)["items"]}
    assert paths["/GetOrder"] == {"ANY"}
    method = gateway.get_method(restApiId=api_id, resourceId=next(
        r["id"] for r in gateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/GetOrder"), httpMethod="ANY")
    assert method["methodIntegration"]["type"] == "AWS_PROXY" and ":function:first-dev-GetOrder" in method["methodIntegration"]["uri"]

    # Code went to the environment's artifacts bucket under its content hash.
    key = deployment.record["packages"]["Worker"]["key"]
    bucket = [b["Name"] for b in aws(emulator, "s3").list_buckets()["Buckets"] if b["Name"].endswith("-us-east-1-dev")][0]
    assert aws(emulator, "s3").head_object(Bucket=bucket, Key=key)["ContentLength"] > 0

    # What the emulator skipped is said, in the preview and in the result.
    skipped = {lid for lid, _, _ in deployment.not_created}
    assert {"Key", "ApiStage"} <= skipped
    assert "not created by the emulator" in changes.set_index("logical_id").loc["Key", "note"]
    assert "not really created by the local emulator" in deployment.summary() and "Key (AWS::SecretsManager::Secret)" in out.getvalue()

    # The stack carries its facts and the stack file.
    cf = aws(emulator, "cloudformation")
    tags = {t["Key"]: t["Value"] for t in cf.describe_stacks(StackName="first-dev")["Stacks"][0]["Tags"]}
    assert tags["stackerynb:deployment"] == deployment.id and tags["stackerynb:git-sha"] == "none"
    body = cf.get_template(StackName="first-dev")["TemplateBody"]
    body = json.loads(body) if isinstance(body, str) else body
    assert body["Metadata"]["Stackerynb"]["StackFile"] == stack.dumps()
    assert deployment.phases.keys() >= {"connect", "package", "compile", "change set", "execute"}


def test_update_of_one_node_and_code_uploaded_only_when_changed(tmp_path, emulator):
    stack = shop(tmp_path, "upd")
    first = stack.deploy("dev", yes=True, quiet=True)
    assert first.record["packages"]["Worker"]["uploaded"] is True

    stack.set("Worker", memory=512)
    second = stack.deploy("dev", yes=True, quiet=True)
    assert second.status == "succeeded"
    assert second.changes[["action", "logical_id"]].values.tolist() == [["Modify", "Worker"]]
    assert second.record["packages"]["Worker"]["uploaded"] is False  # same code, not sent again
    worker = [f for f in aws(emulator, "lambda").list_functions()["Functions"] if f["FunctionName"].startswith("upd-dev-Worker")]
    assert worker[0]["MemorySize"] == 512

    (tmp_path / "worker" / "handler.py").write_text("def handler(event, context):\n    return 'upd 2'\n")
    third = stack.deploy("dev", yes=True, quiet=True)
    assert third.record["packages"]["Worker"]["uploaded"] is True
    assert third.record["packages"]["Worker"]["key"] != second.record["packages"]["Worker"]["key"]
    assert ["Modify", "Worker"] in third.changes[["action", "logical_id"]].values.tolist()


def test_no_changes_is_a_normal_outcome(tmp_path):
    stack = shop(tmp_path, "same")
    stack.deploy("dev", yes=True, quiet=True)
    again = stack.deploy("dev", yes=True, quiet=True)
    assert again.status == "no changes" and again.changes.empty
    stack.move("Worker", 400, 120)  # a canvas move changes no resource
    assert stack.deploy("dev", yes=True, quiet=True).status == "no changes"
    history = stack.deployments("dev")
    assert list(history["status"]) == ["succeeded"]  # nothing happened, nothing recorded


def test_prepare_then_execute_later_or_cancel(tmp_path, emulator):
    stack = shop(tmp_path, "prep")
    prepared = stack.prepare("dev", quiet=True)
    assert prepared.status == "prepared" and not prepared.changes.empty
    assert stack.status("dev").state == "not deployed"
    assert stack.deployments("dev")["status"].tolist() == ["prepared"]
    prepared.execute(quiet=True)
    assert prepared.status == "succeeded" and stack.status("dev").current["id"] == prepared.id

    stack.set("Worker", timeout=20)
    dropped = stack.prepare("dev", quiet=True)
    dropped.cancel()
    assert dropped.status == "cancelled"
    assert stack.status("dev").current["id"] == prepared.id
    with pytest.raises(StackError, match="only a deployment prepared in this session can be executed"):
        dropped.execute()

    stale = stack.prepare("dev", quiet=True)  # prepared, then overtaken by another deployment
    stack.set("Worker", timeout=25)
    assert stack.deploy("dev", yes=True, quiet=True).status == "succeeded"
    with pytest.raises(StackError, match="prepared against another version of the stack: deployment .* ran since.*prepare it again"):
        stale.execute(quiet=True)
    assert stale.status == "expired"
    assert "expired" in stack.deployments("dev")["status"].tolist()

    fresh = shop(tmp_path / "other", "prepfirst")
    never = fresh.prepare("dev", quiet=True)
    never.cancel()
    assert not stack_exists(emulator, "prepfirst-dev")  # the empty stack of a first change set is gone too


def test_history_records_git_commit_branch_and_dirty(tmp_path):
    import git
    repo = git.Repo.init(tmp_path, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Test").set_value("user", "email", "test@example.com")
    stack = shop(tmp_path, "hist")
    repo.index.add(["hist.yaml", "worker/handler.py"])
    sha = repo.index.commit("design").hexsha

    clean = stack.deploy("dev", yes=True, quiet=True)
    assert (clean.git_sha, clean.branch, clean.dirty) == (sha, "main", False)

    stack.set("Worker", memory=256)  # not saved, not committed
    messages = []

    class Collect(ProgressReporter):
        def message(self, text, level="info"):
            messages.append((level, text))
    dirty = stack.deploy("dev", yes=True, reporter=Collect())
    assert dirty.dirty is True and dirty.git_sha == sha
    assert any(level == "warning" and "uncommitted" in text for level, text in messages)

    table = stack.deployments("dev")
    assert list(table["deployment"]) == [dirty.id, clean.id]
    assert list(table["current"]) == [True, False]
    assert list(table["dirty"]) == [True, False] and set(table["git_sha"]) == {sha}
    assert set(table["branch"]) == {"main"} and table["duration_s"].notna().all()
    assert list(table["changes"]) == ["+0 ~1 -0", f"+{clean.created} ~0 -0"]

    as_deployed = stack.deployed("dev")
    assert as_deployed.dumps() == stack.dumps() and as_deployed.node("Worker").get("memory") == 256
    from stackerynb.deploy import deployed
    assert deployed(stack, "dev", deployment=clean.id).node("Worker").get("memory") == 128


def test_no_environments_file_means_any_name_is_local(tmp_path, emulator):
    stack = shop(tmp_path, "newbie")
    assert stack.deploy("feature-x", yes=True, quiet=True).status == "succeeded"
    assert stack_exists(emulator, "newbie-feature-x")


def test_environment_region_from_the_environments_file(tmp_path, emulator):
    (tmp_path / "environments.yaml").write_text("test:\n  target: local\n  region: eu-west-1\n")
    stack = shop(tmp_path, "regional")
    assert stack.deploy("test", yes=True, quiet=True).status == "succeeded"
    assert stack_exists(emulator, "regional-test", "eu-west-1")
    assert not stack_exists(emulator, "regional-test", "us-east-1")


# ----------------------------------------------------------------------------- faults
ROLE_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                        "Action": "sts:AssumeRole"}]}


def hand_template(bad_first=False, bad_added=False) -> Template:
    """A template whose Lambda fails when its role ARN does not exist (moto really refuses it)."""
    t = Template()
    t.add_resource(sqs.Queue("Jobs"))
    t.add_resource(iam.Role("FnRole", AssumeRolePolicyDocument=ROLE_POLICY))
    if bad_added:
        t.add_resource(sns.Topic("Before"))
    t.add_resource(awslambda.Function(
        "Fn", Runtime="python3.12", Handler="index.handler", Code=awslambda.Code(ZipFile="def handler(e, c): pass"),
        Role="arn:aws:iam::123456789012:role/does-not-exist" if bad_first else GetAtt("FnRole", "Arn")))
    if bad_added:
        t.add_resource(awslambda.Function(
            "Fn2", Runtime="python3.12", Handler="index.handler", Code=awslambda.Code(ZipFile="x"),
            Role="arn:aws:iam::123456789012:role/does-not-exist"))
    t.add_resource(sns.Topic("After"))
    return t


def test_failed_first_deploy_names_the_resource_and_leaves_nothing(tmp_path, emulator):
    stack = Stack("broken")
    result = stack.deploy("dev", yes=True, quiet=True, template=hand_template(bad_first=True))
    assert result.status == "failed"
    assert result.failure["logical_id"] == "Fn" and result.failure["type"] == "AWS::Lambda::Function"
    assert "cannot be assumed by Lambda" in result.failure["reason"]
    assert "failed resource: Fn (AWS::Lambda::Function)" in result.summary()
    assert not stack_exists(emulator, "broken-dev")  # the emulator has no rollback: the kit cleaned up
    queues = aws(emulator, "sqs").list_queues().get("QueueUrls", [])
    assert not [q for q in queues if "broken-dev" in q]
    status = stack.status("dev")
    assert status.state == "not deployed" and status.last["status"] == "failed"
    assert "Fn" in repr(status)
    row = stack.deployments("dev").iloc[0]
    assert (row["status"], row["failed_resource"]) == ("failed", "Fn")


def test_failed_update_keeps_the_previous_deployment_current(tmp_path, emulator):
    stack = Stack("keeper")
    good = stack.deploy("dev", yes=True, quiet=True, template=hand_template())
    assert good.status == "succeeded"
    bad = stack.deploy("dev", yes=True, quiet=True, template=hand_template(bad_added=True))
    assert bad.status == "failed"
    assert bad.failure["logical_id"] == "Fn2" and "cannot be assumed" in bad.failure["reason"]
    assert "previous deployment stays current" in bad.summary()
    status = stack.status("dev")
    assert status.state == "deployed" and status.current["id"] == good.id
    assert set(stack_resources(emulator, "keeper-dev")) == {"Jobs", "FnRole", "Fn", "After"}  # "Before" rolled back
    table = stack.deployments("dev")
    assert table[["status", "current"]].values.tolist() == [["failed", False], ["succeeded", True]]
    # and the stack still deploys afterwards
    assert stack.deploy("dev", yes=True, quiet=True, template=hand_template()).status == "no changes"


def test_a_stack_busy_with_someone_elses_update_is_refused(tmp_path, emulator):
    """Someone else's operation holds the stack (a custom resource that never answers)."""
    lam, cf = aws(emulator, "lambda"), aws(emulator, "cloudformation")
    role = aws(emulator, "iam").create_role(RoleName="busy-token-role", AssumeRolePolicyDocument=json.dumps(ROLE_POLICY))
    token = lam.create_function(FunctionName="busy-token", Runtime="python3.12", Role=role["Role"]["Arn"],
                                Handler="h.h", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    cf.create_stack(StackName="busy-dev", TemplateBody=json.dumps(
        {"Resources": {"Slow": {"Type": "Custom::Slow", "Properties": {"ServiceToken": token["FunctionArn"]}}}}))
    assert cf.describe_stacks(StackName="busy-dev")["Stacks"][0]["StackStatus"] == "CREATE_IN_PROGRESS"

    stack = shop(tmp_path, "busy")
    with pytest.raises(StackError, match=r"busy-dev .* is CREATE_IN_PROGRESS: another deployment.*Nothing was changed"):
        stack.deploy("dev", yes=True, quiet=True)
    described = cf.describe_stacks(StackName="busy-dev")["Stacks"][0]
    assert described["StackStatus"] == "CREATE_IN_PROGRESS"
    mine = [c for c in cf.list_change_sets(StackName="busy-dev")["Summaries"] if c["StackId"] == described["StackId"]]
    assert mine == []
    assert stack.status("dev").state == "deploying"


def test_a_design_that_cannot_compile_changes_nothing(tmp_path, emulator):
    stack = shop(tmp_path, "nocompile")
    stack.set("Worker", timeout=300)  # longer than the queue's visibility timeout: the compiler refuses
    with pytest.raises(StackError, match=r"Jobs\.visibility_timeout"):
        stack.deploy("cold", yes=True, quiet=True)
    assert "stackerynb-123456789012-us-east-1-cold" not in {b["Name"] for b in aws(emulator, "s3").list_buckets()["Buckets"]}
    assert not stack_exists(emulator, "nocompile-cold")


def test_wrong_region_changes_nothing_in_the_emulator(tmp_path, emulator):
    s3 = aws(emulator, "s3")
    before = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    with pytest.raises(StackError, match="is not an AWS region"):
        shop(tmp_path, "lost").deploy(Environment("dev", region="us-fake-1"), yes=True, quiet=True)
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == before


class InterruptAt(ProgressReporter):
    """Raises KeyboardInterrupt (what a kernel interrupt raises) at a chosen point."""

    def __init__(self, where):
        self.where = where

    def phase(self, name):
        if self.where == "before" and name == "executing change set":
            raise KeyboardInterrupt

    def event(self, event):
        if self.where == "after":
            raise KeyboardInterrupt


def test_interrupt_after_execution_started_status_tells_it_finished(tmp_path):
    stack = shop(tmp_path, "intr")
    with pytest.raises(KeyboardInterrupt):
        stack.deploy("dev", yes=True, reporter=InterruptAt("after"))
    status = stack.status("dev")
    assert status.state == "deployed"
    assert status.last["status"] == "succeeded" and status.current["id"] == status.last["id"]
    assert stack.deployments("dev")["status"].tolist() == ["succeeded"]  # settled and stored


def test_interrupt_before_execution_leaves_it_prepared(tmp_path):
    stack = shop(tmp_path, "intr2")
    with pytest.raises(KeyboardInterrupt):
        stack.deploy("dev", yes=True, reporter=InterruptAt("before"))
    status = stack.status("dev")
    assert status.state == "not deployed" and status.last["status"] == "prepared"
    assert "prepared" in repr(status)


def test_secret_values_are_never_shown_or_stored(tmp_path, emulator):
    secret = "s3cr3t-VALUE-4242"
    template = Template()
    template.add_parameter(Parameter("Password", Type="String", NoEcho=True))
    template.add_resource(sqs.Queue("Jobs"))
    # moto's validation error quotes the value it refuses: the kit must mask it.
    template.add_resource(ssm.Parameter("Setting", Name="sec-setting", Type=Ref("Password"), Value="x"))
    environment = Environment("dev", parameters={"Password": secret})
    out = io.StringIO()
    stack = Stack("sec")
    result = stack.deploy(environment, yes=True, template=template, reporter=TqdmReporter(file=out))
    assert result.status == "failed" and "****" in result.failure["reason"]
    shown = [repr(result), result._repr_html_(), result.summary(), result.changes.to_string(),
             result.event_table.to_string(), out.getvalue(), repr(stack.status(environment)),
             stack.deployments(environment).to_string(), json.dumps(result.record), repr(result._plan)]
    s3 = aws(emulator, "s3")
    bucket = bucket_name(type("C", (), {"account": "123456789012", "region": "us-east-1",
                                        "environment": environment})())
    for item in s3.list_objects_v2(Bucket=bucket, Prefix="deployments/sec-dev/")["Contents"]:
        shown.append(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode())
    leaks = [text[:80] for text in shown if secret in text]
    assert not leaks


def test_destroy_needs_confirmation_then_removes_everything(tmp_path, emulator, monkeypatch):
    stack = shop(tmp_path, "gone")
    stack.deploy("dev", yes=True, quiet=True)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(StackError, match="needs a confirmation"):
        stack.destroy("dev")
    assert stack_exists(emulator, "gone-dev")
    result = stack.destroy("dev", yes=True, quiet=True)
    assert result.status == "destroyed" and result.deleted > 0
    assert not stack_exists(emulator, "gone-dev")
    assert not [f for f in aws(emulator, "lambda").list_functions()["Functions"] if f["FunctionName"].startswith("gone-dev-")]
    assert stack.status("dev").state == "not deployed"
    with pytest.raises(StackError, match="not deployed"):
        stack.deployed("dev")
    assert stack.deployments("dev")["kind"].tolist() == ["destroy", "deploy"]
    assert stack.destroy("dev", yes=True).status == "not deployed"


def test_large_templates_go_through_the_artifacts_bucket(tmp_path, emulator):
    template = Template()
    for i in range(40):
        template.add_resource(sqs.Queue(f"Queue{i}", Tags=Tags(**{f"note{k}": "x" * 250 for k in range(5)})))
    assert len(template.to_json()) > 51_200
    result = Stack("big").deploy("dev", yes=True, quiet=True, template=template)
    assert result.status == "succeeded" and result.created == 40
    keys = [o["Key"] for o in aws(emulator, "s3").list_objects_v2(
        Bucket="stackerynb-123456789012-us-east-1-dev", Prefix="templates/big-dev/")["Contents"]]
    assert keys == [f"templates/big-dev/{result.id}.json"]


def test_starter_written_into_the_code_folder_is_what_deploys(tmp_path, emulator):
    import zipfile
    stack = Stack("starter")
    stack.add("function", "Hello", handler="app.main")
    stack.save(tmp_path / "starter.yaml")
    path = write_starter(stack, "Hello")
    result = stack.deploy("dev", yes=True, quiet=True)
    assert result.status == "succeeded"
    key = result.record["packages"]["Hello"]["key"]
    data = aws(emulator, "s3").get_object(Bucket="stackerynb-123456789012-us-east-1-dev", Key=key)["Body"].read()
    assert zipfile.ZipFile(io.BytesIO(data)).read("app.py").decode() == path.read_text()
    fn = [f for f in aws(emulator, "lambda").list_functions()["Functions"] if f["FunctionName"].startswith("starter-dev-Hello")]
    assert fn[0]["Handler"] == "app.main"


def test_following_cloudformation_events_until_the_stack_settles(emulator):
    """The AWS path of following an operation, over real HTTP (the emulator's events carry no
    request token, so none is asked for)."""
    from datetime import datetime, timezone

    from stackerynb.deploy.target import connect
    from stackerynb.deploy.watch import follow
    since = datetime.now(timezone.utc)
    aws(emulator, "cloudformation").create_stack(StackName="followed-dev", TemplateBody=json.dumps(
        {"Resources": {"Jobs": {"Type": "AWS::SQS::Queue"}}}))
    seen = []

    class Collect(ProgressReporter):
        def event(self, event):
            seen.append(event)
    final, events = follow(connect(Environment("dev")), "followed-dev", since, None, Collect(), lambda s: s, poll=0.05)
    assert final == "CREATE_COMPLETE"
    assert [e.status for e in events] == [e.status for e in seen] == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]


def test_a_second_deploy_from_this_session_while_one_runs_is_refused(tmp_path, emulator):
    import threading
    release, started = threading.Event(), threading.Event()

    class Hold(ProgressReporter):
        def start(self, total, title):
            started.set()
            release.wait(30)

    stack = shop(tmp_path, "twice")
    first = stack.prepare("dev", quiet=True)
    first.execute(reporter=Hold(), background=True)
    assert started.wait(30)
    try:
        with pytest.raises(StackError, match="twice-dev .* is being deployed or destroyed from this session"):
            stack.deploy("dev", yes=True, quiet=True)
        with pytest.raises(StackError, match="being deployed or destroyed"):
            stack.destroy("dev", yes=True, quiet=True)
    finally:
        release.set()
    assert first.wait(60).status == "succeeded"
    assert stack.deployments("dev")["status"].tolist() == ["succeeded"]


def test_production_asks_for_the_stack_name_and_takes_no_hand_made_template(tmp_path, emulator):
    from stackerynb.cli import deploy as deploy_cmd
    (tmp_path / "environments.yaml").write_text("prod:\n  target: local\n  production: true\n")
    stack = Stack("vault")
    stack.add("queue", "Jobs")
    stack.save(tmp_path / "vault.yaml")
    with pytest.raises(StackError, match="production: it deploys compiled stacks only"):
        stack.deploy("prod", yes=True, quiet=True, template=hand_template())
    args = type("A", (), {"file": str(tmp_path / "vault.yaml"), "env": "prod", "yes": False, "quiet": True})()
    out = io.StringIO()
    assert deploy_cmd.run(args, out=out, err=io.StringIO(), stdin=io.StringIO("y\n")) == 1
    assert "PRODUCTION" in out.getvalue() and not stack_exists(emulator, "vault-prod")
    assert deploy_cmd.run(args, out=io.StringIO(), err=io.StringIO(), stdin=io.StringIO("vault-prod\n")) == 0
    assert stack_exists(emulator, "vault-prod")


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_deploy_from_a_python_terminal_asks_first(tmp_path, emulator, monkeypatch, capsys):
    stack = shop(tmp_path, "tty")
    monkeypatch.setattr("sys.stdin", FakeTerminal("no\n"))
    refused = stack.deploy("dev", quiet=True)
    assert refused.status == "cancelled" and not stack_exists(emulator, "tty-dev")
    assert "Execute this change set on tty-dev (dev)? [y/N]" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", FakeTerminal("y\n"))
    assert stack.deploy("dev", quiet=True).status == "succeeded"
    monkeypatch.setattr("sys.stdin", FakeTerminal("y\n"))
    assert stack.destroy("dev", quiet=True).status == "cancelled"  # destroying needs the name typed
    assert stack_exists(emulator, "tty-dev")
    monkeypatch.setattr("sys.stdin", FakeTerminal("tty-dev\n"))
    assert stack.destroy("dev", quiet=True).status == "destroyed"


# ----------------------------------------------------------------------------- command line
def test_command_line_deploy_asks_and_history(tmp_path, emulator, capsys, monkeypatch):
    from stackerynb.cli import main
    from stackerynb.cli import deploy as deploy_cmd
    from stackerynb.cli import destroy as destroy_cmd
    stack = shop(tmp_path, "cli")
    path = str(tmp_path / "cli.yaml")
    args = deploy_cmd_args(path)

    out = io.StringIO()
    assert deploy_cmd.run(args, out=out, err=io.StringIO(), stdin=io.StringIO("n\n")) == 1
    assert "cancelled" in out.getvalue() and "Add" in out.getvalue()
    assert not stack_exists(emulator, "cli-dev")

    out = io.StringIO()
    assert deploy_cmd.run(args, out=out, err=io.StringIO(), stdin=io.StringIO("y\n")) == 0
    assert "succeeded" in out.getvalue() and stack_exists(emulator, "cli-dev")

    assert main(["deploy", path, "--env", "dev", "--yes", "--quiet"]) == 0
    assert "no changes" in capsys.readouterr().out

    assert main(["deployments", path, "--env", "dev"]) == 0
    printed = capsys.readouterr().out
    assert "succeeded" in printed and "cancelled" in printed and "git_sha" in printed

    assert main(["status", path, "--env", "dev"]) == 0
    assert "cli-dev in dev (local emulator, us-east-1): deployed" in capsys.readouterr().out

    out = io.StringIO()
    destroy_args = type("A", (), {"file": path, "env": "dev", "yes": False, "quiet": True})()
    assert destroy_cmd.run(destroy_args, out=out, stdin=io.StringIO("y\n")) == 1  # must type the name
    assert stack_exists(emulator, "cli-dev")
    assert destroy_cmd.run(destroy_args, out=io.StringIO(), stdin=io.StringIO("cli-dev\n")) == 0
    assert not stack_exists(emulator, "cli-dev")

    assert main(["deploy", path, "--env", "Prod!", "--yes"]) == 1
    assert "environment name 'Prod!'" in capsys.readouterr().err
    del stack


def deploy_cmd_args(path):
    return type("A", (), {"file": path, "env": "dev", "yes": False, "quiet": True})()


def test_deployments_of_a_stack_never_deployed_is_a_sentence(tmp_path, capsys):
    from stackerynb.cli import main
    stack = Stack("never")
    stack.add("queue", "Jobs")
    stack.save(tmp_path / "never.yaml")
    assert main(["deployments", str(tmp_path / "never.yaml"), "--env", "dev"]) == 0
    captured = capsys.readouterr()
    assert "never has no deployments in dev: deploy it with `stackerynb deploy" in captured.out
    assert "Traceback" not in captured.err and "Error" not in captured.err


def test_command_line_deploy_prints_the_summary_and_the_change_set_once(tmp_path, capsys):
    from stackerynb.cli import main
    shop(tmp_path, "once")
    path = str(tmp_path / "once.yaml")
    assert main(["deploy", path, "--env", "dev", "--yes", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("once-dev in dev (local emulator, us-east-1): succeeded") == 1
    assert printed.count("AWS::SQS::Queue") == 1 and printed.count("action") == 1
    assert main(["deploy", path, "--env", "dev", "--yes", "--quiet"]) == 0
    again = capsys.readouterr().out
    assert "no changes" in again and "<Deployment" not in again

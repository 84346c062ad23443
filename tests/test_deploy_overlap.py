"""What a deploy does side by side, on a real moto server over HTTP: the stack's state is read
while the design compiles, the code is sent while CloudFormation computes the change set, the
outputs are asked for while the record is stored. Each overlap keeps its order where it matters:
a busy stack is refused before a compile error is reported, the change set runs only once the
code is stored, and code that cannot be stored leaves nothing changed."""
from __future__ import annotations

import json
import threading

import pytest
from botocore.exceptions import ClientError

from stackerynb import StackError
from stackerynb.deploy import watch
from stackerynb.deploy.target import connect
from stackerynb.model.environments import Environment
from test_deploy_local import ROLE_POLICY, aws, shop, stack_exists

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture
def hooks(local_target):
    """Register handlers on the kit's own clients of the emulator (the process-wide ones a deploy
    uses); they are removed afterwards."""
    registered = []

    def hook(service: str, event: str, handler):
        client = connect(Environment("dev")).client(service)
        client.meta.events.register(event, handler)
        registered.append((client, event, handler))

    yield hook
    for client, event, handler in registered:
        client.meta.events.unregister(event, handler)


def test_code_is_sent_while_the_change_set_is_made_and_stored_before_it_runs(tmp_path, hooks):
    """Each code upload is held until CloudFormation has described the change set: a deploy that
    sent its code first would wait in vain, and one that did not wait for its code before
    executing would run the change set while the upload is still held."""
    stack = shop(tmp_path, "overlap", secret=False)
    described = threading.Event()
    lock = threading.Lock()
    outstanding: set[str] = set()
    waited: list[bool] = []
    at_execute: list[set[str]] = []

    def code_sending(params, context, **_):
        if params.get("Key", "").startswith("code/"):
            context["code_key"] = params["Key"]
            with lock:
                outstanding.add(params["Key"])
            waited.append(described.wait(20))  # returns at once when the change set is described

    def code_stored(context, **_):
        with lock:
            outstanding.discard(context.get("code_key"))

    def executing(**_):
        with lock:
            at_execute.append(set(outstanding))

    hooks("s3", "before-parameter-build.s3.PutObject", code_sending)
    hooks("s3", "after-call.s3.PutObject", code_stored)
    hooks("cloudformation", "after-call.cloudformation.DescribeChangeSet", lambda **_: described.set())
    hooks("cloudformation", "before-call.cloudformation.ExecuteChangeSet", executing)

    deployment = stack.deploy("dev", yes=True, quiet=True)
    assert deployment.status == "succeeded", deployment.summary()
    assert deployment.record["packages"]["Worker"]["uploaded"] is True
    assert waited == [True]  # the one code package went out while the change set was being made
    assert at_execute == [set()]  # and was stored before the change set ran


@pytest.mark.parametrize("first", [True, False], ids=["first deploy", "update"])
def test_code_that_cannot_be_stored_drops_the_change_set_and_changes_nothing(tmp_path, hooks, local_target, first):
    name = "unsent-first" if first else "unsent-update"
    stack = shop(tmp_path, name, secret=False)
    if not first:
        good = stack.deploy("dev", yes=True, quiet=True)
        assert good.status == "succeeded"
        (tmp_path / "worker" / "handler.py").write_text("def handler(event, context):\n    return 'new'\n")

    def refuse(params, **_):
        if params.get("Key", "").startswith("code/") and refusing:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "injected: the bucket refuses"}},
                              "PutObject")

    refusing = True
    hooks("s3", "before-parameter-build.s3.PutObject", refuse)
    with pytest.raises(StackError, match=r"uploading s3://.*/code/.* AccessDenied: injected.*; nothing was changed"):
        stack.deploy("dev", yes=True, quiet=True)

    cf = aws(local_target, "cloudformation")
    if first:
        assert not stack_exists(local_target, f"{name}-dev")  # nor the empty stack the change set made
    else:
        assert stack.status("dev").current["id"] == good.id
        waiting = [c["ChangeSetName"] for c in cf.list_change_sets(StackName=f"{name}-dev")["Summaries"]
                   if c.get("StackName") == f"{name}-dev" and c.get("ExecutionStatus") == "AVAILABLE"]
        assert waiting == []  # (moto lists every stack's change sets: hence the filter)
        assert stack.deployments("dev")["deployment"].tolist() == [good.id]
    refusing = False
    again = stack.deploy("dev", yes=True, quiet=True)
    assert again.status == "succeeded" and again.record["packages"]["Worker"]["uploaded"] is True


def test_a_busy_stack_is_refused_before_a_design_error_is_reported(tmp_path, local_target):
    """The state is read beside the compile; what is said first stays the same: the stack is busy."""
    lam, cf = aws(local_target, "lambda"), aws(local_target, "cloudformation")
    role = aws(local_target, "iam").create_role(RoleName="busier-token-role",
                                                AssumeRolePolicyDocument=json.dumps(ROLE_POLICY))
    token = lam.create_function(FunctionName="busier-token", Runtime="python3.12", Role=role["Role"]["Arn"],
                                Handler="h.h", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    cf.create_stack(StackName="busier-dev", TemplateBody=json.dumps(
        {"Resources": {"Slow": {"Type": "Custom::Slow", "Properties": {"ServiceToken": token["FunctionArn"]}}}}))

    stack = shop(tmp_path, "busier")
    stack.set("Worker", timeout=300)  # longer than the queue's visibility timeout: the compiler refuses
    with pytest.raises(StackError, match=r"busier-dev .* is CREATE_IN_PROGRESS: another deployment"):
        stack.deploy("dev", yes=True, quiet=True)


def test_outputs_an_emulator_reports_are_stored_with_the_record(tmp_path, hooks, local_target):
    """moto reports no outputs after a change set, so the record is stored while they are asked
    for; an emulator that does report them (simulated on the kit's client) gets them stored too."""
    stack = shop(tmp_path, "outputs", secret=False)

    def with_outputs(parsed, **_):
        for described in parsed.get("Stacks", []):
            if described.get("StackName") == "outputs-dev":
                described["Outputs"] = [{"OutputKey": "ApiUrl", "OutputValue": "http://api.example"}]

    hooks("cloudformation", "after-call.cloudformation.DescribeStacks", with_outputs)
    deployment = stack.deploy("dev", yes=True, quiet=True)
    assert deployment.status == "succeeded" and deployment.outputs == {"ApiUrl": "http://api.example"}
    stored = aws(local_target, "s3").get_object(
        Bucket=deployment._plan.artifacts.bucket, Key=f"deployments/outputs-dev/{deployment.id}.json")
    assert json.loads(stored["Body"].read())["outputs"] == {"ApiUrl": "http://api.example"}


def test_polls_start_short_and_grow_to_the_longest_pause():
    pauses = watch.pauses(2.0)
    assert [next(pauses) for _ in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]

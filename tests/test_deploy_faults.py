"""Fault injection on the local target (a real moto server over HTTP): failed updates that
modify, add and delete resources, a failing restore, the emulator killed mid-deploy. After each,
the history and the running stack agree, and the previous deployment stays current, working and
destroyable."""
from __future__ import annotations

import os
import signal

import boto3
import pytest
from troposphere import awslambda

from stackerynb import Stack, StackError
from stackerynb.deploy import ProgressReporter

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def aws(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def template_resources(stack, env="dev"):
    """Logical ids of the template the emulator says is deployed."""
    from stackerynb.deploy.engine import deployed_template
    from stackerynb.deploy.target import connect
    cloud = connect(stack.environment(env), project=stack.folder)
    template, _ = deployed_template(cloud, f"{stack.name}-{env}")
    return set(template["Resources"])


def running_resources(endpoint, cf_stack):
    """Logical id -> physical id of what the emulator runs (this call failed on a half-restored stack)."""
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
            aws(endpoint, "cloudformation").describe_stack_resources(StackName=cf_stack)["StackResources"]}


def assert_agree(stack, endpoint, current_id):
    """History, status, the deployed template and the running resources tell the same story."""
    status = stack.status("dev")
    assert status.state == "deployed" and status.current["id"] == current_id, repr(status)
    table = stack.deployments("dev")
    assert table.loc[table["current"], "deployment"].tolist() == [current_id]
    assert set(running_resources(endpoint, f"{stack.name}-dev")) == template_resources(stack)


def with_bad_function(stack):
    """The stack's template plus a raw function whose role does not exist (the emulator refuses it)."""
    template = stack.compile("dev")
    template.add_resource(awslambda.Function(
        "Raw", Runtime="python3.12", Handler="index.handler", Code=awslambda.Code(ZipFile="x"),
        Role="arn:aws:iam::123456789012:role/does-not-exist"))
    return template


def first_version(tmp_path, name):
    stack = Stack(name)
    stack.add("function", "Fn")
    stack.add("table", "Old")  # deleted by the failing update
    stack.connect("Fn", "Old")
    stack.save(tmp_path / f"{name}.yaml")
    return stack


def second_version(stack):
    stack.remove("Old")
    stack.add("queue", "Jobs")  # added, and it modifies Fn (event source, role policy)
    stack.connect("Jobs", "Fn")


def test_failed_update_that_modifies_adds_and_deletes_keeps_the_previous_deployment(tmp_path, local_target):
    endpoint = local_target
    stack = first_version(tmp_path, "faulty")
    good = stack.deploy("dev", yes=True, quiet=True)
    assert good.status == "succeeded"
    before = running_resources(endpoint, "faulty-dev")

    second_version(stack)
    bad = stack.deploy("dev", yes=True, quiet=True, template=with_bad_function(stack))
    assert bad.status == "failed"
    assert bad.failure["logical_id"] == "Raw" and "cannot be assumed" in bad.failure["reason"]
    assert "the previous deployment stays current" in bad.summary()
    assert {"Add", "Modify", "Remove"} <= set(bad.changes["action"])

    assert_agree(stack, endpoint, good.id)
    assert set(running_resources(endpoint, "faulty-dev")) == set(before)  # Old is back, Jobs and Raw gone
    assert [n.id for n in stack.deployed("dev").nodes] == ["Fn", "Old"]
    row = stack.deployments("dev").iloc[0]
    assert (row["deployment"], row["status"], row["failed_resource"]) == (bad.id, "failed", "Raw")
    assert "cannot be assumed" in row["reason"]
    tables = aws(endpoint, "dynamodb").list_tables()["TableNames"]
    assert running_resources(endpoint, "faulty-dev")["Old"] in tables  # really there, not just listed

    # The fixed design deploys, and what the failed update had added and removed is really created.
    fixed = stack.deploy("dev", yes=True, quiet=True)
    assert fixed.status == "succeeded", fixed.summary()
    assert_agree(stack, endpoint, fixed.id)
    queue = running_resources(endpoint, "faulty-dev")["Jobs"].rsplit("/", 1)[1]
    assert queue in [url.rsplit("/", 1)[1] for url in aws(endpoint, "sqs").list_queues().get("QueueUrls", [])]

    assert stack.destroy("dev", yes=True, quiet=True).status == "destroyed"
    assert stack.status("dev").state == "not deployed"


def test_an_error_while_restoring_is_reported_not_swallowed(tmp_path, local_target):
    """Re-creating the previous deployment fails (injected on the kit's own HTTP client): the
    result says so, never that the previous deployment was kept."""
    from stackerynb.deploy.target import connect
    stack = first_version(tmp_path, "unkept")
    assert stack.deploy("dev", yes=True, quiet=True).status == "succeeded"
    second_version(stack)
    cf = connect(stack.environment("dev")).client("cloudformation")

    def refuse_recreate(params, **_):
        if params.get("StackName") == "unkept-dev" and params.get("ChangeSetType") == "CREATE" \
                and "-recover-" in params.get("ChangeSetName", ""):
            raise RuntimeError("injected: the emulator refused the re-creation")
    cf.meta.events.register("provide-client-params.cloudformation.CreateChangeSet", refuse_recreate)
    try:
        bad = stack.deploy("dev", yes=True, quiet=True, template=with_bad_function(stack))
    finally:
        cf.meta.events.unregister("provide-client-params.cloudformation.CreateChangeSet", refuse_recreate)
    assert bad.status == "failed" and bad.record["restored"] is False
    text = bad.summary()
    assert "re-creating the previous deployment failed" in text and "injected" in text
    assert "stays current" not in text
    status = stack.status("dev")
    assert status.state == "not deployed" and status.current is None  # and history says the same
    assert not stack.deployments("dev")["current"].any()
    assert stack.deploy("dev", yes=True, quiet=True).status == "succeeded"  # deploying again works


# ------------------------------------------------------------------ the emulator killed mid-deploy
@pytest.fixture
def project_emulator(tmp_path, monkeypatch):
    """The project's own emulator process (no STACKERYNB_LOCAL_ENDPOINT), stopped afterwards."""
    from stackerynb.deploy import local
    monkeypatch.delenv(local.ENDPOINT_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    local.stop(tmp_path, reset=True)
    assert local.find(tmp_path) is None


def _kill_emulator(project):
    from stackerynb.deploy import local
    running = local.find(project)
    os.kill(running.pid, signal.SIGKILL)
    while local._alive(running.pid):
        pass  # the kernel reaps it within microseconds; a kill is not asynchronous for long


@pytest.mark.parametrize("when", ["before ExecuteChangeSet", "after ExecuteChangeSet"])
def test_emulator_killed_mid_deploy_history_and_stack_agree_after_restart(project_emulator, when):
    from stackerynb.deploy import local
    from stackerynb.deploy.target import connect
    project = project_emulator
    stack = first_version(project, "killed")
    good = stack.deploy("dev", yes=True, quiet=True)
    assert good.status == "succeeded"
    second_version(stack)
    prepared = stack.prepare("dev", quiet=True)
    cf = connect(stack.environment("dev"), project=project).client("cloudformation")
    event = ("before-send" if when.startswith("before") else "after-call") + ".cloudformation.ExecuteChangeSet"

    def kill(**_):
        _kill_emulator(project)
    cf.meta.events.register(event, kill)
    try:
        with pytest.raises(StackError, match="local emulator .* stopped answering.*stackerynb local start"):
            prepared.execute(quiet=True)
    finally:
        cf.meta.events.unregister(event, kill)

    restarted = local.start(project)
    assert restarted.restored > 0  # the saved state came back
    endpoint = restarted.endpoint
    expected = good.id if when.startswith("before") else prepared.id
    assert_agree(stack, endpoint, expected)
    table = stack.deployments("dev").set_index("deployment")
    assert table.loc[prepared.id, "status"] == ("succeeded" if expected == prepared.id else "prepared")
    assert stack.destroy("dev", yes=True, quiet=True).status == "destroyed"

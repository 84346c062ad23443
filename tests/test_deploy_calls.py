"""The local target's API calls, counted on the kit's own clients (botocore's ``before-call``
event) against a real moto server, so they cannot creep back: a first deploy, a one-node
update, a deploy with nothing to change and reading the history each make exactly these."""
from __future__ import annotations

from collections import Counter

import pytest

from stackerynb import Stack
from stackerynb.deploy import history, target
from test_deploy_local import shop


@pytest.fixture
def calls(local_target, monkeypatch):
    """Every AWS operation the kit's clients send, as ``service.Operation`` (fresh clients and
    caches, as in a new process)."""
    made: list[str] = []
    monkeypatch.setattr(target, "_local_clients", {})
    monkeypatch.setattr(target, "_local_accounts", {})
    monkeypatch.setattr(history, "_known", {})
    new_client = target.Cloud._new_client

    def counted(self, service):
        client = new_client(self, service)
        client.meta.events.register(
            "before-call", lambda model, **_: made.append(f"{model.service_model.service_name}.{model.name}"))
        return client

    monkeypatch.setattr(target.Cloud, "_new_client", counted)
    return made


def taken(made: list[str]) -> Counter:
    out = Counter(made)
    made.clear()
    return out


def design(folder, name: str) -> Stack:
    """An API, two functions (one with its own code), a table and a queue: the counted design."""
    return shop(folder, name, secret=False)


FRESH = "counting"  # an environment no other test deploys to
CHANGE_SET = {"cloudformation.CreateChangeSet": 1, "cloudformation.DescribeChangeSet": 1,
              "cloudformation.ExecuteChangeSet": 1}


def test_a_first_deploy_an_update_and_the_history_make_exactly_these_calls(tmp_path, calls):
    """In an environment of its own, so its artifacts bucket is new whichever tests ran before."""
    stack = design(tmp_path, "counted")
    first = stack.deploy(FRESH, yes=True, quiet=True)
    assert first.status == "succeeded", first.summary()
    assert taken(calls) == Counter({
        "sts.GetCallerIdentity": 1,  # the emulator's account names the artifacts bucket; once per process
        "cloudformation.DescribeStacks": 2,  # state before (status), outputs after
        "s3.HeadBucket": 1, "s3.CreateBucket": 1, "s3.PutPublicAccessBlock": 1, "s3.PutBucketEncryption": 1,
        "s3.PutBucketTagging": 1,  # the artifacts bucket, made private and encrypted once
        "s3.PutObject": 3,  # Worker's code (a new bucket holds nothing: no lookup), records in progress + done
        **CHANGE_SET,
    })

    stack.set("Worker", memory=512)
    update = stack.deploy(FRESH, yes=True, quiet=True)
    assert update.status == "succeeded" and update.changed == 1
    assert update.record["packages"]["Worker"]["uploaded"] is False
    assert taken(calls) == Counter({
        "cloudformation.DescribeStacks": 2, "cloudformation.GetTemplate": 1,  # state and template before; outputs
        "s3.HeadBucket": 1,
        "s3.PutObject": 2,  # records only: the running template already points at Worker's code
        **CHANGE_SET,
    })

    again = stack.deploy(FRESH, yes=True, quiet=True)
    assert again.status == "no changes"
    assert taken(calls) == Counter({"cloudformation.DescribeStacks": 1, "cloudformation.GetTemplate": 1,
                                    "s3.HeadBucket": 1})

    table = stack.deployments(FRESH)
    assert table["deployment"].tolist() == [update.id, first.id] and table["current"].tolist() == [True, False]
    assert taken(calls) == Counter({"cloudformation.DescribeStacks": 1, "cloudformation.GetTemplate": 1,
                                    "s3.ListObjectsV2": 1})  # the records were written here: known by ETag


def test_new_code_is_sent_once_and_a_new_process_reads_each_record_once(tmp_path, calls, monkeypatch):
    stack = design(tmp_path, "recounted")
    stack.deploy("dev", yes=True, quiet=True)
    (tmp_path / "worker" / "handler.py").write_text("def handler(event, context):\n    return 2\n")
    taken(calls)
    changed = stack.deploy("dev", yes=True, quiet=True)
    assert changed.status == "succeeded" and changed.record["packages"]["Worker"]["uploaded"] is True
    counted = taken(calls)
    assert "s3.HeadObject" not in counted and counted["s3.PutObject"] == 3  # small code: sent, not asked; records

    from stackerynb.deploy import artifacts
    monkeypatch.setattr(artifacts, "ASK_ABOVE", 0)  # as for a large package: asked first, sent only when absent
    (tmp_path / "worker" / "handler.py").write_text("def handler(event, context):\n    return 3\n")
    third = stack.deploy("dev", yes=True, quiet=True)
    assert third.record["packages"]["Worker"]["uploaded"] is True
    counted = taken(calls)
    assert counted["s3.HeadObject"] == 1 and counted["s3.PutObject"] == 3

    monkeypatch.setattr(history, "_known", {})  # as a new process: every record is fetched once
    table = stack.deployments("dev")
    assert len(table) == 3 and taken(calls)["s3.GetObject"] == 3
    stack.deployments("dev")
    assert "s3.GetObject" not in taken(calls)


def test_a_record_changed_elsewhere_is_read_again(tmp_path, calls):
    """The cache is keyed by ETag: a record rewritten by another process is fetched anew."""
    stack = design(tmp_path, "rewritten")
    first = stack.deploy("dev", yes=True, quiet=True)
    cloud = first._plan.cloud
    s3 = target.local.session("us-east-1").client("s3", endpoint_url=cloud.endpoint)
    bucket = first._plan.artifacts.bucket
    item = history.key(first.record["cf_stack"], first.id)
    import json
    record = json.loads(s3.get_object(Bucket=bucket, Key=item)["Body"].read())
    record["user"] = "someone-else"
    s3.put_object(Bucket=bucket, Key=item, Body=json.dumps(record).encode())
    taken(calls)
    table = stack.deployments("dev")
    assert table["user"].tolist() == ["someone-else"]
    assert taken(calls)["s3.GetObject"] == 1


def test_a_terminal_deploy_loads_no_pandas_and_shows_the_change_set_as_pandas_would(tmp_path, local_target):
    import os
    import subprocess
    import sys
    from pathlib import Path

    design(tmp_path, "terminal")
    code = ("import sys\nfrom stackerynb.cli import main\n"
            f"status = main(['deploy', {str(tmp_path / 'terminal.yaml')!r}, '--yes', '--quiet'])\n"
            "print('pandas loaded' if 'pandas' in sys.modules else 'no pandas', status)\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(root), "STACKERYNB_LOCAL_ENDPOINT": local_target})
    assert done.stdout.strip().endswith("no pandas 0"), done.stdout + done.stderr
    assert "succeeded" in done.stdout and "AWS::Lambda::Function" in done.stdout

    stack = design(tmp_path / "again", "tabled")
    deployment = stack.deploy("dev", yes=True, quiet=True)
    table = deployment.changes.to_string(index=False)
    assert deployment.preview().endswith("\n" + table) and "AWS::SQS::Queue" in table


def test_the_history_of_a_stack_never_deployed_is_empty_in_two_calls(tmp_path, calls):
    """No stack and no artifacts bucket yet (a new environment): an empty table, not an error."""
    stack = design(tmp_path, "never")
    table = stack.deployments("fresh-env")
    assert table.empty and list(table.columns)[:3] == ["deployment", "kind", "status"]
    assert taken(calls) == Counter({"sts.GetCallerIdentity": 1, "cloudformation.DescribeStacks": 1,
                                    "s3.ListObjectsV2": 1})

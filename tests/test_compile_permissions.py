"""stack.permissions(env): one DataFrame row per generated statement."""
from __future__ import annotations

import json

from stackerynb.compile import PERMISSION_COLUMNS, compile_report, permissions_table
from stackerynb.compile.governance import statements
from stackerynb.examples import EXAMPLES, rate_limiting
from stackerynb.model.environments import Environment

DEV = Environment(name="dev")


def test_the_table_has_one_row_per_statement_in_the_template():
    for build in EXAMPLES.values():
        stack = build()
        table = stack.permissions(DEV)
        template = json.loads(compile_report(stack, DEV).to_json())
        assert list(table.columns) == PERMISSION_COLUMNS
        assert len(table) == sum(1 for _ in statements(template["Resources"]))


def test_rows_name_wire_principal_actions_and_resources():
    table = permissions_table(rate_limiting(), DEV)
    wired = table[table["wire"].notna()]
    assert set(wired["wire"]) == {"EveryMinute -> Filler", "Filler -> Work", "Filler -> Jobs", "Jobs -> Worker",
                                  "Worker -> TokenBucket"}  # the cache's AUTH token
    filler_jobs = wired[wired["wire"] == "Filler -> Jobs"].iloc[0]
    assert filler_jobs["principal"] == "FillerRole" and filler_jobs["kind"] == "identity"
    assert filler_jobs["actions"] == ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    assert filler_jobs["resources"] == ["${Jobs.Arn}"]
    timer = wired[wired["wire"] == "EveryMinute -> Filler"].iloc[0]
    assert (timer["principal"], timer["kind"]) == ("events.amazonaws.com", "resource")
    assert json.loads(timer["condition"]) == {"ArnLike": {"aws:SourceArn": "${EveryMinute.Arn}"}}
    # the worker only reads the queue and the cache token it is wired to; of its network access
    # only Describe* (no resource types) is on "*", interface actions are scoped to the network
    worker = table[table["principal"] == "WorkerRole"]
    resources = worker["resources"].tolist()
    assert resources[0] == ["${WorkerLogGroup.Arn}"] and resources[1] == ["*"]
    assert worker["actions"].tolist()[1] == ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
    assert [r[-1].rsplit(":", 1)[-1] for r in resources[2:4]] == ["security-group/${WorkerSecurityGroup.GroupId}",
                                                                 "network-interface/*"]
    assert resources[4:] == [["${Jobs.Arn}"], ["${TokenBucketAuthToken}"]]
    assert worker["wire"].isna().tolist() == [True, True, True, True, False, False]

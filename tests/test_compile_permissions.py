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
    assert set(wired["wire"]) == {"EveryMinute -> Filler", "Filler -> Work", "Filler -> Jobs", "Jobs -> Worker"}
    filler_jobs = wired[wired["wire"] == "Filler -> Jobs"].iloc[0]
    assert filler_jobs["principal"] == "FillerRole" and filler_jobs["kind"] == "identity"
    assert filler_jobs["actions"] == ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    assert filler_jobs["resources"] == ["${Jobs.Arn}"]
    timer = wired[wired["wire"] == "EveryMinute -> Filler"].iloc[0]
    assert (timer["principal"], timer["kind"]) == ("events.amazonaws.com", "resource")
    assert json.loads(timer["condition"]) == {"ArnLike": {"aws:SourceArn": "${EveryMinute.Arn}"}}
    # the worker only reads the queue it is wired to; its network access is the one "*" row
    worker = table[table["principal"] == "WorkerRole"]
    assert worker["resources"].tolist() == [["${WorkerLogGroup.Arn}"], ["*"], ["${Jobs.Arn}"]]
    assert worker["wire"].isna().tolist() == [True, True, False]

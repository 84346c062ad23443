"""``stackerynb cost``: the tradeoff table from a stack file and a traffic file."""
from __future__ import annotations

import io

import pytest

from stackerynb import Stack, StackError
from stackerynb.analysis.cli_cost import cost_command


def files(tmp_path):
    s = Stack("shop", path=tmp_path / "shop.yaml")
    s.add("rest_api", "Api")
    for f in ("Get", "Put", "Charge"):
        s.add("function", f)
    s.connect("Api", "Get")
    s.connect("Api", "Put")
    s.connect("Put", "Charge")
    s.save(tmp_path / "shop.yaml")
    (tmp_path / "traffic.csv").write_text("entry,profile,rate_per_second,duration_ms\n"
                                          "Api->Get,constant,0.2,50\nApi->Put,diurnal,0.05,120\nCharge,none,,300\n")
    return tmp_path / "shop.yaml", tmp_path / "traffic.csv"


def test_cost_prints_the_tradeoff_table_and_the_best_merge(tmp_path):
    stack, traffic = files(tmp_path)
    out = io.StringIO()
    assert cost_command(stack, traffic, out, days=0.5) == 0
    text = out.getvalue()
    for design in ("as designed", "one function per api", "proxies collapsed", "consolidated"):
        assert design in text
    assert "total $/mo" in text and "cold/day" in text and "iam actions" in text
    assert "Merges, best saving first:" in text
    assert "Merging Put, Charge saves $" in text


def test_cost_reports_bad_traffic_files_by_line(tmp_path):
    stack, traffic = files(tmp_path)
    traffic.write_text("entry,profile,rate_per_second\nApi->Get,sometimes,1\n")
    with pytest.raises(StackError, match=r"traffic.csv line 2: unknown profile 'sometimes'"):
        cost_command(stack, traffic, io.StringIO())


def test_argparse_glue_runs_the_command(tmp_path):
    import argparse

    from stackerynb.analysis.cli_cost import add_arguments, run

    stack, traffic = files(tmp_path)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([str(stack), "--traffic", str(traffic), "--days", "0.25", "--keep-alive", "300"])
    out = io.StringIO()
    assert run(args, out) == 0
    assert "keep-alive 300 s" in out.getvalue()


def test_designs_are_described_in_words_not_a_dash(tmp_path):
    stack, traffic = files(tmp_path)
    out = io.StringIO()
    cost_command(stack, traffic, out, days=0.25)
    text = out.getvalue()
    assert "as designed: -" not in text
    assert "as designed: every function on its own, nothing merged" in text
    assert "proxies collapsed: merges Put+Charge" in text


def test_cost_help_is_plain_text_and_shows_the_traffic_file():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "stackerynb", "cost", "--help"], capture_output=True, text=True, check=True).stdout
    assert "`" not in out
    assert "entry,profile,rate_per_second" in out and "Api->GetOrder,diurnal,5,4,14,,,,120" in out
    assert "--logs PATH" in out and "REPORT" in out


def test_cost_replays_the_shipped_log_file(tmp_path):
    from stackerynb.analysis.cli_cost import logs_command
    from stackerynb.analysis.samples import orders_stack, sample_log

    stack = orders_stack()
    stack.save(tmp_path / "orders.yaml")
    out = io.StringIO()
    assert logs_command(tmp_path / "orders.yaml", sample_log(), out) == 0
    text = out.getvalue()
    assert "9,769 invocations of 5 function(s)" in text
    assert "platform calibrated on the logs: routing spread" in text
    for design in ("as deployed (observed)", "as deployed", "one function per api", "proxies collapsed", "consolidated"):
        assert f"\n{design} " in text


def test_traffic_and_logs_are_exclusive_and_one_is_needed(tmp_path, capsys):
    import argparse

    from stackerynb.analysis.cli_cost import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    for argv in (["s.yaml"], ["s.yaml", "--traffic", "t.csv", "--logs", "l.log"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)

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

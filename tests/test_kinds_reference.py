"""``stackerynb kinds``: the catalogue wrapped to the terminal, ``kinds KIND`` and the generated
reference page ``docs/kinds.md``, which must match the catalogue exactly; and the command line
ending quietly when its reader goes away (``stackerynb kinds | head``)."""
from __future__ import annotations

import dataclasses
import json

from stackerynb.catalog.kinds import COMMON_SETTINGS
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stackerynb.catalog import kind, kinds, wire_pairs, wire_profile
from stackerynb.cli import kind_reference, main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "kinds.md"


def _run(*args: str, columns: int | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("COLUMNS", None)
    if columns:
        env["COLUMNS"] = str(columns)
    return subprocess.run([sys.executable, "-m", "stackerynb", *args], env=env, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120)


# ------------------------------------------------------------------ the page
def test_the_reference_page_matches_the_catalogue():
    assert PAGE.read_text() == kind_reference.markdown(), \
        f"docs/kinds.md is stale: regenerate it with `{kind_reference.PAGE_COMMAND}`"


def test_a_catalogue_change_makes_the_page_stale(monkeypatch):
    """The check above can fail: change one default in the catalogue and the page differs."""
    registry = sys.modules["stackerynb.catalog.kinds"]._KINDS  # the module, not the kinds() function
    function = registry["function"]
    memory = dataclasses.replace(function.settings["memory"], default=256)
    monkeypatch.setitem(registry, "function",
                        dataclasses.replace(function, settings={**function.settings, "memory": memory}))
    assert "| `memory` | int | `256` |" in kind_reference.markdown()
    assert PAGE.read_text() != kind_reference.markdown()


def _section(page: str, name: str) -> str:
    start = page.index(f"\n## {name}\n")
    end = page.find("\n## ", start + 1)
    return page[start:end if end != -1 else None]


def test_the_page_has_every_setting_with_type_default_range_and_help():
    page = PAGE.read_text()
    for spec in kinds():
        section = _section(page, spec.name)
        assert spec.help in section
        for s in spec.settings.values():
            if s.name in COMMON_SETTINGS:  # listed once at the top of the page
                assert f"- `{s.name}`: {s.help}" in page
                continue
            row = next(line for line in section.splitlines() if line.startswith(f"| `{s.name}` |"))
            assert f"| {s.type} |" in row and f"`{json.dumps(s.default, ensure_ascii=False)}`" in row
            assert s.help.replace("|", "\\|") in row
            if s.min is not None:
                assert f"{s.min}..{s.max}" in row
            for choice in s.choices:
                assert str(choice) in row
            if s.required:
                assert "**required.**" in row


def test_the_page_has_every_wire_in_and_out_with_what_it_grants():
    page = PAGE.read_text()
    for source, target in wire_pairs():
        profile = wire_profile(source, target)
        for side, name in (("Wires out", source), ("Wires in", target)):
            section = _section(page, name)
            block = section[section.index(f"### {side}"):]
            entry = block[block.index(f"- **{source} -> {target}**: {profile.summary}"):]
            entry = entry[:entry.find("\n- **", 1) if "\n- **" in entry[1:] else None]
            for level, statements in profile.access.items():
                assert f"access {level}" in entry
                for statement in statements:
                    for action in statement.actions:
                        assert f"`{action}`" in entry
            for suffix in profile.env:
                assert f"`<{target.upper()}_ID>_{suffix}`" in entry
            if profile.event:
                assert f"event source: `{profile.event}`" in entry
            assert "adds resources:" in entry


def test_resource_types_come_from_compiling_each_kind_and_wire():
    """A few the compiler is known to emit: the reference must have found them by compiling."""
    assert "AWS::Lambda::Function" in kind_reference.compiled_types("function")
    assert "AWS::RDS::DBInstance" in kind_reference.compiled_types("database")  # placed in a network
    assert "AWS::ECS::Service" in kind_reference.compiled_types("docker_service")  # with its cluster
    assert "AWS::ECS::Cluster" not in kind_reference.compiled_types("docker_service")  # the cluster's own
    assert "AWS::Lambda::EventSourceMapping" in kind_reference.wire_types("queue", "function")
    assert "AWS::EC2::SecurityGroupIngress" in kind_reference.wire_types("function", "database")
    assert kind_reference.wire_types("function", "table") == []  # statements go into the role
    for spec in kinds():
        if spec.name != "config_store":  # parameters exist only for environments that set values
            assert kind_reference.compiled_types(spec.name), spec.name


# --------------------------------------------------------------- the command
def test_kinds_kind_prints_the_reference_within_the_terminal_width():
    result = _run("kinds", "function", columns=80)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = " ".join(line.strip() for line in lines)
    for s in kind("function").settings.values():
        assert f"{s.name} ({s.type}, default {json.dumps(s.default)}" in text
    assert "function -> table:" in text and "rest_api -> function:" in text  # out and in
    assert "AWS::Lambda::Function" in text


def test_kinds_kind_as_json_and_markdown(capsys):
    assert main(["kinds", "queue", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == kind_reference.reference("queue")
    assert {w["source"] for w in data["wires_in"]} == {s for s, t in wire_pairs() if t == "queue"}
    assert main(["kinds", "queue", "--markdown"]) == 0
    assert capsys.readouterr().out.strip() == _section(PAGE.read_text(), "queue").strip()


def test_an_unknown_kind_is_a_clear_error_listing_the_kinds():
    result = _run("kinds", "functon")
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "unknown kind 'functon' (did you mean 'function'?)" in result.stderr
    for spec in kinds():
        assert spec.name in result.stderr


@pytest.mark.parametrize("columns", [60, 100, 200])
def test_the_catalogue_table_fits_the_terminal(columns):
    result = _run("kinds", columns=columns)
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= columns


def test_the_catalogue_table_is_100_wide_in_a_pipe_and_loses_nothing():
    result = _run("kinds")  # stdout is a pipe, COLUMNS unset
    lines = result.stdout.splitlines()
    assert 80 < max(len(line) for line in lines) <= 100
    words = result.stdout.replace(",", " ").split()
    for spec in kinds():
        assert spec.name in words
        for s in spec.settings.values():
            assert any(w == s.name or w.startswith(f"{s.name}=") for w in words), (spec.name, s.name)


@pytest.mark.parametrize("args", [["kinds"], ["kinds", "--markdown"], ["kinds", "function"]])
def test_a_closed_pipe_ends_the_command_quietly(args):
    """``stackerynb kinds | head``: the reader is gone before the command writes."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "stackerynb", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, as a shell reports it
    assert err == ""


def test_a_closed_pipe_ends_another_command_quietly(tmp_path):
    """The handling is in the entry point, so every command has it (here: compile to stdout)."""
    from stackerynb.examples import api_with_table
    path = api_with_table().save(tmp_path / "stacks" / "orders.yaml")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "stackerynb", "compile", str(path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err

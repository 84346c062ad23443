"""The realistic example stacks compile to the golden templates kept in tests/golden/.

A deliberate change of the compiler shows up as a diff of the golden files: regenerate them
with ``STACKERYNB_UPDATE_GOLDEN=1 pytest tests/test_compile_examples.py`` and review the diff.
"""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

from stackerynb import Stack
from stackerynb.compile import GovernanceWarning, compile_report
from stackerynb.examples import EXAMPLES
from stackerynb.model.environments import Environment

from test_compile_checks import lint, statements_outside_target, structure_problems

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("STACKERYNB_UPDATE_GOLDEN") == "1"
DEV = Environment(name="dev")
PROD = Environment(name="prod", production=True, region="eu-west-1")


def _golden(path: Path, text: str) -> str:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_matches_its_golden_stack_file_and_template(name):
    stack = EXAMPLES[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", GovernanceWarning)
        template = compile_report(stack, DEV).to_json()
    assert stack.dumps() == _golden(GOLDEN / f"{name}.yaml", stack.dumps())
    assert template == _golden(GOLDEN / f"{name}.dev.json", template)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_golden_stack_file_compiles_to_a_lint_clean_coherent_template(name):
    stack = Stack.load(GOLDEN / f"{name}.yaml")
    result = compile_report(stack, DEV)
    text = result.to_json()
    assert text == (GOLDEN / f"{name}.dev.json").read_text(encoding="utf-8")
    errors, _ = lint(text)
    assert errors == []
    assert structure_problems(json.loads(text)) == []
    assert statements_outside_target(result) == []


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_pass_production_governance(name):
    result = compile_report(EXAMPLES[name](), PROD)
    assert result.problems == []
    template = json.loads(result.to_json())
    kept = {b.get("DeletionPolicy") for b in template["Resources"].values()} - {None}
    assert "Delete" not in kept  # production keeps its data


def test_one_stack_compiles_differently_per_environment_without_edits():
    stack = EXAMPLES["rate_limiting"]()
    before = stack.dumps()
    dev = json.loads(compile_report(stack, DEV).to_json())
    prod = json.loads(compile_report(stack, PROD).to_json())
    assert stack.dumps() == before
    assert dev["Resources"]["FillerLogGroup"]["Properties"]["LogGroupName"] == "/aws/lambda/rate-limiting-dev-Filler"
    assert prod["Resources"]["FillerLogGroup"]["Properties"]["LogGroupName"] == "/aws/lambda/rate-limiting-prod-Filler"
    assert dev["Resources"]["Work"]["DeletionPolicy"] == "Delete"
    assert prod["Resources"]["Work"]["DeletionPolicy"] == "Retain"


def test_metadata_is_left_free_for_the_caller_and_stack_compile_is_the_same_compile():
    stack = EXAMPLES["cdn_site"]()
    template = stack.compile(DEV)
    assert template.metadata == {}
    stamped = compile_report(stack, DEV, metadata={"Stackerynb": {"stack": "site.yaml"}})
    assert json.loads(stamped.to_json())["Metadata"] == {"Stackerynb": {"stack": "site.yaml"}}
    assert json.loads(template.to_json(sort_keys=False))["Resources"] == json.loads(stamped.to_json())["Resources"]

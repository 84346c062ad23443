"""Text settings reach the template as the user wrote them, ``${`` included (cfn-lint E1029)."""
from __future__ import annotations

import json

import pytest

from stackerynb.catalog import KIND_NAMES, kind as catalog_kind
from stackerynb.compile import compile_report
from stackerynb.model.environments import Environment

from test_compile_checks import lint
from test_compile_kinds import alone

DEV = Environment(name="dev")
LITERAL = "${AWS::Region}"
# a value per setting type that holds the literal text ${AWS::Region}
SAMPLES = {
    "str": lambda default: f"{default or 'x'}{LITERAL}",
    "map": lambda default: {"Note": f"in {LITERAL}"},
    "list": lambda default: [f"x{LITERAL}"],
}


def text_settings():
    """(kind, setting, value) for every text setting that accepts a value holding ``${``."""
    for kind in KIND_NAMES:
        for name, spec in catalog_kind(kind).settings.items():
            if spec.type in SAMPLES:
                sample = SAMPLES[spec.type](spec.default)
                if spec.check(sample) is None:
                    yield kind, name, sample


CASES = list(text_settings())


def test_text_settings_with_dollar_braces_exist():
    names = {(k, s) for k, s, _ in CASES}
    assert {("function", "environment"), ("timer", "payload"), ("secret", "description"),
            ("config_store", "parameters")} <= names


@pytest.mark.parametrize("kind, setting, sample", CASES, ids=[f"{k}.{s}" for k, s, _ in CASES])
def test_text_with_dollar_braces_lints_clean_and_stays_literal(kind, setting, sample):
    if kind == "timer" and setting == "payload":
        sample = json.dumps({"region": LITERAL})
    try:
        result = compile_report(alone(kind, **{setting: sample}), DEV, warn=False)
    except Exception as exc:  # a setting the compiler refuses for another reason says so clearly
        from stackerynb import StackError
        assert isinstance(exc, StackError), exc
        return
    text = result.to_json()
    assert lint(text)[0] == []
    # nowhere does the literal become a substitution: it is either escaped in a Sub or absent
    for match in _plain_strings_with(json.loads(text), "${AWS::Region}"):
        raise AssertionError(f"{kind}.{setting}: literal ${{...}} outside Fn::Sub: {match}")


def _plain_strings_with(data, needle, in_sub=False):
    if isinstance(data, dict):
        for key, item in data.items():
            if key == "Fn::Sub":
                continue  # Sub text holds real substitutions and escaped literals
            yield from _plain_strings_with(item, needle)
    elif isinstance(data, list):
        for item in data:
            yield from _plain_strings_with(item, needle)
    elif isinstance(data, str) and needle in data and "Fn::" not in data:
        yield data


def test_a_handler_with_dollar_braces_lints_clean():
    result = compile_report(alone("function", handler=f"app{LITERAL}.handler"), DEV,
                            code_locations={"Node": ("bucket", "key.zip")}, warn=False)
    assert lint(result.to_json())[0] == []
    assert json.loads(result.to_json())["Resources"]["Node"]["Properties"]["Handler"] == {
        "Fn::Sub": "app${!AWS::Region}.handler"}

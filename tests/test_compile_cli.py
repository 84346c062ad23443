"""``stackerynb compile FILE --env ENV -o template.json``."""
from __future__ import annotations

import json

from stackerynb import Stack
from stackerynb.cli import main
from stackerynb.compile import compile_report
from stackerynb.examples import api_with_table


def _stack_file(tmp_path, stack: Stack, environments: str | None = None):
    path = stack.save(tmp_path / "stacks" / f"{stack.name}.yaml")
    if environments is not None:
        (path.parent / "environments.yaml").write_text(environments)
    return path


def test_compile_writes_the_template_for_the_environment(tmp_path, capsys):
    path = _stack_file(tmp_path, api_with_table())
    out = tmp_path / "build" / "template.json"
    assert main(["compile", str(path), "--env", "test", "-o", str(out)]) == 0
    written = json.loads(out.read_text())
    assert written == json.loads(compile_report(Stack.load(path), "test").to_json())
    assert written["Resources"]["GetOrderLogGroup"]["Properties"]["LogGroupName"] == "/aws/lambda/orders-test-GetOrder"
    assert list(written)[:2] == ["AWSTemplateFormatVersion", "Description"]
    assert "16 resources for environment test" in capsys.readouterr().err  # the routes live in the API body
    assert [p.name for p in out.parent.iterdir()] == ["template.json"]  # no temporary left behind


def test_compile_to_stdout_and_yaml(tmp_path, capsys):
    path = _stack_file(tmp_path, api_with_table())
    assert main(["compile", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["Resources"]["Api"]["Type"] == "AWS::ApiGateway::RestApi"
    out = tmp_path / "template.yaml"
    assert main(["compile", str(path), "-o", str(out)]) == 0
    text = out.read_text()
    assert "!GetAtt" in text and text.index("  Api:") < text.index("  ApiStage:")


def _leaky() -> Stack:
    s = Stack("leaky")
    s.add("function", "Fn", environment={"DB_PASSWORD": "hunter2"})
    return s


def test_governance_warnings_go_to_stderr_outside_production(tmp_path, capsys):
    path = _stack_file(tmp_path, _leaky())
    assert main(["compile", str(path), "-o", str(tmp_path / "t.json")]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "G006" in err and "DB_PASSWORD" in err


def test_production_violations_exit_1_and_leave_the_old_template_alone(tmp_path, capsys):
    path = _stack_file(tmp_path, _leaky(), "prod:\n  production: true\n")
    out = tmp_path / "t.json"
    out.write_text("previous")
    assert main(["compile", str(path), "--env", "prod", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: governance blocks the compile") and "Fn.environment" in err
    assert out.read_text() == "previous"
    assert main(["compile", str(path), "--env", "staging", "-o", str(out)]) == 1
    assert "unknown environment 'staging'" in capsys.readouterr().err


def test_an_invalid_stack_file_exits_1_listing_its_problems(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    text = api_with_table().dumps()
    assert "access: read" in text
    path.write_text(text.replace("access: read", "access: sing", 1))
    assert main(["compile", str(path), "-o", str(tmp_path / "t.json")]) == 1
    assert "access 'sing' is not offered" in capsys.readouterr().err
    assert not (tmp_path / "t.json").exists()

"""Values no setting can hold, and code folders that must exist: clear problems, never a traceback."""
from __future__ import annotations

import pytest

from stackerynb import Stack, StackError
from stackerynb.cli import main
from stackerynb.model.rules import MAX_NESTING, shown

HUGE = 10 ** 5000


@pytest.mark.parametrize("edit", [
    lambda s: s.add("function", "F", memory=HUGE),
    lambda s: s.add("function", "F", environment={"N": HUGE}),
    lambda s: s.add("function", "F", memory=-HUGE),
    lambda s: s.set("G", memory=HUGE),
    lambda s: s.set("G", environment={"N": HUGE}),
    lambda s: s.add("bastion", "B", allowed_cidrs=[HUGE]),
])
def test_huge_numbers_are_refused_naming_node_and_setting(edit):
    stack = Stack("x")
    stack.add("function", "G")
    before = stack.dumps()
    with pytest.raises(StackError, match=r"(F|G|B)\.(memory|environment|allowed_cidrs): a whole number of 16610 bits is too large"):
        edit(stack)
    assert stack.dumps() == before


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.add("function", HUGE), "id <a whole number of 16610 bits> is not usable"),
    (lambda s: s.add(HUGE, "F"), "unknown kind <a whole number of 16610 bits>"),
    (lambda s: s.node(HUGE), "no node <a whole number of 16610 bits>"),
    (lambda s: s.rename("G", HUGE), "cannot rename G to <a whole number of 16610 bits>"),
    (lambda s: s.move("G", HUGE, 0), "G: position must be"),
    (lambda s: s.add("function", "F", position=(0, HUGE)), "F: position must be"),
    (lambda s: s.connect("G", "T", access=[HUGE]), "access must be a level name"),
    (lambda s: s.set("G", **{"memory": [[[[HUGE]]]]}), "G.memory: a whole number"),
    (lambda s: s.set("G", environment={"A": "\ud800"}), "G.environment: text with a lone surrogate"),
])
def test_huge_numbers_anywhere_in_the_api_are_clear_errors(edit, message):
    stack = Stack("x")
    stack.add("function", "G")
    stack.add("table", "T")
    with pytest.raises(StackError, match=message):
        edit(stack)


def test_shown_never_fails_and_stays_short():
    assert shown(HUGE) == "<a whole number of 16610 bits>"
    assert len(shown("x" * 1000)) == 80 and shown("ab") == "'ab'"


def test_over_deep_values_are_refused_in_settings_and_at_save(tmp_path):
    deep: object = "x"
    for _ in range(330):
        deep = {"a": deep}
    stack = Stack("x")
    with pytest.raises(StackError, match=f"F.environment: nested more than {MAX_NESTING} levels"):
        stack.add("function", "F", environment=deep)
    stack.raw = {"Resources": {"A": {"Type": "AWS::SQS::Queue", "Properties": deep}}}
    target = tmp_path / "x.yaml"
    with pytest.raises(StackError, match=f"cannot write stack 'x': its raw section is nested more than {MAX_NESTING}"):
        stack.save(target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_a_stack_file_with_a_huge_number_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nnodes:\n  F:\n    kind: function\n    settings:\n"
                    f"      environment: {{N: {'9' * 4000}}}\n")
    stack = Stack.load(path)
    [problem] = stack.problems()
    assert (problem.where, problem.line) == ("F.environment", 6) and "too large" in problem.message


# ------------------------------------------------------------------ code folders (issue 14 item 8)
def test_validate_reports_a_missing_code_folder(tmp_path, capsys):
    stack = Stack("shop")
    stack.add("function", "Worker", code="src/worker")
    path = stack.save(tmp_path / "shop.yaml")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: Worker.code: code folder 'src/worker' does not exist "
                          f"(looked for {tmp_path / 'src/worker'})")
    assert "(line 9)" in out and "      code: src/worker" == path.read_text().splitlines()[8]
    (tmp_path / "src" / "worker").mkdir(parents=True)
    assert main(["validate", str(path)]) == 0 and capsys.readouterr().out == "ok\n"


def test_a_code_archive_counts_and_a_stack_without_a_file_is_not_judged(tmp_path):
    stack = Stack("shop")
    stack.add("function", "Worker", code="build/worker.zip")
    assert stack.problems() == []  # no file yet: the folder is relative to it
    stack.save(tmp_path / "shop.yaml")
    assert [p.code for p in stack.problems()] == ["missing-code"]
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "worker.zip").write_bytes(b"PK")
    assert stack.problems() == []


def test_a_big_number_in_the_raw_section_loads_and_saves_unchanged(tmp_path):
    """Raw CloudFormation is kept verbatim: what the reader accepts, the writer writes."""
    path = tmp_path / "x.yaml"
    path.write_text("name: x\nraw:\n  Resources:\n    Q:\n      Type: AWS::SQS::Queue\n"
                    "      Properties: {Big: 18446744073709551616}\n")
    stack = Stack.load(path)
    stack.add("queue", "Jobs")
    stack.save()
    assert Stack.load(path).raw["Resources"]["Q"]["Properties"]["Big"] == 2 ** 64

"""compile_parts builds a stack once, whether it fits one template or is split; results give
their data without encoding the template again, and say why each resource exists."""
from __future__ import annotations

import json
import warnings

import pytest

from stackerynb import Stack
from stackerynb.compile import GovernanceWarning, compile_parts, compile_report, split_stack
from stackerynb.compile import compiler
from stackerynb.examples import EXAMPLES, fleet
from stackerynb.model.environments import Environment

from test_compile_checks import lint, structure_problems

DEV = Environment(name="dev")


@pytest.fixture
def builds(monkeypatch):
    """How many times the compiler builds a stack (the expensive step) during a test."""
    calls = []
    original = compiler.build

    def counting(stack, environment, **options):
        calls.append(stack.name)
        return original(stack, environment, **options)

    import stackerynb.compile as compile_package
    monkeypatch.setattr(compile_package, "build", counting)
    return calls


def test_a_stack_that_fits_is_built_once_and_compiles_as_compile_report_does(builds):
    stack = EXAMPLES["api_with_table"]()
    (result,) = compile_parts(stack, DEV)
    assert builds == ["orders"]
    assert result.to_json() == compile_report(stack, DEV).to_json()


def test_a_split_stack_is_built_once_and_its_parts_hold_every_resource_once(builds):
    big = fleet(200)  # two groups of 100 nodes: one template holds one group, not both
    with warnings.catch_warnings():
        warnings.simplefilter("error", GovernanceWarning)
        results = compile_parts(big, DEV)
    assert builds == ["fleet"]
    assert [r.stack.name for r in results] == [p.name for p in split_stack(big, DEV)] == ["fleet-1", "fleet-2"]
    whole = compiler.build(big, DEV)
    templates = [r.to_dict() for r in results]
    counts = [len(t["Resources"]) for t in templates]
    assert all(c <= 500 for c in counts) and sum(counts) == len(whole.resources)
    # each part's resources are its nodes' resources, with the physical names the whole stack gives
    for result, template in zip(results, templates):
        members = {n.id for n in result.stack.nodes}
        assert {whole.owners[lid] for lid in template["Resources"]} == members
        assert structure_problems(template) == []  # every reference resolves inside the part
        assert set(template.get("Outputs", {})) == {f"{n}Url" for n in members if n.endswith("Api")}
    log_group = templates[1]["Resources"]["G2U1WriterLogGroup"]["Properties"]["LogGroupName"]
    assert log_group == "/aws/lambda/fleet-dev-G2U1Writer"
    assert lint(json.dumps(templates[1]))[0] == []


def test_a_part_declares_only_the_parameters_its_resources_use():
    big = fleet(200)  # two groups of 100 nodes: one template holds one group, not both
    big.set("G2U1Writer", code="src/writer")  # packaged code needs the ArtifactBucket parameter
    first, second = compile_parts(big, DEV)
    assert "Parameters" not in first.to_dict()
    assert list(second.to_dict()["Parameters"]) == ["ArtifactBucket"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_to_dict_reuses_the_assembled_data_and_equals_troposphere_s_encoding(name):
    result = compile_report(EXAMPLES[name](), DEV, warn=False, metadata={"by": "test"})
    encoded = result.template.to_dict()
    assert result.to_dict() == {k: encoded[k] for k in result.to_dict()}
    assert set(encoded) - set(result.to_dict()) == set()
    assert json.loads(result.to_json()) == json.loads(result.to_json(indent=None)) == result.to_dict()
    assert result.to_json(indent=4) == json.dumps(result.to_dict(), indent=4)


def test_a_template_changed_after_compiling_is_encoded_afresh():
    from troposphere import sqs
    result = compile_report(EXAMPLES["cdn_site"](), DEV, warn=False)
    result.template.add_resource(sqs.Queue("Extra"))
    assert result.to_dict()["Resources"]["Extra"] == {"Type": "AWS::SQS::Queue"}


@pytest.mark.parametrize("stack", [*sorted(EXAMPLES), "fleet"])
def test_every_resource_says_why_it_exists(stack):
    design = fleet(30) if stack == "fleet" else EXAMPLES[stack]()
    result = compile_report(design, DEV, warn=False)
    reasons = result.reasons()
    assert list(reasons["resource"]) == list(result.to_dict()["Resources"])
    vague = reasons[reasons["why"].str.startswith("part of")]
    assert vague.empty, vague.to_string()
    log_groups = reasons[reasons["type"] == "AWS::Logs::LogGroup"]
    assert set(log_groups["kind"]) <= {"function", "docker_service"} and log_groups["why"].str.contains("retention").all()


def test_a_type_without_a_sentence_is_named_as_part_of_its_node():
    from stackerynb.compile.reasons import resource_rows
    s = Stack("one")
    s.add("queue", "Jobs")
    rows = resource_rows({"Resources": {"JobsOdd": {"Type": "AWS::Foo::Bar"}, "Lone": {"Type": "AWS::SQS::Queue"}}},
                         {"JobsOdd": "Jobs", "Lone": "raw"}, s)
    assert rows[0]["why"] == "part of queue Jobs"
    assert rows[1]["why"] == "kept as written in the stack's raw section"


def test_the_garbage_collector_is_back_on_after_a_compile_even_a_failing_one():
    import gc

    from stackerynb import StackError
    bad = Stack("bad")
    bad.add("rest_api", "Api", routes={"Ghost": "/ghost"})
    assert gc.isenabled()
    compile_parts(EXAMPLES["cdn_site"](), DEV, warn=False)
    assert gc.isenabled()
    with pytest.raises(StackError):
        compile_report(bad, DEV)
    assert gc.isenabled()
    gc.disable()
    try:
        compile_report(EXAMPLES["cdn_site"](), DEV, warn=False)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()

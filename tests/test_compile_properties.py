"""Properties of the compiler over random valid stacks (structure, not lint: lint is slow).

For any valid stack: every Ref/GetAtt resolves, resources come in dependency order, ARNs go
where ARNs are needed, each wire's statements name only its target's resources, governance
finds nothing, the permissions table has one row per statement in the template, and
compiling is deterministic.
"""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from stackerynb import Stack, StackError
from stackerynb.catalog import KIND_NAMES, kind as catalog_kind, wire_profile
from stackerynb.compile import compile_report
from stackerynb.compile.emitters.messaging import KEY_USE
from stackerynb.cfn.iam_resources import level_actions
from stackerynb.compile.governance import statements
from stackerynb.model.environments import Environment

from test_compile_checks import statements_outside_target, structure_problems

DEV = Environment(name="dev")
PLACEABLE = [k for k in KIND_NAMES if k != "virtual_network"]
# functions are what most wires start or end at; draw them more often
WEIGHTED = PLACEABLE + ["function"] * 6
SETTINGS = {
    "bastion": {"allowed_cidrs": ["192.0.2.0/24"]},
    "config_store": {"parameters": {"Level": "info"}},
    "resource": {"type": "AWS::SQS::Queue"},  # any type: one that needs no properties
}
TIMER_TARGETS = 5


@st.composite
def valid_stacks(draw) -> Stack:
    s = Stack("prop")
    s.add("virtual_network", "Net")
    kinds = draw(st.lists(st.sampled_from(WEIGHTED), min_size=1, max_size=10))
    ids = []
    for i, kind in enumerate(kinds):
        node_id = f"N{i}" + kind.title().replace("_", "")
        spec = catalog_kind(kind)
        inside = spec.network == "must" or (spec.network == "may" and draw(st.booleans()))
        s.add(kind, node_id, network="Net" if inside else None, **SETTINGS.get(kind, {}))
        ids.append(node_id)
    for node_id in list(ids):  # what some kinds cannot do without
        kind = s.node(node_id).kind
        if kind == "docker_service":
            s.add("docker_cluster", f"{node_id}Cluster")
            s.connect(node_id, f"{node_id}Cluster")
        elif kind == "cdn":
            s.add("object_store", f"{node_id}Origin")
            s.connect(node_id, f"{node_id}Origin")
    ids = [n.id for n in s.nodes]
    for _ in range(draw(st.integers(0, 16))):
        a = draw(st.sampled_from(ids))
        source = s.node(a)
        targets = [n for n in ids if n != a and wire_profile(source.kind, s.node(n).kind) is not None]
        if not targets:
            continue
        b = draw(st.sampled_from(targets))
        profile = wire_profile(source.kind, s.node(b).kind)
        if profile.event in ("runs_on", "cdn_origin") or s.wire(a, b):
            continue
        if source.kind == "timer" and len([w for w in s.wires if w.source == a]) >= TIMER_TARGETS:
            continue
        access = draw(st.sampled_from([None, *profile.access_levels]))
        s.connect(a, b, access=access)
        if s.problems():  # a loop, or a port across networks: not a valid design
            s.disconnect(a, b)
    assert s.problems() == []
    return s


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_stacks())
def test_any_valid_stack_compiles_to_a_coherent_template(stack):
    try:
        result = compile_report(stack, DEV)
    except StackError as exc:  # the generator only builds designs that can work
        raise AssertionError(f"valid stack refused:\n{stack.dumps()}\n{exc}") from None
    template = json.loads(result.to_json())
    assert structure_problems(template) == []
    assert statements_outside_target(result) == []
    assert result.problems == []
    assert len(result.permissions()) == sum(1 for _ in statements(template["Resources"]))
    assert compile_report(stack, DEV).to_json() == result.to_json()


@settings(max_examples=40, deadline=None)
@given(valid_stacks())
def test_each_wire_grants_only_what_its_access_levels_name(stack):
    report = compile_report(stack, DEV)
    rows, resources = report.permissions(), report.template.to_dict()["Resources"]
    for wire in stack.wires:
        profile = wire_profile(stack.node(wire.source).kind, stack.node(wire.target).kind)
        granted = rows[(rows["wire"] == f"{wire.source} -> {wire.target}") & (rows["kind"] == "identity")]
        expected = [list(s.actions) for s in profile.statements(wire.access)]
        target = stack.node(wire.target)
        if target.kind == "resource":  # levels resolved from AWS's reference for the target's type
            levels = profile.resolve_access(wire.access)
            expected = [actions for level in levels
                        if (actions := sorted(level_actions(target.settings["type"], level)))]
            got = granted["actions"].tolist()
            assert sorted(a for acts in got for a in acts) == sorted(a for acts in expected for a in acts)
            continue
        if expected and resources.get(f"{wire.target}Key", {}).get("Type") == "AWS::KMS::Key":
            expected.append(KEY_USE)  # publishing to a KMS-encrypted (timer-fed) topic needs its key
        assert granted["actions"].tolist() == expected


def _setting_values(setting):
    if setting.type == "bool":
        return st.booleans()
    if setting.type == "int":
        return st.integers(setting.min if setting.min is not None else 0,
                           setting.max if setting.max is not None else 10_000)
    if setting.type == "choice":
        return st.sampled_from(setting.choices)
    if setting.type == "map":  # any names and values the catalogue accepts, sensible or not
        names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789-/${}",
                        min_size=1, max_size=10)
        # Whole numbers within 64 bits: larger ones are refused by Stack.set (tests/test_model_values.py).
        return st.dictionaries(names, st.one_of(st.text(max_size=12), st.integers(-2 ** 63, 2 ** 63 - 1), st.booleans()),
                               max_size=3)
    if setting.type == "list":
        return st.lists(st.sampled_from(["203.0.113.0/24", "10.0.0.1/8", "0.0.0.0/0", "::/0", "nope"]), max_size=2)
    return st.just(setting.default)  # text keeps its (valid) default: patterns differ per setting


@st.composite
def stacks_with_random_settings(draw) -> Stack:
    stack = draw(valid_stacks())
    for node in stack.nodes:
        spec = catalog_kind(node.kind)
        names = draw(st.lists(st.sampled_from(sorted(spec.settings)), max_size=4, unique=True))
        values = {n: draw(_setting_values(spec.settings[n])) for n in names}
        stack.set(node.id, **{n: v for n, v in values.items() if v not in ("", None)})
    return stack


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks_with_random_settings())
def test_any_settings_compile_or_fail_with_problems_naming_nodes(stack):
    if stack.problems():
        return  # e.g. a setting change that validation refuses; covered by the model's tests
    try:
        result = compile_report(stack, DEV, check=False)
    except StackError as exc:
        assert exc.problems, str(exc)
        ids = {n.id for n in stack.nodes}
        assert all(p.node in ids for p in exc.problems), exc.problems
        assert all(p.setting is None or p.setting in catalog_kind(stack.node(p.node).kind).settings
                   or p.setting == "network" for p in exc.problems), exc.problems
        return
    template = json.loads(result.to_json())
    assert structure_problems(template) == []
    assert statements_outside_target(result) == []

"""Property tests: the model and its file survive anything a user (or a fuzzer) throws at them."""
import string

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from stackerynb import Stack, StackError
from stackerynb.catalog import KIND_NAMES, kind, wire_pairs, wire_profile
from stackerynb.model.fileformat import parse_stack

ids = st.from_regex(r"[A-Z][A-Za-z0-9]{0,11}", fullmatch=True)
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def setting_values(setting):
    """A strategy of values the setting accepts."""
    if setting.type == "bool":
        return st.booleans()
    if setting.type == "int":
        return st.integers(setting.min, setting.max)
    if setting.type == "choice":
        return st.sampled_from(setting.choices)
    if setting.type == "list":
        return st.lists(st.text(string.ascii_letters + "./0123456789", max_size=12), max_size=3)
    if setting.type == "map":
        return st.dictionaries(st.from_regex(r"[A-Z_]{1,8}", fullmatch=True),
                               st.text(string.printable, max_size=20), max_size=3)
    if setting.type == "document":  # template data: nested mappings and lists of scalars
        if setting.keys and setting.name != "attributes":  # other keyed documents (policies): empty is valid
            return st.just({})
        if setting.keys:  # resource attributes: values CloudFormation takes
            return st.fixed_dictionaries({}, optional={
                "DeletionPolicy": st.sampled_from(["Delete", "Retain", "Snapshot"]),
                "DependsOn": st.lists(st.from_regex(r"[A-Z][a-z]{0,5}", fullmatch=True), max_size=2),
                "Metadata": st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), st.text(max_size=5), max_size=2)})
        keys = st.from_regex(r"[A-Z][A-Za-z]{0,8}", fullmatch=True)
        leaf = st.one_of(st.text(max_size=10), st.integers(-1000, 1000), st.booleans(), st.none())
        inner = st.recursive(leaf, lambda x: st.lists(x, max_size=2) | st.dictionaries(
            st.from_regex(r"[A-Za-z]{1,6}", fullmatch=True), x, max_size=2), max_leaves=5)
        return st.dictionaries(keys, inner, max_size=2)
    if setting.pattern:
        return st.just(setting.default)
    return st.text(max_size=30)


@st.composite
def valid_stacks(draw):
    stack = Stack(draw(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)))
    net = None
    for node_id in draw(st.lists(ids, unique=True, max_size=10)):
        k = kind(draw(st.sampled_from(KIND_NAMES)))
        chosen = draw(st.lists(st.sampled_from(sorted(k.settings)), unique=True, max_size=3)) if k.settings else []
        values = {name: draw(setting_values(k.settings[name])) for name in chosen}
        network = None
        if k.network != "none" and net is not None and draw(st.booleans()):
            network = net
        position = draw(st.none() | st.tuples(st.integers(-5000, 5000), st.integers(-5000, 5000)))
        stack.add(k.name, node_id, network=network, position=position, **values)
        if k.name == "virtual_network":
            net = node_id
    nodes = stack.nodes
    for _ in range(draw(st.integers(0, 12))):
        if len(nodes) < 2:
            break
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        profile = wire_profile(a.kind, b.kind)
        if profile and stack.wire(a.id, b.id) is None:
            access = draw(st.none() | st.sampled_from(profile.access_levels))
            stack.connect(a.id, b.id, access=access)
    return stack


@PROPS
@given(valid_stacks())
def test_valid_stacks_survive_a_round_trip(stack):
    text = stack.dumps()
    again = parse_stack(text, "t.yaml")
    assert again == stack
    assert again.dumps() == text


EDITS = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(KIND_NAMES + ("fuction", "")), ids | st.text(max_size=5)),
    st.tuples(st.just("connect"), ids, ids, st.none() | st.sampled_from(["read", "write", "admin", "invoke"])),
    st.tuples(st.just("disconnect"), ids, ids),
    st.tuples(st.just("set"), ids, st.sampled_from(["memory", "timeout", "fifo", "shards", "bogus", "runtime"]),
              st.none() | st.integers(-10, 20000) | st.booleans() | st.text(max_size=5)),
    st.tuples(st.just("place"), ids, st.none() | ids),
    st.tuples(st.just("remove"), ids),
    st.tuples(st.just("rename"), ids, ids | st.text(max_size=4)),
    st.tuples(st.just("move"), ids, st.floats(allow_nan=True), st.floats()),
)


@PROPS
@given(st.lists(EDITS, max_size=40))
def test_random_edits_raise_only_stack_errors_and_keep_the_stack_consistent(edits):
    stack = Stack("fuzz")
    for op, *args in edits:
        try:
            if op == "set":
                stack.set(args[0], **{args[1]: args[2]})
            elif op == "add":
                stack.add(args[0], args[1])
            else:
                getattr(stack, op)(*args)
        except StackError:
            pass
    node_ids = {n.id for n in stack.nodes}
    assert all(w.source in node_ids and w.target in node_ids for w in stack.wires)
    assert set(stack.layout) <= node_ids
    # every accepted edit left a stack whose only possible problems are design-level ones
    assert {p.code for p in stack.problems()} <= {"placement", "missing-wire", "cycle", "missing-setting"}
    assert parse_stack(stack.dumps(), "t.yaml") == stack


@PROPS
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_stack_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "stack.yaml"
    path.write_bytes(data)
    try:
        Stack.load(path).problems()
    except StackError:
        pass


yaml_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
)


@PROPS
@given(st.fixed_dictionaries({}, optional={
    "format": yaml_like, "name": yaml_like, "nodes": yaml_like | st.dictionaries(ids, yaml_like, max_size=3),
    "wires": yaml_like, "layout": yaml_like}))
def test_random_documents_raise_only_stack_errors(doc):
    """Well-formed YAML with the wrong shapes reaches deeper than random bytes do."""
    try:
        parse_stack(yaml.safe_dump(doc), "t.yaml").problems()
    except StackError:
        pass

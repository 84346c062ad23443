"""The stack file's raw section: imported resources kept verbatim survive load/save byte for
byte, and a malformed raw section is refused with its line."""
import pytest
from hypothesis import given, settings, strategies as st

from stackerynb import Stack, StackError
from stackerynb.model.fileformat import parse_stack

RAW = {
    "Parameters": {"Email": {"Type": "String", "Description": "who gets mail"}},
    "Conditions": {"HasEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]}},
    "Resources": {
        "Identity": {"Type": "AWS::SES::EmailIdentity", "Condition": "HasEmail",
                     "Properties": {"EmailIdentity": {"Ref": "Email"}}},
        "Machine": {"Type": "AWS::Serverless::StateMachine", "Properties": {
            "Definition": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
            "Policies": [{"LambdaInvokePolicy": {"FunctionName": {"Ref": "Worker"}}}],
            "Tracing": {"Enabled": "yes"}, "Version": "2012-10-17", "Count": 3, "Note": "line1\nline2 ${x}"}},
    },
    "Outputs": {"MachineArn": {"Value": {"Ref": "Machine"}}},
}


def stack_with_raw():
    s = Stack("orders")
    s.add("function", "Worker")
    s.raw = RAW
    return s


def test_raw_section_round_trips_byte_for_byte():
    s = stack_with_raw()
    text = s.dumps()
    assert "\nraw:\n" in text and text.index("\nwires:") < text.index("\nraw:")
    again = parse_stack(text, "orders.yaml")
    assert again.raw == RAW
    assert again.dumps() == text


def test_raw_section_sits_between_wires_and_layout():
    s = stack_with_raw()
    s.move("Worker", 10, 20)
    text = s.dumps()
    assert text.index("\nwires:") < text.index("\nraw:") < text.index("\nlayout:")


def test_stack_without_raw_is_written_as_before():
    s = Stack("orders")
    s.add("function", "Worker")
    assert "raw" not in s.dumps()
    assert parse_stack(s.dumps(), "orders.yaml").raw == {}


def test_saved_and_loaded_from_disk(tmp_path):
    s = stack_with_raw()
    path = s.save(tmp_path / "stacks" / "orders.yaml")
    assert Stack.load(path).raw == RAW
    assert path.read_text() == s.dumps()


@pytest.mark.parametrize("raw_text, line, message", [
    ("raw:\n  Resorces: {}\n", 7, "unknown section 'Resorces'"),
    ("raw:\n  Resources:\n    A: {Properties: {}}\n", 8, "raw resource A: expected a mapping with a Type"),
    ("raw:\n  Resources:\n    A: {Type: [x]}\n", 8, "Type must be text"),
    ("raw:\n  Resources: [1, 2]\n", 7, "expected a mapping of logical ids"),
    ("raw:\n  Resources:\n    A: {Type: X}\n    A: {Type: Y}\n", 9, "appears twice"),
])
def test_malformed_raw_section_names_the_line(raw_text, line, message):
    text = "format: 1\nname: orders\nnodes:\n  Worker: {kind: function}\nwires: []\n" + raw_text
    with pytest.raises(StackError) as info:
        parse_stack(text, "orders.yaml")
    assert f"orders.yaml:{line}:" in str(info.value) and message in str(info.value)


_keys = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}", fullmatch=True)
_leaf = st.one_of(st.integers(-10**9, 10**9), st.booleans(), st.none(),
                  st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
                  st.sampled_from(["2012-10-17", "yes", "on", "0x1F", "1e3", "*", "!Ref X", "${A.B}"]))
_values = st.recursive(_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(_keys, inner, max_size=3)), max_leaves=15)
_resources = st.dictionaries(_keys, st.fixed_dictionaries({"Type": st.sampled_from(["AWS::X::Y", "Custom::Z"]),
                                                           "Properties": st.dictionaries(_keys, _values, max_size=3)}),
                             min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(_resources)
def test_any_raw_resources_round_trip(resources):
    s = Stack("orders")
    s.raw = {"Resources": resources}
    text = s.dumps()
    again = parse_stack(text, "orders.yaml")
    assert again.raw == {"Resources": resources}
    assert again.dumps() == text

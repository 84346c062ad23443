"""Wire settings and pass-through properties: what an import keeps so compiling back loses nothing."""
from __future__ import annotations

import pytest

from stackerynb import Stack, StackError


def _shop() -> Stack:
    stack = Stack("shop")
    stack.add("function", "Put")
    stack.add("table", "Connections", properties={"TableName": {"Fn::Sub": "${AWS::StackName}-c"}},
              attributes={"DeletionPolicy": "Retain", "Condition": "IsProd"})
    stack.connect("Put", "Connections", access="write", env={"CONNECTIONS_TABLE": "name"},
                  actions=["dynamodb:PutItem"])
    return stack


def test_wire_settings_and_pass_through_survive_a_save_and_load(tmp_path):
    stack = _shop()
    stack.save(tmp_path / "shop.yaml")
    again = Stack.load(tmp_path / "shop.yaml")
    assert again == stack
    assert dict(again.wire("Put", "Connections").settings) == {"env": {"CONNECTIONS_TABLE": "name"},
                                                                "actions": ["dynamodb:PutItem"]}
    from stackerynb.model.fileformat import dump_stack
    assert dump_stack(again) == (tmp_path / "shop.yaml").read_text()  # byte-identical round trip


def test_configure_changes_a_wire_and_tells_observers():
    stack, seen = _shop(), []
    stack.observe(seen.append)
    wire = stack.configure("Put", "Connections", actions=None, event={"BatchSize": 5})
    assert dict(wire.settings) == {"env": {"CONNECTIONS_TABLE": "name"}, "event": {"BatchSize": 5}}
    assert [c.op for c in seen] == ["configure"] and seen[0].wire == wire
    assert stack.wire("Put", "Connections") == wire


@pytest.mark.parametrize("settings, fault", [
    ({"envv": {}}, "has no setting 'envv' (did you mean 'env'?)"),
    ({"actions": "dynamodb:PutItem"}, "Put->Connections.actions: expected a list"),
    ({"event": {"BatchSize": object()}}, "event.BatchSize: object is not template data"),
])
def test_bad_wire_settings_are_refused_naming_the_wire_and_setting(settings, fault):
    stack = _shop()
    before = stack.wire("Put", "Connections")
    with pytest.raises(StackError, match="cannot change wire Put -> Connections") as err:
        stack.configure("Put", "Connections", **settings)
    assert fault in str(err.value)
    assert stack.wire("Put", "Connections") == before  # nothing changed


def test_attributes_must_be_resource_attributes():
    with pytest.raises(StackError, match="T.attributes: 'DeletePolicy' is not one of Condition"):
        Stack("x").add("table", "T", attributes={"DeletePolicy": "Retain"})


def test_pass_through_is_written_over_the_main_resource():
    stack = _shop()
    stack.set("Connections", attributes={"DeletionPolicy": "Retain"})  # no condition to define here
    resource = stack.compile("dev").to_dict()["Resources"]["Connections"]
    assert resource["Properties"]["TableName"] == {"Fn::Sub": "${AWS::StackName}-c"}
    assert resource["Properties"]["BillingMode"] == "PAY_PER_REQUEST"  # the kit's own stay
    assert resource["DeletionPolicy"] == "Retain"

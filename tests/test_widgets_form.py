"""The settings form: generated from the catalogue's settings schema, the right widget per
type, every edit through the stack; a refused value stays in its field marked invalid with the
reason, unapplied (never clamped), and a good edit clears the mark. Wires have a form too."""
from __future__ import annotations

import html

import pytest
from ipywidgets import Checkbox, Dropdown, Text, Textarea

from stackerynb import Stack
from stackerynb.catalog import wire_settings, kind, kinds
from stackerynb.widgets.fields import field_for, fields_for
from stackerynb.widgets.messages import MessageArea
from stackerynb.widgets.settings_form import SettingsForm, make_input
from stackerynb.widgets.gestures import Gestures
from stackerynb.widgets.sync import GraphSync

WIDGET_CLASS = {"dropdown": Dropdown, "int": Text, "toggle": Checkbox,
                "text": Text, "list": Text, "map": Textarea, "document": Textarea}


@pytest.mark.parametrize("spec", kinds(), ids=lambda k: k.name)
def test_every_setting_of_every_kind_gets_the_widget_for_its_type(spec):
    for setting, field in zip(spec.settings.values(), fields_for(spec)):
        widget = make_input(field, setting.default)
        assert isinstance(widget, WIDGET_CLASS[field.widget]), setting.name
        if setting.type == "choice":
            assert isinstance(widget, Dropdown)
            assert [v for _, v in widget.options] == list(setting.choices)
            assert widget.value == setting.default
        elif setting.type == "int":  # text: a number box would clamp or drop what it cannot take
            assert isinstance(widget, Text) and widget.value == str(setting.default)
        elif setting.type == "bool":
            assert isinstance(widget, Checkbox) and widget.value is setting.default
        # what the widget shows converts back to the same setting value (None: the default)
        value = field.from_widget(widget.value)
        assert (setting.default if value is None else value) == setting.default


def test_lists_and_mappings_are_edited_as_text():
    list_field = field_for(kind("bastion").settings["allowed_cidrs"])
    assert list_field.to_widget(["10.0.0.0/8", "192.0.2.0/24"]) == "10.0.0.0/8, 192.0.2.0/24"
    assert list_field.from_widget(" a, ,b ") == ["a", "b"]
    map_field = field_for(kind("function").settings["environment"])
    assert map_field.to_widget({"A": "1", "KEY": "x=y"}) == "A = 1\nKEY = x=y"
    assert map_field.from_widget("A = 1\n\nKEY = x=y") == {"A": "1", "KEY": "x=y"}
    with pytest.raises(ValueError, match="line 2 'oops'"):
        map_field.from_widget("A = 1\noops")
    with pytest.raises(ValueError, match="name before"):
        map_field.from_widget("= 1")


@pytest.fixture
def setup():
    stack = Stack("orders")
    stack.add("function", "GetOrder", memory=512, position=(0, 0))
    stack.add("table", "Orders", position=(200, 0))
    stack.add("virtual_network", "Vpc", position=(0, 200))
    sync = GraphSync(stack)
    gestures = Gestures(sync)
    form = SettingsForm(gestures)
    messages = MessageArea(gestures)
    return stack, sync, form, messages


def inputs(form):
    return {name: widget for name, (_field, widget) in form.inputs.items()}


def test_the_form_shows_the_selected_node_and_edits_reach_the_stack(setup):
    stack, sync, form, _ = setup
    assert form.node_id is None and "Click a node" in form.heading.value
    sync.select("GetOrder")
    fields = inputs(form)
    assert form.id_input.value == "GetOrder"
    assert fields["memory"].value == "512" and fields["runtime"].value == "python3.12"
    fields["memory"].value = "1024"
    fields["runtime"].value = "nodejs20.x"
    fields["environment"].value = "LOG_LEVEL = debug"
    node = stack.node("GetOrder")
    assert (node.get("memory"), node.get("runtime"), node.get("environment")) == (1024, "nodejs20.x",
                                                                                   {"LOG_LEVEL": "debug"})


def test_refused_values_stay_marked_invalid_with_the_reason_and_are_not_applied(setup):
    stack, sync, form, messages = setup
    sync.select("Orders")
    fields = inputs(form)
    fields["partition_key"].value = "not valid!"
    assert stack.node("Orders").get("partition_key") == "id"
    assert fields["partition_key"].value == "not valid!"  # what the user typed, to fix
    assert "does not match" in form.errors()["partition_key"]
    assert "stackerynb-invalid" in fields["partition_key"]._dom_classes
    assert "partition_key" in messages.value and "stackerynb-message-error" in messages.value
    sync.select("GetOrder")
    inputs(form)["environment"].value = "no equals sign"
    assert stack.node("GetOrder").get("environment") == {}
    assert "name = value" in form.errors()["environment"] and "name = value" in messages.value


@pytest.mark.parametrize("typed, reason", [("99999", "99999 is out of range 128..10240"),
                                           ("100", "100 is out of range 128..10240"),
                                           ("lots", "expected a whole number, got 'lots'"),
                                           ("1e3", "expected a whole number")])
def test_numbers_out_of_range_are_never_clamped(setup, typed, reason):
    stack, sync, form, messages = setup
    sync.select("GetOrder")
    memory = inputs(form)["memory"]
    memory.value = typed
    assert stack.node("GetOrder").get("memory") == 512  # not applied, not clamped to 10240 or 128
    assert memory.value == typed
    assert reason in form.errors()["memory"]
    assert reason in html.unescape(form.rows["memory"].error.value) and form.rows["memory"].error.layout.display == "block"
    assert "not applied" in messages.value


def test_a_good_edit_clears_the_old_error_and_an_edit_elsewhere_keeps_a_pending_one(setup):
    stack, sync, form, messages = setup
    sync.select("GetOrder")
    fields = inputs(form)
    fields["memory"].value = "99999"
    fields["timeout"].value = "60"  # another field: applied, the bad memory stays marked
    assert stack.node("GetOrder").get("timeout") == 60
    assert fields["memory"].value == "99999" and "memory" in form.errors()
    fields["memory"].value = "2048"
    assert stack.node("GetOrder").get("memory") == 2048
    assert form.errors() == {} and form.rows["memory"].error.value == ""
    assert "stackerynb-invalid" not in fields["memory"]._dom_classes
    assert "stackerynb-message-error" not in messages.value and "GetOrder.memory = 2048" in messages.value
    fields["memory"].value = ""  # emptied: back to the default
    assert "memory" not in stack.node("GetOrder").settings and fields["memory"].value == "128"


def test_the_node_problems_go_when_a_good_edit_fixes_them():
    from stackerynb.model.fileformat import parse_stack
    stack = parse_stack("format: 1\nname: s\nnodes:\n  F:\n    kind: function\n    settings: {memory: 99999}\n",
                        "s.yaml")
    sync = GraphSync(stack)
    form = SettingsForm(Gestures(sync))
    sync.select("F")
    assert inputs(form)["memory"].value == "99999"  # shown as the file has it, not as 10240
    assert "out of range" in form.node_problems.value
    inputs(form)["memory"].value = "1024"
    assert form.node_problems.value == "" and stack.node("F").get("memory") == 1024


def test_other_properties_are_yaml_validated_and_applied(setup):
    stack, sync, form, messages = setup
    sync.select("GetOrder")
    assert "Other properties" in form.other_heading.value and form.other_heading in form.children
    assert set(form.rows) >= {"properties", "attributes"}
    props = inputs(form)["properties"]
    props.value = "TracingConfig:\n  Mode: Active\nLayers:\n  - !Ref SharedLayer\n"
    assert stack.node("GetOrder").get("properties") == {"TracingConfig": {"Mode": "Active"},
                                                       "Layers": [{"Ref": "SharedLayer"}]}
    props.value = "TracingConfig:\n  Mode: X-Ray\nBad: x: y\n"
    assert "properties:3: not valid YAML" in form.errors()["properties"]  # the line at fault
    assert stack.node("GetOrder").get("properties")["TracingConfig"] == {"Mode": "Active"}
    props.value = "- a list"
    assert "expected a mapping" in form.errors()["properties"]
    attrs = inputs(form)["attributes"]
    attrs.value = "DeletionPolicy: Retain\nColour: blue\n"
    assert "'Colour' is not one of" in form.errors()["attributes"]
    assert stack.node("GetOrder").get("attributes") == {}
    attrs.value = "DeletionPolicy: Retain\n"
    assert stack.node("GetOrder").get("attributes") == {"DeletionPolicy": "Retain"}
    assert "attributes" not in form.errors()
    props.value = ""  # emptied: nothing written over the generated properties
    assert "properties" not in stack.node("GetOrder").settings


def test_edits_made_in_python_show_in_the_form(setup):
    stack, sync, form, _ = setup
    sync.select("GetOrder")
    stack.set("GetOrder", timeout=60)
    assert inputs(form)["timeout"].value == "60"
    assert stack.node("GetOrder").settings == {"memory": 512, "timeout": 60}  # no echo edits


def test_rename_from_the_form_and_refused_names(setup):
    stack, sync, form, messages = setup
    sync.select("GetOrder")
    form.id_input.value = "Orders"  # taken
    assert "GetOrder" in stack and form.id_input.value == "GetOrder"
    assert "already exists" in messages.value
    form.id_input.value = "FetchOrder"
    assert "FetchOrder" in stack and form.node_id == "FetchOrder" and sync.selected == "FetchOrder"


def test_placing_in_a_network_from_the_form(setup):
    stack, sync, form, messages = setup
    sync.select("GetOrder")
    assert form.network_input in form.children
    assert [v for _, v in form.network_input.options] == ["", "Vpc"]
    form.network_input.value = "Vpc"
    assert stack.node("GetOrder").network == "Vpc"
    assert sync.elements["GetOrder"].parent == "Vpc::private"
    stack.add("virtual_network", "Vpc2")  # the choice list follows the stack
    assert [v for _, v in form.network_input.options] == ["", "Vpc", "Vpc2"]
    assert form.network_input.value == "Vpc"
    form.network_input.value = ""
    assert stack.node("GetOrder").network is None
    sync.select("Orders")  # a table does not sit in a network: no choice offered
    assert form.network_input not in form.children


def test_the_form_lists_the_selected_nodes_problems_and_clears_when_it_goes(setup):
    stack, sync, form, _ = setup
    stack.add("bastion", "Jump")
    sync.select("Jump")
    assert "must sit inside a Virtual Network" in form.node_problems.value
    form.network_input.value = "Vpc"
    assert form.node_problems.value == ""
    stack.remove("Jump")
    assert form.node_id is None and "Click a node" in form.heading.value


def test_bad_values_from_a_stack_file_do_not_break_the_form():
    from stackerynb.model.fileformat import parse_stack
    text = ("format: 1\nname: broken\nnodes:\n  F:\n    kind: function\n    settings: {memory: lots, "
            "timeout: 99999, runtime: cobol, environment: [not, a, map], handler: 7}\n")
    stack = parse_stack(text, "broken.yaml")
    sync = GraphSync(stack)
    form = SettingsForm(Gestures(sync))
    sync.select("F")
    fields = inputs(form)
    assert fields["memory"].value == "lots" and fields["runtime"].value == "python3.12"
    assert fields["handler"].value == "7"
    assert {p.setting for p in stack.problems()} >= {"memory", "timeout", "runtime", "environment"}
    assert "memory" in form.node_problems.value


def test_the_wire_form_edits_access_env_names_actions_and_event_settings(setup):
    stack, sync, form, messages = setup
    stack.connect("GetOrder", "Orders", access="read")
    sync.select("GetOrder->Orders")
    assert "Wire GetOrder &rarr; Orders" in form.heading.value
    boxes = form.access_boxes
    assert list(boxes) == ["read", "write"] and boxes["read"].value and not boxes["write"].value
    boxes["write"].value = True  # read and write: the profile's default
    assert stack.wire("GetOrder", "Orders").access is None
    boxes["read"].value = False
    assert stack.wire("GetOrder", "Orders").access == "write"
    boxes["write"].value = False  # no level at all: refused, said, not applied
    assert stack.wire("GetOrder", "Orders").access == "write"
    assert "at least one access level" in form.errors()["access"]
    boxes["read"].value = True
    assert stack.wire("GetOrder", "Orders").access == "read"  # the boxes as they show now
    assert "access" not in form.errors()
    rows = form.rows
    assert set(rows) == set(wire_settings())  # every wire setting the catalogue offers
    assert "name" in rows["env"].input.placeholder and "arn" in rows["env"].input.placeholder
    rows["env"].input.value = "ORDERS_TABLE = name"
    assert dict(stack.wire("GetOrder", "Orders").settings["env"]) == {"ORDERS_TABLE": "name"}
    rows["actions"].input.value = "dynamodb:GetItem, dynamodb:Query"
    assert list(stack.wire("GetOrder", "Orders").settings["actions"]) == ["dynamodb:GetItem", "dynamodb:Query"]
    rows["actions"].input.value = ""  # emptied: the access levels' actions again
    assert "actions" not in stack.wire("GetOrder", "Orders").settings


def test_event_settings_of_a_trigger_wire_and_bad_ones_are_refused():
    stack = Stack("jobs")
    stack.add("queue", "Jobs")
    stack.add("function", "Worker")
    stack.connect("Jobs", "Worker")
    sync = GraphSync(stack)
    form = SettingsForm(Gestures(sync))
    sync.select("Jobs->Worker")
    event = form.rows["event"].input
    event.value = "BatchSize: 5\nMaximumBatchingWindowInSeconds: 2\n"
    assert dict(stack.wire("Jobs", "Worker").settings["event"]) == {"BatchSize": 5, "MaximumBatchingWindowInSeconds": 2}
    event.value = "BatchSize: [5"
    assert "event" in form.errors() and stack.wire("Jobs", "Worker").settings["event"]["BatchSize"] == 5
    stack.configure("Jobs", "Worker", event={"BatchSize": 10})  # from Python: the form follows
    assert "BatchSize: 10" in event.value and form.errors() == {}


def test_the_environment_list_offers_what_exists(tmp_path, monkeypatch):
    from stackerynb.widgets.environment_list import environment_choices
    monkeypatch.chdir(tmp_path)
    stack = Stack("orders")
    assert environment_choices(stack) == ["dev"]  # no environments.yaml: the local default only
    (tmp_path / "environments.yaml").write_text("staging: {target: local}\nlive: {target: aws, region: eu-west-1}\n")
    assert environment_choices(stack) == ["staging", "live"]
    assert "prod" not in environment_choices(stack)


def test_a_generic_resource_shows_its_schema_properties_and_wires_to_it_grant_exact_actions():
    from stackerynb.catalog import kind as catalog_kind
    if catalog_kind("resource") is None:
        pytest.skip("kind `resource` (any CloudFormation type) is not in this catalogue yet")
    stack = Stack("generic")
    stack.add("resource", "Machine", type="AWS::StepFunctions::StateMachine")
    stack.add("function", "Starter")
    sync = GraphSync(stack)
    form = SettingsForm(Gestures(sync))
    sync.select("Machine")
    hint = next(c for c in form.children if "stackerynb-schema-hint" in c._dom_classes)
    assert "RoleArn (required)" in hint.value and "Fn::GetAtt reads: " in hint.value and "Arn" in hint.value
    inputs(form)["properties"].value = "RoleArn: !GetAtt Role.Arn\nDefinitionString: '{}'\n"
    assert stack.node("Machine").get("properties")["RoleArn"] == {"Fn::GetAtt": ["Role", "Arn"]}
    from stackerynb.catalog import wire_targets
    if "resource" not in wire_targets("function"):
        return  # wires to generic resources land with their IAM from policy_sentry
    stack.connect("Starter", "Machine", actions=["states:StartExecution"])
    sync.select("Starter->Machine")
    assert "Wire Starter &rarr; Machine" in form.heading.value
    assert "exact actions" in form.heading.value or "exact IAM actions" in form.heading.value
    form.rows["actions"].input.value = "states:StartExecution, states:DescribeExecution"
    assert list(stack.wire("Starter", "Machine").settings["actions"]) == ["states:StartExecution",
                                                                          "states:DescribeExecution"]


def test_selecting_the_shown_node_again_keeps_a_pending_invalid_value(setup):
    stack, sync, form, _ = setup
    sync.select("GetOrder")
    inputs(form)["memory"].value = "99999"
    sync.selection.emit("GetOrder")  # the browser reports the selection it shows
    assert inputs(form)["memory"].value == "99999" and "memory" in form.errors()
    sync.select("Orders")
    sync.select("GetOrder")  # another node in between: a fresh form from the stack
    assert inputs(form)["memory"].value == "512" and form.errors() == {}

"""The settings form: generated from the catalogue's settings schema, the right widget per
type, every edit through the stack, refused values put back with the reason shown."""
from __future__ import annotations

import pytest
from ipywidgets import BoundedIntText, Checkbox, Dropdown, IntText, Text, Textarea

from stackerynb import Stack
from stackerynb.catalog import kind, kinds
from stackerynb.widgets.fields import field_for, fields_for
from stackerynb.widgets.messages import MessageArea
from stackerynb.widgets.settings_form import SettingsForm, make_input
from stackerynb.widgets.gestures import Gestures
from stackerynb.widgets.sync import GraphSync

WIDGET_CLASS = {"dropdown": Dropdown, "bounded_int": BoundedIntText, "int": IntText, "toggle": Checkbox,
                "text": Text, "list": Text, "map": Textarea}


@pytest.mark.parametrize("spec", kinds(), ids=lambda k: k.name)
def test_every_setting_of_every_kind_gets_the_widget_for_its_type(spec):
    for setting, field in zip(spec.settings.values(), fields_for(spec)):
        widget = make_input(field, setting.default)
        assert isinstance(widget, WIDGET_CLASS[field.widget]), setting.name
        if setting.type == "choice":
            assert isinstance(widget, Dropdown)
            assert [v for _, v in widget.options] == list(setting.choices)
            assert widget.value == setting.default
        elif setting.type == "int" and setting.min is not None and setting.max is not None:
            assert isinstance(widget, BoundedIntText)
            assert (widget.min, widget.max, widget.value) == (setting.min, setting.max, setting.default)
        elif setting.type == "bool":
            assert isinstance(widget, Checkbox) and widget.value is setting.default
        # what the widget shows converts back to the same setting value
        assert field.from_widget(widget.value) == setting.default


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
    assert fields["memory"].value == 512 and fields["runtime"].value == "python3.12"
    fields["memory"].value = 1024
    fields["runtime"].value = "nodejs20.x"
    fields["environment"].value = "LOG_LEVEL = debug"
    node = stack.node("GetOrder")
    assert (node.get("memory"), node.get("runtime"), node.get("environment")) == (1024, "nodejs20.x",
                                                                                   {"LOG_LEVEL": "debug"})


def test_refused_values_are_put_back_and_explained(setup):
    stack, sync, form, messages = setup
    sync.select("Orders")
    fields = inputs(form)
    fields["partition_key"].value = "not valid!"
    assert stack.node("Orders").get("partition_key") == "id"
    assert fields["partition_key"].value == "id"
    assert "partition_key" in messages.value and "stackerynb-message-error" in messages.value
    sync.select("GetOrder")
    inputs(form)["environment"].value = "no equals sign"
    assert stack.node("GetOrder").get("environment") == {}
    assert inputs(form)["environment"].value == ""
    assert "name = value" in messages.value


def test_edits_made_in_python_show_in_the_form(setup):
    stack, sync, form, _ = setup
    sync.select("GetOrder")
    stack.set("GetOrder", timeout=60)
    assert inputs(form)["timeout"].value == 60
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
    assert fields["memory"].value == 128 and fields["runtime"].value == "python3.12"
    assert fields["handler"].value == "7"
    assert {p.setting for p in stack.problems()} >= {"memory", "timeout", "runtime", "environment"}
    assert "memory" in form.node_problems.value


def test_a_selected_wire_shows_what_it_means(setup):
    stack, sync, form, _ = setup
    stack.connect("GetOrder", "Orders", access="read")
    sync.select("GetOrder->Orders")
    assert "Wire GetOrder &rarr; Orders" in form.heading.value and "access: read" in form.heading.value

"""The palette's search: curated kinds first, then every CloudFormation type grouped by service,
filtered as one types; a click adds the node."""
from __future__ import annotations

import pytest

from stackerynb import Stack
from stackerynb.catalog import KIND_NAMES, kind as catalog_kind
from stackerynb.cfn.schemas import resource_types, service_of
from stackerynb.widgets.gestures import Gestures
from stackerynb.widgets.palette import CURATED_GROUP, MAX_SHOWN, Palette, palette_entries, search
from stackerynb.widgets.sync import GraphSync


@pytest.fixture
def palette():
    stack = Stack("p")
    stack.add("function", "Fn", position=(0, 0))
    return Palette(Gestures(GraphSync(stack)))


def test_entries_are_curated_kinds_then_every_type_by_service():
    entries = palette_entries()
    curated = [e for e in entries if e.curated]
    assert [e.kind for e in curated] == [k for k in KIND_NAMES if k != "resource"]
    assert entries[:len(curated)] == tuple(curated)  # curated first
    types = [e.type for e in entries if not e.curated]
    assert sorted(types) == resource_types() and len(types) > 1800
    groups = [e.group for e in entries if not e.curated]
    assert groups == sorted(groups, key=str.lower)  # grouped by service
    assert all(e.group == service_of(e.type) for e in entries if not e.curated)


def test_search_matches_every_word_in_any_order_and_case():
    entries = search("machine STATE")
    assert entries[0].kind == "state_machine" and entries[0].curated  # the curated kind ranks first
    found = [e.type for e in entries[1:]]
    assert found[0] == "AWS::StepFunctions::StateMachine"
    assert all("statemachine" in t.lower() for t in found)
    queue = search("sqs")
    assert queue[0].kind == "queue" and queue[0].curated  # the curated kind ranks first
    assert "AWS::SQS::Queue" in [e.type for e in queue]
    assert search("aws::lambda::function")[0].type == "AWS::Lambda::Function"
    assert search("no such thing at all") == []
    assert len(search("")) == len(palette_entries())


def test_typing_filters_the_list_and_shows_at_most_a_page(palette):
    palette.query.value = "queue"
    shown = [b.tooltip for b in palette.type_buttons]
    assert "AWS::SQS::Queue" in shown and all("queue" in t.lower() for t in shown)
    visible_kinds = [name for name, button in palette.buttons.items() if button in palette.children]
    assert "queue" in visible_kinds
    assert "function" not in visible_kinds
    headings = [c.value for c in palette.children if "stackerynb-palette-service" in c._dom_classes]
    assert any(">SQS<" in h for h in headings)
    palette.query.value = "a"
    assert len(palette.type_buttons) == MAX_SHOWN
    assert "more AWS types" in palette.more.value
    palette.query.value = ""
    assert palette.type_buttons == [] and set(palette.buttons.values()) <= set(palette.children)


def test_a_curated_button_adds_its_kind_or_picks_it_for_the_canvas(palette):
    palette.query.value = "topic"
    palette.buttons["topic"].click()
    gestures = palette.gestures
    if hasattr(gestures, "pick"):  # the studio's gestures: the kind waits for a click on the canvas
        assert gestures.picked_kind == "topic" and "Topic1" not in gestures.stack
        gestures.background_click(400, 300)
    assert gestures.stack.node("Topic1").kind == "topic"


def test_a_type_button_adds_a_generic_resource_or_says_why_not(palette):
    palette.query.value = "step functions state machine"
    button = next(b for b in palette.type_buttons if b.tooltip == "AWS::StepFunctions::StateMachine")
    button.click()
    stack = palette.gestures.stack
    if catalog_kind("resource") is None:  # the generic kind is not in the catalogue yet
        assert "unknown kind 'resource'" in palette.gestures.last_message.text
        assert "StateMachine1" not in stack
    else:
        node = stack.node("StateMachine1")
        assert node.kind == "resource" and node.settings["type"] == "AWS::StepFunctions::StateMachine"
        assert palette.gestures.sync.selected == "StateMachine1"


def test_curated_group_is_named(palette):
    assert all(e.group == CURATED_GROUP for e in palette_entries() if e.curated)

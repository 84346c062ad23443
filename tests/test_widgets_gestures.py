"""Canvas gestures in plain Python: clicks, drags, connect mode, palette, toolbar and form
edits become stack edits, and refused gestures become messages instead of tracebacks."""
from __future__ import annotations

import pytest

from stackerynb import Stack
from stackerynb.widgets.gestures import Gestures
from stackerynb.widgets.sync import GraphSync

from test_widgets_sync import canvas, orders_stack, snapshot, stack, sync  # noqa: F401 - fixtures


@pytest.fixture
def gestures(sync):
    return Gestures(sync)


def test_placing_in_a_network_adds_the_tier_box_and_leaving_removes_it(stack, sync, canvas, gestures):
    stack.add("bastion", "Jump", position=(500, 300))
    assert "Vpc::public" not in sync.elements
    assert "problem-error" in sync.elements["Jump"].classes  # a bastion must sit in a network
    assert gestures.place("Jump", "Vpc")
    assert sync.elements["Jump"].parent == "Vpc::public"
    assert "problem-error" not in sync.elements["Jump"].classes
    # dropped next to the network's other members, so the network's box stays compact
    x, y = stack.layout["Jump"]
    assert abs(x - 200) <= 400 and abs(y - 300) <= 250
    assert gestures.place("Jump", None)
    assert "Vpc::public" not in sync.elements
    stack.place("Db", None)
    assert "Vpc::private" not in sync.elements
    assert sync.elements["Vpc"].position == (200, 300)  # an empty network is drawn where it was saved
    assert canvas.snapshot() == snapshot(sync)


def test_connect_mode_wires_the_two_clicked_nodes(stack, sync, canvas, gestures):
    messages = []
    gestures.message.connect(messages.append)
    gestures.set_connect_mode(True)
    gestures.tap({"data": {"id": "GetOrder"}, "position": {"x": 200, "y": 0}})
    assert "connect-source" in sync.elements["GetOrder"].classes
    stack.add("queue", "Jobs", position=(400, 200))
    gestures.tap({"data": {"id": "Jobs"}})
    assert stack.wire("GetOrder", "Jobs") is not None
    assert "GetOrder->Jobs" in sync.elements
    assert "connect-source" not in sync.elements["GetOrder"].classes
    assert messages[-1].level == "info" and "Wired GetOrder -> Jobs" in messages[-1].text
    assert canvas.snapshot() == snapshot(sync)


def test_a_refused_wire_says_what_the_source_can_wire_to(stack, gestures):
    messages = []
    gestures.message.connect(messages.append)
    gestures.set_connect_mode(True)
    gestures.tap({"data": {"id": "Orders"}})
    gestures.tap({"data": {"id": "Api"}})
    assert stack.wire("Orders", "Api") is None
    assert messages[-1].level == "error"
    assert "a table can wire to: function" in messages[-1].text
    # clicking the source twice cancels, and the wire that exists already is refused
    gestures.tap({"data": {"id": "Api"}})
    gestures.tap({"data": {"id": "Api"}})
    assert messages[-1].text == "Wiring cancelled."
    gestures.tap({"data": {"id": "Api"}})
    gestures.tap({"data": {"id": "GetOrder"}})
    assert "already exists" in messages[-1].text and len(stack.wires) == 2


def test_tapping_outside_connect_mode_selects(sync, gestures):
    seen = []
    sync.selection.connect(seen.append)
    gestures.tap({"data": {"id": "Orders"}})
    gestures.tap({"data": {"id": "GetOrder->Orders"}})
    assert str(sync.selected_wire()) == "GetOrder -> Orders (read)" and sync.selected_node() is None
    assert "chosen" in sync.elements["GetOrder->Orders"].classes
    gestures.tap({"data": {"id": "Vpc::private"}})  # a tier box stands for its network
    assert seen == ["Orders", "GetOrder->Orders", "Vpc"]
    assert sync.selected_node().id == "Vpc" and sync.selected_wire() is None
    assert "chosen" not in sync.elements["GetOrder->Orders"].classes
    gestures.tap({"nonsense": 1})  # malformed events are ignored
    assert sync.selected == "Vpc"


def test_dragging_a_node_records_its_position_without_echoing_it(stack, canvas, gestures):
    gestures.grab({"data": {"id": "Api"}, "position": {"x": 0, "y": 0}})
    gestures.release({"data": {"id": "Api"}, "position": {"x": 41.6, "y": -19.2}})
    assert stack.layout["Api"] == (42, -19)
    op = canvas.batches[-1][0]
    assert (op.action, op.fields, op.echo) == ("update", ("position",), True)
    count = len(canvas.batches)
    gestures.release({"data": {"id": "Api"}, "position": {"x": 42, "y": -19}})  # a click, not a drag
    assert len(canvas.batches) == count
    stack.move("Api", 5, 5)  # a move from Python is sent to the browser
    assert canvas.batches[-1][0].echo is False


def test_dragging_a_network_box_moves_its_members(stack, gestures):
    stack.add("function", "Inner", network="Vpc", position=(300, 300))
    gestures.grab({"data": {"id": "Vpc"}, "position": {"x": 250, "y": 300}})
    gestures.release({"data": {"id": "Vpc"}, "position": {"x": 270, "y": 340}})
    assert stack.layout["Db"] == (220, 340) and stack.layout["Inner"] == (320, 340)
    gestures.grab({"data": {"id": "Vpc::private"}, "position": {"x": 270, "y": 340}})
    gestures.release({"data": {"id": "Vpc::private"}, "position": {"x": 260, "y": 340}})
    assert stack.layout["Db"] == (210, 340) and stack.layout["Inner"] == (310, 340)


def test_palette_adds_numbered_nodes_at_free_spots_and_selects_them(stack, sync, gestures):
    first = gestures.add_node("function")
    second = gestures.add_node("function")
    assert (first, second) == ("Function1", "Function2")
    assert sync.selected == "Function2"
    layout = stack.layout
    others = [p for k, p in layout.items() if k not in (first, second)]
    assert layout[first] != layout[second] and not {layout[first], layout[second]} & set(others)
    assert gestures.add_node("rest_api") == "RestApi1"
    assert gestures.add_node("no_such_kind") is None
    assert gestures.last_message.level == "error" and "unknown kind" in gestures.last_message.text


def test_delete_removes_the_selected_node_or_wire(stack, sync, gestures):
    assert not gestures.delete_selected()
    assert gestures.last_message.level == "error"
    sync.select("GetOrder->Orders")
    assert gestures.delete_selected() and stack.wire("GetOrder", "Orders") is None
    assert sync.selected is None
    sync.select("GetOrder")
    assert gestures.delete_selected()
    assert "GetOrder" not in stack and "GetOrder" not in sync.elements and "Api->GetOrder" not in sync.elements


def test_refused_form_edits_leave_the_stack_alone_and_say_why(stack, gestures):
    assert not gestures.set_setting("GetOrder", "memory", 5)
    assert "out of range" in gestures.last_message.text
    assert not gestures.rename("GetOrder", "Get Order")
    assert not gestures.rename("GetOrder", "Orders")
    assert not gestures.place("Api", "Vpc")  # a Rest Api does not sit inside a network
    assert not gestures.place("GetOrder", "Orders")
    assert stack == orders_stack()
    assert gestures.rename("GetOrder", " GetOrder ")  # unchanged name: nothing to do


def test_nodes_added_in_python_without_a_position_get_a_free_spot_recorded_on_save(stack, sync, gestures):
    stack.add("queue", "Jobs")
    spot = sync.position("Jobs")
    assert spot is not None and spot not in [sync.position(n.id) for n in stack.nodes if n.id != "Jobs"]
    assert "Jobs" not in stack.layout and sync.unsaved_positions() == {"Jobs": spot}
    gestures.record_positions()
    assert stack.layout["Jobs"] == spot and sync.unsaved_positions() == {}


def test_a_stack_without_positions_is_laid_out_wires_left_to_right():
    s = Stack("imported")
    for kind, node_id in (("table", "Orders"), ("function", "GetOrder"), ("rest_api", "Api")):
        s.add(kind, node_id)
    s.connect("Api", "GetOrder")
    s.connect("GetOrder", "Orders")
    sync = GraphSync(s)
    xs = {n: sync.position(n)[0] for n in ("Api", "GetOrder", "Orders")}
    assert xs["Api"] < xs["GetOrder"] < xs["Orders"]
    assert s.layout == {}  # showing a stack does not edit it
    Gestures(sync).auto_layout()
    assert set(s.layout) == {"Api", "GetOrder", "Orders"}


def drag(gestures, node_id, start, end):
    gestures.grab({"data": {"id": node_id}, "position": {"x": start[0], "y": start[1]}})
    gestures.release({"data": {"id": node_id}, "position": {"x": end[0], "y": end[1]}})


def test_dropping_a_node_onto_another_wires_them_and_puts_it_back(stack, sync, canvas, gestures):
    snapped = []
    gestures.snap_back.connect(snapped.append)
    stack.add("queue", "Jobs", position=(400, 200))
    drag(gestures, "GetOrder", (200, 0), (405, 195))  # onto Jobs
    assert stack.wire("GetOrder", "Jobs") is not None
    assert stack.layout["GetOrder"] == (200, 0) and snapped == ["GetOrder"]
    assert "Wired GetOrder -> Jobs" in gestures.last_message.text
    drag(gestures, "Orders", (400, 0), (2, -3))  # a table cannot use an api: refused, as in connect mode
    assert stack.wire("Orders", "Api") is None and stack.layout["Orders"] == (400, 0)
    assert gestures.last_message.level == "error" and "a table can wire to: function" in gestures.last_message.text
    drag(gestures, "Orders", (400, 0), (460, 90))  # onto nothing: a move
    assert stack.layout["Orders"] == (460, 90)


def test_selected_nodes_move_together_and_undo_in_one_step(stack, sync, gestures):
    for node_id in ("Api", "Orders", "Api->GetOrder"):
        gestures.select_on_canvas(node_id, True)
    drag(gestures, "Api", (0, 0), (30, 40))
    assert stack.layout["Api"] == (30, 40) and stack.layout["Orders"] == (430, 40)
    assert stack.layout["GetOrder"] == (200, 0)  # not selected
    assert sync.position("Orders") == (430, 40)
    stack.undo()
    assert stack.layout["Api"] == (0, 0) and stack.layout["Orders"] == (400, 0)


def test_delete_key_removes_the_whole_selection_and_ctrl_z_brings_it_back(stack, sync, gestures):
    before = stack.dumps()
    for element_id in ("GetOrder", "Orders"):
        gestures.select_on_canvas(element_id, True)
    assert gestures.key("Delete")
    assert "GetOrder" not in stack and "Orders" not in stack and stack.wires == []
    assert "GetOrder" not in sync.elements and "Api->GetOrder" not in sync.elements
    assert gestures.key("z", ctrl=True)  # one step: both nodes with their wires
    assert stack.dumps() == before
    assert "GetOrder->Orders" in sync.elements and "GetOrder" in sync.elements
    assert gestures.key("Z", ctrl=True, shift=True)  # redo
    assert "GetOrder" not in stack
    gestures.key("z", ctrl=True)
    gestures.select_on_canvas("Api->GetOrder", True)
    assert gestures.key("Backspace")  # a wire alone
    assert stack.wire("Api", "GetOrder") is None and "GetOrder" in stack
    assert not gestures.key("q")


def test_undo_and_redo_cover_python_edits_and_say_when_there_is_nothing(stack, sync, gestures):
    stack.set("GetOrder", memory=1024)
    assert gestures.undo() and stack.node("GetOrder").settings["memory"] == 512
    assert sync.elements["GetOrder"].data["settings"]["memory"] == 512
    assert gestures.redo() and sync.elements["GetOrder"].data["settings"]["memory"] == 1024
    assert not gestures.redo() and gestures.last_message.text == "Nothing to redo."


def test_a_picked_kind_lands_where_the_background_is_clicked_and_escape_cancels(stack, sync, gestures):
    gestures.pick("queue")
    assert gestures.background_click(700, -120) == "Queue1"
    assert stack.layout["Queue1"] == (700, -120) and sync.selected == "Queue1"
    assert gestures.background_click(0, 500) is None  # the pick is used up: a click just deselects
    assert sync.selected is None and len(stack) == 6
    gestures.pick("topic")
    gestures.key("Escape")
    assert gestures.picked_kind is None and gestures.background_click(1, 1) is None
    gestures.pick("nonsense")
    assert gestures.picked_kind is None and gestures.last_message.level == "error"


def test_placing_in_a_network_is_one_undo_step(stack, gestures):
    stack.add("function", "Worker", position=(900, 900))
    stack.history.clear()
    assert gestures.place("Worker", "Vpc")
    assert stack.layout["Worker"] != (900, 900)
    stack.undo()
    assert stack.node("Worker").network is None and stack.layout["Worker"] == (900, 900)

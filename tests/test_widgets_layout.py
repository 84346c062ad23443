"""Automatic layout (for stacks without positions) and free spots for new nodes."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from stackerynb import Stack
from stackerynb.widgets.layout import COLUMN, ROW, free_spot, layered_layout, layers, spot_near


def chain_stack():
    s = Stack("chain")
    s.add("rest_api", "Api")
    s.add("function", "Handler")
    s.add("queue", "Jobs")
    s.add("function", "Worker")
    s.add("table", "Orders")
    s.add("virtual_network", "Vpc")
    s.add("database", "Db", network="Vpc")
    s.add("bastion", "Jump", network="Vpc")
    for a, b in (("Api", "Handler"), ("Handler", "Jobs"), ("Jobs", "Worker"), ("Worker", "Orders"),
                 ("Handler", "Orders")):
        s.connect(a, b)
    return s


def test_wires_point_left_to_right():
    s = chain_stack()
    pos = layered_layout(s)
    assert set(pos) == {n.id for n in s.nodes}
    for wire in s.wires:
        assert pos[wire.source][0] < pos[wire.target][0], str(wire)
    assert layers(s)["Orders"] == 4  # the longest chain decides: Api, Handler, Jobs, Worker, Orders


def test_network_members_get_their_own_rows_per_tier():
    s = chain_stack()
    pos = layered_layout(s)
    from stackerynb.diagram.layout import _overlap, drawn_rect, footprint, group_boxes

    private, public = pos["Db"], pos["Jump"]
    assert private[1] != public[1]  # the two tiers in different rows
    for box in group_boxes(s, pos):  # and no box reaches a node outside it
        for node in s.nodes:
            if node.id not in box.members and node.id != "Vpc":
                assert not _overlap(footprint(node, pos[node.id]), drawn_rect(box)), (box.id, node.id)


def test_cycles_are_laid_out_too():
    s = Stack("loop")
    s.add("function", "A")
    s.add("queue", "Q")
    s.connect("A", "Q")
    s.connect("Q", "A")
    pos = layered_layout(s)
    assert len(set(pos.values())) == 2


def test_free_spot_and_spot_near_avoid_taken_cells():
    taken = [(0, 0), (COLUMN, 0)]
    assert free_spot(taken) == (2 * COLUMN, 0)
    assert free_spot([(x * COLUMN, 0) for x in range(6)], columns=6) == (0, ROW)
    assert spot_near((0, 0), taken) == (-COLUMN, 0)  # the nearest free cell, same row first
    assert spot_near((5 * COLUMN, 5 * ROW), taken) == (5 * COLUMN, 5 * ROW)


KINDS = ["function", "queue", "table", "topic"]


@st.composite
def random_stacks(draw, acyclic=False):
    s = Stack("random")
    count = draw(st.integers(1, 25))
    for i in range(count):
        s.add(draw(st.sampled_from(KINDS)), f"N{i}")
    for _ in range(draw(st.integers(0, 40))):
        a, b = draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))
        if acyclic and a >= b:
            continue
        try:
            s.connect(f"N{a}", f"N{b}")
        except Exception:
            pass
    return s


@settings(max_examples=60, deadline=None)
@given(random_stacks())
def test_every_node_gets_its_own_spot(stack):
    pos = layered_layout(stack)
    assert set(pos) == {n.id for n in stack.nodes}
    assert len(set(pos.values())) == len(pos)
    assert free_spot(pos.values()) not in set(pos.values())


@settings(max_examples=60, deadline=None)
@given(random_stacks(acyclic=True))
def test_without_cycles_every_wire_points_right(stack):
    pos = layered_layout(stack)
    for wire in stack.wires:
        assert pos[wire.source][0] < pos[wire.target][0], str(wire)


# ------------------------------------------------------------------ the canvas uses the diagram's layout
def test_a_node_added_without_a_position_lands_clear_of_wires():
    from stackerynb.widgets.sync import GraphSync

    s = Stack("w")
    s.add("function", "A", position=(0, 0))
    s.add("queue", "B", position=(2 * COLUMN, 0))
    s.connect("A", "B")
    sync = GraphSync(s)
    s.add("table", "C")  # no position: the canvas chooses one
    x, y = sync.position("C")
    assert not (0 <= x <= 2 * COLUMN and abs(y) < 60), (x, y)  # not on the wire A -> B
    assert free_spot(sync.positions(), stack=s) not in sync.positions().values()


def test_placing_in_a_network_from_the_form_moves_the_node_next_to_its_members():
    from stackerynb.diagram.layout import _overlap, drawn_rect, footprint, group_boxes
    from stackerynb.widgets.gestures import Gestures
    from stackerynb.widgets.sync import GraphSync

    s = Stack("p")
    s.add("virtual_network", "Vpc", position=(0, 0))
    s.add("database", "Db", network="Vpc", position=(0, 0))
    s.add("function", "Outside", position=(0, -1.5 * ROW))
    s.add("function", "Mover", position=(2 * COLUMN, 0))
    gestures = Gestures(GraphSync(s))
    assert gestures.place("Mover", "Vpc")
    x, y = s.layout["Mover"]
    assert abs(x) <= 2 * COLUMN and abs(y) <= 2 * ROW  # near where it was and its network
    vpc = next(b for b in group_boxes(s, s.layout) if b.id == "Vpc")
    assert set(vpc.members) == {"Db", "Mover"}
    outside = footprint(s.node("Outside"), s.layout["Outside"])
    assert not _overlap(outside, drawn_rect(vpc))  # the grown box stays off Outside


def test_reference_edges_follow_the_stack_on_the_canvas():
    from stackerynb.widgets.sync import GraphSync

    s = Stack("r")
    s.add("function", "Fn")
    s.add("topic", "Alerts")
    sync = GraphSync(s)
    seen = []
    sync.ops.connect(seen.extend)
    s.set("Fn", properties={"Environment": {"Variables": {"A": {"Ref": "Alerts"}}}})
    ref = sync.elements["Fn~>Alerts"]
    assert ref.group == "edges" and ref.classes == "reference" and ref.data["label"] == "Ref"
    assert any(op.action == "add" and op.element.id == "Fn~>Alerts" for op in seen)
    s.connect("Fn", "Alerts")  # now a wire explains it: the dashed edge goes
    assert "Fn~>Alerts" not in sync.elements and "Fn->Alerts" in sync.elements
    s.disconnect("Fn", "Alerts")
    assert "Fn~>Alerts" in sync.elements
    s.rename("Alerts", "Events")  # never an edge to a node that is gone
    assert all(el.data["target"] in s for el in sync.elements.values() if el.classes == "reference")
    s.remove("Fn")
    assert not any(el.group == "edges" for el in sync.elements.values())


def test_the_export_button_writes_the_canvas_beside_the_stack_file(tmp_path):
    import xml.etree.ElementTree as ET

    from stackerynb.widgets.gestures import Gestures
    from stackerynb.widgets.sync import GraphSync
    from stackerynb.widgets.toolbar import CanvasToolbar

    s = Stack("orders")
    s.add("function", "Fn", position=(0, 0))
    s.add("table", "Orders")  # drawn where the canvas chose: the export draws it there too
    s.path = tmp_path / "stacks" / "orders.yaml"
    gestures = Gestures(GraphSync(s))
    toolbar = CanvasToolbar(gestures)
    toolbar.export.click()
    out = tmp_path / "stacks" / "orders.svg"
    assert gestures.last_message.text == f"Exported the diagram to {out}."
    texts = {"".join(t.itertext()) for t in ET.parse(out).getroot().iter("{http://www.w3.org/2000/svg}text")}
    assert {"Fn", "Orders"} <= texts
    out.unlink()
    out.mkdir()  # a folder where the file should go: refused with a message, nothing raised
    toolbar.export.click()
    assert gestures.last_message.level == "error" and "is a folder" in gestures.last_message.text

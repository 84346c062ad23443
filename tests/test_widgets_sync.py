"""The canvas's drawing logic in plain Python: what the canvas shows for a stack, and how each
stack edit becomes a few element operations (checked against a model of cytoscape's rules)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from stackerynb import Stack, StackError
from stackerynb.widgets.sync import GraphSync


class CytoscapeLike:
    """What the browser holds, with cytoscape's rules: an element's id is unique, a child's
    parent and a wire's ends must exist when it is added, and removing a node removes its
    wires and everything inside it."""

    def __init__(self, sync: GraphSync):
        self.elements = {}
        for el in sync.ordered_elements():
            self._add(el)
        sync.ops.connect(self.apply)
        self.batches = []

    def _add(self, el):
        assert el.id not in self.elements, f"{el.id} added twice"
        if el.group == "nodes" and el.parent is not None:
            assert el.parent in self.elements, f"{el.id} added before its parent {el.parent}"
        if el.group == "edges":
            assert el.data["source"] in self.elements and el.data["target"] in self.elements, el.id
        self.elements[el.id] = el

    def _remove(self, element_id):
        el = self.elements.pop(element_id, None)
        if el is None or el.group == "edges":
            return
        for other in list(self.elements.values()):
            if other.group == "edges" and element_id in (other.data["source"], other.data["target"]):
                self._remove(other.id)
            elif other.group == "nodes" and other.parent == element_id:
                self._remove(other.id)

    def apply(self, ops):
        self.batches.append(ops)
        for op in ops:
            if op.action == "add":
                self._add(op.element)
            elif op.action == "remove":
                self._remove(op.element.id)
            else:
                assert op.element.id in self.elements, f"update of missing {op.element.id}"
                self.elements[op.element.id] = op.element

    def snapshot(self):
        return {k: (v.group, v.data, v.classes, v.position) for k, v in self.elements.items()}


def snapshot(sync):
    return {k: (v.group, v.data, v.classes, v.position) for k, v in sync.elements.items()}


def orders_stack():
    s = Stack("orders")
    s.add("rest_api", "Api", position=(0, 0))
    s.add("function", "GetOrder", memory=512, position=(200, 0))
    s.add("table", "Orders", position=(400, 0))
    s.add("virtual_network", "Vpc", position=(200, 300))
    s.add("database", "Db", network="Vpc", position=(200, 300))
    s.connect("Api", "GetOrder")
    s.connect("GetOrder", "Orders", access="read")
    return s


@pytest.fixture
def stack():
    return orders_stack()


@pytest.fixture
def sync(stack):
    return GraphSync(stack)


@pytest.fixture
def canvas(sync):
    return CytoscapeLike(sync)


def test_the_canvas_shows_nodes_wires_and_networks_as_nested_boxes(sync):
    els = sync.elements
    assert {k for k, v in els.items() if "stack-node" in v.classes} == {"Api", "GetOrder", "Orders", "Vpc", "Db"}
    assert {k for k, v in els.items() if v.group == "edges"} == {"Api->GetOrder", "GetOrder->Orders"}
    assert els["Db"].parent == "Vpc::private" and els["Vpc::private"].parent == "Vpc"
    assert els["Vpc::private"].data["label"] == "private subnets"
    assert els["Vpc"].position is None  # a box around its members: cytoscape places it
    assert els["GetOrder"].position == (200, 0)
    assert els["GetOrder"].data["kind"] == "function" and els["GetOrder"].data["settings"] == {"memory": 512}
    assert els["GetOrder->Orders"].data["label"] == "read"
    order = [el.id for el in sync.ordered_elements()]
    assert order.index("Vpc") < order.index("Vpc::private") < order.index("Db") < order.index("Api->GetOrder")


def test_one_edit_updates_one_element(stack, sync, canvas):
    stack.set("GetOrder", memory=1024)
    stack.move("Api", 10, 20)
    stack.add("queue", "Jobs", position=(400, 200))
    stack.connect("GetOrder", "Jobs")
    stack.disconnect("GetOrder", "Jobs")
    assert [[(op.action, op.element.id, op.fields) for op in batch] for batch in canvas.batches] == [
        [("update", "GetOrder", ("data",))],
        [("update", "Api", ("position",))],
        [("add", "Jobs", ())],
        [("add", "GetOrder->Jobs", ())],
        [("remove", "GetOrder->Jobs", ())],
    ]
    assert canvas.elements["GetOrder"].data["settings"] == {"memory": 1024}
    assert canvas.snapshot() == snapshot(sync)


def test_renaming_redraws_the_node_and_its_wires_and_keeps_the_selection(stack, sync, canvas):
    sync.select("GetOrder")
    seen = []
    sync.selection.connect(seen.append)
    stack.rename("GetOrder", "FetchOrder")
    assert "GetOrder" not in sync.elements and "GetOrder->Orders" not in sync.elements
    assert {"FetchOrder", "Api->FetchOrder", "FetchOrder->Orders"} <= set(sync.elements)
    assert sync.selected == "FetchOrder" and "chosen" in sync.elements["FetchOrder"].classes
    assert seen == ["FetchOrder"]
    assert sync.elements["FetchOrder"].position == (200, 0)
    assert canvas.snapshot() == snapshot(sync)


def test_renaming_a_network_redraws_its_members_inside_the_new_one(stack, sync, canvas):
    stack.connect("GetOrder", "Db")
    stack.place("GetOrder", "Vpc")
    stack.rename("Vpc", "Net")
    assert sync.elements["Db"].parent == "Net::private"
    assert sync.elements["GetOrder"].parent == "Net::private"
    assert "Vpc::private" not in sync.elements and "Vpc" not in sync.elements
    assert canvas.snapshot() == snapshot(sync)


def test_removing_a_network_takes_its_members_out_first(stack, sync, canvas):
    stack.remove("Vpc")
    assert sync.elements["Db"].parent is None
    assert not any(k.startswith("Vpc") for k in sync.elements)
    assert canvas.snapshot() == snapshot(sync)


def test_an_added_node_reaches_the_canvas_before_the_problems_check_marks_it(stack, sync, canvas):
    """The problems check takes tens of ms on a big stack: the edit's own elements go first."""
    stack.add("cdn", "Cdn", position=(600, 0))  # needs a wire to an object store
    added, marked = canvas.batches[-2:]
    assert [(op.action, op.element.id) for op in added] == [("add", "Cdn")]
    assert "problem" not in added[0].element.classes
    assert [(op.action, op.element.id, op.fields) for op in marked] == [("update", "Cdn", ("classes",))]
    assert "problem-error" in marked[0].element.classes
    assert canvas.snapshot() == snapshot(sync)


def test_problems_mark_the_offending_node_and_fill_the_list(stack, sync, canvas):
    lists = []
    sync.problems.connect(lists.append)
    stack.add("cdn", "Cdn", position=(600, 0))  # needs a wire to an object store
    assert "problem-error" in sync.elements["Cdn"].classes
    assert [p.node for p in lists[-1]] == ["Cdn"]
    stack.add("object_store", "Site", position=(800, 0))
    stack.connect("Cdn", "Site")
    assert "problem-error" not in sync.elements["Cdn"].classes
    assert lists[-1] == [] and sync.current_problems == []
    assert canvas.snapshot() == snapshot(sync)


def test_a_malformed_stack_from_a_file_is_drawn_without_dangling_elements():
    from stackerynb.model.fileformat import parse_stack
    text = ("format: 1\nname: broken\nnodes:\n  A: {kind: function, network: Nowhere}\n"
            "  B: {kind: no_such_kind}\nwires:\n  - {from: A, to: Missing}\n  - {from: A, to: B}\n")
    s = parse_stack(text, "broken.yaml")
    sync = GraphSync(s)
    canvas = CytoscapeLike(sync)  # asserts every parent and wire end exists
    assert sync.elements["A"].parent is None
    assert "A->Missing" not in sync.elements and "A->B" in sync.elements
    assert "problem-error" in sync.elements["A"].classes
    s.add("virtual_network", "Nowhere")  # the network A named appears: A moves inside it
    assert sync.elements["A"].parent == "Nowhere::private"
    assert canvas.snapshot() == snapshot(sync)


def test_a_change_the_canvas_does_not_know_redraws_everything(stack, sync, canvas):
    from stackerynb.model.elements import Change
    sync.select("GetOrder")
    replacement = Stack("orders")
    replacement.add("function", "GetOrder", position=(5, 5))
    replacement.add("bastion", "Jump", position=(50, 5))
    # what a reload from the file does: the content changes wholesale, one change announces it
    stack._nodes, stack._wires, stack._layout = replacement._nodes, replacement._wires, replacement._layout
    lists = []
    sync.problems.connect(lists.append)
    stack._emit(Change("reload"))
    assert set(sync.elements) == {"GetOrder", "Jump"}
    assert sync.selected == "GetOrder" and "problem-error" in sync.elements["Jump"].classes
    assert [p.node for p in lists[-1]] == ["Jump"]
    assert canvas.snapshot() == snapshot(sync)


def test_the_canvas_follows_a_reload_from_the_file(tmp_path):
    path = tmp_path / "orders.yaml"
    stack = orders_stack()
    stack.save(path)
    sync = GraphSync(stack)
    canvas = CytoscapeLike(sync)
    other = Stack.load(path)  # someone else edits the file
    other.remove("Db")
    other.rename("Orders", "Ledger")
    other.add("queue", "Jobs", position=(600, 100))
    other.connect("GetOrder", "Jobs")
    other.save()
    stack.reload()
    assert {"Ledger", "Jobs", "GetOrder->Ledger", "GetOrder->Jobs"} <= set(sync.elements)
    assert not {"Db", "Orders", "Vpc::private"} & set(sync.elements)
    assert canvas.snapshot() == snapshot(sync) == snapshot(GraphSync(stack))


def test_a_failure_while_following_an_edit_redraws_instead_of_failing_the_edit(stack, sync, canvas,
                                                                              monkeypatch, caplog):
    def broken(change, ops):
        raise RuntimeError("bug")
    monkeypatch.setattr(sync, "_on_set", broken)
    stack.set("GetOrder", memory=2048)  # the user's edit goes through
    assert stack.node("GetOrder").get("memory") == 2048
    assert sync.elements["GetOrder"].data["settings"] == {"memory": 2048}
    assert canvas.snapshot() == snapshot(sync)
    assert "redrawing" in caplog.text


def test_close_stops_following_the_stack(stack, sync):
    sync.close()
    stack.add("queue", "Jobs")
    assert "Jobs" not in sync.elements


def test_the_canvas_logic_imports_no_widget_library():
    code = ("import sys, stackerynb.widgets.sync, stackerynb.widgets.gestures, stackerynb.widgets.layout, "
            "stackerynb.widgets.fields, stackerynb.widgets.style; print([m for m in ('ipywidgets', 'ipycytoscape') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ properties
NODE_IDS = ["A", "B", "C", "D", "Net", "Net2"]
KINDS = ["function", "queue", "table", "bastion", "database", "rest_api", "topic"]

edit = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(KINDS), st.sampled_from(NODE_IDS[:4] + ["E"]),
              st.integers(-500, 500), st.integers(-500, 500), st.sampled_from([None, "Net", "Net2"])),
    st.tuples(st.just("addnet"), st.sampled_from(NODE_IDS[4:]), st.integers(-500, 500)),
    st.tuples(st.just("connect"), st.sampled_from(NODE_IDS), st.sampled_from(NODE_IDS)),
    st.tuples(st.just("disconnect"), st.sampled_from(NODE_IDS), st.sampled_from(NODE_IDS)),
    st.tuples(st.just("place"), st.sampled_from(NODE_IDS[:4]), st.sampled_from(NODE_IDS[4:] + [None])),
    st.tuples(st.just("rename"), st.sampled_from(NODE_IDS), st.sampled_from(NODE_IDS + ["E", "Net3"])),
    st.tuples(st.just("remove"), st.sampled_from(NODE_IDS + ["E", "Net3"])),
    st.tuples(st.just("move"), st.sampled_from(NODE_IDS), st.integers(-500, 500), st.integers(-500, 500)),
    st.tuples(st.just("set"), st.sampled_from(NODE_IDS[:4]), st.integers(128, 4096)),
    st.tuples(st.just("select"), st.sampled_from(NODE_IDS + ["A->B", None])),
)


def apply_edit(stack, sync, e):
    op = e[0]
    try:
        if op == "add":
            stack.add(e[1], e[2], position=(e[3], e[4]), network=e[5])
        elif op == "addnet":
            stack.add("virtual_network", e[1], position=(e[2], 400))
        elif op == "connect":
            stack.connect(e[1], e[2])
        elif op == "disconnect":
            stack.disconnect(e[1], e[2])
        elif op == "place":
            stack.place(e[1], e[2])
        elif op == "rename":
            stack.rename(e[1], e[2])
        elif op == "remove":
            stack.remove(e[1])
        elif op == "move":
            stack.move(e[1], e[2], e[3])
        elif op == "set":
            stack.set(e[1], memory=e[2])
        elif op == "select":
            sync.select(e[1])
    except StackError:
        pass


def seeded_stack():
    s = Stack("prop")
    for kind, node_id, x in (("function", "A", 0), ("queue", "B", 200), ("function", "C", 400),
                             ("database", "D", 600), ("virtual_network", "Net", 800),
                             ("virtual_network", "Net2", 1000)):
        s.add(kind, node_id, position=(x, 0))
    s.connect("A", "B")
    s.connect("B", "C")
    s.place("D", "Net")
    return s


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edit, min_size=5, max_size=30))
def test_incremental_updates_match_a_fresh_drawing_and_the_browser_state(edits):
    stack = seeded_stack()
    sync = GraphSync(stack)
    canvas = CytoscapeLike(sync)
    for e in edits:
        apply_edit(stack, sync, e)
    fresh = GraphSync(stack)
    fresh.select(sync.selected)
    assert snapshot(sync) == snapshot(fresh)
    assert canvas.snapshot() == snapshot(sync)


def test_a_wire_change_updates_its_label_in_place_and_undo_puts_it_back(stack, sync, canvas):
    ops = []
    sync.ops.connect(ops.extend)
    stack.configure("GetOrder", "Orders", access="write")
    assert [(op.action, op.element.id) for op in ops] == [("update", "GetOrder->Orders")]
    assert sync.elements["GetOrder->Orders"].data["label"] == "write"
    stack.undo()
    assert sync.elements["GetOrder->Orders"].data["label"] == "read"
    assert canvas.snapshot() == snapshot(sync)

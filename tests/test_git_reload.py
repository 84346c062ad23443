"""Reload happens in place: an observer that only follows Change events (as the canvas does) ends
up showing exactly the stack in the file, and every event makes sense when it arrives (no wire
to a node that is not there yet, no network removed while something sits in it)."""
import tempfile
from pathlib import Path

import pytest

from hypothesis import given, settings, strategies as st

from stackerynb import Stack, StackError

IDS = ["Fn", "Worker", "Jobs", "Orders", "Net"]
KINDS = ["function", "queue", "table", "virtual_network"]
SETTINGS = {"function": ("memory", [128, 512, 1024]), "queue": ("visibility_timeout", [0, 30, 60])}

edit = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(IDS), st.sampled_from(KINDS)),
    st.tuples(st.just("set"), st.sampled_from(IDS), st.integers(0, 2)),
    st.tuples(st.just("place"), st.sampled_from(IDS), st.sampled_from(IDS + [None])),
    st.tuples(st.just("wire"), st.sampled_from(IDS), st.sampled_from(IDS)),
    st.tuples(st.just("move"), st.sampled_from(IDS), st.integers(-50, 50)),
    st.tuples(st.just("remove"), st.sampled_from(IDS), st.none()),
)


def build(stack: Stack, edits) -> Stack:
    for op, node_id, arg in edits:
        try:
            if op == "add":
                stack.add(arg, node_id, position=(len(stack) * 40, 0) if len(stack) % 2 else None)
            elif op == "set" and node_id in stack and stack.node(node_id).kind in SETTINGS:
                name, values = SETTINGS[stack.node(node_id).kind]
                stack.set(node_id, **{name: values[arg]})
            elif op == "place":
                stack.place(node_id, arg)
            elif op == "wire":
                stack.connect(node_id, arg)
            elif op == "move":
                stack.move(node_id, arg, -arg)
            elif op == "remove":
                stack.remove(node_id)
        except StackError:
            pass
    return stack


class Canvas:
    """What a canvas knows: only what the Change events told it, checked as they arrive."""

    def __init__(self, stack: Stack):
        self.nodes = {n.id: n for n in stack.nodes}
        self.wires = set(stack.wires)
        self.layout = dict(stack.layout)
        stack.observe(self.on_change)

    def on_change(self, change):
        node, wire = change.node, change.wire
        if change.op == "add":
            assert node.id not in self.nodes and node.network in (None, *self.nodes)
            self.nodes[node.id] = node
            if change.position is not None:
                self.layout[node.id] = change.position
        elif change.op == "remove":
            assert node.id in self.nodes
            assert not [w for w in self.wires if node.id in (w.source, w.target)], "wires left on a removed node"
            assert not [n for n in self.nodes.values() if n.network == node.id], "nodes left in a removed network"
            del self.nodes[node.id]
            self.layout.pop(node.id, None)
        elif change.op in ("set", "place"):
            assert node.id in self.nodes and node.network in (None, *self.nodes)
            self.nodes[node.id] = node
        elif change.op == "move":
            assert node.id in self.nodes
            if change.position is None:
                self.layout.pop(node.id, None)
            else:
                self.layout[node.id] = change.position
        elif change.op == "connect":
            assert wire.source in self.nodes and wire.target in self.nodes and wire not in self.wires
            self.wires.add(wire)
        elif change.op == "disconnect":
            self.wires.remove(wire)
        else:
            raise AssertionError(f"unexpected op {change.op}")


@settings(max_examples=60, deadline=None)
@given(st.lists(edit, max_size=14), st.lists(edit, max_size=14), st.lists(edit, max_size=6))
def test_reload_events_take_an_observer_to_the_file(mine_edits, their_edits, unsaved):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.yaml"
        build(Stack("orders"), mine_edits).save(path)
        mine, theirs = Stack.load(path), Stack.load(path)
        build(theirs, their_edits).save()
        build(mine, unsaved)
        canvas = Canvas(mine)
        mine.reload(confirm=True)
        on_disk = Stack.load(path)
        assert mine == on_disk and mine.dumps() == path.read_text()
        assert canvas.nodes == {n.id: n for n in on_disk.nodes}
        assert canvas.wires == set(on_disk.wires) and canvas.layout == on_disk.layout
        before = path.read_bytes()
        mine.save()
        assert path.read_bytes() == before


def test_reload_keeps_problem_lines_of_a_hand_edited_file(tmp_path):
    path = tmp_path / "orders.yaml"
    Stack("orders").save(path)
    s = Stack.load(path)
    path.write_text("name: orders\nnodes:\n  Fn:\n    kind: function\n    settings:\n      memory: 1\n")
    s.reload()
    assert [(p.where, p.line) for p in s.problems()] == [("Fn.memory", 6)]


def test_reload_of_a_broken_file_changes_nothing(tmp_path):
    path = tmp_path / "orders.yaml"
    s = Stack("orders")
    s.add("queue", "Jobs")
    s.save(path)
    path.write_text("name: orders\nnodes:\n  Fn: [1, 2\n")
    with pytest.raises(StackError, match=r"orders.yaml:4: not valid YAML"):
        s.reload()
    assert [n.id for n in s.nodes] == ["Jobs"] and s.changed_underneath() is not None

"""Undo and redo in the model: every kind of edit, from Python, is taken back exactly (the saved
file is byte-identical) and made again, one step per edit or per ``stack.batch()``, and
observers see the reverse edits as ordinary changes."""
from __future__ import annotations

import pytest

from stackerynb import Stack
from stackerynb.model.undo import MAX_STEPS


def shop() -> Stack:
    stack = Stack("shop")
    stack.add("rest_api", "Api", position=(0, 0))
    stack.add("function", "GetOrder", memory=512, position=(200, 0))
    stack.add("table", "Orders", position=(400, 0))
    stack.add("virtual_network", "Vpc", position=(200, 300))
    stack.add("database", "Db", network="Vpc", position=(200, 320))
    stack.connect("Api", "GetOrder")
    stack.connect("GetOrder", "Orders", access="read")
    stack.history.clear()
    return stack


EDITS = {
    "add": lambda s: s.add("queue", "Jobs", position=(50, 50)),
    "add-unplaced": lambda s: s.add("queue", "Jobs"),
    "remove": lambda s: s.remove("GetOrder"),
    "remove-network": lambda s: s.remove("Vpc"),
    "set": lambda s: s.set("GetOrder", memory=1024, timeout=None),
    "rename": lambda s: s.rename("GetOrder", "FetchOrder"),
    "rename-network": lambda s: s.rename("Vpc", "Net"),
    "connect": lambda s: s.connect("GetOrder", "Db"),
    "disconnect": lambda s: s.disconnect("Api", "GetOrder"),
    "configure": lambda s: s.configure("GetOrder", "Orders", access="write"),
    "configure-settings": lambda s: s.configure("GetOrder", "Orders", env={"ORDERS_TABLE": "name"}),
    "place": lambda s: s.place("Db", None),
    "move": lambda s: s.move("Orders", 10, 20),
    "move-new": lambda s: (s.add("queue", "Jobs"), s.history.clear(), s.move("Jobs", 5, 5)),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_undo_takes_back_each_kind_of_edit_exactly_and_redo_makes_it_again(edit):
    stack = shop()
    EDITS[edit](stack)
    edited_text = stack.dumps()
    edited = stack.snapshot()
    assert stack.history.can_undo
    assert stack.undo()
    reference = shop()
    if edit == "move-new":
        reference.add("queue", "Jobs")
    assert stack == reference
    assert stack.dumps() == reference.dumps()  # same order of nodes, wires and positions
    assert stack.history.can_redo and not stack.history.can_undo
    assert stack.redo()
    assert stack.snapshot() == edited and stack.dumps() == edited_text


def test_observers_see_the_reverse_edits_as_ordinary_changes():
    stack = shop()
    seen = []
    stack.observe(lambda change: seen.append((change.op, getattr(change.node, "id", None) or str(change.wire))))
    stack.remove("GetOrder")
    seen.clear()
    stack.undo()
    assert seen == [("add", "GetOrder"), ("connect", "GetOrder -> Orders (read)"), ("connect", "Api -> GetOrder")]
    positions = []
    stack.observe(lambda change: positions.append(change.position))
    stack.redo()
    stack.undo()
    assert positions[-3] == (200, 0)  # the canvas draws the node back where it was
    seen.clear()
    stack.rename("Api", "Front")
    stack.undo()
    assert seen[-1] == ("rename", "Api")


def test_a_remove_with_its_wires_and_a_batch_are_one_step_each():
    stack = shop()
    stack.remove("Vpc")  # unplaces Db, then removes the network
    assert stack.history.undo_ops() == [("place", "remove")]
    with stack.batch():
        stack.move("Api", 1, 1)
        stack.move("Orders", 2, 2)
        with stack.batch():  # nested batches join the outer one
            stack.set("GetOrder", memory=256)
    assert len(stack.history.undo_ops()) == 2
    stack.undo()
    assert stack.layout["Api"] == (0, 0) and stack.layout["Orders"] == (400, 0)
    assert stack.node("GetOrder").settings["memory"] == 512
    stack.undo()
    assert stack == shop()
    assert not stack.undo()  # back at the start: nothing more to undo


def test_a_new_edit_clears_redo_and_a_refused_edit_records_nothing():
    stack = shop()
    stack.move("Api", 5, 5)
    stack.undo()
    assert stack.history.can_redo
    with pytest.raises(Exception):
        stack.set("GetOrder", memory=99999)
    assert stack.history.can_redo and not stack.history.can_undo
    stack.set("GetOrder", memory=256)
    assert not stack.history.can_redo
    assert not stack.redo()


def test_undo_goes_back_to_the_load_and_no_further(tmp_path):
    stack = shop()
    path = stack.save(tmp_path / "shop.yaml")
    loaded = Stack.load(path)
    assert not loaded.history.can_undo
    loaded.add("queue", "Jobs")
    loaded.connect("Jobs", "GetOrder")
    loaded.set("Jobs", visibility_timeout=60) if "visibility_timeout" in _settings("queue") else None
    while loaded.undo():
        pass
    assert loaded.dumps() == path.read_text()


def test_undo_restores_values_the_edit_methods_would_refuse(tmp_path):
    """A loaded file may hold a bad value (problems() reports it); undoing its removal brings it
    back as it was rather than failing."""
    path = tmp_path / "bad.yaml"
    stack = shop()
    stack.save(path)
    path.write_text(path.read_text().replace("memory: 512", "memory: 99999"))
    loaded = Stack.load(path)
    assert any(p.setting == "memory" for p in loaded.problems())
    loaded.remove("GetOrder")
    loaded.undo()
    assert loaded.node("GetOrder").settings["memory"] == 99999
    assert loaded.dumps() == path.read_text()


def test_history_is_capped():
    stack = shop()
    for i in range(MAX_STEPS + 20):
        stack.move("Api", i, 0)
    assert len(stack.history.undo_ops()) == MAX_STEPS
    while stack.undo():
        pass
    assert stack.layout["Api"] == (19, 0)  # the oldest steps fell off the end


def test_undo_of_a_500_node_stack_edit_replays_one_change():
    stack = Stack("big")
    for i in range(500):
        stack.add("function", f"F{i}", position=(i, 0))
    stack.history.clear()
    seen = []
    stack.observe(seen.append)
    stack.remove("F10")
    seen.clear()
    stack.undo()
    assert [c.op for c in seen] == ["add"]
    assert list(stack.layout)[10] == "F10"  # back in its place in the file order


def _settings(kind):
    from stackerynb.catalog import kind as catalog_kind
    return catalog_kind(kind).settings

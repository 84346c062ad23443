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
    free = [pos[n] for n in ("Api", "Handler", "Jobs", "Worker", "Orders", "Vpc")]
    private, public = pos["Db"], pos["Jump"]
    # every free-standing node sits above the network's rows, and the two tiers in different rows
    assert max(y for _, y in free) < min(private[1], public[1])
    assert private[1] != public[1]


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

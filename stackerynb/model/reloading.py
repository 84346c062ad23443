"""Turning a stack into what its file holds now, one observable change at a time (``Stack.reload``).

The store reads the file; this module, part of the model, applies it to the live stack so that
observers (the canvas) follow along with the ordinary Change events.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from stackerynb.model.elements import Change

if TYPE_CHECKING:
    from stackerynb.model.stack import Stack


def apply_file(stack: "Stack", fresh: "Stack") -> None:
    """Turn ``stack`` into ``fresh`` one observable change at a time, in the order the edit
    methods use (wires off before nodes go, nodes out of a network before it goes, nodes in
    before they are placed and wired), so an observer such as the canvas just follows along."""
    old_nodes, new_nodes = stack._nodes, fresh._nodes
    gone = {nid for nid, node in old_nodes.items()
            if nid not in new_nodes or new_nodes[nid].kind != node.kind}
    for wire in [w for w in stack._wires
                 if w not in fresh._wires or w.source in gone or w.target in gone]:
        stack._wires.remove(wire)
        stack._emit(Change("disconnect", wire=wire))
    for node in list(old_nodes.values()):
        if node.network is not None and node.network in gone:
            unplaced = dataclasses.replace(node, network=None)
            old_nodes[node.id] = unplaced
            stack._emit(Change("place", node=unplaced))
    for node_id in [nid for nid in old_nodes if nid in gone]:
        node = old_nodes.pop(node_id)
        stack._layout.pop(node_id, None)
        stack._emit(Change("remove", node=node))
    for node_id, node in new_nodes.items():
        if node_id not in old_nodes:
            added = dataclasses.replace(node, network=None)  # placed below, once its network exists
            old_nodes[node_id] = added
            if node_id in fresh._layout:
                stack._layout[node_id] = fresh._layout[node_id]
            stack._emit(Change("add", node=added, position=fresh._layout.get(node_id)))
    for node_id, node in new_nodes.items():
        old = old_nodes[node_id]
        if dict(old.settings) != dict(node.settings):
            old = old_nodes[node_id] = dataclasses.replace(old, settings=dict(node.settings))
            stack._emit(Change("set", node=old))
        if old.network != node.network:
            old_nodes[node_id] = node
            stack._emit(Change("place", node=node))
        position = fresh._layout.get(node_id)
        if stack._layout.get(node_id) != position:
            if position is None:
                stack._layout.pop(node_id, None)
            else:
                stack._layout[node_id] = position
            stack._emit(Change("move", node=node, position=position))
    for wire in [w for w in fresh._wires if w not in stack._wires]:
        stack._wires.append(wire)
        stack._emit(Change("connect", wire=wire))
    # Same content now; take the file's order and line numbers too, so a save is byte-identical.
    stack.name = fresh.name
    stack._nodes = dict(new_nodes)
    stack._wires = list(fresh._wires)
    stack._layout = dict(fresh._layout)
    stack._lines = dict(fresh._lines)
    stack.raw = fresh.raw


"""The stack model: nodes, wires, validation and the stack file."""
from stackerynb.model.elements import Change, Node, Wire
from stackerynb.model.stack import Stack

__all__ = ["Stack", "Node", "Wire", "Change"]

"""Which attribute of a node an environment variable's value is, so a wire can give it.

A template writes ``TABLE: !Ref Orders`` or ``QUEUE_ARN: !GetAtt Jobs.Arn``; a wire gives the
source the target's attributes (``name``, ``arn``, ``url``...) under the names its code reads
(wire setting ``env``). The attributes a kind offers, as Sub text, are read from the compiler
itself (one node of the kind compiled once per process), so the two never drift apart.
"""
from __future__ import annotations

from functools import lru_cache

PROBE = "Probe"


@lru_cache(maxsize=None)
def kind_attributes(kind: str) -> dict[str, str]:
    """``attribute -> Sub text`` of a node of ``kind`` called ``Probe`` (empty when a lone node
    of that kind does not compile, e.g. one that must sit in a network)."""
    from stackerynb.compile.compiler import build
    from stackerynb.errors import StackError
    from stackerynb.model.environments import Environment
    from stackerynb.model.stack import Stack

    stack = Stack("probe")
    try:
        stack.add(kind, PROBE)
        ctx = build(stack, Environment("dev"))
    except (StackError, AssertionError, KeyError, ValueError, TypeError):
        return {}
    parts = ctx.parts.get(PROBE)
    return dict(parts.attributes) if parts is not None else {}


def reference_text(value) -> str | None:
    """A Ref/GetAtt/Sub value as Sub text (``${X}``, ``${X.Arn}``); None for anything else."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref" and isinstance(arg, str):
            return "${%s}" % arg
        if key == "Fn::GetAtt":
            if isinstance(arg, str) and "." in arg:
                return "${%s}" % arg
            if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
                return "${%s.%s}" % tuple(arg)
        if key == "Fn::Sub" and isinstance(arg, str):
            return arg
    return None


def attribute_of(kind: str, node_id: str, value) -> str | None:
    """The name of the attribute of node ``node_id`` (of ``kind``) that ``value`` stands for."""
    text = reference_text(value)
    if text is None:
        return None
    for name, template in kind_attributes(kind).items():
        if isinstance(template, str) and template.replace(PROBE, node_id) == text:
            return name
    return None

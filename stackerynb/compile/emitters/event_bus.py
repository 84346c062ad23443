"""event_bus -> EventBridge event bus (none for the account's default bus). Its rules are its
wires: each wire to a target compiles to one rule on the bus (see compile/event_targets.py)."""
from __future__ import annotations

from troposphere import events

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import name
from stackerynb.compile.refs import arn, att, ref

DEFAULT_BUS = "default"


def emit(ctx: Compilation, node) -> Parts:
    bid = node.id
    if node.get("default_bus"):
        return Parts(node, attributes={"arn": arn("events", f"event-bus/{DEFAULT_BUS}"), "name": DEFAULT_BUS},
                     handles={"targets": []})
    ctx.add(events.EventBus(bid, Name=name(ctx, bid, limit=256)), bid)
    return Parts(node, attributes={"arn": att(bid, "Arn"), "name": ref(bid)}, handles={"targets": []})

"""A bucket's ``NotificationConfiguration`` -> wires ``bucket -> function`` and ``bucket -> queue``
with the event and key filter in the wire's ``event`` setting (S3's words: ``Event``,
``Filter``). Sending the bucket's events to EventBridge, with no other notification, is kept
as written in the node's properties; anything else (topics, two notifications for one target,
EventBridge beside others) keeps the bucket raw."""
from __future__ import annotations

from typing import TYPE_CHECKING

from stackerynb.cfn.intrinsics import is_intrinsic, referenced_ids

if TYPE_CHECKING:
    from stackerynb.importing.importer import Round

# configuration list -> (the property naming its target, the target kind)
CONFIGURATIONS = {"LambdaConfigurations": ("Function", "function"), "QueueConfigurations": ("Queue", "queue")}


def _single(value, ids) -> str | None:
    found = [i for i in referenced_ids(value) if i in ids]
    return found[0] if len(set(found)) == 1 else None


def plan(rnd: "Round", lid: str, node, props: dict) -> None:
    config = props.get("NotificationConfiguration")
    if config is None:
        return
    if not isinstance(config, dict) or is_intrinsic(config):
        rnd.demote_node(lid, "its NotificationConfiguration is computed at deploy time")
        return
    others = sorted(set(config) - set(CONFIGURATIONS) - {"EventBridgeConfiguration"})
    if others:
        rnd.demote_node(lid, f"its notifications {', '.join(others)} have no wire")
        return
    if "EventBridgeConfiguration" in config:
        if set(config) != {"EventBridgeConfiguration"}:
            rnd.demote_node(lid, "it sends events to EventBridge beside other notifications")
            return
        node.settings["properties"] = {**node.settings.get("properties", {}), "NotificationConfiguration": config}
        return
    planned = []
    for key, (field, kind) in CONFIGURATIONS.items():
        for entry in config.get(key) or []:
            target = _single(entry.get(field), rnd.nodes) if isinstance(entry, dict) else None
            if target is None or rnd.kind_of(target) != kind:
                rnd.demote_node(lid, f"a notification goes to {entry.get(field) if isinstance(entry, dict) else entry!r}, "
                                f"which is not a {kind} node")
                return
            if any(t == target for t, _ in planned) or (lid, target) in rnd.wires:
                rnd.demote_node(lid, f"it notifies {target} more than once; a wire holds one notification")
                return
            if set(entry) - {field, "Event", "Filter"}:
                rnd.demote_node(lid, f"notification options {', '.join(sorted(set(entry) - {field, 'Event', 'Filter'}))} "
                                "cannot be carried by a wire")
                return
            planned.append((target, {k: entry[k] for k in ("Event", "Filter") if k in entry}))
    for target, event in planned:
        wire = rnd.add_wire(lid, target, f"{lid} NotificationConfiguration")
        if event and event != {"Event": "s3:ObjectCreated:*"}:
            wire.settings["event"] = event

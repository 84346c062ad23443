"""What invokes or feeds what: event source mappings (with every setting), SNS subscriptions,
rule and schedule targets, bucket notifications (category trigger), and invoke permissions
(category permission: who may call a function, from which source)."""
from __future__ import annotations

from stackerynb.diff.compare import keyed_rows
from stackerynb.diff.knowledge import facts
from stackerynb.diff.rows import DiffRow
from stackerynb.diff.values import Canon, ids_in, key_of

_NOTIFICATIONS = {"LambdaConfigurations": "Function", "QueueConfigurations": "Queue", "TopicConfigurations": "Topic"}


def _who(text, resources) -> str:
    """A function (or any target) named by a canonical value: its logical id when it names
    exactly one resource, else the text."""
    ids = [i for i in ids_in(text) if i in resources] if text is not None else []
    return ids[0] if len(ids) == 1 else str(text)


def triggers(resources: dict, canon: Canon) -> dict[tuple, dict]:
    """(target, how, source) -> settings."""
    out: dict[tuple, dict] = {}
    defaults = facts()["mapping_defaults"]
    for lid, resource in resources.items():
        rtype = resource.get("Type")
        props = canon.value(resource.get("Properties") or {})
        if rtype == "AWS::Lambda::EventSourceMapping":
            settings = {k: v for k, v in props.items() if k not in ("FunctionName", "EventSourceArn")}
            source = _who(props.get("EventSourceArn"), resources)
            by_source = facts()["mapping_defaults_by_source"].get((resources.get(source) or {}).get("Type"), {})
            for name, value in {**defaults, **by_source}.items():
                if name in settings and key_of(settings[name]) == key_of(canon.value(value)):
                    del settings[name]
            out[(_who(props.get("FunctionName"), resources), "event source mapping",
                 _who(props.get("EventSourceArn"), resources))] = settings
        elif rtype == "AWS::SNS::Subscription":
            settings = {k: v for k, v in props.items() if k not in ("Endpoint", "TopicArn")}
            for name, value in facts()["subscription_defaults"].items():
                if name in settings and key_of(settings[name]) == key_of(canon.value(value)):
                    del settings[name]
            out[(_who(props.get("Endpoint"), resources), "subscription", _who(props.get("TopicArn"), resources))] = settings
        elif rtype == "AWS::SNS::Topic":
            for sub in props.get("Subscription") or []:
                if isinstance(sub, dict):
                    out[(_who(sub.get("Endpoint"), resources), "subscription", lid)] = {"Protocol": sub.get("Protocol")}
        elif rtype == "AWS::Events::Rule":
            for target in props.get("Targets") or []:
                if isinstance(target, dict):
                    ignored = set(facts()["ignored_target_settings"]) | {"Arn"}
                    settings = {k: v for k, v in target.items() if k not in ignored}
                    out[(_who(target.get("Arn"), resources), "rule target", lid)] = settings
        elif rtype == "AWS::S3::Bucket":
            config = props.get("NotificationConfiguration") or {}
            if not isinstance(config, dict):
                continue
            for section, field in _NOTIFICATIONS.items():
                for entry in config.get(section) or []:
                    if isinstance(entry, dict):
                        settings = {k: v for k, v in entry.items() if k not in (field, "Event")}
                        out[(_who(entry.get(field), resources), f"bucket notification {entry.get('Event')}", lid)] = settings
            if config.get("EventBridgeConfiguration"):
                out[("EventBridge", "bucket notification", lid)] = config["EventBridgeConfiguration"]
    return out


def trigger_rows(a: dict, b: dict, canon_a: Canon, canon_b: Canon) -> list[DiffRow]:
    """Triggers added, removed, or with a setting changed."""
    return keyed_rows("trigger", triggers(a, canon_a), triggers(b, canon_b),
                      owner=lambda i: i[0], key=lambda i: f"{i[1]} from {i[2]}",
                      what=lambda i: f"the {i[1]} from {i[2]} to {i[0]}")


def permissions(resources: dict, canon: Canon) -> dict[tuple, dict]:
    """(function, principal, action, source) -> other settings, for each AWS::Lambda::Permission."""
    out = {}
    for resource in resources.values():
        if resource.get("Type") != "AWS::Lambda::Permission":
            continue
        props = canon.value(resource.get("Properties") or {})
        source = props.get("SourceArn", "any source")
        settings = {k: v for k, v in props.items() if k not in ("FunctionName", "Principal", "Action", "SourceArn")}
        out[(_who(props.get("FunctionName"), resources), str(props.get("Principal")), str(props.get("Action")),
             source if isinstance(source, str) else str(source))] = settings
    return out


def permission_rows(a: dict, b: dict, canon_a: Canon, canon_b: Canon) -> list[DiffRow]:
    """Invoke permissions added, removed or changed (a wider SourceArn is a removed and an added one)."""
    return keyed_rows("permission", permissions(a, canon_a), permissions(b, canon_b),
                      owner=lambda i: i[0], key=lambda i: f"{i[1]} {i[3]}",
                      what=lambda i: f"{i[1]} may call {i[0]} ({i[2]}) from {i[3]}")

"""A function's properties that its settings do not model, kept in CloudFormation form.

Driven by ``stackerynb/catalog/sam_function_properties.yaml``: SAM-only properties are
translated (``Tracing: Active`` -> ``TracingConfig: {Mode: Active}``, ``Tags`` map -> list,
``DeadLetterQueue`` -> ``DeadLetterConfig``), the others copied; what SAM adds to the role for
them (X-Ray and VPC managed policies, the dead-letter queue's send statement) is returned as
extra grants, so the compiled role grants what SAM's did. The result goes into the node's
``properties`` setting, which the compiler writes over the function resource.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

from stackerynb.catalog._data import load_table
from stackerynb.cfn.intrinsics import is_intrinsic

MISSING = object()


@dataclass
class FunctionProperties:
    """What the table made of one function's properties."""

    properties: dict = field(default_factory=dict)  # CloudFormation form, for the `properties` setting
    handled: set = field(default_factory=set)  # template properties accounted for here
    statements: list = field(default_factory=list)  # implied role statements (SAM adds them)
    managed: list = field(default_factory=list)  # implied managed policy ARNs
    raw_reasons: list = field(default_factory=list)  # why the function must stay raw

    def settings(self, resource: dict) -> dict:
        """The node settings: ``properties``, and ``attributes`` for ``sam build``'s Metadata."""
        out = {}
        if self.properties:
            out["properties"] = copy.deepcopy(self.properties)
        if isinstance(resource.get("Metadata"), dict) and resource["Metadata"]:
            out["attributes"] = {"Metadata": copy.deepcopy(resource["Metadata"])}
        return out


def table() -> dict:
    """``stackerynb/catalog/sam_function_properties.yaml``."""
    return load_table("sam_function_properties.yaml")


def _get(props: dict, path: str):
    value = props
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _put(out: dict, path: str, value) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        out = out.setdefault(part, {})
    out[parts[-1]] = copy.deepcopy(value)


def _tags(value):
    if is_intrinsic(value) or not isinstance(value, dict):
        raise ValueError("Tags is not a mapping of tag names to values")
    from samtranslator.model.tags.resource_tagging import get_tag_list
    return get_tag_list(value)


CONVERTERS = {"tags": _tags}


def _fill(value, placeholders: dict):
    """``value`` (statement data) with a whole-text ``{Name}`` replaced by the property's value."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in placeholders:
        return copy.deepcopy(placeholders[value[1:-1]])
    if isinstance(value, dict):
        return {k: _fill(v, placeholders) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, placeholders) for v in value]
    return value


def function_properties(logical_id: str, rtype: str, props: dict) -> FunctionProperties:
    """The kept properties and implied grants of function ``logical_id`` of type ``rtype``.

    A ``LoggingConfig`` without ``LogGroup`` (log format, levels) keeps the function's own log
    group, which the compiler makes as ``<id>LogGroup``: where the function logs is excepted
    from "the same meaning", and the compiled role may write there only."""
    spec = table().get(rtype) or {}
    out = FunctionProperties()
    for name in spec.get("raw") or ():
        if name in props:
            out.raw_reasons.append(f"{name} makes SAM generate resources a function node does not have")
            out.handled.add(name)
    for name in spec.get("copy") or ():
        if name in props:
            out.properties[name] = copy.deepcopy(props[name])
            out.handled.add(name)
    for source, target in (spec.get("rename") or {}).items():
        value = _get(props, source)
        if value is not MISSING:
            _put(out.properties, target, value)
            out.handled.add(source.split(".")[0])
    for name, converter in (spec.get("convert") or {}).items():
        if name in props:
            out.handled.add(name)
            try:
                out.properties[name] = CONVERTERS[converter](props[name])
            except ValueError as exc:
                out.raw_reasons.append(str(exc))
    events = props.get("Events")
    for event in events.values() if isinstance(events, dict) else ():
        arn = (spec.get("event_policies") or {}).get(event.get("Type")) if isinstance(event, dict) else None
        if isinstance(arn, str) and arn not in out.managed:
            out.managed.append(arn)
    logging = out.properties.get("LoggingConfig")
    if isinstance(logging, dict) and "LogGroup" not in logging:
        logging["LogGroup"] = {"Ref": f"{logical_id}LogGroup"}
    for name, implied in (spec.get("implies") or {}).items():
        value = props.get(name, MISSING)
        if value is MISSING or value in (None, implied.get("unless")):
            continue
        if "managed" in implied:
            out.managed.extend(implied["managed"])
        if "statements" in implied:
            choice = value.get(implied["by"]) if isinstance(value, dict) else None
            statements = (implied["statements"] or {}).get(choice) if isinstance(choice, str) else None
            if statements is None:
                out.raw_reasons.append(f"{name} {json.dumps(value)[:60]} is not one SAM knows")
                continue
            out.statements.extend(_fill(statements, value))
    return out

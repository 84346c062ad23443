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
import re
from dataclasses import dataclass, field

from stackerynb.catalog._data import load_table
from stackerynb.cfn.intrinsics import is_intrinsic

MISSING = object()


@dataclass
class FunctionProperties:
    """What the table made of one function's properties."""

    properties: dict = field(default_factory=dict)  # CloudFormation form, for the `properties` setting
    node_settings: dict = field(default_factory=dict)  # function settings standing for properties
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


# Resources the function emitter makes for a setting (logical id after the function id), as SAM
# names them: references to them (an output's FnUrl.FunctionUrl) keep pointing at them.
SETTING_RESOURCES = {"alias": re.compile(r"Alias[A-Za-z0-9]+"), "url": re.compile(r"Url"),
                     "url_public": re.compile(r"UrlPublicPermissions|URLInvokeAllowPublicAccess"),
                     "event_invoke": re.compile(r"EventInvokeConfig")}


def made_by_settings(fid: str, logical_id: str, settings: dict) -> bool | None:
    """Whether function ``fid`` with ``settings`` compiles to ``logical_id`` for one of the
    settings above (None: not an id any of them makes)."""
    suffix = logical_id[len(fid):] if logical_id.startswith(fid) else ""
    for name, pattern in SETTING_RESOURCES.items():
        if suffix and pattern.fullmatch(suffix):
            alias = settings.get("alias") or ""
            return {"alias": suffix == "Alias" + re.sub("[^A-Za-z0-9]", "", alias) and bool(alias),
                    "url": bool(settings.get("url")),
                    "url_public": (settings.get("url") or {}).get("AuthType") == "NONE",
                    "event_invoke": bool(settings.get("event_invoke"))}[name]
    return None


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
SETTING_CONVERTERS = {}


def setting_converter(fn):
    """Register ``fn(value, props)`` -> the setting's value (None: no setting), raising
    ValueError with the reason the function cannot be a node."""
    SETTING_CONVERTERS[fn.__name__] = fn
    return fn


@setting_converter
def text(value, props):
    if not isinstance(value, str):
        raise ValueError(f"{json.dumps(value)[:60]} is not plain text")
    return value


@setting_converter
def document(value, props):
    if not isinstance(value, dict) or is_intrinsic(value):
        raise ValueError(f"{json.dumps(value)[:60]} is not a plain mapping")
    return copy.deepcopy(value)


@setting_converter
def package_type(value, props):
    """Zip is the default; Image needs the image's URI (not one ``sam build`` makes)."""
    if value == "Image" and isinstance(props.get("ImageUri"), str):
        return None
    if value == "Zip" and "ImageUri" not in props:
        return None
    raise ValueError(f"{json.dumps(value)[:40]} without an ImageUri of its own (sam build makes the image)")


@setting_converter
def event_invoke(value, props):
    """SAM's EventInvokeConfig in CloudFormation form: each destination's ARN without its Type
    (the Type only chose the role statements, implied by the table); SAM makes a queue or topic
    for a destination without an ARN, which a function node does not."""
    config = document(value, props)
    destinations = config.get("DestinationConfig")
    if destinations is None:
        return config
    if not isinstance(destinations, dict) or is_intrinsic(destinations):
        raise ValueError("its DestinationConfig is not a plain mapping")
    for name, destination in destinations.items():
        if not isinstance(destination, dict) or "Destination" not in destination:
            raise ValueError(f"its {name} destination has no ARN (SAM would make a queue or topic for it)")
        destinations[name] = {"Destination": destination["Destination"]}
    return config


def _fill(value, placeholders: dict):
    """``value`` (statement data) with a whole-text ``{Name}`` replaced by the property's value."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in placeholders:
        return copy.deepcopy(placeholders[value[1:-1]])
    if isinstance(value, dict):
        return {k: _fill(v, placeholders) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, placeholders) for v in value]
    return value


def _role_properties(spec: dict, props: dict, out: FunctionProperties) -> None:
    """What SAM writes on the role it makes for a function without a ``Role`` of its own (its
    tags, permissions boundary and path), as the function's ``role`` setting."""
    if "Role" in props:
        return
    role = {}
    for name, rule in (spec.get("role") or {}).items():
        if name not in props:
            continue
        out.handled.add(name)
        try:
            value = CONVERTERS[rule["convert"]](props[name]) if rule.get("convert") else copy.deepcopy(props[name])
        except ValueError as exc:
            out.raw_reasons.append(str(exc))
            continue
        role[rule["to"]] = value
    if role:
        out.node_settings["role"] = role


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
    for name, others in (spec.get("copy_with") or {}).items():
        if name in props:
            out.properties.update({o: copy.deepcopy(props[o]) for o in others if o in props})
    for name, rule in (spec.get("settings") or {}).items():
        if name not in props:
            continue
        out.handled.add(name)
        try:
            setting = SETTING_CONVERTERS[rule["convert"]](props[name], props)
        except ValueError as exc:
            out.raw_reasons.append(f"{name}: {exc}")
            continue
        if setting is not None:
            out.node_settings[rule["setting"]] = setting
    if "alias" in out.node_settings and props.get("Events"):
        out.raw_reasons.append("AutoPublishAlias points its event sources at the alias, which wires do not")
    _role_properties(spec, props, out)
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
        value = _get(props, name)
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

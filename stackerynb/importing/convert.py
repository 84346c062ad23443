"""Template properties -> node settings, driven by ``stackerynb/catalog/import_map.yaml``.

The table says which property feeds which setting; the converters here handle the few shapes
that are more than a plain value (key schemas, endpoint configurations, runtimes...). Every
value is checked against the catalogue before it is kept: a value that does not fit is never
clamped; the resource stays raw (``must`` settings) or the setting keeps its default, and the
report says which and why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from stackerynb.catalog import kind as catalog_kind
from stackerynb.catalog._data import load_table
from stackerynb.cfn.intrinsics import NotPlain, plain_value, references

MISSING = object()


class Unconvertible(Exception):
    """This value cannot become the setting; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Conversion:
    """The outcome of converting one resource's properties to settings."""

    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was changed, defaulted or left out
    raw_reasons: list[str] = field(default_factory=list)  # why the resource has to stay raw


@dataclass
class Context:
    """What converters may look at besides the value: the whole resource and the template."""

    logical_id: str
    props: dict
    parameters: dict
    kind: str
    resource_ids: frozenset = frozenset()
    notes: list[str] = field(default_factory=list)

    def plain(self, value):
        """``value`` without intrinsics (parameter defaults taken), or Unconvertible."""
        try:
            return plain_value(value, self.parameters, self.notes)
        except NotPlain as exc:
            raise Unconvertible(f"{_short(value)} cannot be carried: {exc.reason}") from None


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def import_map() -> dict:
    """The import table (``stackerynb/catalog/import_map.yaml``)."""
    return load_table("import_map.yaml")


# ------------------------------------------------------------------ converters
CONVERTERS: dict[str, Callable[[Any, Context], Any]] = {}


def converter(fn):
    CONVERTERS[fn.__name__] = fn
    return fn


_FAMILY = re.compile(r"^(python|nodejs|java|dotnet|ruby|provided)")


def _runtime_order(name: str):
    return [int(n) for n in re.findall(r"\d+", name)] or [0]


@converter
def runtime(value, ctx: Context):
    """A Lambda runtime the catalogue offers; a newer or older one of the same language becomes
    the nearest offered one (said in the report); another language keeps the resource raw."""
    value = ctx.plain(value)
    choices = catalog_kind("function").settings["runtime"].choices
    if value in choices:
        return value
    match = _FAMILY.match(str(value))
    family = [c for c in choices if match and _FAMILY.match(c) and _FAMILY.match(c).group(1) == match.group(1)]
    if not family:
        raise Unconvertible(f"runtime {value!r} is not offered by the function kind "
                            f"(offered: {', '.join(choices)})")
    wanted = _runtime_order(str(value))
    nearest = min(family, key=lambda c: (abs(_runtime_order(c)[0] - wanted[0]), _runtime_order(c)[1:] != wanted[1:]))
    ctx.notes.append(f"runtime {value} is not offered by the function kind; used {nearest}, "
                     "the nearest offered one of the same language")
    return nearest


@converter
def code_path(value, ctx: Context):
    """A local folder (``CodeUri: src/``); code in S3 or inline cannot be carried."""
    if isinstance(value, dict):
        if "ZipFile" in value:
            raise Unconvertible("the code is inline (ZipFile); the function kind takes a folder")
        if value.keys() & {"S3Bucket", "Bucket", "S3Key", "Key"}:
            raise Unconvertible("the code is an S3 object; the function kind takes a local folder")
        if "ImageUri" in value:
            raise Unconvertible("the code is a container image; the function kind takes a folder")
    value = ctx.plain(value)
    if not isinstance(value, str):
        raise Unconvertible(f"code location {_short(value)} is not a folder")
    if value.startswith("s3://"):
        raise Unconvertible("the code is an S3 object; the function kind takes a local folder")
    return value


@converter
def first_item(value, ctx: Context):
    """The single item of a one-item list (``Architectures: [arm64]``)."""
    value = ctx.plain(value)
    if isinstance(value, list):
        if len(value) != 1:
            raise Unconvertible(f"expected one value, found {len(value)}")
        return value[0]
    return value


@converter
def environment(value, ctx: Context):
    """Plain environment variables; variables that reference a resource are carried by wires
    (see wires.py), others that are not plain are named in the report."""
    variables = value.get("Variables") if isinstance(value, dict) else None
    if variables is None:
        return MISSING
    if not isinstance(variables, dict):
        raise Unconvertible("Environment.Variables is not a mapping")
    out = {}
    for name, raw in variables.items():
        if any(ref in ctx.resource_ids for ref, _ in references(raw)):
            continue  # a wire gives the function this resource's name/ARN
        try:
            plain = plain_value(raw, ctx.parameters, ctx.notes)
        except NotPlain as exc:
            placeholder = _parameter_placeholder(raw, ctx.parameters)
            if placeholder is None:
                ctx.notes.append(f"environment variable {name} not carried: {exc.reason}")
                continue
            plain = placeholder
            ctx.notes.append(f"environment variable {name} is {placeholder}: give each environment a value "
                             f"for {placeholder[2:-1]} (environments.yaml parameters)")
        if isinstance(plain, (dict, list)) or plain is None:
            ctx.notes.append(f"environment variable {name} not carried: not a plain value")
            continue
        out[str(name)] = plain if isinstance(plain, (str, int, bool)) else str(plain)
    return out if out else MISSING


def _parameter_placeholder(value, parameters: dict) -> str | None:
    """``${Name}`` for a Ref to a template parameter without default: the compiler fills it
    from the environment's parameters of that name."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return "${%s}" % value["Ref"]
    return None


@converter
def endpoint_type(value, ctx: Context):
    """``REGIONAL`` from ``EndpointConfiguration: REGIONAL``, ``{Type: ..}`` or ``{Types: [..]}``."""
    value = ctx.plain(value)
    if isinstance(value, dict):
        if value.keys() - {"Type", "Types"}:
            raise Unconvertible(f"endpoint options {sorted(value.keys() - {'Type', 'Types'})} have no setting")
        value = value.get("Type", value.get("Types"))
    if isinstance(value, list):
        if len(value) != 1:
            raise Unconvertible(f"expected one endpoint type, found {value}")
        value = value[0]
    return value


@converter
def present(value, ctx: Context):
    """True when the property is set (a CORS or website configuration exists)."""
    if value in (None, False, {}, []):
        return False
    if not (value is True or value == "'*'" or value == "*"):
        ctx.notes.append(f"{_short(value)} became the kind's single switch (its details are not carried)")
    return True


@converter
def simple_table_billing(value, ctx: Context):
    """SAM SimpleTable: provisioned when ProvisionedThroughput is given, else on demand."""
    return "provisioned" if value not in (None, MISSING) else "on_demand"


def _key(props, key_type: str, ctx: Context):
    schema = ctx.plain(props.get("KeySchema") or [])
    names = [k.get("AttributeName") for k in schema if isinstance(k, dict) and k.get("KeyType") == key_type]
    return names[0] if names else MISSING


def _attribute_type(props, name, ctx: Context):
    for definition in ctx.plain(props.get("AttributeDefinitions") or []):
        if isinstance(definition, dict) and definition.get("AttributeName") == name:
            return definition.get("AttributeType")
    raise Unconvertible(f"key {name!r} has no AttributeDefinitions entry")


@converter
def hash_key(value, ctx: Context):
    """The partition key name from KeySchema."""
    return _key(ctx.props, "HASH", ctx)


@converter
def hash_key_type(value, ctx: Context):
    """The partition key's attribute type."""
    name = _key(ctx.props, "HASH", ctx)
    return MISSING if name is MISSING else _attribute_type(ctx.props, name, ctx)


@converter
def range_key(value, ctx: Context):
    """The sort key name from KeySchema (absent when the table has none)."""
    return _key(ctx.props, "RANGE", ctx)


@converter
def range_key_type(value, ctx: Context):
    """The sort key's attribute type."""
    name = _key(ctx.props, "RANGE", ctx)
    return MISSING if name is MISSING else _attribute_type(ctx.props, name, ctx)


@converter
def public_access_block(value, ctx: Context):
    """``none`` when every public access is blocked; other combinations stay raw."""
    value = ctx.plain(value)
    flags = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    if isinstance(value, dict) and all(value.get(f) in (True, "true", "True") for f in flags):
        return "none"
    raise Unconvertible(f"public access block {_short(value)} is neither all blocked nor a public-read site")


@converter
def expiration_days(value, ctx: Context):
    """One enabled rule expiring every object after N days; anything richer stays raw."""
    value = ctx.plain(value)
    rules = value.get("Rules") if isinstance(value, dict) else None
    if (isinstance(rules, list) and len(rules) == 1 and isinstance(rules[0], dict)
            and rules[0].get("Status") == "Enabled"
            and set(rules[0]) <= {"Id", "Status", "ExpirationInDays"} and "ExpirationInDays" in rules[0]):
        return _integer(rules[0]["ExpirationInDays"])
    raise Unconvertible("lifecycle rules other than one plain expiration cannot be carried")


@converter
def ssm_parameter(value, ctx: Context):
    """One String parameter: ``{<last part of its name or the logical id>: value}``."""
    if ctx.props.get("Type", "String") != "String":
        raise Unconvertible(f"parameter type {ctx.props.get('Type')!r} is not a plain String")
    name = ctx.props.get("Name")
    try:
        key = str(plain_value(name, ctx.parameters)).rstrip("/").rsplit("/", 1)[-1] if name else ctx.logical_id
    except NotPlain:
        key = ctx.logical_id
    return {key or ctx.logical_id: ctx.plain(ctx.props.get("Value", ""))}


@converter
def container_insights(value, ctx: Context):
    """``containerInsights: enabled`` -> true."""
    for item in ctx.plain(value) or []:
        if isinstance(item, dict) and item.get("Name") == "containerInsights":
            return item.get("Value") in ("enabled", "enhanced")
    return MISSING


def _integer(value):
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


@converter
def integer(value, ctx: Context):
    """A whole number given as text (``AllocatedStorage: "20"``)."""
    return _integer(ctx.plain(value))


def _walk(props: dict, path: str):
    value: Any = props
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _coerce(value, setting):
    """Text that CloudFormation accepts for numbers and booleans, as numbers and booleans."""
    if setting.type == "int" or (setting.type == "choice" and all(isinstance(c, int) for c in setting.choices)):
        return _integer(value)
    if setting.type == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def convert_settings(logical_id: str, spec: dict, props: dict, parameters: dict,
                     resource_ids: frozenset = frozenset()) -> Conversion:
    """Settings for a resource of the type described by ``spec`` (an import_map entry)."""
    kind_spec = catalog_kind(spec["kind"])
    result = Conversion()
    for name, how in (spec.get("settings") or {}).items():
        setting = kind_spec.settings[name]
        ctx = Context(logical_id, props, parameters, spec["kind"], resource_ids)
        sources = how.get("from") or []
        sources = [sources] if isinstance(sources, str) else sources
        value = next((v for v in (_walk(props, s) for s in sources) if v is not MISSING), MISSING)
        where = f"{'/'.join(sources) or name}"
        try:
            if "convert" in how:
                value = CONVERTERS[how["convert"]](value if value is not MISSING else None, ctx) \
                    if (value is not MISSING or how["convert"] in _CONVERTS_ABSENT) else MISSING
            elif value is not MISSING:
                value = ctx.plain(value)
            if value is MISSING:
                if "default" not in how:
                    continue
                value = how["default"]
            if "map" in how:
                if not isinstance(value, (str, int, bool)) or value not in how["map"]:
                    if value in setting.choices:
                        pass
                    else:
                        raise Unconvertible(f"{value!r} is not one of {', '.join(map(str, how['map']))}")
                else:
                    value = how["map"][value]
            value = _coerce(value, setting)
            why = setting.check(value)
            if why:
                raise Unconvertible(why)
        except (Unconvertible, TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
            # a value of a shape the converter does not expect cannot be carried either
            if not isinstance(exc, Unconvertible):
                exc = Unconvertible(f"{_short(value)} has an unexpected shape")
            if how.get("must"):
                result.raw_reasons.append(f"{where}: {exc.reason}")
            else:
                result.notes.append(f"{where} not carried ({exc.reason}); {name} keeps its default "
                                    f"{setting.default!r}")
            result.notes.extend(ctx.notes)
            continue
        result.notes.extend(ctx.notes)
        result.settings[name] = value  # explicit even when equal to today's catalogue default
    _pass_through(spec, props, result)
    return result


def _pass_through(spec: dict, props: dict, result: Conversion) -> None:
    """Properties the table's ``pass_through`` sends, in CloudFormation form, to a document
    setting (``properties.Name``: the node's main resource; ``stage_properties.TracingEnabled``:
    its stage...), verbatim: intrinsics and parameters stay as written."""
    import copy
    for prop, target in (spec.get("pass_through") or {}).items():
        if prop in props:
            how = target if isinstance(target, dict) else {"to": target}
            setting, _, key = how["to"].partition(".")
            value = copy.deepcopy(props[prop])
            if how.get("convert"):
                value = PASS_THROUGH_CONVERTERS[how["convert"]](value)
            result.settings.setdefault(setting, {})[key] = value


def _sam_media_types(value):
    """SAM writes ``/`` in binary media types as ``~1`` (an OpenAPI key); CloudFormation as ``/``."""
    return [v.replace("~1", "/") if isinstance(v, str) else v for v in value] if isinstance(value, list) else value


PASS_THROUGH_CONVERTERS = {"sam_media_types": _sam_media_types}


# Converters that compute a value from other properties, so run even when ``from`` is absent.
_CONVERTS_ABSENT = {"hash_key", "hash_key_type", "range_key", "range_key_type", "ssm_parameter",
                    "simple_table_billing"}


def leftover_properties(spec: dict, props: dict) -> tuple[list[str], list[str]]:
    """``(dropped, unsupported)``: set properties the table drops on purpose, and set properties
    it does not know (which keep the resource raw)."""
    known = set()
    for how in (spec.get("settings") or {}).values():
        sources = how.get("from") or []
        for source in [sources] if isinstance(sources, str) else sources:
            known.add(source.split(".")[0])
    known |= set(spec.get("carried") or ()) | set(spec.get("pass_through") or ())
    dropped_names = set(spec.get("dropped") or ())
    dropped = [p for p in props if p in dropped_names and p not in known]
    unsupported = [p for p in props if p not in known and p not in dropped_names]
    return dropped, unsupported

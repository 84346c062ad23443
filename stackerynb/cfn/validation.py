"""A resource's ``Properties`` checked against its registry schema with ``jsonschema``.

Two things make a template's values differ from plain JSON Schema instances, and both are
handled here rather than by rewriting the schemas:

* an intrinsic function (``{"Ref": ..}``, ``{"Fn::Sub": ..}``...) stands for a value only known
  at deploy time, so every keyword accepts it wherever it appears;
* CloudFormation converts scalars as it reads them (``Timeout: "30"`` is a number, ``"true"`` a
  boolean, ``5`` a string), as cfn-lint accepts too: the type checks follow it.

Read-only properties (``Arn``...) are set by AWS: giving one is reported too. One validator is
built per type and kept (``jsonschema`` is imported on first use only).
"""
from __future__ import annotations

import difflib
import functools
import re

from stackerynb.cfn.intrinsics import is_intrinsic

_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_INTEGER = re.compile(r"-?\d+")
_DYNAMIC = re.compile(r"\{\{resolve:[a-z-]+:")  # a dynamic reference, resolved at deploy time
MAX_SHOWN = 80


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _scalar(instance) -> bool:
    return isinstance(instance, (str, int, float, bool)) and instance is not None


def _import_jsonschema():
    """Import jsonschema without ``rfc3987_syntax``, which it loads for one format checker we
    never use (``format`` is not checked) and which builds a grammar for 0.9 s at import."""
    import sys

    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        import jsonschema
        return jsonschema
    sys.modules["rfc3987_syntax"] = None  # makes its import fail; jsonschema then skips the format
    try:
        import jsonschema
    finally:
        del sys.modules["rfc3987_syntax"]
    return jsonschema


@functools.cache
def _validator_class():
    jsonschema = _import_jsonschema()
    from jsonschema import Draft7Validator, validators

    def is_string(checker, instance):
        return _scalar(instance)

    def is_number(checker, instance):
        if isinstance(instance, bool):
            return False
        return isinstance(instance, (int, float)) or (isinstance(instance, str) and bool(_NUMBER.fullmatch(instance)))

    def is_integer(checker, instance):
        if isinstance(instance, bool):
            return False
        if isinstance(instance, float):
            return instance.is_integer()
        return isinstance(instance, int) or (isinstance(instance, str) and bool(_INTEGER.fullmatch(instance)))

    def is_boolean(checker, instance):
        return isinstance(instance, bool) or instance in ("true", "false", "True", "False")

    checker = Draft7Validator.TYPE_CHECKER.redefine_many({
        "string": is_string, "number": is_number, "integer": is_integer, "boolean": is_boolean})

    def tolerant(check):
        def wrapped(validator, value, instance, schema):
            if is_intrinsic(instance) or (isinstance(instance, str) and _DYNAMIC.search(instance)):
                return  # a Ref, Fn:: or {{resolve:...}} stands for any value
            try:
                yield from check(validator, value, instance, schema)
            except (re.error, TypeError):
                return  # a pattern Python cannot compile (ECMA syntax), or a number as text
        return wrapped

    keywords = {name: tolerant(fn) for name, fn in Draft7Validator.VALIDATORS.items()}

    def numeric(check):
        def wrapped(validator, value, instance, schema):
            if isinstance(instance, str) and _NUMBER.fullmatch(instance):
                instance = float(instance)
            yield from check(validator, value, instance, schema)
        return wrapped

    for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        keywords[name] = tolerant(numeric(Draft7Validator.VALIDATORS[name]))

    def text_length(check):
        def wrapped(validator, value, instance, schema):
            if isinstance(instance, (int, float)) and not isinstance(instance, bool):
                instance = str(instance)
            yield from check(validator, value, instance, schema)
        return wrapped

    for name in ("minLength", "maxLength", "pattern"):
        keywords[name] = tolerant(text_length(Draft7Validator.VALIDATORS[name]))
    del jsonschema
    return validators.create(meta_schema=Draft7Validator.META_SCHEMA, validators=keywords,
                             type_checker=checker, version="cfn-template-values")


@functools.cache
def _validator(type_name: str):
    from stackerynb.cfn.schemas import schema

    body = dict(schema(type_name))
    body.pop("$schema", None)  # the registry's meta-schema is not fetched: validate as Draft 7
    return _validator_class()(body)


def _where(path) -> str:
    out = "Properties"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _message(error) -> str:
    """A person's words for one jsonschema error."""
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = list((error.schema.get("properties") or {}))
        patterns = list((error.schema.get("patternProperties") or {}))
        extra = [k for k in instance if k not in allowed and not any(re.search(p, k) for p in patterns)]
        out = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            out.append(f"{key} is not a property here{hint}")
        return "; ".join(out) or error.message
    if keyword == "required":
        return f"{error.message.split(' is a required')[0]} is required"
    if keyword == "enum":
        return f"{_shown(instance)} is not one of {', '.join(map(str, value))}"
    if keyword == "type":
        return f"expected {value if isinstance(value, str) else ' or '.join(value)}, got {_shown(instance)}"
    if keyword == "pattern":
        return f"{_shown(instance)} does not match the pattern {value}"
    if keyword in ("minLength", "maxLength"):
        return f"{_shown(instance)} is {len(str(instance))} characters long, {'at least' if keyword == 'minLength' else 'at most'} {value} allowed"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{_shown(instance)} is out of range ({keyword} {value})"
    if keyword in ("minItems", "maxItems"):
        return f"{len(instance)} items, {'at least' if keyword == 'minItems' else 'at most'} {value} allowed"
    if keyword in ("oneOf", "anyOf") and isinstance(value, list) and all(
            isinstance(v, dict) and set(v) == {"required"} for v in value):
        sets = " | ".join(", ".join(v["required"]) for v in value)
        return f"needs {'exactly ' if keyword == 'oneOf' else ''}one of these (sets of) properties: {sets}"
    if keyword in ("oneOf", "anyOf"):
        return f"{_shown(instance)} matches none of the forms this property may take"
    return error.message if len(error.message) <= 200 else error.message[:197] + "..."


def problems(type_name: str, properties) -> list[str]:
    """Messages, one per schema error, each starting with where (``Properties.Foo[0].Bar: ...``)."""
    from stackerynb.cfn.schemas import read_only_properties

    if not isinstance(properties, dict):
        return [f"Properties: expected a mapping, got {_shown(properties)}"]
    out = []
    # cfn-lint's schemas of SAM types mark SAM's own properties (a state machine's Name) read-only
    read_only = set() if type_name.startswith("AWS::Serverless::") else set(read_only_properties(type_name))
    for name in properties:
        if name in read_only:
            out.append(f"Properties.{name}: {name} is read-only (set by AWS; read it with Fn::GetAtt)")
    errors = sorted(_validator(type_name).iter_errors(properties), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        path = list(error.absolute_path)
        if not path and error.validator == "additionalProperties":
            # top level: one message per unknown property, each named
            for piece in _message(error).split("; "):
                name = piece.split(" ", 1)[0]
                out.append(f"Properties.{name}: {piece}")
            continue
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            out.append(f"{_where(path + [missing] if missing else path)}: {missing or error.message} is required")
            continue
        out.append(f"{_where(path)}: {_message(error)}")
    return out


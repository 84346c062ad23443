"""CloudFormation's resource types and their registry schemas, as shipped with cfn-lint.

cfn-lint carries the CloudFormation registry schema of every resource type, per region
(``cfnlint/data/schemas/providers/<region>.json`` maps a type to its schema file). We read
them directly rather than keep a list of our own: ``resource_types()`` is every type the
region offers, ``schema(type)`` its schema (properties, required, read-only attributes...).
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

DEFAULT_REGION = "us-east-1"


@functools.cache
def _schema_root() -> Path:
    import importlib.util

    # Found without importing cfnlint, whose package import loads the whole linter.
    spec = importlib.util.find_spec("cfnlint")
    return Path(spec.submodule_search_locations[0]) / "data" / "schemas"


@functools.cache
def _provider_index(region: str) -> dict[str, str]:
    path = _schema_root() / "providers" / f"{region}.json"
    if not path.is_file():
        from stackerynb.errors import StackError
        raise StackError(f"cfn-lint ships no resource schemas for region {region!r}")
    return json.loads(path.read_text())


# cfn-lint also ships schemas for the SAM transform's resource types (``providers/sam.json``),
# kept beside the registry's: a raw ``AWS::Serverless::LayerVersion`` is validated like any type.
SAM_PROVIDER = "sam"


def resource_types(region: str = DEFAULT_REGION) -> list[str]:
    """Every CloudFormation resource type ``region`` offers, sorted (``AWS::S3::Bucket``, ...)."""
    return sorted(_provider_index(region))


def sam_types() -> list[str]:
    """The SAM transform's resource types (``AWS::Serverless::Function``, ...), sorted."""
    return sorted(_provider_index(SAM_PROVIDER))


def is_resource_type(type_name: str, region: str = DEFAULT_REGION) -> bool:
    """Whether ``type_name`` is a CloudFormation resource type of ``region``."""
    return isinstance(type_name, str) and type_name in _provider_index(region)


# A custom resource may be typed ``Custom::AnyName``; its schema is the generic custom resource's.
CUSTOM_TYPE = re.compile(r"Custom::[A-Za-z0-9_@-]{1,60}")
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"


def is_node_type(type_name: str, region: str = DEFAULT_REGION) -> bool:
    """Whether a generic ``resource`` node may have ``type_name``: a CloudFormation type of
    ``region``, a SAM transform type, or a custom resource type (``Custom::Name``)."""
    return isinstance(type_name, str) and (
        type_name in _provider_index(region) or type_name in _provider_index(SAM_PROVIDER)
        or bool(CUSTOM_TYPE.fullmatch(type_name)))


def unknown_type_message(type_name) -> str:
    """Why ``type_name`` is no resource type, with the closest real type as a hint."""
    import difflib

    candidates = list(_provider_index(DEFAULT_REGION)) + list(_provider_index(SAM_PROVIDER))
    close = difflib.get_close_matches(str(type_name), candidates, n=1) if isinstance(type_name, str) else []
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{type_name!r} is not a CloudFormation resource type{hint}"


@functools.cache
def schema(type_name: str, region: str = DEFAULT_REGION) -> dict:
    """The registry schema of ``type_name`` (a dict; SAM types included); StackError for an
    unknown type."""
    index = _provider_index(region)
    if isinstance(type_name, str) and CUSTOM_TYPE.fullmatch(type_name):
        type_name = CUSTOM_RESOURCE
    if type_name not in index:
        index = _provider_index(SAM_PROVIDER)
    if type_name not in index:
        from stackerynb.errors import StackError
        raise StackError(unknown_type_message(type_name))
    return json.loads((_schema_root() / "resources" / f"{index[type_name]}.json").read_text())


def _pointer_name(pointer: str) -> str:
    """``/properties/Endpoint/Address`` -> ``Endpoint.Address`` (how ``Fn::GetAtt`` names it)."""
    parts = pointer.split("/")
    return ".".join(parts[2:]) if parts[:2] == ["", "properties"] else pointer


def read_only_properties(type_name: str) -> list[str]:
    """What ``Fn::GetAtt`` can read from a resource of ``type_name`` (its schema's
    ``readOnlyProperties``: ``Arn``, ``Endpoint.Address``...); set by AWS, never by a template."""
    return [_pointer_name(p) for p in schema(type_name).get("readOnlyProperties") or ()]


def primary_identifier(type_name: str) -> list[str]:
    """The schema's ``primaryIdentifier`` as property names (what ``Ref`` usually returns)."""
    return [_pointer_name(p) for p in schema(type_name).get("primaryIdentifier") or ()]


def service_of(type_name: str) -> str:
    """``AWS::StepFunctions::StateMachine`` -> ``StepFunctions``: how a palette groups types."""
    parts = type_name.split("::")
    return parts[1] if len(parts) == 3 else type_name


def property_problems(type_name: str, properties) -> list[str]:
    """Every way ``properties`` (a resource's ``Properties``) breaks the schema of ``type_name``,
    each message naming the property (``Properties.Foo.Bar: ...``). Intrinsic functions (``Ref``,
    ``Fn::*``) stand for any value. Raises StackError for an unknown type."""
    from stackerynb.cfn import validation

    return validation.problems(type_name, properties)

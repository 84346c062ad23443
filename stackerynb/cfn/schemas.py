"""CloudFormation's resource types and their registry schemas, as shipped with cfn-lint.

cfn-lint carries the CloudFormation registry schema of every resource type, per region
(``cfnlint/data/schemas/providers/<region>.json`` maps a type to its schema file). We read
them directly rather than keep a list of our own: ``resource_types()`` is every type the
region offers, ``schema(type)`` its schema (properties, required, read-only attributes...).
"""
from __future__ import annotations

import functools
import json
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


def resource_types(region: str = DEFAULT_REGION) -> list[str]:
    """Every CloudFormation resource type ``region`` offers, sorted (``AWS::S3::Bucket``, ...)."""
    return sorted(_provider_index(region))


def is_resource_type(type_name: str, region: str = DEFAULT_REGION) -> bool:
    """Whether ``type_name`` is a CloudFormation resource type of ``region``."""
    return isinstance(type_name, str) and type_name in _provider_index(region)


@functools.cache
def schema(type_name: str, region: str = DEFAULT_REGION) -> dict:
    """The registry schema of ``type_name`` (a dict); StackError for an unknown type."""
    index = _provider_index(region)
    if type_name not in index:
        from stackerynb.errors import StackError
        import difflib

        close = difflib.get_close_matches(str(type_name), index, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise StackError(f"{type_name!r} is not a CloudFormation resource type{hint}")
    return json.loads((_schema_root() / "resources" / f"{index[type_name]}.json").read_text())


def service_of(type_name: str) -> str:
    """``AWS::StepFunctions::StateMachine`` -> ``StepFunctions``: how a palette groups types."""
    parts = type_name.split("::")
    return parts[1] if len(parts) == 3 else type_name

"""Reading SAM / CloudFormation templates (YAML with short-form tags, or JSON) into plain data.

Short-form tags become the long form CloudFormation itself uses: ``!Ref X`` -> ``{"Ref": "X"}``,
``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` -> ``{"Fn::Sub": s}`` and so on,
so the rest of the importer only ever sees JSON-shaped data.

Dates stay text (``AWSTemplateFormatVersion: 2010-09-09`` is not a date to CloudFormation),
duplicate keys are refused (PyYAML would silently keep the last one) and every error names the
file and line.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stackerynb.errors import StackError
from stackerynb.store.files import CheckedLoader, read_text, yaml_error

# Tags whose long form is not simply Fn::<Name>.
_SPECIAL_TAGS = {"Ref": "Ref", "Condition": "Condition"}
SECTIONS = ("AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters", "Rules",
            "Mappings", "Conditions", "Globals", "Resources", "Outputs")


@dataclass
class Template:
    """A template read from a file: its data and the line each resource starts on."""

    data: dict
    filename: str
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, dict]:
        """Logical id -> resource, in file order."""
        return self.data.get("Resources") or {}

    @property
    def is_sam(self) -> bool:
        """True when the template asks for the SAM transform."""
        transform = self.data.get("Transform")
        names = transform if isinstance(transform, list) else [transform]
        return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names)


class _TemplateLoader(CheckedLoader):
    """The kit's checked SafeLoader without timestamps, with CloudFormation tags and duplicate-key checks."""


# No implicit timestamps: copy the resolvers, leaving out the timestamp one.
_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _TemplateLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    out: dict = {}
    lines: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise _fail(key_node, f"keys must be plain names, found {key!r}")
        if isinstance(key, bool):  # `On:`/`Yes:` read as YAML 1.1 booleans; CloudFormation means text
            key = key_node.value
        if key in out:
            raise _fail(key_node, f"key {key!r} appears twice (first on line {lines[key]})")
        lines[key] = key_node.start_mark.line + 1
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _construct_tag(loader: _TemplateLoader, suffix: str, node) -> dict:
    name = _SPECIAL_TAGS.get(suffix, f"Fn::{suffix}")
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            resource, _, attribute = value.partition(".")
            if not resource or not attribute:
                raise _fail(node, f"!GetAtt {value!r} must look like Resource.Attribute")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = _construct_mapping(loader, node)
    return {name: value}


def _fail(node, message: str) -> "_LineError":
    return _LineError(node.start_mark.line + 1, message)


class _LineError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


_TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_TemplateLoader.add_multi_constructor("!", _construct_tag)


def _resource_lines_yaml(text: str) -> dict[str, int]:
    """Line of each key under the top-level ``Resources`` mapping (composed, not constructed)."""
    loader = _TemplateLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "Resources" and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value if isinstance(k, yaml.ScalarNode)}
    return {}


def _resource_lines_json(text: str, data: dict) -> dict[str, int]:
    # JSON has no node tree to ask; find each `"LogicalId": {` after "Resources" (good enough for
    # pointing a person at a line; exactness is not needed).
    start = text.find('"Resources"')
    lines = {}
    for logical_id in data.get("Resources") or {}:
        pos = text.find(json.dumps(logical_id), max(start, 0))
        if pos >= 0:
            lines[logical_id] = text.count("\n", 0, pos) + 1
    return lines


def _reject_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice")
        out[key] = value
    return out


def parse_template(text: str, filename: str = "<template>") -> Template:
    """Parse template text (YAML or JSON); StackError naming ``filename`` and line when malformed."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped, object_pairs_hook=_reject_duplicates)
        except json.JSONDecodeError as exc:
            raise StackError(f"{filename}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        except ValueError as exc:
            raise StackError(f"{filename}: not valid JSON: {exc}") from None
        except RecursionError:
            raise StackError(f"{filename}: nesting is too deep to be a template") from None
        lines = _resource_lines_json(stripped, data) if isinstance(data, dict) else {}
    else:
        try:
            loader = _TemplateLoader(text)  # checks the characters up front
        except yaml.YAMLError as exc:
            raise yaml_error(exc, filename, text) from None
        try:
            data = loader.get_single_data()
        except _LineError as exc:
            raise StackError(f"{filename}:{exc.line}: {exc.message}") from None
        except (yaml.YAMLError, RecursionError) as exc:
            raise yaml_error(exc, filename, text) from None
        except (KeyError, AttributeError, ValueError, TypeError, OverflowError, IndexError) as exc:
            raise StackError(f"{filename}: not valid YAML: {exc}") from None  # caught per value above; this is the backstop
        finally:
            loader.dispose()
        lines = _resource_lines_yaml(text) if isinstance(data, dict) else {}
    _check_shape(data, filename, lines, text)
    return Template(data=data, filename=filename, lines=lines)


# Top-level sections that CloudFormation (and SAM, for Globals) define as name -> entry mappings.
MAPPING_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs", "Globals", "Metadata", "Rules")


def _section_line(text: str, section: str) -> int:
    """Line of a top-level ``section:`` key in YAML or JSON text (1 when not found)."""
    found = re.search(rf'^\s*"?{section}"?\s*:', text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _check_shape(data, filename: str, lines: dict, text: str) -> None:
    if data is None:
        raise StackError(f"{filename}:1: the file is empty; a template needs a Resources section")
    if not isinstance(data, dict):
        raise StackError(f"{filename}:1: a template is a mapping with a Resources section, "
                         f"found {type(data).__name__}")
    for section in MAPPING_SECTIONS:
        if section in data and data[section] is not None and not isinstance(data[section], dict):
            raise StackError(f"{filename}:{_section_line(text, section)}: {section} must be a mapping "
                             f"of names to entries, found {type(data[section]).__name__}")
    resources = data.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise StackError(f"{filename}: no Resources section; is this a SAM or CloudFormation template?")
    for logical_id, resource in resources.items():
        where = f"{filename}:{lines.get(logical_id, 1)}"
        if not isinstance(resource, dict):
            raise StackError(f"{where}: resource {logical_id} must be a mapping with a Type")
        if not isinstance(resource.get("Type"), str):
            raise StackError(f"{where}: resource {logical_id} has no Type")
        props = resource.get("Properties")
        if props is not None and not isinstance(props, dict):
            raise StackError(f"{where}: resource {logical_id}: Properties must be a mapping")


def read_template(path: str | Path) -> Template:
    """Read the template file at ``path``."""
    return parse_template(read_text(path, "template file", encoding="utf-8-sig"), str(path))

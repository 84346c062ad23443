"""Reading SAM / CloudFormation templates (YAML with short-form tags, or JSON) into plain data.

Short-form tags become the long form CloudFormation itself uses: ``!Ref X`` -> ``{"Ref": "X"}``,
``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` -> ``{"Fn::Sub": s}`` and so on,
so the rest of the importer only ever sees JSON-shaped data.

Dates stay text (``AWSTemplateFormatVersion: 2010-09-09`` is not a date to CloudFormation)
and every error names the file and line. YAML anchors and aliases are refused, as in stack
files: a few hundred bytes of aliases can stand for gigabytes of data.

A key given twice in one mapping is read as CloudFormation reads it: the last one counts
(CloudFormation accepts such templates and deploys the last value; cfn-lint calls them an
error, E0000 "Duplicate found"). The template keeps a warning for each, which the import
report shows, rather than refusing a template that deploys.

The template's shape is checked before anything reads it: sections that must be mappings,
logical ids that must be alphanumeric text, resources with a Type and mapping Properties,
DependsOn and Condition, SAM Events, and the argument shape of every intrinsic function
(``Fn::Sub`` takes text or ``[text, {variables}]``, ...): a StackError names the resource and line.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stackerynb.errors import StackError
from stackerynb.cfn.intrinsics import is_intrinsic
from stackerynb.store.files import MAX_NESTING, CheckedLoader, read_text, yaml_error

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
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, message)

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
    """The kit's checked SafeLoader without timestamps or aliases, with CloudFormation tags;
    duplicate keys are noted in ``duplicates`` (the last one counts)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&, *) are not supported in templates",
                self.peek_event().start_mark)
        return super().compose_node(parent, index)


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
            line = key_node.start_mark.line + 1
            loader.duplicates.append((line, f"key {key!r} appears twice (first on line {lines[key]}); "
                                            "the last one counts, as in CloudFormation"))
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


class _DuplicateNotes:
    """``object_pairs_hook`` for JSON: the last of a repeated key counts; each is noted."""

    def __init__(self):
        self.found: list[str] = []

    def __call__(self, pairs):
        out = {}
        for key, value in pairs:
            if key in out:
                self.found.append(key)
            out[key] = value
        return out


def _json_line(text: str, key: str) -> int:
    """Line of the second ``"key":`` in JSON text (where a repeated key is)."""
    needle = json.dumps(key) + ":"
    first = text.find(needle)
    second = text.find(needle, first + 1) if first >= 0 else -1
    return text.count("\n", 0, second if second >= 0 else max(first, 0)) + 1


def parse_template(text: str, filename: str = "<template>") -> Template:
    """Parse template text (YAML or JSON); StackError naming ``filename`` and line when malformed."""
    stripped = text.lstrip("\ufeff \t\r\n")
    warnings: list[tuple[int, str]] = []
    if stripped.startswith("{"):
        notes = _DuplicateNotes()
        try:
            data = json.loads(stripped, object_pairs_hook=notes)
        except json.JSONDecodeError as exc:
            raise StackError(f"{filename}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        except ValueError as exc:
            raise StackError(f"{filename}: not valid JSON: {exc}") from None
        except RecursionError:
            raise StackError(f"{filename}: nesting is too deep to be a template") from None
        lines = _resource_lines_json(stripped, data) if isinstance(data, dict) else {}
        warnings = [(_json_line(stripped, key), f"key {key!r} appears twice; the last one counts, as in "
                                                 "CloudFormation") for key in notes.found]
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
        warnings = loader.duplicates
        lines = _resource_lines_yaml(text) if isinstance(data, dict) else {}
    _check_shape(data, filename, lines, text)
    return Template(data=data, filename=filename, lines=lines, warnings=warnings)


# Top-level sections that CloudFormation (and SAM, for Globals) define as name -> entry mappings.
MAPPING_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs", "Globals", "Metadata", "Rules")


def _section_line(text: str, section: str) -> int:
    """Line of a top-level ``section:`` key in YAML or JSON text (1 when not found)."""
    found = re.search(rf'^\s*"?{section}"?\s*:', text, re.M)
    return text.count("\n", 0, found.start()) + 1 if found else 1


LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")
_SAM_WITH_EVENTS = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")


def _list_of(n: int):
    return lambda a: isinstance(a, list) and len(a) == n


def _text_or_intrinsic(a) -> bool:
    return isinstance(a, str) or is_intrinsic(a)


# Argument shapes of CloudFormation's intrinsic functions (what CloudFormation itself accepts).
_SHAPES = {
    "Ref": (lambda a: isinstance(a, str), "a logical id or parameter name"),
    "Fn::GetAtt": (lambda a: (isinstance(a, str) and "." in a) or (
        isinstance(a, list) and len(a) == 2 and isinstance(a[0], str) and _text_or_intrinsic(a[1])),
        "[logical id, attribute] or \"LogicalId.Attribute\""),
    "Fn::Sub": (lambda a: isinstance(a, str) or (
        isinstance(a, list) and len(a) == 2 and isinstance(a[0], str) and isinstance(a[1], dict)),
        "text, or [text, {name: value}]"),
    "Fn::Join": (lambda a: isinstance(a, list) and len(a) == 2 and isinstance(a[0], str)
                 and (isinstance(a[1], list) or is_intrinsic(a[1])), "[separator, [values]]"),
    "Fn::Select": (_list_of(2), "[index, [values]]"),
    "Fn::Split": (lambda a: isinstance(a, list) and len(a) == 2 and isinstance(a[0], str), "[separator, text]"),
    "Fn::If": (lambda a: isinstance(a, list) and len(a) == 3 and isinstance(a[0], str),
               "[condition name, value if true, value if false]"),
    "Fn::Equals": (_list_of(2), "[value, value]"),
    "Fn::And": (lambda a: isinstance(a, list) and 2 <= len(a) <= 10, "a list of 2 to 10 conditions"),
    "Fn::Or": (lambda a: isinstance(a, list) and 2 <= len(a) <= 10, "a list of 2 to 10 conditions"),
    "Fn::Not": (_list_of(1), "[condition]"),
    "Fn::FindInMap": (lambda a: isinstance(a, list) and len(a) in (3, 4), "[map, top-level key, second-level key]"),
    "Fn::GetAZs": (_text_or_intrinsic, "a region name (or \"\")"),
    "Fn::ImportValue": (_text_or_intrinsic, "an export name"),
    "Fn::Cidr": (lambda a: isinstance(a, list) and len(a) in (2, 3), "[block, count, bits]"),
}


def _shape_problem(value, path: str, depth: int = 0) -> str | None:
    """The first malformed intrinsic (or too deep nesting) inside ``value``, described."""
    if depth > MAX_NESTING:
        return f"{path}...: nested more than {MAX_NESTING} levels deep"
    if isinstance(value, dict):
        if len(value) == 1:
            (key, arg), = value.items()
            shape = _SHAPES.get(key) if isinstance(key, str) else None
            if shape and not shape[0](arg):
                return f"{path}: {key} takes {shape[1]}, found {json.dumps(arg, default=str)[:80]}"
        for key, inner in value.items():
            found = _shape_problem(inner, f"{path}.{key}" if depth < 8 else path, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found = _shape_problem(inner, f"{path}[{index}]" if depth < 8 else path, depth + 1)
            if found:
                return found
    return None


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
    if "Resources" in data and resources is not None and not isinstance(resources, dict):
        raise StackError(f"{filename}:{_section_line(text, 'Resources')}: Resources must be a mapping of "
                         f"logical ids to resources, found {type(resources).__name__}")
    if not isinstance(resources, dict) or not resources:
        raise StackError(f"{filename}: no Resources section; is this a SAM or CloudFormation template?")
    for section in ("Parameters", "Outputs", "Conditions", "Mappings"):
        for name, entry in (data.get(section) or {}).items():
            where = f"{filename}:{_entry_line(text, section, name)}"
            if not isinstance(name, str):
                raise StackError(f"{where}: {section} entry {name!r}: names must be text")
            if section in ("Parameters", "Outputs", "Mappings") and not isinstance(entry, dict):
                raise StackError(f"{where}: {section} entry {name} must be a mapping, found {type(entry).__name__}")
            found = _shape_problem(entry, f"{section}.{name}")
            if found:
                raise StackError(f"{where}: {found}")
    for name, entry in (data.get("Globals") or {}).items():
        if not isinstance(entry, dict):
            raise StackError(f"{filename}:{_entry_line(text, 'Globals', name)}: Globals.{name} must be a mapping "
                             f"of settings, found {type(entry).__name__}")
    for logical_id, resource in resources.items():
        where = f"{filename}:{lines.get(logical_id, lines.get(str(logical_id), 1))}"
        if not isinstance(logical_id, str) or not LOGICAL_ID.fullmatch(logical_id):
            raise StackError(f"{where}: logical id {logical_id!r} must be letters and digits only (A-Z, a-z, 0-9)")
        if not isinstance(resource, dict):
            raise StackError(f"{where}: resource {logical_id} must be a mapping with a Type")
        if not isinstance(resource.get("Type"), str):
            raise StackError(f"{where}: resource {logical_id} has no Type")
        props = resource.get("Properties")
        if props is not None and not isinstance(props, dict):
            raise StackError(f"{where}: resource {logical_id}: Properties must be a mapping")
        depends = resource.get("DependsOn")
        if depends is not None and not (isinstance(depends, str) or (
                isinstance(depends, list) and all(isinstance(d, str) for d in depends))):
            raise StackError(f"{where}: resource {logical_id}: DependsOn takes a logical id or a list of them, "
                             f"found {json.dumps(depends, default=str)[:80]}")
        if "Condition" in resource and not isinstance(resource["Condition"], str):
            raise StackError(f"{where}: resource {logical_id}: Condition takes a condition name")
        if resource["Type"] in _SAM_WITH_EVENTS and props:
            _check_events(props.get("Events"), logical_id, where)
        found = _shape_problem({k: v for k, v in resource.items() if k not in ("Metadata",)}, "")
        if found:
            raise StackError(f"{where}: resource {logical_id}: {found.lstrip('.')}")


def _check_events(events, logical_id: str, where: str) -> None:
    if events is None:
        return
    if not isinstance(events, dict):
        raise StackError(f"{where}: resource {logical_id}: Events must be a mapping of event names to events")
    for name, event in events.items():
        if not isinstance(event, dict) or not isinstance(event.get("Type"), str):
            raise StackError(f"{where}: resource {logical_id}: event {name} needs a Type (text such as Api, SQS, "
                             f"Schedule), found {json.dumps(event, default=str)[:80]}")
        if event.get("Properties") is not None and not isinstance(event["Properties"], dict):
            raise StackError(f"{where}: resource {logical_id}: event {name}: Properties must be a mapping")


def _entry_line(text: str, section: str, name) -> int:
    """Line of ``name:`` after the top-level ``section:`` (the section's line when not found)."""
    start = _section_line(text, section)
    offset = sum(len(line) + 1 for line in text.split("\n")[: start - 1])
    found = re.compile(rf'^\s*"?{re.escape(str(name))}"?\s*:', re.M).search(text, offset)
    return text.count("\n", 0, found.start()) + 1 if found else start


def read_template(path: str | Path) -> Template:
    """Read the template file at ``path``."""
    return parse_template(read_text(path, "template file", encoding="utf-8-sig"), str(path))

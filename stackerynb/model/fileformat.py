"""The stack file: ``stacks/<name>.yaml``, stable key order, one block per node, wires as a
list, canvas positions in a separate ``layout`` section at the end.

Reading composes the YAML node tree ourselves (instead of ``yaml.safe_load``) so every error
can name its line, duplicate keys are caught (PyYAML silently keeps the last one), and
anchors/aliases (which could multiply a small file into a huge one) are refused.
Writing is atomic: a temporary file in the same folder, then a rename.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stackerynb.store.files import CheckedLoader, read_text, write_atomically, yaml_error
from stackerynb.errors import StackError
from stackerynb.model.elements import Node, Wire
from stackerynb.model.rules import value_problem

FORMAT_VERSION = 1
HEADER = ("# stackerynb stack file: edit it here or on the canvas (StackEditor).\n"
          "# The layout section holds canvas positions only; it can be dropped without changing the stack.\n")
TOP_KEYS = ("format", "name", "nodes", "wires", "raw", "layout")
# The raw section is a CloudFormation template fragment kept verbatim (resources an import could
# not map to node kinds, and what they need); the compiler adds it to the template as it is.
RAW_SECTIONS = ("Parameters", "Rules", "Mappings", "Conditions", "Resources", "Outputs", "Metadata")
NODE_KEYS = ("kind", "network", "settings")
WIRE_KEYS = ("from", "to", "access", "settings")


# ---------------------------------------------------------------- writing
class _Flow(list):
    """A sequence written on one line: ``[x, y]``."""


class _FlowMap(dict):
    """A mapping written on one line: ``{from: a, to: b}``."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # the same default dict twice must not become an anchor
        return True


def _represent_text(dumper, text: str):
    # PyYAML writes NEL and the Unicode line/paragraph separators raw in plain and single-quoted
    # text, where a reader takes them for line breaks (the value would come back changed);
    # double quotes escape them.
    style = '"' if any(ch in text for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))


def stack_document(stack) -> dict:
    """The stack as the plain data written to its file, in file order."""
    nodes = {}
    for node in stack.nodes:
        block: dict[str, Any] = {"kind": node.kind}
        if node.network is not None:
            block["network"] = list(node.network) if isinstance(node.network, tuple) else node.network
        if node.settings:
            block["settings"] = {k: _plain(v) for k, v in node.settings.items()}
        nodes[node.id] = block
    wires = []
    for wire in stack.wires:
        entry = _FlowMap({"from": wire.source, "to": wire.target})
        if wire.access is not None:
            entry["access"] = wire.access
        if wire.settings:  # block style: settings may hold whole documents
            entry = {**entry, "settings": {k: _plain(v) for k, v in wire.settings.items()}}
        wires.append(entry)
    doc: dict[str, Any] = {"format": FORMAT_VERSION, "name": stack.name, "nodes": nodes, "wires": wires}
    raw = getattr(stack, "raw", None)
    if raw:
        doc["raw"] = _plain(raw)
    if stack.layout:
        doc["layout"] = {nid: _Flow(pos) for nid, pos in stack.layout.items()}
    return doc


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def dump_stack(stack) -> str:
    """The stack file's text; StackError naming the node and setting (or the raw section) when a
    value cannot be written (too deeply nested, or a number too large)."""
    _check_writable(stack)
    body = yaml.dump(stack_document(stack), Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=100)
    return HEADER + body


def _check_writable(stack) -> None:
    for node in stack.nodes:
        for name, value in node.settings.items():
            why = value_problem(value, setting=False)
            if why:
                raise StackError(f"cannot write stack {stack.name!r}: {node.id}.{name}: {why}")
    for wire in stack.wires:
        for name, value in wire.settings.items():
            why = value_problem(value, setting=False)
            if why:
                raise StackError(f"cannot write stack {stack.name!r}: wire {wire.source} -> {wire.target} "
                                 f"{name}: {why}")
    why = value_problem(getattr(stack, "raw", None), setting=False)
    if why:
        raise StackError(f"cannot write stack {stack.name!r}: its raw section is {why}")


def write_stack(stack, path: str | Path) -> None:
    """Write ``stack`` to ``path`` atomically: the old file stays whole until the new one is."""
    write_atomically(path, dump_stack(stack))


# ---------------------------------------------------------------- reading
class _Reader:
    """Turns a composed YAML node tree into Python values, remembering lines."""

    def __init__(self, filename: str, loader: yaml.SafeLoader):
        self.filename = filename
        self.loader = loader
        self.seen: set[int] = set()
        self.key_line: dict[int, int] = {}  # value node -> line of its key

    def line(self, value_node) -> int:
        """The line a person would point at for this value: its key's line."""
        return self.key_line.get(id(value_node), value_node.start_mark.line + 1)

    def fail(self, node, message: str):
        line = node.start_mark.line + 1 if node is not None else 1
        raise StackError(f"{self.filename}:{line}: {message}")

    def visit(self, node) -> None:
        """Refuse a node met twice: an alias (*name) of an anchor, which could blow a small file up."""
        if id(node) in self.seen:
            raise StackError(f"{self.filename}:{self.line(node)}: anchors and aliases (&, *) are not "
                             "supported in stack files")
        self.seen.add(id(node))

    def value(self, node) -> Any:
        if not isinstance(node, yaml.MappingNode):  # pairs() visits mappings
            self.visit(node)
        if isinstance(node, yaml.MappingNode):
            return {key: self.value(v) for key, v in self.pairs(node)}
        if isinstance(node, yaml.SequenceNode):
            return [self.value(v) for v in node.value]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.MarkedYAMLError as exc:
            self.fail(node, f"cannot read this value: {exc.problem or exc}")
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            self.fail(node, f"cannot read value {node.value!r}: {exc}")

    def pairs(self, node):
        """Key/value node pairs of a mapping; keys must be unique scalars."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"expected a mapping, found {_describe(node)}")
        self.visit(node)
        keys = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "keys must be plain names")
            key = self.value(key_node)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                self.fail(key_node, f"keys must be plain names, found {key!r}")
            if key in keys:
                self.fail(key_node, f"{key!r} appears twice (first on line {keys[key]})")
            keys[key] = key_node.start_mark.line + 1
            self.key_line[id(value_node)] = keys[key]
            yield key, value_node

    def mapping(self, node, allowed: tuple, where: str) -> dict:
        out = {}
        for key, value in self.pairs(node):
            if key not in allowed:
                self.fail(value, f"{where}: unknown key {key!r}; expected one of {', '.join(allowed)}")
            out[key] = value
        return out

    def text(self, node, where: str) -> str:
        value = self.value(node)
        if not isinstance(value, str) or not value:
            self.fail(node, f"{where} must be a name, found {value!r}")
        return value


def _describe(node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.ScalarNode):
        return f"{node.value!r}"
    return "something else"


def parse_stack(text: str, filename: str = "<stack>", path: Path | None = None):
    """Build a Stack from stack file text; StackError naming ``filename`` and the line at fault."""
    from stackerynb.model.stack import Stack

    try:
        loader = CheckedLoader(text)  # checks the characters up front
    except yaml.YAMLError as exc:
        raise yaml_error(exc, filename, text) from None
    try:
        try:
            root = loader.get_single_node()
        except (yaml.YAMLError, RecursionError) as exc:
            raise yaml_error(exc, filename, text) from None
        if root is None:
            raise StackError(f"{filename}:1: the file is empty; a stack file needs at least name: and nodes:")
        reader = _Reader(filename, loader)
        try:
            return _build_stack(reader, root, path, Stack)
        except RecursionError:
            raise StackError(f"{filename}: nesting is too deep to be a stack file") from None
    finally:
        loader.dispose()


def _build_stack(reader: _Reader, root, path, stack_cls):
    top = reader.mapping(root, TOP_KEYS, "stack file")
    if "format" in top:
        version = reader.value(top["format"])
        if version != FORMAT_VERSION:
            reader.fail(top["format"], f"format {version!r} is not supported (this stackerynb reads format {FORMAT_VERSION})")
    if "name" not in top:
        reader.fail(root, "missing name: (the stack's name)")
    name = reader.text(top["name"], "name")
    stack = stack_cls(name, path=path, _check_name=False)
    lines: dict[tuple, int] = {}
    nodes_node = top.get("nodes")
    if nodes_node is not None and not (isinstance(nodes_node, yaml.ScalarNode) and nodes_node.value in ("", "null", "~")):
        for node_id, block in reader.pairs(nodes_node):
            lines[(node_id, None)] = reader.line(block)
            fields = reader.mapping(block, NODE_KEYS, f"node {node_id}")
            if "kind" not in fields:
                reader.fail(block, f"node {node_id}: missing kind:")
            kind = reader.text(fields["kind"], f"node {node_id}: kind")
            network = None
            if "network" in fields:
                network = reader.value(fields["network"])
                if isinstance(network, list) and network and all(isinstance(n, str) for n in network):
                    network = tuple(network)
                elif not isinstance(network, str):
                    reader.fail(fields["network"], f"node {node_id}: network must be the id of a virtual network")
                lines[(node_id, "network")] = reader.line(fields["network"])
            settings = {}
            if "settings" in fields:
                for sname, snode in reader.pairs(fields["settings"]):
                    settings[sname] = reader.value(snode)
                    lines[(node_id, sname)] = reader.line(snode)
            stack._nodes[str(node_id)] = Node(str(node_id), kind, settings, network)
    wires_node = top.get("wires")
    if wires_node is not None and not (isinstance(wires_node, yaml.ScalarNode) and wires_node.value in ("", "null", "~")):
        if not isinstance(wires_node, yaml.SequenceNode):
            reader.fail(wires_node, "wires: must be a list of {from: A, to: B} entries")
        for entry in wires_node.value:
            fields = reader.mapping(entry, WIRE_KEYS, "wire")
            for key in ("from", "to"):
                if key not in fields:
                    reader.fail(entry, f"wire: missing {key}:")
            access = reader.value(fields["access"]) if "access" in fields else None
            if access is not None and not isinstance(access, str):
                reader.fail(fields["access"], f"wire access must be a level name like read, found {access!r}")
            settings = {}
            if "settings" in fields:
                for sname, snode in reader.pairs(fields["settings"]):
                    settings[sname] = reader.value(snode)
            wire = Wire(reader.text(fields["from"], "wire from"), reader.text(fields["to"], "wire to"), access,
                        settings)
            stack._wires.append(wire)
    stack.raw = _read_raw(reader, top["raw"]) if "raw" in top else {}
    if "layout" in top:
        for node_id, pos_node in reader.pairs(top["layout"]):
            pos = reader.value(pos_node)
            if (not isinstance(pos, list) or len(pos) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos)):
                reader.fail(pos_node, f"layout {node_id}: expected [x, y], found {pos!r}")
            stack._layout[str(node_id)] = (pos[0], pos[1])
    stack._lines = lines
    return stack


def _read_raw(reader: _Reader, node) -> dict:
    """The raw section: a template fragment whose resources each have a Type."""
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "null", "~"):
        return {}
    sections = {}
    for section, value_node in reader.pairs(node):
        if section not in RAW_SECTIONS:
            reader.fail(value_node, f"raw: unknown section {section!r}; expected one of {', '.join(RAW_SECTIONS)}")
        if not isinstance(value_node, yaml.MappingNode):
            reader.fail(value_node, f"raw {section}: expected a mapping of logical ids")
        sections[section] = value_node
    raw = {}
    for section, value_node in sections.items():
        entries = {}
        for logical_id, entry in reader.pairs(value_node):
            if section == "Resources":
                fields = dict(reader.pairs(entry)) if isinstance(entry, yaml.MappingNode) else None
                if fields is None or "Type" not in fields:
                    reader.fail(entry, f"raw resource {logical_id}: expected a mapping with a Type")
                entries[str(logical_id)] = {str(k): reader.value(v) for k, v in fields.items()}
                if not isinstance(entries[str(logical_id)]["Type"], str):
                    reader.fail(fields["Type"], f"raw resource {logical_id}: Type must be text")
            else:
                entries[str(logical_id)] = reader.value(entry)
        raw[section] = entries
    return raw


def read_stack(path: str | Path):
    """Load the stack file at ``path``."""
    return parse_stack(read_text(path, "stack file"), str(path), Path(path))

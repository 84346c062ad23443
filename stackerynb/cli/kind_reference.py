"""The reference for node kinds, generated from the catalogue: every setting, every wire a kind
accepts (out and in) with what it grants, and the CloudFormation types each kind compiles to.

``reference(name)`` gathers it as plain data; ``markdown()`` renders the page kept in
``docs/kinds.md`` (``python -m stackerynb kinds --markdown > docs/kinds.md``), ``text(name,
width)`` what ``stackerynb kinds KIND`` prints. Nothing here is written by hand: resource types
come from compiling a small stack per kind and per wire with the kit's own compiler.
"""
from __future__ import annotations

import json
import textwrap
import warnings
from collections import Counter
from functools import lru_cache

from stackerynb.catalog import KIND_NAMES, kind, kinds, wire_pairs, wire_profile
from stackerynb.catalog.kinds import COMMON_SETTINGS
from stackerynb.errors import StackError

PAGE_COMMAND = "python -m stackerynb kinds --markdown > docs/kinds.md"
# Settings a kind cannot compile without and has no default for: the reference's sample node.
SAMPLE_SETTINGS = {"resource": {"type": "AWS::SQS::Queue"}}


# ------------------------------------------------------------------ data
def check_kind(name: str):
    """The catalogue's kind called ``name``; a StackError listing every kind otherwise."""
    spec = kind(name)
    if spec is None:
        from stackerynb.model.rules import suggest
        raise StackError(f"unknown kind {name!r}{suggest(name, KIND_NAMES)}; kinds: {', '.join(KIND_NAMES)}")
    return spec


def allowed_values(setting) -> str:
    """What a setting accepts beyond its type: a range, the choices or a pattern ("" if any)."""
    if setting.choices:
        return ", ".join(str(c) for c in setting.choices)
    if setting.min is not None or setting.max is not None:
        low = "" if setting.min is None else setting.min
        high = "" if setting.max is None else setting.max
        return f"{low}..{high}"
    if setting.pattern:
        return f"matches {setting.pattern}"
    return ""


def reference(name: str) -> dict:
    """Everything the catalogue and the compiler say about kind ``name``, as plain data."""
    spec = check_kind(name)
    return {
        "kind": spec.name, "label": spec.label, "help": spec.help,
        "placement": {"network": spec.network, "tier": spec.tier},
        "compiles_to": compiled_types(spec.name),
        "settings": [dict(s.describe(), allowed=allowed_values(s)) for s in spec.settings.values()],
        "wires_out": [wire_reference(spec.name, t) for (s, t) in wire_pairs() if s == spec.name],
        "wires_in": [wire_reference(s, spec.name) for (s, t) in wire_pairs() if t == spec.name],
    }


def wire_reference(source: str, target: str) -> dict:
    """What the wire ``source -> target`` grants: access levels with their IAM actions, the
    environment variables, the event source, network and resource policy, the extra resources."""
    profile = wire_profile(source, target)
    access = [{
        "level": level, "default": level in profile.default_access,
        "statements": [{"actions": list(st.actions), "resources": list(st.resources)} for st in statements],
    } for level, statements in profile.access.items()]
    return {
        "source": source, "target": target, "summary": profile.summary,
        "access": access,
        "role": f"the {profile.principal}'s role ({target if profile.principal == 'target' else source})",
        "env": {f"<{target.upper()}_ID>_{suffix}": attribute for suffix, attribute in profile.env.items()},
        "event": profile.event, "network": profile.network, "resource_policy": profile.resource_policy,
        "iam": profile.iam,
        "required": (source, target) in _required_pairs(),
        "adds_resources": wire_types(source, target),
    }


def _required_pairs() -> set[tuple[str, str]]:
    from stackerynb.model.rules import REQUIRED_WIRES
    return {(k, t) for k, t, _ in REQUIRED_WIRES}


def _compile(nodes: list[tuple[str, str]], wires: list[tuple[str, str]], *, network: bool = False):
    """Compile a small stack for the reference: (resource type, owning node) of every resource.

    Nodes that must sit in a Virtual Network (and, with ``network``, those that may) go in one;
    each node also gets the wires it cannot do without (a service's cluster, a CDN's origin).
    """
    from stackerynb.compile import build
    from stackerynb.model import Stack
    from stackerynb.model.environments import Environment
    from stackerynb.model.rules import REQUIRED_WIRES

    nodes, wires = list(nodes), list(wires)
    for node_id, kind_name in list(nodes):
        for needer, target_kind, _ in REQUIRED_WIRES:
            if needer == kind_name and not any(w[0] == node_id and dict(nodes).get(w[1]) == target_kind
                                               for w in wires):
                nodes.append((f"{node_id}Needs", target_kind))
                wires.append((node_id, f"{node_id}Needs"))
    stack = Stack("reference")
    inside = network or any(kind(k).network == "must" for _, k in nodes)
    if inside:
        stack.add("virtual_network", "Net")
    for node_id, kind_name in nodes:
        stack.add(kind_name, node_id, network="Net" if inside and kind(kind_name).network != "none" else None,
                  **SAMPLE_SETTINGS.get(kind_name, {}))
    for source, target in wires:
        stack.connect(source, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # governance warnings are not the reference's business
        ctx = build(stack, Environment("reference"))
    return [(resource.resource_type, ctx.owners[lid]) for lid, resource in ctx.resources.items()]


@lru_cache(maxsize=None)
def compiled_types(name: str) -> list[str]:
    """CloudFormation types a node of kind ``name`` compiles to with default settings."""
    if name in SAMPLE_SETTINGS and "type" in SAMPLE_SETTINGS[name]:
        return ["its type, verbatim"]
    return sorted({rtype for rtype, owner in _compile([("Node", name)], []) if owner == "Node"})


@lru_cache(maxsize=None)
def wire_types(source: str, target: str) -> list[str]:
    """CloudFormation types the wire ``source -> target`` adds to what its two nodes compile to
    (IAM statements go into the role's policy and add no resource)."""
    network = wire_profile(source, target).network is not None
    nodes = [("Source", source), ("Target", target)]
    full = Counter(t for t, _ in _compile(nodes, [("Source", "Target")], network=network))
    if (source, target) in _required_pairs():
        # the source cannot compile without this wire: what it adds beyond both nodes' own
        alone = _compile([("Target", target)], [], network=network)
        full -= Counter(t for t, _ in alone)
        full -= Counter(t for t, owner in _compile(nodes, [("Source", "Target")], network=network)
                        if owner == "Source")
    else:
        full -= Counter(t for t, _ in _compile(nodes, [], network=network))
    return sorted(full)


# -------------------------------------------------------------- rendering
def _value(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _placement(ref: dict) -> str:
    place = ref["placement"]
    if place["network"] == "none":
        return "outside any Virtual Network"
    where = "must sit" if place["network"] == "must" else "may sit"
    return f"{where} inside a virtual_network ({place['tier']} subnets)"


def _plain(text: str) -> str:
    return text


def _grants(wire: dict, code=_plain) -> list[str]:
    """One line per access level: what it grants and to whom (``code`` marks names up)."""
    lines = []
    for level in wire["access"]:
        name = level["level"] + (" (default)" if level["default"] else "")
        if wire.get("iam") == "service_reference":
            lines.append(f"{name}: the {level['level']} actions AWS's service authorization reference lists for "
                         f"the target's type, on its ARN, to {wire['role']}")
            continue
        if not level["statements"]:
            lines.append(f"{name}: no IAM statement (the event, policy or network rule does it)")
            continue
        parts = [f"{', '.join(map(code, st['actions']))} on {', '.join(map(code, st['resources']))}"
                 for st in level["statements"]]
        lines.append(f"{name}: {'; '.join(parts)} to {wire['role']}")
    return lines


def _wire_facts(wire: dict, code=_plain) -> list[str]:
    """Environment variables, event source, network, policy and resources, one per line."""
    facts = []
    if wire["env"]:
        facts.append("environment of " + wire["source"] + ": "
                     + ", ".join(f"{code(var)} = the {wire['target']}'s {attr}" for var, attr in wire["env"].items()))
    if wire["event"]:
        facts.append(f"event source: {code(wire['event'])}")
    if wire["network"]:
        facts.append(f"network: the {wire['source']}'s security group may reach the {wire['target']}'s port")
    if wire["resource_policy"]:
        facts.append(f"resource policy: {code(wire['resource_policy'])}")
    if wire["required"]:
        facts.append(f"required: every {wire['source']} needs exactly one")
    facts.append("adds resources: " + (", ".join(map(code, wire["adds_resources"])) or "none"))
    return facts


def _code(text: str) -> str:
    return f"`{text}`"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_kind(name: str) -> str:
    """The reference of one kind as a Markdown section."""
    ref = reference(name)
    out = [f"## {ref['kind']}", "", f"**{ref['label']}**: {ref['help']}", "",
           f"- Placement: {_placement(ref)}.",
           f"- Compiles to (default settings): {', '.join(f'`{t}`' for t in ref['compiles_to']) or 'no resource'}.",
           ""]
    own = [s for s in ref["settings"] if s["name"] not in COMMON_SETTINGS]
    if own:
        out += ["| setting | type | default | allowed | help |", "|---|---|---|---|---|"]
        for s in own:
            help_text = ("**required.** " if s["required"] else "") + s["help"]
            allowed = s["allowed"]
            allowed = f"matches `{_cell(allowed[8:])}`" if allowed.startswith("matches ") else _cell(allowed)
            out.append(f"| `{s['name']}` | {s['type']} | `{_cell(_value(s['default']))}` | {allowed} | "
                       f"{_cell(help_text)} |")
        out.append("")
    else:
        out += ["No settings.", ""]
    for title, wires in (("Wires out", ref["wires_out"]), ("Wires in", ref["wires_in"])):
        out.append(f"### {title}")
        out.append("")
        if not wires:
            out += ["None.", ""]
            continue
        for wire in wires:
            out.append(f"- **{wire['source']} -> {wire['target']}**: {wire['summary']}")
            out += [f"  - access {line}" for line in _grants(wire, _code)]
            out += [f"  - {line}" for line in _wire_facts(wire, _code)]
        out.append("")
    return "\n".join(out)


def markdown() -> str:
    """The whole reference page (``docs/kinds.md``)."""
    head = ["# Node kinds", "",
            f"Generated from the catalogue by `{PAGE_COMMAND}`; do not edit by hand "
            "(`tests/test_kinds_reference.py` checks it matches). `stackerynb kinds KIND` prints one "
            "kind in the terminal.", "",
            "A wire `source -> target` reads \"source sends to / uses target\". Access levels grant the "
            "IAM actions listed on the resources shown (`{arn}` and the like are the target's, "
            "`{source_arn}` the source's); `<TARGET_ID>` is the wired node's id in upper snake case. "
            "Resource types are what the compiler emits with default settings.", ""]
    head += [f"- [{k.name}](#{k.name}): {k.help}" for k in kinds()]
    head += ["", "Every kind also has these settings (what an import keeps verbatim):", ""]
    head += [f"- `{name}`: {spec['help']}" for name, spec in COMMON_SETTINGS.items()]
    return "\n".join(head + [""] + [markdown_kind(k.name) for k in kinds()]).rstrip("\n") + "\n"


def text(name: str, width: int = 100) -> str:
    """The reference of one kind as terminal text, no line longer than ``width``."""
    ref = reference(name)
    width = max(width, 40)

    def para(line: str, indent: str = "", hang: str = "    ") -> list[str]:
        return textwrap.wrap(line, width, initial_indent=indent, subsequent_indent=indent + hang,
                             break_on_hyphens=False) or [indent]

    out = para(f"{ref['kind']} ({ref['label']}): {ref['help']}")
    out += para(f"Placement: {_placement(ref)}.")
    out += para(f"Compiles to (default settings): {', '.join(ref['compiles_to']) or 'no resource'}.")
    out += ["", "Settings:"] if ref["settings"] else ["", "No settings."]
    for s in ref["settings"]:
        allowed = f", {s['allowed']}" if s["allowed"] else ""
        required = ", required" if s["required"] else ""
        out += para(f"{s['name']} ({s['type']}, default {_value(s['default'])}{allowed}{required}): {s['help']}",
                    indent="  ")
    for title, wires in (("Wires out", ref["wires_out"]), ("Wires in", ref["wires_in"])):
        out += ["", f"{title}:" if wires else f"{title}: none"]
        for wire in wires:
            out += para(f"{wire['source']} -> {wire['target']}: {wire['summary']}", indent="  ")
            for line in _grants(wire):
                out += para(f"access {line}", indent="    ")
            for line in _wire_facts(wire):
                out += para(line, indent="    ")
    return "\n".join(out) + "\n"

"""Validation rules. Each rule looks at the whole stack and *yields* problems (as cfn-lint
rules do), so ``Stack.problems()`` reports every problem at once instead of the first."""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterator

from stackerynb.catalog import KIND_NAMES, kind as catalog_kind, wire_profile, wire_settings, wire_targets
from stackerynb.cfn.schemas import is_node_type, property_problems, unknown_type_message
from stackerynb.errors import Problem
from stackerynb.store.files import SURROGATE

if TYPE_CHECKING:
    from stackerynb.model.stack import Stack

# CloudFormation logical ids are alphanumeric; we derive names like <Id>Role from them, so keep
# room under the 255-character limit.
LOGICAL_ID = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
STACK_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")

Rule = Callable[["Stack"], Iterator[Problem]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register ``fn`` as a validation rule."""
    RULES.append(fn)
    return fn


# Values nest at most this deep (the stack file reader refuses deeper ones too) and whole numbers
# fit 64 bits (CloudFormation's own limit): larger ones cannot even be printed by Python.
MAX_NESTING = 100
MAX_INT_BITS = 64


def shown(value, limit: int = 80) -> str:
    """``repr(value)`` for messages, shortened, and never failing (a 5,000-digit number cannot be
    printed by Python: it becomes its size instead)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<a whole number of {value.bit_length()} bits>" if isinstance(value, int) else \
            f"<{type(value).__name__} too large to print>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def value_problem(value, setting: bool = True) -> str | None:
    """Why ``value`` cannot be a setting value at all, whatever the setting: nesting deeper than
    MAX_NESTING levels, or a whole number larger than 64 bits. With ``setting=False``, why it
    cannot even be written to a file (too deep, or a number too long for Python to print).
    Checked iteratively, so the check itself cannot run out of stack."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_NESTING:
            return f"nested more than {MAX_NESTING} levels deep"
        if isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > MAX_INT_BITS:
            if setting:
                return (f"a whole number of {item.bit_length()} bits is too large (at most {MAX_INT_BITS}); "
                        "quote it to keep it as text")
            try:
                repr(item)
            except ValueError:
                return f"a whole number of {item.bit_length()} bits, too long to write"
        if isinstance(item, str) and SURROGATE.search(item):
            return "text with a lone surrogate (\\ud800-\\udfff) is not valid Unicode"
        if isinstance(item, dict):
            pending.extend((v, depth + 1) for pair in item.items() for v in pair)
        elif isinstance(item, (list, tuple, set, frozenset)):
            pending.extend((v, depth + 1) for v in item)
    return None


def suggest(word: str, options) -> str:
    """`` (did you mean X?)`` for the closest option, or an empty string."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def id_problem(node_id) -> str | None:
    """Why ``node_id`` cannot be a node id, or None."""
    if not isinstance(node_id, str) or not LOGICAL_ID.fullmatch(node_id):
        return (f"id {shown(node_id)} is not usable as a CloudFormation logical id: use a letter "
                "followed by up to 63 letters or digits (no spaces, dashes or underscores)")
    return None


def setting_problem(node, name, value) -> Problem | None:
    """The problem with setting ``name`` = ``value`` on ``node``, or None."""
    spec = catalog_kind(node.kind)
    if spec is None:
        return None
    if not isinstance(name, str) or name not in spec.settings:
        return Problem(node.id, name if isinstance(name, str) else shown(name),
                       f"{spec.label} has no setting {shown(name)}"
                       f"{suggest(name, spec.settings)}; settings: {', '.join(spec.settings)}",
                       code="unknown-setting")
    why = value_problem(value)
    if why:
        return Problem(node.id, name, why, code="bad-value")
    if node.kind == GENERIC_KIND and name == "type" and isinstance(value, str) and value and not is_node_type(value):
        return Problem(node.id, name, unknown_type_message(value), code="unknown-type")
    why = spec.settings[name].check(value)
    return Problem(node.id, name, why, code="bad-value") if why else None


GENERIC_KIND = "resource"  # any CloudFormation type: its settings are the type's properties


@rule
def stack_name(stack) -> Iterator[Problem]:
    """The stack name becomes part of AWS resource names (S3 buckets are lower case)."""
    if not isinstance(stack.name, str) or not STACK_NAME.fullmatch(stack.name):
        yield Problem(None, None, f"stack name {stack.name!r} must be lower case letters, digits "
                      "and dashes, starting with a letter, at most 40 characters", code="bad-name")


@rule
def node_ids(stack) -> Iterator[Problem]:
    """Every id is a usable logical id."""
    for node in stack.nodes:
        why = id_problem(node.id)
        if why:
            yield Problem(node.id, None, why, code="bad-id")


@rule
def node_kinds(stack) -> Iterator[Problem]:
    """Every node has a kind from the catalogue."""
    for node in stack.nodes:
        if catalog_kind(node.kind) is None:
            yield Problem(node.id, None, f"unknown kind {node.kind!r}{suggest(node.kind, KIND_NAMES)}; "
                          f"kinds: {', '.join(KIND_NAMES)}", code="unknown-kind")


@rule
def node_settings(stack) -> Iterator[Problem]:
    """Settings exist for the kind, have the right type and range, and required ones are set."""
    for node in stack.nodes:
        spec = catalog_kind(node.kind)
        if spec is None:
            continue
        for name, value in node.settings.items():
            problem = setting_problem(node, name, value)
            if problem:
                yield problem
        for name, setting in spec.settings.items():
            if setting.required and node.get(name) in (None, ""):
                yield Problem(node.id, name, f"{name} is required: {setting.help}", code="missing-setting")


@rule
def generic_properties(stack) -> Iterator[Problem]:
    """A ``resource`` node's properties follow its type's registry schema (as cfn-lint ships it):
    every unknown, missing, mistyped or out-of-range property is named, intrinsics accepted."""
    for node in stack.nodes:
        if node.kind != GENERIC_KIND:
            continue
        rtype, properties = node.settings.get("type"), node.settings.get("properties") or {}
        if not isinstance(rtype, str) or not is_node_type(rtype) or not isinstance(properties, dict):
            continue  # a missing or unknown type, or a non-mapping, is reported by node_settings
        for message in property_problems(rtype, properties):
            yield Problem(node.id, "properties", message, code="schema")


# Logical ids SAM makes for the resources of a template without a resource of that name.
SAM_IMPLICIT = ("ServerlessRestApi", "ServerlessHttpApi", "ServerlessDeploymentBucket")


@rule
def kept_references(stack) -> Iterator[Problem]:
    """What nodes keep verbatim (``properties``, ``attributes``) and the raw section (``stack.raw``
    resources, outputs, conditions, rules) refer only to what the stack has: a node (or a
    resource a node compiles to, named after it: ``FnRole``), a template parameter or resource
    of ``stack.raw``. Removing a node others refer to is named here, at the referring node and
    property (or raw entry), rather than found in a broken template."""
    from stackerynb.cfn.intrinsics import references

    raw = stack.raw or {}
    known = {n.id for n in stack.nodes} | set(raw.get("Parameters") or {}) | set(raw.get("Resources") or {})
    derived = _derived_names(stack)

    def dangling(value) -> list[str]:
        depends = value.get("DependsOn") if isinstance(value, dict) else None
        named = [d for d in ([depends] if isinstance(depends, str) else depends or []) if isinstance(d, str)]
        return [name for name in dict.fromkeys([name for name, _ in references(value)] + named)
                if not (name in known or derived(name) or name in SAM_IMPLICIT or "::" in name)]

    for node in stack.nodes:
        for key in ("properties", "attributes"):
            value = node.settings.get(key)
            if not isinstance(value, dict) or not value:
                continue
            for name in dangling(value if key == "attributes" else {"Properties": value}):
                yield Problem(node.id, key, f"refers to {name}, which the stack does not have"
                              f"{suggest(name, known)}: put it back, or change the reference",
                              code="dangling-reference")
    for section, what in (("Resources", "raw resource"), ("Outputs", "raw output"), ("Conditions", "raw condition"),
                          ("Rules", "raw rule")):
        entries = raw.get(section)
        for entry, body in (entries.items() if isinstance(entries, dict) else ()):
            for name in dangling(body):
                yield Problem(None, None, f"{what} {entry} refers to {name}, which the stack does not have"
                              f"{suggest(name, known)}: put it back, or change the reference",
                              code="dangling-reference")


def derived_rest(node, node_id: str, name: str) -> str | None:
    """What follows ``node_id`` in ``name`` when ``name`` is a logical id ``node`` (called
    ``node_id``) compiles to beside its own (``Role`` of ``FnRole``), or SAM makes for the SAM
    resource a ``resource`` node keeps (``Url`` of ``FnUrl``); else None."""
    if not name.startswith(node_id) or len(name) == len(node_id):
        return None
    rest = name[len(node_id):]
    if node.kind == GENERIC_KIND:
        sam = str(node.settings.get("type", "")).startswith("AWS::Serverless::")
        return rest if sam and _SAM_MADE.fullmatch(rest) else None
    pattern = _compiled_suffixes(node.kind)
    return rest if pattern is not None and pattern.fullmatch(rest) else None


def _derived_names(stack) -> Callable[[str], bool]:
    """Whether a logical id is one the nodes compile to beside their own (a function's
    ``FnRole``, after ``import_map.yaml``'s ``compiled_names``), or one SAM makes for a SAM
    resource kept by a ``resource`` node or in the raw section (``MyApiProdStage``, ``MyFunctionRole``).
    Judged by the name's prefixes, so nothing is built per node: the editor runs this on every edit."""
    nodes = {n.id: n for n in stack.nodes}
    raw_resources = (stack.raw or {}).get("Resources")
    raw_sam = {lid for lid, body in (raw_resources.items() if isinstance(raw_resources, dict) else ())
               if isinstance(body, dict) and str(body.get("Type", "")).startswith("AWS::Serverless::")}

    def derived(name: str) -> bool:
        for end in range(1, len(name)):
            prefix = name[:end]
            if prefix in raw_sam and _SAM_MADE.fullmatch(name, end):
                return True
            node = nodes.get(prefix)
            if node is not None and derived_rest(node, prefix, name):
                return True
        return False
    return derived


_SAM_MADE = re.compile(r"[A-Za-z0-9.]+")


@lru_cache(maxsize=None)
def _compiled_suffixes(kind: str) -> re.Pattern | None:
    """The names a node of ``kind`` compiles to after its own id, as one pattern (import_map.yaml)."""
    from stackerynb.catalog._data import load_table

    suffixes = load_table("import_map.yaml")["compiled_names"]["resources"].get(kind)
    return re.compile("(?:" + "|".join(suffixes) + ")") if suffixes else None


@rule
def code_folders(stack) -> Iterator[Problem]:
    """A function's ``code`` names a folder (or .zip/.jar) that exists beside the stack file, so
    a deploy can package it. Judged only for a stack with a file: the folder is relative to it."""
    if stack.path is None:
        return
    for node in stack.nodes:
        code = node.settings.get("code") if node.kind == "function" else None
        if not isinstance(code, str) or not code:
            continue
        location = stack.folder / code
        if not location.exists():
            yield Problem(node.id, "code", f"code folder {code!r} does not exist (looked for {location}); "
                          f"create it, or write a starter with stack.write_starter({node.id!r})",
                          code="missing-code")


@rule
def placement(stack) -> Iterator[Problem]:
    """Nodes sit only inside virtual networks, only when their kind may, and always when it must."""
    for node in stack.nodes:
        spec = catalog_kind(node.kind)
        if spec is None:
            continue
        net = node.network
        if isinstance(net, (list, tuple)):
            yield Problem(node.id, "network", f"placed in {len(net)} networks ({', '.join(map(str, net))}); "
                          "a node sits in at most one virtual network", code="placement")
            continue
        if net is None:
            if spec.network == "must":
                yield Problem(node.id, "network", f"a {spec.label} must sit inside a Virtual Network "
                              f"({spec.tier} subnets); place it with stack.place({node.id!r}, NETWORK)",
                              code="placement")
            continue
        if spec.network == "none":
            yield Problem(node.id, "network", f"a {spec.label} cannot sit inside a Virtual Network",
                          code="placement")
        elif net not in stack:
            yield Problem(node.id, "network", f"placed in {net!r}, which is not in the stack", code="placement")
        elif stack.node(net).kind != "virtual_network":
            yield Problem(node.id, "network", f"placed in {net!r}, a {stack.node(net).kind}, "
                          "not a virtual_network", code="placement")


@rule
def wires(stack) -> Iterator[Problem]:
    """Wires join existing nodes, between kinds that can be wired, with offered access levels."""
    seen = set()
    for wire in stack.wires:
        where = wire.source if wire.source in stack else None
        key = (wire.source, wire.target)
        if key in seen:
            yield Problem(where, None, f"wire {wire.source} -> {wire.target} appears twice", code="bad-wire")
        seen.add(key)
        missing = [end for end in key if end not in stack]
        if missing:
            yield Problem(where, None, f"wire {wire.source} -> {wire.target} names missing node "
                          f"{' and '.join(map(repr, missing))}{suggest(missing[0], [n.id for n in stack.nodes])}",
                          code="bad-wire")
            continue
        source, target = stack.node(wire.source), stack.node(wire.target)
        if catalog_kind(source.kind) is None or catalog_kind(target.kind) is None:
            continue  # the unknown kind is reported by node_kinds
        profile = wire_profile(source.kind, target.kind)
        if profile is None:
            yield Problem(source.id, None, unsupported_wire_message(source.kind, target.kind, wire),
                          code="bad-wire")
            continue
        try:
            profile.resolve_access(wire.access)
        except ValueError as exc:
            yield Problem(source.id, None, f"wire {wire.source} -> {wire.target}: {exc}", code="bad-wire")
        yield from wire_setting_problems(wire)


@rule
def routed_functions(stack) -> Iterator[Problem]:
    """An API's ``routes`` name only functions wired from it (the compiler refuses others)."""
    for node in stack.nodes:
        spec = catalog_kind(node.kind)
        routes = node.settings.get("routes")
        if spec is None or "routes" not in spec.settings or not isinstance(routes, dict):
            continue
        wired = {w.target for w in stack.wires if w.source == node.id}
        for fid in routes:
            if fid in wired:
                continue
            if fid in stack:
                yield Problem(node.id, "routes", f"has a route for {fid!r}, which is not a function wired from "
                              f"{node.id}: wire {node.id} -> {fid}, or remove the route", code="bad-route")
            else:
                yield Problem(node.id, "routes", f"has a route for {fid!r}, which is not a node of this stack"
                              f"{suggest(str(fid), [n.id for n in stack.nodes])}", code="bad-route")


@rule
def reference_wires(stack) -> Iterator[Problem]:
    """A wire whose IAM comes from AWS's service authorization reference (to a ``resource``
    node) can be granted: its exact actions are real actions, else the reference knows the
    target's type, and the ARN the actions are scoped to is known (or given as ``resources``)."""
    from stackerynb.cfn.iam_reference import known, wildcard_only
    from stackerynb.cfn.iam_resources import level_actions, reference_of, resource_arn

    for wire in stack.wires:
        if wire.source not in stack or wire.target not in stack:
            continue  # reported by wires
        target = stack.node(wire.target)
        profile = wire_profile(stack.node(wire.source).kind, target.kind)
        rtype = target.settings.get("type")
        if profile is None or profile.iam != "service_reference" or wire.settings.get("grants") is False \
                or not isinstance(rtype, str) or not is_node_type(rtype):
            continue
        where = f"wire {wire.source} -> {wire.target}"
        exact = [a for a in wire.settings.get("actions") or () if isinstance(a, str)]
        if exact:
            unknown = [a for a in exact if not known(a)]
            if unknown:
                yield Problem(wire.source, "actions", f"{where}: {', '.join(unknown)} "
                              f"{'is not an action' if len(unknown) == 1 else 'are not actions'} of AWS's "
                              "service authorization reference", code="bad-wire")
                continue
            actions = exact
        elif reference_of(rtype) is None:
            yield Problem(wire.source, "access", f"{where}: AWS's service authorization reference has no resource "
                          f"type for {rtype}; name the actions with the wire's actions setting", code="bad-wire")
            continue
        else:
            try:
                levels = profile.resolve_access(wire.access)
            except ValueError:
                continue  # reported by wires
            actions = [a for level in levels for a in level_actions(rtype, level)]
        scoped = any(not wildcard_only(a) for a in actions)
        if scoped and not wire.settings.get("resources") and resource_arn(target.id, rtype) is None:
            yield Problem(wire.source, "resources", f"{where}: the ARN of a {rtype} is not known from its schema "
                          "or AWS's reference; give it with the wire's resources setting", code="bad-wire")


def wire_setting_problems(wire) -> Iterator[Problem]:
    """Problems with a wire's settings: unknown names, bad values (named ``source->target.setting``)."""
    known = wire_settings()
    for name, value in wire.settings.items():
        where = f"{wire.source}->{wire.target}.{name}"
        if name not in known:
            yield Problem(wire.source, name, f"wire {wire.source} -> {wire.target} has no setting {shown(name)}"
                          f"{suggest(name, known)}; settings: {', '.join(known)}", code="unknown-setting")
            continue
        why = value_problem(value) or known[name].check(value)
        if why:
            yield Problem(wire.source, name, f"{where}: {why}", code="bad-value")


def unsupported_wire_message(source_kind: str, target_kind: str, wire) -> str:
    """Why ``source_kind -> target_kind`` is refused, listing what the source can wire to."""
    targets = wire_targets(source_kind)
    can = f"a {source_kind} can wire to: {', '.join(targets)}" if targets else f"a {source_kind} has no outgoing wires"
    return f"wire {wire.source} -> {wire.target}: a {source_kind} cannot be wired to a {target_kind}; {can}"


@rule
def network_reach(stack) -> Iterator[Problem]:
    """Wires that open a port need both ends in the same virtual network."""
    for wire in stack.wires:
        if wire.source not in stack or wire.target not in stack:
            continue
        source, target = stack.node(wire.source), stack.node(wire.target)
        profile = wire_profile(source.kind, target.kind)
        if profile is None or profile.network is None or not isinstance(target.network, str):
            continue
        if source.network != target.network:
            yield Problem(source.id, "network", f"wire {wire.source} -> {wire.target} opens a network port: "
                          f"place {source.id} in {target.network!r} as well", code="placement")


# Wiring a kind cannot do without: (kind, target kind, what it is for).
REQUIRED_WIRES = (
    ("docker_service", "docker_cluster", "the cluster its tasks run on"),
    ("cdn", "object_store", "the origin it serves"),
)


@rule
def required_wires(stack) -> Iterator[Problem]:
    """Kinds that need exactly one wire of a kind (a service's cluster, a CDN's origin) have it."""
    for node in stack.nodes:
        for kind_name, target_kind, purpose in REQUIRED_WIRES:
            if node.kind != kind_name:
                continue
            count = sum(1 for w in stack.wires if w.source == node.id and w.target in stack
                        and stack.node(w.target).kind == target_kind)
            if count != 1:
                yield Problem(node.id, None, f"needs exactly one wire to a {target_kind} ({purpose}); "
                              f"it has {count}", code="missing-wire")


def _triggers(stack, wire) -> bool:
    """Whether activity at the wire's source sets its target off: an event source, an invoke,
    or a write into something that emits events. Reads never trigger anything."""
    profile = wire_profile(stack.node(wire.source).kind, stack.node(wire.target).kind)
    if profile is None:
        return False
    try:
        levels = profile.resolve_access(wire.access)
    except ValueError:
        return False
    return profile.event is not None or bool({"write", "invoke"} & set(levels))


@rule
def cycles(stack) -> Iterator[Problem]:
    """A loop of triggering wires is an event loop (each event re-triggers the next) that never
    ends. Loops closed by a read (a function reading the bucket whose uploads invoke it) are fine."""
    graph: dict[str, list[str]] = {}
    for w in stack.wires:
        if w.source in stack and w.target in stack and _triggers(stack, w):
            graph.setdefault(w.source, []).append(w.target)
    reported: set[frozenset] = set()
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        # iterative DFS, keeping the current path to name the cycle
        path, stack_iter = [start], [iter(graph.get(start, ()))]
        state[start] = 1
        while stack_iter:
            nxt = next(stack_iter[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack_iter.pop()
                continue
            if state.get(nxt) == 1:
                loop = path[path.index(nxt):]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    yield Problem(nxt, None, "wires form a loop " + " -> ".join(loop + [nxt]) +
                                  ": every event re-triggers the next, forever", code="cycle")
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack_iter.append(iter(graph.get(nxt, ())))


# A state machine's definition names the functions (and services) it invokes, and their roles
# name the machines they start: a loop of such wires through a state machine makes the
# resources wait for each other, a circle CloudFormation refuses. The design is told at once
# rather than at compile. (A loop of functions alone is an event loop: the cycles rule names it.)
CIRCLE_KINDS = frozenset({"function", "docker_service", "state_machine"})


@rule
def mutual_wires(stack) -> Iterator[Problem]:
    """A loop of wires among CIRCLE_KINDS that passes through a state machine."""
    graph: dict[str, list[str]] = {}
    for w in stack.wires:
        if w.source in stack and w.target in stack and \
                {stack.node(w.source).kind, stack.node(w.target).kind} <= CIRCLE_KINDS:
            graph.setdefault(w.source, []).append(w.target)
    reported: set[frozenset] = set()
    machines = sorted(n for n in graph if stack.node(n).kind == "state_machine")
    for start in machines:  # breadth first from each machine back to itself: linear per machine
        came_from: dict[str, str] = {}
        queue, seen = [start], {start}
        while queue and start not in came_from:
            current = queue.pop(0)
            for nxt in graph.get(current, ()):
                if nxt == start:
                    came_from[start] = current
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    came_from[nxt] = current
                    queue.append(nxt)
        if start not in came_from:
            continue
        loop, node = [start], came_from[start]
        while node != start:
            loop.insert(1, node)
            node = came_from[node]
        if frozenset(loop) not in reported:
            reported.add(frozenset(loop))
            wires = ", ".join(f"{a} -> {b}" for a, b in zip(loop, loop[1:] + loop[:1]))
            yield Problem(start, None, f"wires {wires} make their resources wait for each other, "
                          "which CloudFormation refuses; remove one of them", code="mutual-wires")


def run_rules(stack) -> list[Problem]:
    """Every problem every rule finds."""
    return [problem for check in RULES for problem in check(stack)]

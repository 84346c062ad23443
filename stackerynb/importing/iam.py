"""IAM statements a template grants a function, split into wires and what is left over.

A template grants a function access through SAM policy templates, inline statements, its
role's policies, and SAM connectors. Each statement names actions (wildcards allowed) on
resources; when a resource is a node of the stack and the (function, node kind) wire profile
offers access levels whose actions overlap the granted ones, a wire with those levels is made.
Whatever the wire does not cover is kept verbatim as a *residual* statement, so the imported
function never loses a permission it had; a wire is only made to a resource the template
already granted access to, so it never gains access to a new resource.

Wildcard actions are expanded with cfn-lint's table of IAM actions (``Policies.json``), so
``sqs:SendMessage*`` is known to mean ``sqs:SendMessage`` and ``dynamodb:*`` to mean more than
a table wire grants.
"""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from stackerynb.catalog import wire_profile
from stackerynb.cfn.intrinsics import references

STAR = "*"
EXTERNAL = "external"  # a literal ARN or a resource outside the template


@lru_cache(maxsize=1)
def _action_table() -> dict[str, tuple[str, ...]]:
    """service prefix -> lower-case action names, from cfn-lint's IAM data."""
    # Found without importing the cfnlint package, whose __init__ loads its linter (sympy, 1 s).
    package = find_spec("cfnlint")
    text = (Path(package.submodule_search_locations[0]) / "data" / "AdditionalSpecs" / "Policies.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {service: tuple(spec.get("Actions", {})) for service, spec in data.items()}


@lru_cache(maxsize=4096)
def expand_action(pattern: str) -> frozenset[str]:
    """The concrete lower-case ``service:action`` names a (possibly wildcard) action grants.

    A pattern whose service is unknown, or that matches no known action, stands for itself.
    """
    pattern = str(pattern).strip().lower()
    if pattern == "*":
        return frozenset({"*"})
    service, _, action = pattern.partition(":")
    names = _action_table().get(service)
    if names is None or not any(ch in action for ch in "*?"):
        return frozenset({pattern})
    matched = frozenset(f"{service}:{name}" for name in names if fnmatch.fnmatchcase(name, action))
    return matched or frozenset({pattern})


def expand_actions(actions) -> frozenset[str]:
    """Union of ``expand_action`` over an Action value (text or list)."""
    if isinstance(actions, str):
        actions = [actions]
    out: set[str] = set()
    for action in actions or ():
        if isinstance(action, str):
            out |= expand_action(action)
    return frozenset(out)


def action_covered(action: str, granted: frozenset[str]) -> bool:
    """True when the concrete ``action`` is in ``granted`` (patterns allowed there)."""
    if action in granted or "*" in granted:
        return True
    return any(any(ch in g for ch in "*?") and fnmatch.fnmatchcase(action, g) for g in granted)


def resource_target(resource, resource_ids: frozenset) -> str:
    """The template resource a statement's Resource entry points at: its logical id, ``*``, or
    ``external`` (a literal ARN, a parameter, or more than one resource at once)."""
    if resource == "*":
        return STAR
    ids = {name for name, _ in references(resource) if name in resource_ids}
    if len(ids) == 1:
        return ids.pop()
    return EXTERNAL


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements_of(document) -> list[dict]:
    """The statements of a policy document (or of a bare statement list)."""
    if isinstance(document, dict):
        return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]
    if isinstance(document, list):
        return [s for s in document if isinstance(s, dict)]
    return []


def simple_allow(statement: dict) -> bool:
    """An Allow statement with Action and Resource and nothing conditional: the only kind a wire
    can stand in for."""
    return (statement.get("Effect") == "Allow" and "Action" in statement and "Resource" in statement
            and not statement.keys() & {"Condition", "NotAction", "NotResource", "Principal", "NotPrincipal"})


@dataclass
class Split:
    """A function's granted statements, split: wire access levels per target node id, and the
    statements no wire covers (kept as written)."""

    levels: dict[str, list[str]] = field(default_factory=dict)
    residual: list[dict] = field(default_factory=list)
    granted: dict[str, frozenset] = field(default_factory=dict)  # target -> expanded actions
    notes: list[str] = field(default_factory=list)
    exact: dict[str, dict] = field(default_factory=dict)  # target -> wire settings (actions, resources)


def level_actions(profile, level: str) -> frozenset[str]:
    """Lower-case actions a wire access level grants."""
    out: set[str] = set()
    for statement in profile.access.get(level, ()):
        out |= {a.lower() for a in statement.actions}
    return frozenset(out)


def split_statements(statements: list[dict], function_kind: str, node_kinds: dict[str, str],
                     resource_ids: frozenset, fixed_levels: dict[str, list[str]] | None = None) -> Split:
    """Split ``statements`` granted to a function into wires and residual statements.

    ``node_kinds`` maps node ids to kinds (only nodes can be wired); ``resource_ids`` are all
    the template's logical ids; ``fixed_levels`` forces the access levels for some targets (a SAM
    policy template's declared meaning) instead of deriving them from the actions.
    """
    result = Split()
    granted: dict[str, set[str]] = {}
    simple: list[tuple[dict, list[tuple[object, str]], frozenset]] = []
    for statement in statements:
        if not simple_allow(statement):
            result.residual.append(statement)
            continue
        actions = expand_actions(statement["Action"])
        targets = [(r, resource_target(r, resource_ids)) for r in _as_list(statement["Resource"])]
        for _, target in targets:
            granted.setdefault(target, set()).update(actions)
        simple.append((statement, targets, actions))
    result.granted = {t: frozenset(a) for t, a in granted.items()}

    covered: dict[str, frozenset] = {}
    for target, actions in granted.items():
        kind = node_kinds.get(target)
        profile = wire_profile(function_kind, kind) if kind else None
        if profile is None or profile.principal != "source" or profile.event:
            continue
        if fixed_levels and target in fixed_levels:
            levels = [lvl for lvl in fixed_levels[target] if lvl in profile.access]
        else:
            levels = [lvl for lvl in profile.access
                      if any(action_covered(a, frozenset(actions)) for a in level_actions(profile, lvl))]
        if not levels:
            continue
        result.levels[target] = levels
        covered[target] = frozenset().union(*(level_actions(profile, lvl) for lvl in levels))

    result.exact = _exact_settings(simple, covered, node_kinds, function_kind, result.levels)
    for statement, targets, actions in simple:
        remaining = [r for r, target in targets
                     if target not in covered or not all(a in covered[target] for a in actions)]
        if not remaining:
            continue
        kept = dict(statement)
        kept["Resource"] = remaining if isinstance(statement["Resource"], list) or len(remaining) > 1 else remaining[0]
        result.residual.append(kept)
    return result


def _sub_text(resource) -> str:
    """A statement's Resource entry as text, references as ``${X}``/``${X.Arn}`` (for suffixes)."""
    if isinstance(resource, dict) and len(resource) == 1:
        (key, arg), = resource.items()
        if key == "Fn::Sub":
            return arg if isinstance(arg, str) else str(arg[0]) if isinstance(arg, list) and arg else ""
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(p if isinstance(p, str) else "${ref}" for p in arg[1])
    return resource if isinstance(resource, str) else "${ref}"


def _starred(placeholders: list[str], texts: list[str]) -> list[str]:
    """``{arn}*`` for ``{arn}`` where every ARN the template names for the target that no other
    placeholder's suffix explains ends in ``*`` (SAM's ``function:${Name}*``: the function's
    versions and aliases too), so the wire reaches as far as the template did."""
    if sum(p.endswith("}") for p in placeholders) != 1:  # which plain ARN the star extends is unclear
        return placeholders
    suffixes = [p.split("}", 1)[1] for p in placeholders if p.split("}", 1)[1]]
    plain = [t for t in texts if not any(t.endswith(s) for s in suffixes)]
    if not plain or not all(t.endswith("*") and not t.endswith("/*") for t in plain):
        return placeholders
    return [p + "*" if p.endswith("}") else p for p in placeholders]


def _exact_settings(simple, covered, node_kinds, function_kind, levels) -> dict[str, dict]:
    """Per wired target, the wire settings that keep its access exactly as granted: ``actions``
    (the levels' actions the template granted on it, or on ``*``) when the levels would grant
    more, and ``resources`` when the profile's would reach further (a table's
    ``{arn}/index/*`` the template never named)."""
    out: dict[str, dict] = {}
    star = frozenset().union(*(actions for _, targets, actions in simple if any(t == STAR for _, t in targets)))
    for target in covered:
        profile = wire_profile(function_kind, node_kinds[target])
        granted = frozenset().union(*(actions for _, targets, actions in simple
                                      if any(t == target for _, t in targets))) | star
        chosen = [st for lvl in levels.get(target, ()) for st in profile.access.get(lvl, ())]
        offered = list(dict.fromkeys(a for st in chosen for a in st.actions))
        kept = [a for a in offered if action_covered(a.lower(), granted)]
        settings: dict = {}
        if kept and len(kept) < len(offered):
            settings["actions"] = kept
        texts = [_sub_text(r) for _, targets, _ in simple for r, t in targets if t == target]
        placeholders = list(dict.fromkeys(r for st in chosen for r in st.resources))
        # a placeholder with a suffix ({arn}/index/*) is kept only when the template names that suffix
        narrowed = [p for p in placeholders if not p.split("}", 1)[-1] or any(t.endswith(p.split("}", 1)[1]) for t in texts)]
        narrowed = _starred(narrowed, texts)
        if narrowed and narrowed != placeholders:
            settings["resources"] = narrowed
        if settings:
            out[target] = settings
    return out

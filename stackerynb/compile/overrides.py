"""Environment values as inputs to compile: setting overrides and named parameters.

An environment's ``parameters`` (``environments.yaml``) hold two kinds of entries:

* ``Node.setting: value`` overrides that node's setting in this environment only
  (``Api.stage: v1``, ``Worker.memory: 1024``), checked like any setting;
* ``Name: value`` is a named value that text in environment-variable and parameter maps can
  use as ``${Name}`` (``API_BASE: https://${DomainName}``); ``$${Name}`` keeps the text
  ``${Name}`` as it is, and a name the environment does not define is an error.

The stack itself is never edited: one stack compiles for every environment.
"""
from __future__ import annotations

import dataclasses
import re

from stackerynb.errors import Problem, StackError
from stackerynb.model.elements import Node
from stackerynb.model.rules import setting_problem
from stackerynb.compile.refs import literal

_NAMED = re.compile(r"(\$?)\$\{([A-Za-z][A-Za-z0-9_]*)\}")


def effective_nodes(stack, environment) -> dict[str, Node]:
    """The stack's nodes with ``Node.setting`` overrides of ``environment`` applied.

    Overrides naming nodes this stack does not have are ignored (one environments.yaml serves
    every stack in its folder); bad values raise StackError naming the environment and key.
    """
    nodes = {n.id: n for n in stack.nodes}
    problems = []
    changed: dict[str, dict] = {}
    for key, val in (environment.parameters or {}).items():
        node_id, dot, setting = str(key).partition(".")
        if not dot or node_id not in nodes:
            continue
        problem = setting_problem(nodes[node_id], setting, val)
        if problem:
            problems.append(Problem(node_id, setting, f"environment {environment.name}: parameter "
                                    f"{key}: {problem.message}", code=problem.code))
            continue
        changed.setdefault(node_id, dict(nodes[node_id].settings))[setting] = val
    if problems:
        raise StackError(f"environment {environment.name!r} overrides settings wrongly:", problems)
    for node_id, settings in changed.items():
        nodes[node_id] = dataclasses.replace(nodes[node_id], settings=settings)
    return nodes


def named_values(environment) -> dict[str, str]:
    """The environment's ``Name: value`` parameters (those without a dot)."""
    return {str(k): _text(v) for k, v in (environment.parameters or {}).items() if "." not in str(k)}


def text(raw, environment) -> str:
    """User text as Sub text: ``${Name}`` filled from the environment, anything else literal.

    Raises KeyError(name) for a ``${Name}`` the environment does not define.
    """
    named = named_values(environment)

    def fill(match):
        escaped, name = match.groups()
        if escaped:
            return "${" + name + "}"
        if name not in named:
            raise KeyError(name)
        return named[name]
    return literal(_NAMED.sub(fill, _text(raw)))


def setting_text(ctx, node_id: str, setting: str, raw) -> str:
    """:func:`text` for a node's setting; an undefined name becomes a problem naming the setting."""
    try:
        return text(raw, ctx.environment)
    except KeyError as missing:
        named = ", ".join(named_values(ctx.environment)) or "none"
        ctx.problem(node_id, setting, f"uses ${{{missing.args[0]}}}, which environment {ctx.env_name} does "
                    f"not define (its named parameters: {named}); write $${{{missing.args[0]}}} for the "
                    "text itself")
        return literal(_text(raw))


def _text(raw) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)

"""The state of one compilation: what emitters made, what wires granted, what went wrong.

Emitters (one per kind) add resources and describe their node as :class:`Parts`; the wiring
engine reads those parts to grant permissions, inject environment variables and connect
events; finalizers then turn the collected statements and variables into properties.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from troposphere import AWSObject, Output, Parameter

from stackerynb.errors import Problem, StackError
from stackerynb.model.elements import Node, Wire
from stackerynb.compile.refs import value


@dataclass(frozen=True)
class StatementRecord:
    """One generated policy statement (a row of ``permissions_table``).

    ``resources`` and ``condition`` values are Sub text (``${Orders.Arn}/index/*``).
    ``kind`` is ``identity`` (in a role's policy) or ``resource`` (in a resource policy or a
    Lambda permission); ``principal`` is the role's logical id or the AWS service let in.
    """

    wire: str | None
    node: str
    principal: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    kind: str = "identity"
    purpose: str = ""
    holder: str = ""
    condition: dict | None = None
    effect: str = "Allow"
    # a statement the user kept (a node's ``policies`` setting), written as it is by a policy
    # resource of its own: shown in tables, never put in a generated policy
    kept: bool = False


@dataclass
class Parts:
    """What an emitter made for a node, and what wires may use.

    ``attributes`` maps names used by wire profiles (arn, name, url, host, port, ...) to Sub
    text; ``role`` is the logical id of the IAM role wires grant to; ``security_group`` and
    ``port`` are what network wires open; ``env`` collects environment variables (None when the
    node cannot take any); ``handles`` holds troposphere objects that event emitters extend.
    """

    node: Node
    attributes: dict[str, str] = field(default_factory=dict)
    role: str | None = None
    security_group: str | None = None
    port: int | None = None
    env: dict[str, str] | None = None
    handles: dict[str, Any] = field(default_factory=dict)

    def attribute(self, name: str) -> str:
        """The attribute's Sub text; an internal error names the kind when it is missing."""
        try:
            return self.attributes[name]
        except KeyError:
            raise AssertionError(f"the {self.node.kind} emitter does not expose {name!r}") from None


class Compilation:
    """Everything one ``compile_stack`` call builds, in emission order."""

    def __init__(self, stack, environment, nodes: dict[str, Node], *, code_locations=None):
        self.stack = stack
        self.environment = environment
        self.nodes = nodes
        self.code_locations = dict(code_locations or {})
        self.resources: dict[str, AWSObject] = {}
        self.owners: dict[str, str] = {}
        self.parts: dict[str, Parts] = {}
        self.statements: list[StatementRecord] = []
        self.resource_policies: dict[tuple[str, str], list[StatementRecord]] = {}
        self.roles: dict[str, str] = {}  # role logical id -> node id
        self.finalizers: list[Callable[[], None]] = []
        self.parameters: dict[str, Parameter] = {}
        self.outputs: dict[str, Output] = {}
        self.problems: list[Problem] = []
        self.wires: list[Wire] = stack.wires
        self._leaving: dict[str, list[Wire]] = {}
        self._arriving: dict[str, list[Wire]] = {}
        for wire in self.wires:  # indexed once: emitters ask per node, which must stay linear
            self._leaving.setdefault(wire.source, []).append(wire)
            self._arriving.setdefault(wire.target, []).append(wire)

    # ------------------------------------------------------------- naming
    @property
    def stack_name(self) -> str:
        return self.stack.name

    @property
    def env_name(self) -> str:
        return self.environment.name

    @property
    def production(self) -> bool:
        return bool(self.environment.production)

    # ----------------------------------------------------------- resources
    def add(self, resource: AWSObject, owner: str) -> AWSObject:
        """Add ``resource`` on behalf of node ``owner``; a clash of logical ids is the user's
        to fix (two node ids that derive the same name), so it is reported as such."""
        lid = resource.title
        if lid in self.resources:
            other = self.owners[lid]
            raise StackError(f"cannot compile: nodes {other} and {owner} both need the CloudFormation "
                             f"logical id {lid!r}; rename one of them", [
                                 Problem(owner, None, f"its resources clash with {other}'s on {lid!r}",
                                         code="name-clash")])
        self.resources[lid] = resource
        self.owners[lid] = owner
        return resource

    def wires_from(self, node_id: str, kind: str | None = None) -> list[Wire]:
        """Wires leaving ``node_id`` (to nodes of ``kind`` when given), in stack order."""
        return [w for w in self._leaving.get(node_id, ()) if kind is None or self.nodes[w.target].kind == kind]

    def wires_to(self, node_id: str, kind: str | None = None) -> list[Wire]:
        """Wires arriving at ``node_id`` (from nodes of ``kind`` when given), in stack order."""
        return [w for w in self._arriving.get(node_id, ()) if kind is None or self.nodes[w.source].kind == kind]

    # ----------------------------------------------------------- problems
    def problem(self, node: str | None, setting: str | None, message: str, code: str = "compile") -> None:
        """Record a design problem; all of them are raised together after emission."""
        self.problems.append(Problem(node, setting, message, code=code))

    # --------------------------------------------------------- permissions
    def grant(self, principal: Parts, actions, resources, *, wire: Wire | None = None,
              purpose: str = "", condition: dict | None = None) -> StatementRecord:
        """Let ``principal``'s role perform ``actions`` on ``resources`` (Sub text)."""
        if principal.role is None:
            raise AssertionError(f"{principal.node.kind} {principal.node.id} has no role to grant to")
        record = StatementRecord(
            wire=str(Wire(wire.source, wire.target)) if wire else None, node=principal.node.id,
            principal=principal.role, actions=tuple(actions), resources=tuple(resources),
            purpose=purpose or (f"wire {wire.source} -> {wire.target}" if wire else ""),
            holder=principal.role, condition=condition)
        self.statements.append(record)
        return record

    def allow_service(self, target: str, policy: str, service: str, actions, resources, *,
                      holder: str, wire: Wire | None = None, purpose: str = "",
                      condition: dict | None = None, effect: str = "Allow") -> StatementRecord:
        """Add a resource-policy statement letting (or, with ``effect="Deny"``, stopping)
        ``service`` (an AWS service principal, or ``*``) acting on node ``target``."""
        record = StatementRecord(
            wire=str(Wire(wire.source, wire.target)) if wire else None, node=target,
            principal=service, actions=tuple(actions), resources=tuple(resources), kind="resource",
            purpose=purpose, holder=holder, condition=condition, effect=effect)
        self.statements.append(record)
        self.resource_policies.setdefault((target, policy), []).append(record)
        return record

    # -------------------------------------------------------------- extras
    def parameter(self, parameter: Parameter) -> str:
        """Declare a template parameter once; returns its Sub text reference."""
        self.parameters.setdefault(parameter.title, parameter)
        return "${%s}" % parameter.title

    def output(self, name: str, text: str, description: str) -> None:
        """Declare a stack output from Sub text."""
        self.outputs[name] = Output(name, Value=value(text), Description=description)

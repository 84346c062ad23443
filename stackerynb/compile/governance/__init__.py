"""Governance: rules every compiled template must follow, run on every compile.

Each built-in rule is a module in ``governance/rules/`` (found automatically) with ``ID``,
``DESCRIPTION``, ``SOURCE`` (a link explaining why) and ``check(context)``, a generator that
*yields* problems, as cfn-lint rules do, so the user sees all of them at once.

In an environment marked ``production: true`` any problem blocks the compile (StackError),
except those a rule marks advisory (``context.problem(..., advisory=True)``, a choice the user
may make knowingly); elsewhere each one is a :class:`GovernanceWarning` and is listed on the
compile result.

Add your own rule with the :func:`rule` decorator::

    from stackerynb.compile.governance import rule

    @rule("ORG001", "Functions stay under 1 GB", source="https://wiki.example.com/lambda-sizes")
    def small_functions(context):
        for logical_id, props in context.resources_of_type("AWS::Lambda::Function"):
            if props.get("MemorySize", 128) > 1024:
                yield context.problem(logical_id, "uses more than 1 GB of memory", setting="memory")

or pass ``rules=[...]`` to ``compile_stack`` for one compile only.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import warnings
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

from stackerynb.cfn.intrinsics import intrinsic_text
from stackerynb.errors import Problem, StackError


ADVISORY = "advisory"  # a rule's problem that only warns, even in production


class GovernanceWarning(UserWarning):
    """A governance problem in an environment not marked production (there it would block)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# Shown on every compile, not once per session (a notebook recompiles the same stack often);
# appended, so any filter the user sets still wins.
warnings.simplefilter("always", GovernanceWarning, append=True)


@dataclass(frozen=True)
class Rule:
    """A governance rule: ``check(context)`` yields Problems (``context.problem(...)`` makes them)."""

    id: str
    description: str
    source: str
    check: Callable[["GovernanceContext"], Iterable[Problem]]


class GovernanceContext:
    """What a rule looks at: the template as JSON data, the stack and the environment.

    ``owners`` maps logical ids to the node that produced them, so problems name nodes.
    """

    def __init__(self, template: dict, stack, environment, owners: dict[str, str]):
        self.template = template
        self.resources: dict[str, dict] = template.get("Resources", {})
        self.stack = stack
        self.environment = environment
        self.owners = owners
        self._rule: Rule | None = None

    @property
    def production(self) -> bool:
        return bool(getattr(self.environment, "production", False))

    def resources_of_type(self, *types: str) -> Iterator[tuple[str, dict]]:
        """``(logical id, properties)`` of every resource of the given types."""
        for lid, body in self.resources.items():
            if body.get("Type") in types:
                yield lid, body.get("Properties", {})

    def kind_of(self, logical_id: str) -> str | None:
        """The kind of the node that produced ``logical_id``."""
        node = self.owners.get(logical_id)
        if node is None or node not in self.stack:
            return None
        return self.stack.node(node).kind

    def problem(self, logical_id: str | None, message: str, setting: str | None = None, *,
                advisory: bool = False) -> Problem:
        """A problem about resource ``logical_id``, attributed to the node that produced it.

        ``advisory=True`` makes it a warning even in production: a choice the user may make
        knowingly (an API open to anyone), said out loud rather than blocked."""
        node = self.owners.get(logical_id) if logical_id else None
        where = f" ({logical_id})" if logical_id and logical_id != node else ""
        rule_id = self._rule.id if self._rule else "governance"
        return Problem(node, setting, f"[{rule_id}] {message}{where}", code=rule_id,
                       severity=ADVISORY if advisory else "error")


_BUILTIN: list[Rule] | None = None
_REGISTERED: dict[str, Rule] = {}


def builtin_rules() -> list[Rule]:
    """The rules shipped in ``governance/rules/``, one per module, in module-name order."""
    global _BUILTIN
    if _BUILTIN is None:
        from stackerynb.compile.governance import rules as package
        found = []
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found.append(Rule(module.ID, module.DESCRIPTION, module.SOURCE, module.check))
        _BUILTIN = found
    return list(_BUILTIN)


def rule(rule_id: str, description: str, source: str = "") -> Callable:
    """Decorator registering a user rule for every later compile (see the module docstring)."""
    def register(check: Callable) -> Callable:
        _REGISTERED[rule_id] = Rule(rule_id, description, source, check)
        return check
    return register


def unregister(rule_id: str) -> None:
    """Forget a user rule registered with :func:`rule`."""
    _REGISTERED.pop(rule_id, None)


def active_rules(extra: Iterable[Rule] = ()) -> list[Rule]:
    """Built-in rules, then registered user rules, then ``extra`` (one compile's own)."""
    return builtin_rules() + list(_REGISTERED.values()) + [as_rule(r) for r in extra]


def as_rule(candidate) -> Rule:
    """Accept a Rule or a plain check function (its name and docstring describe it)."""
    if isinstance(candidate, Rule):
        return candidate
    if callable(candidate):
        doc = (candidate.__doc__ or candidate.__name__).strip().splitlines()[0]
        return Rule(getattr(candidate, "__name__", "custom"), doc, "", candidate)
    raise StackError(f"a governance rule must be a Rule or a function, got {candidate!r}")


def run(template: dict, stack, environment, owners: dict[str, str], extra: Iterable[Rule] = ()) -> list[Problem]:
    """Every problem every rule finds; severity ``error`` in production, ``warning`` elsewhere."""
    context = GovernanceContext(template, stack, environment, owners)
    severity = "error" if context.production else "warning"
    found: list[Problem] = []
    for current in active_rules(extra):
        context._rule = current
        try:
            problems = list(current.check(context) or ())
        except StackError:
            raise
        except Exception as exc:  # a broken rule must say which rule, not crash the compile obscurely
            raise StackError(f"governance rule {current.id} ({current.description}) failed: "
                             f"{type(exc).__name__}: {exc}") from exc
        for problem in problems:
            if not isinstance(problem, Problem):
                problem = Problem(None, None, f"[{current.id}] {problem}", code=current.id)
            found.append(replace(problem, severity="warning" if problem.severity == ADVISORY else severity))
    return found


def report(problems: list[Problem], environment, *, warn: bool = True) -> None:
    """Block on problems in production; warn (GovernanceWarning) about them elsewhere."""
    blocking = [p for p in problems if p.severity == "error"]
    if blocking and getattr(environment, "production", False):
        raise StackError(f"governance blocks the compile for production environment "
                         f"{environment.name!r} ({len(blocking)} problem(s)):", blocking)
    if warn:
        for problem in problems:
            warnings.warn(GovernanceWarning(problem), stacklevel=4)


def statements(resources: dict[str, dict]) -> Iterator[tuple[str, dict]]:
    """``(logical id, statement)`` for every policy statement in the template: role and
    managed policies, queue/topic/bucket policies, REST API policies and Lambda permissions."""
    for lid, body in resources.items():
        kind, props = body.get("Type"), body.get("Properties", {})
        documents = []
        if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            documents = [p.get("PolicyDocument") for p in as_list(props.get("Policies")) if isinstance(p, dict)]
        elif kind in SAM_WITH_POLICIES:  # inline documents among SAM's Policies
            documents = [p for p in as_list(props.get("Policies")) if isinstance(p, dict) and "Statement" in p]
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::SQS::QueuePolicy",
                      "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"):
            documents = [props.get("PolicyDocument")]
        elif kind == "AWS::ApiGateway::RestApi" and isinstance(props.get("Policy"), dict):
            documents = [props["Policy"]]
        elif kind == "AWS::Lambda::Permission":
            yield lid, {"Effect": "Allow", "Action": props.get("Action"), "Resource": props.get("FunctionName")}
        for doc in documents:
            if not isinstance(doc, dict):
                continue
            found = doc.get("Statement", [])
            for statement in [found] if isinstance(found, dict) else found:
                if isinstance(statement, dict):
                    yield lid, statement


SAM_WITH_POLICIES = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")
_AWS_MANAGED = re.compile(r"^arn:(?:aws[a-z-]*|\$\{AWS::Partition\}):iam::aws:policy/(.+)$")


def managed_policies(resources: dict[str, dict]) -> Iterator[tuple[str, str]]:
    """``(logical id, name)`` for every AWS managed policy attached in the template: a role's,
    user's or group's ``ManagedPolicyArns`` (``arn:aws:iam::aws:policy/NAME``, also written with
    ``${AWS::Partition}`` or Fn::Join) and the policy names or ARNs among SAM ``Policies``.
    The name keeps its path: ``job-function/SystemAdministrator``."""
    for lid, body in resources.items():
        kind, props = body.get("Type"), body.get("Properties", {})
        if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            values = as_list(props.get("ManagedPolicyArns"))
        elif kind in SAM_WITH_POLICIES:
            values = [p for p in as_list(props.get("Policies")) if not isinstance(p, dict) or "Statement" not in p]
        else:
            continue
        for item in values:
            text = intrinsic_text(item)
            if text is None:
                continue
            found = _AWS_MANAGED.match(text)
            if found:
                yield lid, found.group(1)
            elif kind in SAM_WITH_POLICIES and not text.startswith("arn:") and "${" not in text:
                yield lid, text  # SAM reads a bare name as an AWS managed policy


def as_list(value) -> list:
    """A policy field (one value or a list) as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]

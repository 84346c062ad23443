"""Compile a stack to CloudFormation (a troposphere Template) for one environment.

    template = compile_stack(stack, env)            # validates, compiles, runs governance
    result = compile_report(stack, env)             # the template plus what governance found
    permissions_table(stack, env)                   # every generated policy statement
    placement_table(stack, env)                     # which resource sits in which subnet tier
    split_stack(stack)                              # smaller stacks when one has > 500 resources
    compile_parts(stack, env)                       # one CompileResult per template, built once if it fits

Governance problems block the compile in an environment marked ``production`` (StackError);
elsewhere each is a :class:`GovernanceWarning` (``warnings.warn``) and is listed in
``compile_report(...).problems``.

Templates list resources in dependency order; write them with
``template.to_json(sort_keys=False)`` (or ``result.to_json()``) to keep that order. The
template's Metadata is left free for the caller (``metadata=`` sets it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from troposphere import encode_to_dict

from stackerynb.compile import governance
from stackerynb.compile.compiler import MAX_RESOURCES, assemble, build, gc_paused
from stackerynb.compile.context import StatementRecord
from stackerynb.compile.governance import GovernanceWarning, Rule
from stackerynb.compile.split import split_counted, split_stack
from stackerynb.errors import Problem

if TYPE_CHECKING:
    import pandas
    from troposphere import Template

__all__ = ["compile_stack", "compile_report", "compile_parts", "permissions_table", "placement_table", "split_stack", "CompileResult",
           "GovernanceWarning", "Rule", "governance", "MAX_RESOURCES", "PERMISSION_COLUMNS"]

TEMPLATE_SECTIONS = ("AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters", "Rules",
                     "Mappings", "Conditions", "Resources", "Outputs")
PERMISSION_COLUMNS = ["wire", "principal", "actions", "resources", "effect", "kind", "node", "holder",
                      "purpose", "condition"]


@dataclass
class CompileResult:
    """One compile: the template, governance problems (warnings outside production), the
    generated statements, and which node produced each resource."""

    template: "Template"
    stack: object
    environment: object
    problems: list[Problem] = field(default_factory=list)
    statements: list[StatementRecord] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)
    # the resources as JSON data, made once while assembling (governance reads them too);
    # to_dict reuses them instead of asking troposphere to encode every resource again
    data: dict | None = field(default=None, repr=False)

    @property
    def resource_count(self) -> int:
        return len(self.template.resources)

    @property
    def warnings(self) -> list[Problem]:
        """Governance problems that did not block (all of them outside production)."""
        return [p for p in self.problems if p.severity == "warning"]

    def permissions(self) -> "pandas.DataFrame":
        """The statements as a DataFrame (see :func:`permissions_table`)."""
        return _frame(self.statements)

    def reasons(self) -> "pandas.DataFrame":
        """Why each resource exists: node, kind, resource, type, why (see compile.reasons)."""
        import pandas as pd

        from stackerynb.compile.reasons import resource_rows
        return pd.DataFrame(resource_rows(self.to_dict(), self.owners, self.stack),
                            columns=["node", "kind", "resource", "type", "why"])

    def to_dict(self) -> dict:
        """The template as data, sections in the customary order, resources in dependency order.

        Resource bodies are the ones governance judged (shared, not copied): copy before changing.
        """
        template = self.template
        resources = (self.data or {}).get("Resources")
        if resources is None or resources.keys() != template.resources.keys():
            data = template.to_dict()  # the template was changed after compiling: encode it afresh
        else:
            sections = {"AWSTemplateFormatVersion": template.version, "Transform": template.transform,
                        "Description": template.description, "Metadata": template.metadata,
                        "Parameters": template.parameters, "Rules": template.rules, "Mappings": template.mappings,
                        "Conditions": template.conditions, "Outputs": template.outputs}
            data = encode_to_dict({k: v for k, v in sections.items() if v})
            data["Resources"] = resources
        return {key: data[key] for key in TEMPLATE_SECTIONS if key in data}

    def to_json(self, indent: int | None = 2) -> str:
        """The template as JSON (see :meth:`to_dict`): indented by two spaces, or compact with
        ``indent=None`` (machine output). orjson writes it: the standard library's encoder
        falls back to pure Python whenever it indents, which cost as much as compiling."""
        data = self.to_dict()
        if indent in (2, None):
            import orjson
            return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0).decode()
        return json.dumps(data, indent=indent)

    def to_yaml(self) -> str:
        """The template as CloudFormation YAML (short-form intrinsics), in the same order."""
        from cfn_flip import to_yaml
        return to_yaml(self.to_json(), clean_up=True, long_form=False)


def compile_report(stack, environment, *, check: bool = True, rules: Iterable = (), code_locations=None,
                   metadata: dict | None = None, warn: bool = True) -> CompileResult:
    """Compile ``stack`` for ``environment`` and run governance; see the module docstring.

    ``code_locations`` maps function ids to packaged code ``(bucket, key)``; functions without
    one get their starter handler (empty ``code``) or an ``ArtifactBucket`` parameter.
    ``rules`` adds governance rules for this compile; ``check=False`` skips governance.
    Raises StackError naming every problem: invalid stack, settings that cannot work together,
    more than 500 resources, or governance problems in production.
    """
    environment = _environment(stack, environment)
    with gc_paused():
        ctx = build(stack, environment, code_locations=code_locations)
        return _report(ctx, stack, environment, check=check, rules=rules, metadata=metadata, warn=warn)


def _report(ctx, stack, environment, *, check=True, rules=(), metadata=None, warn=True) -> CompileResult:
    """Assemble a built compilation and run governance on it."""
    template, data = assemble(ctx)
    if metadata is not None:  # over the imported template's own Metadata (kept in the raw section)
        template.set_metadata({**template.metadata, **metadata})
    problems = governance.run(data, stack, environment, ctx.owners, extra=rules) if check else []
    governance.report(problems, environment, warn=warn)
    return CompileResult(template, stack, environment, problems, ctx.statements, dict(ctx.owners), data=data)


def compile_parts(stack, environment, *, max_resources: int = MAX_RESOURCES, **options) -> list[CompileResult]:
    """Compile ``stack`` into as few templates as hold it: ``[compile_report(stack)]`` when it
    fits one, else one result per part of :func:`split_stack` (options as compile_report).

    The stack is built once: that build counts the resources and is the compile. Over the limit,
    each template takes the resources of its part's nodes from the same build, so the parts keep
    the physical names the whole stack gives its resources (splitting renames nothing).
    A stack with a raw section is split with ``split_stack`` and its parts compiled apart.
    """
    environment = _environment(stack, environment)
    with gc_paused():
        ctx = build(stack, environment, code_locations=options.pop("code_locations", None))
        if len(ctx.resources) <= max_resources:
            return [_report(ctx, stack, environment, **options)]
        parts = split_counted(stack, ctx, max_resources=max_resources)
        if getattr(stack, "raw", None):
            return [compile_report(part, environment, code_locations={k: v for k, v in ctx.code_locations.items()
                                                                  if k in part}, **options) for part in parts]
        slices = _slices(ctx, parts)
        return [_report(PartOfBuild(ctx, part, *piece), part, environment, **options)
                for part, piece in zip(parts, slices)]


def _slices(ctx, parts) -> list[tuple[dict, list]]:
    """Each part's resources and statements, sorted out in one pass over the build."""
    index = {n.id: i for i, part in enumerate(parts) for n in part.nodes}
    slices: list[tuple[dict, list]] = [({}, []) for _ in parts]
    for lid, resource in ctx.resources.items():
        slices[index[ctx.owners[lid]]][0][lid] = resource
    for record in ctx.statements:
        slices[index[record.node]][1].append(record)
    return slices


class PartOfBuild:
    """The slice of a built compilation one part's template holds (what ``assemble`` reads)."""

    raw_added = True  # split stacks carry no raw section

    def __init__(self, ctx, part, resources: dict, statements: list):
        from stackerynb.compile.order import references

        self.stack, self.environment, self.stack_name, self.env_name = part, ctx.environment, part.name, ctx.env_name
        self.resources, self.statements = resources, statements
        self.owners = {lid: ctx.owners[lid] for lid in resources}
        self.nodes = {nid: node for nid, node in ctx.nodes.items() if nid in set(self.owners.values())}
        self.outputs = {k: o for k, o in ctx.outputs.items() if references(o.to_dict()) & resources.keys()}
        used: set[str] = set()
        if ctx.parameters:  # rare (packaged code, parameter-backed settings): find the ones this part uses
            for resource in resources.values():
                used |= references(resource.to_dict())
        self.parameters = {k: p for k, p in ctx.parameters.items() if k in used}


def compile_stack(stack, environment, *, check: bool = True, **options) -> "Template":
    """The troposphere Template of ``stack`` for ``environment`` (options as compile_report)."""
    return compile_report(stack, environment, check=check, **options).template


def permissions_table(stack, environment) -> "pandas.DataFrame":
    """Every generated policy statement, one row each: the wire it comes from (None for what a
    node needs for itself, like writing its logs), the principal (role logical id, or the AWS
    service a resource policy lets in), actions, resources (Fn::Sub text such as
    ``${Orders.Arn}/index/*``), effect, kind (identity | resource), node, holder (the role or
    policy resource), purpose and condition."""
    return _frame(build(stack, _environment(stack, environment)).statements)


def _frame(records: list[StatementRecord]) -> "pandas.DataFrame":
    import pandas as pd
    rows = [{"wire": r.wire, "principal": r.principal, "actions": list(r.actions), "resources": list(r.resources),
             "effect": r.effect, "kind": r.kind, "node": r.node, "holder": r.holder, "purpose": r.purpose,
             "condition": json.dumps(r.condition, sort_keys=True) if r.condition else None} for r in records]
    return pd.DataFrame(rows, columns=PERMISSION_COLUMNS)


def _environment(stack, environment):
    if isinstance(environment, str):
        return stack.environment(environment)
    return environment


def placement_table(stack, environment) -> "pandas.DataFrame":
    """One row per resource placed in a virtual network's subnets: node, resource, type, tier
    (public/private, read from the template's routes), subnets, internet_facing, and why."""
    import pandas as pd

    from stackerynb.compile.placement import placement_rows
    result = compile_report(stack, environment, warn=False)
    rows = placement_rows(result.template.to_dict(), result.owners, stack)
    return pd.DataFrame(rows, columns=["node", "kind", "resource", "type", "tier", "subnets", "internet_facing", "why"])

"""Importing SAM and CloudFormation templates into stacks.

``import_template(path)`` reads a template (YAML with short-form tags, or JSON), maps each
resource to a node kind where it can (settings carried over, checked by the catalogue),
derives wires from events, policies, role statements, environment variables, subscriptions
and connectors, and keeps every other resource untouched in the stack's raw template fragment
(``stack.raw``), which compiles back as it was. The report says, per resource, what it became
and why.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from stackerynb.importing.build import build
from stackerynb.importing.ids import stack_name_for
from stackerynb.importing.importer import plan_import
from stackerynb.importing.report import report_frame, report_rows, summary
from stackerynb.importing.template_reader import Template, parse_template, read_template

__all__ = ["import_template", "import_template_rows", "import_text", "read_template", "parse_template", "summary"]


def import_template(path: str | Path, *, name: str | None = None, stack_folder: str | Path | None = None):
    """Import the template at ``path``; returns ``(stack, report)``.

    ``name`` is the stack name (default: from the file name, e.g. ``orders__template.yaml`` ->
    ``orders``). ``stack_folder`` is where the stack file will live, so functions' code folders
    (relative to the template) are rewritten relative to it; by default they stay as written.
    Raises StackError naming the file and line when the template cannot be read.
    """
    stack, rows, attrs = import_template_rows(path, name=name, stack_folder=stack_folder)
    return stack, report_frame(rows, attrs)


def import_template_rows(path: str | Path, *, name: str | None = None, stack_folder: str | Path | None = None):
    """``import_template`` with the report as ``(rows, attrs)`` rather than a DataFrame:
    returns ``(stack, rows, attrs)``. The command line uses it, so it need not load pandas."""
    path = Path(path)
    template = read_template(path)
    return _import_rows(template, name or stack_name_for(path), path.parent,
                        Path(stack_folder) if stack_folder is not None else None)


def import_text(text: str, *, name: str = "imported", filename: str = "<template>"):
    """Import template text (YAML or JSON); returns ``(stack, report)``."""
    stack, rows, attrs = _import_rows(parse_template(text, filename), name, None, None)
    return stack, report_frame(rows, attrs)


def _placeholders(stack) -> list[str]:
    """Names used as ``${Name}`` in settings: each environment must give them a value."""
    import re
    found = []
    for node in stack.nodes:
        for value in (node.settings.get("environment") or {}).values():
            for name in re.findall(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}", str(value)):
                if name not in found:
                    found.append(name)
    return found


def _refuse_dangling_references(stack, template: Template) -> None:
    """A template whose resources refer to ids it does not define (nor SAM generates) cannot be
    deployed; say so naming the resource and its line, rather than import a broken stack."""
    from stackerynb.errors import StackError
    from stackerynb.model.rules import kept_references

    found = list(kept_references(stack))
    if found:
        problem = found[0]
        line = template.lines.get(problem.node, 1)
        raise StackError(f"{template.filename}:{line}: resource {problem.node} {problem.message.split(': put it')[0]}",
                         [dataclasses.replace(p, line=template.lines.get(p.node)) for p in found])


def _import_rows(template: Template, name: str, code_base: Path | None, stack_folder: Path | None):
    from stackerynb.errors import StackError
    from stackerynb.model.rules import STACK_NAME

    if not STACK_NAME.fullmatch(name):
        raise StackError(f"stack name {name!r} must be lower case letters, digits and dashes, starting "
                         "with a letter, at most 40 characters")
    plan = plan_import(template)
    stack, extras = build(plan, name, code_base, stack_folder)
    _refuse_dangling_references(stack, template)
    attrs = {
        "stack": name, "template": template.filename, "wires": len(stack.wires),
        "node_ids": dict(extras["node_ids"]), "id_map": extras["id_map"],
        "dropped_outputs": extras["dropped_outputs"],
    }
    attrs["environment_parameters"] = _placeholders(stack)
    return stack, report_rows(plan, extras), attrs

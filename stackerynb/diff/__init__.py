"""The semantic diff: what two templates mean differently, not how their text differs.

``semantic_diff(a, b)`` takes two templates (data, a file path, or template text; SAM or plain
CloudFormation: SAM is expanded offline with aws-sam-translator first) and returns DiffRows:
per principal the IAM it gets, per function its environment, triggers with their settings,
routes, invoke permissions, every other property by value, resources added or removed, and the
template's outputs, parameters, conditions, mappings and Transform. Resources are matched by
logical id, then (those SAM or the kit generate) by what they belong to; rows name the first
template's ids. ``diff_frame`` gives the rows as a DataFrame, ``rows_table`` as text.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from stackerynb.diff.rows import CATEGORIES, COLUMNS, DiffRow, rows_frame, rows_table, sort_rows
from stackerynb.errors import StackError

__all__ = ["semantic_diff", "diff_frame", "DiffRow", "CATEGORIES", "COLUMNS", "rows_table", "load_template"]


def load_template(source: Any, what: str = "template") -> dict:
    """A template as data from a dict (copied), a path, or YAML/JSON text."""
    from stackerynb.importing.template_reader import parse_template, read_template

    if isinstance(source, dict):
        if not isinstance(source.get("Resources"), dict):
            raise StackError(f"the {what} has no Resources section")
        return copy.deepcopy(source)
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and not source.lstrip().startswith("{")):
        return read_template(source).data
    if isinstance(source, str):
        return parse_template(source, f"<{what}>").data
    raise StackError(f"the {what} must be a template (a mapping, a file path or text), not {type(source).__name__}")


def _transform_rows(a: dict, b: dict) -> list[DiffRow]:
    from stackerynb.diff.sam import is_sam, serverless_resources, transforms

    rows = []
    other_a = {t for t in transforms(a) if not t.startswith("AWS::Serverless")}
    other_b = {t for t in transforms(b) if not t.startswith("AWS::Serverless")}
    for name in sorted(other_a - other_b):
        rows.append(DiffRow("transform", "Transform", name, name, "", f"the transform {name} is dropped"))
    for name in sorted(other_b - other_a):
        rows.append(DiffRow("transform", "Transform", name, "", name, f"the transform {name} is added"))
    for side, data, other in (("second", b, a), ("first", a, b)):
        stranded = serverless_resources(data)
        if stranded and not is_sam(data) and not (serverless_resources(other) and not is_sam(other)):
            before, after = ("AWS::Serverless-2016-10-31", "") if side == "second" else ("", "AWS::Serverless-2016-10-31")
            rows.append(DiffRow("transform", "Transform", "AWS::Serverless-2016-10-31", before, after,
                                f"the {side} template lacks the SAM transform, so its {', '.join(stranded[:3])}"
                                f"{'...' if len(stranded) > 3 else ''} (AWS::Serverless) are not valid CloudFormation"))
    return rows


def semantic_diff(a: Any, b: Any, *, region: str = "us-east-1") -> list[DiffRow]:
    """Differences in meaning between template ``a`` (before) and ``b`` (after), sorted by
    category, resource and key; empty when they mean the same."""
    from stackerynb.diff.iam import iam_rows
    from stackerynb.diff.match import match_resources, rename_template
    from stackerynb.diff.names import with_names_as_refs
    from stackerynb.diff.properties import environment_rows, resource_rows, section_rows
    from stackerynb.diff.routes import route_rows
    from stackerynb.diff.sam import expand_sam
    from stackerynb.diff.triggers import permission_rows, trigger_rows
    from stackerynb.diff.values import Canon

    data_a, data_b = load_template(a, "first template"), load_template(b, "second template")
    rows = _transform_rows(data_a, data_b)
    try:
        exp_a = expand_sam(data_a, region, force=True)
        exp_b = expand_sam(data_b, region, force=True)
    except StackError as exc:
        raise StackError(f"cannot compare: {exc}") from None
    for data in (exp_a, exp_b):
        resources = data.get("Resources")
        if not isinstance(resources, dict) or not all(isinstance(r, dict) for r in resources.values()):
            raise StackError("cannot compare: a template's Resources must be a mapping of resources")
    exp_a, exp_b = with_names_as_refs(exp_a), with_names_as_refs(exp_b)
    mapping = match_resources(exp_a["Resources"], exp_b["Resources"])
    exp_b = rename_template(exp_b, mapping, set(exp_a["Resources"]))
    res_a, res_b = exp_a["Resources"], exp_b["Resources"]
    canon_a, canon_b = Canon(res_a), Canon(res_b)
    rows += section_rows(exp_a, exp_b, canon_a, canon_b)
    rows += resource_rows(res_a, res_b, canon_a, canon_b)
    rows += iam_rows(res_a, res_b, canon_a, canon_b)
    rows += environment_rows(res_a, res_b, canon_a, canon_b)
    rows += trigger_rows(res_a, res_b, canon_a, canon_b)
    rows += route_rows(res_a, res_b, canon_a, canon_b)
    rows += permission_rows(res_a, res_b, canon_a, canon_b)
    return sort_rows(rows)


def diff_frame(a: Any, b: Any, **options):
    """``semantic_diff`` as a pandas DataFrame with COLUMNS."""
    return rows_frame(semantic_diff(a, b, **options))

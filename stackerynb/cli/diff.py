"""``stackerynb diff A B``: what two templates mean differently (IAM per principal,
environment, triggers, routes, invoke permissions, properties, outputs, parameters...).

Either side may be SAM or CloudFormation, YAML or JSON (SAM is expanded offline first). Exit
status: 0 when they mean the same, 1 when they differ, 2 when a template cannot be read.
"""
from __future__ import annotations

import json
import sys

from stackerynb.errors import StackError


def register(sub) -> None:
    parser = sub.add_parser("diff", help="compare what two templates mean (SAM or CloudFormation)")
    parser.add_argument("before", help="first template (SAM or CloudFormation, YAML or JSON)")
    parser.add_argument("after", help="second template")
    parser.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    parser.set_defaults(func=run)


def run(args, out=None, err=None) -> int:
    from pathlib import Path

    from stackerynb.diff import COLUMNS, rows_table, semantic_diff

    out, err = out or sys.stdout, err or sys.stderr
    try:
        rows = semantic_diff(Path(args.before), Path(args.after))
    except StackError as exc:
        err.write(f"error: {exc}\n")
        return 2
    if args.json:
        out.write(json.dumps([{c: getattr(r, c) for c in COLUMNS} for r in rows], indent=1) + "\n")
    else:
        out.write(rows_table(rows) + "\n")
        if rows:
            err.write(f"{len(rows)} differences in meaning between {args.before} and {args.after}\n")
    return 1 if rows else 0

"""``stackerynb deployments FILE --env dev``: the deployment history, newest first."""
from __future__ import annotations

import sys

from stackerynb.cli.common import add_stack_arguments, load

SHOWN = ["deployment", "kind", "status", "current", "git_sha", "branch", "dirty", "user", "started",
         "duration_s", "changes", "failed_resource", "reason"]


def register(sub) -> None:
    parser = sub.add_parser("deployments", help="list current and previous deployments of a stack")
    add_stack_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the table as JSON records")
    parser.set_defaults(func=run)


def run(args, out=None) -> int:
    from stackerynb.deploy import deployments

    out = out or sys.stdout
    stack, environment = load(args)
    table = deployments(stack, environment)
    if args.json:
        out.write(table.to_json(orient="records", date_format="iso", indent=1) + "\n")
        return 0
    if table.empty:
        out.write(f"{stack.name} has no deployments in {environment.name}: deploy it with "
                  f"`stackerynb deploy {args.file} --env {environment.name}`\n")
        return 0
    shown = table[SHOWN].copy()
    shown["git_sha"] = shown["git_sha"].str[:12]
    shown["reason"] = shown["reason"].str.slice(0, 80)
    out.write(shown.to_string(index=False) + "\n")
    return 0

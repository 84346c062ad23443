"""``stackerynb validate FILE``: every problem on its own line, exit 1; or ``ok``, exit 0."""
from __future__ import annotations

import sys

from stackerynb.cli.common import add_stack_arguments
from stackerynb.model import Stack


def register(sub) -> None:
    parser = sub.add_parser("validate", help="check a stack file and list every problem")
    add_stack_arguments(parser, env=False)
    parser.set_defaults(func=run)


def run(args, out=None) -> int:
    out = out or sys.stdout
    stack = Stack.load(args.file)  # malformed files raise StackError, printed by main
    problems = stack.problems()
    for problem in problems:
        line = f" (line {problem.line})" if problem.line else ""
        out.write(f"{args.file}: {problem.where}: {problem.message}{line}\n")
    if any(p.severity == "error" for p in problems):
        return 1
    out.write("ok\n")
    return 0

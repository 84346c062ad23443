"""``stackerynb status FILE --env dev``: where the stack stands (also after an interrupted deploy)."""
from __future__ import annotations

import sys

from stackerynb.model import Stack


def register(sub) -> None:
    parser = sub.add_parser("status", help="show where a stack stands in an environment")
    parser.add_argument("file", help="stack file (stacks/NAME.yaml)")
    parser.add_argument("--env", default="dev", help="environment name (default: dev)")
    parser.set_defaults(func=run)


def run(args, out=None) -> int:
    from stackerynb.deploy import status

    out = out or sys.stdout
    stack = Stack.load(args.file)
    out.write(repr(status(stack, stack.environment(args.env))) + "\n")
    return 0

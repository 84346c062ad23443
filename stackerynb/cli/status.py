"""``stackerynb status FILE --env dev``: where the stack stands (also after an interrupted deploy)."""
from __future__ import annotations

import sys

from stackerynb.cli.common import add_stack_arguments, load


def register(sub) -> None:
    parser = sub.add_parser("status", help="show where a stack stands in an environment")
    add_stack_arguments(parser)
    parser.set_defaults(func=run)


def run(args, out=None) -> int:
    from stackerynb.deploy import status

    out = out or sys.stdout
    out.write(repr(status(*load(args))) + "\n")
    return 0

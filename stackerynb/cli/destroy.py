"""``stackerynb destroy FILE --env dev [--yes]``: tear the stack down after typing its name."""
from __future__ import annotations

import sys

from stackerynb.cli.common import add_stack_arguments, load, reporter


def register(sub) -> None:
    parser = sub.add_parser("destroy", help="delete a stack and all its resources from an environment")
    add_stack_arguments(parser, asks="destroy")
    parser.set_defaults(func=run)


def run(args, out=None, err=None, stdin=None) -> int:
    from stackerynb.deploy import confirm, engine

    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    stack, environment = load(args)
    teardown = engine.prepare_destroy(stack, environment)
    if teardown.status != "prepared":
        out.write(teardown.summary() + "\n")
        return 0
    out.write(teardown.preview() + "\n")
    if not args.yes and not confirm.ask_typed(
            f"This deletes every resource of {teardown.stack_name} ({environment.name}).",
            teardown.stack_name, stdin, out):
        out.write("not confirmed: nothing was destroyed\n")
        return 1
    teardown.execute(reporter=reporter(args, err))
    out.write(teardown.summary() + "\n")
    return 0 if teardown.status == "destroyed" else 1

"""``stackerynb destroy FILE --env dev [--yes]``: tear the stack down after typing its name."""
from __future__ import annotations

import sys

from stackerynb.model import Stack


def register(sub) -> None:
    parser = sub.add_parser("destroy", help="delete a stack and all its resources from an environment")
    parser.add_argument("file", help="stack file (stacks/NAME.yaml)")
    parser.add_argument("--env", default="dev", help="environment name (default: dev)")
    parser.add_argument("--yes", action="store_true", help="destroy without asking")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args, out=None, err=None, stdin=None) -> int:
    from stackerynb.deploy import confirm, engine
    from stackerynb.deploy.progress import NullReporter, TqdmReporter

    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    stack = Stack.load(args.file)
    environment = stack.environment(args.env)
    teardown = engine.prepare_destroy(stack, environment)
    if teardown.status != "prepared":
        out.write(teardown.summary() + "\n")
        return 0
    out.write(repr(teardown) + "\n")
    if not args.yes and not confirm.ask_typed(
            f"This deletes every resource of {teardown.stack_name} ({environment.name}).",
            teardown.stack_name, stdin, out):
        out.write("not confirmed: nothing was destroyed\n")
        return 1
    teardown.execute(reporter=NullReporter() if args.quiet else TqdmReporter(file=err, summary=False))
    out.write(teardown.summary() + "\n")
    return 0 if teardown.status == "destroyed" else 1

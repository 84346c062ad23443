"""``stackerynb deploy FILE --env dev [--yes]``: package, compile, preview, confirm, execute.

Prints the change set, asks on stdin unless ``--yes`` (anything but y/yes cancels and deletes
the change set; a production environment asks for the stack name to be typed), then follows the deployment with a progress bar on stderr. Exit status 0 when
the deployment succeeded or there was nothing to change, 1 when it failed or was cancelled.
"""
from __future__ import annotations

import sys

from stackerynb.model import Stack


def register(sub) -> None:
    parser = sub.add_parser("deploy", help="deploy a stack to an environment (change set, confirm, execute)")
    parser.add_argument("file", help="stack file (stacks/NAME.yaml)")
    parser.add_argument("--env", default="dev", help="environment name from environments.yaml (default: dev)")
    parser.add_argument("--yes", action="store_true", help="execute without asking")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args, out=None, err=None, stdin=None) -> int:
    from stackerynb.deploy import confirm, prepare
    from stackerynb.deploy.progress import NullReporter, TqdmReporter

    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    stack = Stack.load(args.file)
    environment = stack.environment(args.env)
    reporter = NullReporter() if args.quiet else TqdmReporter(file=err, summary=False)
    deployment = prepare(stack, environment, reporter=reporter)
    out.write(repr(deployment) + "\n")
    if deployment.status != "prepared":
        return 0
    if not args.yes and not confirm.ask_to_execute(deployment, environment, stdin, out):
        deployment.cancel()
        out.write("cancelled: the change set was deleted, nothing was changed\n")
        return 1
    deployment.execute(reporter=reporter)
    out.write(deployment.summary() + "\n")
    return 0 if deployment.status == "succeeded" else 1

"""``stackerynb deploy FILE --env dev [--yes]``: package, compile, preview, confirm, execute.

Prints the change set, asks on stdin unless ``--yes`` (anything but y/yes cancels and deletes
the change set; a production environment asks for the stack name to be typed), then follows the deployment with a progress bar on stderr. Exit status 0 when
the deployment succeeded or there was nothing to change, 1 when it failed or was cancelled.
"""
from __future__ import annotations

import sys

from stackerynb.cli.common import add_stack_arguments, load, reporter


def register(sub) -> None:
    parser = sub.add_parser("deploy", help="deploy a stack to an environment (change set, confirm, execute)")
    add_stack_arguments(parser, asks="execute")
    parser.set_defaults(func=run)


def run(args, out=None, err=None, stdin=None) -> int:
    from stackerynb.deploy import confirm, deploy, prepare

    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    stack, environment = load(args)
    progress = reporter(args, err)
    if args.yes:  # holds the deploy lock from preparing to the end
        deployment = deploy(stack, environment, yes=True, reporter=progress)
        out.write(deployment.preview() + "\n")
        return 0 if deployment.status in ("succeeded", "no changes") else 1
    deployment = prepare(stack, environment, reporter=progress)
    out.write(deployment.preview() + "\n")
    if deployment.status != "prepared":
        return 0
    if not confirm.ask_to_execute(deployment, environment, stdin, out):
        deployment.cancel()
        out.write("cancelled: the change set was deleted, nothing was changed\n")
        return 1
    deployment.execute(reporter=progress)
    out.write(deployment.summary() + "\n")
    return 0 if deployment.status == "succeeded" else 1

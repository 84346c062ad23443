"""Arguments and steps the stack commands share: which file, which environment, how loud."""
from __future__ import annotations

from stackerynb.model import Stack


def add_stack_arguments(parser, *, env: bool = True, asks: str | None = None) -> None:
    """``FILE`` and, when ``env``, ``--env``; when the command asks before acting, ``--yes``
    (``asks`` says what it does without asking) and ``--quiet``."""
    parser.add_argument("file", help="stack file (stacks/NAME.yaml)")
    if env:
        parser.add_argument("--env", default="dev", help="environment name from environments.yaml (default: dev)")
    if asks:
        parser.add_argument("--yes", action="store_true", help=f"{asks} without asking")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")


def load(args) -> tuple[Stack, object]:
    """The stack named on the command line and its environment."""
    stack = Stack.load(args.file)
    return stack, stack.environment(args.env)


def reporter(args, err):
    """A progress bar on ``err``, or nothing with ``--quiet``."""
    from stackerynb.deploy.progress import NullReporter, TqdmReporter
    return NullReporter() if args.quiet else TqdmReporter(file=err, summary=False)

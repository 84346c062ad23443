"""``stackerynb`` on the command line: one module per command in this package.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> int`` as the parser default. Commands are found by name in COMMANDS, so a
new command is a new module plus one name here.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from stackerynb.errors import StackError

COMMANDS = ("kinds", "validate", "compile", "deploy", "deployments", "cost", "import_template", "status", "destroy", "local")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available command."""
    parser = argparse.ArgumentParser(prog="stackerynb", description="Design, compile, deploy and analyse serverless AWS stacks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"stackerynb.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"stackerynb.cli.{name}":
                continue  # that part of the kit is not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here rather than at interpreter exit
        return status
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``stackerynb kinds | head``): stop quietly, the Python docs'
        # recipe (signal module, "Note on SIGPIPE"). Output still buffered would raise again
        # when Python flushes stdout at exit, so stdout is pointed at devnull first.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):  # stdout is not a file (called in-process)
            pass
        return 141  # 128 + SIGPIPE, what a shell reports for a command ended by a closed pipe


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

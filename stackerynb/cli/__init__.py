"""``stackerynb`` on the command line: one module per command in this package.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> int`` as the parser default. Commands are found by name in COMMANDS, so a
new command is a new module plus one name here.
"""
from __future__ import annotations

import argparse
import importlib
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
        return int(args.func(args) or 0)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

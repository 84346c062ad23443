"""``stackerynb`` on the command line: one module per command in this package.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> int`` as the parser default. COMMANDS names every command with its module and
one-line help as data, so ``stackerynb --help`` lists them all without importing any, and a run
imports and builds only the parser of the command it runs (a command module may pull in pandas,
cfn-lint, samtranslator or boto3; start-up stays near a bare interpreter's). A new command is a
new module plus one row here; a test checks each row's help against what its module registers.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from stackerynb.errors import StackError

# command name -> (module in this package, one-line help shown by ``stackerynb --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "kinds": ("kinds", "list node kinds, or everything about one kind"),
    "validate": ("validate", "check a stack file and list every problem"),
    "compile": ("compile", "compile a stack file to a CloudFormation template"),
    "deploy": ("deploy", "deploy a stack to an environment (change set, confirm, execute)"),
    "deployments": ("deployments", "list current and previous deployments of a stack"),
    "cost": ("cost", "compare the design with consolidated alternatives: cost, cold starts, latency"),
    "diff": ("diff", "compare what two templates mean (SAM or CloudFormation)"),
    "import": ("import_template", "import a SAM or CloudFormation template into a stack file"),
    "status": ("status", "show where a stack stands in an environment"),
    "destroy": ("destroy", "delete a stack and all its resources from an environment"),
    "local": ("local", "start, stop or show the project's local emulator"),
}


def chosen_command(argv: list[str]) -> str | None:
    """The command ``argv`` runs: its first word not starting with ``-`` (the top-level parser
    has no options taking a value), or None."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: every command listed with its help; only ``command``'s own parser
    (its module imported) is built in full. ``command="*"`` builds them all."""
    parser = argparse.ArgumentParser(prog="stackerynb", description="Design, compile, deploy and analyse serverless AWS stacks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_line) in COMMANDS.items():
        if command in (name, "*"):
            importlib.import_module(f"stackerynb.cli.{module_name}").register(sub)
        else:
            sub.add_parser(name, help=help_line)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(chosen_command(argv))
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

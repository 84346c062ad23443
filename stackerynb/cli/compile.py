"""``stackerynb compile FILE --env dev -o template.json``: write the CloudFormation template.

Governance warnings go to stderr; in a production environment they are errors (exit 1, and
nothing is written). The output file is replaced atomically, so a failed compile never
leaves half a template behind.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from stackerynb.model import Stack


def register(sub) -> None:
    parser = sub.add_parser("compile", help="compile a stack file to a CloudFormation template")
    parser.add_argument("file", help="stack file (stacks/NAME.yaml)")
    parser.add_argument("--env", default="dev", help="environment to compile for (default: dev)")
    parser.add_argument("-o", "--output", default="-", help="template file to write; - for stdout (default)")
    parser.add_argument("--format", choices=("json", "yaml"), default=None,
                        help="template format (default: from the output's suffix, else json)")
    parser.set_defaults(func=run)


def run(args, out=None, err=None) -> int:
    from stackerynb.compile import compile_report  # troposphere is loaded only for this command

    out, err = out or sys.stdout, err or sys.stderr
    stack = Stack.load(args.file)
    environment = stack.environment(args.env)
    result = compile_report(stack, environment, warn=False)  # StackError: printed by main, exit 1
    for problem in result.warnings:
        err.write(f"warning: {args.file}: {problem}\n")
    fmt = args.format or ("yaml" if str(args.output).endswith((".yaml", ".yml")) else "json")
    text = result.to_yaml() if fmt == "yaml" else result.to_json() + "\n"
    if args.output == "-":
        out.write(text)
        return 0
    _write_atomically(Path(args.output), text)
    err.write(f"wrote {args.output}: {result.resource_count} resources for environment {environment.name}\n")
    return 0


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes owner-only files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

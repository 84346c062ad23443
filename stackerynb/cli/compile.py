"""``stackerynb compile FILE --env dev -o template.json``: write the CloudFormation template.

Governance warnings go to stderr; in a production environment they are errors (exit 1, and
nothing is written). A regular output file is replaced atomically, so a failed compile never
leaves half a template behind; a symlink is followed (its target is replaced), a device or pipe
(``-o /dev/null``, ``-o /dev/stdout``) is written directly, and any other special file is refused.
"""
from __future__ import annotations

import sys

from stackerynb.store.files import write_atomically
from stackerynb.cli.common import add_stack_arguments, load


def register(sub) -> None:
    parser = sub.add_parser("compile", help="compile a stack file to a CloudFormation template")
    add_stack_arguments(parser)
    parser.add_argument("-o", "--output", default="-", help="template file to write; - for stdout (default)")
    parser.add_argument("--format", choices=("json", "yaml"), default=None,
                        help="template format (default: from the output's suffix, else json)")
    parser.set_defaults(func=run)


def run(args, out=None, err=None) -> int:
    from stackerynb.compile import compile_report  # troposphere is loaded only for this command

    out, err = out or sys.stdout, err or sys.stderr
    stack, environment = load(args)
    result = compile_report(stack, environment, warn=False)  # StackError: printed by main, exit 1
    for problem in result.warnings:
        err.write(f"warning: {args.file}: {problem}\n")
    fmt = args.format or ("yaml" if str(args.output).endswith((".yaml", ".yml")) else "json")
    text = result.to_yaml() if fmt == "yaml" else result.to_json() + "\n"
    if args.output == "-":
        out.write(text)
        return 0
    write_atomically(args.output, text)
    err.write(f"wrote {args.output}: {result.resource_count} resources for environment {environment.name}\n")
    return 0

"""``stackerynb kinds [KIND] [--json | --markdown]``: the node catalogue, or the full reference
of one kind (settings, wires in and out with what they grant, what it compiles to)."""
from __future__ import annotations

import json
import sys

from stackerynb.catalog import kinds, wire_targets
from stackerynb.cli import kind_reference
from stackerynb.cli.common import terminal_width, wrapped_table


def register(sub) -> None:
    parser = sub.add_parser(
        "kinds", help="list node kinds, or everything about one kind",
        description="List the node kinds with their settings and wires; with KIND, the reference of that "
                    "kind: every setting with type, default, allowed values and help, the wires it accepts "
                    "(out and in) with the IAM actions, environment variables and event sources they bring, "
                    "and the CloudFormation resource types it compiles to.")
    parser.add_argument("kind", nargs="?", metavar="KIND", help="one kind to describe in full (e.g. function)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the catalogue (or KIND's reference) as JSON")
    output.add_argument("--markdown", action="store_true",
                        help="print the reference as Markdown (without KIND: the page docs/kinds.md)")
    parser.set_defaults(func=run)


def run(args, out=None) -> int:
    out = out or sys.stdout
    if args.kind:
        kind_reference.check_kind(args.kind)  # an unknown kind fails before anything is written
        if args.json:
            out.write(json.dumps(kind_reference.reference(args.kind), indent=2, ensure_ascii=False) + "\n")
        elif args.markdown:
            out.write(kind_reference.markdown_kind(args.kind) + "\n")
        else:
            out.write(kind_reference.text(args.kind, terminal_width()))
        return 0
    if args.markdown:
        out.write(kind_reference.markdown())
        return 0
    if args.json:
        data = [dict(k.describe(), wires_to=wire_targets(k.name)) for k in kinds()]
        json.dump({"kinds": data}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    rows = [{
        "kind": k.name,  # the label is the kind's name in words: KIND and --json give it
        "network": k.network if k.network == "none" else f"{k.network} ({k.tier})",
        "settings": ", ".join(f"{s.name}={s.default!r}" if s.default not in ({}, [], "") else s.name
                              for s in k.settings.values()),
        "wires to": ", ".join(wire_targets(k.name)) or "-",
    } for k in kinds()]
    out.write(wrapped_table(rows, terminal_width()))
    out.write("\n`stackerynb kinds KIND` describes one kind in full.\n")
    return 0

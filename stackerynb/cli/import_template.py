"""``stackerynb import TEMPLATE -o stacks/NAME.yaml``: turn a SAM or CloudFormation template
into a stack file and print what became of each resource.

The stack file is written atomically, and an existing one is only replaced with ``--force``:
an import never half-writes or silently overwrites a design.
"""
from __future__ import annotations

import sys
from pathlib import Path

from stackerynb.errors import StackError

REPORT_COLUMNS = ("resource", "type", "outcome", "node", "reason")


def register(sub) -> None:
    parser = sub.add_parser("import", help="import a SAM or CloudFormation template into a stack file")
    parser.add_argument("template", help="template file (YAML with !Ref/!GetAtt/!Sub tags, or JSON)")
    parser.add_argument("-o", "--output", default=None,
                        help="stack file to write (default: stacks/NAME.yaml, NAME from the template's file name)")
    parser.add_argument("--name", default=None, help="stack name (default: from the template's file name)")
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")
    parser.add_argument("--report", default=None, metavar="CSV", help="also write the full report as CSV")
    parser.add_argument("--check", action="store_true",
                        help="compile the stack back and list every change in meaning from the template "
                             "(the semantic diff; loads the compiler and the SAM translator)")
    parser.set_defaults(func=run)


def run(args, out=None, err=None) -> int:
    from stackerynb.importing import import_template_rows

    out, err = out or sys.stdout, err or sys.stderr
    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not args.force:
        raise StackError(f"{output} exists; pass --force to replace it")
    folder = output.parent if output is not None else Path("stacks")
    stack, rows, attrs = import_template_rows(args.template, name=args.name, stack_folder=folder.resolve())
    if output is None:
        output = folder / f"{stack.name}.yaml"
        if output.exists() and not args.force:
            raise StackError(f"{output} exists; pass --force to replace it, or choose another file with -o")
    out.write(format_report(rows) + "\n")
    if output.exists():  # --force: the user asked to replace that file, whatever it holds
        from stackerynb.model.fileformat import write_stack
        write_stack(stack, output)
    else:
        stack.save(output)
    if args.report:  # pandas only when the full report is asked for
        from stackerynb.importing.report import report_frame
        report_frame(rows, attrs).to_csv(args.report, index=False)
    problems = stack.problems()
    for problem in problems:
        err.write(f"warning: {output}: {problem}\n")
    err.write(f"wrote {output}: {summary(rows, attrs)}\n")
    if getattr(args, "check", False):
        from stackerynb.diff import rows_table
        from stackerynb.importing import read_template
        from stackerynb.importing.report import meaning_line
        from stackerynb.importing.roundtrip import meaning_changes

        changes = meaning_changes(stack, read_template(args.template).data, attrs)
        if changes:
            out.write("\n" + rows_table(changes) + "\n")
        err.write(meaning_line(len(changes), args.template).replace(
            "stack.import_changes (or stack.diff(template))", "the table above") + "\n")
    else:
        err.write(f"to list what the stack changes in meaning: stackerynb import {args.template} --check\n")
    return 0


def summary(rows: list[dict], attrs: dict) -> str:
    """One line: how many resources became nodes, were absorbed, or stay raw (and the wires);
    the same words as ``stackerynb.importing.summary`` of the report frame."""
    from stackerynb.importing.report import OUTCOMES
    parts = [f"{sum(row['outcome'] == o for row in rows)} {o}" for o in OUTCOMES]
    generic = sum(row["outcome"] == "node" and row["kind"] == "resource" for row in rows)
    if generic:  # nodes that keep a resource verbatim, not a curated kind
        parts[0] += f" ({generic} resource)"
    if attrs.get("wires") is not None:
        parts.append(f"{attrs['wires']} wires")
    return ", ".join(parts)


def format_report(report) -> str:
    """The report (rows, or the report frame) as a plain text table (notes left out;
    ``--report`` writes everything)."""
    records = report.to_dict("records") if hasattr(report, "to_dict") else report
    rows = [[str(r[c]) if r[c] is not None and r[c] == r[c] else "" for c in REPORT_COLUMNS]
            for r in records]
    widths = [min(max([len(c)] + [len(row[i]) for row in rows]), 48 if c != "reason" else 200)
              for i, c in enumerate(REPORT_COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(REPORT_COLUMNS, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(_cut(v, w).ljust(w) for v, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

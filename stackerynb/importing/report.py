"""The import report: one row per template resource (and per node or raw resource the import
made), saying what it became and why."""
from __future__ import annotations

from stackerynb.importing.importer import Round

COLUMNS = ("resource", "type", "line", "outcome", "kind", "node", "reason", "notes")
OUTCOMES = ("node", "raw", "absorbed")


def template_notes(template) -> dict[str, list[str]]:
    """The template reader's warnings (keys given twice), by the resource whose lines hold
    them; those outside any resource go to the first resource."""
    starts = sorted((line, lid) for lid, line in template.lines.items() if line)
    out: dict[str, list[str]] = {}
    first = next(iter(template.resources), None)
    for line, message in template.warnings:
        owner = first
        for start, lid in starts:
            if start <= line:
                owner = lid
        if starts and line < starts[0][0]:
            owner = first
        out.setdefault(owner, []).append(f"line {line}: {message}")
    return out


def report_rows(rnd: Round, extras: dict) -> list[dict]:
    """Rows of the report, in template order, then what the import added."""
    node_ids = extras["node_ids"]
    renames = extras["raw_renames"]
    reader_notes = template_notes(rnd.template)
    rows = []
    for lid, resource in rnd.resources.items():
        row = {"resource": lid, "type": resource["Type"], "line": rnd.template.lines.get(lid),
               "kind": None, "node": None, "reason": "", "notes": "; ".join(reader_notes.get(lid, []) + rnd.notes.get(lid, []))}
        if lid in rnd.nodes:
            plan = rnd.nodes[lid]
            row.update(outcome="node", kind=plan.kind, node=node_ids[lid],
                       notes="; ".join(reader_notes.get(lid, []) + plan.notes + rnd.notes.get(lid, [])))
            if node_ids[lid] != lid:
                row["reason"] = f"node id {node_ids[lid]} (the logical id is not a valid node id)"
        elif lid in rnd.absorbed:
            row.update(outcome="absorbed", reason=f"became {rnd.absorbed[lid]}")
        elif lid in rnd.generic:
            # no curated kind took it (the reason says why): a resource node keeps it verbatim
            row.update(outcome="node", kind="resource", node=rnd.generic[lid],
                       reason=rnd.raw.get(lid, "kept verbatim as a resource node"))
        else:
            row.update(outcome="raw", reason=rnd.raw.get(lid, "kept as it is"))
            if lid in renames:
                row["notes"] = "; ".join(filter(None, [row["notes"], f"renamed {renames[lid]}: the compiler "
                                                       f"uses {lid} for a node's own resource"]))
        rows.append(row)
    for lid, plan in rnd.nodes.items():
        if lid in rnd.resources:
            continue
        rows.append({"resource": plan.origin or lid, "type": plan.type, "line": None, "outcome": "node",
                     "kind": plan.kind, "node": node_ids[lid], "reason": "made by the import",
                     "notes": "; ".join(plan.notes + rnd.notes.get(lid, []))})
    for rid in rnd.extra_raw:
        generic = rnd.generic.get(rid)
        rows.append({"resource": renames.get(rid, rid), "type": rnd.extra_raw[rid]["Type"], "line": None,
                     "outcome": "node" if generic else "raw", "kind": "resource" if generic else None,
                     "node": generic,
                     "reason": f"made by the import ({rnd.extra_origin.get(rid, 'generated')})",
                     "notes": "; ".join(rnd.notes.get(rid, []))})
    return rows


def report_frame(rows: list[dict], attrs: dict):
    """The report as a pandas DataFrame (``attrs`` carries stack-wide facts)."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["line"] = frame["line"].astype("Int64")
    frame.attrs.update(attrs)
    return frame


def summary(frame) -> str:
    """One line: how many resources became nodes, were absorbed, or stay raw (and how many
    changes in meaning the round trip found, once checked)."""
    counts = frame["outcome"].value_counts()
    parts = [f"{int(counts.get(o, 0))} {o}" for o in OUTCOMES]
    generic = int(((frame["outcome"] == "node") & (frame["kind"] == "resource")).sum())
    if generic:  # nodes that keep a resource verbatim, not a curated kind
        parts[0] += f" ({generic} resource)"
    wires = frame.attrs.get("wires")
    if wires is not None:
        parts.append(f"{wires} wires")
    changes = frame.attrs.get("meaning_changes")
    if changes is not None:
        parts.append(f"{len(changes)} changes in meaning")
    return ", ".join(parts)


def check_meaning(stack, frame):
    """Compile the imported ``stack`` back and diff it with its template; returns the rows as
    a DataFrame (the diff's columns; empty when the import changes nothing) and keeps them in
    ``frame.attrs["meaning_changes"]`` (as records: attrs must stay plain data)."""
    from stackerynb.diff import rows_frame
    from stackerynb.importing.roundtrip import meaning_changes
    from stackerynb.importing.template_reader import read_template

    original = read_template(frame.attrs["template"]).data
    rows = meaning_changes(stack, original, frame.attrs)
    frame.attrs["meaning_changes"] = [row.as_dict() for row in rows]
    return rows_frame(rows)


def meaning_line(count: int, template: str) -> str:
    """The line an import prints about its round trip."""
    if not count:
        return f"the stack compiles back to the meaning of {template} (no changes in meaning)"
    return (f"{count} changes in meaning between {template} and the stack compiled back: see "
            "stack.import_changes (or stack.diff(template))")

"""One difference in meaning between two templates, and ways to show a list of them."""
from __future__ import annotations

from dataclasses import asdict, dataclass

CATEGORIES = ("transform", "parameter", "condition", "mapping", "resource", "iam", "environment",
              "trigger", "route", "permission", "property", "output")
COLUMNS = ("category", "principal_or_resource", "key", "before", "after", "detail")


@dataclass(frozen=True)
class DiffRow:
    """A difference: its category, the principal or resource it concerns (logical id of the
    first template), what differs (``key``), the values before and after (text, empty when
    absent) and a sentence saying what it means."""

    category: str
    principal_or_resource: str
    key: str
    before: str
    after: str
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def sort_rows(rows: list[DiffRow]) -> list[DiffRow]:
    """Rows in category order, then by resource and key (stable, for tables and tests)."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(set(rows), key=lambda r: (order.get(r.category, 99), r.principal_or_resource, r.key,
                                             r.before, r.after))


def rows_frame(rows: list[DiffRow]):
    """The rows as a pandas DataFrame with COLUMNS."""
    import pandas as pd
    return pd.DataFrame([r.as_dict() for r in rows], columns=list(COLUMNS))


def rows_table(rows: list[DiffRow], width: int = 60) -> str:
    """The rows as a plain text table (one line per row, long cells cut)."""
    if not rows:
        return "no differences in meaning"
    cells = [[getattr(r, c) for c in COLUMNS] for r in rows]
    widths = [min(max([len(c)] + [len(row[i]) for row in cells]), width if c != "detail" else 400)
              for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)).rstrip()]
    for row in cells:
        lines.append("  ".join(_cut(v, w).ljust(w) for v, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"

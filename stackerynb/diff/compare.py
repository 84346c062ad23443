"""Comparing two keyed collections of canonical values into rows (the engine every category uses)."""
from __future__ import annotations

from typing import Callable

from stackerynb.diff.rows import DiffRow
from stackerynb.diff.values import key_of, shown


def keyed_rows(category: str, before: dict, after: dict, *, owner: Callable[[tuple], str],
               key: Callable[[tuple], str], what: Callable[[tuple], str], deep: bool = True) -> list[DiffRow]:
    """Rows for ``before``/``after`` ({identity tuple: canonical value}): one per identity added
    or removed, and, when ``deep`` and both values are mappings, one per setting that differs."""
    rows = []
    for ident in sorted(set(before) | set(after), key=lambda i: key_of(list(i))):
        old, new = before.get(ident), after.get(ident)
        if ident not in after:
            rows.append(DiffRow(category, owner(ident), key(ident), shown(old), "", f"{what(ident)} is removed"))
        elif ident not in before:
            rows.append(DiffRow(category, owner(ident), key(ident), "", shown(new), f"{what(ident)} is added"))
        elif key_of(old) != key_of(new):
            if deep and isinstance(old, dict) and isinstance(new, dict):
                for setting in sorted(set(old) | set(new)):
                    if key_of(old.get(setting)) != key_of(new.get(setting)):
                        rows.append(setting_row(category, owner(ident), f"{key(ident)} {setting}".strip(),
                                                old.get(setting), new.get(setting), f"{what(ident)}: {setting}",
                                                setting in old, setting in new))
            else:
                rows.append(DiffRow(category, owner(ident), key(ident), shown(old), shown(new),
                                    f"{what(ident)} changes from {shown(old, 60)} to {shown(new, 60)}"))
    return rows


def setting_row(category: str, owner: str, key: str, old, new, what: str, had: bool = True,
                has: bool = True) -> DiffRow:
    """One setting that differs: dropped, added or changed."""
    if not has:
        detail = f"{what} ({shown(old, 60)}) is dropped"
    elif not had:
        detail = f"{what} is added ({shown(new, 60)})"
    else:
        detail = f"{what} changes from {shown(old, 60)} to {shown(new, 60)}"
    return DiffRow(category, owner, key, shown(old) if had else "", shown(new) if has else "", detail)

"""Node ids and stack names for imported templates."""
from __future__ import annotations

import re
from pathlib import Path

from stackerynb.model.rules import LOGICAL_ID, STACK_NAME


def node_id_for(logical_id: str, taken: set[str]) -> str:
    """A valid, unused node id for ``logical_id``: the id itself when it fits
    ``[A-Za-z][A-Za-z0-9]{0,63}``, else its letters and digits (prefixed with ``R`` when it
    starts with a digit), cut to 64 characters and numbered when needed to stay unique."""
    if LOGICAL_ID.fullmatch(logical_id) and logical_id not in taken:
        return logical_id
    base = re.sub(r"[^A-Za-z0-9]", "", logical_id) or "Resource"
    if not base[0].isalpha():
        base = "R" + base
    base = base[:64]
    candidate, n = base, 2
    while candidate in taken or not LOGICAL_ID.fullmatch(candidate):
        suffix = str(n)
        candidate = base[: 64 - len(suffix)] + suffix
        n += 1
    return candidate


def unique_id(wanted: str, taken: set[str]) -> str:
    """``wanted`` (made valid) or ``wanted2``, ``wanted3``... whichever is free; it is added to ``taken``."""
    chosen = node_id_for(wanted, taken)
    taken.add(chosen)
    return chosen


def stack_name_for(path: str | Path) -> str:
    """A stack name from a template's file name: ``orders-api__template.yaml`` -> ``orders-api``.

    Lower case letters, digits and dashes, starting with a letter, at most 40 characters; a
    file called just ``template.yaml`` takes its folder's name.
    """
    path = Path(path)
    stem = path.stem.lower()
    stem = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
    trimmed = re.sub(r"-*(sam-)?template$", "", stem).strip("-")
    if not trimmed:
        trimmed = re.sub(r"[^a-z0-9]+", "-", path.resolve().parent.name.lower()).strip("-")
    trimmed = re.sub(r"^[^a-z]+", "", trimmed)
    name = trimmed[:40].rstrip("-") or "imported"
    return name if STACK_NAME.fullmatch(name) else "imported"

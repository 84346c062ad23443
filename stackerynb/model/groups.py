"""Connected groups of a design: what wires, placements or calls join, found once for the
compiler's split, the diagram's layout and the analysis's consolidation."""
from __future__ import annotations

from typing import Iterable, Sequence


def connected_groups(pairs: Iterable[tuple[str, str]], order: Sequence[str],
                     min_size: int = 1) -> list[tuple[str, ...]]:
    """Connected components (of at least ``min_size``) of the undirected relation ``pairs`` over
    the items of ``order``, members and components in the order of ``order``."""
    parent = {item: item for item in order}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for item in order:
        groups.setdefault(find(item), []).append(item)
    return [tuple(g) for g in groups.values() if len(g) >= min_size]

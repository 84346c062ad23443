"""Nodes and wires: immutable values a Stack holds."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from stackerynb.catalog import kind as catalog_kind


@dataclass(frozen=True)
class Node:
    """A building block of a stack: ``id`` (its CloudFormation logical id), ``kind``, the
    settings the user set explicitly, and the virtual network it sits in (if any)."""

    id: str
    kind: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    network: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    def get(self, name: str) -> Any:
        """The setting's effective value: what the user set, else the catalogue default."""
        if name in self.settings:
            return self.settings[name]
        spec = catalog_kind(self.kind)
        if spec is None or name not in spec.settings:
            raise KeyError(f"{self.id}: {self.kind} has no setting {name!r}")
        return spec.settings[name].default

    def effective_settings(self) -> dict[str, Any]:
        """Every setting of the kind with its effective value (unknown extras included)."""
        spec = catalog_kind(self.kind)
        values = spec.defaults() if spec else {}
        values.update(self.settings)
        return values


@dataclass(frozen=True)
class Wire:
    """``source -> target``: the source sends to or uses the target. ``access`` is None for the
    profile's default, or the access level(s) asked for (e.g. ``"read"``). ``settings`` refine
    what the wire generates (see ``stackerynb.catalog.wire_settings``): the environment variable
    names the source's code reads, exact IAM actions, event-source settings; an import fills them
    with what the template said, so compiling it back changes nothing."""

    source: str
    target: str
    access: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    def __hash__(self):
        return hash((self.source, self.target, self.access))

    def __str__(self) -> str:
        suffix = f" ({self.access})" if self.access else ""
        return f"{self.source} -> {self.target}{suffix}"


@dataclass(frozen=True)
class Change:
    """One edit of a stack, as observers receive it.

    ``op`` is one of add, remove, rename, set, place, connect, disconnect, configure (a wire's
    settings changed), move.
    ``node`` / ``wire`` carry the new element (the old one for remove/disconnect); ``old_id``
    is set for rename. ``before`` is the node or wire as it was (set, place, rename, configure) and
    ``before_position`` the canvas position it had (move, remove): what undo needs.
    """

    op: str
    node: Node | None = None
    wire: Wire | None = None
    old_id: str | None = None
    position: tuple[float, float] | None = None
    before: Node | Wire | None = None
    before_position: tuple[float, float] | None = None

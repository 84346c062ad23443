"""Wire profiles: the meaning of ``source -> target`` per kind pair, built from ``wires.yaml``.

The table is the whole truth; this module only expands named action sets and the
``a|b -> c`` shorthand, and answers "which pairs exist" questions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from stackerynb.catalog._data import load_table
from stackerynb.catalog.kinds import Setting

_TABLE = load_table("wires.yaml")
ACTION_SETS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _TABLE["actions"].items()}


@dataclass(frozen=True)
class Statement:
    """One IAM statement template: actions and resource placeholders such as ``{arn}/index/*``."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class WireProfile:
    """What a wire between two kinds generates; see the header of ``wires.yaml``."""

    source: str
    target: str
    summary: str
    access: dict[str, tuple[Statement, ...]]
    default_access: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    event: str | None = None
    network: str | None = None
    resource_policy: str | None = None
    principal: str = "source"  # whose role gets the statements: source or target
    iam: str | None = None  # service_reference: statements come from AWS's reference at compile time

    @property
    def access_levels(self) -> tuple[str, ...]:
        """Access levels a user may ask for on this wire."""
        return tuple(self.access)

    def resolve_access(self, access) -> tuple[str, ...]:
        """Normalise a user's ``access`` (None, ``"read"``, ``"read_write"``, a list) to levels.

        Raises ValueError naming the allowed levels when one is unknown.
        """
        if access is None:
            return self.default_access
        names = access.replace("_", ",").split(",") if isinstance(access, str) else list(access)
        levels = []
        for name in names:
            name = str(name).strip()
            if name not in self.access:
                raise ValueError(
                    f"access {name!r} is not offered by {self.source} -> {self.target}; "
                    f"choose from {', '.join(self.access)}")
            if name not in levels:
                levels.append(name)
        if not levels:
            raise ValueError(f"access is empty; choose from {', '.join(self.access)}")
        return tuple(levels)

    def statements(self, access=None) -> list[Statement]:
        """IAM statement templates granted for the given access levels (default when None)."""
        out: list[Statement] = []
        for level in self.resolve_access(access):
            out.extend(self.access[level])
        return out


def _statement(raw: dict) -> Statement:
    actions: list[str] = []
    for name in raw["actions"]:
        actions.extend(ACTION_SETS[name])
    return Statement(actions=tuple(dict.fromkeys(actions)), resources=tuple(raw["resources"]))


def _build() -> dict[tuple[str, str], WireProfile]:
    profiles = {}
    for key, raw in _TABLE["profiles"].items():
        sources, target = (part.strip() for part in key.split("->"))
        access = {level: tuple(_statement(s) for s in stmts) for level, stmts in raw["access"].items()}
        for source in sources.split("|"):
            profiles[(source, target)] = WireProfile(
                source=source, target=target, summary=raw["summary"], access=access,
                default_access=tuple(raw["default_access"]), env=dict(raw.get("env", {})),
                event=raw.get("event"), network=raw.get("network"),
                resource_policy=raw.get("resource_policy"), principal=raw.get("principal", "source"),
                iam=raw.get("iam"),
            )
    return profiles


_PROFILES = _build()
_WIRE_SETTINGS: dict[str, Setting] = {
    name: Setting(name=name, type=spec["type"], default=spec.get("default"), help=spec.get("help", ""))
    for name, spec in _TABLE.get("wire_settings", {}).items()
}


def wire_settings(source_kind: str | None = None, target_kind: str | None = None) -> dict[str, Setting]:
    """The settings a wire ``source_kind -> target_kind`` may carry (today the same for every pair)."""
    return dict(_WIRE_SETTINGS)


def wire_profile(source_kind: str, target_kind: str) -> WireProfile | None:
    """The profile for ``source_kind -> target_kind``, or None when the pair cannot be wired."""
    return _PROFILES.get((source_kind, target_kind))


def wire_targets(source_kind: str) -> list[str]:
    """Kinds that ``source_kind`` can be wired to, in table order."""
    return [t for (s, t) in _PROFILES if s == source_kind]


def wire_pairs() -> list[tuple[str, str]]:
    """Every supported (source kind, target kind) pair."""
    return list(_PROFILES)

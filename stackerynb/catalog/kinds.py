"""Node kinds and their settings schemas, built from ``kinds.yaml``."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stackerynb.catalog._data import load_table

SETTING_TYPES = ("str", "int", "bool", "choice", "list", "map", "document")


@dataclass(frozen=True)
class Setting:
    """One setting of a kind: its type, default, bounds and a line of help."""

    name: str
    type: str
    default: Any
    help: str = ""
    required: bool = False
    choices: tuple = ()
    min: int | None = None
    max: int | None = None
    pattern: str | None = None
    keys: tuple = ()  # document settings: the top-level keys allowed (empty: any)
    # a map keyed by the ids of nodes this node is wired to (an API's routes per function):
    # renaming a node renames its key, removing the wire removes its entry
    wired_keys: bool = False

    def check(self, value: Any) -> str | None:
        """Return why ``value`` is not acceptable for this setting, or None when it is."""
        if self.type == "bool":
            return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
        if self.type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"expected a whole number, got {value!r}"
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                return f"{value} is out of range {self.min}..{self.max}"
            return None
        if self.type == "choice":
            if value in self.choices and type(value) is type(next(c for c in self.choices if c == value)):
                return None
            return f"{value!r} is not one of {', '.join(str(c) for c in self.choices)}"
        if self.type == "str":
            if not isinstance(value, str):
                return f"expected text, got {value!r}"
            if self.pattern and not re.fullmatch(self.pattern, value):
                return f"{value!r} does not match the expected form ({self.help})"
            return None
        if self.type == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return f"expected a list of text values, got {value!r}"
            return None
        if self.type == "map":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, (str, int, bool)) for k, v in value.items()
            ):
                return f"expected a mapping of names to text values, got {value!r}"
            return None
        if self.type == "document":
            if not isinstance(value, dict):
                return f"expected a mapping, got {value!r}"
            unknown = [k for k in value if self.keys and k not in self.keys]
            if unknown:
                return f"{unknown[0]!r} is not one of {', '.join(self.keys)}"
            if self.keys == RESOURCE_ATTRIBUTES:
                found = next((why for k, v in value.items() if (why := attribute_problem(k, v))), None)
                if found:
                    return found
            return document_problem(value, self.name)
        raise AssertionError(f"unknown setting type {self.type}")  # catalogue bug, caught by tests

    def describe(self) -> dict:
        """The setting as plain data (for ``stackerynb kinds --json`` and forms)."""
        out = {"name": self.name, "type": self.type, "default": self.default,
               "required": self.required, "help": self.help}
        if self.choices:
            out["choices"] = list(self.choices)
        if self.min is not None or self.max is not None:
            out["range"] = [self.min, self.max]
        if self.pattern:
            out["pattern"] = self.pattern
        return out


def document_problem(value: Any, name: str = "value") -> str | None:
    """Why ``value`` is not plain template data (mappings with text keys, lists, text, numbers,
    true/false, null: what a CloudFormation template holds, intrinsics included), or None."""
    pending = [(value, name)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if not isinstance(key, str):
                    return f"{where}: keys must be text, found {key!r}"
                pending.append((inner, f"{where}.{key}"))
        elif isinstance(item, list):
            pending.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))
        elif not (item is None or isinstance(item, (str, bool, int, float))):
            return f"{where}: {type(item).__name__} is not template data"
    return None


RESOURCE_ATTRIBUTES = ("Condition", "DependsOn", "Metadata", "DeletionPolicy", "UpdateReplacePolicy",
                       "UpdatePolicy", "CreationPolicy")

# What each resource attribute takes (CloudFormation's resource attribute reference).
_ATTRIBUTE_CHOICES = {
    "DeletionPolicy": ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot"),
    "UpdateReplacePolicy": ("Delete", "Retain", "Snapshot"),
}


def attribute_problem(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be resource attribute ``name``, or None."""
    if name in _ATTRIBUTE_CHOICES:
        ok = value in _ATTRIBUTE_CHOICES[name] or isinstance(value, dict)  # a dict: an intrinsic (Fn::If)
        return None if ok else f"{name}: {value!r} is not one of {', '.join(_ATTRIBUTE_CHOICES[name])}"
    if name == "Condition":
        return None if isinstance(value, str) else f"Condition takes a condition name, found {value!r}"
    if name == "DependsOn":
        ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        return None if ok else f"DependsOn takes a logical id or a list of them, found {value!r}"
    return None if isinstance(value, dict) else f"{name} takes a mapping, found {value!r}"


# Settings every kind has, beside its own: what an import keeps verbatim so nothing is lost.
COMMON_SETTINGS = {
    "properties": {"type": "document", "default": {}, "help": (
        "Other CloudFormation properties of the node's main resource (logical id = node id), written "
        "over what the kit generates: what an import kept that the kind's settings do not model. A "
        "property given as null is left out (an import writes null for one the kit would add that the "
        "template does not have); null for a property the type requires is a problem.")},
    "attributes": {"type": "document", "default": {}, "help": (
        "CloudFormation resource attributes of the node's main resource: Condition, DependsOn, "
        "Metadata, DeletionPolicy, UpdateReplacePolicy, UpdatePolicy, CreationPolicy."),
        "keys": RESOURCE_ATTRIBUTES},
}


@dataclass(frozen=True)
class Kind:
    """A node kind: display data, placement rule, ports and settings."""

    name: str
    label: str
    colour: str
    shape: str
    icon: str
    help: str
    network: str  # none | may | must: may/must sit inside a virtual_network
    tier: str | None  # public | private: the subnet tier when inside a network
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    settings: dict[str, Setting] = field(default_factory=dict)

    def defaults(self) -> dict[str, Any]:
        """Every setting's default value."""
        return {name: s.default for name, s in self.settings.items()}

    def describe(self) -> dict:
        """The kind as plain data (for ``stackerynb kinds --json``)."""
        return {
            "kind": self.name, "label": self.label, "help": self.help,
            "display": {"colour": self.colour, "shape": self.shape, "icon": self.icon},
            "placement": {"network": self.network, "tier": self.tier},
            "ports": {"inputs": list(self.inputs), "outputs": list(self.outputs)},
            "settings": [s.describe() for s in self.settings.values()],
        }


def _build(name: str, raw: dict) -> Kind:
    placement = raw.get("placement", {})
    settings = {
        sname: Setting(
            name=sname, type=spec["type"], default=spec.get("default"), help=spec.get("help", ""),
            required=bool(spec.get("required", False)), choices=tuple(spec.get("choices", ())),
            min=spec.get("min"), max=spec.get("max"), pattern=spec.get("pattern"),
            keys=tuple(spec.get("keys", ())), wired_keys=bool(spec.get("wired_keys", False)),
        )
        for sname, spec in {**raw.get("settings", {}), **COMMON_SETTINGS}.items()
    }
    return Kind(
        name=name, label=raw["label"], colour=raw["colour"], shape=raw["shape"], icon=raw["icon"],
        help=raw.get("help", ""), network=placement.get("network", "none"), tier=placement.get("tier"),
        inputs=tuple(raw["ports"]["inputs"]), outputs=tuple(raw["ports"]["outputs"]), settings=settings,
    )


_KINDS: dict[str, Kind] = {name: _build(name, raw) for name, raw in load_table("kinds.yaml").items()}
KIND_NAMES: tuple[str, ...] = tuple(_KINDS)


def kinds() -> list[Kind]:
    """Every kind, in catalogue order."""
    return list(_KINDS.values())


def kind(name: str) -> Kind | None:
    """The kind called ``name``, or None."""
    return _KINDS.get(name)

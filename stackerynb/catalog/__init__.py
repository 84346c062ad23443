"""The catalogue: node kinds, their settings schemas and the wire profiles, loaded from data.

Everything here is read from the YAML tables beside this module; code elsewhere asks
questions of these objects instead of keeping its own lists of kinds.
"""
from __future__ import annotations

from stackerynb.catalog.kinds import Kind, Setting, kind, kinds, KIND_NAMES
from stackerynb.catalog.wires import WireProfile, wire_profile, wire_targets, wire_pairs, wire_settings, ACTION_SETS

__all__ = [
    "Kind", "Setting", "kind", "kinds", "KIND_NAMES",
    "WireProfile", "wire_profile", "wire_targets", "wire_pairs", "wire_settings", "ACTION_SETS",
]

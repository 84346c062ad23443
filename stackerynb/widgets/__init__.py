"""Notebook widgets: ``StackEditor(stack)``, the design canvas (the only package that imports
ipywidgets and ipycytoscape).

The canvas logic lives in ``stackerynb.widgets.sync`` and imports no widget library, so this
package imports the widget modules only when ``StackEditor`` (or another widget) is asked for.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "StackEditor": "stackerynb.widgets.editor",
    "StackCanvas": "stackerynb.widgets.canvas",
    "Palette": "stackerynb.widgets.palette",
    "SettingsForm": "stackerynb.widgets.settings_form",
    "ProblemsList": "stackerynb.widgets.problems",
    "StackActions": "stackerynb.widgets.actions",
    "GraphSync": "stackerynb.widgets.sync",
    "Gestures": "stackerynb.widgets.gestures",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'stackerynb.widgets' has no attribute {name!r}")

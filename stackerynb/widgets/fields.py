"""Which form field edits which setting, and how its text or value converts to the setting's
value. Plain data from the catalogue's settings schema; ``settings_form`` turns each Field into
a widget (dropdown for choices, bounded integer, text, toggle, list and mapping text)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stackerynb.catalog import Setting

WIDGET_FOR_TYPE = {"choice": "dropdown", "int": "int", "str": "text", "bool": "toggle",
                   "list": "list", "map": "map"}


@dataclass(frozen=True)
class Field:
    """One form field for one setting."""

    name: str
    widget: str  # dropdown | int | bounded_int | text | toggle | list | map
    help: str
    default: Any
    options: tuple = ()  # (label, value) pairs for dropdowns
    min: int | None = None
    max: int | None = None

    def to_widget(self, value: Any) -> Any:
        """The widget's value for a setting value."""
        if self.widget == "list":
            return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value or "")
        if self.widget == "map":
            if not isinstance(value, dict):  # a bad value from a file: shown as it is, to be fixed
                return str(value or "")
            return "\n".join(f"{k} = {v}" for k, v in value.items())
        if self.widget == "dropdown" and value not in [v for _, v in self.options]:
            return self.default
        return value

    def from_widget(self, value: Any) -> Any:
        """The setting value for what the user entered; ValueError says what is wrong."""
        if self.widget == "list":
            return [part.strip() for part in str(value).split(",") if part.strip()]
        if self.widget == "map":
            out = {}
            for number, line in enumerate(str(value).splitlines(), start=1):
                if not line.strip():
                    continue
                if "=" not in line:
                    raise ValueError(f"line {number} {line.strip()!r}: write one `name = value` per line")
                key, _, val = line.partition("=")
                if not key.strip():
                    raise ValueError(f"line {number} {line.strip()!r}: the name before `=` is missing")
                out[key.strip()] = val.strip()
            return out
        return value


def field_for(setting: Setting) -> Field:
    """The form field for ``setting``."""
    widget = WIDGET_FOR_TYPE[setting.type]
    if widget == "int" and setting.min is not None and setting.max is not None:
        widget = "bounded_int"
    options = tuple((str(c), c) for c in setting.choices) if setting.type == "choice" else ()
    return Field(setting.name, widget, setting.help, setting.default, options, setting.min, setting.max)


def fields_for(kind) -> list[Field]:
    """Form fields for every setting of a catalogue Kind, in catalogue order."""
    # settings of a type without a field (the pass-through ``properties`` document) are left
    # to the file and the template pane
    return [field_for(s) for s in kind.settings.values() if s.type in WIDGET_FOR_TYPE]

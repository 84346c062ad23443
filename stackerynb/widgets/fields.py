"""Which form field edits which setting, and how its text or value converts to the setting's
value. Plain data from the catalogue's settings schema; ``settings_form`` turns each Field into
a widget (dropdown for choices, text for numbers, text, toggle, list, mapping and YAML text).

Numbers are typed as text on purpose: a bounded number box would clamp 99999 to the maximum
without a word, and a number box throws away what it cannot read. Text keeps what the user
typed, so a value the catalogue refuses can be shown as invalid, with the reason, and left
unapplied (``Setting.check`` / ``Stack.set`` decide, not the widget).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from stackerynb.catalog import Setting
from stackerynb.errors import StackError

WIDGET_FOR_TYPE = {"choice": "dropdown", "int": "int", "str": "text", "bool": "toggle",
                   "list": "list", "map": "map", "document": "document"}
WHOLE_NUMBER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class Field:
    """One form field for one setting."""

    name: str
    widget: str  # dropdown | int | text | toggle | list | map | document
    help: str
    default: Any
    options: tuple = ()  # (label, value) pairs for dropdowns
    min: int | None = None
    max: int | None = None

    def to_widget(self, value: Any) -> Any:
        """The widget's value for a setting value (text for every text-like widget)."""
        if self.widget == "list":
            return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value or "")
        if self.widget == "map":
            if not isinstance(value, dict):  # a bad value from a file: shown as it is, to be fixed
                return str(value or "")
            return "\n".join(f"{k} = {v}" for k, v in value.items())
        if self.widget == "document":
            return document_text(value)
        if self.widget == "dropdown":
            return value if value in [v for _, v in self.options] else self.default
        if self.widget == "toggle":
            return bool(value)
        return "" if value is None else str(value)  # int and text: what the stack holds, as text

    def from_widget(self, value: Any) -> Any:
        """The setting value for what the user entered (None: back to the default); ValueError
        says what is wrong with the text. Range and form are the catalogue's to judge."""
        if self.widget == "int":
            text = str(value).strip()
            if not text:
                return None
            if not WHOLE_NUMBER.fullmatch(text):
                raise ValueError(f"expected a whole number, got {text!r}")
            return int(text)
        if self.widget == "list":
            return [part.strip() for part in re.split(r"[,\n]", str(value)) if part.strip()]
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
        if self.widget == "document":
            return parse_document(str(value), self.name)
        return value

    @property
    def hint(self) -> str:
        """What the field accepts, for its tooltip: the help and, for numbers, the range."""
        bounds = ""
        if self.min is not None or self.max is not None:
            bounds = f" ({'' if self.min is None else self.min}..{'' if self.max is None else self.max})"
        return f"{self.help}{bounds}"


def document_text(value: Any) -> str:
    """A document setting (plain template data) as YAML text; empty for an empty mapping."""
    if value in (None, {}):
        return ""
    import yaml
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)


def parse_document(text: str, name: str) -> dict | None:
    """The mapping YAML ``text`` holds (None when empty: back to the default). CloudFormation's
    short forms (``!Ref X``, ``!Sub ...``) are read as their long forms; ValueError names the
    line of a YAML error."""
    if not text.strip():
        return None
    from stackerynb.store.files import load_yaml
    try:
        # The template reader's loader knows CloudFormation's tags; plain YAML otherwise.
        from stackerynb.importing.template_reader import _TemplateLoader as loader
    except ImportError:  # pragma: no cover - the importer is part of the kit
        from stackerynb.store.files import CheckedLoader as loader
    try:
        data = load_yaml(text, name, loader=loader)
    except StackError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping of names to values (one `Name: value` per line), "
                         f"got {type(data).__name__}")
    return data


def field_for(setting: Setting) -> Field:
    """The form field for ``setting``."""
    widget = WIDGET_FOR_TYPE[setting.type]
    options = tuple((str(c), c) for c in setting.choices) if setting.type == "choice" else ()
    return Field(setting.name, widget, setting.help, setting.default, options, setting.min, setting.max)


# Settings every kind has, shown apart under "Other properties" (CloudFormation pass-through).
PASS_THROUGH = ("properties", "attributes")


def fields_for(kind) -> list[Field]:
    """Form fields for every setting of a catalogue Kind, in catalogue order."""
    # settings of a type without a field (the pass-through ``properties`` document) are left
    # to the file and the template pane
    return [field_for(s) for s in kind.settings.values() if s.type in WIDGET_FOR_TYPE]

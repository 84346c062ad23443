"""The palette: a search box over the curated kinds (first, one button each in the kind's colour
with its icon) and every CloudFormation resource type (generic ``resource`` nodes), grouped by
service and filtered as one types. A click adds a node of that kind or type to the canvas.

The search itself is plain Python (``palette_entries``, ``search``): every word typed must
appear in an entry's kind, label, service or type, case-insensitively; it takes about a
millisecond over the 1,900 entries, so it runs on every keystroke.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ipywidgets import Button, HTML, Layout, Text, VBox

from stackerynb.catalog import kinds
from stackerynb.cfn.schemas import resource_types, service_of
from stackerynb.diagram.layout import Probe, free_spot
from stackerynb.widgets.gestures import Gestures, camel

PALETTE_CLASS = "stackerynb-palette"
GENERIC_KIND = "resource"
CURATED_GROUP = "Building blocks"
MAX_SHOWN = 40  # CloudFormation types listed at once; typing narrows the rest


@dataclass(frozen=True)
class Entry:
    """One thing the palette can add: a curated ``kind``, or ``resource`` with ``type``."""

    kind: str
    label: str
    group: str
    type: str | None = None
    help: str = ""
    text: str = ""  # what a search matches against, lower case

    @property
    def curated(self) -> bool:
        return self.type is None


@functools.cache
def palette_entries() -> tuple[Entry, ...]:
    """Curated kinds first (catalogue order), then every CloudFormation type by service."""
    entries = [Entry(spec.name, spec.label, CURATED_GROUP, None, spec.help,
                     f"{spec.name} {spec.label} {spec.help}".lower())
               for spec in kinds() if spec.name != GENERIC_KIND]  # generic: one entry per type below
    for type_name in sorted(resource_types(), key=lambda t: (service_of(t).lower(), t)):
        service = service_of(type_name)
        entries.append(Entry(GENERIC_KIND, type_name.split("::")[-1], service, type_name, "",
                             f"{type_name} {service} {type_name.replace('::', ' ')}".lower()))
    return tuple(entries)


def search(query: str, entries=None) -> list[Entry]:
    """Entries whose text holds every word of ``query`` (all entries for an empty query), in
    palette order, except that a type typed in full comes first."""
    entries = palette_entries() if entries is None else entries
    words = [w for w in re.split(r"[\s:]+", (query or "").lower()) if w]
    if not words:
        return list(entries)
    found = [e for e in entries if all(w in e.text for w in words)]
    exact = (query or "").strip().lower()
    return sorted(found, key=lambda e: (e.type or "").lower() != exact)  # a whole type typed: it first


class Palette(VBox):
    """Search box, curated kind buttons (``.buttons`` maps kind name to button) and up to
    ``MAX_SHOWN`` matching CloudFormation types under their service's heading
    (``.type_buttons``, in the order shown)."""

    def __init__(self, gestures: Gestures, **kwargs):
        self.gestures = gestures
        self.buttons: dict[str, Button] = {}
        self.query = Text(placeholder="Search kinds and AWS types", continuous_update=True,
                          layout=Layout(width="175px"))
        self.query.add_class("stackerynb-palette-search")
        for spec in kinds():
            if spec.name == GENERIC_KIND:
                continue
            button = Button(description=f"{spec.icon}  {spec.label}", tooltip=spec.help,
                            layout=Layout(width="175px", height="28px", margin="1px 0"))
            button.style.button_color = spec.colour
            button.style.text_color = "white"
            button.style.font_weight = "bold"
            button.add_class("stackerynb-palette-button")
            button.add_class(f"stackerynb-kind-{spec.name}")
            button.on_click(lambda _b, name=spec.name: self.choose(name))
            self.buttons[spec.name] = button
        self._pool: list[Button] = []
        self._headings: list[HTML] = []
        self.type_buttons: list[Button] = []
        self.more = HTML(layout=Layout(width="175px"))
        self.more.add_class("stackerynb-palette-more")
        self.title = HTML("<b>Add a node</b>")
        super().__init__([], layout=Layout(flex="0 0 auto", overflow="hidden auto"), **kwargs)
        self.add_class(PALETTE_CLASS)
        for k in range(MAX_SHOWN):  # made once, so a keystroke only relabels them
            self._button(k, palette_entries()[-1])
        self.query.observe(lambda change: self.filter(change["new"]), "value")
        self.filter("")

    # ------------------------------------------------------------------ search
    def filter(self, query: str) -> list[Entry]:
        """Show what matches ``query``; returns every match (shown or not)."""
        found = search(query)
        curated = {e.kind for e in found if e.curated}
        types = [e for e in found if not e.curated]
        shown = types[:MAX_SHOWN] if query.strip() else []
        rows: list = []
        last_group = None
        self.type_buttons = []
        for k, entry in enumerate(shown):
            if entry.group != last_group:
                rows.append(self._heading(sum(isinstance(r, HTML) for r in rows), entry.group))
                last_group = entry.group
            button = self._button(len(self.type_buttons), entry)
            self.type_buttons.append(button)
            rows.append(button)
        if not query.strip():
            self.more.value = f"<small>type to search all {len(types):,} AWS resource types</small>"
        elif len(types) > len(shown):
            self.more.value = f"<small>{len(types) - len(shown):,} more AWS types: type more to narrow</small>"
        elif not found:
            self.more.value = "<small>nothing matches</small>"
        else:
            self.more.value = ""
        self.children = [self.title, self.query, *(b for name, b in self.buttons.items() if name in curated),
                         *rows, self.more]
        return found

    def _heading(self, index: int, group: str) -> HTML:
        while len(self._headings) <= index:
            heading = HTML(layout=Layout(width="175px", margin="4px 0 0 0"))
            heading.add_class("stackerynb-palette-service")
            self._headings.append(heading)
        heading = self._headings[index]
        heading.value = f"<small><b>{group}</b></small>"
        return heading

    def _button(self, index: int, entry: Entry) -> Button:
        while len(self._pool) <= index:
            button = Button(layout=Layout(width="175px", height="26px", margin="1px 0"))
            button.add_class("stackerynb-palette-type")
            button.on_click(lambda b: self.add_resource(b.tooltip))
            self._pool.append(button)
        button = self._pool[index]
        with button.hold_sync():
            button.description = entry.label
            button.tooltip = entry.type
        return button

    # ------------------------------------------------------------------ adding
    def choose(self, kind: str) -> None:
        """A curated kind's button: pick it so the next click on the canvas places it there,
        where the gestures offer that (``Gestures.pick``); else add it at a free spot."""
        pick = getattr(self.gestures, "pick", None)
        if pick is not None:
            pick(kind)
        else:
            self.add(kind)

    def add(self, kind: str) -> str | None:
        """Add a node of ``kind`` (what a click does); returns its id, None if refused."""
        return self.gestures.add_node(kind)

    def add_resource(self, type_name: str) -> str | None:
        """Add a generic node of CloudFormation type ``type_name`` at a free spot, selected;
        returns its id, None if refused (the message says why)."""
        gestures, stack = self.gestures, self.gestures.stack
        prefix = camel(type_name.split("::")[-1]) or "Resource"
        n = 1
        while f"{prefix}{n}" in stack:
            n += 1
        node_id = f"{prefix}{n}"
        probe = Probe(node_id, GENERIC_KIND, {"type": type_name})  # a card: wider than a kind's icon
        spot = free_spot(stack, gestures.sync.positions(), probe=probe)
        if not gestures.attempt(lambda: stack.add(GENERIC_KIND, node_id, position=spot, type=type_name)):
            return None
        gestures.sync.select(node_id)
        gestures.say(f"Added {node_id} ({type_name}); edit its properties in the settings form.")
        return node_id

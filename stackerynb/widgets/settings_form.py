"""The settings form for the selected node, generated from the catalogue's settings schema:
dropdowns for choices, bounded integers, text, toggles, and text for lists and mappings. It
also renames the node and places it inside a Virtual Network."""
from __future__ import annotations

import html

from traitlets import TraitError

from ipywidgets import (BoundedIntText, Checkbox, Dropdown, HTML, IntText, Layout, Text,
                        Textarea, VBox)

from stackerynb.catalog import kind as catalog_kind, wire_profile
from stackerynb.model.elements import Change
from stackerynb.widgets.fields import Field, fields_for
from stackerynb.widgets.gestures import Gestures

FORM_CLASS = "stackerynb-settings"
NO_NETWORK = ""
_STYLE = {"description_width": "150px"}
_LAYOUT = dict(width="360px")


def make_input(field: Field, value):
    """The widget for ``field`` showing ``value`` (a setting value). A value the widget cannot
    show (a stack file may hold anything; the problems list says what is wrong with it) shows
    the default instead."""
    try:
        return _make_input(field, value)
    except (TraitError, TypeError, ValueError):
        return _make_input(field, field.default)


def _make_input(field: Field, value):
    common = dict(description=field.name, tooltip=field.help,
                  style=_STYLE, layout=Layout(**_LAYOUT))
    shown = field.to_widget(value)
    if field.widget == "dropdown":
        widget = Dropdown(options=list(field.options), value=shown, **common)
    elif field.widget == "bounded_int":
        widget = BoundedIntText(value=shown, min=field.min, max=field.max, **common)
    elif field.widget == "int":
        widget = IntText(value=shown, **common)
    elif field.widget == "toggle":
        widget = Checkbox(value=bool(shown), indent=True, **common)
    elif field.widget == "map":
        widget = Textarea(value=shown, placeholder="name = value, one per line",
                          continuous_update=False, rows=3, **common)
    else:  # text and list
        placeholder = "a, b, c" if field.widget == "list" else ""
        widget = Text(value="" if shown is None else str(shown), placeholder=placeholder,
                      continuous_update=False, **common)
    widget.add_class(f"stackerynb-setting-{field.name}")
    return widget


class SettingsForm(VBox):
    """Edits the node selected on the canvas; every edit goes through the stack, and a
    refused value is put back with the reason in the message area."""

    def __init__(self, gestures: Gestures, **kwargs):
        self.gestures = gestures
        self.sync = sync = gestures.sync
        self.node_id: str | None = None
        self.inputs: dict[str, tuple[Field, object]] = {}
        self._quiet = False  # True while the form itself writes values
        self.heading = HTML()
        self.id_input = Text(description="id", continuous_update=False, style=_STYLE,
                             layout=Layout(**_LAYOUT))
        self.id_input.add_class("stackerynb-node-id")
        self.id_input.observe(self._renamed, "value")
        self.network_input = Dropdown(description="Virtual Network", style=_STYLE,
                                      layout=Layout(**_LAYOUT))
        self.network_input.add_class("stackerynb-node-network")
        self.network_input.observe(self._placed, "value")
        self.node_problems = HTML()
        self._network_values: list[str] = [NO_NETWORK]
        super().__init__(layout=Layout(width="380px", flex="0 0 auto", overflow="hidden auto",
                                       max_height="600px"), **kwargs)
        self.add_class(FORM_CLASS)
        sync.selection.connect(lambda _id: self.show())
        sync.changed.connect(self._stack_changed)
        self.show()

    # ------------------------------------------------------------ display
    def show(self) -> None:
        """Rebuild the form for the current selection."""
        node = self.sync.selected_node()
        wire = self.sync.selected_wire()
        self.inputs = {}
        if node is None:
            self.node_id = None
            if wire is not None:
                self.heading.value = self._wire_text(wire)
            else:
                self.heading.value = ("<b>Settings</b><br><i>Click a node to edit it, or a palette "
                                      "entry to add one.</i>")
            self.children = [self.heading]
            return
        self.node_id = node.id
        spec = catalog_kind(node.kind)
        label = spec.label if spec else node.kind
        self.heading.value = (f"<b>{html.escape(spec.icon if spec else '')} {html.escape(label)}</b>"
                              f'<div style="font-size:smaller;line-height:1.3">'
                              f"{html.escape(spec.help if spec else '')}</div>")
        with self._writing():
            self.id_input.value = node.id
        children = [self.heading, self.id_input]
        if spec is not None and spec.network != "none":
            self._fill_networks(node)
            children.append(self.network_input)
        if spec is not None:
            for field in fields_for(spec):
                widget = make_input(field, node.get(field.name))
                widget.observe(lambda change, f=field: self._edited(f, change), "value")
                self.inputs[field.name] = (field, widget)
                children.append(widget)
        self._show_node_problems()
        children.append(self.node_problems)
        self.children = children

    def _wire_text(self, wire) -> str:
        src, dst = self.sync.stack.node(wire.source), self.sync.stack.node(wire.target)
        profile = wire_profile(src.kind, dst.kind)
        levels = ", ".join(profile.resolve_access(wire.access)) if profile else "?"
        summary = profile.summary if profile else "not a supported wire"
        return (f"<b>Wire {html.escape(wire.source)} &rarr; {html.escape(wire.target)}</b><br>"
                f"{html.escape(summary)}<br>access: {html.escape(levels)}"
                f"{'' if wire.access else ' (default)'}")

    def _fill_networks(self, node) -> None:
        spec = catalog_kind(node.kind)
        options = [("(not in a network)", NO_NETWORK)] + [(n, n) for n in self.sync.networks()]
        self._network_values = [v for _, v in options]
        value = node.network if node.network in self._network_values else NO_NETWORK
        with self._writing():
            self.network_input.options = options
            self.network_input.value = value
        tier = spec.tier or "private"
        rule = "must" if spec.network == "must" else "may"
        self.network_input.tooltip = f"A {spec.label} {rule} sit in a network ({tier} subnets)"

    def _show_node_problems(self) -> None:
        mine = [p for p in self.sync.current_problems if p.node == self.node_id]
        self.node_problems.value = "".join(
            f'<div style="color:#d13212">&#9888; {html.escape(p.setting or "")}'
            f'{": " if p.setting else ""}{html.escape(p.message)}</div>' for p in mine)

    # ----------------------------------------------------------- editing
    class _Writing:
        def __init__(self, form):
            self.form = form

        def __enter__(self):
            self.before, self.form._quiet = self.form._quiet, True

        def __exit__(self, *exc):
            self.form._quiet = self.before

    def _writing(self):
        return self._Writing(self)

    def _edited(self, field: Field, change) -> None:
        if self._quiet or self.node_id is None:
            return
        node_id = self.node_id
        try:
            value = field.from_widget(change["new"])
        except ValueError as exc:
            self.gestures.say(f"{node_id}.{field.name}: {exc}", "error")
            self._reset(field)
            return
        if not self.gestures.set_setting(node_id, field.name, value):
            self._reset(field)

    def _reset(self, field: Field) -> None:
        if self.node_id in self.sync.stack and field.name in self.inputs:
            with self._writing():
                self.inputs[field.name][1].value = field.to_widget(self.sync.stack.node(self.node_id).get(field.name))

    def _renamed(self, change) -> None:
        if self._quiet or self.node_id is None:
            return
        if not self.gestures.rename(self.node_id, change["new"]):
            with self._writing():
                self.id_input.value = self.node_id

    def _placed(self, change) -> None:
        if self._quiet or self.node_id is None:
            return
        network = change["new"] or None
        if not self.gestures.place(self.node_id, network):
            node = self.sync.stack.node(self.node_id)
            with self._writing():
                self.network_input.value = node.network if node.network in self._network_values \
                    else NO_NETWORK

    # ------------------------------------------------- edits from elsewhere
    def _stack_changed(self, change: Change) -> None:
        node = change.node
        networks_changed = change.op in ("add", "remove", "rename") and node is not None \
            and node.kind == "virtual_network"
        if networks_changed and self.node_id in self.sync.stack and self.network_input in self.children:
            self._fill_networks(self.sync.stack.node(self.node_id))
        if self.node_id is None or self.node_id not in self.sync.stack:
            if self.node_id is not None:
                self.show()
            return
        if node is not None and node.id == self.node_id:
            if change.op == "set":
                with self._writing():
                    for name, (field, widget) in self.inputs.items():
                        shown = field.to_widget(node.get(name))
                        if widget.value != shown:
                            widget.value = shown
            elif change.op == "place" and self.network_input in self.children:
                self._fill_networks(node)
        self._show_node_problems()

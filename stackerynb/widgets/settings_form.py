"""The settings form for the selected node or wire, generated from the catalogue's settings
schemas: dropdowns for choices, text for numbers and words, toggles, text for lists and
mappings, YAML for documents. It also renames a node and places it inside a Virtual Network.

The form tells the truth: a value the catalogue refuses stays in its field, marked invalid with
the reason beside it, and is not applied (nothing is clamped or silently put back); the next
good edit of the field applies it and clears the mark. Every node kind's pass-through settings
(``properties``, ``attributes``) are shown under "Other properties" as YAML. A selected wire
shows its access levels as checkboxes and its settings (environment variable names, exact
actions and resources, event-source settings); every edit goes through ``Stack.configure``.
"""
from __future__ import annotations

import html

from traitlets import TraitError

from ipywidgets import Checkbox, Dropdown, HBox, HTML, Layout, Text, Textarea, VBox

from stackerynb.catalog import kind as catalog_kind, wire_profile, wire_settings
from stackerynb.errors import StackError
from stackerynb.model.elements import Change
from stackerynb.widgets.fields import PASS_THROUGH, Field, field_for, fields_for
from stackerynb.widgets.gestures import Gestures

FORM_CLASS = "stackerynb-settings"
INVALID_CLASS = "stackerynb-invalid"
FIELD_ERROR_CLASS = "stackerynb-field-error"
NO_NETWORK = ""
_STYLE = {"description_width": "150px"}
_LAYOUT = dict(width="360px")
# Marks an invalid field (ipywidgets has no error state): a red border and the reason below it.
_CSS = (f"<style>.{INVALID_CLASS} input, .{INVALID_CLASS} textarea {{border-color:#d13212 !important;"
        "background:rgba(209,50,18,0.07) !important}}"
        f" .{FIELD_ERROR_CLASS} {{color:#d13212;font-size:smaller;line-height:1.3;margin:0 0 4px 154px;"
        "white-space:normal}}</style>")
_PLACEHOLDERS = {"list": "a, b, c", "map": "name = value, one per line",
                 "document": "YAML, e.g.\nTracingConfig:\n  Mode: Active"}
_ROWS = {"map": 3, "document": 4}


def make_input(field: Field, value):
    """The widget for ``field`` showing ``value`` (a setting value). Text-like widgets show any
    value as it is (a stack file may hold anything; the problems list says what is wrong);
    a dropdown or toggle that cannot show it shows the default."""
    try:
        return _make_input(field, value)
    except (TraitError, TypeError, ValueError):
        return _make_input(field, field.default)


def _make_input(field: Field, value):
    common = dict(description=field.name, tooltip=field.hint, style=_STYLE, layout=Layout(**_LAYOUT))
    shown = field.to_widget(value)
    if field.widget == "dropdown":
        widget = Dropdown(options=list(field.options), value=shown, **common)
    elif field.widget == "toggle":
        widget = Checkbox(value=bool(shown), indent=True, **common)
    elif field.widget in ("map", "document"):
        widget = Textarea(value=shown, placeholder=_PLACEHOLDERS[field.widget], continuous_update=False,
                          rows=_ROWS[field.widget], **common)
    else:  # int, text and list: typed as text, judged by the catalogue
        widget = Text(value=shown, placeholder=_PLACEHOLDERS.get(field.widget, ""),
                      continuous_update=False, **common)
    widget.add_class(f"stackerynb-setting-{field.name}")
    return widget


class FieldRow(VBox):
    """One field's input with the reason it is invalid below it (empty while it is valid)."""

    def __init__(self, field: Field, value, on_edit, css_class: str | None = None):
        self.field = field
        self.input = make_input(field, value)
        if css_class:
            self.input.add_class(css_class)
        self.error = HTML()
        self.error.add_class(FIELD_ERROR_CLASS)
        self.error.layout.display = "none"
        self.shown = value  # the stack's value the input was last filled from
        self.on_edit = on_edit
        self.input.observe(self._changed, "value")
        self._quiet = False
        super().__init__([self.input, self.error], layout=Layout(margin="0"))
        self.add_class(f"stackerynb-field-{field.name}")

    @property
    def invalid(self) -> str | None:
        """Why the value in the field is not applied, or None."""
        return self._reason

    _reason: str | None = None

    def mark(self, reason: str | None) -> None:
        """Show ``reason`` (the field's value is invalid and not applied), or clear it (None)."""
        self._reason = reason
        if reason:
            self.input.add_class(INVALID_CLASS)
            lines = "<br>".join(html.escape(line.strip()) for line in reason.splitlines() if line.strip())
            self.error.value = f"&#9888; {lines}"
            self.error.layout.display = "block"
        else:
            self.input.remove_class(INVALID_CLASS)
            self.error.value = ""
            self.error.layout.display = "none"

    def show(self, value) -> None:
        """Show the stack's ``value`` (an edit made elsewhere); it is valid, so any mark goes."""
        self.shown = value
        shown = self.field.to_widget(value)
        self._quiet = True
        try:
            if self.input.value != shown:
                self.input.value = shown
        except (TraitError, TypeError, ValueError):
            pass
        finally:
            self._quiet = False
        self.mark(None)

    def _changed(self, change) -> None:
        if not self._quiet:
            self.on_edit(self, change["new"])


def _reason(exc: StackError, setting: str) -> str:
    """The part of a refusal about ``setting`` (the whole message when no problem names it)."""
    mine = [p.message for p in exc.problems if p.setting == setting]
    return "\n".join(mine) if mine else str(exc)


class SettingsForm(VBox):
    """Edits the node or wire selected on the canvas; every edit goes through the stack, and a
    refused value stays in its field, marked invalid with the reason, unapplied."""

    def __init__(self, gestures: Gestures, **kwargs):
        self.gestures = gestures
        self.sync = sync = gestures.sync
        self.node_id: str | None = None
        self.wire_key: tuple[str, str] | None = None  # (source, target) of the wire shown
        self.rows: dict[str, FieldRow] = {}
        self.access_boxes: dict[str, Checkbox] = {}
        self.access_error = HTML()
        self.access_error.add_class(FIELD_ERROR_CLASS)
        self._quiet = False  # True while the form itself writes values
        self.css = HTML(_CSS, layout=Layout(height="0px", margin="0", overflow="hidden"))
        self.heading = HTML()
        self.id_input = Text(description="id", continuous_update=False, style=_STYLE,
                             layout=Layout(**_LAYOUT))
        self.id_input.add_class("stackerynb-node-id")
        self.id_input.observe(self._renamed, "value")
        self.network_input = Dropdown(description="Virtual Network", style=_STYLE,
                                      layout=Layout(**_LAYOUT))
        self.network_input.add_class("stackerynb-node-network")
        self.network_input.observe(self._placed, "value")
        self.other_heading = HTML(
            "<b>Other properties</b><div style='font-size:smaller;line-height:1.3'>CloudFormation "
            "properties and resource attributes of the node's main resource, in YAML, written over "
            "what the kit generates.</div>")
        self.other_heading.add_class("stackerynb-other-properties")
        self.node_problems = HTML()
        self._network_values: list[str] = [NO_NETWORK]
        super().__init__(layout=Layout(width="380px", flex="0 0 auto", overflow="hidden auto",
                                       max_height="600px"), **kwargs)
        self.add_class(FORM_CLASS)
        sync.selection.connect(self._selected)
        sync.changed.connect(self._stack_changed)
        self.show()

    @property
    def inputs(self) -> dict[str, tuple[Field, object]]:
        """Each shown setting's field and input widget, by setting name."""
        return {name: (row.field, row.input) for name, row in self.rows.items()}

    def errors(self) -> dict[str, str]:
        """Fields whose value is invalid and not applied: setting name -> reason."""
        out = {name: row.invalid for name, row in self.rows.items() if row.invalid}
        if self.access_error.value:
            out["access"] = html.unescape(self.access_error.value.replace("&#9888; ", ""))
        return out

    # ------------------------------------------------------------ display
    def _selected(self, _element_id) -> None:
        """A new selection rebuilds the form; the same one again (the browser reporting what
        it shows) keeps it, with any invalid value still marked in its field."""
        node, wire = self.sync.selected_node(), self.sync.selected_wire()
        if node is not None and node.id == self.node_id and self.wire_key is None:
            return
        if node is None and wire is not None and (wire.source, wire.target) == self.wire_key:
            return
        self.show()

    def show(self) -> None:
        """Rebuild the form for the current selection."""
        node = self.sync.selected_node()
        wire = self.sync.selected_wire()
        self.rows = {}
        self.access_boxes = {}
        self.node_id, self.wire_key = None, None
        if node is None and wire is not None:
            self._show_wire(wire)
            return
        if node is None:
            self.heading.value = ("<b>Settings</b><br><i>Click a node or a wire to edit it, or a palette "
                                  "entry to add a node.</i>")
            self.children = [self.css, self.heading]
            return
        self.node_id = node.id
        spec = catalog_kind(node.kind)
        label = spec.label if spec else node.kind
        self.heading.value = (f"<b>{html.escape(spec.icon if spec else '')} {html.escape(label)}</b>"
                              f'<div style="font-size:smaller;line-height:1.3">'
                              f"{html.escape(spec.help if spec else '')}</div>")
        with self._writing():
            self.id_input.value = node.id
        children = [self.css, self.heading, self.id_input]
        if spec is not None and spec.network != "none":
            self._fill_networks(node)
            children.append(self.network_input)
        other = []
        if spec is not None:
            for field in fields_for(spec):
                row = FieldRow(field, node.get(field.name), self._node_edited)
                self.rows[field.name] = row
                (other if field.name in PASS_THROUGH else children).append(row)
        if other:
            children += [self.other_heading] + self._schema_hint(node) + other
        self._show_node_problems()
        children.append(self.node_problems)
        self.children = children

    @staticmethod
    def _schema_hint(node) -> list:
        """For a generic resource, the properties its type's registry schema names (required
        first) and what ``Fn::GetAtt`` can read, as a hint above the YAML; empty otherwise."""
        resource_type = node.settings.get("type") if node.kind == "resource" else None
        if not resource_type:
            return []
        try:
            from stackerynb.cfn.forms import property_fields
            fields = property_fields(resource_type)
        except Exception:  # noqa: BLE001 - an unknown type is the problems list's to name; a hint is optional
            return []
        names = [f["name"] + (" (required)" if f["required"] else "") for f in fields if not f["read_only"]]
        readable = [f["name"] for f in fields if f["read_only"]]
        text = f"{resource_type} properties: {', '.join(names) or 'none'}"
        if readable:
            text += f". Fn::GetAtt reads: {', '.join(readable)}"
        hint = HTML(f'<div style="font-size:smaller;line-height:1.3">{html.escape(text)}</div>')
        hint.add_class("stackerynb-schema-hint")
        return [hint]

    def _show_wire(self, wire) -> None:
        self.wire_key = (wire.source, wire.target)
        src, dst = self.sync.stack.node(wire.source), self.sync.stack.node(wire.target)
        profile = wire_profile(src.kind, dst.kind)
        if profile is not None:
            summary = profile.summary
        elif dst.kind == "resource":  # a generic resource has no access levels: exact actions say it all
            summary = ("Uses a generic resource: list the exact IAM actions it needs (and the resources "
                       "they apply to, when not the whole resource).")
        else:
            summary = "not a supported wire"
        self.heading.value = (f"<b>Wire {html.escape(wire.source)} &rarr; {html.escape(wire.target)}</b>"
                              f'<div style="font-size:smaller;line-height:1.3">{html.escape(summary)}</div>')
        children = [self.css, self.heading]
        if profile is not None and profile.access_levels:
            children.append(self._access_row(wire, profile))
        for name, setting in wire_settings(src.kind, dst.kind).items():
            field = field_for(setting)
            if name == "env" and profile is not None and profile.env:
                attributes = ", ".join(dict.fromkeys(profile.env.values()))
                field = Field(field.name, field.widget, f"{field.help} Attributes of a {dst.kind}: "
                              f"{attributes}.", field.default)
            row = FieldRow(field, wire.settings.get(name, setting.default), self._wire_edited,
                           css_class=f"stackerynb-wire-{name}")
            if name == "env" and profile is not None and profile.env:
                row.input.placeholder = "\n".join(f"VAR_NAME = {a}" for a in dict.fromkeys(profile.env.values()))
            self.rows[name] = row
            children.append(row)
        self.children = children

    def _access_row(self, wire, profile) -> VBox:
        levels = self._levels(wire, profile)
        boxes = []
        for level in profile.access_levels:
            box = Checkbox(value=level in levels, description=level, indent=False,
                           layout=Layout(width="auto", margin="0 12px 0 0"))
            box.add_class(f"stackerynb-access-{level}")
            box.observe(lambda _change: self._access_edited(), "value")
            self.access_boxes[level] = box
            boxes.append(box)
        default = ", ".join(profile.default_access)
        label = HTML(f'<span title="default: {html.escape(default)}">access</span>',
                     layout=Layout(width="150px", margin="0 4px 0 0"))
        self.access_error.value = ""
        self.access_error.layout.display = "none"
        row = VBox([HBox([label] + boxes, layout=Layout(align_items="center")), self.access_error])
        row.add_class("stackerynb-wire-access")
        return row

    @staticmethod
    def _levels(wire, profile) -> tuple[str, ...]:
        try:
            return profile.resolve_access(wire.access)
        except ValueError:  # a bad value from a file: the problems list names it
            return ()

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
            f'<div class="stackerynb-node-problem" style="color:#d13212">&#9888; '
            f'{html.escape(p.setting or "")}{": " if p.setting else ""}{html.escape(p.message)}</div>'
            for p in mine)

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

    def _apply(self, row: FieldRow, where: str, text, edit) -> None:
        """Convert ``text``, apply it with ``edit(value)`` (which returns the setting's value now);
        mark the row with the reason when the text or the stack refuses it, else clear its mark
        and say what changed."""
        try:
            value = row.field.from_widget(text)
        except ValueError as exc:
            row.mark(str(exc))
            self.gestures.say(f"{where}: {exc}; not applied", "error")
            return
        refused: list[StackError] = []
        applied = []

        def action():
            try:
                applied.append(edit(value))
            except StackError as exc:
                refused.append(exc)
                raise
        if self.gestures.attempt(action):
            row.shown = applied[0]
            row.mark(None)
            shown = "the default" if value is None else repr(value)
            self.gestures.say(f"{where} = {shown}")
        else:
            reason = _reason(refused[0], row.field.name) if refused else self.gestures.last_message.text
            row.mark(reason)
            self.gestures.say(f"{where}: {reason}; not applied", "error")

    def _node_edited(self, row: FieldRow, text) -> None:
        if self._quiet or self.node_id is None:
            return
        node_id, name = self.node_id, row.field.name
        self._apply(row, f"{node_id}.{name}", text,
                    lambda value: self.sync.stack.set(node_id, **{name: value}).get(name))

    def _wire_edited(self, row: FieldRow, text) -> None:
        if self._quiet or self.wire_key is None:
            return
        (source, target), name = self.wire_key, row.field.name
        default = row.field.default
        # An emptied field unsets the setting: the profile's own names, actions or events.
        self._apply(row, f"{source} -> {target} {name}", text,
                    lambda value: self._configure(source, target, **{name: value or None}).settings.get(name, default))

    def _configure(self, source: str, target: str, **changes):
        with self._writing():
            wire = self.sync.stack.configure(source, target, **changes)
        self.wire_key = (wire.source, wire.target)
        return wire

    def _access_edited(self) -> None:
        if self._quiet or self.wire_key is None:
            return
        source, target = self.wire_key
        profile = wire_profile(self.sync.stack.node(source).kind, self.sync.stack.node(target).kind)
        chosen = [level for level, box in self.access_boxes.items() if box.value]
        if not chosen:
            self._access_mark(f"choose at least one access level ({', '.join(profile.access_levels)}); "
                              "remove the wire to give no access")
            self.gestures.say(f"{source} -> {target}: a wire needs at least one access level; not applied",
                              "error")
            return
        access = None if tuple(chosen) == tuple(profile.default_access) else chosen
        if self.gestures.attempt(lambda: self._configure(source, target, access=access)):
            self._access_mark(None)
            levels = ", ".join(profile.resolve_access(access))
            self.gestures.say(f"{source} -> {target} access: {levels}{' (default)' if access is None else ''}")
        else:
            self._access_mark(self.gestures.last_message.text)

    def _access_mark(self, reason: str | None) -> None:
        self.access_error.value = f"&#9888; {html.escape(reason)}" if reason else ""
        self.access_error.layout.display = "block" if reason else "none"

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
        if self.wire_key is not None:
            self._wire_changed(change)
            return
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
                # Only settings whose value changed are refreshed: a field holding an invalid,
                # unapplied value keeps it (and its reason) while another field is edited.
                for name, row in self.rows.items():
                    value = node.get(name)
                    if value != row.shown:
                        row.show(value)
            elif change.op == "place" and self.network_input in self.children:
                self._fill_networks(node)
        self._show_node_problems()

    def _wire_changed(self, change: Change) -> None:
        if self._quiet:
            return
        source, target = self.wire_key
        wire = self.sync.stack.wire(source, target)
        if wire is None:  # removed, or an end renamed: the canvas selection decides what shows
            self.show()
            return
        if change.op != "configure" or change.wire is None or \
                (change.wire.source, change.wire.target) != (source, target):
            return
        for name, row in self.rows.items():
            value = wire.settings.get(name, row.field.default)
            if value != row.shown:
                row.show(value)
        profile = wire_profile(self.sync.stack.node(source).kind, self.sync.stack.node(target).kind)
        if profile is not None:
            levels = self._levels(wire, profile)
            with self._writing():
                for level, box in self.access_boxes.items():
                    box.value = level in levels
            self._access_mark(None)

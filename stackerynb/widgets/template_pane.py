"""The template beside the design: the CloudFormation template the stack compiles to, kept live
as the design changes, YAML by default (JSON on request), highlighted, with Copy and Download;
and two-way: Edit the text, Apply it, and the design becomes what the template says.

    pane = TemplatePane(stack)            # shown in the studio's side area (Template tab)
    pane.text                             # the template text shown now
    pane.apply(text)                      # what the Apply button does; False (and why) on error

Live: every stack edit schedules a compile ``debounce`` seconds later on the kernel's event loop
(a burst of edits compiles once); outside a kernel (tests, scripts) it compiles at once. A compile
error is shown in place, above the last template that compiled.

Two-way: Apply imports the text with the kit's importer (``stackerynb.importing.import_text``)
and turns the stack into the result one observable change at a time (as ``Stack.reload`` does),
so the canvas, the form and undo follow. Nodes that stay keep their place on the canvas. When the
text cannot be read or imported the reason is shown, with the line it names, and the design is
not touched.

Copy and Download work in the browser alone: Copy writes the text to the clipboard from the
button's own click handler (no round trip to the kernel), Download is a ``data:`` link.
"""
from __future__ import annotations

import asyncio
import base64
import html
import logging
import re

from ipywidgets import Button, HBox, HTML, Layout, Textarea, ToggleButtons, VBox

from stackerynb.errors import StackError
from stackerynb.widgets.template_text import Highlighter, template_yaml

log = logging.getLogger(__name__)

PANE_CLASS = "stackerynb-template-pane"
FORMATS = ("yaml", "json")
MIME = {"yaml": "text/yaml", "json": "application/json"}
ERROR_STYLE = "color:#d13212;white-space:pre-wrap;font-family:var(--jp-code-font-family,monospace);font-size:12px"
# The Copy button's click handler, run by the browser: the text sits (escaped) in a hidden <pre>
# beside it. The asynchronous clipboard API needs a secure context (localhost is one); the
# selection-and-copy fallback covers the rest.
_COPY_JS = (
    "const root=this.closest('.stackerynb-template-view');"
    "const text=root.querySelector('.stackerynb-template-source').textContent;"
    "const done=()=>{this.dataset.copied='1';this.textContent='Copied';"
    "setTimeout(()=>{this.textContent='Copy';},1500);};"
    "const fallback=()=>{const t=document.createElement('textarea');t.value=text;"
    "document.body.appendChild(t);t.select();document.execCommand('copy');t.remove();done();};"
    "if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(text).then(done,fallback);}"
    "else{fallback();}")
_BUTTON_STYLE = ("cursor:pointer;padding:2px 10px;margin-right:8px;border:1px solid var(--jp-border-color1,#bbb);"
                 "border-radius:2px;background:var(--jp-layout-color2,#eee);color:var(--jp-ui-font-color1,#000);"
                 "font-size:12px;text-decoration:none")


def highlight(text: str, fmt: str) -> str:
    """``text`` as highlighted HTML (pygments, inline styles in JupyterLab's theme colours)."""
    return Highlighter(keep=0).html(text, fmt)


def template_text(stack, environment: str, fmt: str = "yaml") -> str:
    """The template ``stack`` compiles to for ``environment`` as YAML (short-form tags) or JSON
    text; StackError when it does not compile."""
    from stackerynb.compile import compile_report
    result = compile_report(stack, environment, warn=False)
    return template_yaml(result.to_dict()) if fmt == "yaml" else result.to_json() + "\n"


def error_with_lines(message: str, text: str) -> str:
    """``message`` followed by the lines of ``text`` it names (``template:12: ...``) and the
    line before each (YAML often notices a mistake one line after it), so the user sees the
    place at fault without counting."""
    lines = text.splitlines()
    shown: dict[int, str] = {}
    for number in dict.fromkeys(int(n) for n in re.findall(r"template:(\d+)", message)):
        for n in (number - 1, number):
            if 1 <= n <= len(lines):
                shown[n] = f"{'>' if n == number else ' '} {n:>4} | {lines[n - 1]}"
    return message + ("\n" + "\n".join(shown[n] for n in sorted(shown)) if shown else "")


class TemplatePane(VBox):
    """The compiled template of ``stack`` for ``environment``, live, with Copy, Download, Edit
    and Apply. ``environment`` is a name or a callable giving the name (the editor's choice)."""

    def __init__(self, stack, environment="dev", *, fmt: str = "yaml", debounce: float = 0.3,
                 active: bool = True, **kwargs):
        self.stack = stack
        self._active = active
        self.stale = True  # the design changed since the text was compiled
        self._environment = environment
        self.debounce = debounce
        self.text: str | None = None  # the last template that compiled
        self.error: str | None = None  # why the design does not compile now, if it does not
        self.apply_error: str | None = None
        self.differences: list | None = None  # after Apply: how the design's template differs from the text
        self.compiles = 0
        self.highlighter = Highlighter()  # remembers highlighted resources across edits
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._applying = False  # Apply's many changes compile once, at the end
        self.format = ToggleButtons(options=[("YAML", "yaml"), ("JSON", "json")], value=fmt,
                                    style={"button_width": "56px"})
        self.format.add_class("stackerynb-template-format")
        self.format.observe(lambda _c: self._format_changed(), "value")
        self.edit_button = Button(description="Edit", icon="pencil", tooltip="Edit the template, then Apply it "
                                  "to the design", layout=Layout(width="auto"))
        self.edit_button.add_class("stackerynb-template-edit")
        self.edit_button.on_click(lambda _b: self.start_editing())
        self.apply_button = Button(description="Apply", icon="check", button_style="primary",
                                   tooltip="Import the edited template: the design becomes what it says",
                                   layout=Layout(width="auto"))
        self.apply_button.add_class("stackerynb-template-apply")
        self.apply_button.on_click(lambda _b: self.apply())
        self.cancel_button = Button(description="Cancel", icon="times", layout=Layout(width="auto"))
        self.cancel_button.add_class("stackerynb-template-cancel")
        self.cancel_button.on_click(lambda _b: self.stop_editing())
        self.status = HTML()
        self.status.add_class("stackerynb-template-status")
        self.view = HTML(layout=Layout(overflow="auto", max_height="560px"))
        self.view.add_class("stackerynb-template-view")
        self.editor = Textarea(rows=24, continuous_update=True, layout=Layout(width="100%"))
        self.editor.add_class("stackerynb-template-editor")
        self.message = HTML()
        self.message.add_class("stackerynb-template-message")
        self.editing = False
        self.bar = HBox([self.format, self.edit_button], layout=Layout(align_items="center"))
        super().__init__([self.bar, self.status, self.view], **kwargs)
        self.add_class(PANE_CLASS)
        stack.observe(self._on_change)
        if active:
            self.refresh()
        else:
            self.status.value = "<i>The template is compiled when this pane is shown.</i>"

    # ------------------------------------------------------------ reading
    @property
    def active(self) -> bool:
        """Whether the pane follows the design now. A pane out of sight (a hidden tab) only
        notes that the design changed, so edits stay fast; made active, it compiles if needed."""
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        self._active = bool(value)
        if self._active and self.stale:
            self.refresh()

    @property
    def environment(self) -> str:
        """The environment the template is compiled for."""
        env = self._environment
        return env() if callable(env) else env

    def set_environment(self, environment) -> None:
        """Compile for another environment (a name or a callable giving one)."""
        self._environment = environment
        self.refresh()

    @property
    def fmt(self) -> str:
        """``yaml`` or ``json``."""
        return self.format.value

    # ------------------------------------------------------------ live
    def _on_change(self, _change) -> None:
        self.stale = True
        if self._closed or self._applying or not self._active:
            return
        if self.debounce and self._schedule():
            return
        self.refresh()

    def _schedule(self) -> bool:
        """Compile ``debounce`` seconds from now on the running loop (a later edit pushes it
        back); False when there is no running loop (then the caller compiles at once)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.debounce, self._tick)
        return True

    def _tick(self) -> None:
        self._timer = None
        try:
            self.refresh()
        except Exception:  # noqa: BLE001 - a timer callback has nowhere to raise to
            log.exception("template pane refresh failed")

    def refresh(self) -> str | None:
        """Compile now and show the result (or why it does not compile); returns the text."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.compiles += 1
        self.stale = False
        try:
            self.text = template_text(self.stack, self.environment, self.fmt)
            self.error = None
        except StackError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug of ours: said briefly, details in the log
            log.exception("compiling for the template pane failed")
            self.error = f"unexpected error: {type(exc).__name__}: {exc}"
        self._draw()
        return self.text if self.error is None else None

    def _format_changed(self) -> None:
        if self.editing:  # the text being edited stays as typed; Apply reads YAML and JSON alike
            return
        self.refresh()

    def _draw(self) -> None:
        if self.error is not None:
            stale = " Below: the last template that compiled." if self.text else ""
            self.status.value = (f'<div class="stackerynb-template-error" style="{ERROR_STYLE}">'
                                 f"The design does not compile for {html.escape(self.environment)}:"
                                 f"\n{html.escape(self.error)}{stale}</div>")
        else:
            count = self.text.count("\n")
            self.status.value = (f'<div class="stackerynb-template-ok" style="font-size:smaller">'
                                 f"{html.escape(self.environment)}: {count} lines of "
                                 f"{self.fmt.upper()}</div>")
        self.view.value = self._view_html() if self.text else ""

    def _view_html(self) -> str:
        text, fmt = self.text, self.fmt
        name = f"{self.stack.name}-{self.environment}.{fmt}"
        data = base64.b64encode(text.encode()).decode()
        tools = (f'<div style="margin:2px 0 4px 0">'
                 f'<button class="stackerynb-template-copy" style="{_BUTTON_STYLE}" onclick="{_COPY_JS}">Copy</button>'
                 f'<a class="stackerynb-template-download" style="{_BUTTON_STYLE}" download="{html.escape(name)}" '
                 f'href="data:{MIME[fmt]};charset=utf-8;base64,{data}">Download {html.escape(name)}</a></div>')
        source = f'<pre class="stackerynb-template-source" hidden>{html.escape(text)}</pre>'
        code = (f'<div class="stackerynb-template-code" style="font-size:12px;line-height:1.35">'
                f"{self.highlighter.html(text, fmt)}</div>")
        return tools + source + code

    # ------------------------------------------------------------ two-way
    def start_editing(self) -> None:
        """Show the template as editable text with Apply and Cancel."""
        self.editing = True
        self.editor.value = self.text or ""
        self.message.value = ""
        self.apply_error = None
        self.bar.children = [self.format, self.apply_button, self.cancel_button]
        self.children = [self.bar, self.status, self.editor, self.message]

    def stop_editing(self) -> None:
        """Leave the editor without applying (the design stays as it is)."""
        self.editing = False
        self.bar.children = [self.format, self.edit_button]
        self.children = [self.bar, self.status, self.view]
        self.refresh()

    def apply(self, text: str | None = None) -> bool:
        """Import ``text`` (default: the edited text) and make the design what it says. True on
        success; otherwise the reason (with the lines it names) is shown and the design is
        left untouched."""
        text = self.editor.value if text is None else text
        try:
            fresh = self._import(text)
        except StackError as exc:
            self._refused(error_with_lines(str(exc), text))
            return False
        except Exception as exc:  # a bug of ours in the importer: the design is still untouched
            log.exception("importing the edited template failed")
            self._refused(f"unexpected error importing the template: {type(exc).__name__}: {exc}")
            return False
        from stackerynb.model.reloading import apply_file
        self._applying = True
        try:
            apply_file(self.stack, fresh)
        finally:
            self._applying = False
        self.apply_error = None
        self.differences = self._differences(text)
        self.message.value = self._applied_html()
        if self.editing:
            self.editing = False
            self.bar.children = [self.format, self.edit_button]
            self.children = [self.bar, self.status, self.view, self.message]
        self.refresh()
        return True

    def _differences(self, text: str) -> list | None:
        """What the design now compiles to that means something else than ``text`` (rows of
        the semantic diff), or None when that cannot be told (the design does not compile)."""
        try:
            from stackerynb.compile import compile_report
            from stackerynb.diff import semantic_diff
            compiled = compile_report(self.stack, self.environment, warn=False).to_dict()
            return semantic_diff(text, compiled)
        except Exception:  # noqa: BLE001 - the check is a courtesy: Apply itself succeeded
            log.debug("comparing the applied template with the design failed", exc_info=True)
            return None

    def _applied_html(self) -> str:
        kept = len((self.stack.raw or {}).get("Resources") or {})
        head = (f"Applied: {len(self.stack.nodes)} nodes, {len(self.stack.wires)} wires"
                + (f", {kept} resources kept as written (not drawn as nodes)." if kept else "."))
        rows = self.differences
        if rows is None:
            return f'<div class="stackerynb-template-applied" style="color:#037f0c">{html.escape(head)}</div>'
        if not rows:
            return (f'<div class="stackerynb-template-applied" style="color:#037f0c">{html.escape(head)} The '
                    "design compiles to a template that means the same as the text applied.</div>")
        shown = "".join(f"<li>{html.escape(r.category)} {html.escape(r.principal_or_resource)} "
                        f"{html.escape(r.key)}: {html.escape(r.detail or (r.before + ' -> ' + r.after))}</li>"
                        for r in rows[:8])
        more = f"<li>... {len(rows) - 8} more</li>" if len(rows) > 8 else ""
        return (f'<div class="stackerynb-template-applied">{html.escape(head)} '
                f'<span class="stackerynb-template-differs" style="color:#8d6605">The design compiles to a '
                f"template that differs in meaning from the text applied in {len(rows)} way"
                f"{'s' if len(rows) != 1 else ''} (what the importer could not carry over):</span>"
                f'<ul style="margin:2px 0">{shown}{more}</ul></div>')

    def _import(self, text: str):
        from stackerynb.importing import import_text
        if not text.strip():
            raise StackError("template:1: the template is empty; an empty design is a stack with no nodes "
                             "(remove them on the canvas instead)")
        fresh, _report = import_text(text, name=self.stack.name, filename="template")
        # Nodes that stay keep their place on the canvas (the importer lays out every node).
        layout = self.stack.layout
        for node in fresh.nodes:
            if node.id in layout and node.id in self.stack and self.stack.node(node.id).kind == node.kind:
                fresh.move(node.id, *layout[node.id])
        return fresh

    def _refused(self, reason: str) -> None:
        self.apply_error = reason
        self.message.value = (f'<div class="stackerynb-template-apply-error" style="{ERROR_STYLE}">'
                              f"Not applied (the design is unchanged):\n{html.escape(reason)}</div>")

    # ------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Stop following the stack and close the pane's widgets."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.stack.unobserve(self._on_change)
        for widget in (self.format, self.edit_button, self.apply_button, self.cancel_button, self.status,
                       self.view, self.editor, self.message, self.bar):
            widget.close()
        super().close()

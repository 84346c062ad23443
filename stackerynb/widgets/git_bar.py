"""A one-line git bar for the stack editor: branch, "changed underneath" warning, and the two
ways out of a conflict ("Create branch..." and "Reload").

    bar = GitBar(stack)          # embed it above the canvas: VBox([GitBar(stack), canvas])

The bar polls :func:`stackerynb.store.gitstore.changed_underneath` every ``poll_seconds`` on the
kernel's own event loop (``loop.call_later``), so the check never runs on another thread and
never while a cell is running. Outside a kernel (tests, scripts) there is no loop: call
:meth:`GitBar.refresh` yourself, as the editor may also do after each canvas interaction.
"""
from __future__ import annotations

import asyncio
import html

import ipywidgets as widgets

from stackerynb.errors import StackError
from stackerynb.store import gitstore

WARNING_STYLE = "color:#b45309;font-weight:600"


class GitBar(widgets.VBox):
    """Branch label, warning when the file changed underneath, "Create branch..." and "Reload"."""

    def __init__(self, stack, poll_seconds: float | None = 3.0, **kwargs):
        self.stack = stack
        self.poll_seconds = poll_seconds
        spaced = {"margin": "0 0.8em 0 0"}
        self.branch_label = widgets.HTML(layout=spaced)
        self.unsaved_label = widgets.HTML(layout=spaced)
        self.warning = widgets.HTML(layout=spaced)
        self.create_button = widgets.Button(description="Create branch...", icon="code-fork",
                                            tooltip="Save your edits on a new git branch")
        self.reload_button = widgets.Button(description="Reload", icon="refresh",
                                            tooltip="Discard your edits and load the stack file again")
        self.branch_name = widgets.Text(placeholder="new-branch-name", layout={"width": "16em"})
        self.create_confirm = widgets.Button(description="Create and save", button_style="primary")
        self.reload_confirm = widgets.Button(description="Discard edits and reload", button_style="danger")
        self.cancel_button = widgets.Button(description="Cancel")
        self.prompt_label = widgets.HTML()
        self.prompt = widgets.HBox([], layout={"display": "none"})
        self.message = widgets.HTML()
        self.create_button.on_click(lambda _: self.ask_branch_name())
        self.create_confirm.on_click(lambda _: self.create_branch(self.branch_name.value))
        self.reload_button.on_click(lambda _: self.ask_reload())
        self.reload_confirm.on_click(lambda _: self.reload(confirm=True))
        self.cancel_button.on_click(lambda _: self.hide_prompt())
        top = widgets.HBox([self.branch_label, self.unsaved_label, self.warning,
                            self.create_button, self.reload_button],
                           layout={"align_items": "center"})
        super().__init__([top, self.prompt, self.message], **kwargs)
        self.add_class("stackerynb-git-bar")
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False
        stack.observe(self._on_edit)
        self.refresh()
        self.start_polling()

    # ------------------------------------------------------------------ state
    def refresh(self) -> str | None:
        """Update branch, unsaved marker and warning from the stack and its file; returns the
        warning (None when the file and branch are as the stack last saw them)."""
        path = self.stack.path
        try:
            here = gitstore.where(path)
            reason = gitstore.changed_underneath(self.stack)
        except StackError as exc:  # e.g. the repository was removed or is unreadable
            here, reason = None, str(exc)
        self.branch_label.value = html.escape(_branch_text(path, here))
        self.create_button.disabled = here is None
        self.create_button.tooltip = ("Save your edits on a new git branch" if here is not None
                                      else "the stack file is not in a git repository")
        self.reload_button.disabled = path is None
        self._on_edit(None)
        self.warning.value = f'<span style="{WARNING_STYLE}">⚠ {html.escape(reason)}</span>' if reason else ""
        return reason

    def _on_edit(self, change) -> None:
        """Every edit (from Python or the canvas) may make or clear unsaved edits: show it at once."""
        self.unsaved_label.value = "● unsaved edits" if gitstore.has_unsaved_edits(self.stack) else ""

    # ------------------------------------------------------------------ create branch
    def ask_branch_name(self) -> None:
        """Show the branch-name box."""
        self.prompt_label.value = "New branch:"
        self.prompt.children = (self.prompt_label, self.branch_name, self.create_confirm, self.cancel_button)
        self.prompt.layout.display = "flex"

    def create_branch(self, name: str) -> bool:
        """Save the stack to the new branch ``name``; True on success, else the error is shown."""
        name = (name or "").strip()
        try:
            saved = self.stack.save(branch=name)
        except StackError as exc:
            self._say(str(exc), error=True)
            self.refresh()
            return False
        self.hide_prompt()
        self.branch_name.value = ""
        self._say(str(saved))  # says which branch holds what: it may not be checked out
        self.refresh()
        return True

    # ------------------------------------------------------------------ reload
    def ask_reload(self) -> None:
        """Reload at once when nothing would be lost; otherwise ask for confirmation first."""
        if not gitstore.has_unsaved_edits(self.stack):
            self.reload(confirm=False)
            return
        self.prompt_label.value = f'<span style="{WARNING_STYLE}">Discard your unsaved edits and reload?</span>'
        self.prompt.children = (self.prompt_label, self.reload_confirm, self.cancel_button)
        self.prompt.layout.display = "flex"

    def reload(self, confirm: bool = False) -> bool:
        """Reload the stack from its file; True on success, else the error is shown."""
        try:
            self.stack.reload(confirm=confirm)
        except StackError as exc:
            self._say(str(exc), error=True)
            self.refresh()
            return False
        self.hide_prompt()
        self._say(f"Reloaded {self.stack.path}.")
        self.refresh()
        return True

    def hide_prompt(self) -> None:
        """Hide the branch-name box or the reload confirmation."""
        self.prompt.layout.display = "none"
        self.prompt.children = ()

    def _say(self, text: str, error: bool = False) -> None:
        style = WARNING_STYLE if error else "color:#166534"
        body = html.escape(text).replace("\n", "<br>")
        self.message.value = f'<span style="{style}">{body}</span>'

    # ------------------------------------------------------------------ polling
    def start_polling(self) -> bool:
        """Poll every ``poll_seconds`` on the running event loop (the kernel's); False when there
        is no running loop or polling is off."""
        if not self.poll_seconds or self._timer is not None or self._stopped:
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._timer = loop.call_later(self.poll_seconds, self._tick)
        return True

    def _tick(self) -> None:
        self._timer = None
        try:
            self.refresh()
        finally:
            self.start_polling()

    def stop_polling(self) -> None:
        """Stop the periodic check."""
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        """Stop polling, stop following the stack, and close the widgets."""
        self.stop_polling()
        self.stack.unobserve(self._on_edit)
        super().close()


def _branch_text(path, here: dict | None) -> str:
    if path is None:
        return "not saved yet"
    if here is None:
        return "not in git"
    sha = here["sha"][:7] if here["sha"] else None
    if here["branch"] is None:
        return f"⎇ detached at {sha}"
    return f"⎇ {here['branch']}" + (f" @ {sha}" if sha else " (no commits yet)")

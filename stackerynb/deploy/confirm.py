"""Asking before changing infrastructure: on a terminal, in a notebook, or not at all (``yes``).

``mode(yes)`` decides how the question is asked, before anything is done, so a script that
cannot answer is refused with nothing changed. The notebook's Confirm/Cancel panel lives in
``stackerynb.widgets.confirm`` (imported only inside a kernel).
"""
from __future__ import annotations

import sys

from stackerynb.deploy.progress import in_notebook
from stackerynb.errors import StackError

YES, NOTEBOOK, TERMINAL = "yes", "notebook", "terminal"


def mode(yes: bool, what: str) -> str:
    """How to confirm: ``yes`` (already given), ``notebook`` (a button) or ``terminal`` (a prompt);
    StackError when nobody can be asked."""
    if yes:
        return YES
    if in_notebook():
        return NOTEBOOK
    if sys.stdin is not None and sys.stdin.isatty():
        return TERMINAL
    raise StackError(f"{what} needs a confirmation and there is no terminal or notebook to ask in: "
                     "pass yes=True (or --yes on the command line). Nothing was changed")


def ask_yes_no(question: str, stream_in=None, stream_out=None) -> bool:
    """Print ``question`` and read a line; only y/yes means yes (end of input means no)."""
    stream_in = stream_in or sys.stdin
    stream_out = stream_out or sys.stdout
    stream_out.write(f"{question} [y/N] ")
    stream_out.flush()
    answer = stream_in.readline()
    return answer.strip().lower() in ("y", "yes")


def ask_typed(question: str, expected: str, stream_in=None, stream_out=None) -> bool:
    """Ask the user to type ``expected`` (for destroying things); True only on an exact match."""
    stream_in = stream_in or sys.stdin
    stream_out = stream_out or sys.stdout
    stream_out.write(f"{question}\nType {expected} to confirm: ")
    stream_out.flush()
    return stream_in.readline().strip() == expected


def ask_to_execute(deployment, environment, stream_in=None, stream_out=None) -> bool:
    """The terminal question before executing: y/N, or typing the stack name in production."""
    where = f"{deployment.stack_name} ({environment.name})"
    if environment.production:
        return ask_typed(f"{where} is a PRODUCTION environment.", deployment.stack_name, stream_in, stream_out)
    return ask_yes_no(f"Execute this change set on {where}?", stream_in, stream_out)


def notebook_panel(danger: bool = False):
    """Display an empty deployment panel (it shows the preparation, then the change set with
    Confirm/Cancel, then the progress) and return it."""
    from IPython.display import display

    from stackerynb.widgets.confirm import ConfirmPanel  # only layer allowed ipywidgets
    panel = ConfirmPanel(danger=danger)
    display(panel)
    return panel


def attach(deployment, panel) -> None:
    """Show ``deployment`` in ``panel``; the deployment, as a cell's result, does not show twice."""
    from IPython import get_ipython
    panel.show(deployment)
    deployment._panel = panel
    deployment._shown_in = getattr(get_ipython(), "execution_count", None)

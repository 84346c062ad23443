"""Asking before changing infrastructure: the confirmation callback and its terminal form.

``deploy``/``destroy`` take a ``confirm`` callback (a plain callable, see :class:`Confirmation`)
and call it with the prepared deployment before executing. The terminal's is made here; the
notebook's Confirm/Cancel panel is the widgets layer's own (``stackerynb.widgets.confirm``), which
``Stack.deploy`` passes in a kernel. This layer never imports widgets.
"""
from __future__ import annotations

import sys
from typing import Protocol

from stackerynb.errors import StackError


class Confirmation(Protocol):
    """Asked before a prepared deployment (or teardown) is executed.

    Returns True to execute now, False to cancel (the change set is deleted), or None when the
    confirmation takes the deployment over (a notebook panel executes it when its button is
    clicked); ``deploy`` then returns the prepared deployment."""

    def __call__(self, deployment, environment) -> bool | None: ...


def can_ask() -> bool:
    """True when there is a terminal to ask on."""
    return sys.stdin is not None and sys.stdin.isatty()


def terminal(what: str) -> Confirmation:
    """The terminal's confirmation: prints the preview and asks y/N (deploy) or for the stack
    name to be typed (destroy, production). StackError, before anything is done, when there is
    no terminal to ask on."""
    if not can_ask():
        raise StackError(f"{what} needs a confirmation and there is no terminal to ask on: pass yes=True "
                         "(or --yes on the command line), or use stack.deploy()/stack.destroy() in a notebook. "
                         "Nothing was changed")

    def ask(deployment, environment) -> bool:
        print(deployment.preview())
        if deployment.kind == "destroy":
            return ask_typed(f"This deletes every resource of {deployment.stack_name} ({environment.name}).",
                             deployment.stack_name)
        return ask_to_execute(deployment, environment)
    return ask


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

"""Which environments the studio offers: those ``environments.yaml`` beside the stack defines,
or, with no such file, the local default alone (``dev``: any name means the local emulator
then, and ``dev`` is the name every ``stack.compile()``/``deploy()`` uses by default).

Never a name that does not exist: offering ``prod`` without a ``prod`` environment would
deploy a "production" that is just the local emulator under another name."""
from __future__ import annotations

from stackerynb.errors import StackError
from stackerynb.model.environments import load_environments

LOCAL_DEFAULT = "dev"


def environment_choices(stack) -> list[str]:
    """Environment names to offer for ``stack``: the defined ones in file order, else ``dev``.
    A file that cannot be read offers the local default; using it then names the file's error."""
    try:
        defined = load_environments(stack.folder)
    except StackError:
        defined = None
    if defined is None:
        return [LOCAL_DEFAULT]
    return list(defined)


def describe(stack, name: str) -> str:
    """One line saying where ``name`` deploys (for tooltips): ``dev: local emulator``."""
    try:
        env = stack.environment(name)
    except StackError as exc:
        return f"{name}: {exc}"
    if env.is_local:
        return f"{name}: the local emulator"
    where = f"AWS {env.region}" + (f", profile {env.profile}" if env.profile else "")
    return f"{name}: {where}{' (production)' if env.production else ''}"

"""The deploy layer takes its progress drawing and its confirmation as callbacks and never
imports the widgets layer (nor ipywidgets), not even inside a function."""
from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest

from stackerynb import Stack

DEPLOY = Path(__file__).resolve().parents[1] / "stackerynb" / "deploy"
FORBIDDEN = ("stackerynb.widgets", "ipywidgets")


def imported_names(path: Path) -> list[tuple[int, str]]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append((node.lineno, node.module))
    return names


def test_deploy_imports_no_widgets_anywhere():
    found = [f"{path.name}:{line} imports {name}" for path in sorted(DEPLOY.rglob("*.py"))
             for line, name in imported_names(path) if name.startswith(FORBIDDEN)]
    assert found == []


def test_the_checker_sees_a_lazy_import(tmp_path):
    seeded = tmp_path / "seeded.py"
    seeded.write_text("def f():\n    from stackerynb.widgets.confirm import ConfirmPanel\n")
    assert [name for _, name in imported_names(seeded) if name.startswith(FORBIDDEN)] == ["stackerynb.widgets.confirm"]


def test_deploy_takes_a_confirmation_and_a_progress_callback(tmp_path, local_target):
    """Plain Python callables: what a widget, a chat bot or a CI job would pass."""
    from stackerynb.deploy import ProgressReporter, deploy
    asked, drawn = [], []

    class Record(ProgressReporter):
        def phase(self, name):
            drawn.append(name)

        def finish(self, deployment):
            drawn.append(deployment.status)

    stack = Stack("callbacks")
    stack.add("queue", "Jobs")
    refused = deploy(stack, "dev", confirm=lambda d, env: asked.append((d.status, env.name)) or False,
                     reporter=Record())
    assert asked == [("prepared", "dev")] and refused.status == "cancelled"
    assert "creating change set" in drawn
    done = deploy(stack, "dev", confirm=lambda d, env: True, reporter=Record())
    assert done.status == "succeeded" and drawn[-1] == "succeeded"
    stack.add("topic", "News")
    taken = deploy(stack, "dev", confirm=lambda d, env: None, reporter=Record())
    assert taken.status == "prepared"  # the confirmation took it over
    taken.cancel()

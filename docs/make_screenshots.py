"""Regenerate ``docs/canvas.png``: the studio as a user meets it in JupyterLab.

A small stack (an API, three functions, a table, a queue and a generic Step Functions state
machine, wired) is opened with ``editor.open()`` in its own JupyterLab tab, laid out with Auto
layout, with the Template tab shown beside the canvas, and photographed in headless Debian
Chromium (Playwright, never a downloaded browser).

Run from the repository root: ``.venv/bin/python docs/make_screenshots.py [OUT.png]``.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from labdriver import CANVAS_CLASS, JupyterLab, NotebookPage, chromium_browser  # noqa: E402

VIEWPORT = {"width": 1500, "height": 900}

BUILD = """
from stackerynb import Stack
from stackerynb.widgets import StackEditor

stack = Stack("orders")
stack.add("rest_api", "Api")
stack.add("function", "GetOrder")
stack.add("function", "PutOrder", memory=512)
stack.add("table", "Orders")
stack.add("queue", "Receipts")
stack.add("function", "SendReceipt")
stack.add("resource", "Fulfilment", type="AWS::StepFunctions::StateMachine", properties={
    "RoleArn": "arn:aws:iam::123456789012:role/fulfilment",
    "DefinitionString": '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}'})
stack.connect("Api", "GetOrder")
stack.connect("Api", "PutOrder")
stack.connect("GetOrder", "Orders", access="read")
stack.connect("PutOrder", "Orders", access="write")
stack.connect("PutOrder", "Receipts")
stack.connect("Receipts", "SendReceipt")
stack.connect("PutOrder", "Fulfilment", actions=["states:StartExecution"])
editor = StackEditor(stack, git=False)
"""

OPEN = """
studio = editor.open()
studio.editor.gestures.auto_layout()
studio.editor.side.selected_index = 1  # the Template tab
studio.editor.template_pane.refresh()
"""

STUDIO_CANVAS = f".stackerynb-studio .{CANVAS_CLASS}"


def _studio_drawn(page, nodes: int, wires: int) -> None:
    page.wait_for_function(
        """([sel, nodes, wires]) => {
            const el = document.querySelector(sel);
            const cy = el && el._cyreg && el._cyreg.cy;
            return !!cy && cy.nodes('.stack-node').length >= nodes && cy.edges('.wire').length >= wires;
        }""", arg=[STUDIO_CANVAS, nodes, wires], timeout=60_000, polling=100)


def _steady(page) -> None:
    """Wait until the studio canvas's view stops moving (it fits itself after layout)."""
    last = None
    for _ in range(100):
        view = page.evaluate("""(sel) => { const cy = document.querySelector(sel)._cyreg.cy;
            return JSON.stringify([cy.zoom(), cy.pan(), cy.nodes().map(n => n.position())]); }""", STUDIO_CANVAS)
        if view == last:
            return
        last = view
        page.wait_for_timeout(250)
    raise RuntimeError("the studio canvas did not settle")


def main(out: Path = ROOT / "docs" / "canvas.png") -> Path:
    with tempfile.TemporaryDirectory() as tmp, chromium_browser() as browser:
        lab = JupyterLab(Path(tmp)).start()
        try:
            lab.write_notebook("studio.ipynb", [BUILD])
            page = browser.new_page(viewport=VIEWPORT)
            nb = NotebookPage(lab, page, "studio.ipynb").open()
            nb.run_all()
            page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # room for the studio
            kernel = lab.kernel_client("studio.ipynb")
            try:
                kernel.run(OPEN, timeout=60)
                _studio_drawn(page, nodes=7, wires=7)
                page.wait_for_function("""() => [...document.querySelectorAll('.stackerynb-studio .stackerynb-side')]
                    .some(side => side.innerText.includes('AWS::StepFunctions::StateMachine'))""", timeout=30_000)
                page.locator(f"{STUDIO_CANVAS}").first.hover()  # keys and wheel go to the canvas
                page.evaluate("(sel) => document.querySelector(sel)._cyreg.cy.fit(undefined, 40)", STUDIO_CANVAS)
                _steady(page)
                kernel.run("studio.editor.sync.select('Fulfilment')")  # its card highlighted
                page.mouse.move(1, 1)
                _steady(page)
                errors = nb.widget_errors()
                if errors:
                    raise RuntimeError(f"widget errors in the page: {errors}")
                page.screenshot(path=str(out))
            finally:
                kernel.close()
            nb.shut_down()
        finally:
            lab.stop()
    print(f"wrote {out}")
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "canvas.png")

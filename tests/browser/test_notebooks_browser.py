"""The guided tour as a newcomer runs it: every notebook opened in JupyterLab and run top to
bottom shows no traceback, no placeholder (``Loading widget...``, ``<Figure size ...>``), its
plots as images and no MathJax formula made out of a ``$`` in a table."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from labdriver import NotebookPage, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from notebook_outputs import KNOWN_ISSUES_IN_LAB as KNOWN_ISSUES, PLACEHOLDERS, PLOT_CALL  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OUTPUTS = ".jp-OutputArea-output"


def _cases():
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(reason=KNOWN_ISSUES[p.stem], strict=False)]
                         if p.stem in KNOWN_ISSUES else []) for p in NOTEBOOKS]



def output_texts(page) -> list[str]:
    return page.locator(OUTPUTS).all_inner_texts()


def run_notebook(jupyterlab, browser, name: str, timeout_s: float = 900) -> NotebookPage:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    nb = NotebookPage(jupyterlab, page, name).open()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function("() => [...document.querySelectorAll('.jp-InputPrompt')]"
                           ".some(p => p.textContent.includes('*') || /\\d/.test(p.textContent))", timeout=60_000)
    nb.wait_idle(timeout=timeout_s * 1000)
    # widget views draw after the kernel is idle: wait for every one to replace its placeholder
    wait_until(lambda: not any("Loading widget" in t for t in output_texts(page)), timeout=30, what="the widgets to draw")
    return nb


@pytest.mark.parametrize("path", _cases())
def test_a_notebook_run_in_jupyterlab_shows_what_it_promises(path, jupyterlab, browser):
    tour = jupyterlab.root / "tour"
    tour.mkdir(exist_ok=True)
    shutil.copy(path, tour / path.name)
    for other in (ROOT / "notebooks").iterdir():
        if other.is_dir() and not other.name.startswith(".") and not (tour / other.name).exists():
            shutil.copytree(other, tour / other.name)
    name = f"tour/{path.name}"
    nb = run_notebook(jupyterlab, browser, name)
    try:
        page = nb.page
        texts = output_texts(page)
        tracebacks = [t for t in texts if "Traceback" in t]
        assert not tracebacks, "a traceback:\n" + "\n---\n".join(tracebacks)[:3000]
        placeholders = [m.group(0) for t in texts for m in [PLACEHOLDERS.search(t)] if m]
        assert not placeholders, f"placeholder text in the outputs: {placeholders}"
        formulas = page.evaluate(f"() => [...document.querySelectorAll('{OUTPUTS}')]"
                                 ".filter(o => o.querySelector('mjx-container')).map(o => o.innerText.slice(0, 200))")
        assert formulas == [], f"MathJax typeset a formula in: {formulas}"
        plots = sum(bool(PLOT_CALL.search(c.source)) for c in nbformat.read(path, as_version=4).cells
                    if c.cell_type == "code")
        assert page.locator(f"{OUTPUTS} img").count() >= plots, "a plot without its image"
        assert nb.widget_errors() == []
    finally:
        nb.shut_down()


def test_mathjax_typesets_a_plain_pandas_table_but_not_one_shown_after_import_stackerynb(jupyterlab, browser):
    """The check above can fail: in this JupyterLab, pandas' own HTML of ``${A} and ${B}``
    becomes a formula; the same frame after ``import stackerynb`` stays text."""
    name = "dollars.ipynb"
    frame = "pd.DataFrame({'resource': ['${Work.Arn} to ${Other.Arn}']})"
    jupyterlab.write_notebook(name, [f"import pandas as pd\n{frame}", f"import stackerynb\n{frame}"])
    nb = run_notebook(jupyterlab, browser, name, timeout_s=120)
    try:
        outputs = nb.page.locator(f".jp-Cell {OUTPUTS}")
        wait_until(lambda: outputs.nth(0).locator("mjx-container").count() > 0, timeout=30, what="MathJax in the plain table")
        assert outputs.nth(1).locator("mjx-container").count() == 0
        assert "${Work.Arn} to ${Other.Arn}" in outputs.nth(1).inner_text()
    finally:
        nb.shut_down()

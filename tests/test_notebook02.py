"""Notebook 02 runs under nbclient and its plots are images, not figure reprs (issue 14 item 1)."""
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02-consolidation-costs.ipynb"


def test_notebook_02_does_not_force_a_non_interactive_backend():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any("matplotlib.use(" in c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
@pytest.mark.parametrize("backend", [None, "Agg"], ids=["kernel-default", "Agg"])
def test_every_plot_cell_of_notebook_02_shows_a_png(tmp_path, backend, monkeypatch):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for other in (ROOT / "notebooks").iterdir():
        if other.is_dir() and not other.name.startswith("."):
            shutil.copytree(other, tmp_path / other.name)
    if backend:
        monkeypatch.setenv("MPLBACKEND", backend)  # what tests/test_notebooks.py runs under
    else:
        monkeypatch.delenv("MPLBACKEND", raising=False)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[0]
    plot_cells = [c for c in code if "plots." in c.source]
    assert len(plot_cells) == 3
    for cell in plot_cells:
        data = [o.get("data", {}) for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
        assert any("image/png" in d for d in data), f"no image from: {cell.source[:60]}"
        shown = " ".join(d.get("text/plain", "") for d in data if "image/png" not in d)
        assert "<Figure size" not in shown

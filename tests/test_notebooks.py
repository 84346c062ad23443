"""Every notebook runs top to bottom on the local target without an error output, and is
committed with its outputs stripped."""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_tour_is_complete():
    names = {p.name for p in NOTEBOOKS}
    assert {"01-design-a-stack.ipynb", "02-consolidation-costs.ipynb", "03-deploy-from-a-cell.ipynb",
            "04-rate-limiting-patterns.ipynb", "05-private-networks.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs before committing"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, local_target):
    # local_target: kernels deploy to the session's emulator instead of starting project emulators
    nb = nbformat.read(path, as_version=4)
    # Run in a copy of the notebooks folder so saved stacks and code folders land in tmp.
    for other in (ROOT / "notebooks").iterdir():
        if other.is_dir() and not other.name.startswith("."):
            import shutil
            shutil.copytree(other, tmp_path / other.name)
    env_before = dict(os.environ)
    os.environ["MPLBACKEND"] = "Agg"
    try:
        client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    errors = [(i, o) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for o in cell.get("outputs", []) if o.output_type == "error" or o.get("name") == "stderr" and "Traceback" in o.get("text", "")]
    assert not errors, f"{path.name}: cell {errors[0][0]} failed: {errors[0][1]}"

"""Cell times of notebook 02 under nbclient (target: no cell over 10 s).

    python benchmarks/notebook02.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import pandas as pd
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    nb = nbformat.read(ROOT / "notebooks" / "02-consolidation-costs.ipynb", as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        for other in (ROOT / "notebooks").iterdir():
            if other.is_dir() and not other.name.startswith("."):
                shutil.copytree(other, Path(tmp) / other.name)
        NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=True,
                       resources={"metadata": {"path": tmp}}).execute()
    rows = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        t = cell.metadata.get("execution", {})
        start, end = t.get("iopub.execute_input"), t.get("shell.execute_reply")
        secs = (pd.Timestamp(end) - pd.Timestamp(start)).total_seconds() if start and end else float("nan")
        rows.append((i, secs, cell.source.splitlines()[0][:70]))
    for i, secs, first in rows:
        print(f"cell {i:2d} {secs:6.2f} s  {first}")
    worst = max(r[1] for r in rows)
    print(f"slowest cell {worst:.2f} s; total {sum(r[1] for r in rows):.1f} s")
    sys.exit(0 if worst <= 10 else 1)


if __name__ == "__main__":
    main()

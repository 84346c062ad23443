"""Cell times of the shipped notebooks under nbclient (target: no cell over 10 s).

    python benchmarks/notebook_cells.py            # every notebook in notebooks/
    python benchmarks/notebook_cells.py 02 05      # the notebooks whose names start so

Each notebook runs in a temporary copy of notebooks/ (their data folders included), deploying
to the local emulator as `make lab` does. Exits 1 when any cell took longer than 10 s.
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
LIMIT_S = 10.0


def cell_times(path: Path) -> list[tuple[int, float, str]]:
    """(cell index, seconds, first line) of each code cell of ``path``, run top to bottom."""
    nb = nbformat.read(path, as_version=4)
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
        rows.append((i, secs, (cell.source.splitlines() or [""])[0][:70]))
    return rows


def main(argv=None) -> int:
    prefixes = list(sys.argv[1:] if argv is None else argv)
    notebooks = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb")
                       if not prefixes or any(p.name.startswith(x) for x in prefixes))
    worst_overall = 0.0
    for path in notebooks:
        rows = cell_times(path)
        worst = max((r[1] for r in rows), default=0.0)
        worst_overall = max(worst_overall, worst)
        print(f"{path.name}: slowest cell {worst:.2f} s, total {sum(r[1] for r in rows):.1f} s")
        for i, secs, first in rows:
            if secs > 1:
                print(f"  cell {i:2d} {secs:6.2f} s  {first}")
    print(f"slowest cell of all: {worst_overall:.2f} s (target <= {LIMIT_S:.0f} s)")
    return 0 if worst_overall <= LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main())

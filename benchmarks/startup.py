"""Start-up against its floor: a bare interpreter start (``python -c pass``).

    python benchmarks/startup.py                      # medians of 7 runs, 12 corpus templates
    python benchmarks/startup.py --templates 0        # every template of the corpus (211)
    python benchmarks/startup.py --vs main            # side by side with main's code, ratios

Each measure is a new process timed from outside (what a user waits for):
``python -c pass`` (the floor), ``python -c "import stackerynb"`` (target <= 2x the floor),
``python -m stackerynb --help`` (target <= 4x), and ``python -m stackerynb import T -o s.yaml``
for corpus templates T (target < 1 s each, cold). Runs alternate between the measures so a
busy moment on the shared machine hits them all.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _compare  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sam"
TARGETS = {"import stackerynb": 2.0, "stackerynb --help": 4.0}  # x the bare interpreter
IMPORT_TARGET_S = 1.0


def timed(argv: list[str], cwd: str, refusals: list | None = None) -> float:
    """Seconds the command takes. With ``refusals``, a clear refusal (exit 1, ``error: ...``:
    some corpus templates are refused on purpose, e.g. for a duplicate key) is timed too and
    noted there; anything else that fails stops the benchmark."""
    env = dict(os.environ, PYTHONPATH=_compare.code_root())
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode == 1 and refusals is not None and "Traceback" not in done.stderr:
        refusals.append(done.stderr.strip().splitlines()[-1])
    elif done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per start-up measure (default 7)")
    parser.add_argument("--templates", type=int, default=12,
                        help="corpus templates to import cold, spread over the corpus; 0 = all (default 12)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    _compare.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.vs:
        return _compare.run(args.vs, __file__, argv, runs=args.vs_runs)

    python = sys.executable
    starts = {
        "python -c pass": [python, "-c", "pass"],
        "import stackerynb": [python, "-c", "import stackerynb"],
        "stackerynb --help": [python, "-m", "stackerynb", "--help"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        times: dict[str, list[float]] = {name: [] for name in starts}
        for _ in range(args.runs):
            for name, command in starts.items():
                times[name].append(timed(command, tmp))
        medians = {name: statistics.median(values) for name, values in times.items()}
        floor = medians["python -c pass"]
        print(f"{'measure':<20} {'median s':>9} {'x floor':>8} {'target':>7}")
        for name, seconds in medians.items():
            target = TARGETS.get(name)
            verdict = "" if target is None else f"{'<=' if seconds / floor <= target else 'MISS >'}{target:g}x"
            print(f"{name:<20} {seconds:>9.3f} {seconds / floor:>8.1f} {verdict:>7}")

        files = sorted(p for p in args.corpus.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
        if args.templates and len(files) > args.templates:
            step = len(files) / args.templates
            files = [files[int(i * step)] for i in range(args.templates)]
        imports, refusals = {}, []
        for path in files:
            imports[path.name] = timed([python, "-m", "stackerynb", "import", str(path), "-o", "s.yaml", "--force"],
                                       tmp, refusals)
        slowest = max(imports, key=imports.get)
        over = [name for name, seconds in imports.items() if seconds >= IMPORT_TARGET_S]
        print(f"cold import of {len(imports)} templates: median {statistics.median(imports.values()):.3f} s, "
              f"max {imports[slowest]:.3f} s ({slowest}); {len(over)} at or over {IMPORT_TARGET_S:g} s"
              + (f": {', '.join(over[:5])}" if over else "")
              + (f"; {len(refusals)} refused with a clear error (timed too)" if refusals else ""))

    metrics = {f"{name} s": seconds for name, seconds in medians.items()}
    metrics["cold import median s"] = statistics.median(imports.values())
    metrics["cold import max s"] = imports[slowest]
    _compare.emit(args, metrics)
    missed = any(medians[name] / floor > target for name, target in TARGETS.items()) or bool(over)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Comparison mode for every benchmark: ``benchmarks/X.py --vs BASE`` runs this tree's code and
BASE's code side by side and prints medians and ratios, so a change that slows a path shows up
as a ratio rather than as a noisy absolute time on a shared machine.

How it works: BASE (any git revision: ``main``, ``HEAD~3``, a sha) is checked out with
``git worktree add --detach`` into a temporary folder. The benchmark script of *this* tree is
then run in fresh subprocesses, alternating between the trees (ABBA order, so a busy moment
hits both), with ``BENCH_CODE_ROOT`` naming the tree whose ``stackerynb`` it must import. Each
child prints its measurements as one ``BENCH-JSON {...}`` line (metric name -> seconds or any
number); the parent prints the median of each metric per tree and ``this / base``. The
worktree is removed afterwards, whatever happens.

Adopting it in a benchmark takes four lines:

    import _compare                                    # beside the script, on sys.path[0]
    sys.path.insert(0, _compare.code_root())           # instead of inserting the repo root
    _compare.add_arguments(parser)                     # --vs BASE, --vs-runs N, --emit-json
    if args.vs: return _compare.run(args.vs, __file__, argv, runs=args.vs_runs)
    ...
    _compare.emit(args, {"deploy first s": 2.5, ...})  # at the end: prints BENCH-JSON when asked

The measuring code comes from this tree in both runs, so it must only call API that BASE has
too (feature-detect newer functions with ``getattr``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

MARK = "BENCH-JSON "
ROOT = Path(__file__).resolve().parents[1]


def code_root() -> str:
    """The tree whose code a benchmark imports: BASE's in a comparison child, else this repo."""
    return os.environ.get("BENCH_CODE_ROOT") or str(ROOT)


def add_arguments(parser) -> None:
    """Add ``--vs BASE``, ``--vs-runs N`` and the children's ``--emit-json`` to ``parser``."""
    parser.add_argument("--vs", metavar="BASE", help="run BASE's code side by side (a git revision) and print ratios")
    parser.add_argument("--vs-runs", type=int, default=5, help="alternating runs per tree with --vs (default 5)")
    parser.add_argument("--emit-json", action="store_true", help=argparse.SUPPRESS)


def emit(args, metrics: dict) -> None:
    """Print ``metrics`` for a comparing parent when this process is one of its children."""
    if getattr(args, "emit_json", False):
        print(MARK + json.dumps(metrics), flush=True)


def run(base: str, script: str, argv: list[str] | None, *, runs: int = 5) -> int:
    """Run ``script`` (with ``argv`` minus ``--vs``) against this tree and ``base``; print medians."""
    argv = _without_vs(list(sys.argv[1:] if argv is None else argv))
    script = str(Path(script).resolve())
    sha = _git("rev-parse", "--verify", f"{base}^{{commit}}").strip()
    folder = Path(tempfile.mkdtemp(prefix="bench-vs-"))
    tree = folder / "base"
    _git("worktree", "add", "--detach", str(tree), sha)
    try:
        trees = {"this": str(ROOT), "base": str(tree)}
        results: dict[str, list[dict]] = {"this": [], "base": []}
        for i in range(runs):
            order = ("this", "base") if i % 2 == 0 else ("base", "this")
            for name in order:
                results[name].append(_child(script, argv, trees[name]))
                print(f"  run {i + 1}/{runs} {name}: done", file=sys.stderr, flush=True)
    finally:
        _git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(folder, ignore_errors=True)
    _print(results, base, sha)
    return 0


def _child(script: str, argv: list[str], tree: str) -> dict:
    env = dict(os.environ, BENCH_CODE_ROOT=tree, PYTHONPATH=tree)
    done = subprocess.run([sys.executable, script, *argv, "--emit-json"], env=env, cwd=tree,
                          capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode not in (0, 1) or not lines:  # 1: the benchmark missed its own target
        raise SystemExit(f"benchmark in {tree} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(lines[-1][len(MARK):])


def _print(results: dict[str, list[dict]], base: str, sha: str) -> None:
    metrics = [m for m in results["this"][0] if all(m in r for r in results["this"] + results["base"])]
    width = max([len(m) for m in metrics] + [6])
    print(f"\nmedians of {len(results['this'])} alternating runs; base {base} ({sha[:10]})")
    print(f"{'metric':<{width}} {'this':>11} {'base':>11} {'this/base':>9}")
    for metric in metrics:
        this = statistics.median(r[metric] for r in results["this"])
        other = statistics.median(r[metric] for r in results["base"])
        ratio = this / other if other else float("nan")
        print(f"{metric:<{width}} {this:>11.4g} {other:>11.4g} {ratio:>9.2f}")


def _without_vs(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--vs", "--vs-runs"):
            skip = True
            continue
        if arg.startswith(("--vs=", "--vs-runs=")):
            continue
        out.append(arg)
    return out


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout

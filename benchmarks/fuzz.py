"""The audit's fuzzers at length: count outcomes over 10,000+ hostile inputs.

    PYTHONPATH=. .venv/bin/python benchmarks/fuzz.py [--cases 2500] [--seed 0] [--deep]

Four targets, ``--cases`` each (the strategies live in ``tests/fuzzing.py``, shared with the
hypothesis tests in ``tests/test_fuzz.py``):

* stack files: load, check, save, load back (``--deep``: also compile what validates);
* templates: read (``--deep``: also import into a stack and write it);
* environments.yaml: load and resolve every environment;
* Stack API call sequences: add/connect/set/remove/rename/place/move/disconnect with random and
  hostile values (each call counted on its own).

Every outcome is "success" or "StackError"; anything else is a bug, printed with its input and
traceback (the first few of each kind), and the exit status is 1. Target: "other" = 0.
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import fuzzing  # noqa: E402  (tests/fuzzing.py: the strategies and targets)


def fuzz(name: str, strategy, run, cases: int, seed: int, counts: collections.Counter,
         failures: dict) -> None:
    """Draw ``cases`` inputs from ``strategy``, run each, count outcomes (never stop early)."""

    @hypothesis_seed(seed)
    @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(example):
        try:
            outcome = run(example)
        except Exception as exc:  # noqa: BLE001 - the point is to count what escapes
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            kind = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}"
            counts[(name, "other")] += 1
            if len(failures.setdefault(kind, [])) < 3:
                failures[kind].append((name, repr(example)[:600], "".join(traceback.format_exception(exc))[-1500:]))
            return
        if isinstance(outcome, dict):  # API programs: one outcome per call
            for key, value in outcome.items():
                counts[(name, key)] += value
        else:
            counts[(name, outcome)] += 1

    one()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2500, help="inputs per target (default 2500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--deep", action="store_true", help="also compile loaded stacks and import templates")
    args = parser.parse_args(argv)
    counts: collections.Counter = collections.Counter()
    failures: dict = {}
    with fuzzing.scratch() as tmp:
        folder = Path(tmp)
        targets = [
            ("stack files", fuzzing.stack_texts, lambda t: fuzzing.run_stack_text(t, folder, compile_too=args.deep)),
            ("templates", fuzzing.template_texts, lambda t: fuzzing.run_template_text(t, import_too=args.deep)),
            ("environments", fuzzing.environment_texts, lambda t: fuzzing.run_environment_text(t, folder)),
            ("API calls", fuzzing.api_programs, lambda p: fuzzing.run_api_program(p, folder)),
        ]
        print(f"{'target':<14} {'inputs':>7} {'success':>8} {'StackError':>10} {'other':>6} {'seconds':>8}")
        for name, strategy, run in targets:
            started = time.perf_counter()
            before = sum(counts.values())
            fuzz(name, strategy, run, args.cases, args.seed, counts, failures)
            calls = sum(counts.values()) - before
            print(f"{name:<14} {calls:>7} {counts[(name, 'success')]:>8} {counts[(name, 'StackError')]:>10} "
                  f"{counts[(name, 'other')]:>6} {time.perf_counter() - started:>8.1f}")
    total = {key: sum(v for (_, k), v in counts.items() if k == key) for key in ("success", "StackError", "other")}
    print(f"{'total':<14} {sum(total.values()):>7} {total['success']:>8} {total['StackError']:>10} {total['other']:>6}")
    for kind, examples in failures.items():
        print(f"\n=== {kind} ({len(examples)} shown)")
        for target, example, trace in examples:
            print(f"--- {target}: {example}\n{trace}")
    return 1 if total["other"] else 0


if __name__ == "__main__":
    sys.exit(main())

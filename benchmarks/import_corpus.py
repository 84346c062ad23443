"""Import every template of a corpus and summarise: how many import fully (no raw resource),
how many keep raw resources, how many fail, and the most common reasons a resource stays raw.

    python benchmarks/import_corpus.py [CORPUS_DIR]              # import only (seconds)
    python benchmarks/import_corpus.py --roundtrip [CORPUS_DIR]  # + compile, diff, cfn-lint (minutes)
    python benchmarks/import_corpus.py --roundtrip --no-lint     # the same without cfn-lint

The round trip measures what issue 16 asks of an import ("Done when"), whatever the importer
does today:

* node share: template resources that became nodes or were absorbed into one;
* curated share: template resources that became curated kinds (not the generic ``resource``
  kind), counting those absorbed into a curated node;
* meaning: each imported stack compiled back (environment ``dev``) and compared with its
  template by the semantic diff (stackerynb/diff, SAM expanded on both sides; logging to a
  function's own log group excepted): templates with any change in meaning, rows by category;
* new cfn-lint errors: errors of the compiled template that the original does not have;
* time: import per template in this process (warm), and a few imports in new processes (cold).
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "sam"
GENERIC_KIND = "resource"  # the generic node kind (any CloudFormation type), not a curated one
WARM_TARGET_S = 0.2


def corpus_files(folder) -> list[Path]:
    """The corpus's templates, sorted."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def normalise(reason: str, ids) -> str:
    """A reason with this template's logical ids replaced by ``<id>``, so reasons group."""
    for lid in sorted(ids, key=len, reverse=True):
        if len(lid) > 2:
            reason = re.sub(rf"(?<!::)\b{re.escape(lid)}\b", "<id>", reason)
    reason = re.sub(r"event \S+ \(", "event <name> (", reason)
    return reason[:120]


def import_all(files):
    """(results {path: (stack, report)}, failures {path: message}, raw reasons, seconds per path)."""
    from stackerynb.errors import StackError
    from stackerynb.importing import import_template

    results, failures, reasons, seconds = {}, {}, collections.Counter(), {}
    for path in files:
        start = time.perf_counter()
        try:
            stack, report = import_template(path)
        except StackError as exc:
            failures[path] = str(exc).splitlines()[0]
            continue
        finally:
            seconds[path] = time.perf_counter() - start
        results[path] = (stack, report)
        ids = set(report["resource"]) | set(report["node"].dropna())
        for reason in report.loc[report.outcome == "raw", "reason"]:
            if not reason.startswith("made by the import"):
                reasons[normalise(reason, ids)] += 1
    return results, failures, reasons, seconds


def resource_shares(report) -> tuple[int, int, int]:
    """(template resources, became nodes or absorbed, became curated kinds) for one report. An
    absorbed resource counts as curated when a node it went into (``absorbed_into``) is curated;
    one that names no node is not counted as curated."""
    own = report[report.line.notna() | ~report.reason.astype(str).str.startswith("made by the import")]
    own = own[own.reason.astype(str) != "made by the import"]
    kinds = dict(zip(report.node, report.kind))
    total = len(own)
    kept = int(own.outcome.isin(["node", "absorbed"]).sum())
    curated = 0
    for row in own.itertuples():
        if row.outcome == "node":
            curated += row.kind != GENERIC_KIND
        elif row.outcome == "absorbed":
            owners = [kinds.get(n) for n in _into(row.absorbed_into)]
            curated += any(k is not None and k != GENERIC_KIND for k in owners)
    return total, kept, curated


def _into(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else ()


def unnamed_absorptions(report) -> list[str]:
    """Absorbed resources whose row names no node they went into (``absorbed_into`` empty)."""
    rows = report[report.outcome == "absorbed"]
    return [r.resource for r in rows.itertuples() if not _into(r.absorbed_into)]


@dataclass
class Figures:
    """What a corpus round trip measured."""

    templates: int = 0
    imported: int = 0
    failed: dict = field(default_factory=dict)
    resources: int = 0
    kept: int = 0  # nodes or absorbed
    curated: int = 0
    unnamed: dict = field(default_factory=dict)  # template -> absorbed resources naming no node
    checked: int = 0  # templates compiled back and compared
    unchecked: dict = field(default_factory=dict)  # template -> why it could not be compared
    differ: dict = field(default_factory=dict)  # template -> rows
    rows_by_category: collections.Counter = field(default_factory=collections.Counter)
    new_lint: dict = field(default_factory=dict)  # template -> new errors
    linted: bool = False
    seconds: dict = field(default_factory=dict)  # template -> warm import seconds
    results: dict = field(default_factory=dict)  # template path -> (stack, report)

    @property
    def node_share(self) -> float:
        return self.kept / max(self.resources, 1)

    @property
    def curated_share(self) -> float:
        return self.curated / max(self.resources, 1)

    @property
    def same_meaning(self) -> int:
        return self.checked - len(self.differ)


def lint_errors(text: str) -> set:
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    return {(m.rule.id, m.message) for m in lint(text, config=ManualArgs(regions=["us-east-1"]))
            if m.rule.id.startswith("E")}


def roundtrip(files, *, lint: bool = True, progress=None) -> Figures:
    """Import, compile back, diff (and lint) every template; the figures of issue 16."""
    from stackerynb.diff import semantic_diff
    from stackerynb.diff.sam import expand_sam
    from stackerynb.errors import StackError
    from stackerynb.importing import read_template
    from stackerynb.importing.roundtrip import compiled_for_check

    figures = Figures(templates=len(files), linted=lint)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results, failures, _, seconds = import_all(files)
        figures.imported, figures.failed, figures.seconds = len(results), failures, seconds
        figures.results = results
        for path, (stack, report) in results.items():
            total, kept, curated = resource_shares(report)
            figures.resources += total
            figures.kept += kept
            figures.curated += curated
            if unnamed := unnamed_absorptions(report):
                figures.unnamed[path.name] = unnamed
            original = read_template(path).data
            try:
                expanded = expand_sam(original)  # once: the diff takes the expanded original as it is
            except StackError as exc:
                figures.unchecked[path.name] = f"the original is refused by the SAM transform: {str(exc)[:100]}"
                continue
            try:
                compiled = compiled_for_check(stack, report.attrs.get("environment_parameters", ()))
                rows = semantic_diff(expanded, compiled)
            except Exception as exc:  # a failure here is a finding to report, not a crash
                figures.unchecked[path.name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                continue
            figures.checked += 1
            if rows:
                figures.differ[path.name] = rows
                figures.rows_by_category.update(r.category for r in rows)
            if lint:
                new = lint_errors(json.dumps(compiled)) - lint_errors(json.dumps(original))
                if new:
                    figures.new_lint[path.name] = sorted(new)
            if progress:
                progress(path)
    return figures


def cold_imports(files, count: int) -> dict[str, float]:
    """Seconds for ``stackerynb import T -o stack.yaml`` in a new process (as a user runs it,
    the interpreter's start included), for ``count`` templates spread over ``files``."""
    import tempfile

    if count <= 0:
        return {}
    step = max(len(files) // count, 1)
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for path in files[::step][:count]:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "stackerynb", "import", str(path), "-o", "stack.yaml", "--force"],
                           check=False, capture_output=True, cwd=folder)
            out[path.name] = time.perf_counter() - start
    return out


def table(rows: list[tuple[str, str, str]]) -> str:
    """Rows of (measure, value, target) as an aligned text table."""
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def report_figures(figures: Figures, cold: dict[str, float], details: bool = True) -> str:
    """The round trip's figures as a table (and, with ``details``, what differs where)."""
    warm = sorted(figures.seconds.values())
    slow = [f"{p.name} {s:.2f}s" for p, s in figures.seconds.items() if s > WARM_TARGET_S]
    rows = [("measure", "value", "issue 16 target"),
            ("templates imported", f"{figures.imported}/{figures.templates}", "all"),
            ("resources that are nodes or absorbed", f"{figures.node_share:.1%} ({figures.kept}/{figures.resources})", ">= 99%"),
            ("resources that are curated kinds", f"{figures.curated_share:.1%} ({figures.curated}/{figures.resources})", ">= 60%"),
            ("absorbed resources naming no node", f"{sum(map(len, figures.unnamed.values()))}", "0"),
            ("templates compiled back and compared", f"{figures.checked}", f"{figures.imported}"),
            ("templates whose meaning differs", f"{len(figures.differ)}", "0"),
            ("diff rows by category", ", ".join(f"{c} {n}" for c, n in figures.rows_by_category.most_common()) or "none", "none"),
            ("templates with new cfn-lint errors", f"{len(figures.new_lint)}" if figures.linted else "not run", "0"),
            ("warm import per template (median/max)",
             f"{1000 * statistics.median(warm):.0f} ms / {1000 * warm[-1]:.0f} ms" if warm else "-", "< 200 ms each"),
            ("imports slower than 0.2 s warm", f"{len(slow)}", "0")]
    if cold:
        rows.append(("cold process import (median/max)",
                     f"{statistics.median(cold.values()):.2f} s / {max(cold.values()):.2f} s over {len(cold)}", "< 1 s"))
    out = [table(rows)]
    if details:
        for name, why in sorted(figures.unchecked.items()):
            out.append(f"  not compared: {name}: {why}")
        for name, errors in sorted(figures.new_lint.items()):
            for code, message in errors:
                out.append(f"  new lint error: {name}: {code}: {message[:140]}")
        for name, rows_ in sorted(figures.differ.items()):
            counts = collections.Counter(r.category for r in rows_)
            out.append(f"  differs: {name}: " + ", ".join(f"{c} {n}" for c, n in counts.most_common()))
        if slow:
            out.append("  slow warm imports: " + ", ".join(slow))
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--roundtrip", action="store_true", help="compile back, diff and lint too")
    parser.add_argument("--no-lint", action="store_true", help="with --roundtrip: leave cfn-lint out (faster)")
    parser.add_argument("--cold", type=int, default=5, help="with --roundtrip: templates imported in new processes")
    parser.add_argument("--top", type=int, default=15, help="how many reasons to list")
    parser.add_argument("--rows", metavar="TEMPLATE", default=None, help="with --roundtrip: print the diff rows of one template")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    files = corpus_files(args.corpus)
    start = time.perf_counter()
    results, failures, reasons, _ = import_all(files)
    elapsed = time.perf_counter() - start
    full = [p for p, (_, r) in results.items() if not (r.outcome == "raw").any()]
    outcomes = collections.Counter()
    for _, report in results.values():
        outcomes.update(report["outcome"])
    print(f"templates: {len(files)}  imported: {len(results)}  failed (StackError): {len(failures)}  "
          f"in {elapsed:.1f} s ({1000 * elapsed / max(len(files), 1):.0f} ms per template)")
    print(f"  fully imported (no raw resource): {len(full)}")
    print(f"  imported with raw resources:      {len(results) - len(full)}")
    print(f"  resources: {outcomes['node']} became nodes, {outcomes['absorbed']} absorbed, {outcomes['raw']} raw "
          f"(including import-made raw policies/rules)")
    print(f"  nodes: {sum(len(s.nodes) for s, _ in results.values())}, wires: {sum(len(s.wires) for s, _ in results.values())}")
    for path, why in sorted(failures.items()):
        print(f"  failed: {path.name}: {why[:140]}")
    print(f"\nmost common reasons a resource stays raw (top {args.top}):")
    for reason, count in reasons.most_common(args.top):
        print(f"  {count:4d}  {reason}")
    if not args.roundtrip:
        return 0

    print("\nround trip (import, compile back, semantic diff" + ("" if args.no_lint else ", cfn-lint") + "):")
    start = time.perf_counter()
    figures = roundtrip(files, lint=not args.no_lint)
    took = time.perf_counter() - start
    cold = cold_imports(files, args.cold)
    print(report_figures(figures, cold))
    print(f"(round trip in {took:.0f} s)")
    if args.rows:
        from stackerynb.diff import rows_table
        print(rows_table(figures.differ.get(args.rows, [])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

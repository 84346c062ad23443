"""Import every template of a corpus and summarise: how many import fully (no raw resource),
how many keep raw resources, how many fail, and the most common reasons a resource stays raw.

    python benchmarks/import_corpus.py [CORPUS_DIR]              # import only (seconds)
    python benchmarks/import_corpus.py --roundtrip [CORPUS_DIR]  # + compile, cfn-lint, permissions (minutes)

The round trip compiles each imported stack (environment ``dev``), lints it with cfn-lint
(errors the original template already had are counted apart: they are the user's, kept
verbatim), and compares what every function may do, and what triggers it, with the original
(SAM expanded offline by aws-sam-translator).
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "sam"


def normalise(reason: str, ids) -> str:
    """A reason with this template's logical ids replaced by ``<id>``, so reasons group."""
    for lid in sorted(ids, key=len, reverse=True):
        if len(lid) > 2:
            reason = re.sub(rf"(?<!::)\b{re.escape(lid)}\b", "<id>", reason)
    reason = re.sub(r"event \S+ \(", "event <name> (", reason)
    return reason[:120]


def import_all(files):
    from stackerynb.errors import StackError
    from stackerynb.importing import import_template

    results, failures, reasons = {}, {}, collections.Counter()
    for path in files:
        try:
            stack, report = import_template(path)
        except StackError as exc:
            failures[path] = str(exc).splitlines()[0]
            continue
        results[path] = (stack, report)
        ids = set(report["resource"]) | set(report["node"].dropna())
        for reason in report.loc[report.outcome == "raw", "reason"]:
            if not reason.startswith("made by the import"):
                reasons[normalise(reason, ids)] += 1
    return results, failures, reasons


def roundtrip(path, stack, report):
    """(new lint errors, inherited lint errors, access/trigger findings) for one template."""
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    from stackerynb.compile.compiler import assemble, build
    from stackerynb.compile.raw import add_raw
    from stackerynb.model.environments import Environment
    from stackerynb.importing import read_template
    from stackerynb.importing.roundtrip import compare_access, compare_triggers, expand_sam

    names = report.attrs.get("environment_parameters", [])
    ctx = build(stack, Environment("dev", parameters={name: "example" for name in names}))
    template, data = assemble(ctx)
    add_raw(ctx, template, data)
    compiled_text = template.to_json(sort_keys=False)
    original = read_template(path).data
    config = ManualArgs(regions=["us-east-1"])

    def errors(text):
        return {(m.rule.id, m.message) for m in lint(text, config=config) if m.rule.id.startswith("E")}

    compiled_errors = errors(compiled_text)
    inherited = compiled_errors & errors(json.dumps(original)) if compiled_errors else set()
    new = compiled_errors - inherited
    expanded = expand_sam(original)
    compiled = expand_sam(json.loads(compiled_text))
    id_map = report.attrs["id_map"]
    findings = compare_access(expanded, compiled, id_map) + compare_triggers(expanded, compiled, id_map)
    return new, inherited, findings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--roundtrip", action="store_true", help="compile, lint and compare permissions too")
    parser.add_argument("--top", type=int, default=15, help="how many reasons to list")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    files = sorted(p for p in Path(args.corpus).iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    start = time.perf_counter()
    results, failures, reasons = import_all(files)
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
    print(f"  nodes: {sum(len(s.nodes) for s, _ in results.values())} "
          f"({sum(n.kind == 'resource' for s, _ in results.values() for n in s.nodes)} of them verbatim resource nodes), "
          f"wires: {sum(len(s.wires) for s, _ in results.values())}")
    curated = sum(((r.outcome == "node") & (r.kind != "resource")).sum() for _, r in results.values())
    total = sum(len(r) for _, r in results.values())
    print(f"  curated share: {curated + outcomes['absorbed']} of {total} rows "
          f"({100 * (curated + outcomes['absorbed']) / max(total, 1):.1f}%: curated nodes and absorbed resources)")
    for path, why in sorted(failures.items()):
        print(f"  failed: {path.name}: {why[:140]}")
    print(f"\nmost common reasons a resource stays raw (top {args.top}):")
    for reason, count in reasons.most_common(args.top):
        print(f"  {count:4d}  {reason}")
    if not args.roundtrip:
        return 0

    print("\nround trip (compile, cfn-lint, permissions, triggers):")
    start = time.perf_counter()
    counts = collections.Counter()
    kinds = collections.Counter()
    from stackerynb.errors import StackError
    from stackerynb.importing import read_template
    from stackerynb.importing.roundtrip import expand_sam
    for path, (stack, report) in results.items():
        try:
            expand_sam(read_template(path).data)
        except StackError as exc:
            counts["original refused by the SAM transform"] += 1
            print(f"  {path.name}: original not checkable: {str(exc)[:150]}")
            continue
        try:
            new, inherited, findings = roundtrip(path, stack, report)
        except Exception as exc:  # a failure here is a finding to report, not a crash
            counts["compile or check failed"] += 1
            print(f"  {path.name}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
            continue
        counts["lint clean" if not new else "new lint errors"] += 1
        if inherited:
            counts["original's own lint errors kept"] += 1
        counts["same access" if not findings else "access differs"] += 1
        for finding in findings:
            kinds[finding.problem] += 1
        for code, message in sorted(new):
            print(f"  {path.name}: new lint error {code}: {message[:140]}")
        for finding in findings:
            print(f"  {path.name}: {finding}")
    print(f"  {dict(counts)}  findings: {dict(kinds)}  in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

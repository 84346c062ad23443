"""Triggers, routes, invoke permissions, outputs and template sections: how many corpus
templates compile back from their import with a different meaning, by cause.

    python benchmarks/trigger_fidelity.py [CORPUS_DIR] [--show N] [--only CAUSE]

Each template is imported, compiled (environment ``dev``, the raw fragment added) and both the
original and the compiled template are SAM-expanded with samtranslator; then
``stackerynb.importing.trigger_check.compare`` lists the differences. Prints, per cause, the
number of templates (and rows) affected.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "sam"


def check(path: Path):
    """``(differences, error)`` for one template."""
    from stackerynb.compile.compiler import assemble, build
    from stackerynb.compile.raw import add_raw
    from stackerynb.errors import StackError
    from stackerynb.importing import import_template, read_template
    from stackerynb.importing.roundtrip import expand_sam
    from stackerynb.importing.trigger_check import compare
    from stackerynb.model.environments import Environment

    try:
        original = read_template(path).data
    except StackError:
        return None, "original unreadable"
    if "Transform" not in original and any(str((r or {}).get("Type", "")).startswith("AWS::Serverless::")
                                           for r in (original.get("Resources") or {}).values()):
        original = {**original, "Transform": "AWS::Serverless-2016-10-31"}  # what the author meant
    try:
        expanded = expand_sam(original)
    except StackError:
        return None, "original refused by the SAM transform"
    try:
        stack, report = import_template(path)
        names = report.attrs.get("environment_parameters", [])
        ctx = build(stack, Environment("dev", parameters={n: "example" for n in names}))
        template, data = assemble(ctx)
        add_raw(ctx, template, data)
        compiled = json.loads(template.to_json(sort_keys=False))
    except Exception as exc:  # a crash is a finding to count, not the end of the run
        return None, f"import/compile: {str(exc).splitlines()[0][:100]}"
    try:
        compiled_expanded = expand_sam(compiled)
    except StackError as exc:
        return None, f"compiled refused by the SAM transform: {str(exc)[:100]}"
    return compare(expanded, compiled_expanded, report.attrs["id_map"], compiled_unexpanded=compiled), None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--show", type=int, default=0, help="print up to N example rows per cause")
    parser.add_argument("--only", default=None, help="print every row whose 'category: cause' contains this")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    files = sorted(p for p in Path(args.corpus).iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    start = time.perf_counter()
    templates = collections.Counter()
    rows = collections.Counter()
    examples: dict[str, list] = collections.defaultdict(list)
    errors = collections.Counter()
    differing = clean = 0
    for path in files:
        found, error = check(path)
        if error:
            errors[error.split(":")[0]] += 1
            if args.only and args.only in error:
                print(f"{path.name}: {error}")
            continue
        if found:
            differing += 1
        else:
            clean += 1
        causes = set()
        for diff in found:
            cause = f"{diff.category}: {diff.cause}"
            causes.add(cause)
            rows[cause] += 1
            examples[cause].append(f"{path.name}: {diff}")
            if args.only and args.only in cause:
                print(f"{path.name}: {diff}"[:400])
        templates.update(causes)
    elapsed = time.perf_counter() - start
    print(f"templates: {len(files)}  checked: {clean + differing}  same meaning: {clean}  "
          f"differ: {differing}  not checked: {sum(errors.values())}  ({elapsed:.0f} s)")
    for error, count in errors.most_common():
        print(f"  not checked: {count:3d}  {error}")
    print("\ncauses (templates, rows):")
    for cause, count in templates.most_common():
        print(f"  {count:4d} {rows[cause]:5d}  {cause}")
        for example in examples[cause][:args.show]:
            print(f"          {example[:300]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

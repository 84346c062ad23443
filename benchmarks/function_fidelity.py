"""Functions imported and compiled back: how many differ from the original, and why.

    python benchmarks/function_fidelity.py [CORPUS_DIR] [--show N] [--only CAUSE]

For each template: import it, compile the stack (environment ``dev``), expand the original
(and the compiled template, should it keep SAM resources) with aws-sam-translator, and compare
every function that became a node with the original ``AWS::Lambda::Function``:

* **iam**: what the function's role grants, per target resource (``roundtrip.compare_access``:
  actions lost, new resources), plus actions the compiled role grants on a resource the
  original granted narrower access to (``broader``). The function's own log group is excepted.
* **environment**: variable names, and values (references read through the import's id map).
* **properties**: every other property of the function resource (Code and Role excepted:
  the code is packaged by the deploy, the role is compared by ``iam``).

Functions the import keeps raw compile verbatim and are not counted. Prints the number of
functions that differ in each respect and the causes, most frequent first.
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

# Properties SAM or CloudFormation give these values when absent: absent == this value.
DEFAULTS = {"MemorySize": 128, "Timeout": 3, "Architectures": ["x86_64"], "PackageType": "Zip"}
IGNORED = {"Code", "Role"}
SAM_TAG = "lambda:createdBy"


def normal(value, rename=None):
    """``value`` with references renamed, ``Sub`` of a single reference read as Ref/GetAtt and
    numbers as text, so equal meanings compare equal."""
    from stackerynb.cfn.intrinsics import rename_references

    if rename is not None:
        value = rename_references(value, rename)
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"]
            if text.startswith("${") and text.endswith("}") and text.count("${") == 1 and "!" not in text:
                name = text[2:-1]
                if "." in name:
                    res, att = name.split(".", 1)
                    return {"Fn::GetAtt": [res, att]}
                return {"Ref": name}
            return {"Fn::Sub": text.replace("${!", "${")} if "${!" in text else value
        if set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], str):
            return {"Fn::GetAtt": value["Fn::GetAtt"].split(".", 1)}
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _tags(value):
    if isinstance(value, list):
        return sorted((json.dumps(t, sort_keys=True) for t in value
                       if not (isinstance(t, dict) and t.get("Key") == SAM_TAG)))
    return value


def compare_function(fid: str, old: dict, new: dict, rename) -> dict[str, list[str]]:
    """Causes per respect (environment, properties) for one function's resource bodies."""
    old_props, new_props = old.get("Properties") or {}, new.get("Properties") or {}
    causes: dict[str, list[str]] = {"environment": [], "properties": []}
    old_env = ((old_props.get("Environment") or {}).get("Variables") or {}) if isinstance(old_props.get("Environment"), dict) else {}
    new_env = ((new_props.get("Environment") or {}).get("Variables") or {}) if isinstance(new_props.get("Environment"), dict) else {}
    for name in old_env:
        if name not in new_env:
            causes["environment"].append(f"variable missing ({'reference' if isinstance(old_env[name], dict) else 'plain'})")
        elif normal(old_env[name], rename) != normal(new_env[name]):
            causes["environment"].append(f"value differs ({'reference' if isinstance(old_env[name], dict) else 'plain'})")
    for name in new_env:
        if name not in old_env:
            causes["environment"].append("variable added")
    for key in sorted((set(old_props) | set(new_props)) - IGNORED - {"Environment"}):
        a, b = old_props.get(key, DEFAULTS.get(key)), new_props.get(key, DEFAULTS.get(key))
        if key == "Tags":
            a, b = _tags(a) or None, _tags(b) or None
        if key == "LoggingConfig":
            # the compiled function logs to its own log group (the issue excepts that)
            a = {k: v for k, v in (a or {}).items() if k != "LogGroup"} or None
            b = {k: v for k, v in (b or {}).items() if k != "LogGroup"} or None
        if normal(a, rename) != normal(b):
            what = "missing" if b is None else "added" if a is None else "differs"
            causes["properties"].append(f"{key} {what}")
    return causes


def check_template(path: Path):
    """``(functions compared, {respect: {function: [causes]}})`` for one template."""
    from stackerynb.compile.compiler import assemble, build
    from stackerynb.compile.raw import add_raw
    from stackerynb.importing import import_template, read_template
    from stackerynb.importing.roundtrip import compare_access, expand_sam, with_names_as_refs
    from stackerynb.model.environments import Environment

    stack, report = import_template(path)
    names = report.attrs.get("environment_parameters", [])
    ctx = build(stack, Environment("dev", parameters={name: "example" for name in names}))
    template, data = assemble(ctx)
    add_raw(ctx, template, data)
    compiled = expand_sam(json.loads(template.to_json(sort_keys=False)))
    original = expand_sam(read_template(path).data)
    # physical names (and parameters giving them) read as references, as compare_access does
    named_original, named_compiled = with_names_as_refs(original), with_names_as_refs(compiled)
    id_map = report.attrs["id_map"]
    functions = {lid for lid, node in report.attrs["node_ids"].items()
                 if (stack.node(node).kind if hasattr(stack, "node") else None) == "function"}
    if not functions:
        functions = {lid for lid, node in report.attrs["node_ids"].items()
                     if any(n.id == node and n.kind == "function" for n in stack.nodes)}
    out = {"iam": {}, "environment": {}, "properties": {}}
    originals = named_original.get("Resources") or {}
    compiled_resources = named_compiled.get("Resources") or {}

    def rename(ref, attribute=None):
        return id_map.get(ref, ref)

    compared = 0
    for fid in sorted(functions):
        old = originals.get(fid)
        new = compiled_resources.get(id_map.get(fid, fid))
        if not old or not new or old.get("Type") != "AWS::Lambda::Function":
            continue
        compared += 1
        for respect, causes in compare_function(fid, old, new, rename).items():
            if causes:
                out[respect][fid] = causes
    findings = compare_access(original, compiled, id_map)
    findings += _broader(original, compiled, id_map)
    for finding in findings:
        if finding.function in functions:
            cause = finding.problem
            if finding.actions:
                cause += " " + ",".join(sorted({a.split(":")[0] for a in finding.actions}))
            out["iam"].setdefault(finding.function, []).append(cause)
    return compared, out


def _broader(original: dict, compiled: dict, id_map: dict):
    """Actions the compiled role grants on a resource beyond what the original granted on it."""
    from stackerynb.importing.iam import STAR, action_covered
    from stackerynb.importing.permissions import sam_policy_table
    from stackerynb.importing.roundtrip import Finding, function_access, with_names_as_refs

    managed_actions = sam_policy_table().get("managed_policy_actions") or {}

    before = function_access(with_names_as_refs(original))
    after = function_access(with_names_as_refs(compiled))
    back = {}
    for lid in original.get("Resources") or {}:
        back.setdefault(id_map.get(lid, lid), lid)
    found = []
    for fid, old in before.items():
        new = after.get(id_map.get(fid, fid))
        if new is None or not old.known or not new.known:
            continue
        old_star = set(old.targets.get(STAR, frozenset()))
        for name in old.managed:  # what AWS managed policies grant on "*" (as compare_access reads them)
            old_star |= {a.lower() for a in managed_actions.get(name, ())}
        old_star = frozenset(old_star)
        for target, actions in new.targets.items():
            if target == STAR:
                continue
            key = back.get(target, target)
            if key not in old.targets:
                continue  # compare_access judges new resources
            granted = old.targets[key] | old_star
            extra = sorted(a for a in actions if not action_covered(a, granted))
            if extra:
                found.append(Finding(fid, "broader", key, tuple(extra)))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--show", type=int, default=0, help="list up to N functions per cause")
    parser.add_argument("--top", type=int, default=25, help="how many causes to list per respect")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from stackerynb.errors import StackError

    files = sorted(p for p in Path(args.corpus).iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    start = time.perf_counter()
    compared, failed = 0, collections.Counter()
    differ = {"iam": 0, "environment": 0, "properties": 0}
    causes = {k: collections.Counter() for k in differ}
    examples = collections.defaultdict(list)
    any_differ = 0
    for path in files:
        try:
            n, out = check_template(path)
        except StackError as exc:
            failed[str(exc).splitlines()[0][:80]] += 1
            continue
        except Exception as exc:  # a crash is a finding to report, not the end of the run
            failed[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
            continue
        compared += n
        functions = set()
        for respect, per_function in out.items():
            differ[respect] += len(per_function)
            functions |= set(per_function)
            for fid, items in per_function.items():
                for cause in set(items):
                    causes[respect][cause] += 1
                    if len(examples[(respect, cause)]) < args.show:
                        examples[(respect, cause)].append(f"{path.name}:{fid}")
        any_differ += len(functions)
    print(f"templates: {len(files)}  functions compared (nodes): {compared}  "
          f"in {time.perf_counter() - start:.0f} s")
    print(f"functions differing: any {any_differ}, iam {differ['iam']}, environment {differ['environment']}, "
          f"properties {differ['properties']}")
    for respect, counter in causes.items():
        print(f"\n{respect} causes (functions):")
        for cause, count in counter.most_common(args.top):
            print(f"  {count:4d}  {cause}")
            for example in examples[(respect, cause)]:
                print(f"          {example}")
    if failed:
        print("\nnot checked:")
        for why, count in failed.most_common():
            print(f"  {count:4d}  {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

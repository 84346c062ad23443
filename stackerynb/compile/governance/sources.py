"""Optional outside governance sources, beside our own rules (which stay the default).

- ``cfn-lint-serverless``: the serverless rules for cfn-lint (tracing, dead-letter queues,
  log retention, async destinations...). ``pip install 'stackerynb[governance]'``.
- ``checkov``: Bridgecrew's policy checks for CloudFormation, run as the ``checkov`` program
  (install it apart, e.g. with pipx, since it pins many packages; ``STACKERYNB_CHECKOV`` may
  name the executable).

Use one for one compile, or for every later compile::

    from stackerynb.compile.governance import sources
    compile_report(stack, "prod", rules=[sources.source("cfn-lint-serverless")])
    sources.enable_installed()          # every source that is installed, from now on

Their findings are advisory: warnings, even in production, because they include practices a
team may knowingly choose against (X-Ray tracing, dead-letter queues everywhere). A source
that is not installed is a StackError saying how to install it.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import tempfile

from stackerynb.compile.governance import Rule, _REGISTERED
from stackerynb.errors import StackError

CHECKOV_TIMEOUT = 600  # seconds; checkov takes ~10 s per template on a small machine


def _cfn_lint_serverless_installed() -> bool:
    return importlib.util.find_spec("cfn_lint_serverless") is not None


def _checkov_program() -> str | None:
    return os.environ.get("STACKERYNB_CHECKOV") or shutil.which("checkov")


def check_cfn_lint_serverless(context):
    """Findings of the cfn-lint serverless rules (their ES/WS rule ids), as advisory problems."""
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs
    region = getattr(context.environment, "region", None) or "us-east-1"
    matches = lint(json.dumps(context.template), config=ManualArgs(
        regions=[region], append_rules=["cfn_lint_serverless.rules"]))
    for match in matches:
        rule_id = match.rule.id
        if len(rule_id) > 1 and rule_id[1] == "S":  # ES/WS/IS: the serverless rules only
            path = list(getattr(match, "path", None) or [])
            lid = path[1] if len(path) > 1 and path[0] == "Resources" else None
            yield context.problem(lid, f"{rule_id} {match.message}", advisory=True)


def check_checkov(context):
    """Failed checkov checks on the template, as advisory problems (``CKV_AWS_..`` ids)."""
    program = _checkov_program()
    if program is None:
        raise StackError("the checkov governance source needs the checkov program on PATH "
                         "(pipx install checkov) or STACKERYNB_CHECKOV naming it")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "template.json")
        with open(path, "w", encoding="utf-8") as out:
            json.dump(context.template, out)
        done = subprocess.run([program, "-f", path, "--framework", "cloudformation", "-o", "json", "--quiet",
                               "--skip-download", "--compact"], capture_output=True, text=True,
                              timeout=CHECKOV_TIMEOUT, check=False)
    try:
        report = json.loads(done.stdout or "{}")
    except ValueError as exc:
        raise StackError(f"checkov gave no JSON report (exit {done.returncode}): {done.stderr[-400:]}") from exc
    for part in report if isinstance(report, list) else [report]:
        for failed in part.get("results", {}).get("failed_checks", []) if isinstance(part, dict) else []:
            lid = str(failed.get("resource", "")).rsplit(".", 1)[-1] or None
            yield context.problem(lid if lid in context.resources else None,
                                  f"{failed.get('check_id')} {failed.get('check_name')}", advisory=True)


SOURCES = {
    "cfn-lint-serverless": (Rule("cfn-lint-serverless", "Serverless rules for cfn-lint (advisory)",
                                 "https://awslabs.github.io/serverless-rules/", check_cfn_lint_serverless),
                            _cfn_lint_serverless_installed, "pip install 'stackerynb[governance]'"),
    "checkov": (Rule("checkov", "checkov policy checks (advisory)", "https://www.checkov.io/",
                     check_checkov), lambda: _checkov_program() is not None, "pipx install checkov"),
}


def installed() -> list[str]:
    """Names of the outside sources that can run here."""
    return [name for name, (_, present, _) in SOURCES.items() if present()]


def source(name: str) -> Rule:
    """The Rule running outside source ``name``; StackError if unknown or not installed."""
    if name not in SOURCES:
        raise StackError(f"no governance source {name!r}; sources: {', '.join(SOURCES)}")
    rule, present, install = SOURCES[name]
    if not present():
        raise StackError(f"governance source {name} is not installed: {install}")
    return rule


def enable(name: str) -> None:
    """Run source ``name`` on every later compile (undo with ``governance.unregister(name)``)."""
    _REGISTERED[name] = source(name)


def enable_installed() -> list[str]:
    """Enable every installed source; returns their names."""
    names = installed()
    for name in names:
        enable(name)
    return names

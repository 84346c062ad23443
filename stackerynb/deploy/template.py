"""The deployed template as the record of a deployment.

Every template the kit deploys carries, under ``Metadata.Stackerynb``:

* ``StackFile``: the stack file's text, so ``stack.deployed(env)`` rebuilds the design from the
  cloud itself;
* ``Deployment``: the deployment's facts (id, git sha, branch, dirty flag, user, time, kit version).

The same facts go into the stack's tags for the AWS console. Tags are what people see; the
Metadata is what the kit reads back, because it changes exactly when a deployment takes effect
(a failed update keeps the previous template, and the emulator never updates tags).
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

META_KEY = "Stackerynb"
TAG_PREFIX = "stackerynb:"
TAG_VALUE = re.compile(r"[^\w .:/=+\-@]")  # characters CloudFormation allows in tag values
TAG_FACTS = (("deployment", "id"), ("git-sha", "git_sha"), ("branch", "branch"), ("dirty", "dirty"),
             ("user", "user"), ("deployed-at", "started"), ("version", "kit_version"))


def template_dict(template) -> dict:
    """A troposphere Template, JSON text or dict as a plain dict (resource order kept)."""
    if isinstance(template, dict):
        return copy.deepcopy(template)
    if isinstance(template, str):
        return parse_body(template)
    # What ``to_json`` would give, without its indentation (half the time of the round trip).
    return json.loads(json.dumps(template.to_dict()))


def parse_body(body) -> dict:
    """``get_template``'s TemplateBody (dict, JSON or YAML text) as a dict."""
    if isinstance(body, dict):
        return json.loads(json.dumps(body))
    try:
        return json.loads(body)
    except ValueError:
        import yaml
        return yaml.safe_load(body)


def stamp(template: dict, stack_file: str, facts: dict) -> dict:
    """A copy of ``template`` carrying the stack file and the deployment facts in its Metadata.

    Resources without Properties get an empty mapping: the same template for CloudFormation,
    and the emulator otherwise reports them as modified on every later deployment."""
    out = copy.deepcopy(template)
    for body in out.get("Resources", {}).values():
        if isinstance(body, dict):
            body.setdefault("Properties", {})
    meta = out.setdefault("Metadata", {}).setdefault(META_KEY, {})
    meta.pop("Recovery", None)
    meta["StackFile"] = _escape(stack_file)
    meta["Deployment"] = {key: _escape(value) for key, value in facts.items()}
    meta["Escaped"] = ESCAPED
    return out


# CloudFormation (and cfn-lint, E1029) read "${X}" in any string as a substitution left outside
# Fn::Sub, the template's Metadata included, so a stack file holding "${AWS::Region}" in a setting
# made the deployed template invalid. "${" is written as "${!" and read back; the mapping is
# reversible because every "${!" in the escaped text stands for a "${" of the original.
ESCAPED = "${ as ${!"


def _escape(value):
    return value.replace("${", "${!") if isinstance(value, str) else value


def _unescape(value, meta: dict):
    if isinstance(value, str) and meta.get("Escaped") == ESCAPED:
        return value.replace("${!", "${")
    return value


def facts_of(template: dict | None) -> dict | None:
    """The deployment facts a deployed template carries, or None (not deployed by the kit)."""
    if not template:
        return None
    meta = template.get("Metadata", {}).get(META_KEY, {})
    facts = meta.get("Deployment")
    return {key: _unescape(value, meta) for key, value in facts.items()} if isinstance(facts, dict) else None


def stack_file_of(template: dict | None) -> str | None:
    """The stack file text a deployed template carries, or None."""
    if not template:
        return None
    meta = template.get("Metadata", {}).get(META_KEY, {})
    text = meta.get("StackFile")
    return _unescape(text, meta) if isinstance(text, str) else None


def design_of(template: dict | None) -> dict | None:
    """The template without the kit's own Metadata: equal designs mean "no changes"."""
    if template is None:
        return None
    out = json.loads(json.dumps(template))
    meta = out.get("Metadata")
    if isinstance(meta, dict):
        meta.pop(META_KEY, None)
        if not meta:
            out.pop("Metadata")
    return out


def tags(facts: dict) -> list[dict]:
    """Stack tags for the deployment facts (values cleaned to what CloudFormation accepts)."""
    out = []
    for key, fact in TAG_FACTS:
        value = facts.get(fact)
        if value is None:
            continue
        value = str(value).lower() if isinstance(value, bool) else str(value)
        out.append({"Key": TAG_PREFIX + key, "Value": TAG_VALUE.sub("-", value)[:256]})
    return out


def secret_parameters(template: dict) -> set[str]:
    """Names of the template's NoEcho parameters (their values are never shown or stored)."""
    return {name for name, spec in template.get("Parameters", {}).items()
            if isinstance(spec, dict) and str(spec.get("NoEcho", "false")).lower() == "true"}


def size(template: dict) -> int:
    """The template body's size in bytes as it will be sent."""
    return len(body_text(template).encode("utf-8"))


def body_text(template: dict) -> str:
    """The body sent to CloudFormation: compact JSON, resource order kept."""
    return json.dumps(template, separators=(",", ":"))


def resource_types(template: dict) -> dict[str, str]:
    """Logical id -> resource type."""
    return {lid: body.get("Type", "") for lid, body in template.get("Resources", {}).items()}


def parameters_for(template: dict, values: dict[str, Any], environment: str) -> list[dict]:
    """CloudFormation Parameters for the template from an environment's values.

    Parameters the template does not declare are ignored (another stack may use them); a
    declared parameter without a Default that the environment does not set is refused."""
    from stackerynb.errors import StackError

    declared = template.get("Parameters", {})
    missing = [name for name, spec in declared.items()
               if isinstance(spec, dict) and "Default" not in spec and name not in values]
    if missing:
        raise StackError(f"environment {environment} sets no value for template parameter(s) "
                         f"{', '.join(missing)}: add them under `parameters:` in environments.yaml")
    out = []
    for name in declared:
        if name in values:
            value = values[name]
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            out.append({"ParameterKey": name, "ParameterValue": str(value)})
    return out

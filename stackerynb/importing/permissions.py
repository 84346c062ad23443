"""What a template lets a function do: its IAM statements and managed policies, gathered from
SAM ``Policies`` (policy templates expanded with aws-sam-translator's own table), inline
statements, and the IAM role (plus ``AWS::IAM::Policy`` resources attached to it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from stackerynb.catalog._data import load_table
from stackerynb.cfn.intrinsics import is_intrinsic, referenced_ids
from stackerynb.importing.iam import statements_of


@dataclass
class Grants:
    """A function's permissions as the template states them."""

    statements: list[dict] = field(default_factory=list)
    managed: list[str] = field(default_factory=list)  # managed policy names or ARNs
    fixed_levels: dict[str, list[str]] = field(default_factory=dict)  # target -> levels (policy templates)
    role: str | None = None  # logical id of the template role it uses
    sources: list[str] = field(default_factory=list)  # what granted them, for the report
    problems: list[str] = field(default_factory=list)  # why the function must stay raw


def sam_policy_table() -> dict:
    """``stackerynb/catalog/sam_policies.yaml``."""
    return load_table("sam_policies.yaml")


@lru_cache(maxsize=1)
def _policy_templates() -> dict | None:
    """SAM's policy templates (name -> definition), read from aws-sam-translator's own data.

    Read directly rather than through ``PolicyTemplatesProcessor``: its module imports the
    jsonschema stack (seconds in a new process) only to re-validate the file SAM ships."""
    try:
        from samtranslator import policy_templates_data
    except ImportError:  # pragma: no cover - aws-sam-translator is a dependency
        return None
    import json
    return json.loads(policy_templates_data.POLICY_TEMPLATES_FILE.read_text(encoding="utf-8"))["Templates"]


def expand_policy_template(name: str, parameters) -> list[dict] | None:
    """The statements SAM generates for policy template ``name``; None when it is unknown."""
    templates = _policy_templates()
    if templates is None or name not in templates:
        return None
    if parameters is None or parameters == {}:
        parameters = {}
    if not isinstance(parameters, dict):
        raise ValueError(f"policy template {name} needs a mapping of parameters")
    from samtranslator.policy_template_processor.template import Template
    return statements_of(Template.from_dict(name, templates[name]).to_statement(parameters))


def managed_name(policy) -> str:
    """``AWSLambdaBasicExecutionRole`` from a name or an ``arn:...:policy/service-role/X`` ARN
    (empty for an ARN computed at deploy time)."""
    return policy.rsplit("/", 1)[-1] if isinstance(policy, str) else ""


def managed_arn(policy):
    """The ARN CloudFormation needs for a managed policy given as SAM allows it: an ARN or an
    intrinsic stays as written; a bare AWS managed policy name (which SAM looks up at deploy
    time) becomes its ARN, with the path AWS gives it (``service-role/...``), read from the
    managed policy documents moto ships."""
    if not isinstance(policy, str) or policy.startswith("arn:"):
        return policy
    from stackerynb.compile.governance.aws_managed import documents
    path = next((key for key in documents() if key.endswith("/" + policy)), policy)
    return f"arn:aws:iam::aws:policy/{path}"


def sam_function_grants(function_id: str, props: dict, resources: dict) -> Grants:
    """Grants of an ``AWS::Serverless::Function`` (Role, or Policies)."""
    if "Role" in props:
        return role_grants(function_id, props["Role"], resources)
    grants = Grants()
    policies = props.get("Policies")
    if policies is None:
        return grants
    if isinstance(policies, str) or (isinstance(policies, dict) and not is_intrinsic(policies)):
        policies = [policies]
    if not isinstance(policies, list):
        grants.problems.append("Policies is computed at deploy time")
        return grants
    table = sam_policy_table()["templates"]
    for policy in policies:
        if isinstance(policy, str) or (is_intrinsic(policy) and "Fn::If" not in policy):
            grants.managed.append(policy)
            grants.sources.append(f"managed policy {managed_name(policy)}")
        elif isinstance(policy, dict) and "Statement" in policy:
            grants.statements.extend(statements_of(policy))
            grants.sources.append("inline statements")
        elif isinstance(policy, dict) and len(policy) == 1 and not is_intrinsic(policy):
            (name, parameters), = policy.items()
            try:
                statements = expand_policy_template(name, parameters)
            except Exception as exc:  # samtranslator's own errors: missing parameters and the like
                grants.problems.append(f"policy template {name}: {exc}")
                continue
            if statements is None:
                grants.problems.append(f"policy {name} is neither a SAM policy template nor a statement")
                continue
            grants.statements.extend(statements)
            grants.sources.append(f"policy template {name}")
            entry = table.get(name)
            if entry and isinstance(parameters, dict):
                targets = referenced_ids(parameters.get(entry["target"]))
                if len(targets) == 1:
                    target = targets.pop()
                    levels = grants.fixed_levels.setdefault(target, [])
                    levels.extend(lvl for lvl in entry["access"] if lvl not in levels)
        else:
            grants.problems.append(f"policy {policy!r} is computed at deploy time")
    return grants


def role_grants(function_id: str, role, resources: dict) -> Grants:
    """Grants of a function whose ``Role`` is given: the template role's policies, or nothing
    known (a role from outside the template) which keeps the function raw."""
    grants = Grants()
    ids = [i for i in referenced_ids(role) if i in resources]
    if len(ids) != 1 or resources[ids[0]].get("Type") != "AWS::IAM::Role":
        grants.problems.append("it uses an IAM role defined outside the template, whose permissions are unknown")
        return grants
    role_id = ids[0]
    grants.role = role_id
    props = resources[role_id].get("Properties") or {}
    trust = statements_of(props.get("AssumeRolePolicyDocument"))
    principals = [s.get("Principal") for s in trust]
    if not principals or any(p != {"Service": "lambda.amazonaws.com"} and p != {"Service": ["lambda.amazonaws.com"]}
                             for p in principals):
        grants.problems.append(f"its role {role_id} may be assumed by more than Lambda")
    if props.keys() - {"AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns", "Path", "RoleName",
                       "Description", "Tags", "MaxSessionDuration"}:
        extra = sorted(props.keys() - {"AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns", "Path",
                                        "RoleName", "Description", "Tags", "MaxSessionDuration"})
        grants.problems.append(f"its role {role_id} sets {', '.join(extra)}, which a function node's own role cannot")
    for policy in props.get("Policies") or []:
        if isinstance(policy, dict):
            grants.statements.extend(statements_of(policy.get("PolicyDocument")))
    managed = props.get("ManagedPolicyArns") or []
    if not isinstance(managed, list):
        managed = [managed]
    for arn in managed:
        if isinstance(arn, str):
            grants.managed.append(arn)
        elif (isinstance(arn, dict) and set(arn) == {"Ref"} and arn["Ref"] in resources
              and resources[arn["Ref"]].get("Type") == "AWS::IAM::ManagedPolicy"):
            continue  # a template managed policy: its statements are collected below
        elif is_intrinsic(arn) and "Fn::If" not in arn:
            grants.managed.append(arn)  # an ARN computed at deploy time: attached as written
        else:
            grants.problems.append(f"its role {role_id} attaches a managed policy computed at deploy time")
    for pid, resource in resources.items():
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            p = resource.get("Properties") or {}
            attached = role_id in referenced_ids(p.get("Roles")) or any(
                arn == {"Ref": pid} for arn in managed if isinstance(arn, dict))
            if attached:
                grants.statements.extend(statements_of(p.get("PolicyDocument")))
                grants.sources.append(f"policy {pid}")
    grants.sources.insert(0, f"role {role_id}")
    return grants

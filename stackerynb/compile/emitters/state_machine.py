"""state_machine -> Step Functions state machine with its own role (trusted by Step Functions
only, unless its ``role`` setting says otherwise), and with logging on, its own log group.

The definition is the ``definition`` setting, or the file ``definition_uri`` names (read from
beside the stack file; a file not there yet is left to the packager as an S3 object, like a
function's code folder). Wires grant the role what the workflow's tasks call and add
``${<TARGET>_ARN}``-style substitutions, written over nothing the user set themselves.
"""
from __future__ import annotations

import copy
import json

import yaml
from troposphere import GetAtt, Join, Parameter, Ref, logs, stepfunctions

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.function import ARTIFACT_BUCKET
from stackerynb.compile.iam import grant_baseline, keep_policies, new_role
from stackerynb.cfn.intrinsics import is_intrinsic
from stackerynb.compile.refs import arn, att, ref, text_value, value

SUBSTITUTION = "definition_substitution_%d"

# What a state machine with neither a definition nor a file runs: it compiles and starts.
STARTER = {"Comment": "Starter workflow: replace with your own", "StartAt": "Start",
           "States": {"Start": {"Type": "Pass", "End": True}}}


def emit(ctx: Compilation, node) -> Parts:
    sid = node.id
    parts = Parts(node, role=f"{sid}Role", env={}, attributes={
        "arn": ref(sid), "name": att(sid, "Name"),
        "execution_arn": arn("states", f"execution:${{{sid}.Name}}:*")})
    role = new_role(ctx, sid, parts.role, "state_machine")
    keep_policies(ctx, sid, role, node.get("policies"))
    role.properties.update(dict(node.get("role") or {}))  # the role's name, tags, trust... as imported
    props = dict(RoleArn=GetAtt(role.title, "Arn"))
    if node.get("type") != "STANDARD":  # STANDARD is CloudFormation's own default: said only otherwise
        props["StateMachineType"] = node.get("type")
    props.update(_definition(ctx, node))
    if node.get("logging") != "OFF":
        group = ctx.add(logs.LogGroup(
            f"{sid}ExecutionLogs", LogGroupName=f"/aws/vendedlogs/states/{ctx.stack_name}-{ctx.env_name}-{sid}",
            RetentionInDays=int(node.get("log_retention_days"))), sid)
        props["LoggingConfiguration"] = stepfunctions.LoggingConfiguration(
            Level=node.get("logging"), IncludeExecutionData=node.get("include_execution_data"),
            Destinations=[stepfunctions.LogDestination(CloudWatchLogsLogGroup=stepfunctions.CloudWatchLogsLogGroup(
                LogGroupArn=GetAtt(group.title, "Arn")))])
        grant_baseline(ctx, parts, "state_machine_logs")
    if node.get("tracing"):
        props["TracingConfiguration"] = stepfunctions.TracingConfiguration(Enabled=True)
        grant_baseline(ctx, parts, "state_machine_tracing")
    generated = props.pop("DefinitionSubstitutions", {})
    machine = ctx.add(stepfunctions.StateMachine(sid, **props), sid)
    parts.handles["state_machine"] = machine
    for key, raw in {**generated, **(node.get("definition_substitutions") or {})}.items():
        parts.env[key] = raw

    explicit = set(node.get("definition_substitutions") or {}) | set(generated)
    # the definition as compiled (None when it is an S3 object this compile cannot read)
    shown = props.get("Definition") or props.get("DefinitionString")
    written = json.dumps(shown.to_dict() if hasattr(shown, "to_dict") else shown) if shown else None

    def write_substitutions():
        # a wire's substitution is written when the definition uses it (an S3 definition, which
        # this compile cannot read, uses only the substitutions given explicitly)
        used = {k: v for k, v in parts.env.items()
                if k in explicit or (written is not None and "${%s}" % k in written)}
        if used:  # wire-made values are Sub text; the user's are template data as given
            machine.DefinitionSubstitutions = {k: value(v) if isinstance(v, str) else v for k, v in used.items()}
    ctx.finalizers.append(write_substitutions)
    return parts


def _definition(ctx: Compilation, node) -> dict:
    if node.get("definition"):
        return _with_intrinsics(copy.deepcopy(dict(node.get("definition"))))
    uri = node.get("definition_uri")
    if not uri:
        return {"Definition": STARTER}
    path = ctx.stack.folder / uri
    if path.is_file():
        try:
            loaded = (json.loads if path.suffix == ".json" else yaml.safe_load)(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            ctx.problem(node.id, "definition_uri", f"{uri} cannot be read as JSON or YAML ({exc})")
            return {"Definition": STARTER}
        if not isinstance(loaded, dict):
            ctx.problem(node.id, "definition_uri", f"{uri} does not hold a definition (a mapping with StartAt and States)")
            return {"Definition": STARTER}
        return {"Definition": loaded}
    bucket = ctx.parameter(Parameter(ARTIFACT_BUCKET, Type="String", Description=(
        "S3 bucket holding the packaged function code (the deploy step fills it in)")))
    return {"DefinitionS3Location": stepfunctions.S3Location(
                Bucket=value(bucket), Key=f"{ctx.stack_name}/{ctx.env_name}/{node.id}.asl"),
            "Metadata": {"stackerynb": {"definition": text_value(uri)}}}


def _with_intrinsics(definition: dict) -> dict:
    """``Definition``, or, when it holds intrinsics (a Ref to a table, a GetAtt of a function),
    what SAM makes of it: CloudFormation does not resolve intrinsics inside a definition, so
    each becomes a ``${definition_substitution_N}`` placeholder (numbered in SAM's order) given
    in ``DefinitionSubstitutions``, and the definition is written as SAM writes it."""
    substitutions = {}

    def walk(item):
        entries = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, inner in sorted(entries, key=lambda pair: pair[0]):
            if is_intrinsic(inner):
                name = SUBSTITUTION % (len(substitutions) + 1)
                substitutions[name] = inner
                item[key] = "${%s}" % name
            elif isinstance(inner, (dict, list)):
                walk(inner)
    walk(definition)
    if not substitutions:
        return {"Definition": definition}
    lines = json.dumps(definition, sort_keys=True, indent=4, separators=(",", ": ")).split("\n")
    return {"DefinitionString": Join("\n", lines), "DefinitionSubstitutions": substitutions}

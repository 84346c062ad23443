"""state_machine -> Step Functions state machine with its own role (trusted by Step Functions
only), and with logging on, its own log group.

The definition is the ``definition`` setting, or the file ``definition_uri`` names (read from
beside the stack file; a file not there yet is left to the packager as an S3 object, like a
function's code folder). Wires grant the role what the workflow's tasks call and add
``${<TARGET>_ARN}``-style substitutions, written over nothing the user set themselves.
"""
from __future__ import annotations

import json

import yaml
from troposphere import GetAtt, Parameter, Ref, logs, stepfunctions

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.function import ARTIFACT_BUCKET
from stackerynb.compile.iam import grant_baseline, new_role
from stackerynb.compile.refs import arn, att, ref, text_value, value

# What a state machine with neither a definition nor a file runs: it compiles and starts.
STARTER = {"Comment": "Starter workflow: replace with your own", "StartAt": "Start",
           "States": {"Start": {"Type": "Pass", "End": True}}}


def emit(ctx: Compilation, node) -> Parts:
    sid = node.id
    parts = Parts(node, role=f"{sid}Role", env={}, attributes={
        "arn": ref(sid), "name": att(sid, "Name"),
        "execution_arn": arn("states", f"execution:${{{sid}.Name}}:*")})
    role = new_role(ctx, sid, parts.role, "state_machine")
    props = dict(RoleArn=GetAtt(role.title, "Arn"), StateMachineType=node.get("type"))
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
    machine = ctx.add(stepfunctions.StateMachine(sid, **props), sid)
    parts.handles["state_machine"] = machine
    for key, raw in (node.get("definition_substitutions") or {}).items():
        parts.env[key] = raw

    def write_substitutions():
        if parts.env:  # wire-made values are Sub text; the user's are template data as given
            machine.DefinitionSubstitutions = {k: value(v) if isinstance(v, str) else v
                                               for k, v in parts.env.items()}
    ctx.finalizers.append(write_substitutions)
    return parts


def _definition(ctx: Compilation, node) -> dict:
    if node.get("definition"):
        return {"Definition": dict(node.get("definition"))}
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

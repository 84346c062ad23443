"""function -> Lambda function, its own role and its own log group with retention.

Settings add what SAM makes for a function: a version and an alias (``alias``), a function
URL and its public permissions (``url``), asynchronous invoke settings (``event_invoke``);
``image`` runs a container image; ``role`` and ``log_group`` are written over the function's
own role and log group.

In a virtual network the function also gets a security group and sits in the private
subnets. Wires add statements to the role and variables to the environment; the
environment is written by a finalizer once every wire has been applied.
"""
from __future__ import annotations

import re

from troposphere import GetAtt, Parameter, Ref, awslambda

from stackerynb.cfn.intrinsics import referenced_ids
from stackerynb.compile import starter_code
from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import private_subnets, security_group, group_id
from stackerynb.compile.raw import RawObject
from stackerynb.compile.iam import grant_baseline, keep_policies, new_role
from stackerynb.compile.overrides import setting_text
from stackerynb.compile.refs import arn, att, ref, text_value, value

ENV_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
# Lambda sets these itself and refuses functions that define them.
RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
# Targets a function in a network reaches without a NAT gateway: gateway endpoints (S3,
# DynamoDB, added to every network) and nodes inside the network.
REACHABLE_WITHOUT_NAT = ("table", "object_store", "database", "cache_cluster")
ARTIFACT_BUCKET = "ArtifactBucket"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def emit(ctx: Compilation, node) -> Parts:
    fid = node.id
    parts = Parts(node, attributes={"arn": att(fid, "Arn"), "name": ref(fid)}, role=f"{fid}Role", env={})
    own_logs = dict(node.get("log_group") or {})
    # a log group named after the function is Lambda's default one: naming it on the function,
    # or its ARN in the role, would be a circle (function -> group -> function)
    default_logs = fid in referenced_ids(own_logs.get("LogGroupName"))
    logging = (node.get("properties") or {}).get("LoggingConfig")
    logs_to = logging.get("LogGroup") if isinstance(logging, dict) else None
    if logs_to is not None and f"{fid}LogGroup" not in referenced_ids(logs_to):
        # the function logs to a group its kept LoggingConfig names (not one of its own): no
        # group of its own, and logging rights as Lambda's basic execution role gives them
        log_group, default_logs = None, True
    else:
        log_props = {"LogGroupName": f"/aws/lambda/{ctx.stack_name}-{ctx.env_name}-{fid}",
                     "RetentionInDays": int(node.get("log_retention_days")), **own_logs}
        log_group = ctx.add(RawObject(f"{fid}LogGroup", {  # keys in troposphere's order, like every resource
            "Properties": {k: v for k, v in log_props.items() if v is not None},  # null: not set (never expire)
            "Type": "AWS::Logs::LogGroup"}), fid)
    role = new_role(ctx, fid, parts.role, "function")
    if not default_logs:
        grant_baseline(ctx, parts, "function_logs", log_group_arn=att(log_group.title, "Arn"))
    keep_policies(ctx, fid, role, node.get("policies"))
    if default_logs:
        role.ManagedPolicyArns = [BASIC_EXECUTION] + list(getattr(role, "ManagedPolicyArns", None) or [])
    role.properties.update(dict(node.get("role") or {}))

    props = dict(
        Role=GetAtt(role.title, "Arn"), Runtime=node.get("runtime"), MemorySize=node.get("memory"),
        Timeout=node.get("timeout"), Architectures=[node.get("architecture")],
    )
    if not default_logs:
        props["LoggingConfig"] = awslambda.LoggingConfig(LogGroup=Ref(log_group.title))
    if node.get("image"):  # a container image carries its runtime and entry point
        del props["Runtime"]
        props.update(PackageType="Image", Code=awslambda.Code(ImageUri=text_value(node.get("image"))))
    else:
        props.update(_code(ctx, node))
    if node.get("reserved_concurrency") != -1:
        props["ReservedConcurrentExecutions"] = node.get("reserved_concurrency")
    if node.network:
        parts.security_group = security_group(ctx, node, f"{fid} function")
        props["VpcConfig"] = awslambda.VPCConfig(SubnetIds=private_subnets(ctx, node),
                                                 SecurityGroupIds=[group_id(parts.security_group)])
        network = ctx.parts[node.network].handles
        grant_baseline(ctx, parts, "function_network",
                       subnet_arns=[arn("ec2", f"subnet/${{{s}}}") for s in network["private_subnets"]],
                       security_group_arn=arn("ec2", f"security-group/${{{parts.security_group}.GroupId}}"),
                       network_interface_arns=arn("ec2", "network-interface/*"),
                       vpc_arn=arn("ec2", f"vpc/${{{network['vpc']}}}"))
        _check_reach(ctx, node)
    function = ctx.add(awslambda.Function(fid, **props), fid)
    parts.handles["function"] = function
    _invocation_extras(ctx, node)

    for key, raw in node.get("environment").items():
        if not ENV_NAME.fullmatch(key) or key in RESERVED_ENV:
            why = "is reserved by Lambda" if key in RESERVED_ENV else \
                "must start with a letter and hold at least two letters, digits or underscores"
            ctx.problem(fid, "environment", f"variable name {key!r} {why}")
            continue
        parts.env[key] = setting_text(ctx, fid, "environment", raw)

    def write_environment():
        if parts.env:
            function.Environment = awslambda.Environment(
                Variables={k: value(v) for k, v in parts.env.items()})
    ctx.finalizers.append(write_environment)
    return parts


def _invocation_extras(ctx: Compilation, node) -> None:
    """The version and alias (``alias``), function URL (``url``) and asynchronous invoke settings
    (``event_invoke``), as SAM makes them for AutoPublishAlias, FunctionUrlConfig and
    EventInvokeConfig: the URL and invoke settings apply to the alias when there is one."""
    fid = node.id
    target, qualifier, after = Ref(fid), "$LATEST", []
    alias = node.get("alias")
    if alias:
        version = ctx.add(awslambda.Version(f"{fid}Version", FunctionName=Ref(fid), DeletionPolicy="Retain"), fid)
        published = ctx.add(awslambda.Alias(f"{fid}Alias{re.sub('[^A-Za-z0-9]', '', alias)}", Name=alias,
                                            FunctionName=Ref(fid),
                                            FunctionVersion=GetAtt(version.title, "Version")), fid)
        target, qualifier, after = Ref(published.title), alias, [published.title]
    url = dict(node.get("url") or {})
    if url:
        ctx.add(RawObject(f"{fid}Url", {"Type": "AWS::Lambda::Url", "Properties": {
            "TargetFunctionArn": target.to_dict(), **url}}), fid)
        if url.get("AuthType") == "NONE":  # a public URL: anyone may call it, through the URL only
            ctx.add(awslambda.Permission(f"{fid}UrlPublicPermissions", Action="lambda:InvokeFunctionUrl",
                                         FunctionName=target, Principal="*", FunctionUrlAuthType="NONE"), fid)
            ctx.add(awslambda.Permission(f"{fid}URLInvokeAllowPublicAccess", Action="lambda:InvokeFunction",
                                         FunctionName=target, Principal="*", InvokedViaFunctionUrl=True), fid)
    invoke = dict(node.get("event_invoke") or {})
    if invoke:
        body = {"Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {"FunctionName": {"Ref": fid}, "Qualifier": qualifier, "DestinationConfig": {}, **invoke}}
        if after:
            body["DependsOn"] = after
        ctx.add(RawObject(f"{fid}EventInvokeConfig", body), fid)


def _code(ctx: Compilation, node) -> dict:
    """Code from a packaged location, a folder still to package, or the starter handler."""
    location = ctx.code_locations.get(node.id)
    if location is not None:
        bucket, key = location
        return {"Code": awslambda.Code(S3Bucket=bucket, S3Key=key), "Handler": text_value(node.get("handler"))}
    if node.get("code"):
        bucket = ctx.parameter(Parameter(ARTIFACT_BUCKET, Type="String", Description=(
            "S3 bucket holding the packaged function code (the deploy step fills it in)")))
        return {"Code": awslambda.Code(S3Bucket=value(bucket),
                                       S3Key=f"{ctx.stack_name}/{ctx.env_name}/{node.id}.zip"),
                "Handler": text_value(node.get("handler")),
                "Metadata": {"stackerynb": {"code": text_value(node.get("code"))}}}
    starter = starter_code.starter_for(node.get("runtime"))
    if starter is None:
        ctx.problem(node.id, "code", f"runtime {node.get('runtime')} has no starter handler "
                    "(CloudFormation inlines only Python and Node.js code): set code to the folder "
                    "holding your handler")
        starter = starter_code.PYTHON
    return {"Code": awslambda.Code(ZipFile=starter), "Handler": starter_code.HANDLER}


def _check_reach(ctx: Compilation, node) -> None:
    network = ctx.nodes[node.network]
    if network.get("nat") != "none":
        return
    for wire in ctx.wires_from(node.id):
        kind = ctx.nodes[wire.target].kind
        if kind not in REACHABLE_WITHOUT_NAT:
            ctx.problem(node.id, "network", f"{node.id} sits in {network.id}, which has no NAT "
                        f"gateway (nat: none), so it cannot reach the {kind} {wire.target}; set "
                        f"{network.id}.nat to single, or take {node.id} out of the network")

"""config_store -> SSM parameters under ``/<stack>/<env>/<node>/``, values per environment;
secret -> Secrets Manager secret whose value is generated (or set out of band), never written
in the template."""
from __future__ import annotations

import re

from troposphere import secretsmanager, ssm

from stackerynb.compile.raw import RawObject
from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.names import camel, logical_id
from stackerynb.compile.overrides import setting_text
from stackerynb.compile.refs import arn, ref, text_value, value

PARAMETER_NAME = re.compile(r"[A-Za-z0-9_.-]+")
MAX_VALUE = 4096  # standard-tier SSM parameters


def parameter_path(ctx: Compilation, node_id: str) -> str:
    """Where a config store's parameters live in this environment."""
    return f"/{ctx.stack_name}/{ctx.env_name}/{node_id}"


def emit_config_store(ctx: Compilation, node) -> Parts:
    cid = node.id
    path = parameter_path(ctx, cid)
    declared = dict(node.get("parameters"))
    given = dict(ctx.environment.config.get(cid, {}) or {})
    for key in given:
        if key not in declared:
            ctx.problem(cid, "parameters", f"environment {ctx.env_name} sets {key!r}, which {cid} does not "
                        f"declare (declared: {', '.join(declared) or 'none'}); add it to {cid}.parameters")
    used: set[str] = set()
    for key, default in declared.items():
        if not PARAMETER_NAME.fullmatch(key):
            ctx.problem(cid, "parameters", f"parameter name {key!r} may hold only letters, digits, . _ and -")
            continue
        raw = given.get(key, default)
        val = setting_text(ctx, cid, "parameters", raw)
        if val == "":
            ctx.problem(cid, "parameters", f"{key!r} has no value in environment {ctx.env_name}: give it a "
                        f"default or set config: {{{cid}: {{{key}: ...}}}} in environments.yaml")
            continue
        if len(val) > MAX_VALUE:
            ctx.problem(cid, "parameters", f"{key!r} is {len(val)} characters; SSM keeps at most {MAX_VALUE}")
            continue
        logical = logical_id(cid, camel(key), "Parameter")
        if logical in used:
            logical = f"{cid}Parameter{len(used) + 1}"
        used.add(logical)
        ctx.add(ssm.Parameter(logical, Name=f"{path}/{key}", Type="String", Value=value(val),
                              Description=f"{key} of {cid} in {ctx.env_name}"), cid)
    return Parts(node, attributes={"parameter_path": path, "parameter_path_arn": arn("ssm", f"parameter{path}")})


def emit_secret(ctx: Compilation, node) -> Parts:
    sid = node.id
    props = dict(Description=text_value(node.get("description")) or f"{sid} of {ctx.stack_name} ({ctx.env_name})")
    options = dict(node.get("generate_options") or {})
    if node.get("generate"):
        props["GenerateSecretString"] = secretsmanager.GenerateSecretString(PasswordLength=node.get("length"))
    secret = ctx.add(secretsmanager.Secret(sid, **props), sid)
    if node.get("generate") and options:  # as given: the options may hold intrinsics
        body = secret.to_dict()
        body["Properties"]["GenerateSecretString"].update(options)
        ctx.resources[sid] = RawObject(sid, body)
    return Parts(node, attributes={"arn": ref(sid)})

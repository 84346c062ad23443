"""rest_api -> API Gateway REST API; each wired function gets Lambda proxy routes.

The routes live in the RestApi's OpenAPI 3 ``Body`` (as SAM writes them), not as one
``AWS::ApiGateway::Resource`` per path segment and one ``Method`` per route: a design pays
three resources per API (the API, a deployment, a stage), not two more per route, so 100
routed functions fit one template. A route at ``/orders`` answers ``ANY /orders`` only, with
a Lambda proxy integration (``aws_proxy``) to its function. A greedy route, written
``/orders/*``, also answers every path below (``ANY /orders/{proxy+}``); ``/*`` is the root
and all below it. A route may name its method (``GET /orders/{id}``), and a function may
have several routes, separated by commas (``GET /orders, POST /orders``): each is exactly one
operation, and the function's invoke permission answers exactly that method and path (as SAM
scopes it). ``cors`` adds a mock ``OPTIONS`` answer per path, ``auth`` a security scheme (the
authorizer) every route but the preflight requires. The deployment's logical id carries a
hash of the body, so CloudFormation redeploys the stage exactly when the routes change.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from troposphere import GetAtt, Ref, Sub, apigateway, awslambda

from stackerynb.cfn import rest_api_body as body
from stackerynb.compile.context import Compilation, Parts, StatementRecord
from stackerynb.compile.iam import document
from stackerynb.compile.emitters.common import auth_settings_agree, name
from stackerynb.compile.raw import RawObject
from stackerynb.compile.refs import arn, att, ref
from stackerynb.model.rules import unwired_route

SEGMENT = re.compile(r"[A-Za-z0-9._-]+|\{[A-Za-z0-9_.-]+\+?\}")
METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DOT_SEGMENTS = (".", "..")
GREEDY = "/*"  # a route ending so also answers every path below it, through {proxy+}


def emit(ctx: Compilation, node) -> Parts:
    aid = node.id
    stage = node.get("stage")
    props = dict(Name=name(ctx, aid, limit=1024),
                 EndpointConfiguration=apigateway.EndpointConfiguration(Types=[node.get("endpoint")]))
    if node.get("endpoint") == "PRIVATE":
        # a private API answers only requests arriving through an interface VPC endpoint
        record = StatementRecord(wire=None, node=aid, principal="*", actions=("execute-api:Invoke",),
                                 resources=("execute-api:/*",), kind="resource", holder=aid,
                                 purpose="private endpoint: callers come through VPC endpoints only",
                                 condition={"Null": {"aws:SourceVpce": "false"}})
        ctx.statements.append(record)
        props["Policy"] = json.loads(document([record]).to_json())
    api = ctx.add(apigateway.RestApi(aid, **props), aid)
    url = f"https://${{{aid}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{stage}"
    parts = Parts(node, attributes={"id": ref(aid), "url": url, "root": att(aid, "RootResourceId")},
                  handles={"api": api, "routes": []})
    ctx.finalizers.append(lambda: _build_routes(ctx, node, parts))
    return parts


def route_path(ctx: Compilation, api_node, function_id: str) -> str:
    """The route text the API serves ``function_id`` at: the ``routes`` setting or ``/<id>``
    (a single path's trailing ``/*`` kept: it marks a greedy route, see :func:`split_route`)."""
    text = str(api_node.get("routes").get(function_id, f"/{function_id}"))
    if "," in text or " " in text.strip():
        return text
    path = text
    greedy = path.endswith(GREEDY)
    base = (path[: -len(GREEDY)] if greedy else path).rstrip("/")
    return base + GREEDY if greedy else (base or "/")


def route_entries(route_text: str) -> list[tuple[str, str]]:
    """``(METHOD, route)`` for each comma-separated entry of a route text; an entry without a
    method answers ``ANY``. ``"GET /a, POST /a/{id}"`` -> ``[("GET", "/a"), ("POST", "/a/{id}")]``."""
    entries = []
    for entry in str(route_text).split(","):
        entry = entry.strip()
        method, _, path = entry.rpartition(" ")
        method = method.strip().upper() or "ANY"
        greedy = path.endswith(GREEDY)
        base = (path[: -len(GREEDY)] if greedy else path)
        base = base.rstrip("/") if base != "/" else base
        entries.append((method, base + GREEDY if greedy else (base or "/")))
    return entries


def entry_text(method: str, route: str) -> str:
    """One route entry as written in the ``routes`` setting (``ANY`` left implicit)."""
    return route if method == "ANY" else f"{method} {route}"


def invoke_source(api_id: str, method: str, route: str) -> str:
    """The execute-api ARN (Sub text) a route's invoke permission answers: any stage, the
    route's method (any for ``ANY``), its path with path variables as one segment each."""
    verb = "*" if method == "ANY" else method
    return arn("execute-api", f"${{{api_id}}}/*/{verb}{invoke_pattern(route)}")


def split_route(route: str) -> tuple[str, bool]:
    """``(path, greedy)`` of a route: ``/orders/*`` is ``("/orders", True)``, ``/*`` is ``("/", True)``."""
    if route.endswith(GREEDY):
        return route[: -len(GREEDY)] or "/", True
    return route, False


def invoke_pattern(route: str) -> str:
    """The part of an execute-api ARN after ``<api>/<stage>/<method>`` that the route answers:
    path variables (and a written ``{proxy+}``) match as ``*``, as SAM writes them; a greedy
    route anything below its path too."""
    path, greedy = split_route(route)
    segments = ["*" if s.startswith("{") else s for s in path.split("/")[1:] if s]
    exact = "/" + "/".join(segments)
    if greedy:
        return "/*" if path == "/" else exact if exact.endswith("*") else f"{exact}*"
    return exact


def _build_routes(ctx: Compilation, node, parts: Parts) -> None:
    aid = node.id
    routes: list[tuple[str, str]] = parts.handles["routes"]
    wired = {fid for fid, _ in routes}
    ctx.problems.extend(unwired_route(aid, fid, ctx.nodes) for fid in node.get("routes") if fid not in wired)
    if not _check_paths(ctx, node, routes):
        return
    if not routes:
        return  # nothing to deploy: a stage needs at least one method
    security = _authorization(ctx, node)
    if security is None:
        return
    api = parts.handles["api"]
    definition = openapi_body(node, routes, security, title=api.properties["Name"])
    api.properties["Body"] = definition
    # CloudFormation redeploys only a new deployment: its id hashes everything a deployment
    # snapshots (the routes, CORS and auth in the body, and the resource policy)
    digest = hashlib.sha256(json.dumps([definition, api.properties.get("Policy")], sort_keys=True,
                                       default=_json_of).encode()).hexdigest()[:8]
    deployment = ctx.add(apigateway.Deployment(
        f"{aid}Deployment{digest}", RestApiId=Ref(aid), Description=f"routes {digest}"), aid)
    stage = ctx.add(apigateway.Stage(f"{aid}Stage", RestApiId=Ref(aid), StageName=node.get("stage"),
                                     DeploymentId=Ref(deployment.title)), aid)
    extra = node.get("stage_properties")
    if extra:  # what an import kept (tracing, method settings, access logs...), over the kit's
        written = stage.to_dict()
        ctx.resources[stage.title] = RawObject(stage.title, {**written, "Properties": {**written["Properties"], **extra}})
    if node.get("url_output"):
        ctx.output(f"{aid}Url", parts.attributes["url"], f"Invoke URL of {aid}")


def _json_of(value):
    return value.to_dict() if hasattr(value, "to_dict") else str(value)


def openapi_body(node, routes: list[tuple[str, str]], security: "Security", *, title) -> dict:
    """The API's routes as the OpenAPI 3 document API Gateway imports (the RestApi's ``Body``),
    see :func:`stackerynb.cfn.rest_api_body.definition`."""
    entries = [(fid, *route_entries(entry)[0]) for fid, entry in routes]
    return body.definition(entries, cors=bool(node.get("cors")), requirement=security.requirement,
                           schemes=security.schemes, title=title)


AUTH_SETTINGS = {"cognito": "user_pool_arn", "lambda": "authorizer"}  # what each auth needs


@dataclass(frozen=True)
class Security:
    """How the API's routes are guarded in its OpenAPI body: the security requirement each
    route carries (None: open) and the security schemes (authorizers) it names."""

    requirement: dict | None = None
    schemes: dict = field(default_factory=dict)


def _authorization(ctx: Compilation, node) -> Security | None:
    """The routes' security for the API's ``auth`` (with the Lambda authorizer's invoke
    permission), or None after recording a problem: a setting the chosen auth needs is empty,
    or one it ignores is set."""
    aid, auth = node.id, node.get("auth")
    ok = auth_settings_agree(ctx, node, AUTH_SETTINGS)
    if not ok:
        return None
    if auth == "none":
        return Security()
    if auth == "iam":
        return Security({body.IAM_SCHEME: []}, {body.IAM_SCHEME: body.security_scheme("iam")})
    label = name(ctx, aid, limit=128, part="auth")  # the authorizer's name in API Gateway
    if auth == "cognito":
        return Security({label: []}, {label: body.security_scheme("cognito", user_pool_arn=node.get("user_pool_arn"))})
    fid = node.get("authorizer")
    # the authorizer is made by the body's import, so its id is not known to the template:
    # the permission answers this API's authorizers (it has one), as SAM scopes it
    source = f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{aid}}}/authorizers/*"
    permission = f"{aid}AuthorizerPermission"
    ctx.add(awslambda.Permission(permission, Action="lambda:InvokeFunction", FunctionName=GetAtt(fid, "Arn"),
                                 Principal="apigateway.amazonaws.com", SourceArn=Sub(source)), aid)
    ctx.statements.append(StatementRecord(
        wire=None, node=fid, principal="apigateway.amazonaws.com", actions=("lambda:InvokeFunction",),
        resources=(att(fid, "Arn"),), kind="resource", purpose=f"{aid} asks {fid} to authorize requests",
        holder=permission, condition={"ArnLike": {"aws:SourceArn": source}}))
    return Security({label: []}, {label: body.security_scheme("lambda", authorizer=fid)})


def _check_paths(ctx: Compilation, node, routes) -> bool:
    ok = True
    seen: dict[tuple[str, str], str] = {}
    variables: dict[str, set[str]] = {}
    for fid, entry in routes:
        (method, route), = route_entries(entry)
        path, greedy = split_route(route)
        segments = [] if path == "/" else path.split("/")[1:]
        if method not in METHODS:
            ctx.problem(node.id, "routes", f"route {entry!r} for {fid}: method {method} is not one of "
                        f"{', '.join(METHODS)}")
            ok = False
            continue
        if not path.startswith("/") or any(not SEGMENT.fullmatch(s) for s in segments) or any(
                s.endswith("+}") for s in segments[:-1]) or (greedy and segments and segments[-1].endswith("+}")):
            ctx.problem(node.id, "routes", f"route {entry!r} for {fid} must be [METHOD] / or /segment/... made of "
                        "letters, digits, . _ - or {name} path variables ({name+} last), ending in /* to also "
                        "answer every path below; several routes are separated by commas")
            ok = False
            continue
        if any(s in DOT_SEGMENTS for s in segments):
            # clients and proxies collapse /a/../b to /b, so such a route answers a path it does not show
            ctx.problem(node.id, "routes", f"route {entry!r} for {fid} has a . or .. segment; write the "
                        "path it stands for")
            ok = False
            continue
        key = (method, path)
        if key in seen:
            where = path if method == "ANY" else f"{method} {path}"
            ctx.problem(node.id, "routes", f"{seen[key]} and {fid} are both routed at {where}"
                        if seen[key] != fid else f"{fid} has the route {where} twice")
            ok = False
        seen[key] = fid
        # each level may hold one path variable; a greedy route adds {proxy+} below itself
        prefix = ""
        for segment in segments + (["{proxy+}"] if greedy else []):
            if segment.startswith("{"):
                variables.setdefault(prefix, set()).add(segment)
            prefix = f"{prefix}/{segment}"
    for prefix, names in variables.items():
        if len(names) > 1:
            ctx.problem(node.id, "routes", f"under {prefix or '/'} the routes need path variables "
                        f"{', '.join(sorted(names))} side by side, which API Gateway refuses "
                        "(a route's greedy {proxy+} counts as one)")
            ok = False
    return ok

"""rest_api -> API Gateway REST API; each wired function gets Lambda proxy routes.

A route at ``/orders`` answers ``ANY /orders`` only: one Resource and one Method, integrated
with the function (AWS_PROXY). A greedy route, written ``/orders/*``, also answers every path
below (``ANY /orders/{proxy+}``, a second Resource and Method); ``/*`` is the root and all
below it. A route may name its method (``GET /orders/{id}``), and a function may have several
routes, separated by commas (``GET /orders, POST /orders``): each is exactly one Method, and
the function's invoke permission answers exactly that method and path (as SAM scopes it). Only
greedy routes get the ``{proxy+}`` companion, so a design of plain routes emits two resources
per route, not four. The deployment's logical id carries a hash of the routes, so
CloudFormation redeploys the stage exactly when the routes change.
"""
from __future__ import annotations

import hashlib
import json
import re

from troposphere import GetAtt, Ref, Sub, apigateway, awslambda

from stackerynb.compile.context import Compilation, Parts, StatementRecord
from stackerynb.compile.iam import document
from stackerynb.compile.emitters.common import auth_settings_agree, name
from stackerynb.compile.names import camel, logical_id
from stackerynb.compile.raw import RawObject
from stackerynb.compile.refs import arn, att, ref

SEGMENT = re.compile(r"[A-Za-z0-9._-]+|\{[A-Za-z0-9_.-]+\+?\}")
METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DOT_SEGMENTS = (".", "..")
GREEDY = "/*"  # a route ending so also answers every path below it, through {proxy+}
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "'*'",
    "Access-Control-Allow-Methods": "'GET,POST,PUT,PATCH,DELETE,OPTIONS'",
    "Access-Control-Allow-Headers": "'Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token'",
}


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
    for fid in node.get("routes"):
        if fid not in wired:
            ctx.problem(aid, "routes", f"has a route for {fid!r}, which is not a function wired from {aid}")
    if not _check_paths(ctx, node, routes):
        return
    if not routes:
        return  # nothing to deploy: a stage needs at least one method
    authorization = _authorization(ctx, node)
    if authorization is None:
        return
    resources: dict[str, object] = {"": GetAtt(aid, "RootResourceId")}
    methods = []
    used: set[str] = set()

    preflights: set[str] = set()
    first: set[str] = set()
    for fid, entry in routes:
        (method, route), = route_entries(entry)
        path, greedy = split_route(route)
        base = "" if path == "/" else path
        targets = [(_resource(ctx, aid, resources, used, base) if base else resources[""], "")]
        if greedy:
            targets.append((_resource(ctx, aid, resources, used, f"{base}/{{proxy+}}"), "Proxy"))
        # a function's first route keeps the short id designs had before routes named methods
        route_label = "" if fid not in first else method.title() + (camel(path.replace("+", "")) or "Root")
        first.add(fid)
        for target, label in targets:
            logical = logical_id(aid, fid, route_label, label, "Method")
            if logical in used:
                logical = logical_id(aid, fid, route_label, label, hashlib.sha256(entry.encode()).hexdigest()[:6], "Method")
            used.add(logical)
            methods.append(ctx.add(apigateway.Method(
                logical, RestApiId=Ref(aid), ResourceId=_id(target),
                HttpMethod=method, **authorization,
                Integration=apigateway.Integration(
                    Type="AWS_PROXY", IntegrationHttpMethod="POST",
                    Uri=Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/"
                            f"2015-03-31/functions/${{{fid}.Arn}}/invocations"))), aid))
            resource_key = base + ("/{proxy+}" if label else "")
            if node.get("cors") and resource_key not in preflights:
                preflights.add(resource_key)
                methods.append(ctx.add(_preflight(logical_id(aid, fid, route_label, label, "Options"), aid,
                                                  _id(target)), aid))

    # auth joins the digest only when set, so APIs without it keep their deployment ids
    auth = [] if node.get("auth") == "none" else [node.get("auth"), node.get("user_pool_arn"), node.get("authorizer")]
    # "exact" marks routes without an implied {proxy+}: stages deployed when every route was greedy
    # get a new deployment, or they would keep serving the dropped {proxy+} methods
    digest = hashlib.sha256(repr(sorted(routes) + [node.get("cors")] + auth + ["exact"]).encode()).hexdigest()[:8]
    deployment = ctx.add(apigateway.Deployment(
        f"{aid}Deployment{digest}", RestApiId=Ref(aid), Description=f"routes {digest}",
        DependsOn=[m.title for m in methods]), aid)
    stage = ctx.add(apigateway.Stage(f"{aid}Stage", RestApiId=Ref(aid), StageName=node.get("stage"),
                                     DeploymentId=Ref(deployment.title)), aid)
    extra = node.get("stage_properties")
    if extra:  # what an import kept (tracing, method settings, access logs...), over the kit's
        body = stage.to_dict()
        ctx.resources[stage.title] = RawObject(stage.title, {**body, "Properties": {**body["Properties"], **extra}})
    if node.get("url_output"):
        ctx.output(f"{aid}Url", parts.attributes["url"], f"Invoke URL of {aid}")


AUTH_HEADER = "method.request.header.Authorization"
AUTH_SETTINGS = {"cognito": "user_pool_arn", "lambda": "authorizer"}  # what each auth needs


def _authorization(ctx: Compilation, node) -> dict | None:
    """The Method properties for the API's ``auth`` (making its authorizer), or None after
    recording a problem: a setting the chosen auth needs is empty, or one it ignores is set."""
    aid, auth = node.id, node.get("auth")
    ok = auth_settings_agree(ctx, node, AUTH_SETTINGS)
    if not ok:
        return None
    if auth == "none":
        return {"AuthorizationType": "NONE"}
    if auth == "iam":
        return {"AuthorizationType": "AWS_IAM"}
    logical = f"{aid}Authorizer"
    props = dict(RestApiId=Ref(aid), Name=name(ctx, aid, limit=128, part="auth"), IdentitySource=AUTH_HEADER)
    if auth == "cognito":
        ctx.add(apigateway.Authorizer(logical, Type="COGNITO_USER_POOLS",
                                      ProviderARNs=[node.get("user_pool_arn")], **props), aid)
        return {"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": Ref(logical)}
    fid = node.get("authorizer")
    ctx.add(apigateway.Authorizer(logical, Type="TOKEN", AuthorizerResultTtlInSeconds=300, AuthorizerUri=Sub(
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        f"${{{fid}.Arn}}/invocations"), **props), aid)
    source = f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{aid}}}/authorizers/${{{logical}}}"
    permission = f"{aid}AuthorizerPermission"
    ctx.add(awslambda.Permission(permission, Action="lambda:InvokeFunction", FunctionName=GetAtt(fid, "Arn"),
                                 Principal="apigateway.amazonaws.com", SourceArn=Sub(source)), aid)
    ctx.statements.append(StatementRecord(
        wire=None, node=fid, principal="apigateway.amazonaws.com", actions=("lambda:InvokeFunction",),
        resources=(att(fid, "Arn"),), kind="resource", purpose=f"{aid} asks {fid} to authorize requests",
        holder=permission, condition={"ArnLike": {"aws:SourceArn": source}}))
    return {"AuthorizationType": "CUSTOM", "AuthorizerId": Ref(logical)}


def _resource(ctx: Compilation, aid: str, resources: dict, used: set, path: str):
    """The API resource for ``path`` (``""`` is the root), creating it and its parents."""
    if path in resources:
        return resources[path]
    parent, _, part = path.rpartition("/")
    logical = logical_id(aid, camel(path.replace('{proxy+}', 'proxy')), "Resource")
    if logical in used:  # /a-b and /ab camel-case alike
        logical = f"{logical}{hashlib.sha256(path.encode()).hexdigest()[:6]}"
    used.add(logical)
    parent_id = _id(_resource(ctx, aid, resources, used, parent))
    resources[path] = ctx.add(apigateway.Resource(logical, RestApiId=Ref(aid), ParentId=parent_id, PathPart=part), aid)
    return resources[path]


def _id(resource):
    return resource if isinstance(resource, GetAtt) else Ref(resource.title)


def _preflight(logical_id: str, aid: str, resource_id) -> apigateway.Method:
    headers = {f"method.response.header.{k}": v for k, v in CORS_HEADERS.items()}
    return apigateway.Method(
        logical_id, RestApiId=Ref(aid), ResourceId=resource_id, HttpMethod="OPTIONS",
        AuthorizationType="NONE",
        Integration=apigateway.Integration(
            Type="MOCK", RequestTemplates={"application/json": '{"statusCode": 200}'},
            IntegrationResponses=[apigateway.IntegrationResponse(
                StatusCode="200", ResponseParameters=headers, ResponseTemplates={"application/json": ""})]),
        MethodResponses=[apigateway.MethodResponse(
            StatusCode="200", ResponseParameters={k: False for k in headers})])


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

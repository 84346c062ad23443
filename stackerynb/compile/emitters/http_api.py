"""http_api -> API Gateway v2 API (HTTP or WebSocket), its stage, and per wired function one
Lambda proxy integration, its routes and one invoke permission per route.

Routes are route keys: ``GET /orders/{id}`` (HTTP; ``ANY`` for every method, ``$default`` for
whatever no other route answers) or ``$connect``/``$disconnect``/``$default``/a custom action
(WebSocket). Each route's permission lets API Gateway invoke the function for that method and
path only (path variables match one segment, ``{name+}`` any below), unless the wire's
``permission`` setting gives its own scope (one permission then covers its routes). The
stage deploys itself on every change (AutoDeploy), or with ``auto_deploy`` off, a deployment
made once with the routes.
"""
from __future__ import annotations

import hashlib
import re

from troposphere import GetAtt, Ref, Sub, apigatewayv2 as v2, awslambda

from stackerynb.cfn.intrinsics import sub_text
from stackerynb.compile.context import Compilation, Parts, StatementRecord
from stackerynb.compile.emitters.common import auth_settings_agree, name
from stackerynb.compile.raw import with_override
from stackerynb.compile.refs import arn, ref
from stackerynb.model.rules import unwired_route

HTTP_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
HTTP_ROUTE = re.compile(r"^(%s) (/|(/(\{[A-Za-z0-9_]+\+?\}|[A-Za-z0-9._~:@!$&'()*,;=-]+))+)$" % "|".join(HTTP_METHODS))
WEBSOCKET_ROUTE = re.compile(r"^(\$connect|\$disconnect|\$default|[A-Za-z0-9_.:-]{1,128})$")
INVOKE_URI = "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${%s.Arn}/invocations"
INTEGRATION_SETTINGS = ("PayloadFormatVersion", "TimeoutInMillis")  # a wire's event setting may set these
CORS = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}


def emit(ctx: Compilation, node) -> Parts:
    aid = node.id
    websocket = node.get("protocol") == "WEBSOCKET"
    props = dict(Name=name(ctx, aid, limit=128), ProtocolType=node.get("protocol"))
    if websocket:
        props["RouteSelectionExpression"] = node.get("route_selection")
    elif node.get("cors"):
        props["CorsConfiguration"] = v2.Cors(**CORS)
    api = ctx.add(v2.Api(aid, **props), aid)
    stage = node.get("stage")
    scheme = "wss" if websocket else "https"
    path = "" if stage == "$default" else stage
    url = f"{scheme}://${{{aid}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{path}"
    parts = Parts(node, attributes={"id": ref(aid), "url": url}, handles={"api": api, "routes": []})
    ctx.finalizers.append(lambda: _finish(ctx, node, parts))
    return parts


def route_keys(api_node, function_id: str) -> list[str]:
    """The route keys function ``function_id`` answers on ``api_node``."""
    keys = (api_node.get("routes") or {}).get(function_id)
    if keys is None:
        return [function_id] if api_node.get("protocol") == "WEBSOCKET" else [f"ANY /{function_id}"]
    return [keys] if isinstance(keys, str) else list(keys)


def source_pattern(route_key: str) -> str:
    """What of an execute-api ARN after ``<api>/<stage>/`` a route key answers."""
    if " " not in route_key:
        return route_key  # a WebSocket route key, or $default
    method, path = route_key.split(" ", 1)
    segments = ["*" if s.startswith("{") else s for s in path.split("/")[1:] if s]
    return f"{'*' if method == 'ANY' else method}/" + "/".join(segments)


def route(ctx: Compilation, wire, source: Parts, target: Parts) -> None:
    """Event ``http_route``: the function's integration, routes and per-route permissions."""
    api, fid = source.node, target.node.id
    aid = api.id
    keys = route_keys(api, fid)
    valid = WEBSOCKET_ROUTE if api.get("protocol") == "WEBSOCKET" else HTTP_ROUTE
    bad = [k for k in keys if not isinstance(k, str) or not (valid.fullmatch(k) or k == "$default")]
    if bad or not keys:
        ctx.problem(aid, "routes", f"route keys {bad or keys!r} for {fid} are not "
                    + ("$connect, $disconnect, $default or an action name" if valid is WEBSOCKET_ROUTE
                       else "'METHOD /path' (METHOD one of " + ", ".join(HTTP_METHODS) + ") or $default"))
        return None
    integration = f"{aid}{fid}Integration"
    props = dict(ApiId=Ref(aid), IntegrationType="AWS_PROXY", IntegrationUri=Sub(INVOKE_URI % fid))
    if api.get("protocol") == "HTTP":
        props["PayloadFormatVersion"] = "2.0"
    event = wire.settings.get("event") or {}
    unknown = sorted(set(event) - set(INTEGRATION_SETTINGS))
    if unknown:
        ctx.problem(aid, "event", f"wire {aid} -> {fid}: {', '.join(unknown)} is not one of "
                    f"{', '.join(INTEGRATION_SETTINGS)}")
    props.update({k: event[k] for k in INTEGRATION_SETTINGS if k in event})
    ctx.add(v2.Integration(integration, **props), aid)
    override = dict(wire.settings.get("permission") or {})  # the wire's own scope (null: none)
    made = []
    for key in keys:
        source.handles["routes"].append((fid, key, integration))
        suffix = _suffix(key)
        permission = f"{aid}{fid}{suffix}Permission"
        scope = arn("execute-api", f"${{{aid}}}/*/{source_pattern(key)}")
        resource = with_override(awslambda.Permission(
            permission, Action="lambda:InvokeFunction", FunctionName=GetAtt(fid, "Arn"),
            Principal="apigateway.amazonaws.com", SourceArn=Sub(scope)), override, made)
        if resource is None:
            continue  # routes the wire's own scope covers already
        if "SourceArn" in override:
            scope = sub_text(override["SourceArn"]) if override["SourceArn"] is not None else "*"
        ctx.add(resource, aid)
        ctx.statements.append(StatementRecord(
            wire=f"{aid} -> {fid}", node=fid, principal="apigateway.amazonaws.com",
            actions=("lambda:InvokeFunction",), resources=(f"${{{fid}.Arn}}",), kind="resource",
            purpose=f"{aid} invokes {fid} for {key}", holder=permission,
            condition={"ArnLike": {"aws:SourceArn": scope}}))
    return None


def _suffix(key: str) -> str:
    """A logical-id part for a route key: its letters, plus a hash so distinct keys never clash."""
    letters = re.sub(r"[^A-Za-z0-9]", "", key.title())[:40]
    return f"{letters}{hashlib.sha256(key.encode()).hexdigest()[:6]}"


def _finish(ctx: Compilation, node, parts: Parts) -> None:
    aid = node.id
    routes = parts.handles["routes"]
    wired = {fid for fid, _, _ in routes}
    ctx.problems.extend(unwired_route(aid, fid, ctx.nodes) for fid in node.get("routes") or {} if fid not in wired)
    seen: dict[str, str] = {}
    for fid, key, _ in routes:
        if key in seen:
            ctx.problem(aid, "routes", f"{seen[key]} and {fid} both answer {key}")
        seen.setdefault(key, fid)
    authorization = _authorization(ctx, node)
    if authorization is None:
        return
    route_ids = []
    for fid, key, integration in routes:
        # a WebSocket API authorizes once, when the connection opens
        auth = authorization if node.get("protocol") == "HTTP" or key == "$connect" else {"AuthorizationType": "NONE"}
        logical = f"{aid}{fid}{_suffix(key)}Route"
        ctx.add(v2.Route(logical, ApiId=Ref(aid), RouteKey=key, Target=Sub(f"integrations/${{{integration}}}"),
                         **auth), aid)
        route_ids.append(logical)
    # quick create (a Target kept in properties): API Gateway makes the $default stage itself
    if "Target" not in (node.get("properties") or {}):
        _stage(ctx, node, route_ids)
    if node.get("url_output"):
        ctx.output(f"{aid}Url", parts.attributes["url"], f"Invoke URL of {aid}")


def _stage(ctx: Compilation, node, route_ids: list[str]) -> None:
    """The stage: deploying every change itself, or (``auto_deploy`` off) one deployment made
    once the routes are."""
    aid = node.id
    deploy = {"AutoDeploy": True}
    after = {"DependsOn": route_ids} if route_ids else {}
    if not node.get("auto_deploy"):
        deployment = ctx.add(v2.Deployment(f"{aid}Deployment", ApiId=Ref(aid), **after), aid)
        deploy = {"DeploymentId": Ref(deployment.title)}
    ctx.add(v2.Stage(f"{aid}Stage", ApiId=Ref(aid), StageName=node.get("stage"), **deploy, **after), aid)


AUTH_NEEDS = {"jwt": "jwt_issuer", "lambda": "authorizer"}


def _authorization(ctx: Compilation, node) -> dict | None:
    aid, auth = node.id, node.get("auth")
    ok = auth_settings_agree(ctx, node, AUTH_NEEDS)
    if auth == "jwt" and node.get("protocol") == "WEBSOCKET":
        ctx.problem(aid, "auth", "a WebSocket API takes no JWT authorizer; use lambda or iam")
        ok = False
    if not ok:
        return None
    fid = node.get("authorizer")
    if auth == "none":
        return {"AuthorizationType": "NONE"}
    if auth == "iam":
        return {"AuthorizationType": "AWS_IAM"}
    logical = f"{aid}Authorizer"
    if auth == "jwt":
        ctx.add(v2.Authorizer(logical, ApiId=Ref(aid), AuthorizerType="JWT", Name=name(ctx, aid, limit=128, part="auth"),
                              IdentitySource=["$request.header.Authorization"],
                              JwtConfiguration=v2.JWTConfiguration(Issuer=node.get("jwt_issuer"),
                                                                   Audience=list(node.get("jwt_audience")))), aid)
        return {"AuthorizationType": "JWT", "AuthorizerId": Ref(logical)}
    http = node.get("protocol") == "HTTP"
    props = dict(ApiId=Ref(aid), AuthorizerType="REQUEST", Name=name(ctx, aid, limit=128, part="auth"),
                 AuthorizerUri=Sub(INVOKE_URI % fid),
                 IdentitySource=["$request.header.Authorization" if http else "route.request.header.Authorization"])
    if http:
        props.update(AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True)
    ctx.add(v2.Authorizer(logical, **props), aid)
    permission = f"{aid}AuthorizerPermission"
    scope = arn("execute-api", f"${{{aid}}}/authorizers/${{{logical}}}")
    ctx.add(awslambda.Permission(permission, Action="lambda:InvokeFunction", FunctionName=GetAtt(fid, "Arn"),
                                 Principal="apigateway.amazonaws.com", SourceArn=Sub(scope)), aid)
    ctx.statements.append(StatementRecord(
        wire=None, node=fid, principal="apigateway.amazonaws.com", actions=("lambda:InvokeFunction",),
        resources=(f"${{{fid}.Arn}}",), kind="resource", purpose=f"{aid} asks {fid} to authorize requests",
        holder=permission, condition={"ArnLike": {"aws:SourceArn": scope}}))
    return {"AuthorizationType": "CUSTOM", "AuthorizerId": Ref(logical)}

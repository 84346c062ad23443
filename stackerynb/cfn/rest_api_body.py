"""The OpenAPI 3 shapes of a REST API's ``Body`` the kit writes (compile/emitters/api.py) and
reads back (importing/rest_api_bodies.py): Lambda proxy integrations, path parameters, the CORS
preflight mock and the security schemes of each ``auth``. One place, so both sides agree on
every key; plain data (``Fn::Sub`` as a mapping), nothing imported."""
from __future__ import annotations

import re

OPENAPI_VERSION = "3.0.1"
ANY_METHOD = "x-amazon-apigateway-any-method"  # OpenAPI has no ANY: API Gateway's extension
INTEGRATION = "x-amazon-apigateway-integration"
AUTHTYPE = "x-amazon-apigateway-authtype"
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTH_HEADER = "Authorization"
TOKEN_TTL = 300  # seconds API Gateway caches a Lambda authorizer's answer
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "'*'",
    "Access-Control-Allow-Methods": "'GET,POST,PUT,PATCH,DELETE,OPTIONS'",
    "Access-Control-Allow-Headers": "'Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token'",
}
_INVOCATIONS = ("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                "${%s.Arn}/invocations")
_INVOCATIONS_RE = re.compile(re.escape(_INVOCATIONS).replace("%s", "([A-Za-z0-9]+)"))


def operation_key(method: str) -> str:
    """The OpenAPI key of a route's method (``ANY`` is API Gateway's extension)."""
    return ANY_METHOD if method == "ANY" else method.lower()


def method_of(key: str) -> str:
    """The route method an OpenAPI operation key stands for (the inverse of operation_key)."""
    return "ANY" if key == ANY_METHOD else key.upper()


def invocation_uri(function_id: str) -> dict:
    """The URI API Gateway calls ``function_id`` with (``Fn::Sub`` of its ARN)."""
    return {"Fn::Sub": _INVOCATIONS % function_id}


def function_of_uri(uri) -> str | None:
    """The function id of an :func:`invocation_uri`, or None for any other value."""
    text = uri.get("Fn::Sub") if isinstance(uri, dict) and len(uri) == 1 else None
    found = _INVOCATIONS_RE.fullmatch(text) if isinstance(text, str) else None
    return found.group(1) if found else None


def proxy_integration(function_id: str) -> dict:
    """A Lambda proxy integration with ``function_id`` (API Gateway calls Lambda with POST)."""
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": invocation_uri(function_id)}


def path_parameters(path: str) -> list[dict]:
    """OpenAPI declares each path variable (API Gateway maps them to method request parameters)."""
    return [{"name": s[1:-1].rstrip("+"), "in": "path", "required": True, "schema": {"type": "string"}}
            for s in path.split("/") if s.startswith("{")]


def route_operation(function_id: str, path: str, requirement: dict | None) -> dict:
    """The operation answering a route at ``path`` with ``function_id``, guarded by ``requirement``."""
    operation = {"responses": {}, INTEGRATION: proxy_integration(function_id)}
    if requirement:
        operation["security"] = [requirement]
    parameters = path_parameters(path)
    if parameters:
        operation["parameters"] = parameters
    return operation


def preflight() -> dict:
    """The CORS preflight answer: a mock integration returning the CORS headers, never guarded."""
    headers = {f"method.response.header.{k}": v for k, v in CORS_HEADERS.items()}
    return {"responses": {"200": {"description": "CORS preflight", "headers": {
                k: {"schema": {"type": "string"}} for k in CORS_HEADERS}}},
            INTEGRATION: {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                          "responses": {"default": {"statusCode": "200", "responseParameters": headers,
                                                    "responseTemplates": {"application/json": ""}}}}}


IAM_SCHEME = "sigv4"


def security_scheme(auth: str, *, user_pool_arn=None, authorizer: str | None = None) -> dict:
    """The security scheme of an API's ``auth`` (``iam``, ``cognito`` or ``lambda``): callers
    put their credentials in the Authorization header; cognito and lambda name the authorizer
    API Gateway makes on import (the user pool, or the function checking the token)."""
    scheme = {"type": "apiKey", "name": AUTH_HEADER, "in": "header"}
    if auth == "iam":
        return {**scheme, AUTHTYPE: "awsSigv4"}
    if auth == "cognito":
        return {**scheme, AUTHTYPE: "cognito_user_pools",
                AUTHORIZER: {"type": "cognito_user_pools", "providerARNs": [user_pool_arn]}}
    if auth == "lambda":
        return {**scheme, AUTHTYPE: "custom",
                AUTHORIZER: {"type": "token", "authorizerResultTtlInSeconds": TOKEN_TTL,
                             "authorizerUri": invocation_uri(authorizer)}}
    raise ValueError(f"auth {auth!r} has no security scheme")


def auth_of_scheme(scheme) -> dict | None:
    """The ``auth`` settings a :func:`security_scheme` stands for, or None for any other scheme."""
    if not isinstance(scheme, dict):
        return None
    kind = {"awsSigv4": "iam", "cognito_user_pools": "cognito", "custom": "lambda"}.get(scheme.get(AUTHTYPE))
    if kind == "iam":
        settings = {"auth": "iam"}
    elif kind == "cognito":
        pools = (scheme.get(AUTHORIZER) or {}).get("providerARNs") if isinstance(scheme.get(AUTHORIZER), dict) else None
        if not (isinstance(pools, list) and len(pools) == 1):
            return None
        settings = {"auth": "cognito", "user_pool_arn": pools[0]}
    elif kind == "lambda":
        authorizer = scheme.get(AUTHORIZER)
        fid = function_of_uri(authorizer.get("authorizerUri")) if isinstance(authorizer, dict) else None
        if fid is None:
            return None
        settings = {"auth": "lambda", "authorizer": fid}
    else:
        return None
    rebuilt = security_scheme(settings["auth"], user_pool_arn=settings.get("user_pool_arn"),
                              authorizer=settings.get("authorizer"))
    return settings if rebuilt == scheme else None


GREEDY = "/*"  # a route ending so also answers every path below it, through {proxy+}


def route_paths(route: str) -> list[str]:
    """The OpenAPI paths a route answers: its path, and for a greedy route (``/a/*``, ``/*``)
    also ``<path>/{proxy+}``."""
    if not route.endswith(GREEDY):
        return [route]
    path = route[: -len(GREEDY)] or "/"
    return [path, "/{proxy+}" if path == "/" else f"{path}/{{proxy+}}"]


def definition(routes, *, cors: bool, requirement: dict | None, schemes: dict, title) -> dict:
    """The OpenAPI 3 document of an API's routes (``(function id, METHOD, route)`` each).

    Each route is one operation per path it answers (a greedy route adds ``{proxy+}``), a
    Lambda proxy integration with its function, guarded by ``requirement``; with ``cors`` each
    path also answers the CORS preflight (a route of its own on OPTIONS wins)."""
    paths: dict[str, dict] = {}
    for function_id, method, route in routes:
        for path in route_paths(route):
            paths.setdefault(path, {})[operation_key(method)] = route_operation(function_id, path, requirement)
    if cors:
        for operations in paths.values():
            operations.setdefault("options", preflight())
    document = {"openapi": OPENAPI_VERSION, "info": {"title": title, "version": "1.0"}, "paths": paths}
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    return document

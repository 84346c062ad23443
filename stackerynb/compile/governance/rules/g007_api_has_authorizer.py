"""In production, every API route says who may call it (IAM, Cognito or a Lambda authorizer).

A route with ``AuthorizationType: NONE`` (and no API key) answers anyone on the internet.
That can be the point (a public webhook), so it is an advisory warning, not a block: set the
rest_api's ``auth`` setting to ``iam``, ``cognito`` or ``lambda`` to close it. CORS preflight
(OPTIONS) methods must stay open and are not judged. Routes are read from ``AWS::ApiGateway::Method``
resources and from a RestApi's OpenAPI ``Body`` (the kit writes its routes there): an operation
is guarded when it, or the document, names a security requirement (an authorizer, IAM or an
API key).
"""
from __future__ import annotations

ID = "G007"
DESCRIPTION = "API routes in production have an authorizer"
SOURCE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html"

OPEN = ("NONE", None)
OPERATIONS = ("get", "put", "post", "delete", "head", "patch", "trace", "x-amazon-apigateway-any-method")


def open_operations(body) -> list[str]:
    """``METHOD /path`` of each operation of an OpenAPI body that answers without credentials."""
    if not isinstance(body, dict) or not isinstance(body.get("paths"), dict):
        return []
    default = body.get("security")
    found = []
    for path, operations in body["paths"].items():
        for method, operation in (operations.items() if isinstance(operations, dict) else ()):
            if method not in OPERATIONS or not isinstance(operation, dict):
                continue
            security = operation.get("security", default)
            if not (isinstance(security, list) and any(isinstance(s, dict) and s for s in security)):
                found.append(f"{'ANY' if method.startswith('x-') else method.upper()} {path}")
    return found


def check(context):
    if not context.production:
        return
    open_apis: dict[str, list[str]] = {}
    for lid, props in context.resources_of_type("AWS::ApiGateway::Method"):
        if props.get("HttpMethod") == "OPTIONS" or props.get("ApiKeyRequired") in (True, "true"):
            continue
        if props.get("AuthorizationType") in OPEN:
            open_apis.setdefault(context.owners.get(lid) or lid, []).append(lid)
    for lid, props in context.resources_of_type("AWS::ApiGateway::RestApi"):
        routes = open_operations(props.get("Body"))
        if routes:
            open_apis.setdefault(context.owners.get(lid) or lid, []).extend([lid] * len(routes))
    for owner, methods in open_apis.items():
        kind = context.kind_of(methods[0])
        body = context.resources[methods[0]].get("Type") == "AWS::ApiGateway::RestApi"
        fix = ("set auth to iam, cognito or lambda" if kind == "rest_api" else
               "give its operations a security requirement" if body else "set AuthorizationType")
        yield context.problem(methods[0], f"answers anyone: {len(methods)} route(s) without an authorizer; {fix}",
                              setting="auth" if kind == "rest_api" else None, advisory=True)

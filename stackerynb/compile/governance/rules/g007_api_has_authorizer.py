"""In production, every API route says who may call it (IAM, Cognito or a Lambda authorizer).

A route with ``AuthorizationType: NONE`` (and no API key) answers anyone on the internet.
That can be the point (a public webhook), so it is an advisory warning, not a block: set the
rest_api's ``auth`` setting to ``iam``, ``cognito`` or ``lambda`` to close it. CORS preflight
(OPTIONS) methods must stay open and are not judged.
"""
from __future__ import annotations

ID = "G007"
DESCRIPTION = "API routes in production have an authorizer"
SOURCE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html"

OPEN = ("NONE", None)


def check(context):
    if not context.production:
        return
    open_apis: dict[str, list[str]] = {}
    for lid, props in context.resources_of_type("AWS::ApiGateway::Method"):
        if props.get("HttpMethod") == "OPTIONS" or props.get("ApiKeyRequired") in (True, "true"):
            continue
        if props.get("AuthorizationType") in OPEN:
            open_apis.setdefault(context.owners.get(lid) or lid, []).append(lid)
    for owner, methods in open_apis.items():
        kind = context.kind_of(methods[0])
        yield context.problem(methods[0], f"answers anyone: {len(methods)} method(s) without an authorizer; "
                              + ("set auth to iam, cognito or lambda" if kind == "rest_api" else
                                 "set AuthorizationType"), setting="auth" if kind == "rest_api" else None,
                              advisory=True)

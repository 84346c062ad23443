"""REST API routes for the local emulator, which ignores a RestApi's OpenAPI ``Body``.

The kit compiles a REST API's routes into the RestApi's ``Body`` (as SAM does: two resources
fewer per route). moto's CloudFormation creates the RestApi without reading the body, and then
refuses the stack's Deployment ("The REST API doesn't contain any methods"). For the local
target only, :func:`routes_as_methods` writes a body the kit wrote back out as the resources
moto does create (``AWS::ApiGateway::Resource`` per path segment, ``Method`` per operation, an
``Authorizer`` for cognito or lambda auth), so local deploys work and the routes exist in the
emulator (``get_resources``). A body the kit did not write is left as it is.
"""
from __future__ import annotations

import copy
import hashlib

from stackerynb.cfn import rest_api_body as shapes

_AUTH_TYPE = {"none": "NONE", "iam": "AWS_IAM", "cognito": "COGNITO_USER_POOLS", "lambda": "CUSTOM"}


def routes_as_methods(template: dict) -> dict:
    """``template`` with each kit-written RestApi body replaced by resources and methods."""
    from stackerynb.importing.rest_api_bodies import read_body

    resources = template.get("Resources") or {}
    bodies = {}
    for lid, resource in resources.items():
        if resource.get("Type") == "AWS::ApiGateway::RestApi":
            read = read_body((resource.get("Properties") or {}).get("Body"))
            if read is not None:
                bodies[lid] = read
    if not bodies:
        return template
    out = dict(template)
    out["Resources"] = new = {}
    for lid, resource in resources.items():
        if lid not in bodies:
            new[lid] = resource
            continue
        api = copy.deepcopy(resource)
        scheme_name = next(iter((api["Properties"]["Body"].get("components") or {}).get("securitySchemes") or {}), lid)
        del api["Properties"]["Body"]
        new[lid] = api
        new.update(_methods(lid, *bodies[lid], scheme_name))
    for lid, resource in new.items():  # a deployment snapshots the methods: it must come after them
        if resource.get("Type") == "AWS::ApiGateway::Deployment":
            api = ((resource.get("Properties") or {}).get("RestApiId") or {}).get("Ref")
            if api in bodies:
                methods = [m for m, r in new.items() if r.get("Type") == "AWS::ApiGateway::Method"
                           and r["Properties"]["RestApiId"] == {"Ref": api}]
                new[lid] = {**resource, "DependsOn": methods}
    # the deployment after its methods in template order too (the emulator creates in that order)
    deployments = [lid for lid, r in new.items() if r.get("Type") == "AWS::ApiGateway::Deployment"
                   and ((r.get("Properties") or {}).get("RestApiId") or {}).get("Ref") in bodies]
    moved = {lid: new.pop(lid) for lid in deployments}
    stages = {lid: new.pop(lid) for lid, r in list(new.items()) if r.get("Type") == "AWS::ApiGateway::Stage"
              and ((r.get("Properties") or {}).get("RestApiId") or {}).get("Ref") in bodies}
    new.update(moved)
    new.update(stages)
    return out


def _id(api: str, what: str, key: str) -> str:
    return f"{api}{what}{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _methods(api: str, settings: dict, entries, scheme_name: str) -> dict:
    made: dict[str, dict] = {}
    parents: dict[str, dict] = {"/": {"Fn::GetAtt": [api, "RootResourceId"]}}

    def resource_of(path: str) -> dict:
        if path not in parents:
            parent, _, part = path.rpartition("/")
            lid = _id(api, "Resource", path)
            made[lid] = {"Type": "AWS::ApiGateway::Resource", "Properties": {
                "RestApiId": {"Ref": api}, "ParentId": resource_of(parent or "/"), "PathPart": part}}
            parents[path] = {"Ref": lid}
        return parents[path]

    auth = settings.get("auth", "none")
    guard = {"AuthorizationType": _AUTH_TYPE[auth]}
    if auth in ("cognito", "lambda"):
        authorizer = f"{api}Authorizer"
        props = {"RestApiId": {"Ref": api}, "Name": scheme_name,
                 "IdentitySource": f"method.request.header.{shapes.AUTH_HEADER}"}
        if auth == "cognito":
            props.update(Type="COGNITO_USER_POOLS", ProviderARNs=[settings["user_pool_arn"]])
        else:
            props.update(Type="TOKEN", AuthorizerResultTtlInSeconds=shapes.TOKEN_TTL,
                         AuthorizerUri=shapes.invocation_uri(settings["authorizer"]))
        made[authorizer] = {"Type": "AWS::ApiGateway::Authorizer", "Properties": props}
        guard["AuthorizerId"] = {"Ref": authorizer}
    answered: set[tuple[str, str]] = set()
    for fid, method, route in entries:
        for path in shapes.route_paths(route):
            answered.add((path, method))
            made[_id(api, "Method", f"{method} {path}")] = {"Type": "AWS::ApiGateway::Method", "Properties": {
                "RestApiId": {"Ref": api}, "ResourceId": resource_of(path), "HttpMethod": method, **guard,
                "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                                "Uri": shapes.invocation_uri(fid)}}}
    if settings.get("cors"):
        headers = {f"method.response.header.{k}": v for k, v in shapes.CORS_HEADERS.items()}
        for path in sorted({p for p, _ in answered}):
            if (path, "OPTIONS") in answered:
                continue
            made[_id(api, "Method", f"OPTIONS {path}")] = {"Type": "AWS::ApiGateway::Method", "Properties": {
                "RestApiId": {"Ref": api}, "ResourceId": resource_of(path), "HttpMethod": "OPTIONS",
                "AuthorizationType": "NONE",
                # the emulator needs a method and URI on every integration, a mock's too
                "Integration": {"Type": "MOCK", "IntegrationHttpMethod": "OPTIONS", "Uri": "",
                                "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                                "IntegrationResponses": [{"StatusCode": "200", "ResponseParameters": headers,
                                                          "ResponseTemplates": {"application/json": ""}}]},
                "MethodResponses": [{"StatusCode": "200", "ResponseParameters": {k: False for k in headers}}]}}
    return made

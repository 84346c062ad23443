"""API routes: per API, ``METHOD /path`` -> where it goes (integration type and target,
authorisation), for API Gateway REST APIs (methods and resources, or an OpenAPI ``Body`` as SAM
and the kit write it) and HTTP/WebSocket APIs (routes and integrations, or a ``Body``).

The two ways of writing a REST API's routes read alike, so a template moved from one to the
other differs only where the routes do: the authorization is API Gateway's type (``AWS_IAM``,
``COGNITO_USER_POOLS``, ``CUSTOM``) and the authorizer is what it checks (its type and user
pools or function), whether it is an ``AWS::ApiGateway::Authorizer`` or a body's security scheme."""
from __future__ import annotations

import re

from stackerynb.diff.compare import keyed_rows
from stackerynb.diff.match import _api_path
from stackerynb.diff.rows import DiffRow
from stackerynb.diff.values import Canon, ids_in

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_FUNCTION = re.compile(r"functions/\$\{([^}.]+)\.Arn\}/invocations")


def _target(uri, resources) -> str | None:
    if uri is None:
        return None
    text = uri if isinstance(uri, str) else str(uri)
    found = _FUNCTION.search(text)
    if found:
        return f"function {found.group(1)}"
    ids = [i for i in ids_in(text) if i in resources]
    return f"{resources[ids[0]]['Type'].split('::')[-1]} {ids[0]}" if len(ids) == 1 else text


# a security scheme's x-amazon-apigateway-authtype -> the Method's AuthorizationType
_AUTHTYPES = {"awssigv4": "AWS_IAM", "cognito_user_pools": "COGNITO_USER_POOLS", "custom": "CUSTOM"}


def _authorizer(kind, providers, uri, resources) -> str:
    """What an authorizer checks, the same for a resource and a body's scheme."""
    kind = str(kind or "").upper()
    if providers:
        return f"{kind} {', '.join(map(str, providers if isinstance(providers, list) else [providers]))}"
    target = _target(uri, resources)
    return f"{kind} {target}" if target else kind


def _body_security(security, schemes: dict, resources) -> dict:
    """``authorization``/``authorizer``/``api key`` of an operation's security requirement."""
    names = sorted({name for entry in security or [] if isinstance(entry, dict) for name in entry})
    known = [schemes[n] for n in names if isinstance(schemes.get(n), dict)]
    if not names or len(known) != len(names):  # open, or a scheme the body does not define
        return {"authorization": ", ".join(names) or None}
    out: dict = {}
    for scheme in known:
        authtype = _AUTHTYPES.get(str(scheme.get("x-amazon-apigateway-authtype", "")).lower())
        if authtype:
            out["authorization"] = authtype
            authorizer = scheme.get("x-amazon-apigateway-authorizer")
            if isinstance(authorizer, dict):
                out["authorizer"] = _authorizer(authorizer.get("type"), authorizer.get("providerARNs"),
                                                authorizer.get("authorizerUri"), resources)
        elif scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == "x-api-key":
            out["api key"] = True
        else:
            return {"authorization": ", ".join(names)}
    return out


def _from_body(api: str, body, resources, out: dict) -> None:
    if not isinstance(body, dict) or not isinstance(body.get("paths"), dict):
        return
    components = body.get("components") if isinstance(body.get("components"), dict) else {}
    schemes = components.get("securitySchemes") or body.get("securityDefinitions") or {}
    schemes = schemes if isinstance(schemes, dict) else {}
    for path, item in body["paths"].items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method not in _METHODS and method != "x-amazon-apigateway-any-method" or not isinstance(operation, dict):
                continue
            integration = operation.get("x-amazon-apigateway-integration") or {}
            route = {"integration": str(integration.get("type") or "").upper() or None,
                     "target": _target(integration.get("uri"), resources),
                     **_body_security(operation.get("security", body.get("security")), schemes, resources)}
            if integration.get("payloadFormatVersion"):
                route["payload format"] = integration["payloadFormatVersion"]
            verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            out[(api, f"{verb} {path}")] = {k: v for k, v in route.items() if v is not None}


def routes(resources: dict, canon: Canon) -> dict[tuple, dict]:
    """(api, "METHOD /path") -> route settings."""
    out: dict[tuple, dict] = {}
    for lid, resource in resources.items():
        rtype = resource.get("Type")
        props = canon.value(resource.get("Properties") or {})
        if rtype in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
            _from_body(lid, props.get("Body"), resources, out)
        elif rtype == "AWS::ApiGateway::Method":
            apis = [i for i in ids_in(props.get("RestApiId")) if i in resources]
            parent = (resource.get("Properties") or {}).get("ResourceId")
            path = _api_path(parent["Ref"], resources) if isinstance(parent, dict) and "Ref" in parent else "/"
            integration = props.get("Integration") or {}
            route = {"integration": str(integration.get("Type") or "").upper() or None, "target": _target(integration.get("Uri"), resources),
                     "authorization": props.get("AuthorizationType"),
                     "authorizer": _method_authorizer(resource, resources, canon),
                     "api key": props.get("ApiKeyRequired")}
            out[(apis[0] if apis else "?", f"{props.get('HttpMethod')} {path}")] = \
                {k: v for k, v in route.items() if v not in (None, "NONE", False)}
        elif rtype == "AWS::ApiGatewayV2::Route":
            apis = [i for i in ids_in(props.get("ApiId")) if i in resources]
            target = props.get("Target")
            integration_ids = [i for i in ids_in(target) if i in resources] if target else []
            route = {"authorization": props.get("AuthorizationType"), "authorizer": props.get("AuthorizerId")}
            if integration_ids:
                integration = canon.value(resources[integration_ids[0]].get("Properties") or {})
                route.update(integration=integration.get("IntegrationType"),
                             target=_target(integration.get("IntegrationUri"), resources))
                if integration.get("PayloadFormatVersion"):
                    route["payload format"] = integration["PayloadFormatVersion"]
            out[(apis[0] if apis else "?", str(props.get("RouteKey")))] = \
                {k: v for k, v in route.items() if v not in (None, "NONE")}
    return out


def _method_authorizer(resource: dict, resources: dict, canon: Canon):
    """A Method's authorizer as what it checks (its id when it is not an authorizer resource)."""
    written = (resource.get("Properties") or {}).get("AuthorizerId")
    if written is None:
        return None
    found = [i for i in ids_in(canon.value(written)) if resources.get(i, {}).get("Type") == "AWS::ApiGateway::Authorizer"]
    if len(found) != 1:
        return canon.value(written)
    props = canon.value(resources[found[0]].get("Properties") or {})
    return _authorizer(props.get("Type"), props.get("ProviderARNs"), props.get("AuthorizerUri"), resources)


def route_rows(a: dict, b: dict, canon_a: Canon, canon_b: Canon) -> list[DiffRow]:
    """Routes added, removed or going elsewhere."""
    return keyed_rows("route", routes(a, canon_a), routes(b, canon_b), owner=lambda i: i[0],
                      key=lambda i: i[1], what=lambda i: f"route {i[1]} of {i[0]}")

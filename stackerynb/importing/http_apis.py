"""API Gateway v2 APIs written out in CloudFormation (``AWS::ApiGatewayV2::Api`` with its
Routes, Integrations, Deployment and Stage) -> one ``http_api`` node and a wire per function.

A Lambda proxy integration and the routes that target it become the wire ``api -> function``
with those route keys in the API's ``routes`` setting (and the integration's payload format in
the wire's ``event`` setting); the stage becomes the ``stage`` setting; a deployment of the
routes, and the Lambda permissions letting the API in, disappear into the wire. What does not
follow that pattern (other integration types, authorizers, route or stage options) keeps its
resources raw, and with them the API (see ``referenced_by_raw`` in import_map.yaml).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from stackerynb.cfn.intrinsics import referenced_ids

if TYPE_CHECKING:
    from stackerynb.importing.importer import Round

INTEGRATION_KEYS = {"ApiId", "IntegrationType", "IntegrationUri", "PayloadFormatVersion", "IntegrationMethod",
                    "Description", "TimeoutInMillis"}
ROUTE_KEYS = {"ApiId", "RouteKey", "Target", "AuthorizationType", "OperationName"}
STAGE_KEYS = {"ApiId", "StageName", "AutoDeploy", "DeploymentId", "Description"}
DEPLOYMENT_KEYS = {"ApiId", "Description"}
WIRE_EVENT_KEYS = ("PayloadFormatVersion", "TimeoutInMillis")  # kept on the wire (compile honours them)
API_KEPT = ("Name", "Description", "CorsConfiguration", "Tags", "DisableExecuteApiEndpoint", "ApiKeySelectionExpression",
            "DisableSchemaValidation", "IpAddressType")


def _single(value, ids) -> str | None:
    found = [i for i in referenced_ids(value) if i in ids]
    return found[0] if len(set(found)) == 1 else None


def _api(rnd: "Round", props: dict) -> str | None:
    api = _single(props.get("ApiId"), rnd.nodes)
    return api if api and rnd.kind_of(api) == "http_api" else None


def api_properties(rnd: "Round", lid: str, plan, props: dict) -> None:
    """What the kind does not model (name, description, CORS as written, tags) stays verbatim."""
    kept = {k: props[k] for k in API_KEPT if k in props}
    if kept:
        plan.settings["properties"] = {**plan.settings.get("properties", {}), **kept}


def route(rnd: "Round", lid: str, props: dict) -> str | None:
    api = _api(rnd, props)
    if api is None:
        return "a route of an API that is not an http_api node"
    extra = sorted(set(props) - ROUTE_KEYS)
    if extra or props.get("AuthorizationType", "NONE") != "NONE":
        return f"route options {', '.join(extra) or 'AuthorizationType ' + str(props.get('AuthorizationType'))} " \
               "cannot be carried by a wire"
    integration = _single(props.get("Target"), rnd.resources)
    body = rnd.resources.get(integration) or {}
    iprops = body.get("Properties") or {}
    if body.get("Type") != "AWS::ApiGatewayV2::Integration" or _single(iprops.get("ApiId"), rnd.nodes) != api:
        return "its target is not an integration of the same API"
    fid = _single(iprops.get("IntegrationUri"), rnd.nodes)
    if iprops.get("IntegrationType") != "AWS_PROXY" or fid is None or rnd.kind_of(fid) != "function" \
            or set(iprops) - INTEGRATION_KEYS:
        return f"its integration {integration} is not a plain Lambda proxy integration with a function node"
    key = props.get("RouteKey")
    if not isinstance(key, str):
        return "its RouteKey is computed at deploy time"
    routes = rnd.nodes[api].settings.setdefault("routes", {})
    routes.setdefault(fid, [])
    if key not in routes[fid]:
        routes[fid].append(key)
    wire = rnd.add_wire(api, fid, f"route {lid} ({key})")
    event = {k: iprops[k] for k in WIRE_EVENT_KEYS if k in iprops}
    if event:
        wire.settings["event"] = {**wire.settings.get("event", {}), **event}
    rnd.absorbed[lid] = f"the route {key} of the wire {api} -> {fid}"
    rnd.absorbed[integration] = f"the integration of the wire {api} -> {fid}"
    rnd.absorbed_into[lid] = rnd.absorbed_into[integration] = (api, fid)
    return None


def integration(rnd: "Round", lid: str, props: dict) -> str | None:
    """An integration no absorbed route uses (those are absorbed with their route)."""
    return "an integration no route of an http_api node uses"


def deployment(rnd: "Round", lid: str, props: dict) -> str | None:
    if _api(rnd, props) is None or set(props) - DEPLOYMENT_KEYS:
        return "a deployment that is not a plain deployment of an http_api node"
    rnd.absorbed[lid] = f"the deployment of {_api(rnd, props)}"
    rnd.absorbed_into[lid] = (_api(rnd, props),)
    return None


def stage(rnd: "Round", lid: str, props: dict) -> str | None:
    api = _api(rnd, props)
    if api is None:
        return "a stage of an API that is not an http_api node"
    extra = sorted(set(props) - STAGE_KEYS)
    if extra:
        return f"stage options {', '.join(extra)} cannot be carried by an http_api node"
    name = props.get("StageName")
    why = rnd.nodes[api].settings.get("stage") not in (None, name) or not isinstance(name, str)
    if why:
        return "a second stage (or one named at deploy time); an http_api node has one"
    if "DeploymentId" in props and _single(props["DeploymentId"], rnd.absorbed) is None:
        return "its deployment is not a plain deployment of the API"
    rnd.nodes[api].settings["stage"] = name
    if "DeploymentId" in props and props.get("AutoDeploy") is not True:
        rnd.nodes[api].settings["auto_deploy"] = False  # deployed once, by its deployment, as written
    rnd.absorbed[lid] = f"the stage of {api}"
    rnd.replacements[lid] = ("stage", api)
    rnd.absorbed_into[lid] = (api,)
    return None

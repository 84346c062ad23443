"""REST APIs whose routes live in an OpenAPI ``Body`` the kit wrote (``AWS::ApiGateway::RestApi``
with its Deployment and Stage, as compile/emitters/api.py makes them) -> one ``rest_api`` node
and a wire per routed function.

Only a body the kit itself would write for some settings is read: its routes (Lambda proxy
integrations with function nodes), CORS preflights and security scheme are turned into the
``routes``, ``cors`` and ``auth`` settings, and the body those settings compile to must be
the body written (:func:`stackerynb.cfn.rest_api_body.definition`; the title aside, which the
API's ``Name`` overrides). The API's one plain deployment and its stage disappear into the node,
and the invoke permissions the routes (and a Lambda authorizer) compile to into its wires. Any
other body, or a deployment or stage off that pattern, leaves everything as it was: the body
kept verbatim on the node, or the API raw.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from stackerynb.cfn import rest_api_body as shapes
from stackerynb.cfn.intrinsics import referenced_ids

if TYPE_CHECKING:
    from stackerynb.importing.importer import NodePlan, Round

DEPLOYMENT_KEYS = {"RestApiId", "Description"}
STAGE_KEYS = {"RestApiId", "StageName", "DeploymentId"}
PERMISSION_KEYS = {"Action", "FunctionName", "Principal", "SourceArn"}


def plan(rnd: "Round", lid: str, node: "NodePlan", props: dict) -> None:
    """Read the API's body into its settings and wires when the kit wrote it (else nothing)."""
    read = read_body(props.get("Body"))
    if read is None or node.settings.get("routes") or "Body" not in (node.settings.get("properties") or {}):
        return
    settings, entries = read
    functions = {fid for fid, _, _ in entries} | ({settings["authorizer"]} if "authorizer" in settings else set())
    if any(rnd.kind_of(fid) != "function" for fid in functions):
        return
    parts = _deployment_and_stage(rnd, lid)
    if parts is None:
        return
    deployment, stage = parts
    routes: dict[str, list[str]] = {}
    for fid, method, route in entries:
        routes.setdefault(fid, []).append(route if method == "ANY" else f"{method} {route}")
    node.settings["routes"] = {fid: ", ".join(texts) for fid, texts in routes.items()}
    node.settings.update(settings)
    kept = {k: v for k, v in node.settings["properties"].items() if k != "Body"}
    if kept:
        node.settings["properties"] = kept
    else:
        del node.settings["properties"]
    for i, note in enumerate(node.notes):  # the body is read, not kept
        if note.startswith("kept verbatim: "):
            rest = [p for p in note[len("kept verbatim: "):].split(", ") if p != "Body"]
            node.notes[i] = f"kept verbatim: {', '.join(rest)}" if rest else ""
    node.notes[:] = [n for n in node.notes if n] + ["routes, CORS and auth read from its OpenAPI body"]
    for fid, texts in routes.items():
        rnd.add_wire(lid, fid, f"{lid}'s OpenAPI body routes {', '.join(texts)} to it")
    _absorb(rnd, deployment, f"the deployment of {lid} (the node deploys its routes)", (lid,))
    if stage is not None:
        stage_id, stage_props = stage
        node.settings["stage"] = stage_props["StageName"]
        extra = {k: v for k, v in stage_props.items() if k not in STAGE_KEYS}
        if extra:
            node.settings["stage_properties"] = extra
        _absorb(rnd, stage_id, f"the stage of {lid}", (lid,))
        rnd.replacements[stage_id] = ("stage", lid)
    _absorb_permissions(rnd, lid, entries, settings.get("authorizer"))


def read_body(body) -> tuple[dict, list[tuple[str, str, str]]] | None:
    """``(settings, [(function, METHOD, route)])`` of a body the kit writes, or None."""
    if not isinstance(body, dict) or set(body) - {"openapi", "info", "paths", "components"}:
        return None
    paths = body.get("paths")
    if body.get("openapi") != shapes.OPENAPI_VERSION or not isinstance(paths, dict) or not paths:
        return None
    components = body.get("components", {})
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    settings: dict = {"auth": "none"}
    requirement = None
    if components:
        if set(components) != {"securitySchemes"} or not isinstance(schemes, dict) or len(schemes) != 1:
            return None
        (scheme_name, scheme), = schemes.items()
        auth = shapes.auth_of_scheme(scheme)
        if auth is None:
            return None
        settings, requirement = auth, {scheme_name: []}
    cors = False
    found: dict[tuple[str, str], str] = {}  # (METHOD, path) -> function
    for path, operations in paths.items():
        if not isinstance(operations, dict):
            return None
        for key, operation in operations.items():
            if key == "options" and operation == shapes.preflight():
                cors = True
                continue
            integration = operation.get(shapes.INTEGRATION) if isinstance(operation, dict) else None
            fid = shapes.function_of_uri(integration.get("uri")) if isinstance(integration, dict) else None
            if fid is None:
                return None
            found[(shapes.method_of(key), path)] = fid
    entries = _routes(found)
    settings["cors"] = cors
    rebuilt = shapes.definition(entries, cors=cors, requirement=requirement, schemes=schemes or {},
                                title=body.get("info", {}).get("title") if isinstance(body.get("info"), dict) else None)
    if rebuilt != body:
        return None
    return settings, entries


def _routes(found: dict[tuple[str, str], str]) -> list[tuple[str, str, str]]:
    """Routes answering exactly the operations found: a path answered together with its
    ``{proxy+}`` child (same method, same function) is one greedy route."""
    entries = []
    for (method, path), fid in found.items():
        if path.endswith("/{proxy+}"):
            parent = path[: -len("/{proxy+}")] or "/"
            if found.get((method, parent)) == fid:
                continue  # part of the parent's greedy route
            entries.append((fid, method, path))
            continue
        child = "/{proxy+}" if path == "/" else f"{path}/{{proxy+}}"
        greedy = found.get((method, child)) == fid
        entries.append((fid, method, (path.rstrip("/") + shapes.GREEDY) if greedy else path))
    return entries


def _deployment_and_stage(rnd: "Round", lid: str):
    """``(deployment id, (stage id, stage properties) or None)`` when the API has exactly one
    plain deployment and at most one stage of it, else None."""
    deployments, stages = [], []
    for rid, resource in rnd.resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") not in ("AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage") \
                or referenced_ids(props.get("RestApiId")) != {lid}:
            continue
        (deployments if resource["Type"] == "AWS::ApiGateway::Deployment" else stages).append((rid, resource, props))
    if len(deployments) != 1 or len(stages) > 1:
        return None
    deployment, body, props = deployments[0]
    if set(props) - DEPLOYMENT_KEYS or set(body) - {"Type", "Properties"}:
        return None
    if not stages:
        return deployment, None
    stage, body, props = stages[0]
    if referenced_ids(props.get("DeploymentId")) != {deployment} or not isinstance(props.get("StageName"), str) \
            or set(body) - {"Type", "Properties"}:
        return None
    return deployment, (stage, props)


def _absorb(rnd: "Round", rid: str, what: str, into: tuple) -> None:
    rnd.raw.pop(rid, None)
    rnd.absorbed[rid] = what
    rnd.absorbed_into[rid] = into


def _absorb_permissions(rnd: "Round", lid: str, entries, authorizer: str | None) -> None:
    """Invoke permissions exactly as the routes (and the Lambda authorizer) compile them."""
    from stackerynb.compile.emitters.api import invoke_source

    expected: dict[tuple[str, str], tuple] = {}
    for fid, method, route in entries:
        expected[(fid, invoke_source(lid, method, route))] = (lid, fid)
    if authorizer:
        source = f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{lid}}}/authorizers/*"
        expected[(authorizer, source)] = (lid,)
    for rid, resource in rnd.resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::Lambda::Permission" or set(props) != PERMISSION_KEYS \
                or props.get("Action") != "lambda:InvokeFunction" or props.get("Principal") != "apigateway.amazonaws.com":
            continue
        function = props.get("FunctionName")
        fid = function.get("Fn::GetAtt", [None])[0] if isinstance(function, dict) else None
        source = props.get("SourceArn")
        text = source.get("Fn::Sub") if isinstance(source, dict) and len(source) == 1 else None
        into = expected.get((fid, text))
        if into is not None:
            _absorb(rnd, rid, f"an invoke permission of {lid}'s routes (the wire makes it)", into)

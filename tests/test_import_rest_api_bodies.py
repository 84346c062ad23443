"""A REST API whose routes the kit compiled into an OpenAPI ``Body`` imports back as the same
``rest_api`` node (routes, CORS, auth, stage) with its wires, its deployment, stage and route
permissions absorbed, and compiles back to the same meaning; a body the kit would not write
leaves the API as it was before (raw: its deployment builds on it)."""
from __future__ import annotations

import copy
import json
import warnings

import pytest

from stackerynb import Stack
from stackerynb.compile import compile_report
from stackerynb.diff import semantic_diff
from stackerynb.importing import import_text
from stackerynb.model.environments import Environment

DEV = Environment(name="dev")
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
ROUTES = {"GetOrder": "GET /orders/{id}, GET /orders", "Put": "/things/*", "Root": "/*"}


def shop(auth: str = "none", **settings) -> Stack:
    s = Stack("shop")
    s.add("rest_api", "Api", cors=True, auth=auth, stage="v1", **settings)
    for fid in ("GetOrder", "Put", "Root", "Gate"):
        s.add("function", fid)
    for fid in ROUTES:
        s.connect("Api", fid)
    s.set("Api", routes=ROUTES)
    return s


def compiled(stack: Stack) -> dict:
    """The stack's template with each function's code a local folder (as a template written
    for ``sam build`` has it), so functions import as function nodes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = compile_report(stack, DEV, check=False).to_dict()
    for resource in data["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            resource["Properties"]["Code"] = "src"
    return data


def imported(data: dict):
    stack, report = import_text(json.dumps(data), name="shop")
    return stack, {r["resource"]: r for r in report.to_dict("records")}


@pytest.fixture(scope="module")
def lambda_auth():
    return compiled(shop("lambda", authorizer="Gate"))


@pytest.mark.parametrize("auth, settings", [("none", {}), ("cognito", {"user_pool_arn": POOL}),
                                            ("lambda", {"authorizer": "Gate"})])
def test_a_compiled_body_imports_back_as_the_same_rest_api_node(auth, settings):
    original = compiled(shop(auth, **settings))
    stack, rows = imported(original)
    api = stack.node("Api")
    assert api.kind == "rest_api"
    assert {k: api.settings.get(k) for k in ("routes", "cors", "auth", "stage", *settings)} == {
        "routes": ROUTES, "cors": True, "auth": auth, "stage": "v1", **settings}
    assert "properties" not in api.settings or "Body" not in api.settings["properties"]  # read, not kept
    assert {(w.source, w.target) for w in stack.wires} == {("Api", fid) for fid in ROUTES}
    absorbed = {lid for lid, row in rows.items() if row["outcome"] == "absorbed"}
    deployment = next(lid for lid in original["Resources"] if lid.startswith("ApiDeployment"))
    permissions = {lid for lid, r in original["Resources"].items() if r["Type"] == "AWS::Lambda::Permission"}
    assert {deployment, "ApiStage", *permissions} <= absorbed
    assert not (stack.raw or {}).get("Resources")
    # compiled again, it means what the original said: same routes, auth and invoke permissions
    again = compiled(stack)
    rows = [r for r in semantic_diff(original, again) if r.category != "parameter"]  # the code folder's bucket
    assert rows == []


@pytest.mark.parametrize("fault", [
    lambda body: body["paths"]["/orders"]["get"]["x-amazon-apigateway-integration"].update(type="http_proxy"),
    lambda body: body["paths"]["/orders"]["get"].pop("security"),
    lambda body: body["paths"]["/orders"]["get"].update(security=[{"other": []}]),
    lambda body: body.update({"x-amazon-apigateway-binary-media-types": ["image/png"]}),
    lambda body: body["paths"]["/orders"]["options"]["x-amazon-apigateway-integration"].update(type="http"),
    lambda body: body["components"]["securitySchemes"]["shop-dev-Api-auth"][
        "x-amazon-apigateway-authorizer"].update(authorizerResultTtlInSeconds=0),
    lambda body: body["paths"]["/orders"]["get"]["x-amazon-apigateway-integration"]["uri"].update(
        {"Fn::Sub": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:x/invocations"}),
], ids=["integration", "open-route", "unknown-scheme", "extension", "preflight", "ttl", "outside-function"])
def test_a_body_the_kit_would_not_write_leaves_the_api_as_it_was(lambda_auth, fault):
    seeded = copy.deepcopy(lambda_auth)
    fault(seeded["Resources"]["Api"]["Properties"]["Body"])
    stack, rows = imported(seeded)
    assert stack.node("Api").kind == "resource"  # raw, as before bodies were read
    assert "Api" not in {w.source for w in stack.wires}
    assert rows["ApiStage"]["outcome"] != "absorbed"


def test_a_second_stage_or_an_unusual_deployment_leaves_the_api_as_it_was(lambda_auth):
    for change in (lambda r: r.update(Extra={"Type": "AWS::ApiGateway::Stage", "Properties": {
                       "RestApiId": {"Ref": "Api"}, "StageName": "two", "DeploymentId": {"Ref": _deployment(r)}}}),
                   lambda r: r[_deployment(r)]["Properties"].update(StageName="direct")):
        seeded = copy.deepcopy(lambda_auth)
        change(seeded["Resources"])
        stack, _ = imported(seeded)
        assert stack.node("Api").kind == "resource"


def _deployment(resources: dict) -> str:
    return next(lid for lid, r in resources.items() if r["Type"] == "AWS::ApiGateway::Deployment")

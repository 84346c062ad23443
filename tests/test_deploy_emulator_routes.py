"""The local target writes the kit's OpenAPI route bodies out as the API Gateway resources and
methods the emulator creates (it ignores a RestApi's Body and then refuses the deployment);
a body the kit did not write, and every template for AWS, are left as they are. A real local
deploy with routes is in test_deploy_local.py."""
from __future__ import annotations

import copy
import warnings

from stackerynb import Stack
from stackerynb.compile import compile_report
from stackerynb.deploy.emulator import stand_in
from stackerynb.deploy.emulator_routes import routes_as_methods
from stackerynb.model.environments import Environment

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"


def template(**api) -> dict:
    s = Stack("shop")
    s.add("rest_api", "Api", **api)
    s.add("function", "Orders")
    s.add("function", "Files")
    s.connect("Api", "Orders")
    s.connect("Api", "Files")
    s.set("Api", routes={"Orders": "GET /orders/{id}", "Files": "/files/*"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile_report(s, Environment(name="dev"), check=False).to_dict()


def methods(data: dict) -> dict[tuple[str, str], dict]:
    resources = data["Resources"]

    def path(ref) -> str:
        if "Fn::GetAtt" in ref:
            return ""
        props = resources[ref["Ref"]]["Properties"]
        return f"{path(props['ParentId'])}/{props['PathPart']}"
    return {(p["HttpMethod"], path(p["ResourceId"]) or "/"): p for r in resources.values()
            if r["Type"] == "AWS::ApiGateway::Method" for p in [r["Properties"]]}


def test_the_body_becomes_resources_and_methods_before_the_deployment():
    data = template(cors=True, auth="cognito", user_pool_arn=POOL)
    local = stand_in(data)
    assert "Body" not in local["Resources"]["Api"]["Properties"]
    found = methods(local)
    assert set(found) == {("GET", "/orders/{id}"), ("ANY", "/files"), ("ANY", "/files/{proxy+}"),
                          ("OPTIONS", "/orders/{id}"), ("OPTIONS", "/files"), ("OPTIONS", "/files/{proxy+}")}
    route = found[("GET", "/orders/{id}")]
    assert route["Integration"]["Type"] == "AWS_PROXY" and "${Orders.Arn}" in route["Integration"]["Uri"]["Fn::Sub"]
    assert route["AuthorizationType"] == "COGNITO_USER_POOLS" and route["AuthorizerId"] == {"Ref": "ApiAuthorizer"}
    assert found[("OPTIONS", "/files")]["AuthorizationType"] == "NONE"
    assert local["Resources"]["ApiAuthorizer"]["Properties"]["ProviderARNs"] == [POOL]
    order = list(local["Resources"])
    (deployment,) = [lid for lid in order if lid.startswith("ApiDeployment")]
    assert sorted(local["Resources"][deployment]["DependsOn"]) == sorted(
        lid for lid, r in local["Resources"].items() if r["Type"] == "AWS::ApiGateway::Method")
    last_method = max(order.index(lid) for lid in local["Resources"][deployment]["DependsOn"])
    assert last_method < order.index(deployment) < order.index("ApiStage")  # created in template order
    assert "Body" in data["Resources"]["Api"]["Properties"]  # the compiled template is not touched


def test_a_body_the_kit_did_not_write_is_left_as_it_is():
    data = template()
    data["Resources"]["Api"]["Properties"]["Body"]["x-amazon-apigateway-binary-media-types"] = ["image/png"]
    assert routes_as_methods(copy.deepcopy(data)) == data

"""Designs that cannot work are refused with every problem at once, naming node and setting;
never a troposphere traceback. Also: environments as inputs, the 500-resource limit, splitting."""
from __future__ import annotations

import json

import pytest

from stackerynb import Stack, StackError
from stackerynb.compile import compile_report, compile_stack, permissions_table, split_stack
from stackerynb.examples import fleet
from stackerynb.model.environments import Environment

DEV = Environment(name="dev")


def problems_of(stack, env=DEV, **options):
    with pytest.raises(StackError) as error:
        compile_stack(stack, env, **options)
    return {(p.node, p.setting) for p in error.value.problems}, str(error.value)


def test_invalid_stacks_are_refused_by_validation_first():
    s = Stack("bad")
    s.add("docker_service", "App")  # needs a network and a cluster
    found, text = problems_of(s)
    assert ("App", "network") in found and "cluster" in text


def test_every_design_problem_is_reported_at_once():
    s = Stack("many")
    s.add("function", "Slow", timeout=120, runtime="java21", environment={"AWS_REGION": "x", "1BAD": "y"})
    s.add("queue", "Jobs", visibility_timeout=30)
    s.add("table", "Items", stream="off", billing="provisioned", read_capacity_min=50, read_capacity_max=10)
    s.add("function", "OnItem")
    s.add("timer", "Tick", payload="{not json")
    s.add("rest_api", "Api", routes={"Ghost": "/ghost", "Slow": "no-slash"})
    s.connect("Jobs", "Slow")
    s.connect("Items", "OnItem")
    s.connect("Api", "Slow")
    found, text = problems_of(s)
    assert found == {("Slow", "code"), ("Slow", "environment"), ("Jobs", "visibility_timeout"),
                     ("Items", "stream"), ("Items", "read_capacity_max"), ("Tick", "payload"), ("Api", "routes")}
    assert "120" in text and "AWS_REGION" in text and "1BAD" in text and "Ghost" in text and "no-slash" in text


def test_routes_that_api_gateway_would_refuse():
    s = Stack("routes")
    s.add("rest_api", "Api", routes={"A": "/items/{id}", "B": "/items/{name}/x", "C": "/items/{id}"})
    for f in "ABC":
        s.add("function", f)
        s.connect("Api", f)
    _, text = problems_of(s)
    assert "A and C are both routed at /items/{id}" in text
    assert "{id}, {name}" in text



@pytest.mark.parametrize("path", ["/a/../admin", "/..", "/./x", "/orders/."])
def test_dot_segments_in_routes_are_refused_naming_node_and_setting(path):
    s = Stack("dots")
    s.add("rest_api", "Api", routes={"Fn": path})
    s.add("function", "Fn")
    s.connect("Api", "Fn")
    found, text = problems_of(s)
    assert found == {("Api", "routes")}
    assert path in text and "." in text and "Fn" in text

def test_fifo_and_subscriptions_must_agree():
    s = Stack("fifo")
    s.add("topic", "Orders", fifo=True)
    s.add("queue", "Plain")
    s.add("function", "Direct")
    s.connect("Orders", "Plain")
    s.connect("Orders", "Direct")
    found, text = problems_of(s)
    assert found == {("Orders", "fifo")} and "FIFO queue between them" in text


def test_network_and_container_settings_that_cannot_run():
    s = Stack("net")
    s.add("virtual_network", "Net", nat="none")
    s.add("docker_cluster", "Cluster")
    s.add("docker_service", "App", network="Net", cpu=256, memory=4096)
    s.add("function", "Fn", network="Net")
    s.add("queue", "Jobs")
    s.add("bastion", "Jump", network="Net", allowed_cidrs=["10.0.0.1/8"], users={"root": "not a key"})
    s.connect("App", "Cluster")
    s.connect("Fn", "Jobs")
    found, text = problems_of(s)
    assert found == {("App", "memory"), ("App", "network"), ("Fn", "network"), ("Jump", "allowed_cidrs"),
                     ("Jump", "users")}
    assert "512, 1024, 2048" in text and "cannot reach the queue Jobs" in text


def test_cdn_custom_domain_needs_a_us_east_1_certificate():
    s = Stack("site")
    s.add("object_store", "Site")
    s.add("cdn", "Edge", domain_name="www.example.com")
    s.connect("Edge", "Site")
    found, text = problems_of(s, Environment(name="eu", region="eu-west-1"))
    assert found == {("Edge", "certificate_arn")} and "us-east-1" in text
    s.set("Edge", certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc")
    template = json.loads(compile_report(s, Environment(name="eu", region="eu-west-1")).to_json())
    assert "EdgeCertificate" not in template["Resources"]


def test_clashing_logical_ids_name_both_nodes():
    s = Stack("clash")
    s.add("function", "Get")
    s.add("queue", "GetRole")
    found, text = problems_of(s)
    assert "Get and GetRole" in text or "GetRole and Get" in text


def test_environment_overrides_settings_and_config_values_without_editing_the_stack():
    s = Stack("app")
    s.add("function", "Fn", environment={"BASE": "https://${Domain}"})
    s.add("config_store", "Settings", parameters={"Level": "info"})
    prod = Environment(name="prod", parameters={"Fn.memory": 2048, "Domain": "example.com"},
                       config={"Settings": {"Level": "warn"}, "OtherStacksNode": {"x": 1}})
    template = json.loads(compile_report(s, prod).to_json())
    fn = template["Resources"]["Fn"]["Properties"]
    assert fn["MemorySize"] == 2048 and fn["Environment"]["Variables"]["BASE"] == "https://example.com"
    assert template["Resources"]["SettingsLevelParameter"]["Properties"]["Value"] == "warn"
    assert s.node("Fn").get("memory") == 128  # the stack is unchanged

    wrong = Environment(name="prod", parameters={"Fn.memory": 64, "Domain": "x"}, config={"Settings": {"Lvl": "x"}})
    with pytest.raises(StackError) as error:
        compile_stack(s, wrong)
    assert [(p.node, p.setting) for p in error.value.problems] == [("Fn", "memory")]
    assert "environment prod" in str(error.value)
    with pytest.raises(StackError, match="does not declare"):
        compile_stack(s, Environment(name="prod", parameters={"Domain": "x"}, config={"Settings": {"Lvl": "x"}}))


def test_code_locations_must_name_functions_of_the_stack():
    s = Stack("code")
    s.add("function", "Fn")
    with pytest.raises(StackError, match="Nope"):
        compile_stack(s, DEV, code_locations={"Nope": ("bucket", "key")})


def test_more_than_500_resources_is_a_clear_error_and_split_stack_fixes_it():
    big = fleet(200)  # two groups of 100 nodes (about 280 resources each)
    with pytest.raises(StackError) as error:
        compile_stack(big, DEV)
    message = str(error.value)
    assert "more than the 500" in message and "split_stack" in message
    count = int(message.split("compiles to ")[1].split()[0])
    assert count > 500
    parts = split_stack(big, DEV)
    assert [p.name for p in parts] == ["fleet-1", "fleet-2"]
    sizes = [len(compile_stack(p, DEV).resources) for p in parts]
    assert all(size <= 500 for size in sizes) and sum(sizes) == count
    assert sorted(n.id for p in parts for n in p.nodes) == sorted(n.id for n in big.nodes)
    assert len(permissions_table(big, DEV)) > 0  # the permissions view has no template limit
    assert split_stack(fleet(20), DEV)[0].name == "fleet"


def test_a_connected_group_too_big_for_one_template_cannot_be_split():
    s = Stack("wide")
    s.add("rest_api", "Api")
    for i in range(130):  # 130 routed functions, 4 resources each, all behind one API
        s.add("function", f"Fn{i}")
        s.connect("Api", f"Fn{i}")
    with pytest.raises(StackError, match=r"connected nodes Api, Fn0, .* and \d+ more compile to \d+ resources"):
        split_stack(s, DEV)


def test_a_node_named_like_a_template_parameter_is_refused():
    s = Stack("names")
    s.add("function", "Fn", code="src")  # needs the ArtifactBucket parameter
    s.add("queue", "ArtifactBucket")
    found, text = problems_of(s)
    assert found == {("ArtifactBucket", None)} and "template parameter" in text


def test_very_long_routes_and_parameter_names_keep_logical_ids_valid():
    s = Stack("long")
    s.add("rest_api", "Api", routes={"Fn": "/" + "/".join(["segment"] * 40)})
    s.add("function", "Fn")
    s.add("config_store", "Settings", parameters={"k" * 300: "v"})
    s.connect("Api", "Fn")
    template = compile_report(s, DEV).template
    assert max(len(lid) for lid in template.resources) <= 255

"""Where each resource of a compiled template lands in its network, read back from the template.

The tier of a subnet is not taken from its name: a subnet is *public* when its route table
routes to an internet gateway, *private* otherwise. So the table checks what the template
really does, which is what a reviewer of "databases private, load balancers public" needs.
"""
from __future__ import annotations

from typing import Any, Iterator

from stackerynb.catalog import kind as catalog_kind

# Properties that make a resource reachable from the internet, by type: (path, value meaning yes).
EXPOSURE = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (("Scheme",), "internet-facing"),
    "AWS::RDS::DBInstance": (("PubliclyAccessible",), True),
    "AWS::ECS::Service": (("NetworkConfiguration", "AwsvpcConfiguration", "AssignPublicIp"), "ENABLED"),
}


def _refs(value: Any) -> Iterator[str]:
    """Logical ids referenced (Ref / GetAtt) anywhere inside ``value``."""
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            yield target[0] if isinstance(target, list) else str(target).split(".")[0]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def subnet_tiers(resources: dict) -> dict[str, str]:
    """Subnet logical id -> ``public`` or ``private``, from routes to an internet gateway."""
    gateways = {lid for lid, r in resources.items() if r["Type"] == "AWS::EC2::InternetGateway"}
    public_tables = {r["Properties"]["RouteTableId"]["Ref"] for r in resources.values()
                     if r["Type"] == "AWS::EC2::Route" and set(_refs(r["Properties"].get("GatewayId"))) & gateways}
    tiers = {lid: "private" for lid, r in resources.items() if r["Type"] == "AWS::EC2::Subnet"}
    for r in resources.values():
        if r["Type"] == "AWS::EC2::SubnetRouteTableAssociation":
            subnet = next(iter(_refs(r["Properties"]["SubnetId"])), None)
            if subnet in tiers and set(_refs(r["Properties"]["RouteTableId"])) & public_tables:
                tiers[subnet] = "public"
    return tiers


def _exposed(body: dict) -> bool:
    rule = EXPOSURE.get(body["Type"])
    if rule is None:
        return False
    value: Any = body.get("Properties", {})
    for key in rule[0]:
        value = value.get(key) if isinstance(value, dict) else None
    return value == rule[1]


def placement_rows(template: dict, owners: dict[str, str], stack) -> list[dict]:
    """One row per resource placed in subnets (directly or through a subnet group)."""
    resources = template["Resources"]
    tiers = subnet_tiers(resources)
    direct = {lid: {ref for ref in _refs(body.get("Properties", {})) if ref in tiers}
              for lid, body in resources.items()}
    rows = []
    for lid, body in resources.items():
        if body["Type"].endswith("SubnetGroup") or body["Type"].startswith("AWS::EC2::"):
            if body["Type"] != "AWS::EC2::Instance":
                continue  # the network's own plumbing and subnet groups are reported through their users
        subnets = set(direct[lid])
        for ref in _refs(body.get("Properties", {})):  # one hop: DB/cache subnet groups
            if ref in resources and resources[ref]["Type"].endswith("SubnetGroup"):
                subnets |= direct[ref]
        if not subnets:
            continue
        node_id = owners.get(lid)
        spec = catalog_kind(stack.node(node_id).kind) if node_id in stack else None
        found = sorted({tiers[s] for s in subnets})
        rows.append({
            "node": node_id, "kind": spec.name if spec else None, "resource": lid, "type": body["Type"],
            "tier": "/".join(found), "subnets": ", ".join(sorted(subnets)),
            "internet_facing": _exposed(body) or (body["Type"] == "AWS::EC2::Instance" and any(
                resources[sub]["Properties"].get("MapPublicIpOnLaunch") is True for sub in subnets)),
            "why": (f"a {spec.label} {'must' if spec.network == 'must' else 'may'} sit in a network, in its "
                    f"{spec.tier} subnets: {spec.help}") if spec else "",
        })
    return rows

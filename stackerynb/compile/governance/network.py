"""Security-group questions several governance rules ask."""
from __future__ import annotations

WORLD = ("0.0.0.0/0", "::/0")


def security_group_ids(values) -> list[str]:
    """Logical ids of security groups referenced as ``Ref`` or ``GetAtt X.GroupId``."""
    out = []
    for value in values:
        if isinstance(value, dict):
            if "Ref" in value:
                out.append(value["Ref"])
            elif "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                out.append(target[0] if isinstance(target, list) else str(target).split(".")[0])
    return out


def _ingress_rules(context, group: str):
    body = context.resources.get(group, {})
    yield from body.get("Properties", {}).get("SecurityGroupIngress", [])
    for _, props in context.resources_of_type("AWS::EC2::SecurityGroupIngress"):
        if group in security_group_ids([props.get("GroupId")]):
            yield props


def open_to_world(context, groups, port: int | None = None):
    """``(group, "ports a-b")`` for each rule of ``groups`` open to any address (on ``port``)."""
    for group in groups:
        for rule in _ingress_rules(context, group):
            if rule.get("CidrIp") not in WORLD and rule.get("CidrIpv6") not in WORLD:
                continue
            low, high = int(rule.get("FromPort", 0) if rule.get("FromPort", -1) != -1 else 0), \
                int(rule.get("ToPort", 65535) if rule.get("ToPort", -1) != -1 else 65535)
            if str(rule.get("IpProtocol")) == "-1":
                low, high = 0, 65535
            if port is None or low <= port <= high:
                yield group, f"ports {low}-{high}" if low != high else f"port {low}"

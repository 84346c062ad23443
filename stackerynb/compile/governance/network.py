"""Security-group questions several governance rules ask: who can reach which port.

Rules judge the effect of all of a group's ingress rules together, not one rule at a time:
``0.0.0.0/1`` plus ``128.0.0.0/1`` opens a port to the whole internet just as ``0.0.0.0/0``
does. :func:`exposures` takes the union of the address ranges (``ipaddress.collapse_addresses``)
per port range and says what share of the IPv4 and IPv6 address space reaches it.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

ALL_PORTS = (0, 65535)
# A port reachable from at least this share of an address space counts as open to the
# internet: more than a /8 of IPv4 (16 million addresses) is no office, VPN or partner range.
WIDE_SHARE = 1 / 256


@dataclass(frozen=True)
class Exposure:
    """Ports ``low``..``high`` of ``group`` reachable from ``share_v4`` / ``share_v6`` of the
    IPv4 / IPv6 address space (1.0 is everyone)."""

    group: str
    low: int
    high: int
    share_v4: float
    share_v6: float

    @property
    def share(self) -> float:
        return max(self.share_v4, self.share_v6)

    @property
    def ports(self) -> str:
        return f"port {self.low}" if self.low == self.high else f"ports {self.low}-{self.high}"

    def describe(self) -> str:
        """``the world`` or ``52% of the IPv4 internet``, with the ranges that add up to it."""
        if self.share >= 1:
            return "the world"
        parts = []
        if self.share_v4:
            parts.append(f"{self.share_v4:.0%} of the IPv4 internet")
        if self.share_v6:
            parts.append(f"{self.share_v6:.0%} of the IPv6 internet")
        return " and ".join(parts)


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


def security_groups(context) -> list[str]:
    """Logical ids of every security group in the template."""
    return [lid for lid, _ in context.resources_of_type("AWS::EC2::SecurityGroup")]


def _ingress_rules(context, group: str):
    body = context.resources.get(group, {})
    rules = body.get("Properties", {}).get("SecurityGroupIngress", [])
    yield from (r for r in rules if isinstance(r, dict))
    for _, props in context.resources_of_type("AWS::EC2::SecurityGroupIngress"):
        if group in security_group_ids([props.get("GroupId")]):
            yield props


def _port_range(rule) -> tuple[int, int]:
    if str(rule.get("IpProtocol")) in ("-1", "all"):
        return ALL_PORTS
    try:
        low, high = int(rule.get("FromPort", 0)), int(rule.get("ToPort", 65535))
    except (TypeError, ValueError):  # an intrinsic function: assume the worst
        return ALL_PORTS
    return (0 if low == -1 else low, 65535 if high == -1 else high)


def _network(rule):
    for key in ("CidrIp", "CidrIpv6"):
        text = rule.get(key)
        if isinstance(text, str):
            try:
                return ipaddress.ip_network(text, strict=False)
            except ValueError:
                return None
    return None


def _share(networks, version: int) -> float:
    chosen = [n for n in networks if n.version == version]
    if not chosen:
        return 0.0
    total = 2 ** (32 if version == 4 else 128)
    return sum(n.num_addresses for n in ipaddress.collapse_addresses(chosen)) / total


def exposures(context, group: str, port: int | None = None) -> list[Exposure]:
    """What share of the internet reaches each port range of ``group`` (only ``port``, if given).

    Port ranges are cut where any rule's range starts or ends, so each piece is reached by the
    same set of rules; the address ranges of those rules are united before measuring.
    """
    ruled = [(_port_range(r), _network(r)) for r in _ingress_rules(context, group)]
    ruled = [(ports, net) for ports, net in ruled if net is not None]
    if port is not None:
        ruled = [((port, port), net) for (low, high), net in ruled if low <= port <= high]
    cuts = sorted({low for (low, _), _ in ruled} | {high + 1 for (_, high), _ in ruled})
    found = []
    for low, after in zip(cuts, cuts[1:]):
        networks = [net for (a, b), net in ruled if a <= low and after - 1 <= b]
        if networks:
            exposure = Exposure(group, low, after - 1, _share(networks, 4), _share(networks, 6))
            if found and found[-1].high + 1 == low and (found[-1].share_v4, found[-1].share_v6) == \
                    (exposure.share_v4, exposure.share_v6):
                exposure = Exposure(group, found.pop().low, after - 1, exposure.share_v4, exposure.share_v6)
            found.append(exposure)
    return found


def open_to_internet(context, groups, port: int | None = None) -> list[Exposure]:
    """Exposures of ``groups`` (on ``port``) reachable from a wide share of the internet."""
    return [e for group in groups for e in exposures(context, group, port) if e.share >= WIDE_SHARE]

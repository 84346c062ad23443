"""Data in transit is encrypted, and callers must authenticate where a service offers it.

- ElastiCache replication groups: in-transit encryption on, and Redis AUTH (``AuthToken``) or
  user groups (``UserGroupIds``) so a client on the network path still needs a credential.
- Load balancers with an HTTPS listener keep plain HTTP only to redirect to HTTPS: an HTTP
  listener that forwards or answers content when a certificate exists serves it in clear.
"""
from __future__ import annotations

from stackerynb.cfn.intrinsics import intrinsic_text

ID = "G008"
DESCRIPTION = "Encrypted in transit: Redis TLS and AUTH, HTTP only redirects once HTTPS exists"
SOURCE = "https://docs.aws.amazon.com/securityhub/latest/userguide/elasticache-controls.html"

TRUE = (True, "true", "True")


def _balancer(props) -> str | None:
    text = intrinsic_text(props.get("LoadBalancerArn"))
    return text[2:-1] if text and text.startswith("${") and text.endswith("}") else text


def check(context):
    for lid, props in context.resources_of_type("AWS::ElastiCache::ReplicationGroup"):
        if props.get("TransitEncryptionEnabled") not in TRUE:
            yield context.problem(lid, "does not encrypt traffic (TransitEncryptionEnabled)")
        elif not props.get("AuthToken") and not props.get("UserGroupIds"):
            yield context.problem(lid, "lets any client on its network in: no AUTH token (AuthToken) or user "
                                  "groups (UserGroupIds)")
    listeners = list(context.resources_of_type("AWS::ElasticLoadBalancingV2::Listener"))
    secure = {_balancer(p) for _, p in listeners if p.get("Protocol") == "HTTPS"}
    for lid, props in listeners:
        if props.get("Protocol") != "HTTP" or _balancer(props) not in secure:
            continue
        actions = props.get("DefaultActions") or []
        if not actions or any(a.get("Type") != "redirect" for a in actions if isinstance(a, dict)):
            yield context.problem(lid, "serves plain HTTP although the load balancer has an HTTPS listener; "
                                  "redirect HTTP to HTTPS instead")

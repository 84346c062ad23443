"""What the compiler makes of a node, as far as raw resources care: the logical ids it derives
from the node id, the resource type of the node's main resource and its attributes.

The names come from ``import_map.yaml`` (``compiled_names``), kept in step with the emitters by
a test; attributes come from cfn-lint's CloudFormation schemas (saved per cfn-lint version).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from stackerynb.importing.convert import import_map

# The CloudFormation type each kind's main resource (logical id = node id) compiles to; None
# when the node has no resource of its own id (a config store is a set of parameters).
COMPILED_TYPE = {
    "function": "AWS::Lambda::Function", "rest_api": "AWS::ApiGateway::RestApi", "table": "AWS::DynamoDB::Table",
    "object_store": "AWS::S3::Bucket", "cdn": "AWS::CloudFront::Distribution", "virtual_network": "AWS::EC2::VPC",
    "bastion": "AWS::EC2::Instance", "database": "AWS::RDS::DBInstance", "docker_cluster": "AWS::ECS::Cluster",
    "docker_service": "AWS::ECS::Service", "load_balancer": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "timer": "AWS::Events::Rule", "cache_cluster": "AWS::ElastiCache::ReplicationGroup", "config_store": None,
    "secret": "AWS::SecretsManager::Secret", "queue": "AWS::SQS::Queue", "topic": "AWS::SNS::Topic",
    "stream": "AWS::Kinesis::Stream", "state_machine": "AWS::StepFunctions::StateMachine",
    "event_bus": "AWS::Events::EventBus", "http_api": "AWS::ApiGatewayV2::Api",
    "stream": "AWS::Kinesis::Stream",
    # a resource node's main resource has the node's own type (never a curated import's target)
    "resource": None,
}


@lru_cache(maxsize=None)
def _patterns(kind: str) -> re.Pattern | None:
    suffixes = import_map()["compiled_names"]["resources"].get(kind) or []
    return re.compile("(?:" + "|".join(suffixes) + ")") if suffixes else None


@lru_cache(maxsize=1)
def _network_only() -> re.Pattern:
    return re.compile("(?:" + "|".join(import_map()["compiled_names"]["network_only"]) + ")")


def is_derived(node_id: str, kind: str, logical_id: str, networked: bool = True) -> bool:
    """True when the compiler may give ``logical_id`` to a resource it makes for the node
    (``networked=False``: for a node outside any virtual network)."""
    if not logical_id.startswith(node_id) or logical_id == node_id:
        return False
    pattern = _patterns(kind)
    suffix = logical_id[len(node_id):]
    if not networked and _network_only().fullmatch(suffix):
        return False
    return bool(pattern and pattern.fullmatch(suffix))


def output_clashes(nodes: dict[str, str], output_id: str) -> bool:
    """True when the compiler may name one of its outputs ``output_id`` (``nodes``: id -> kind)."""
    suffixes = import_map()["compiled_names"]["outputs"]
    return any(output_id == f"{nid}{suffix}" for nid, kind in nodes.items() for suffix in suffixes.get(kind, ()))


def replacement(what: str, node_id: str) -> str:
    """The compiled id standing in for an absorbed resource (``role``, ``log_group``, ``dead_letter``)."""
    return import_map()["compiled_names"]["replacements"][what].format(id=node_id)


def has_main_resource(kind: str) -> bool:
    """False for kinds whose node id names no resource (Refs to it cannot work)."""
    return COMPILED_TYPE.get(kind) is not None


# cfn-lint's GetAtt attributes of the COMPILED_TYPE resources, saved for its version below, so an
# import in a new process need not load cfn-lint (its package import alone takes ~0.7 s).
# Another cfn-lint version asks cfn-lint itself; a test checks the table against it and
# ``python -m stackerynb.importing.compiled_names`` rewrites it.
ATTRIBUTE_TABLE = Path(__file__).with_name("compiled_attributes.json")


@lru_cache(maxsize=None)
def attributes(kind: str) -> frozenset[str]:
    """``Fn::GetAtt`` attributes of the node's compiled main resource."""
    rtype = COMPILED_TYPE.get(kind)
    if rtype is None:
        return frozenset()
    saved = _saved_attributes()
    if rtype in saved:
        return frozenset(saved[rtype])
    return live_attributes(rtype)


def live_attributes(rtype: str) -> frozenset[str]:
    """cfn-lint's GetAtt attributes of resource type ``rtype`` (empty when it lacks the schema)."""
    try:
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
        return frozenset(PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", rtype).get_atts)
    except Exception:  # pragma: no cover - a cfn-lint without the schema: do not judge attributes
        return frozenset()


@lru_cache(maxsize=1)
def _saved_attributes() -> dict[str, list[str]]:
    """The saved table when it was made with the installed cfn-lint, else nothing."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        table = json.loads(ATTRIBUTE_TABLE.read_text(encoding="utf-8"))
        installed = version("cfn-lint")
    except (OSError, ValueError, PackageNotFoundError):
        return {}
    return table["attributes"] if table.get("cfn-lint") == installed else {}


def attribute_table() -> dict:
    """The table as cfn-lint gives it now (what ATTRIBUTE_TABLE should hold)."""
    from importlib.metadata import version
    return {"cfn-lint": version("cfn-lint"),
            "attributes": {rtype: sorted(live_attributes(rtype)) for rtype in sorted(filter(None, COMPILED_TYPE.values()))}}


if __name__ == "__main__":  # pragma: no cover - refreshes the saved table
    ATTRIBUTE_TABLE.write_text(json.dumps(attribute_table(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {ATTRIBUTE_TABLE}")

"""Queue, topic and bucket policies absorbed into their node.

A policy on one queue (topic, bucket) node of the template disappears into it: each statement
that is what a wire into the node generates (an AWS service let in on behalf of a wired source,
with only the actions the wire needs) is left to the wire; every other statement is kept as
written in the node's ``policy`` setting, which the compiler writes beside the wires' own
statements. So the compiled policy lets in exactly who the original did.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from stackerynb.cfn.intrinsics import is_intrinsic, referenced_ids
from stackerynb.importing.iam import statements_of

if TYPE_CHECKING:
    from stackerynb.importing.importer import Round

# policy type -> (property naming its target, target kind, services wires let in, their actions)
SPEC = {
    "AWS::SQS::QueuePolicy": ("Queues", "queue", ("sns.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com"),
                              {"sqs:sendmessage"}),
    "AWS::SNS::TopicPolicy": ("Topics", "topic", ("events.amazonaws.com",), {"sns:publish"}),
    "AWS::S3::BucketPolicy": ("Bucket", "object_store", ("cloudfront.amazonaws.com",), {"s3:getobject"}),
}


def policy(rnd: "Round", lid: str, props: dict) -> str | None:
    """Absorb resource policy ``lid`` into its node, or say why it stays raw."""
    rtype = rnd.resources[lid]["Type"]
    field, kind, services, actions = SPEC[rtype]
    targets = [t for t in dict.fromkeys(referenced_ids(props.get(field))) if t in rnd.resources]
    if len(targets) != 1 or rnd.kind_of(targets[0]) != kind:
        return f"a {rtype.split('::')[1].lower()} policy that is not on exactly one {kind} node"
    node = targets[0]
    document = props.get("PolicyDocument")
    if not isinstance(document, dict) or is_intrinsic(document) or is_intrinsic(document.get("Statement")):
        return "its policy document is computed at deploy time"
    kept = [s for s in statements_of(document) if not _made_by_a_wire(rnd, s, node, services, actions)]
    if kept:
        plan = rnd.nodes[node]
        earlier = (plan.settings.get("policy") or {}).get("Statement") or []
        plan.settings["policy"] = {"Statement": list(earlier) + kept}
    rnd.absorbed[lid] = f"the policy of {node}" + (f" ({len(kept)} statement(s) kept as written)" if kept else "")
    rnd.replacements[lid] = ("policy", node)
    rnd.absorbed_into[lid] = (node,)
    return None


def _made_by_a_wire(rnd: "Round", statement: dict, node: str, services, actions) -> bool:
    principal = statement.get("Principal")
    service = principal.get("Service") if isinstance(principal, dict) and set(principal) == {"Service"} else None
    condition = statement.get("Condition")
    source = _single(condition, rnd.nodes)
    rule = _single(condition, rnd.rule_wires)
    if source is None and rule is not None:
        source = rnd.rule_wires[rule][0]  # a bus rule: the wire is from its bus
    granted = {a.lower() for a in _as_list(statement.get("Action")) if isinstance(a, str)}
    return (statement.get("Effect") == "Allow" and service in services and source is not None
            and (source, node) in rnd.wires and bool(granted) and granted <= actions
            and "NotAction" not in statement and "NotResource" not in statement)


def _single(value, ids) -> str | None:
    found = [i for i in referenced_ids(value) if i in ids]
    return found[0] if len(set(found)) == 1 else None


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]

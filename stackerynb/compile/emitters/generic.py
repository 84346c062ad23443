"""resource -> the node's CloudFormation resource, verbatim: ``Type`` from the ``type`` setting,
its ``properties`` and ``attributes`` written as given (by the pass-through step, like every
kind's). What wires may read from it comes from the type's registry schema: ``Ref`` and the
read-only attributes ``Fn::GetAtt`` offers (``Arn``, ``Endpoint.Address``...)."""
from __future__ import annotations

from stackerynb.cfn.iam_resources import schema_arn
from stackerynb.cfn.schemas import read_only_properties
from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.raw import SERVERLESS_TRANSFORM, RawObject, _add_transform
from stackerynb.compile.refs import att, ref


def emit(ctx: Compilation, node) -> Parts:
    rtype = node.get("type")
    ctx.add(RawObject(node.id, {"Type": rtype}), node.id)
    return Parts(node, attributes=attributes(node.id, rtype))


def attributes(node_id: str, rtype: str) -> dict[str, str]:
    """Wire placeholders for a resource of ``rtype``: ``ref`` (its Ref), every read-only attribute
    by its GetAtt name, and ``arn`` when the schema says where the ARN is (an ``Arn`` attribute,
    or a primary identifier that is an ARN, which Ref then returns)."""
    names = read_only_properties(rtype)
    out = {"ref": ref(node_id)}
    out.update({name: att(node_id, name) for name in names})
    arn = schema_arn(node_id, rtype)
    if arn:
        out["arn"] = arn
    return out


def add_transform_for_sam(ctx: Compilation, template) -> None:
    """A ``resource`` node of an ``AWS::Serverless::*`` type needs the SAM transform."""
    if any(str(n.settings.get("type", "")).startswith("AWS::Serverless::") for n in ctx.nodes.values()
           if n.kind == "resource"):
        _add_transform(template)


__all__ = ["emit", "attributes", "add_transform_for_sam", "SERVERLESS_TRANSFORM"]

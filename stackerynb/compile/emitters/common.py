"""Small pieces several emitters share: security groups, data-keeping policies, names."""
from __future__ import annotations

from troposphere import GetAtt, Ref, ec2

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.names import physical_name


def network_of(ctx: Compilation, node) -> Parts:
    """The parts of the virtual network ``node`` sits in (validation guarantees there is one)."""
    return ctx.parts[node.network]


def private_subnets(ctx: Compilation, node) -> list[Ref]:
    return [Ref(s) for s in network_of(ctx, node).handles["private_subnets"]]


def public_subnets(ctx: Compilation, node) -> list[Ref]:
    return [Ref(s) for s in network_of(ctx, node).handles["public_subnets"]]


def security_group(ctx: Compilation, node, description: str, ingress=None) -> str:
    """Create ``<Node>SecurityGroup`` in the node's network; returns its logical id.

    It starts with no ingress: wires open ports from other security groups, one rule each.
    """
    logical_id = f"{node.id}SecurityGroup"
    props = dict(GroupDescription=description, VpcId=Ref(network_of(ctx, node).handles["vpc"]))
    if ingress:
        props["SecurityGroupIngress"] = ingress
    ctx.add(ec2.SecurityGroup(logical_id, **props), node.id)
    return logical_id


def keep_data(ctx: Compilation, resource, *, snapshot: bool = False) -> None:
    """Data outlives the stack in production environments (Retain, or Snapshot for
    databases); elsewhere it is deleted with the stack so dev stacks tear down cleanly."""
    policy = ("Snapshot" if snapshot else "Retain") if ctx.production else "Delete"
    resource.DeletionPolicy = policy
    resource.UpdateReplacePolicy = policy


def name(ctx: Compilation, node_id: str, *, limit: int, suffix: str = "", lower: bool = False, part: str = "") -> str:
    """The physical name ``<stack>-<env>-<node>`` within ``limit`` (see names.physical_name)."""
    return physical_name(ctx.stack_name, ctx.env_name, node_id, limit=limit, suffix=suffix, lower=lower, part=part)


def group_id(logical_id: str) -> GetAtt:
    return GetAtt(logical_id, "GroupId")


def auth_settings_agree(ctx, node, needs: dict) -> bool:
    """Whether an API's ``auth`` and the settings each auth needs agree (``needs``: auth ->
    setting); records a problem on the node for a needed setting left empty, one set that the
    chosen auth ignores, or a lambda authorizer that is not a function of the stack."""
    auth, ok = node.get("auth"), True
    for other, setting in needs.items():
        if other == auth and not node.get(setting):
            ctx.problem(node.id, setting, f"auth {auth} needs {setting}")
            ok = False
        elif other != auth and node.get(setting):
            ctx.problem(node.id, setting, f"is set but auth is {auth}, which does not use it; set auth to {other}")
            ok = False
    fid = node.get("authorizer")
    if auth == "lambda" and fid and (fid not in ctx.nodes or ctx.nodes[fid].kind != "function"):
        ctx.problem(node.id, "authorizer", f"{fid!r} is not a function of this stack")
        ok = False
    return ok

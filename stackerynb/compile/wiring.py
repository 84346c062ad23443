"""The wiring engine: applies a wire's profile (``stackerynb/catalog/wires.yaml``).

Everything a wire means is data in its profile; this module only resolves the profile's
placeholders against the two ends' attributes and hands each part to the right place:

* ``access``          IAM statements for the principal's role, on the target's ARNs only
* ``env``             ``<TARGET>_<SUFFIX>`` variables in the source
* ``network``         an ingress rule on the target's security group from the source's
* ``event``           an event emitter (events.EVENTS) connecting the two
* ``resource_policy`` a policy emitter (policies.POLICIES) letting the event's service in
"""
from __future__ import annotations

from troposphere import ec2

from stackerynb.catalog import wire_profile
from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile import generic_iam
from stackerynb.compile.events import EVENTS
from stackerynb.compile.names import env_prefix
from stackerynb.compile.policies import POLICIES
from stackerynb.compile.refs import value
from stackerynb.model.elements import Wire


class _Placeholders(dict):
    """``{arn}`` -> the target's attribute, ``{source_arn}`` -> the source's."""

    def __init__(self, source: Parts, target: Parts):
        super().__init__()
        self.source, self.target = source, target

    def __missing__(self, key: str) -> str:
        if key.startswith("source_"):
            return self.source.attribute(key[len("source_"):])
        return self.target.attribute(key)


def resolve(template: str, source: Parts, target: Parts) -> str:
    """Fill a profile placeholder such as ``{arn}/index/*`` into Sub text."""
    return template.format_map(_Placeholders(source, target))


def apply_wire(ctx: Compilation, wire: Wire) -> None:
    """Generate everything ``wire`` means (see the module docstring)."""
    source, target = ctx.parts[wire.source], ctx.parts[wire.target]
    profile = wire_profile(source.node.kind, target.node.kind)
    principal = target if profile.principal == "target" else source
    if profile.iam == "service_reference":  # a resource node: AWS's reference says what each level is
        generic_iam.grant(ctx, wire, principal, target, profile.resolve_access(wire.access),
                          lambda r: resolve(r, source, target))
    for statement in profile.statements(wire.access):
        resources = [resolve(r, source, target) for r in statement.resources]
        ctx.grant(principal, statement.actions, resources, wire=wire)
    if source.env is not None:
        prefix = env_prefix(target.node.id)
        for suffix, attribute in profile.env.items():
            variable = f"{prefix}_{suffix}"
            if variable in source.env:
                ctx.problem(source.node.id, "environment", f"variable {variable} is set twice: by the wire "
                            f"{wire.source} -> {wire.target} and by an explicit value or another wire")
                continue
            source.env[variable] = target.attribute(attribute)
    if profile.network:
        _open_port(ctx, wire, source, target)
    invocation = EVENTS[profile.event](ctx, wire, source, target) if profile.event else None
    if profile.resource_policy:
        POLICIES[profile.resource_policy](ctx, wire, source, target, invocation)


def _open_port(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> None:
    """The target's port opens to the source's security group, and to nothing else."""
    if source.security_group is None or target.security_group is None:
        ctx.problem(wire.source, "network", f"wire {wire.source} -> {wire.target} opens a network port: "
                    f"place {wire.source} in {target.node.network} as well")
        return
    ctx.add(ec2.SecurityGroupIngress(
        f"{wire.source}To{wire.target}Ingress", GroupId=value(f"${{{target.security_group}.GroupId}}"),
        SourceSecurityGroupId=value(f"${{{source.security_group}.GroupId}}"), IpProtocol="tcp",
        FromPort=target.port, ToPort=target.port, Description=f"{wire.source} -> {wire.target}"), wire.source)

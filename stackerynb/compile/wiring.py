"""The wiring engine: applies a wire's profile (``stackerynb/catalog/wires.yaml``).

Everything a wire means is data in its profile; this module only resolves the profile's
placeholders against the two ends' attributes and hands each part to the right place:

* ``access``          IAM statements for the principal's role, on the target's ARNs only (the
                      wire settings ``actions``/``resources`` narrow them to exactly those)
* ``env``             ``<TARGET>_<SUFFIX>`` variables in the source (the wire setting ``env``
                      names them as the source's code reads them)
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
    if profile.iam == "service_reference" and wire.settings.get("grants") is not False:
        # a resource node: AWS's reference says what each level is
        generic_iam.grant(ctx, wire, principal, target, profile.resolve_access(wire.access),
                          lambda r: resolve(r, source, target))
    for actions, placeholders in _statements(profile, wire):
        ctx.grant(principal, actions, [resolve(r, source, target) for r in placeholders], wire=wire)
    if source.env is not None:
        for variable, attribute in _variables(profile, wire, target):
            if variable in source.env:
                ctx.problem(source.node.id, "environment", f"variable {variable} is set twice: by the wire "
                            f"{wire.source} -> {wire.target} and by an explicit value or another wire")
                continue
            source.env[variable] = attribute
    if profile.network:
        _open_port(ctx, wire, source, target)
    invocation = EVENTS[profile.event](ctx, wire, source, target) if profile.event else None
    if profile.resource_policy:
        POLICIES[profile.resource_policy](ctx, wire, source, target, invocation)


def _statements(profile, wire: Wire) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """``(actions, resource placeholders)`` the wire grants: the profile's statements for its
    access levels, narrowed by the wire's settings ``actions`` (exactly these actions) and
    ``resources`` (exactly these placeholders, or a plain placeholder extended, e.g. ``{arn}*``);
    none when its setting ``grants`` is off."""
    if wire.settings.get("grants") is False:
        return []
    statements = profile.statements(wire.access)
    actions = tuple(wire.settings.get("actions") or ())
    resources = tuple(wire.settings.get("resources") or ())
    if not actions and not resources:
        return [(s.actions, s.resources) for s in statements]

    known = {r for s in statements for r in s.resources}

    def where(placeholders):
        if not resources:
            return tuple(placeholders)
        # a given text that extends one of this statement's plain placeholders ({arn}* for a
        # function's versions and aliases too) stands in its place; the profile's own texts
        # ({arn}/index/*) go only where the profile puts them
        return tuple(r for r in resources if r in placeholders or (
            r not in known and any(p.endswith("}") and r.startswith(p) for p in placeholders)))

    if not actions:
        return [(s.actions, where(s.resources)) for s in statements if where(s.resources)]
    out, placed = [], set()
    for s in statements:  # an action the profile names goes on that statement's resources
        known = {a.lower() for a in s.actions}
        mine = tuple(a for a in actions if a.lower() in known and a not in placed)
        if mine and where(s.resources):
            out.append((mine, where(s.resources)))
            placed.update(mine)
    rest = tuple(a for a in actions if a not in placed)
    reached = resources or tuple(dict.fromkeys(r for s in statements for r in s.resources))
    # others (wildcards, actions no level offers) on every resource the wire reaches; a profile
    # that reaches none (a generic resource target) leaves them to generic_iam, not to Resource: []
    if rest and reached:
        out.append((rest, reached))
    return out


def _variables(profile, wire: Wire, target: Parts) -> list[tuple[str, str]]:
    """``(variable, value)`` the wire injects into its source: the names of the wire's ``env``
    setting, else the profile's ``<TARGET>_<SUFFIX>`` ones (none when ``default_env`` is off)."""
    names = wire.settings.get("env") or {}
    if names:
        return [(name, target.attribute(attribute)) for name, attribute in names.items()]
    if wire.settings.get("default_env") is False:
        return []
    prefix = env_prefix(target.node.id)
    return [(f"{prefix}_{suffix}", target.attribute(attribute)) for suffix, attribute in profile.env.items()]


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

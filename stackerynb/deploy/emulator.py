"""What the local emulator lacks, made good through its own public API.

moto's CloudFormation (the local target) differs from AWS in ways a user would trip on:

* some resource types are accepted but not created (``stackerynb/catalog/emulator.yaml``):
  :func:`not_created` lists the ones in a template so the user is told;
* a failed execution raises from ``ExecuteChangeSet`` and leaves the stack half changed, with no
  rollback and no resource events saying which resource failed. :func:`recover` removes the
  half-changed stack, finds the failing resource on a scratch stack, and creates the previous
  deployment again. Everything goes through CloudFormation calls over HTTP, as on AWS.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from stackerynb.catalog._data import load_table
from stackerynb.deploy.template import META_KEY, facts_of, tags
from stackerynb.deploy.target import Cloud, emulator_message

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def not_created_types() -> dict[str, str]:
    """Resource type -> what the user misses locally, for types the emulator does not create."""
    return dict(load_table("emulator.yaml")["not_created"])


def not_created(resources: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(logical id, type, what it means)`` for each resource of the template the emulator skips."""
    table = not_created_types()
    return [(lid, body.get("Type", ""), table[body.get("Type", "")])
            for lid, body in resources.items() if body.get("Type") in table]


@dataclass(frozen=True)
class Failure:
    """The resource a change failed on, and CloudFormation's (or the emulator's) reason."""

    logical_id: str | None
    type: str | None
    reason: str


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` found and did: the failure, how the stack was put back, and whether
    that worked (``restored`` is False when the previous deployment could not be put back)."""

    failure: Failure
    note: str  # one or two sentences for the user
    restored: bool = True


def error_reason(exc: Exception) -> str:
    """The emulator's reason for a failed call, as one line."""
    from botocore.exceptions import ClientError
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    return emulator_message(exc) or f"{type(exc).__name__}: {str(exc)[:300]}"


def unreachable(exc: BaseException) -> bool:
    """True when ``exc`` says the emulator is not there any more (stopped or killed)."""
    from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
    return isinstance(exc, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, ConnectionError))


class _Applier:
    """Applies templates to emulator stacks through change sets, counting them for names."""

    def __init__(self, cloud: Cloud, deployment_id: str):
        self.cloud = cloud
        self.cf = cloud.client("cloudformation")
        self.prefix = f"stackerynb-{deployment_id}-recover"
        self.count = 0

    def apply(self, stack_name: str, template: dict, parameters: list[dict], create: bool, mark: bool = True,
              tags: list[dict] | None = None) -> None:
        """Create and execute a change set for ``template``; raises the emulator's error."""
        self.count += 1
        body = copy.deepcopy(template)
        if mark:  # every body differs from the last, so the emulator never answers "no changes"
            body.setdefault("Metadata", {}).setdefault(META_KEY, {})["Recovery"] = f"{self.prefix}-{self.count}"
        name = f"{self.prefix}-{self.count}"
        self.cf.create_change_set(StackName=stack_name, ChangeSetName=name, TemplateBody=json.dumps(body),
                                  ChangeSetType="CREATE" if create else "UPDATE", Parameters=parameters,
                                  Capabilities=CAPABILITIES, Tags=tags or [])
        self.cf.execute_change_set(StackName=stack_name, ChangeSetName=name)

    def remove(self, stack_name: str) -> None:
        """Delete a stack and what the emulator leaves behind of it (see :func:`sweep_vpcs`)."""
        vpcs = stack_vpcs(self.cloud, stack_name)
        try:
            self.cf.delete_stack(StackName=stack_name)
        except Exception as exc:  # noqa: BLE001 - only the emulator's VPC leftovers are expected here
            if not (vpcs and "DependencyViolation" in error_reason(exc)):
                raise
            sweep_vpcs(self.cloud, vpcs)


def recover(cloud: Cloud, stack_name: str, deployment_id: str, template: dict, parameters: list[dict],
            previous: dict | None, previous_parameters: list[dict], changes: list[dict],
            error: Exception) -> Recovery:
    """After ``ExecuteChangeSet`` failed on the emulator: put the previous deployment back and
    find the failing resource.

    The emulator has no rollback, and its stacks cannot be updated back reliably after a
    half-applied update (moto keeps resources an update deleted in its cache, so adding them
    again creates nothing). So the half-changed stack is deleted; the failing resource is found
    on a scratch stack (``<stack>-recover``) by adding the new template's resources a few at a
    time; the scratch stack is deleted; and the previous template (with its own deployment
    facts) is created again under the stack's name. Its resources are new: data kept in them
    locally is gone. Every error on the way is reported in the result, never dropped.

    ``template``/``parameters``: what failed; ``previous``/``previous_parameters``: the template
    deployed before (None for a first deployment); ``changes``: the change set's resource changes.
    """
    applier = _Applier(cloud, deployment_id)
    reason = error_reason(error)
    problems: list[str] = []
    try:
        applier.remove(stack_name)
    except Exception as exc:  # noqa: BLE001 - reported: nothing else can be done safely
        return Recovery(Failure(None, None, reason),
                        f"the emulator has no rollback, and removing the half-changed stack failed "
                        f"({error_reason(exc)}): the stack is left as the failed deployment made it; "
                        "`destroy` it, or deploy again", restored=False)
    failure = None
    try:
        failure = _probe(applier, f"{stack_name}-recover", template, parameters, changes)
    except Exception as exc:  # noqa: BLE001 - the culprit is a nicety; cleaning up is not
        problems.append(f"removing the scratch stack {stack_name}-recover failed ({error_reason(exc)})")
    failure = failure or Failure(None, None, reason)
    if previous is None:
        note = "the emulator has no rollback: the kit removed the partly created stack"
        return Recovery(failure, "; ".join([note, *problems]))
    try:
        applier.apply(stack_name, previous, previous_parameters, create=True, mark=False,
                      tags=tags(facts_of(previous) or {}))
    except Exception as exc:  # noqa: BLE001 - reported to the user, who can destroy or deploy again
        try:
            applier.remove(stack_name)
        except Exception as cleanup:  # noqa: BLE001
            problems.append(f"removing what was re-created failed too ({error_reason(cleanup)})")
        return Recovery(failure, "; ".join([
            f"the emulator has no rollback, and re-creating the previous deployment failed ({error_reason(exc)}): "
            f"{stack_name} is not deployed now; deploy again", *problems]), restored=False)
    note = ("the emulator has no rollback: the kit re-created the previous deployment (its resources are new; "
            "data kept in them locally is gone)")
    return Recovery(failure, "; ".join([note, *problems]))


def _probe(applier: _Applier, scratch: str, template: dict, parameters: list[dict],
           changes: list[dict]) -> Failure | None:
    """The first added or changed resource the emulator refuses, found by creating the new
    template's resources on a scratch stack in template order (dependency order), a chunk at a
    time, each chunk ending with one resource the change set added or changed. The scratch
    stack is deleted afterwards (an error doing so is raised)."""
    new = template.get("Resources", {})
    skipped = not_created_types()
    touched = {c["LogicalResourceId"] for c in changes if c.get("Action") in ("Add", "Modify")}
    base = {k: v for k, v in template.items() if k not in ("Resources", "Outputs", "Metadata")}
    found, created, applied = None, False, {}
    try:
        for lid, body in new.items():
            applied[lid] = body
            if lid not in touched or body.get("Type") in skipped:
                continue
            try:
                applier.apply(scratch, {**base, "Resources": dict(applied)}, parameters, create=not created)
                created = True
            except Exception as exc:  # noqa: BLE001 - this is the failure we are looking for
                created = True  # a failed CREATE leaves the scratch stack behind as well
                found = Failure(lid, body.get("Type"), error_reason(exc))
                break
    finally:
        if created:
            applier.remove(scratch)
    return found


STAND_IN_PREFIX = "not-created-locally"


def stand_in(template: dict) -> dict:
    """A copy of ``template`` the emulator can take: attributes (``Fn::GetAtt`` and ``${X.Attr}``
    in ``Fn::Sub``) of resources it does not create become placeholder text, since moto refuses
    the whole stack over them ("GetAtt references undefined resource"). The resources stay in
    the template and are listed to the user as not created; a function reading such a value
    locally sees ``not-created-locally:<Resource>.<Attribute>`` (or ``0`` for a port). A REST
    API's routes, which the kit writes into its OpenAPI body, become resources and methods
    (see :mod:`stackerynb.deploy.emulator_routes`)."""
    import re

    from stackerynb.deploy.emulator_routes import routes_as_methods

    template = routes_as_methods(template)  # the emulator ignores a RestApi's OpenAPI body
    skipped_types = not_created_types()
    skipped = {lid for lid, body in template.get("Resources", {}).items() if body.get("Type") in skipped_types}
    if not skipped:
        return template

    def placeholder(lid: str, attribute: str) -> str:
        return "0" if attribute.endswith("Port") else f"{STAND_IN_PREFIX}:{lid}.{attribute}"

    def sub(text: str) -> str:
        return re.sub(r"\$\{([A-Za-z0-9]+)\.([A-Za-z0-9.]+)\}",
                      lambda m: placeholder(m[1], m[2]) if m[1] in skipped else m[0], text)

    def walk(value):
        if isinstance(value, dict):
            if len(value) == 1 and "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                lid, attribute = (target[0], target[1]) if isinstance(target, list) else str(target).split(".", 1)
                if lid in skipped and isinstance(attribute, str):
                    return placeholder(lid, attribute)
            if len(value) == 1 and "Fn::Sub" in value:
                body = value["Fn::Sub"]
                if isinstance(body, str):
                    return {"Fn::Sub": sub(body)}
                if isinstance(body, list) and body and isinstance(body[0], str):
                    return {"Fn::Sub": [sub(body[0]), *walk(body[1:])]}
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    out = dict(template)
    out["Resources"] = {lid: (body if lid in skipped else walk(body)) for lid, body in template["Resources"].items()}
    if "Outputs" in template:
        out["Outputs"] = walk(template["Outputs"])
    return out


def stack_vpcs(cloud: Cloud, cf_stack: str) -> list[str]:
    """Physical ids of the VPCs a stack holds (asked before deleting it)."""
    cf = cloud.client("cloudformation")
    try:
        summaries = cf.list_stack_resources(StackName=cf_stack)["StackResourceSummaries"]
    except Exception:  # noqa: BLE001 - no stack, no VPCs
        return []
    return [r["PhysicalResourceId"] for r in summaries
            if r["ResourceType"] == "AWS::EC2::VPC" and r.get("PhysicalResourceId")]


def sweep_vpcs(cloud: Cloud, vpc_ids: list[str]) -> list[str]:
    """Remove what the emulator's stack deletion leaves inside ``vpc_ids`` and the VPCs themselves.

    moto deletes a stack's resources but not the network interfaces its NAT gateways and
    instances made, nor (then) the VPC those keep alive, and answers DependencyViolation after
    it has already forgotten the stack. On AWS this never happens: the network interfaces go
    with their owners. Returns one line per thing removed, for the user."""
    ec2 = cloud.client("ec2")
    removed: list[str] = []
    for vpc in vpc_ids:
        where = [{"Name": "vpc-id", "Values": [vpc]}]
        for eni in ec2.describe_network_interfaces(Filters=where)["NetworkInterfaces"]:
            attachment = eni.get("Attachment") or {}
            if attachment.get("AttachmentId") and attachment.get("DeviceIndex", 0) != 0:
                ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"], Force=True)
            ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
            removed.append(f"network interface {eni['NetworkInterfaceId']}")
        for igw in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"]:
            ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc)
            ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
            removed.append(f"internet gateway {igw['InternetGatewayId']}")
        for subnet in ec2.describe_subnets(Filters=where)["Subnets"]:
            ec2.delete_subnet(SubnetId=subnet["SubnetId"])
            removed.append(f"subnet {subnet['SubnetId']}")
        for table in ec2.describe_route_tables(Filters=where)["RouteTables"]:
            if not any(a.get("Main") for a in table.get("Associations", [])):
                ec2.delete_route_table(RouteTableId=table["RouteTableId"])
                removed.append(f"route table {table['RouteTableId']}")
        for group in ec2.describe_security_groups(Filters=where)["SecurityGroups"]:
            if group["GroupName"] != "default":
                ec2.delete_security_group(GroupId=group["GroupId"])
                removed.append(f"security group {group['GroupId']}")
        ec2.delete_vpc(VpcId=vpc)
        removed.append(f"VPC {vpc}")
    return removed

"""No policy allows every action (``*``) or every action of a service (``s3:*``), neither
written in the template nor attached as an AWS managed policy that grants it.

Deny statements may use wildcards (refusing everything non-TLS is good practice), and so may
nothing else: a wire grants named actions, chosen by intent in wires.yaml. AWS managed
policies are judged by what they grant (``admin_managed_policies`` in catalog/iam.yaml):
``AdministratorAccess``, ``PowerUserAccess``, ``IAMFullAccess`` and every full-service
administration policy, whether attached through ``ManagedPolicyArns`` or SAM ``Policies``.
"""
from __future__ import annotations

import re

from stackerynb.catalog._data import load_table
from stackerynb.compile.governance import as_list, managed_policies, statements

ID = "G001"
DESCRIPTION = "IAM statements never allow the action * or service:*, nor attach admin policies"
SOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"

_DATA = load_table("iam.yaml")
ADMIN_POLICIES: dict[str, str] = dict(_DATA["admin_managed_policies"])
ADMIN_NAMES = [re.compile(p) for p in _DATA["admin_managed_policy_names"]]


def grants(name: str) -> str | None:
    """What the AWS managed policy ``name`` grants when it is an admin policy, else None."""
    if name in ADMIN_POLICIES:
        return ADMIN_POLICIES[name]
    if any(p.search(name) for p in ADMIN_NAMES):
        return "full administration of a service (by AWS's naming of such policies)"
    return None


def check(context):
    for lid, statement in statements(context.resources):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            yield context.problem(lid, "allows every action except a few (NotAction); name the actions instead")
        broad = [a for a in as_list(statement.get("Action")) if isinstance(a, str) and (a == "*" or a.endswith(":*"))]
        if broad:
            yield context.problem(lid, f"allows {', '.join(broad)}; name the actions needed instead")
    for lid, name in managed_policies(context.resources):
        granted = grants(name)
        if granted:
            yield context.problem(lid, f"attaches the AWS managed policy {name}, which grants {granted}; "
                                  "grant the actions needed on the resources needed instead")

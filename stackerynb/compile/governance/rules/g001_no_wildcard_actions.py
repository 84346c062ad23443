"""No policy allows every action (``*``) or every action of a service (``s3:*``), neither
written in the template nor attached as an AWS managed policy that grants it.

Deny statements may use wildcards (refusing everything non-TLS is good practice), and so may
nothing else: a wire grants named actions, chosen by intent in wires.yaml. AWS managed
policies, attached through ``ManagedPolicyArns`` or SAM ``Policies``, are judged by their
documents as AWS publishes them (:mod:`stackerynb.compile.governance.aws_managed`): the same
test as a statement written in the template. Only a policy newer than that data is judged by
its name (AWS's naming of full-administration policies).
"""
from __future__ import annotations

import re

from stackerynb.catalog._data import load_table
from stackerynb.compile.governance import as_list, aws_managed, managed_policies, statements

ID = "G001"
DESCRIPTION = "IAM statements never allow the action * or service:*, nor attach admin policies"
SOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"

ADMIN_NAMES = [re.compile(p) for p in load_table("iam.yaml")["admin_managed_policy_names"]]


def grants(name: str) -> str | None:
    """What the AWS managed policy ``name`` allows too broadly, in words, or None when it names
    its actions (``AWSLambdaBasicExecutionRole``, ``ReadOnlyAccess``)."""
    document = aws_managed.documents().get(name)
    if document is not None:
        broad = aws_managed.broad_grants(document)
        return ", ".join(dict.fromkeys(broad)) if broad else None
    if any(p.search(name) for p in ADMIN_NAMES):
        return "full administration of a service (judged by AWS's naming: the policy is newer than the installed data)"
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

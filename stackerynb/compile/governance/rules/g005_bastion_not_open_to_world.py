"""In production, no bastion (nor anything else) takes SSH from the whole internet."""
from __future__ import annotations

from stackerynb.compile.governance.network import open_to_world, security_group_ids

ID = "G005"
DESCRIPTION = "No bastion open to 0.0.0.0/0 in a production environment"
SOURCE = "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-13"

SSH = 22


def check(context):
    if not context.production:
        return
    for lid, props in context.resources_of_type("AWS::EC2::Instance"):
        groups = security_group_ids(props.get("SecurityGroupIds", []) + props.get("SecurityGroups", []))
        for group, port_range in open_to_world(context, groups, port=SSH):
            yield context.problem(lid, f"takes SSH from anywhere: security group {group} is open to the world "
                                  f"on {port_range}; list your office or VPN ranges in allowed_cidrs",
                                  setting="allowed_cidrs")

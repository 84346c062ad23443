"""Databases are never publicly accessible, nor open to the internet through their security group
(judged by the union of the groups' address ranges, see ``governance.network``)."""
from __future__ import annotations

from stackerynb.compile.governance import as_list
from stackerynb.compile.governance.network import open_to_internet, security_group_ids

ID = "G003"
DESCRIPTION = "No database is publicly accessible"
SOURCE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding"

DATABASES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")


def check(context):
    for lid, props in context.resources_of_type(*DATABASES):
        if props.get("PubliclyAccessible") in (True, "true"):
            yield context.problem(lid, "is publicly accessible (PubliclyAccessible: true)")
        groups = security_group_ids(as_list(props.get("VPCSecurityGroups")) + as_list(props.get("VpcSecurityGroupIds")))
        for exposure in open_to_internet(context, groups):
            yield context.problem(lid, f"is reachable from the internet: its security group {exposure.group} "
                                  f"lets {exposure.describe()} in on {exposure.ports}")

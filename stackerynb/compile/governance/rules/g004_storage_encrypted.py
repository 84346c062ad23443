"""Stored data is encrypted at rest.

Checked: S3 buckets, RDS instances and clusters, ElastiCache replication groups, SQS queues,
SNS topics, Kinesis streams and EC2 block devices. DynamoDB tables and CloudWatch log groups are always
encrypted at rest, whatever the template says.
"""
from __future__ import annotations

ID = "G004"
DESCRIPTION = "Storage is encrypted at rest"
SOURCE = "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html"

TRUE = (True, "true", "True")
FALSE = (False, "false", "False")


def check(context):
    for lid, props in context.resources_of_type("AWS::S3::Bucket"):
        if not props.get("BucketEncryption"):
            yield context.problem(lid, "has no default encryption (BucketEncryption)")
    for lid, props in context.resources_of_type("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        if props.get("StorageEncrypted") not in TRUE and not props.get("DBClusterIdentifier"):
            yield context.problem(lid, "does not encrypt its storage (StorageEncrypted)")
    for lid, props in context.resources_of_type("AWS::ElastiCache::ReplicationGroup"):
        if props.get("AtRestEncryptionEnabled") not in TRUE:
            yield context.problem(lid, "does not encrypt data at rest (AtRestEncryptionEnabled)")
    for lid, props in context.resources_of_type("AWS::SQS::Queue"):
        if props.get("SqsManagedSseEnabled") in FALSE and not props.get("KmsMasterKeyId"):
            yield context.problem(lid, "turns server-side encryption off (SqsManagedSseEnabled: false)")
    for lid, props in context.resources_of_type("AWS::SNS::Topic"):
        if not props.get("KmsMasterKeyId"):
            yield context.problem(lid, "does not encrypt its messages (KmsMasterKeyId)")
    for lid, props in context.resources_of_type("AWS::Kinesis::Stream"):
        if not props.get("StreamEncryption"):
            yield context.problem(lid, "does not encrypt its records (StreamEncryption)")
    for lid, props in context.resources_of_type("AWS::EC2::Instance", "AWS::EC2::Volume"):
        devices = [m.get("Ebs", {}) for m in props.get("BlockDeviceMappings", [])] if "BlockDeviceMappings" in props else []
        if context.resources[lid]["Type"] == "AWS::EC2::Volume":
            devices = [props]
        if not devices or any(d.get("Encrypted") not in TRUE for d in devices):
            yield context.problem(lid, "has a volume that is not explicitly encrypted (Encrypted: true)")

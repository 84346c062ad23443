"""table -> DynamoDB table; object_store -> S3 bucket.

Tables are encrypted with KMS, on demand or provisioned with Application Auto Scaling on
reads and writes (unless ``autoscaling`` is off), and stream their changes when a function
listens. Buckets are encrypted, owner-enforced, reachable only over TLS (unless ``tls_only`` is
off), and block public access unless asked. An import switches these defaults off where the
template did not have them (importing/reconcile.py).
"""
from __future__ import annotations

from troposphere import encode_to_dict, Ref, Sub, applicationautoscaling as aas, dynamodb, s3

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import keep_data, name
from stackerynb.cfn.intrinsics import sub_text
from stackerynb.compile.refs import att, ref

STREAM_WHEN_WIRED = "NEW_AND_OLD_IMAGES"
SCALING_TARGET_UTILISATION = 70.0
# (setting prefix, scalable dimension, predefined metric)
CAPACITY = (
    ("read", "dynamodb:table:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
    ("write", "dynamodb:table:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization"),
)


def emit_table(ctx: Compilation, node) -> Parts:
    tid = node.id
    keys = [(node.get("partition_key"), node.get("partition_key_type"), "HASH")]
    if node.get("sort_key"):
        if node.get("sort_key") == node.get("partition_key"):
            ctx.problem(tid, "sort_key", "must differ from the partition key")
        keys.append((node.get("sort_key"), node.get("sort_key_type"), "RANGE"))
    props = dict(
        AttributeDefinitions=[dynamodb.AttributeDefinition(AttributeName=k, AttributeType=t) for k, t, _ in keys],
        KeySchema=[dynamodb.KeySchema(AttributeName=k, KeyType=r) for k, _, r in keys],
        SSESpecification=dynamodb.SSESpecification(SSEEnabled=True),
        PointInTimeRecoverySpecification=dynamodb.PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=node.get("point_in_time_recovery")),
    )
    provisioned = node.get("billing") == "provisioned"
    if provisioned:
        props["BillingMode"] = "PROVISIONED"
        props["ProvisionedThroughput"] = dynamodb.ProvisionedThroughput(
            ReadCapacityUnits=node.get("read_capacity_min"), WriteCapacityUnits=node.get("write_capacity_min"))
    else:
        props["BillingMode"] = "PAY_PER_REQUEST"
    view = _stream_view(ctx, node)
    if view:
        props["StreamSpecification"] = dynamodb.StreamSpecification(StreamViewType=view)
    table = ctx.add(dynamodb.Table(tid, **props), tid)
    keep_data(ctx, table)
    if provisioned and node.get("autoscaling"):
        _autoscaling(ctx, node)
    # stream_arn is only used by table -> function wires, which turn the stream on (or are
    # reported as a problem when the user turned it off)
    attributes = {"arn": att(tid, "Arn"), "name": ref(tid), "stream_arn": att(tid, "StreamArn")}
    return Parts(node, attributes=attributes, handles={"table": table})


def _stream_view(ctx: Compilation, node) -> str | None:
    setting = node.get("stream")
    listeners = ctx.wires_from(node.id, "function")
    if setting == "off":
        for wire in listeners:
            ctx.problem(node.id, "stream", f"is off, but {wire} needs the table's changes: "
                        "set stream to auto or a view type")
        return None
    if setting == "auto":
        return STREAM_WHEN_WIRED if listeners else None
    return setting


def _autoscaling(ctx: Compilation, node) -> None:
    tid = node.id
    for prefix, dimension, metric in CAPACITY:
        low, high = node.get(f"{prefix}_capacity_min"), node.get(f"{prefix}_capacity_max")
        if low > high:
            ctx.problem(tid, f"{prefix}_capacity_max", f"{high} is below {prefix}_capacity_min ({low})")
            continue
        label = prefix.capitalize()
        target = ctx.add(aas.ScalableTarget(
            f"{tid}{label}Scaling", MinCapacity=low, MaxCapacity=high, ResourceId=Sub(f"table/${{{tid}}}"),
            ScalableDimension=dimension, ServiceNamespace="dynamodb"), tid)
        ctx.add(aas.ScalingPolicy(
            f"{tid}{label}ScalingPolicy", PolicyName=name(ctx, tid, limit=256, part=f"{prefix}-scaling"),
            PolicyType="TargetTrackingScaling", ScalingTargetId=Ref(target.title),
            TargetTrackingScalingPolicyConfiguration=aas.TargetTrackingScalingPolicyConfiguration(
                TargetValue=SCALING_TARGET_UTILISATION,
                PredefinedMetricSpecification=aas.PredefinedMetricSpecification(PredefinedMetricType=metric))), tid)


MISSING = object()


def _named_in_advance(ctx: Compilation, bid: str) -> bool:
    """Whether bucket ``bid`` needs a name known before it exists: the bucket waits for what
    lets S3 notify its targets, so nothing that waits must name its ARN. A queue's policy
    does; a function's permission does unless the wire's scope drops its SourceArn (as SAM's
    own), and so does the role of a notified function that is wired back to the bucket."""
    if ctx.wires_from(bid, "queue"):
        return True
    for wire in ctx.wires_from(bid, "function"):
        scope = wire.settings.get("permission") or {}
        if "SourceArn" not in scope or scope["SourceArn"] is not None:
            return True
        if any(back.target == bid for back in ctx.wires_from(wire.target)):
            return True
    return False


def emit_object_store(ctx: Compilation, node) -> Parts:
    bid = node.id
    public_read = node.get("public_access") == "read"
    props = dict(
        BucketEncryption=s3.BucketEncryption(ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                SSEAlgorithm="AES256"))]),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, IgnorePublicAcls=True,
            BlockPublicPolicy=not public_read, RestrictPublicBuckets=not public_read),
        OwnershipControls=s3.OwnershipControls(Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
    )
    if node.get("versioning"):
        props["VersioningConfiguration"] = s3.VersioningConfiguration(Status="Enabled")
    if node.get("expire_days"):
        rule = dict(Id="expire-objects", Status="Enabled", ExpirationInDays=node.get("expire_days"))
        if node.get("versioning"):
            rule["NoncurrentVersionExpiration"] = s3.NoncurrentVersionExpiration(NoncurrentDays=node.get("expire_days"))
        props["LifecycleConfiguration"] = s3.LifecycleConfiguration(Rules=[s3.LifecycleRule(**rule)])
    if node.get("website"):
        props["WebsiteConfiguration"] = s3.WebsiteConfiguration(IndexDocument="index.html", ErrorDocument="error.html")

    own = (node.get("properties") or {}).get("BucketName", MISSING)  # the template's name wins
    if own is not MISSING and own is not None:
        text = sub_text(own)
        attributes = ({"name": text, "arn": f"arn:${{AWS::Partition}}:s3:::{text}"}
                      if isinstance(own, str) or not text.startswith("{") else {"name": ref(bid), "arn": att(bid, "Arn")})
    elif own is MISSING and _named_in_advance(ctx, bid):
        # The notification's Lambda permission (or queue policy) must exist before the bucket,
        # and names it: a name known in advance breaks that circle (a GetAtt would close it).
        prefix = name(ctx, bid, limit=63 - 13, lower=True)
        bucket_name = f"{prefix}-${{AWS::AccountId}}"
        props["BucketName"] = Sub(bucket_name)
        attributes = {"name": bucket_name, "arn": f"arn:${{AWS::Partition}}:s3:::{bucket_name}"}
    else:
        attributes = {"name": ref(bid), "arn": att(bid, "Arn")}
    attributes["objects_arn"] = attributes["arn"] + "/*"
    attributes["domain"] = att(bid, "RegionalDomainName")
    if node.get("website"):
        attributes["url"] = att(bid, "WebsiteURL")

    bucket = ctx.add(s3.Bucket(bid, **props), bid)
    keep_data(ctx, bucket)
    parts = Parts(node, attributes=attributes, handles={"bucket": bucket, "notifications": [], "queue_notifications": []})
    holder = f"{bid}Policy"
    if node.get("tls_only"):
        ctx.allow_service(bid, "bucket_policy", "*", ["s3:*"], [attributes["arn"], attributes["objects_arn"]],
                          holder=holder, purpose="refuse requests not made over TLS", effect="Deny",
                          condition={"Bool": {"aws:SecureTransport": "false"}})
    if public_read:
        ctx.allow_service(bid, "bucket_policy", "*", ["s3:GetObject"], [attributes["objects_arn"]],
                          holder=holder, purpose="public_access: read lets anyone read objects")

    def write_notifications():  # from plain data: a filter in the wire's event setting is in S3's words
        configurations = {"LambdaConfigurations": parts.handles["notifications"],
                          "QueueConfigurations": parts.handles["queue_notifications"]}
        if any(configurations.values()):
            # written as plain data: a key filter may hold intrinsics (!Sub) that troposphere's
            # own types refuse
            plain = {k: v for k, v in configurations.items() if v}
            configuration = s3.NotificationConfiguration()
            object.__setattr__(configuration, "to_dict", lambda: encode_to_dict(plain))
            bucket.NotificationConfiguration = configuration
    ctx.finalizers.append(write_notifications)
    return parts

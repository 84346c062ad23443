"""queue -> SQS (with a dead-letter queue when asked); topic -> SNS; stream -> Kinesis;
timer -> EventBridge schedule rule. Everything is encrypted at rest."""
from __future__ import annotations

import json

from troposphere import GetAtt, Ref, Sub, events, kinesis, kms, sns, sqs

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import name
from stackerynb.compile.iam import POLICY_VERSION
from stackerynb.compile.refs import att, ref

DEAD_LETTER_RETENTION = 1_209_600  # 14 days, SQS's maximum: time to look at what failed
TIMER_MAX_TARGETS = 5  # EventBridge's limit per rule
KEY_USE = ["kms:GenerateDataKey*", "kms:Decrypt"]  # what publishing to a KMS-encrypted topic needs


def emit_queue(ctx: Compilation, node) -> Parts:
    qid = node.id
    fifo = node.get("fifo")
    props = dict(VisibilityTimeout=node.get("visibility_timeout"),
                 MessageRetentionPeriod=node.get("retention_seconds"), SqsManagedSseEnabled=True)
    if fifo:  # a FIFO queue's name must end in .fifo, so it is named here
        props.update(FifoQueue=True, QueueName=name(ctx, qid, limit=80, suffix=".fifo"))
    if node.get("dead_letter"):
        dlq = dict(MessageRetentionPeriod=DEAD_LETTER_RETENTION, SqsManagedSseEnabled=True)
        if fifo:
            dlq.update(FifoQueue=True, QueueName=name(ctx, qid, limit=80, part="dlq", suffix=".fifo"))
        dead = ctx.add(sqs.Queue(f"{qid}DeadLetter", **dlq), qid)
        props["RedrivePolicy"] = sqs.RedrivePolicy(deadLetterTargetArn=GetAtt(dead.title, "Arn"),
                                                   maxReceiveCount=node.get("max_receives"))
    queue = ctx.add(sqs.Queue(qid, **props), qid)
    return Parts(node, attributes={"arn": att(qid, "Arn"), "url": ref(qid), "name": att(qid, "QueueName")},
                 handles={"queue": queue})


def emit_topic(ctx: Compilation, node) -> Parts:
    tid = node.id
    props = {}
    if node.get("fifo"):
        props.update(FifoTopic=True, TopicName=name(ctx, tid, limit=256, suffix=".fifo"))
    # EventBridge cannot publish to a topic encrypted with the AWS managed key, whose policy
    # it cannot be named in: a timer- or bus-fed topic gets a customer managed key (about 1 USD a month)
    # that lets EventBridge in; every other topic uses the AWS managed key.
    timers = ctx.wires_to(tid, "timer") + ctx.wires_to(tid, "event_bus")
    if node.get("encryption"):  # off: no key of the kit's (an import keeps the template's in properties)
        props["KmsMasterKeyId"] = Ref(_topic_key(ctx, node, timers)) if timers else "alias/aws/sns"
    topic = ctx.add(sns.Topic(tid, **props), tid)
    return Parts(node, attributes={"arn": ref(tid), "name": att(tid, "TopicName")}, handles={"topic": topic})


def _topic_key(ctx: Compilation, node, timers) -> str:
    """A customer managed KMS key for a timer-fed topic: the account administers it (as every
    key's default policy does), EventBridge rules of this account may encrypt with it, and
    roles wired to publish get data-key rights on it (a customer managed key is not open to
    them the way the AWS managed key is)."""
    tid, logical = node.id, f"{node.id}Key"
    policy = {"Version": POLICY_VERSION, "Statement": [
        {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
         "Principal": {"AWS": Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "TimersPublishEncrypted", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
         # the rules' ARNs would make a circle (rule -> topic -> key -> rule): this account's rules
         "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}}]}
    ctx.add(kms.Key(logical, Description=f"Encrypts the {tid} topic ({ctx.stack_name}, {ctx.env_name})",
                    EnableKeyRotation=True, KeyPolicy=policy), tid)

    def grant_publishers():
        for wire in ctx.wires_to(tid):
            source = ctx.parts.get(wire.source)
            if source is not None and source.role is not None:
                ctx.grant(source, KEY_USE, [att(logical, "Arn")], wire=wire,
                          purpose=f"publish to the encrypted topic {tid}")
    ctx.finalizers.append(grant_publishers)
    return logical


def emit_stream(ctx: Compilation, node) -> Parts:
    sid = node.id
    stream = ctx.add(kinesis.Stream(
        sid, ShardCount=node.get("shards"), RetentionPeriodHours=node.get("retention_hours"),
        StreamModeDetails=kinesis.StreamModeDetails(StreamMode="PROVISIONED"),
        StreamEncryption=kinesis.StreamEncryption(EncryptionType="KMS", KeyId="alias/aws/kinesis")), sid)
    return Parts(node, attributes={"arn": att(sid, "Arn"), "name": ref(sid)}, handles={"stream": stream})


def emit_timer(ctx: Compilation, node) -> Parts:
    tid = node.id
    payload = node.get("payload")
    if payload:
        try:
            json.loads(payload)
        except ValueError as exc:
            ctx.problem(tid, "payload", f"is not valid JSON ({exc})")
    rule = ctx.add(events.Rule(tid, ScheduleExpression=node.get("schedule"),
                               State="ENABLED" if node.get("enabled") else "DISABLED",
                               Description=f"{tid} schedule of {ctx.stack_name} ({ctx.env_name})"), tid)
    parts = Parts(node, attributes={"arn": att(tid, "Arn")}, handles={"rule": rule, "targets": []})

    def write_targets():
        targets = parts.handles["targets"]
        if len(targets) > TIMER_MAX_TARGETS:
            ctx.problem(tid, None, f"is wired to {len(targets)} targets; an EventBridge rule takes at "
                        f"most {TIMER_MAX_TARGETS}: add a second timer")
        if targets:
            rule.Targets = targets
    ctx.finalizers.append(write_targets)
    return parts

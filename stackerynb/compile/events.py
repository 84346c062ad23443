"""Event emitters: how a wire's ``event`` (wires.yaml) becomes resources.

Each takes ``(ctx, wire, source, target)`` (the two ends' Parts) and returns an
:class:`Invocation` when an AWS service will call into the target (the wire's
``resource_policy`` then lets exactly that service, from exactly that source, in), or None.

A wire's ``event`` setting (CloudFormation properties: BatchSize, StartingPosition,
FilterCriteria, FilterPolicy, Input, Filter...) is written over what the emitter generates for
that wire: the event source mapping, the subscription, the rule target or the bucket's
notification (``Events`` there lists the notification's events, one configuration each).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from troposphere import GetAtt, Ref, awslambda, ecs, elasticloadbalancingv2 as elb, events, s3, sns

from stackerynb.compile import event_targets
from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.api import entry_text, invoke_source, route_entries, route_path
from stackerynb.compile.emitters.common import name
from stackerynb.compile.raw import RawObject
from stackerynb.compile.refs import arn, text_value, value
from stackerynb.model.elements import Wire

# Largest batch SQS hands a function without a batching window; FIFO queues stop here.
SQS_UNWINDOWED_BATCH = 10
TABLE_STREAM_BATCH = 100


@dataclass
class Invocation:
    """An AWS ``service`` calling into a wire's target on behalf of ``source_arn`` (Sub text).

    ``dependents`` are resources that AWS validates against the permission at creation, so
    they must wait for it; ``source_account`` adds the account condition when the source ARN
    does not carry one (S3 bucket ARNs); ``more_sources`` are further source ARNs the same
    service calls from (an API's further routes to one function).
    """

    service: str
    source_arn: str
    source_account: bool = False
    dependents: list = field(default_factory=list)
    more_sources: list = field(default_factory=list)  # further sources, each a permission of its own


def event_settings(wire: Wire) -> dict:
    """The wire's ``event`` setting (CloudFormation properties), empty when unset."""
    return dict(wire.settings.get("event") or {})


def _add_with_event(ctx: Compilation, resource, owner: str, wire: Wire):
    """Add ``resource``, the wire's ``event`` properties written over its own."""
    ctx.add(resource, owner)
    event = event_settings(wire)
    if event:
        body = resource.to_dict()
        body["Properties"] = {**(body.get("Properties") or {}), **event}
        ctx.resources[resource.title] = RawObject(resource.title, body)
    return ctx.resources[resource.title]


def _verbatim(prop, body: dict):
    """``prop`` (a troposphere property object, so lists of its type accept it) written as
    ``body``: settings may hold intrinsics troposphere's own types would refuse."""
    object.__setattr__(prop, "to_dict", lambda: dict(body))
    return prop


def api_route(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> Invocation:
    entries = route_entries(route_path(ctx, source.node, target.node.id))
    for method, route in entries:
        source.handles["routes"].append((target.node.id, entry_text(method, route)))
    # any stage; exactly the method and paths each route answers (ANY: any method)
    sources = [invoke_source(source.node.id, method, route) for method, route in entries]
    return Invocation("apigateway.amazonaws.com", sources[0], more_sources=sources[1:])


def schedule_target(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> Invocation:
    props = dict(Id=target.node.id, Arn=value(target.attribute("arn")))
    payload = source.node.get("payload")
    if payload:
        props["Input"] = text_value(payload)
    if target.node.kind == "queue" and target.node.get("fifo"):
        props["SqsParameters"] = events.SqsParameters(MessageGroupId=source.node.id)
    rule_target = events.Target(**props)
    extra = event_settings(wire)
    if extra:
        rule_target = _verbatim(rule_target, {**rule_target.to_dict(), **extra})
    source.handles["targets"].append(rule_target)
    return Invocation("events.amazonaws.com", source.attribute("arn"))


def event_source_mapping(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> None:
    kind = source.node.kind
    props = dict(FunctionName=Ref(target.node.id), Enabled=True)
    if kind == "queue":
        batch = source.node.get("batch_size")
        props.update(EventSourceArn=value(source.attribute("arn")), BatchSize=batch)
        if batch > SQS_UNWINDOWED_BATCH:
            if source.node.get("fifo"):
                ctx.problem(source.node.id, "batch_size", f"{batch} is above {SQS_UNWINDOWED_BATCH}, "
                            "the most a FIFO queue hands a function at once")
            props["MaximumBatchingWindowInSeconds"] = 1
        timeout = target.node.get("timeout")
        if source.node.get("visibility_timeout") < timeout:
            ctx.problem(source.node.id, "visibility_timeout", f"{source.node.get('visibility_timeout')} s is "
                        f"shorter than {target.node.id}'s timeout ({timeout} s): messages would reappear while "
                        f"still being processed, and Lambda refuses the mapping; use at least {timeout}")
    elif kind == "table":
        props.update(EventSourceArn=value(source.attribute("stream_arn")), StartingPosition="LATEST",
                     BatchSize=TABLE_STREAM_BATCH)
    else:  # stream
        props.update(EventSourceArn=value(source.attribute("arn")), BatchSize=source.node.get("batch_size"),
                     StartingPosition=source.node.get("starting_position"))
    _add_with_event(ctx, awslambda.EventSourceMapping(f"{wire.source}To{wire.target}Mapping", **props),
                    wire.source, wire)
    return None


def subscription(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> Invocation:
    topic = source.node
    props = dict(TopicArn=Ref(topic.id), Endpoint=value(target.attribute("arn")))
    if target.node.kind == "queue":
        if topic.get("fifo") != target.node.get("fifo"):
            ctx.problem(topic.id, "fifo", f"{wire}: a {'FIFO' if topic.get('fifo') else 'standard'} topic "
                        f"delivers only to {'FIFO' if topic.get('fifo') else 'standard'} queues; "
                        f"make {topic.id} and {target.node.id} agree on fifo")
        props.update(Protocol="sqs", RawMessageDelivery=topic.get("raw_delivery"))
    else:
        if topic.get("fifo"):
            ctx.problem(topic.id, "fifo", f"{wire}: a FIFO topic delivers only to FIFO queues, "
                        "not to functions; put a FIFO queue between them")
        props["Protocol"] = "lambda"
    _add_with_event(ctx, sns.SubscriptionResource(f"{wire.source}To{wire.target}Subscription", **props),
                    wire.source, wire)
    return Invocation("sns.amazonaws.com", source.attribute("arn"))


def bucket_notification(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> Invocation:
    # the wire's event setting names the events (SAM's Events list, or one Event) and a key
    # filter, in S3's words
    event = event_settings(wire)
    names = event.pop("Events", None) or event.pop("Event", None) or ["s3:ObjectCreated:*"]
    unknown = sorted(set(event) - {"Filter"})
    if unknown:
        ctx.problem(wire.source, "event", f"wire {wire.source} -> {wire.target}: {', '.join(unknown)} is not "
                    "an S3 notification setting (Events, Event, Filter)")
    bucket = source.handles["bucket"]
    configs = [{"Event": name, **({"Filter": event["Filter"]} if "Filter" in event else {})}
               for name in (names if isinstance(names, list) else [names])]
    if target.node.kind == "queue":
        # S3 checks it may send when the notification is set: the queue policy comes first
        source.handles["queue_notifications"].extend({**c, "Queue": GetAtt(target.node.id, "Arn")} for c in configs)
        waits = getattr(bucket, "DependsOn", [])
        bucket.DependsOn = ([waits] if isinstance(waits, str) else list(waits)) + [f"{target.node.id}Policy"]
        return Invocation("s3.amazonaws.com", source.attribute("arn"), source_account=True)
    source.handles["notifications"].extend({**c, "Function": GetAtt(target.node.id, "Arn")} for c in configs)
    return Invocation("s3.amazonaws.com", source.attribute("arn"), source_account=True, dependents=[bucket])


def load_balancer_target(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> Invocation | None:
    lid, tid = source.node.id, target.node.id
    logical = f"{lid}{tid}Targets"
    health = source.node.get("health_check_path")
    if target.node.kind == "function":
        # named in advance: the permission must name the group before the group exists
        group_name = name(ctx, lid, limit=32, part=tid)
        group = ctx.add(elb.TargetGroup(logical, Name=group_name, TargetType="lambda",
                                        Targets=[elb.TargetDescription(Id=GetAtt(tid, "Arn"))]), lid)
        source.handles["targets"].append((tid, logical))
        return Invocation("elasticloadbalancing.amazonaws.com",
                          arn("elasticloadbalancing", f"targetgroup/{group_name}/*"), dependents=[group])
    network = ctx.parts[source.node.network]
    ctx.add(elb.TargetGroup(
        logical, TargetType="ip", Protocol="HTTP", Port=target.port, VpcId=Ref(network.handles["vpc"]),
        HealthCheckPath=text_value(health), Matcher=elb.Matcher(HttpCode="200-399"),
        TargetGroupAttributes=[elb.TargetGroupAttribute(Key="deregistration_delay.timeout_seconds", Value="30")]), lid)
    target.handles["load_balancers"].append(ecs.LoadBalancer(
        ContainerName="app", ContainerPort=target.port, TargetGroupArn=Ref(logical)))
    source.handles["targets"].append((tid, logical))
    return None


def cdn_origin(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> Invocation:
    source.handles["origin"] = target
    return Invocation("cloudfront.amazonaws.com", source.attribute("arn"))


def runs_on(ctx: Compilation, wire: Wire, source: Parts, target: Parts) -> None:
    source.handles["service"].Cluster = Ref(target.node.id)
    return None


EVENTS = {
    "api_route": api_route,
    "schedule_target": schedule_target,
    "event_source_mapping": event_source_mapping,
    "subscription": subscription,
    "bucket_notification": bucket_notification,
    "load_balancer_target": load_balancer_target,
    "cdn_origin": cdn_origin,
    "runs_on": runs_on,
}
EVENTS.update(event_targets.EVENTS)  # EventBridge rules of event buses

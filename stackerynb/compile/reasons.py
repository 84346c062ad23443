"""Why each compiled resource exists: one sentence per CloudFormation type a node compiles to.

``resource_rows`` makes the rows of ``CompileResult.reasons()``: node, kind, resource, type and
why. The node's kind is named when the same type serves several purposes (a Lambda permission
lets an API, a rule or a bucket in). A type missing here reads "part of <kind> <node>", and a
test checks every type the examples and kinds compile to has a sentence.
"""
from __future__ import annotations

REASONS = {
    "AWS::Lambda::Function": "the function itself",
    "AWS::IAM::Role": "the node's own least-privilege role: wires add only the statements they need",
    "AWS::Logs::LogGroup": "the node's logs with the retention its settings ask for (a group Lambda or ECS "
                           "made on their own would keep logs forever) and a log ARN the role's write "
                           "permission is scoped to",
    "AWS::Lambda::Permission": "lets exactly one caller (the service and source ARN of a wire) invoke the function",
    "AWS::Lambda::EventSourceMapping": "Lambda polls the wired queue, stream or table stream and invokes the function",
    "AWS::ApiGateway::RestApi": "the API itself, with its routes, CORS preflights and authorizer in one OpenAPI "
                                "body (no resource per path segment or method)",
    "AWS::ApiGateway::Deployment": "a snapshot of the API's body; its id hashes the body, so a route change redeploys",
    "AWS::ApiGateway::Stage": "the stage the invoke URL names",
    "AWS::DynamoDB::Table": "the table itself",
    "AWS::ApplicationAutoScaling::ScalableTarget": "provisioned capacity scales between its settings' bounds",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "scales provisioned capacity with the load",
    "AWS::SQS::Queue": "the queue itself (or its dead-letter queue)",
    "AWS::SQS::QueuePolicy": "lets the wired services send to the queue, from their own source only",
    "AWS::SNS::Topic": "the topic itself",
    "AWS::SNS::TopicPolicy": "lets the wired services publish, from their own source only",
    "AWS::SNS::Subscription": "delivers the topic's messages to a wired target",
    "AWS::S3::Bucket": "the bucket itself",
    "AWS::S3::BucketPolicy": "lets the wired services in and refuses unencrypted transport",
    "AWS::Events::Rule": "the schedule or event pattern that triggers the wired targets",
    "AWS::Kinesis::Stream": "the stream itself",
    "AWS::KMS::Key": "a key of the node's own, so only the wired services can decrypt",
    "AWS::SecretsManager::Secret": "a generated credential, never written into the template",
    "AWS::SecretsManager::SecretTargetAttachment": "ties the generated credential to its database for rotation",
    "AWS::SSM::Parameter": "the configuration value wired readers fetch at run time",
    "AWS::EC2::VPC": "the virtual network itself",
    "AWS::EC2::Subnet": "one subnet of a tier (public or private) in one availability zone",
    "AWS::EC2::RouteTable": "routes of a subnet tier",
    "AWS::EC2::Route": "the way out of a subnet tier (internet or NAT gateway)",
    "AWS::EC2::SubnetRouteTableAssociation": "puts a subnet in its tier's routes",
    "AWS::EC2::InternetGateway": "public subnets reach the internet",
    "AWS::EC2::VPCGatewayAttachment": "attaches the internet gateway to the network",
    "AWS::EC2::NatGateway": "private subnets reach the internet outbound only",
    "AWS::EC2::EIP": "the NAT gateway's public address",
    "AWS::EC2::VPCEndpoint": "S3 and DynamoDB reached from private subnets without a NAT gateway",
    "AWS::EC2::SecurityGroup": "the node's own firewall: wires open one port from one group each",
    "AWS::EC2::SecurityGroupIngress": "a wire opens the target's port to the source's security group",
    "AWS::EC2::Instance": "the instance itself",
    "AWS::IAM::InstanceProfile": "hands the instance its role",
    "AWS::IAM::Policy": "statements wires grant to a role made elsewhere",
    "AWS::RDS::DBInstance": "the database itself",
    "AWS::RDS::DBSubnetGroup": "the private subnets the database may sit in",
    "AWS::ElastiCache::ReplicationGroup": "the cache cluster itself",
    "AWS::ElastiCache::SubnetGroup": "the private subnets the cache may sit in",
    "AWS::ECS::Cluster": "the cluster the service runs in",
    "AWS::ECS::TaskDefinition": "the container, its size and its environment",
    "AWS::ECS::Service": "keeps the containers running behind the load balancer",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "the load balancer itself",
    "AWS::ElasticLoadBalancingV2::Listener": "a port the load balancer answers on",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "sends a path to its target",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "the targets one listener rule sends to",
    "AWS::CloudFront::Distribution": "the CDN itself",
    "AWS::CloudFront::OriginAccessControl": "lets only the CDN read the bucket",
}


def resource_rows(data: dict, owners: dict[str, str], stack) -> list[dict]:
    """One row per resource of the compiled ``data``: node, kind, resource, type, why."""
    kinds = {n.id: n.kind for n in stack.nodes}
    rows = []
    for lid, body in (data.get("Resources") or {}).items():
        node = owners.get(lid)
        kind = kinds.get(node, "raw")
        rtype = body.get("Type", "")
        why = REASONS.get(rtype) if kind != "raw" else "kept as written in the stack's raw section"
        rows.append({"node": node, "kind": kind, "resource": lid, "type": rtype,
                     "why": why or f"part of {kind} {node}"})
    return rows

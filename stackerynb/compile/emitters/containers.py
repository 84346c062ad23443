"""docker_cluster -> ECS cluster; docker_service -> Fargate task definition and service in
the network's private subnets, with a task role (what wires grant) separate from the
execution role (what ECS needs to pull the image and write logs)."""
from __future__ import annotations

import re

from troposphere import GetAtt, Ref, ecs, logs

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import group_id, private_subnets, security_group
from stackerynb.compile.emitters.function import ENV_NAME
from stackerynb.compile.iam import grant_baseline, new_role
from stackerynb.compile.overrides import setting_text
from stackerynb.compile.refs import att, literal, ref, text_value, value

CONTAINER = "app"
LOG_RETENTION_DAYS = 30
# Fargate CPU units -> the memory sizes (MB) it accepts
FARGATE_MEMORY = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
}
PRIVATE_ECR = re.compile(r"(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)")
# ECR's own rule for repository names: no wildcards, so a pull is granted on one repository
ECR_REPOSITORY = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")


def emit_cluster(ctx: Compilation, node) -> Parts:
    cid = node.id
    cluster = ctx.add(ecs.Cluster(cid, ClusterSettings=[ecs.ClusterSetting(
        Name="containerInsights", Value="enabled" if node.get("container_insights") else "disabled")]), cid)
    return Parts(node, attributes={"arn": att(cid, "Arn"), "name": ref(cid)}, handles={"cluster": cluster})


def emit_service(ctx: Compilation, node) -> Parts:
    sid = node.id
    cpu, memory = int(node.get("cpu")), node.get("memory")
    if memory not in FARGATE_MEMORY[cpu]:
        allowed = FARGATE_MEMORY[cpu]
        ctx.problem(sid, "memory", f"{memory} MB does not fit {cpu} CPU units on Fargate; choose one of "
                    f"{', '.join(map(str, allowed)) if len(allowed) < 6 else f'{allowed[0]}..{allowed[-1]} in steps of 1024'}")
    if ctx.nodes[node.network].get("nat") == "none":
        ctx.problem(sid, "network", f"{node.network} has no NAT gateway (nat: none), so {sid}'s tasks "
                    f"cannot pull {node.get('image')}: set {node.network}.nat to single")
    parts = Parts(node, attributes={"arn": ref(sid), "name": att(sid, "Name")}, role=f"{sid}TaskRole", env={},
                  port=node.get("port"))
    log_group = ctx.add(logs.LogGroup(f"{sid}LogGroup", LogGroupName=f"/ecs/{ctx.stack_name}-{ctx.env_name}-{sid}",
                                      RetentionInDays=LOG_RETENTION_DAYS), sid)
    execution = Parts(node, role=f"{sid}ExecutionRole")
    new_role(ctx, sid, execution.role, "docker_execution")
    grant_baseline(ctx, execution, "container_logs", log_group_arn=att(log_group.title, "Arn"))
    ecr = PRIVATE_ECR.match(node.get("image"))
    if ecr and not ECR_REPOSITORY.fullmatch(ecr.group(3)):
        ctx.problem(sid, "image", f"{ecr.group(3)!r} in {node.get('image')!r} is not an ECR repository name "
                    "(lower-case letters, digits and . _ - / separators, no wildcards)")
    elif ecr:
        account, region, repository = ecr.groups()
        grant_baseline(ctx, execution, "container_image_pull",
                       repository_arn=f"arn:${{AWS::Partition}}:ecr:{region}:{account}:repository/{literal(repository)}")
    new_role(ctx, sid, parts.role, "docker_task")

    container = ecs.ContainerDefinition(
        Name=CONTAINER, Image=text_value(node.get("image")), Essential=True,
        PortMappings=[ecs.PortMapping(ContainerPort=node.get("port"), Protocol="tcp")],
        LogConfiguration=ecs.LogConfiguration(LogDriver="awslogs", Options={
            "awslogs-group": Ref(log_group.title), "awslogs-region": Ref("AWS::Region"),
            "awslogs-stream-prefix": CONTAINER}))
    task = ctx.add(ecs.TaskDefinition(
        f"{sid}TaskDefinition", Cpu=str(cpu), Memory=str(memory), NetworkMode="awsvpc",
        RequiresCompatibilities=["FARGATE"], ExecutionRoleArn=GetAtt(execution.role, "Arn"),
        TaskRoleArn=GetAtt(parts.role, "Arn"), ContainerDefinitions=[container]), sid)
    parts.security_group = security_group(ctx, node, f"{sid} service tasks")
    service = ctx.add(ecs.Service(
        sid, LaunchType="FARGATE", DesiredCount=node.get("desired_count"), TaskDefinition=Ref(task.title),
        NetworkConfiguration=ecs.NetworkConfiguration(AwsvpcConfiguration=ecs.AwsvpcConfiguration(
            AssignPublicIp="DISABLED", Subnets=private_subnets(ctx, node),
            SecurityGroups=[group_id(parts.security_group)])),
        DeploymentConfiguration=ecs.DeploymentConfiguration(
            DeploymentCircuitBreaker=ecs.DeploymentCircuitBreaker(Enable=True, Rollback=True),
            MaximumPercent=200, MinimumHealthyPercent=100)), sid)
    parts.handles.update(service=service, container=container, load_balancers=[])

    for key, raw in node.get("environment").items():
        if not ENV_NAME.fullmatch(key):
            ctx.problem(sid, "environment", f"variable name {key!r} must start with a letter and hold "
                        "at least two letters, digits or underscores")
            continue
        parts.env[key] = setting_text(ctx, sid, "environment", raw)

    def finish():
        if parts.env:
            container.Environment = [ecs.Environment(Name=k, Value=value(v)) for k, v in parts.env.items()]
        if parts.handles["load_balancers"]:
            service.LoadBalancers = parts.handles["load_balancers"]
            service.HealthCheckGracePeriodSeconds = 60
    ctx.finalizers.append(finish)
    return parts

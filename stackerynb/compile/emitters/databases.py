"""database -> RDS instance; cache_cluster -> ElastiCache replication group.

Both sit in their network's private subnets behind a security group with no ingress until a
wire opens their port to a source's security group. The database's master credentials are
generated in Secrets Manager and reach RDS as dynamic references, never as template text; so
is the cache's AUTH token (in-transit encryption is required, so the token never crosses the
network in clear).
"""
from __future__ import annotations

from troposphere import Ref, Sub, elasticache, rds, secretsmanager

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import group_id, keep_data, private_subnets, security_group
from stackerynb.compile.refs import att, ref

# engine -> port and the version used when the user did not choose one: a
# full version that RDS still offers for new instances (cfn-lint W3691 tracks deprecations).
DATABASE_ENGINES = {
    "postgres": {"port": 5432, "version": "16.10"},
    "mysql": {"port": 3306, "version": "8.4.7"},
    "mariadb": {"port": 3306, "version": "11.4.8"},
}
CACHE_ENGINES = {"redis": "7.1", "valkey": "8.0"}
MASTER_USER = "dbadmin"
AUTH_TOKEN_LENGTH = 64  # Redis AUTH takes 16-128 printable characters
# characters RDS refuses in master passwords, plus quotes that trip shells and URLs
PASSWORD_EXCLUDES = "\"'@/\\ "


def emit_database(ctx: Compilation, node) -> Parts:
    did = node.id
    engine = node.get("engine")
    spec = DATABASE_ENGINES[engine]
    version = node.get("engine_version") or spec["version"]
    secret = ctx.add(secretsmanager.Secret(
        f"{did}Secret", Description=f"Master credentials of the {did} database ({ctx.stack_name}, {ctx.env_name})",
        GenerateSecretString=secretsmanager.GenerateSecretString(
            SecretStringTemplate='{"username": "%s"}' % MASTER_USER, GenerateStringKey="password",
            PasswordLength=32, ExcludeCharacters=PASSWORD_EXCLUDES)), did)
    subnets = ctx.add(rds.DBSubnetGroup(f"{did}SubnetGroup", DBSubnetGroupDescription=f"Private subnets of {did}",
                                        SubnetIds=private_subnets(ctx, node)), did)
    group = security_group(ctx, node, f"{did} database: only wired sources reach its port")
    resolve = "{{resolve:secretsmanager:${%s}:SecretString:%s}}"
    instance = ctx.add(rds.DBInstance(
        did, Engine=engine, EngineVersion=version, DBInstanceClass=node.get("instance_class"),
        AllocatedStorage=str(node.get("storage_gb")), StorageType="gp3", StorageEncrypted=True,
        MultiAZ=node.get("multi_az"), DBName=node.get("database_name"), Port=str(spec["port"]),
        MasterUsername=Sub(resolve % (secret.title, "username")),
        MasterUserPassword=Sub(resolve % (secret.title, "password")),
        DBSubnetGroupName=Ref(subnets.title), VPCSecurityGroups=[group_id(group)], PubliclyAccessible=False,
        BackupRetentionPeriod=node.get("backup_retention_days"), CopyTagsToSnapshot=True,
        AutoMinorVersionUpgrade=True, DeletionProtection=ctx.production), did)
    keep_data(ctx, instance, snapshot=True)
    # lets the secret carry host and port too, as rotation functions expect
    ctx.add(secretsmanager.SecretTargetAttachment(
        f"{did}SecretAttachment", SecretId=Ref(secret.title), TargetId=Ref(did),
        TargetType="AWS::RDS::DBInstance"), did)
    return Parts(node, attributes={
        "host": att(did, "Endpoint.Address"), "port": att(did, "Endpoint.Port"),
        "database_name": node.get("database_name"), "secret_arn": ref(secret.title)},
        security_group=group, port=spec["port"], handles={"instance": instance})


def emit_cache(ctx: Compilation, node) -> Parts:
    kid = node.id
    replicas = node.get("replicas")
    subnets = ctx.add(elasticache.SubnetGroup(f"{kid}SubnetGroup", Description=f"Private subnets of {kid}",
                                              SubnetIds=private_subnets(ctx, node)), kid)
    group = security_group(ctx, node, f"{kid} cache: only wired sources reach its port")
    # Redis AUTH: clients need the token (from the secret) as well as the network path
    token = ctx.add(secretsmanager.Secret(
        f"{kid}AuthToken", Description=f"AUTH token of the {kid} cache ({ctx.stack_name}, {ctx.env_name})",
        GenerateSecretString=secretsmanager.GenerateSecretString(
            PasswordLength=AUTH_TOKEN_LENGTH, ExcludePunctuation=True)), kid)
    cluster = ctx.add(elasticache.ReplicationGroup(
        kid, ReplicationGroupDescription=f"{kid} of {ctx.stack_name} ({ctx.env_name})",
        Engine=node.get("engine"), EngineVersion=CACHE_ENGINES[node.get("engine")],
        CacheNodeType=node.get("node_type"), NumCacheClusters=1 + replicas,
        AutomaticFailoverEnabled=replicas > 0, MultiAZEnabled=replicas > 0, Port=node.get("port"),
        AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True, TransitEncryptionMode="required",
        AuthToken=Sub("{{resolve:secretsmanager:${%s}:SecretString}}" % token.title),
        CacheSubnetGroupName=Ref(subnets.title), SecurityGroupIds=[group_id(group)]), kid)
    return Parts(node, attributes={"host": att(kid, "PrimaryEndPoint.Address"), "port": str(node.get("port")),
                                   "secret_arn": ref(token.title)},
                 security_group=group, port=node.get("port"), handles={"cluster": cluster})

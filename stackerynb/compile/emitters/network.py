"""virtual_network -> VPC with public and private subnets per availability zone, internet
gateway, NAT, route tables and free gateway endpoints for S3 and DynamoDB;
bastion -> EC2 jump host in a public subnet with its users' SSH keys.
"""
from __future__ import annotations

import ipaddress
import math
import re

from troposphere import Base64, GetAtt, GetAZs, Parameter, Ref, Select, Sub, ec2, iam

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import group_id, public_subnets, security_group
from stackerynb.compile.iam import new_role
from stackerynb.compile.refs import att, literal, ref, value

SMALLEST_SUBNET = 28  # AWS refuses subnets smaller than /28
GATEWAY_ENDPOINTS = ("s3", "dynamodb")  # free, and keep that traffic off the NAT
SSH_PORT = 22
USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
RESERVED_USERS = frozenset({"root", "ec2-user", "bin", "daemon", "adm", "nobody", "sshd"})
SSH_KEY = re.compile(r"(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|"
                     r"sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [\w.@+-]+)*")
ROOT_VOLUME_GB = 10  # Amazon Linux 2023's image is 8 GB; named, since emulators need a size
# AMI per processor architecture: Amazon Linux 2023 from the public SSM parameters.
IMAGES = {
    "x86_64": ("AmazonLinuxX86Image", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"),
    "arm64": ("AmazonLinuxArmImage", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"),
}


def emit_network(ctx: Compilation, node) -> Parts:
    nid = node.id
    azs = node.get("availability_zones")
    subnets = _subnet_ranges(ctx, node, 2 * azs)
    ctx.add(ec2.VPC(nid, CidrBlock=node.get("cidr"), EnableDnsSupport=True, EnableDnsHostnames=True), nid)
    ctx.add(ec2.InternetGateway(f"{nid}InternetGateway"), nid)
    attachment = ctx.add(ec2.VPCGatewayAttachment(f"{nid}GatewayAttachment", VpcId=Ref(nid),
                                                  InternetGatewayId=Ref(f"{nid}InternetGateway")), nid)
    ctx.add(ec2.RouteTable(f"{nid}PublicRouteTable", VpcId=Ref(nid)), nid)
    ctx.add(ec2.Route(f"{nid}PublicRoute", RouteTableId=Ref(f"{nid}PublicRouteTable"),
                      DestinationCidrBlock="0.0.0.0/0", GatewayId=Ref(f"{nid}InternetGateway"),
                      DependsOn=attachment.title), nid)
    public, private, private_tables = [], [], []
    for i in range(1, azs + 1):
        zone = Select(i - 1, GetAZs(""))
        for tier, cidr, into in (("Public", subnets[2 * i - 2], public), ("Private", subnets[2 * i - 1], private)):
            subnet = ctx.add(ec2.Subnet(f"{nid}{tier}Subnet{i}", VpcId=Ref(nid), CidrBlock=str(cidr),
                                        AvailabilityZone=zone, MapPublicIpOnLaunch=tier == "Public"), nid)
            into.append(subnet.title)
        ctx.add(ec2.SubnetRouteTableAssociation(f"{nid}PublicSubnet{i}RouteTableAssociation",
                                                SubnetId=Ref(public[-1]), RouteTableId=Ref(f"{nid}PublicRouteTable")), nid)
        table = ctx.add(ec2.RouteTable(f"{nid}PrivateRouteTable{i}", VpcId=Ref(nid)), nid)
        private_tables.append(table.title)
        ctx.add(ec2.SubnetRouteTableAssociation(f"{nid}PrivateSubnet{i}RouteTableAssociation",
                                                SubnetId=Ref(private[-1]), RouteTableId=Ref(table.title)), nid)
    nat = node.get("nat")
    if nat != "none":
        gateways = []
        for i in range(1, (azs if nat == "per_az" else 1) + 1):
            address = ctx.add(ec2.EIP(f"{nid}NatAddress{i}", Domain="vpc", DependsOn=attachment.title), nid)
            gateways.append(ctx.add(ec2.NatGateway(f"{nid}NatGateway{i}", SubnetId=Ref(public[i - 1]),
                                                   AllocationId=GetAtt(address.title, "AllocationId")), nid))
        for i, table in enumerate(private_tables):
            ctx.add(ec2.Route(f"{nid}PrivateRoute{i + 1}", RouteTableId=Ref(table), DestinationCidrBlock="0.0.0.0/0",
                              NatGatewayId=Ref(gateways[i % len(gateways)].title)), nid)
    for service in GATEWAY_ENDPOINTS:
        ctx.add(ec2.VPCEndpoint(f"{nid}{service.capitalize()}Endpoint", VpcId=Ref(nid), VpcEndpointType="Gateway",
                                ServiceName=Sub(f"com.amazonaws.${{AWS::Region}}.{service}"),
                                RouteTableIds=[Ref(t) for t in private_tables]), nid)
    return Parts(node, attributes={"vpc": ref(nid), "cidr": node.get("cidr")},
                 handles={"vpc": nid, "public_subnets": public, "private_subnets": private})


def _subnet_ranges(ctx: Compilation, node, count: int) -> list:
    """``count`` equal subnets covering the start of the network's range."""
    try:
        network = ipaddress.ip_network(node.get("cidr"), strict=True)
    except ValueError as exc:
        ctx.problem(node.id, "cidr", f"{node.get('cidr')} is not a network address ({exc})")
        network = ipaddress.ip_network(node.get("cidr"), strict=False)
    prefix = network.prefixlen + math.ceil(math.log2(count))
    if prefix > SMALLEST_SUBNET:
        ctx.problem(node.id, "cidr", f"{network} is too small for {count} subnets of at least "
                    f"/{SMALLEST_SUBNET}: use a larger range or fewer availability zones")
        prefix = SMALLEST_SUBNET
        network = ipaddress.ip_network("10.0.0.0/16")
    return list(network.subnets(new_prefix=prefix))[:count]


def emit_bastion(ctx: Compilation, node) -> Parts:
    jid = node.id
    ingress = []
    for cidr in node.get("allowed_cidrs"):
        try:
            net = ipaddress.ip_network(cidr, strict=True)
        except ValueError as exc:
            ctx.problem(jid, "allowed_cidrs", f"{cidr!r} is not an address range like 203.0.113.0/24 ({exc})")
            continue
        field = "CidrIp" if net.version == 4 else "CidrIpv6"
        ingress.append(ec2.SecurityGroupRule(IpProtocol="tcp", FromPort=SSH_PORT, ToPort=SSH_PORT,
                                             Description=f"SSH from {cidr}", **{field: str(net)}))
    users = {}
    for user, key in node.get("users").items():
        if not USER_NAME.fullmatch(user) or user in RESERVED_USERS:
            ctx.problem(jid, "users", f"user name {user!r} must be a lower-case Linux login name "
                        "(not root or a system account)")
        elif not isinstance(key, str) or not SSH_KEY.fullmatch(key.strip()):
            ctx.problem(jid, "users", f"the key for {user!r} is not an OpenSSH public key "
                        "(ssh-ed25519 AAAA... comment)")
        else:
            users[user] = key.strip()  # checked: safe inside single quotes in the boot script
    group = security_group(ctx, node, f"SSH into {jid} from the allowed addresses only", ingress)
    parts = Parts(node, attributes={"public_ip": att(jid, "PublicIp"), "public_dns": att(jid, "PublicDnsName")},
                  role=f"{jid}Role", security_group=group)
    new_role(ctx, jid, parts.role, "bastion")
    profile = ctx.add(iam.InstanceProfile(f"{jid}InstanceProfile", Roles=[Ref(parts.role)]), jid)
    architecture = "arm64" if node.get("instance_type").startswith("t4g") else "x86_64"
    image_param, image_path = IMAGES[architecture]
    ctx.parameter(Parameter(image_param, Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                                    Default=image_path, Description=f"Amazon Linux 2023 ({architecture}) for bastions"))
    instance = ctx.add(ec2.Instance(
        jid, InstanceType=node.get("instance_type"), ImageId=Ref(image_param),
        SubnetId=public_subnets(ctx, node)[0], SecurityGroupIds=[group_id(group)],
        IamInstanceProfile=Ref(profile.title),
        MetadataOptions=ec2.MetadataOptions(HttpTokens="required", HttpEndpoint="enabled"),
        BlockDeviceMappings=[ec2.BlockDeviceMapping(DeviceName="/dev/xvda", Ebs=ec2.EbsBlockDevice(
            Encrypted=True, VolumeType="gp3", VolumeSize=ROOT_VOLUME_GB, DeleteOnTermination=True))]), jid)
    ctx.output(f"{jid}Address", parts.attributes["public_dns"], f"Public DNS name of the bastion {jid}")

    def write_user_data():
        paths = [ctx.parts[w.target].attribute("parameter_path") for w in ctx.wires_from(jid, "config_store")]
        instance.UserData = Base64(value(_user_data(users, paths)))
    ctx.finalizers.append(write_user_data)
    return parts


def _user_data(users: dict[str, str], config_paths: list[str]) -> str:
    """Boot script (Sub text) creating each user with their key, from settings and config stores."""
    lines = [
        "#!/bin/bash",
        "set -euo pipefail",
        "add_user() {  # login, public key",
        '  id "$1" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$1"',
        '  install -d -m 700 -o "$1" -g "$1" "/home/$1/.ssh"',
        '  printf \'%s\\n\' "$2" >> "/home/$1/.ssh/authorized_keys"',
        '  chown "$1:$1" "/home/$1/.ssh/authorized_keys" && chmod 600 "/home/$1/.ssh/authorized_keys"',
        "}",
    ]
    lines += [f"add_user '{user}' '{key}'" for user, key in sorted(users.items())]
    script = literal("\n".join(lines) + "\n")
    for path in config_paths:
        script += ("# users from the config store under " + literal(path) + ": parameter name -> public key\n"
                   "aws ssm get-parameters-by-path --region ${AWS::Region} --path '" + literal(path) + "' "
                   "--query 'Parameters[].[Name,Value]' --output text |\n"
                   + literal('while read -r name key; do add_user "${name##*/}" "$key"; done') + "\n")
    return script

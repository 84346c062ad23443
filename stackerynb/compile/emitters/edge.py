"""cdn -> CloudFront distribution with origin access control (and an ACM certificate for a
custom domain); load_balancer -> internet-facing ALB in public subnets with one listener.

Their origins and targets arrive through wires (cdn_origin, load_balancer_target events);
finalizers write the distribution config and the listener actions once all wires are in.
"""
from __future__ import annotations

from troposphere import GetAtt, Ref, certificatemanager as acm, cloudfront as cf, elasticloadbalancingv2 as elb

from stackerynb.compile.context import Compilation, Parts
from stackerynb.compile.emitters.common import name, public_subnets, security_group
from stackerynb.compile.refs import arn, att, ref, text_value

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
CLOUDFRONT_CERTIFICATE_REGION = "us-east-1"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HTTP_PORT, HTTPS_PORT = 80, 443


def emit_cdn(ctx: Compilation, node) -> Parts:
    cid = node.id
    domain, certificate = node.get("domain_name"), node.get("certificate_arn")
    if certificate and not domain:
        ctx.problem(cid, "certificate_arn", "is set but domain_name is empty: the certificate would go unused")
    if domain and not certificate:
        if ctx.environment.region != CLOUDFRONT_CERTIFICATE_REGION:
            ctx.problem(cid, "certificate_arn", f"CloudFront needs the certificate for {domain} in "
                        f"{CLOUDFRONT_CERTIFICATE_REGION}, but environment {ctx.env_name} deploys to "
                        f"{ctx.environment.region}: create one there and set certificate_arn")
        ctx.add(acm.Certificate(f"{cid}Certificate", DomainName=domain, ValidationMethod="DNS"), cid)
        certificate = ref(f"{cid}Certificate")
    ctx.add(cf.OriginAccessControl(f"{cid}OriginAccess", OriginAccessControlConfig=cf.OriginAccessControlConfig(
        Name=name(ctx, cid, limit=64), OriginAccessControlOriginType="s3", SigningBehavior="always",
        SigningProtocol="sigv4", Description=f"{cid} reads its origin bucket")), cid)
    distribution = ctx.add(cf.Distribution(cid, DistributionConfig=cf.DistributionConfig(Enabled=True)), cid)
    parts = Parts(node, attributes={
        "url": f"https://${{{cid}.DomainName}}", "domain": att(cid, "DomainName"),
        "arn": arn("cloudfront", f"distribution/${{{cid}}}", region=False)},
        handles={"distribution": distribution, "origin": None})

    def write_config():
        origin = parts.handles["origin"]
        if origin is None:
            return  # validation requires the wire; nothing sensible to emit without it
        config = dict(
            Enabled=True, Comment=f"{cid} of {ctx.stack_name} ({ctx.env_name})", HttpVersion="http2and3",
            IPV6Enabled=True, PriceClass=node.get("price_class"),
            Origins=[cf.Origin(Id=origin.node.id, DomainName=GetAtt(origin.node.id, "RegionalDomainName"),
                               S3OriginConfig=cf.S3OriginConfig(OriginAccessIdentity=""),
                               OriginAccessControlId=GetAtt(f"{cid}OriginAccess", "Id"))],
            DefaultCacheBehavior=cf.DefaultCacheBehavior(
                TargetOriginId=origin.node.id, ViewerProtocolPolicy="redirect-to-https",
                CachePolicyId=CACHING_OPTIMIZED, Compress=True,
                AllowedMethods=["GET", "HEAD"], CachedMethods=["GET", "HEAD"]))
        if node.get("default_root_object"):
            config["DefaultRootObject"] = text_value(node.get("default_root_object"))
        if domain:
            config["Aliases"] = [domain]
            config["ViewerCertificate"] = cf.ViewerCertificate(
                AcmCertificateArn=Ref(f"{cid}Certificate") if certificate.startswith("${") else certificate,
                SslSupportMethod="sni-only", MinimumProtocolVersion="TLSv1.2_2021")
        else:
            config["ViewerCertificate"] = cf.ViewerCertificate(CloudFrontDefaultCertificate=True)
        distribution.DistributionConfig = cf.DistributionConfig(**config)
    ctx.finalizers.append(write_config)
    ctx.output(f"{cid}Url", parts.attributes["url"], f"URL of the {cid} distribution")
    return parts


def emit_load_balancer(ctx: Compilation, node) -> Parts:
    lid = node.id
    port, certificate = node.get("listener_port"), node.get("certificate_arn")
    scheme = "https" if certificate else "http"
    if certificate and port == HTTP_PORT:
        port = HTTPS_PORT  # port 80 then only redirects to HTTPS
    ingress = [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": "0.0.0.0/0",
                "Description": f"{scheme.upper()} from anywhere"}]
    if certificate and port != HTTP_PORT:
        ingress.append({"IpProtocol": "tcp", "FromPort": HTTP_PORT, "ToPort": HTTP_PORT, "CidrIp": "0.0.0.0/0",
                        "Description": "HTTP from anywhere, redirected to HTTPS"})
    group = security_group(ctx, node, f"{lid} load balancer: its listener ports from the internet", ingress=ingress)
    ctx.add(elb.LoadBalancer(
        lid, Type="application", Scheme="internet-facing", Subnets=public_subnets(ctx, node),
        SecurityGroups=[GetAtt(group, "GroupId")],
        LoadBalancerAttributes=[elb.LoadBalancerAttributes(Key="routing.http.drop_invalid_header_fields.enabled",
                                                           Value="true")]), lid)
    listener_props = dict(LoadBalancerArn=Ref(lid), Port=port, Protocol=scheme.upper(), DefaultActions=[])
    if certificate:
        listener_props.update(Certificates=[elb.Certificate(CertificateArn=certificate)], SslPolicy=TLS_POLICY)
    listener = ctx.add(elb.Listener(f"{lid}Listener", **listener_props), lid)
    if certificate and port != HTTP_PORT:  # plain HTTP only ever answers with a redirect
        ctx.add(elb.Listener(f"{lid}HttpRedirect", LoadBalancerArn=Ref(lid), Port=HTTP_PORT, Protocol="HTTP",
                             DefaultActions=[elb.Action(Type="redirect", RedirectConfig=elb.RedirectConfig(
                                 Protocol="HTTPS", Port=str(port), StatusCode="HTTP_301"))]), lid)
    default_port = 443 if certificate else 80
    url = f"{scheme}://${{{lid}.DNSName}}" + ("" if port == default_port else f":{port}")
    parts = Parts(node, attributes={"url": url, "arn": ref(lid), "dns": att(lid, "DNSName")},
                  security_group=group, handles={"listener": listener, "targets": []})

    def write_actions():
        targets: list[tuple[str, str]] = parts.handles["targets"]  # (node id, target group id)
        if not targets:
            listener.DefaultActions = [elb.Action(Type="fixed-response", FixedResponseConfig=elb.FixedResponseConfig(
                StatusCode="404", ContentType="text/plain", MessageBody="no target wired to this load balancer"))]
            return
        listener.DefaultActions = [elb.Action(Type="forward", TargetGroupArn=Ref(targets[0][1]))]
        waits = {targets[0][0]: listener.title}
        for priority, (target, group_id) in enumerate(targets[1:], start=1):
            path = f"/{target.lower()}"
            rule = ctx.add(elb.ListenerRule(
                f"{lid}{target}Rule", ListenerArn=Ref(listener.title), Priority=priority,
                Conditions=[elb.Condition(Field="path-pattern", PathPatternConfig=elb.PathPatternConfig(
                    Values=[path, f"{path}/*"]))],
                Actions=[elb.ListenerRuleAction(Type="forward", TargetGroupArn=Ref(group_id))]), lid)
            waits[target] = rule.title
        # ECS accepts a service only once its target group belongs to a load balancer
        for target, waited in waits.items():
            service = ctx.parts[target].handles.get("service")
            if service is not None:
                service.DependsOn = [waited]
    ctx.finalizers.append(write_actions)
    ctx.output(f"{lid}Url", url, f"URL of the {lid} load balancer")
    return parts

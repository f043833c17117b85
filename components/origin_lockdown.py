"""The ComponentResource: CloudFront in front of an origin that answers nobody else.

Two architectures, one component:

* ``alb``:    CloudFront -> internet-facing ALB (public subnets) -> EC2 instances (private subnets)
* ``direct``: CloudFront -> one EC2 instance with a public address, nginx in front of the app

Both get both layers: (1) security groups that admit the origin port only from CloudFront's managed
prefix lists (see security_groups.py for how the layout fits the quotas) and (2) a generated secret
header that CloudFront adds and the origin requires (ALB listener rule, or nginx on the instance).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.boot import BootSettings
from components.cdn import build_distribution
from components.compute import build_instances, instance_role
from components.load_balancer import build_load_balancer, origin_certificate, origin_dns_records
from components.network import build_network, build_private_endpoints
from components.origin_secret import generate_secrets
from components.security_groups import build_security_groups, plan_security_groups
from components.settings import OriginLockdownArgs
from components.waf import build_web_acl

COMPONENT_TYPE = "cloudfront-origin-lockdown:index:OriginLockdown"


def secrets_parameter_name(project: str, stack: str, name: str) -> str:
    """Where the direct origin's accepted values live in Parameter Store (not secret itself)."""
    return f"/{project}/{stack}/{name}/accepted-origin-secrets"


class OriginLockdown(pulumi.ComponentResource):
    """A CloudFront distribution and an origin (ALB -> EC2, or EC2 directly) locked to it in two layers.

    Outputs: ``url`` (viewers' entry point), ``distribution_domain_name``, ``distribution_id``,
    ``origin_address`` and ``origin_url`` (the origin's own address, for probing that it refuses
    direct requests), ``security_group_ids`` (by role) and ``architecture``. The secret is never an
    output.
    """

    url: pulumi.Output[str]
    distribution_domain_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    origin_address: pulumi.Output[str]
    origin_url: pulumi.Output[str]
    security_group_ids: pulumi.Output[dict[str, str]]
    accepted_slots: pulumi.Output[list[str]]
    active_slot: pulumi.Output[str]
    architecture: str
    header_name: str

    def __init__(self, name: str, args: OriginLockdownArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self.architecture = args.architecture
        self.header_name = args.header_name
        tags = {"Project": pulumi.get_project(), "Stack": pulumi.get_stack(), **args.tags}
        region = aws.get_region(opts=pulumi.InvokeOptions(parent=self)).region

        network = build_network(name, args, tags, parent=self)
        private_subnets_created = args.architecture == "alb" and network.created
        interface_endpoints = private_subnets_created and args.vpc_endpoints
        plan = plan_security_groups(
            args.architecture, args.origin_port, args.app_port, args.origin_ipv6, interface_endpoints
        )
        groups = build_security_groups(name, plan, network.vpc_id, network.vpc_cidr, tags, parent=self)
        if private_subnets_created:
            endpoint_group = groups.ids["endpoints"] if interface_endpoints else None
            build_private_endpoints(name, network, region, endpoint_group, tags, parent=self)

        secrets = generate_secrets(name, args.secret_slots, args.active_secret_slot, args.secret_length, parent=self)
        origin_host: pulumi.Input[str]
        depends_on: list[pulumi.Resource] = []
        # Resources that must have finished updating before the origin accepts the new slots.
        acceptance: list[pulumi.Output[str]] = []
        if args.architecture == "direct":
            parameter_name = secrets_parameter_name(pulumi.get_project(), pulumi.get_stack(), name)
            parameter = aws.ssm.Parameter(
                f"{name}-accepted-secrets",
                name=parameter_name,
                description="Secret header values the origin accepts (JSON list); read by the instance",
                type="SecureString",
                tier="Standard",
                value=secrets.accepted_json(),
                tags=dict(tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            acceptance.append(parameter.arn)
            _, profile = instance_role(name, parameter.arn, tags, parent=self)
            boot = BootSettings(
                architecture="direct",
                app_port=args.app_port,
                region=region,
                listen_port=args.origin_port,
                header_name=args.header_name,
                secrets_parameter_name=parameter_name,
                app_boot_script=args.app_boot_script,
            )
            instances = build_instances(
                name,
                args,
                boot,
                network.public_subnet_ids[:1],
                groups.ids_on(plan, "origin"),
                profile,
                tags,
                self,
            )
            # A stable address: the instance's own public IP changes on every stop/start and every
            # replacement (a boot-script change replaces it), which would silently break the origin.
            address = aws.ec2.Eip(
                f"{name}-origin-ip",
                domain="vpc",
                instance=instances[0].id,
                tags={**tags, "Name": f"{name}-origin"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            origin_host = address.public_dns
        else:
            _, profile = instance_role(name, None, tags, parent=self)
            boot = BootSettings(
                architecture="alb",
                app_port=args.app_port,
                region=region,
                app_boot_script=args.app_boot_script,
            )
            instances = build_instances(
                name,
                args,
                boot,
                network.private_subnet_ids,
                groups.ids_on(plan, "instances"),
                profile,
                tags,
                self,
            )
            certificate_arn = origin_certificate(name, args, tags, parent=self)
            balancer = build_load_balancer(
                name,
                args,
                secrets,
                network.vpc_id,
                network.public_subnet_ids,
                groups.ids_on(plan, "origin"),
                instances,
                certificate_arn,
                tags,
                parent=self,
            )
            acceptance.append(balancer.secret_rule.arn)
            if args.waf is not None:
                acl = build_web_acl(
                    name, args.waf, args.header_name, secrets, balancer.load_balancer.arn, tags, parent=self
                )
                acceptance.append(acl.arn)
            depends_on.extend(origin_dns_records(name, args, balancer.load_balancer, parent=self))
            origin_host = args.origin_tls.domain_name if args.origin_tls else balancer.dns_name

        distribution = build_distribution(name, args, origin_host, secrets, tags, parent=self, depends_on=depends_on)
        self.distribution_domain_name = distribution.domain_name
        self.distribution_id = distribution.id
        self.url = distribution.domain_name.apply(lambda domain: f"https://{domain}/")
        self.origin_address = pulumi.Output.from_input(origin_host)
        self.origin_url = self.origin_address.apply(lambda host: f"{args.origin_protocol}://{host}:{args.origin_port}/")
        # The rotation state the next run is judged against: recorded only once the resources carrying
        # it have been updated, so a failed `pulumi up` never records a switch that did not happen.
        self.accepted_slots = pulumi.Output.all(*acceptance).apply(lambda _: list(args.secret_slots))
        self.active_slot = distribution.id.apply(lambda _: args.active_secret_slot)
        self.security_group_ids = pulumi.Output.all(**{str(role): sg_id for role, sg_id in groups.ids.items()})
        self.register_outputs(
            {
                "url": self.url,
                "distributionDomainName": self.distribution_domain_name,
                "distributionId": self.distribution_id,
                "originAddress": self.origin_address,
                "originUrl": self.origin_url,
                "securityGroupIds": self.security_group_ids,
                "acceptedSecretSlots": self.accepted_slots,
                "activeSecretSlot": self.active_slot,
                "architecture": self.architecture,
            }
        )

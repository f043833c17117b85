"""The ComponentResource: CloudFront in front of an origin that answers nobody else.

Two architectures, one component:

* ``alb``:    CloudFront -> internet-facing ALB (public subnets) -> EC2 instances (private subnets)
* ``direct``: CloudFront -> one EC2 instance with a public address, nginx in front of the app

Both get both layers: (1) security groups that admit the origin port only from CloudFront's managed
prefix lists (see security_groups.py for how the layout fits the quotas) and (2) a generated secret
header that CloudFront adds and the origin requires (ALB listener rule, or nginx on the instance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .cdn import build_distribution
from .compute import build_instances, instance_role
from .load_balancer import build_load_balancer, origin_certificate, origin_dns_records
from .network import NetworkOutputs, build_network, build_private_endpoints
from .origin_secret import OriginSecrets, generate_secrets
from .preflight import Preflight, run_preflight, secrets_parameter_name
from .security_groups import BuiltGroups, SecurityGroupPlan, build_security_groups, plan_security_groups
from .settings import OriginLockdownArgs
from .waf import build_web_acl

COMPONENT_TYPE = "cloudfront-origin-lockdown:index:OriginLockdown"
# Re-exported: where the direct origin's accepted values live in Parameter Store.
__all__ = ["COMPONENT_TYPE", "OriginLockdown", "secrets_parameter_name"]


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

    def __init__(
        self,
        name: str,
        args: OriginLockdownArgs,
        opts: pulumi.ResourceOptions | None = None,
        preflight: Preflight | None = None,
    ) -> None:
        # Every check that could refuse the stack part-way through runs before the first registration
        # (a program may run them itself earlier, e.g. before other reads, and pass the result).
        if preflight is None or preflight.name != name or preflight.args is not args:
            preflight = run_preflight(name, args, opts)
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self.architecture = args.architecture
        self.header_name = args.header_name
        tags = {"Project": pulumi.get_project(), "Stack": pulumi.get_stack(), **args.tags}
        region = preflight.region

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
        context = _BuildContext(name, args, tags, preflight, network, plan, groups, secrets, parent=self)
        origin = _build_direct_origin(context) if args.architecture == "direct" else _build_alb_origin(context)

        distribution = build_distribution(
            name,
            args,
            origin.host,
            secrets,
            tags,
            cache_policy_id=preflight.cache_policy_id,
            origin_request_policy_id=preflight.origin_request_policy_id,
            parent=self,
            depends_on=origin.depends_on,
        )
        self.distribution_domain_name = distribution.domain_name
        self.distribution_id = distribution.id
        self.url = distribution.domain_name.apply(lambda domain: f"https://{domain}/")
        self.origin_address = pulumi.Output.from_input(origin.host)
        self.origin_url = self.origin_address.apply(lambda host: f"{args.origin_protocol}://{host}:{args.origin_port}/")
        # The rotation state the next run is judged against: recorded only once the resources carrying
        # it have been updated, so a failed `pulumi up` never records a switch that did not happen.
        self.accepted_slots = pulumi.Output.all(*origin.acceptance).apply(lambda _: list(args.secret_slots))
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


@dataclass(frozen=True)
class _BuildContext:
    """What both origin builders need from the component."""

    name: str
    args: OriginLockdownArgs
    tags: Mapping[str, str]
    preflight: Preflight
    network: NetworkOutputs
    plan: SecurityGroupPlan
    groups: BuiltGroups
    secrets: OriginSecrets
    parent: pulumi.Resource


@dataclass(frozen=True)
class _BuiltOrigin:
    """The origin as CloudFront sees it."""

    host: pulumi.Input[str]
    # Resources CloudFront must wait for (e.g. the origin's DNS records).
    depends_on: list[pulumi.Resource]
    # Resources that must have finished updating before the origin accepts the new slots.
    acceptance: list[pulumi.Output[str]]


def _build_direct_origin(c: _BuildContext) -> _BuiltOrigin:
    """One public instance, nginx checking the header, the accepted values in SSM Parameter Store."""
    parameter = aws.ssm.Parameter(
        f"{c.name}-accepted-secrets",
        name=c.preflight.parameter_name,
        description="Secret header values the origin accepts (JSON list); read by the instance",
        type="SecureString",
        tier="Standard",
        value=c.secrets.accepted_json(),
        tags=dict(c.tags),
        opts=pulumi.ResourceOptions(parent=c.parent),
    )
    identity = instance_role(c.name, parameter.arn, c.tags, parent=c.parent)
    instances = build_instances(
        c.name,
        c.args,
        c.preflight.boot,
        c.network.public_subnet_ids[:1],
        c.groups.ids_on(c.plan, "origin"),
        identity,
        c.tags,
        c.parent,
    )
    # A stable address: the instance's own public IP changes on every stop/start and every
    # replacement (a boot-script change replaces it), which would silently break the origin.
    address = aws.ec2.Eip(
        f"{c.name}-origin-ip",
        domain="vpc",
        instance=instances[0].id,
        tags={**c.tags, "Name": f"{c.name}-origin"},
        opts=pulumi.ResourceOptions(parent=c.parent),
    )
    return _BuiltOrigin(host=address.public_dns, depends_on=[], acceptance=[parameter.arn])


def _build_alb_origin(c: _BuildContext) -> _BuiltOrigin:
    """Private instances behind an internet-facing ALB whose listener rule checks the header."""
    identity = instance_role(c.name, None, c.tags, parent=c.parent)
    instances = build_instances(
        c.name,
        c.args,
        c.preflight.boot,
        c.network.private_subnet_ids,
        c.groups.ids_on(c.plan, "instances"),
        identity,
        c.tags,
        c.parent,
    )
    certificate_arn = origin_certificate(c.name, c.args, c.tags, parent=c.parent)
    balancer = build_load_balancer(
        c.name,
        c.args,
        c.secrets,
        c.network.vpc_id,
        c.network.public_subnet_ids,
        c.groups.ids_on(c.plan, "origin"),
        instances,
        certificate_arn,
        c.tags,
        parent=c.parent,
    )
    acceptance = [balancer.secret_rule.arn]
    if c.args.waf is not None:
        acl = build_web_acl(
            c.name, c.args.waf, c.args.header_name, c.secrets, balancer.load_balancer.arn, c.tags, parent=c.parent
        )
        acceptance.append(acl.arn)
    records: list[pulumi.Resource] = list(origin_dns_records(c.name, c.args, balancer.load_balancer, parent=c.parent))
    host: pulumi.Input[str] = c.args.origin_tls.domain_name if c.args.origin_tls else balancer.dns_name
    return _BuiltOrigin(host=host, depends_on=records, acceptance=acceptance)

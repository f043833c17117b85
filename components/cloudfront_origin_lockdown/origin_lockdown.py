"""The ComponentResource: CloudFront in front of an origin that answers nobody else.

Two architectures, one component:

* ``alb``:    CloudFront -> internet-facing ALB (public subnets) -> EC2 instances (private subnets)
* ``direct``: CloudFront -> one EC2 instance with a public address, nginx in front of the app

and, with ``vpcOrigin``, either one reached through a CloudFront VPC origin instead: an internal ALB, or
an instance without any public address, in private subnets (vpc_origin.py).

All get both layers: (1) security groups that admit the origin port only from CloudFront (the managed
prefix lists, or with a VPC origin CloudFront's service security group; see security_groups.py for how
the layout fits the quotas) and (2) a generated secret header that CloudFront adds and the origin
requires (ALB listener rule, or nginx on the instance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .cdn import build_distribution, reported_header_value
from .compute import build_instances, instance_role
from .load_balancer import build_load_balancer, origin_certificate, origin_dns_records, reported_rule_values
from .network import NetworkOutputs, build_network, build_private_endpoints
from .origin_secret import OriginSecrets, generate_secrets, reported_parameter_values
from .preflight import Preflight, run_preflight, secrets_parameter_name
from .rotation import recorded_rotation
from .security_groups import (
    BuiltGroups,
    SecurityGroupPlan,
    build_deferred_rules,
    build_security_groups,
    plan_security_groups,
)
from .settings import OriginLockdownArgs
from .vpc_origin import build_vpc_origin, cloudfront_service_security_group_id
from .waf import build_web_acl, reported_allowed_values

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
    vpc_origin: bool
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
        self.vpc_origin = args.vpc_origin
        tags = {"Project": pulumi.get_project(), "Stack": pulumi.get_stack(), **args.tags}
        region = preflight.region

        network = build_network(name, args, tags, preflight.zones, parent=self)
        private_subnets_created = network.created and (args.architecture == "alb" or args.vpc_origin)
        # alb: Session Manager's endpoints (optional); direct behind a VPC origin: what it reads its secret through.
        interface_endpoints = private_subnets_created and (args.vpc_endpoints or args.architecture == "direct")
        plan = plan_security_groups(
            args.architecture, args.origin_port, args.app_port, args.origin_ipv6, interface_endpoints, args.vpc_origin
        )
        groups = build_security_groups(name, plan, network.vpc_id, network.vpc_cidr, tags, parent=self)
        endpoints: list[pulumi.Resource] = []
        if private_subnets_created:
            if args.architecture == "alb":
                endpoint_group = groups.ids["endpoints"] if interface_endpoints else None
                endpoints += build_private_endpoints(name, network, region, endpoint_group, tags, parent=self)
            else:
                endpoints += build_private_endpoints(
                    name,
                    network,
                    region,
                    groups.ids["endpoints"],
                    tags,
                    parent=self,
                    interface_services=direct_endpoint_services(args.vpc_endpoints),
                    interface_subnet_ids=network.private_subnet_ids[:1],
                )

        secrets = generate_secrets(name, args.secret_slots, args.active_secret_slot, args.secret_length, parent=self)
        context = _BuildContext(name, args, tags, preflight, network, plan, groups, secrets, endpoints, parent=self)
        origin = _build_direct_origin(context) if args.architecture == "direct" else _build_alb_origin(context)

        # The origin learns the accepted values before CloudFront may send one of them: the resources that
        # check the header update first (explicit dependencies, since the distribution reads the value from
        # the generated password, not from them).
        vpc_origin_id: pulumi.Input[str] | None = None
        depends_on = [*origin.depends_on, *origin.carriers]
        if args.vpc_origin:
            vpc_origin = build_vpc_origin(
                name,
                f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
                origin.endpoint_arn,
                args.origin_protocol,
                tags,
                parent=self,
            )
            vpc_origin_id = vpc_origin.id
            service_group = cloudfront_service_security_group_id(network.vpc_id, vpc_origin, parent=self)
            # CloudFront moves to the VPC origin only once the origin admits CloudFront's service group.
            depends_on += build_deferred_rules(
                name, plan, groups, "cloudfront-vpc-origins", service_group, tags, parent=self, depends_on=[vpc_origin]
            )
        distribution = build_distribution(
            name,
            args,
            origin.host,
            secrets,
            tags,
            cache_policy_id=preflight.cache_policy_id,
            origin_request_policy_id=preflight.origin_request_policy_id,
            parent=self,
            depends_on=depends_on,
            vpc_origin_id=vpc_origin_id,
        )
        self.distribution_domain_name = distribution.domain_name
        self.distribution_id = distribution.id
        self.url = distribution.domain_name.apply(lambda domain: f"https://{domain}/")
        self.origin_address = pulumi.Output.from_input(origin.host)
        self.origin_url = self.origin_address.apply(lambda host: f"{args.origin_protocol}://{host}:{args.origin_port}/")
        # The rotation state the next run is judged against, in slot names: what the carriers and the
        # distribution report once updated (rotation.recorded_rotation), so a failed `pulumi up` or a refresh
        # that runs the program never records a step that did not happen.
        header, slots = args.header_name, list(secrets.by_slot)
        recorded = pulumi.Output.all(
            distribution.id,
            distribution.origins.apply(lambda origins: reported_header_value(origins, header)),
            pulumi.Output.all(*origin.reported_accepted),
            pulumi.Output.all(*secrets.by_slot.values()),
        ).apply(lambda parts: recorded_rotation(dict(zip(slots, parts[3], strict=True)), parts[2], parts[1]))
        # Slot names are not secret (they are derived from the secret values, hence the unsecret).
        self.accepted_slots = pulumi.Output.unsecret(recorded.apply(lambda state: list(state.accepted)))
        self.active_slot = pulumi.Output.unsecret(recorded.apply(lambda state: state.active))
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
                "vpcOrigin": self.vpc_origin,
            }
        )


def direct_endpoint_services(session_manager: bool) -> tuple[str, ...]:
    """Interface endpoints for the direct instance behind a VPC origin, in its one subnet.

    ``ssm`` is what the guard reads the accepted secrets through (``ssm:GetParameter``): without it the
    instance, which has no route out, could not start serving. ``ssmmessages`` and ``ec2messages`` add
    Session Manager access (``vpcEndpoints``, like for ``alb``). Each is $0.01 per hour in one zone
    (https://aws.amazon.com/privatelink/pricing/).
    """
    return ("ssm", "ssmmessages", "ec2messages") if session_manager else ("ssm",)


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
    # VPC endpoints the instances' boot script needs (packages, the secret) before they launch.
    endpoints: list[pulumi.Resource]
    parent: pulumi.Resource


@dataclass(frozen=True)
class _BuiltOrigin:
    """The origin as CloudFront sees it."""

    host: pulumi.Input[str]
    # What a VPC origin points at: the ALB's or the instance's ARN.
    endpoint_arn: pulumi.Input[str]
    # Resources CloudFront must wait for (e.g. the origin's DNS records).
    depends_on: list[pulumi.Resource]
    # The resources that check the header: CloudFront waits for them too.
    carriers: list[pulumi.Resource]
    # The values each carrier reports accepting (its outputs, once updated).
    reported_accepted: list[pulumi.Output[set[str]]]


def _build_direct_origin(c: _BuildContext) -> _BuiltOrigin:
    """One instance, nginx checking the header, the accepted values in SSM Parameter Store: public with an
    Elastic IP, or with a VPC origin in a private subnet without any public address."""
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
    subnets = c.network.private_subnet_ids if c.args.vpc_origin else c.network.public_subnet_ids
    instances = build_instances(
        c.name,
        c.args,
        c.preflight.boot,
        subnets[:1],
        c.groups.ids_on(c.plan, "origin"),
        identity,
        c.tags,
        c.parent,
        depends_on=c.endpoints,
    )
    if c.args.vpc_origin:
        # CloudFront reaches it through the VPC origin; the private DNS name is the origin's domain name.
        return _BuiltOrigin(
            host=instances[0].private_dns,
            endpoint_arn=instances[0].arn,
            depends_on=[],
            carriers=[parameter],
            reported_accepted=[parameter.value.apply(reported_parameter_values)],
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
    return _BuiltOrigin(
        host=address.public_dns,
        endpoint_arn=instances[0].arn,
        depends_on=[],
        carriers=[parameter],
        reported_accepted=[parameter.value.apply(reported_parameter_values)],
    )


def _build_alb_origin(c: _BuildContext) -> _BuiltOrigin:
    """Private instances behind an ALB whose listener rule checks the header: internet-facing in the
    public subnets, or with a VPC origin internal in the private subnets."""
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
        depends_on=c.endpoints,
    )
    certificate_arn = origin_certificate(c.name, c.args, c.tags, parent=c.parent)
    balancer = build_load_balancer(
        c.name,
        c.args,
        c.secrets,
        c.network.vpc_id,
        c.network.private_subnet_ids if c.args.vpc_origin else c.network.public_subnet_ids,
        c.groups.ids_on(c.plan, "origin"),
        instances,
        certificate_arn,
        c.tags,
        parent=c.parent,
    )
    header = c.args.header_name
    carriers: list[pulumi.Resource] = [balancer.secret_rule]
    reported = [balancer.secret_rule.conditions.apply(lambda conditions: reported_rule_values(conditions, header))]
    if c.args.waf is not None:
        acl = build_web_acl(c.name, c.args.waf, header, c.secrets, balancer.load_balancer.arn, c.tags, parent=c.parent)
        carriers.append(acl)
        reported.append(acl.rules.apply(lambda rules: reported_allowed_values(rules, header)))
    records: list[pulumi.Resource] = list(origin_dns_records(c.name, c.args, balancer.load_balancer, parent=c.parent))
    host: pulumi.Input[str] = c.args.origin_tls.domain_name if c.args.origin_tls else balancer.dns_name
    return _BuiltOrigin(
        host=host,
        endpoint_arn=balancer.load_balancer.arn,
        depends_on=records,
        carriers=carriers,
        reported_accepted=reported,
    )

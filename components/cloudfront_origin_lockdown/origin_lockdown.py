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

No ``from __future__ import annotations`` here: Pulumi's component analyzer reads the annotations of the
component's outputs and of its ``args`` as objects, to infer the package schema (``pulumi package add``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from .args import OriginLockdownArgs, settings_from_args
from .auto_rotation import deploy_time, read_clock
from .cdn import build_distribution, reported_header_value
from .component_rotation import LegacyReader, RotationDecision, decide_rotation, learning_for
from .compute import build_instances, instance_role
from .inputs import Tags, first_subnets, tagged, with_base_tags
from .load_balancer import (
    LoadBalancerOutputs,
    build_load_balancer,
    origin_certificate,
    origin_dns_records,
)
from .monitoring import BuiltMonitoring, Changeable, Probed, Watched, build_monitoring, stack_dimension
from .network import NetworkOutputs, build_network, build_private_endpoints
from .origin_mtls import OFF, BuiltMtls, build_origin_mtls, build_settled_record, checked_listener_mode
from .origin_secret import OriginSecrets, generate_secrets, reported_parameter_values
from .preflight import Preflight, invoke_options, run_preflight, secrets_parameter_name
from .rotation import recorded_rotation
from .rotation_record import (
    RECORD_TAG_KEY,
    find_tagged_distribution,
    read_record_texts,
    record_names,
    rotation_stamp,
    settled_record,
)
from .security_groups import (
    BuiltGroups,
    SecurityGroupPlan,
    build_deferred_rules,
    build_security_groups,
    plan_security_groups,
)
from .settings import Settings, check_parameter_name
from .vpc_origin import build_vpc_origin, cloudfront_service_security_group_id
from .waf import build_web_acl, default_action_metric, reported_allowed_values

PACKAGE_NAME = "cloudfront-origin-lockdown"
COMPONENT_TYPE = f"{PACKAGE_NAME}:index:OriginLockdown"
# Re-exported: where the direct origin's accepted values live in Parameter Store.
__all__ = ["COMPONENT_TYPE", "PACKAGE_NAME", "OriginLockdown", "preflight_for", "secrets_parameter_name"]


def preflight_for(name: str, args: OriginLockdownArgs, opts: pulumi.ResourceOptions | None = None) -> Preflight:
    """Every check that could refuse ``args`` part-way through, run now (before a program reads anything
    else), for ``OriginLockdown(name, args, opts, preflight=...)`` to reuse: only with this very ``args``."""
    return replace(run_preflight(name, settings_from_args(args), opts), args=args)


class OriginLockdown(pulumi.ComponentResource):
    """A CloudFront distribution and an origin on AWS (an ALB in front of EC2 instances, or one EC2 instance)
    that only CloudFront can reach: the origin's security groups admit only CloudFront, and the origin
    requires a generated secret header that CloudFront adds. The secret is never an output."""

    url: pulumi.Output[str]
    """The viewers' entry point: https://<distribution domain name>/."""

    distribution_domain_name: pulumi.Output[str]
    """The CloudFront distribution's domain name (e.g. d111111abcdef8.cloudfront.net), for a DNS alias."""

    distribution_id: pulumi.Output[str]
    """The CloudFront distribution's id (e.g. for cache invalidations)."""

    origin_address: pulumi.Output[str]
    (
        "The origin's own address as CloudFront reaches it: the load balancer's or the instance's DNS name, "
        "or `origin_domain`. Direct requests to it are refused."
    )

    origin_url: pulumi.Output[str]
    """The origin's own URL (protocol, address and port), to probe that it refuses direct requests."""

    origin_header_name: pulumi.Output[str]
    """The name of the secret header CloudFront adds (its value stays secret and is never an output)."""

    security_group_ids: pulumi.Output[dict[str, str]]
    """The ids of the security groups the component created, by role (e.g. origin-ipv4, instances)."""

    accepted_secret_slots: pulumi.Output[list[str]]
    (
        "The rotation slots whose values the deployed origin reports accepting (names, never values): what a "
        "rotation step is judged against."
    )

    active_secret_slot: pulumi.Output[str]
    """The rotation slot whose value the deployed distribution reports sending (a name, never the value)."""

    architecture: pulumi.Output[str]
    """The origin's architecture: alb or direct."""

    vpc_origin: pulumi.Output[bool]
    """Whether CloudFront reaches the origin through a VPC origin (then the origin has no public address)."""

    # Optional, not `X | None`: the component analyzer reads these annotations as objects, on Python 3.10 too.
    dashboard_url: pulumi.Output[Optional[str]]  # noqa: UP045
    """The CloudWatch dashboard of the origin's alarms and metrics (null while monitoring is off)."""

    alarm_topic_arns: pulumi.Output[dict[str, str]]
    (
        "The SNS topics the alarms notify, by region (the stack's, and us-east-1 for CloudFront's), to subscribe "
        "more endpoints to; empty while monitoring is off."
    )

    origin_mtls: pulumi.Output[str]
    (
        "Origin mutual TLS: `off`, `presented` (CloudFront presents its client certificate; the listener verifies it "
        "from the next deploy on) or `verified` (the HTTPS listener refuses a connection without it)."
    )

    origin_mtls_client_certificate_arn: pulumi.Output[Optional[str]]  # noqa: UP045
    """The ACM certificate (us-east-1) CloudFront presents to the origin; null while origin mTLS is off."""

    def __init__(
        self,
        name: str,
        args: OriginLockdownArgs,
        opts: pulumi.ResourceOptions | None = None,
        preflight: Preflight | None = None,
        legacy_record: LegacyReader | None = None,
    ) -> None:
        """``legacy_record`` (Python only): for a stack deployed by 0.2.0, which has no rotation record in AWS
        yet, how to read the rotation state its program exported as stack outputs (called at most once, only
        while AWS has no record; stack_rotation.stack_outputs_record is this repository's)."""
        # Every check that could refuse the stack part-way through runs before the first registration (a
        # program may run them itself earlier, e.g. before other reads, and pass the result: preflight_for).
        if preflight is None or preflight.name != name or preflight.args is not args:
            preflight = run_preflight(name, settings_from_args(args), opts)
        # Then the rotation: its record in AWS, this deploy's slots, the guard (rotation_record.py).
        decision = _decide_rotation(name, preflight, opts, legacy_record)
        preflight = _with_slots(preflight, args, decision)
        super().__init__(COMPONENT_TYPE, name, None, opts)
        # Shown by `pulumi preview` and `pulumi up` alike: the step this deploy takes, or why none; slots kept.
        _log_rotation(decision, self)
        settings = preflight.settings
        tags = with_base_tags({"Project": pulumi.get_project(), "Stack": pulumi.get_stack()}, settings.tags)
        region = preflight.region

        network = build_network(name, settings, tags, preflight.zones, parent=self)
        private_subnets_created = network.created and (settings.architecture == "alb" or settings.vpc_origin)
        # alb: Session Manager's endpoints (optional); direct behind a VPC origin: what it reads its secret through.
        interface_endpoints = private_subnets_created and (settings.vpc_endpoints or settings.architecture == "direct")
        plan = plan_security_groups(
            settings.architecture,
            settings.origin_port,
            settings.app_port,
            settings.origin_ipv6,
            interface_endpoints,
            settings.vpc_origin,
        )
        groups = build_security_groups(name, plan, network.vpc_id, network.vpc_cidr, tags, parent=self)
        endpoints = _build_endpoints(name, settings, network, groups, interface_endpoints, region, tags, self)

        # The intent first: every resource that accepts or sends a secret value gets it only through this record
        # (rotation_record.py), so no change to what the origin accepts or CloudFront sends precedes it.
        intent, secrets = _secrets_after_intent(name, decision, settings, tags, parent=self)
        # Each new intent is stamped into what sends or accepts a value and can carry a mark (rotation_record.py):
        # its whole configuration is sent again, even where a killed `pulumi up` left the checkpoint behind AWS.
        stamp = rotation_stamp(decision.intent)
        context = _BuildContext(
            name, settings, tags, preflight, network, plan, groups, secrets, endpoints, parent=self, stamp=stamp
        )
        origin = _build_direct_origin(context) if settings.architecture == "direct" else _build_alb_origin(context)

        # The origin learns the accepted values before CloudFront may send one of them: the resources that
        # check the header update first (explicit dependencies, since the distribution reads the value from
        # the generated password, not from them).
        vpc_origin_id, vpc_origin_rules = _vpc_origin_path(context, origin)
        depends_on = [intent, *origin.depends_on, *origin.carriers, *vpc_origin_rules]
        distribution = build_distribution(
            name,
            settings,
            origin.host,
            secrets,
            tags,
            cache_policy_id=preflight.cache_policy_id,
            origin_request_policy_id=preflight.origin_request_policy_id,
            parent=self,
            depends_on=depends_on,
            vpc_origin_id=vpc_origin_id,
            client_certificate_arn=origin.mtls.client_certificate.arn if origin.mtls else None,
            stamp=stamp,
            mtls_stamp=origin.mtls.stamp if origin.mtls else None,
            checks=origin.distribution_checks,
            own_tags={RECORD_TAG_KEY: decision.names.tag_value},
        )
        if origin.records_after_distribution is not None:
            origin.records_after_distribution(distribution)
        self.architecture = pulumi.Output.from_input(settings.architecture)
        self.vpc_origin = pulumi.Output.from_input(settings.vpc_origin)
        self.origin_header_name = pulumi.Output.from_input(settings.header_name)
        self.distribution_domain_name = distribution.domain_name
        self.distribution_id = distribution.id
        self.url = distribution.domain_name.apply(lambda domain: f"https://{domain}/")
        self.origin_address = pulumi.Output.from_input(origin.host)
        protocol, port = settings.origin_protocol, settings.origin_port
        self.origin_url = self.origin_address.apply(lambda host: f"{protocol}://{host}:{port}/")
        monitoring = _build_monitoring(context, origin, distribution, self.url, self.origin_url, region)
        self.dashboard_url = monitoring.dashboard_url if monitoring else pulumi.Output.from_input(None)
        self.alarm_topic_arns = monitoring.topic_arns if monitoring else pulumi.Output.from_input({})
        # The rotation state the next run is judged against, in slot names: what the carriers and the
        # distribution report once updated (rotation.recorded_rotation), so a failed `pulumi up` or a refresh
        # that runs the program never records a step that did not happen.
        recorded = _recorded(distribution, origin, secrets, settings.header_name)
        self.origin_mtls, self.origin_mtls_client_certificate_arn = _mtls_outputs(origin.mtls)
        # Slot names are not secret (they are derived from the secret values, hence the unsecret).
        self.accepted_secret_slots = pulumi.Output.unsecret(recorded.apply(lambda state: list(state.accepted)))
        self.active_secret_slot = pulumi.Output.unsecret(recorded.apply(lambda state: state.active))
        # After the distribution: the settled record, once CloudFront reports it Deployed (rotation_record.py).
        _settled_parameter(name, decision, distribution, recorded, tags, parent=self)
        # With origin mTLS, its own settled record (origin_mtls_record.py): what CloudFront presents to the origin,
        # seen Deployed; the next deploy's listener verifies by it.
        build_settled_record(name, preflight.mtls, origin.mtls, distribution, tags, parent=self)
        # Python only (not in the schema): with automatic rotation, its step record as the resources report it,
        # for a program's informational stack output (``secretRotation``); never read back.
        self.rotation_step: pulumi.Output[dict[str, Any] | None] | None = _rotation_step(decision, recorded)
        self.security_group_ids = pulumi.Output.all(**{str(role): sg_id for role, sg_id in groups.ids.items()})
        # The outputs, by the names of the schema (and of this repository's stack outputs); last, as Pulumi asks.
        self.register_outputs(
            {
                "url": self.url,
                "distributionDomainName": self.distribution_domain_name,
                "distributionId": self.distribution_id,
                "originAddress": self.origin_address,
                "originUrl": self.origin_url,
                "originHeaderName": self.origin_header_name,
                "securityGroupIds": self.security_group_ids,
                "acceptedSecretSlots": self.accepted_secret_slots,
                "activeSecretSlot": self.active_secret_slot,
                "architecture": self.architecture,
                "vpcOrigin": self.vpc_origin,
                "dashboardUrl": self.dashboard_url,
                "alarmTopicArns": self.alarm_topic_arns,
                "originMtls": self.origin_mtls,
                "originMtlsClientCertificateArn": self.origin_mtls_client_certificate_arn,
            }
        )


def _vpc_origin_path(
    context: "_BuildContext", origin: "_BuiltOrigin"
) -> tuple[pulumi.Input[str] | None, list[pulumi.Resource]]:
    """With a VPC origin: its id, and the rules admitting CloudFront's service group, which the distribution waits
    for (CloudFront moves to the VPC origin only once the origin admits it); else (None, [])."""
    name, settings, tags, parent = context.name, context.args, context.tags, context.parent
    if not settings.vpc_origin:
        return None, []
    vpc_origin = build_vpc_origin(
        name,
        f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
        origin.endpoint_arn,
        settings.origin_protocol,
        tags,
        parent=parent,
        depends_on=origin.before_vpc_origin,
    )
    service_group = cloudfront_service_security_group_id(context.network.vpc_id, vpc_origin, parent=parent)
    rules = build_deferred_rules(
        name,
        context.plan,
        context.groups,
        "cloudfront-vpc-origins",
        service_group,
        tags,
        parent=parent,
        depends_on=[vpc_origin],
    )
    return vpc_origin.id, list(rules)


def _build_endpoints(
    name: str,
    settings: Settings,
    network: NetworkOutputs,
    groups: BuiltGroups,
    interface_endpoints: bool,
    region: str,
    tags: Tags,
    parent: pulumi.Resource,
) -> list[pulumi.Resource]:
    """The VPC endpoints of the private subnets the component creates: alb's Session Manager endpoints (optional);
    the direct instance behind a VPC origin reads its secret (and publishes its metrics) through its own."""
    if not (network.created and (settings.architecture == "alb" or settings.vpc_origin)):
        return []
    if settings.architecture == "alb":
        endpoint_group = groups.ids["endpoints"] if interface_endpoints else None
        return list(build_private_endpoints(name, network, region, endpoint_group, tags, parent=parent))
    return list(
        build_private_endpoints(
            name,
            network,
            region,
            groups.ids["endpoints"],
            tags,
            parent=parent,
            interface_services=direct_endpoint_services(
                settings.vpc_endpoints, monitoring=settings.monitoring is not None
            ),
            interface_subnet_ids=first_subnets(network.private_subnet_ids),
        )
    )


def _recorded(
    distribution: aws.cloudfront.Distribution, origin: "_BuiltOrigin", secrets: OriginSecrets, header: str
) -> pulumi.Output[Any]:
    """The slots the carriers report accepting and the one the distribution reports sending (slot names)."""
    slots = list(secrets.by_slot)
    return pulumi.Output.all(
        distribution.id,
        distribution.origins.apply(lambda origins: reported_header_value(origins, header)),
        pulumi.Output.all(*origin.reported_accepted),
        pulumi.Output.all(*secrets.by_slot.values()),
    ).apply(lambda parts: recorded_rotation(dict(zip(slots, parts[3], strict=True)), parts[2], parts[1]))


def _rotation_step(decision: RotationDecision, recorded: pulumi.Output[Any]) -> pulumi.Output[Any] | None:
    automatic = decision.automatic
    if automatic is None:
        return None
    return pulumi.Output.unsecret(
        recorded.apply(lambda state: automatic.record_to_export(list(state.accepted), state.active))
    )


def _decide_rotation(
    name: str, preflight: Preflight, opts: pulumi.ResourceOptions | None, legacy: LegacyReader | None
) -> RotationDecision:
    """Read the record (one lookup, before any registration) and decide this deploy's slots; without a record, look
    for a distribution tagged with it (a second lookup, only then)."""
    records = record_names(pulumi.get_project(), pulumi.get_stack(), name, pulumi.get_organization())
    check_parameter_name(records.settled)
    invoke = invoke_options(opts)
    return decide_rotation(
        preflight.settings,
        records,
        read_record_texts(records, invoke),
        read_clock,
        legacy,
        dry_run=pulumi.runtime.is_dry_run(),
        tagged_distribution=lambda: find_tagged_distribution(records, invoke),
        learning=learning_for(preflight.settings, preflight.boot),
        real_now=deploy_time,
    )


def _with_slots(preflight: Preflight, args: OriginLockdownArgs, decision: RotationDecision) -> Preflight:
    """The checked settings with the slots this deploy deploys (the same checks: none depends on the slots)."""
    settings = preflight.settings
    if (decision.slots, decision.active) == (settings.secret_slots, settings.active_secret_slot):
        return preflight
    return preflight.for_slots(args, decision.slots, decision.active)


def _log_rotation(decision: RotationDecision, component: pulumi.Resource) -> None:
    for note in decision.notes:
        pulumi.log.info(note, resource=component)
    for warning in decision.warnings:
        pulumi.log.warn(warning, resource=component)


def _record_parameter(
    name: str, what: str, parameter_name: str, value: pulumi.Input[str], tags: Tags, opts: pulumi.ResourceOptions
) -> aws.ssm.Parameter:
    """A part of the rotation record: slot names and times only, so a plain String (shown in previews)."""
    return aws.ssm.Parameter(
        f"{name}-rotation-{what}",
        name=parameter_name,
        description=f"Secret rotation record ({what}) of {name}: slot names, never values (README: Rotating the "
        "secret)",
        type="String",
        tier="Standard",
        insecure_value=value,
        tags=tagged(tags),
        opts=opts,
    )


def _secrets_after_intent(
    name: str, decision: RotationDecision, settings: Settings, tags: Tags, parent: pulumi.Resource
) -> tuple[aws.ssm.Parameter, OriginSecrets]:
    """The record of intent, and the generated values, each available only once the intent has been written (a
    dependency of everything that uses one): the ALB rule, the WAF, the SSM list and the distribution all wait."""
    intent = _record_parameter(
        name, "intent", decision.names.intent, decision.intent.to_json(), tags, pulumi.ResourceOptions(parent=parent)
    )
    secrets = generate_secrets(
        name, settings.secret_slots, settings.active_secret_slot, settings.secret_length, parent=parent
    )

    def gated(value: pulumi.Output[str]) -> pulumi.Output[str]:
        return pulumi.Output.secret(pulumi.Output.all(intent.urn, value).apply(lambda parts: str(parts[1])))

    return intent, OriginSecrets(
        by_slot={slot: gated(value) for slot, value in secrets.by_slot.items()}, active_slot=secrets.active_slot
    )


def _settled_parameter(
    name: str,
    decision: RotationDecision,
    distribution: aws.cloudfront.Distribution,
    recorded: pulumi.Output[Any],
    tags: Tags,
    parent: pulumi.Resource,
) -> aws.ssm.Parameter:
    """Written after the distribution; settles the intent only when CloudFront reports it Deployed, read live
    (a retry whose distribution step changes nothing does not wait for it)."""
    read = decision.read
    previous = read.last_settled if read is not None and read.source == "aws" else None
    intent = decision.intent
    status = aws.cloudfront.get_distribution_output(id=distribution.id, opts=pulumi.InvokeOptions(parent=parent))

    def settle(parts: list[Any]) -> str:
        state = parts[1]
        # The real clock when it is written (after every carrier changed), never the pinned planning time.
        return settled_record(
            intent, previous, parts[0], list(state.accepted), state.active, deploy_time(), str(parts[2])
        ).to_json()

    value = pulumi.Output.unsecret(pulumi.Output.all(status.status, recorded, distribution.id).apply(settle))
    return _record_parameter(
        name,
        "settled",
        decision.names.settled,
        value,
        tags,
        pulumi.ResourceOptions(parent=parent, depends_on=[distribution]),
    )


def _mtls_outputs(mtls: BuiltMtls | None) -> tuple[pulumi.Output[str], pulumi.Output[Optional[str]]]:  # noqa: UP045
    """Origin mTLS's state (off, presented, verified) and the certificate CloudFront presents (null when off)."""
    if mtls is None:
        return pulumi.Output.from_input(OFF), pulumi.Output.from_input(None)
    return pulumi.Output.from_input(mtls.state), mtls.client_certificate.arn


def direct_endpoint_services(session_manager: bool, monitoring: bool = False) -> tuple[str, ...]:
    """Interface endpoints for the direct instance behind a VPC origin, in its one subnet.

    ``ssm`` is what the guard reads the accepted secrets through (``ssm:GetParameter``): without it the
    instance, which has no route out, could not start serving. ``ssmmessages`` and ``ec2messages`` add
    Session Manager access (``vpcEndpoints``, like for ``alb``). With monitoring, ``monitoring`` (CloudWatch)
    carries the guard's metrics: without it nothing outside would see the guard fail. Each is $0.01 per hour
    in one zone (https://aws.amazon.com/privatelink/pricing/).
    """
    services = ("ssm", "ssmmessages", "ec2messages") if session_manager else ("ssm",)
    return (*services, "monitoring") if monitoring else services


@dataclass(frozen=True)
class _BuildContext:
    """What both origin builders need from the component."""

    name: str
    args: Settings
    tags: Tags
    preflight: Preflight
    network: NetworkOutputs
    plan: SecurityGroupPlan
    groups: BuiltGroups
    secrets: OriginSecrets
    # VPC endpoints the instances' boot script needs (packages, the secret) before they launch.
    endpoints: list[pulumi.Resource]
    parent: pulumi.Resource
    # The rotation intent's mark (rotation_record.rotation_stamp) for the carriers that can hold one.
    stamp: str = ""


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
    # Builds what must follow the distribution (the origin's DNS records behind a VPC origin), given it.
    records_after_distribution: Callable[[pulumi.Resource], object] | None = None
    # What monitoring watches (monitoring.py). Quoted: evaluated, they would import pulumi_aws's ec2, iam and
    # wafv2 modules with this one (seconds), and this module's annotations are evaluated (see its docstring).
    instances: "Sequence[aws.ec2.Instance]" = ()
    instance_role: "aws.iam.Role | None" = None
    balancer: "LoadBalancerOutputs | None" = None
    web_acl: "aws.wafv2.WebAcl | None" = None
    # Origin mutual TLS (origin_mtls.py): the certificate CloudFront presents, the trust store the listener uses.
    mtls: "BuiltMtls | None" = None
    # What the distribution's configuration waits for (its comment): the HTTPS listener's client certificate mode read
    # back from AWS and checked (origin_mtls.checked_listener_mode).
    distribution_checks: "Sequence[pulumi.Output[Any]]" = ()
    # What a VPC origin is created after: the listener rule that forwards to the targets. A target group is health
    # checked only once a rule uses it, and a new target serves only once it passed a check; the VPC origin then
    # takes minutes to deploy, so CloudFront moves to targets in service. It also keeps a switch that fails before
    # its listener is ready (a certificate never validated) from replacing the VPC origin at all.
    before_vpc_origin: "Sequence[pulumi.Resource]" = ()


def _build_direct_origin(c: _BuildContext) -> _BuiltOrigin:
    """One instance, nginx checking the header, the accepted values in SSM Parameter Store: public with an
    Elastic IP, or with a VPC origin in a private subnet without any public address."""
    parameter = aws.ssm.Parameter(
        f"{c.name}-accepted-secrets",
        name=c.preflight.parameter_name,
        # The stamp: each new rotation intent puts the whole parameter again (PutParameter), see rotation_record.py.
        description=f"Secret header values the origin accepts (JSON list); read by the instance; {c.stamp}",
        type="SecureString",
        tier="Standard",
        value=c.secrets.accepted_json(),
        tags=tagged(c.tags),
        opts=pulumi.ResourceOptions(parent=c.parent),
    )
    identity = instance_role(c.name, parameter.arn, c.tags, parent=c.parent)
    subnets = c.network.private_subnet_ids if c.args.vpc_origin else c.network.public_subnet_ids
    instances = build_instances(
        c.name,
        c.args,
        c.preflight.boot,
        first_subnets(subnets),
        c.groups.ids_on(c.plan, "origin"),
        identity,
        c.tags,
        c.parent,
        depends_on=[*c.endpoints, *c.groups.rules_on(c.plan, "origin")],
    )
    if c.args.vpc_origin:
        # CloudFront reaches it through the VPC origin; the private DNS name is the origin's domain name.
        return _BuiltOrigin(
            host=instances[0].private_dns,
            endpoint_arn=instances[0].arn,
            depends_on=[],
            carriers=[parameter],
            reported_accepted=[parameter.value.apply(reported_parameter_values)],
            instances=instances,
            instance_role=identity.role,
        )
    # A stable address: the instance's own public IP changes on every stop/start and every
    # replacement (a boot-script change replaces it), which would silently break the origin.
    address = aws.ec2.Eip(
        f"{c.name}-origin-ip",
        domain="vpc",
        instance=instances[0].id,
        tags=tagged(c.tags, {"Name": f"{c.name}-origin"}),
        opts=pulumi.ResourceOptions(parent=c.parent),
    )
    return _BuiltOrigin(
        host=address.public_dns,
        endpoint_arn=instances[0].arn,
        depends_on=[],
        carriers=[parameter],
        reported_accepted=[parameter.value.apply(reported_parameter_values)],
        instances=instances,
        instance_role=identity.role,
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
        depends_on=[*c.endpoints, *c.groups.rules_on(c.plan, "instances")],
    )
    certificate_arn = origin_certificate(c.name, c.args, c.tags, parent=c.parent)
    mtls = build_origin_mtls(c.name, c.preflight.mtls, c.tags, parent=c.parent) if c.preflight.mtls else None
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
        depends_on=c.groups.rules_on(c.plan, "origin"),
        mtls=mtls,
    )
    header = c.args.header_name
    carriers: list[pulumi.Resource] = [balancer.secret_rule]
    reported = [_live_rule_values(balancer.secret_rule, header, c.parent)]
    acl: aws.wafv2.WebAcl | None = None
    if c.args.waf is not None:
        acl = build_web_acl(
            c.name, c.args.waf, header, c.secrets, balancer.load_balancer.arn, c.tags, parent=c.parent, stamp=c.stamp
        )
        carriers.append(acl)
        reported.append(acl.rules.apply(lambda rules: reported_allowed_values(rules, header)))
    host: pulumi.Input[str] = c.args.origin_tls.domain_name if c.args.origin_tls else balancer.dns_name
    if c.args.vpc_origin:
        # CloudFront reaches the internal ALB by the VPC origin's ARN: the name is only for TLS, and is repointed
        # once the distribution has moved (origin_dns_records says why).
        def records_later(distribution: pulumi.Resource) -> object:
            return origin_dns_records(c.name, c.args, balancer.load_balancer, c.parent, depends_on=[distribution])

        return _BuiltOrigin(
            host=host,
            endpoint_arn=balancer.load_balancer.arn,
            depends_on=[],
            carriers=carriers,
            reported_accepted=reported,
            records_after_distribution=records_later,
            instances=instances,
            balancer=balancer,
            web_acl=acl,
            before_vpc_origin=[balancer.secret_rule],
        )
    # The name moves to a load balancer only once it serves (its rule, hence its registered targets and the groups'
    # rules): when the distribution itself does not change (a stack of the previous layout moving to the HTTPS
    # load balancer of its own), repointing the record is what moves CloudFront.
    records: list[pulumi.Resource] = list(
        origin_dns_records(
            c.name,
            c.args,
            balancer.load_balancer,
            parent=c.parent,
            depends_on=[balancer.secret_rule, *c.groups.rules_on(c.plan, "instances")],
        )
    )
    checks = (
        [checked_listener_mode(balancer.listener, mtls, c.preflight.mtls is not None, c.parent)]
        if c.args.origin_tls
        else []
    )
    if mtls is not None:
        # The distribution moves to another client certificate (a switch of CA source or key type) only once the
        # trust store holds its CA. A re-import into the same certificate reaches CloudFront without the distribution
        # changing: the import itself waits for the trust store (origin_mtls.py).
        records.append(mtls.trust_store)
    return _BuiltOrigin(
        host=host,
        endpoint_arn=balancer.load_balancer.arn,
        depends_on=records,
        carriers=carriers,
        reported_accepted=reported,
        instances=instances,
        balancer=balancer,
        web_acl=acl,
        mtls=mtls,
        distribution_checks=checks,
    )


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _live_rule_values(rule: aws.lb.ListenerRule, header: str, parent: pulumi.Resource) -> pulumi.Output[set[str]]:
    """The header values the listener rule holds in AWS, read back once it is updated (DescribeRules): the
    provider sends a rule's conditions only when they differ from the checkpoint, which a killed `pulumi up`
    leaves behind AWS, and a rule has no field to stamp (rotation_record.py). Secret: they are the values."""
    live = aws.lb.get_listener_rule_output(arn=rule.arn, opts=pulumi.InvokeOptions(parent=parent))

    def values(conditions: Any) -> set[str]:
        found: set[str] = set()
        for condition in conditions or []:
            for item in _field(condition, "http_headers") or []:
                if str(_field(item, "http_header_name") or "").lower() == header.lower():
                    found.update(str(value) for value in _field(item, "values") or [])
        return found

    # Secret once reduced to the values (the data source's result types cannot be wrapped whole: their ``values``
    # field shadows dict.values, which Output.secret walks).
    return pulumi.Output.secret(live.conditions.apply(values))


def _build_monitoring(
    c: _BuildContext,
    origin: _BuiltOrigin,
    distribution: "aws.cloudfront.Distribution",
    url: pulumi.Output[str],
    origin_url: pulumi.Output[str],
    region: str,
) -> BuiltMonitoring | None:
    """Alarms, the continuous probe, change alerts and the dashboard (monitoring.py), when monitoring is on."""
    if c.args.monitoring is None:
        return None
    balancer, acl = origin.balancer, origin.web_acl
    watched = Watched(
        architecture=c.args.architecture,
        vpc_origin=c.args.vpc_origin,
        region=region,
        stack=stack_dimension(pulumi.get_project(), pulumi.get_stack(), c.name),
        distribution_id=distribution.id,
        load_balancer_suffix=balancer.load_balancer.arn_suffix if balancer else None,
        web_acl_name=acl.name if acl else None,
        web_acl_default_metric=default_action_metric(c.name) if acl else None,
        origin_mtls=origin.mtls.state if origin.mtls else OFF,
        client_certificate_arn=origin.mtls.client_certificate.arn if origin.mtls else None,
    )
    changeable = Changeable(
        group_ids=list(c.groups.ids.values()),
        group_names=list(c.groups.names.values()),
        interface_ids=[instance.primary_network_interface_id for instance in origin.instances],
        instance_ids=[instance.id for instance in origin.instances],
        load_balancer_arn=balancer.load_balancer.arn if balancer else None,
        listener_arn=balancer.listener.arn if balancer else None,
        rule_arn=balancer.secret_rule.arn if balancer else None,
        web_acl_name=acl.name if acl else None,
    )
    probed = Probed(
        url=url,
        origin_url=origin_url,
        header_name=c.args.header_name,
        origin_mtls=origin.mtls.state if origin.mtls is not None else OFF,
    )
    return build_monitoring(
        c.name, c.args.monitoring, watched, probed, changeable, origin.instance_role, c.tags, parent=c.parent
    )

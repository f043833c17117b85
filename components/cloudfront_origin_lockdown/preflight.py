"""Everything that can still reject a valid set of args, checked before the component registers anything.

:class:`~cloudfront_origin_lockdown.settings.Settings` validates each setting on its own; some
refusals depend on more than the settings: the component's name (it goes into the AWS names of its
children), the stack's region (a certificate must be in it), the rendered boot script (EC2 caps user
data at 16 KB) and the account (a custom CloudFront policy must exist). :func:`run_preflight` checks
them all with plain data-source calls, so a refusal stops ``pulumi preview`` and ``pulumi up`` before
the first resource is registered, not after dozens were created.

A value given as an Output (a certificate ARN, the ids of an existing VPC) is checked inside ``apply`` the
same way: the returned settings carry it behind those checks, and the component builds from them.

The region comes from the ``aws:index/getRegion`` data source, called through the same AWS provider the
component's children will use (the one in ``opts``, else the default provider, which reads ``aws:region``
or the environment): that is the region the resources land in, whichever way it was configured.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi_aws import _utilities as aws_utilities

from .boot import BootSettings, render_user_data
from .monitoring import stack_dimension
from .network import Zone, available_zones, check_existing_network_for_vpc_origin, check_instance_type_offered
from .origin_mtls import MtlsPreflight, PrivateCa
from .origin_mtls_plan import ECDSA_P256, deploy_clock, key_algorithm_of, key_type_for, plan_origin_mtls
from .origin_mtls_record import names_of, owned, presents_everywhere, read_distribution, read_record
from .origin_mtls_record import record_names as mtls_record_names
from .rotation_record import record_names as rotation_record_names
from .settings import (
    MANAGED_POLICY_PREFIX,
    ExistingNetwork,
    PendingNetwork,
    SettingError,
    Settings,
    check_certificate_region,
    check_component_name,
    check_parameter_name,
    checked_when_known,
    pending_network,
    private_ca_region,
)
from .vpc_origin import region_problem


def secrets_parameter_name(project: str, stack: str, name: str) -> str:
    """Where the direct origin's accepted values live in Parameter Store (not secret itself)."""
    return f"/{project}/{stack}/{name}/accepted-origin-secrets"


def boot_settings(args: Settings, region: str, parameter_name: str, metrics_stack: str | None = None) -> BootSettings:
    """What the instances' boot script is rendered from (the same for the check and for the instances).

    The direct instance publishes its guard's metrics under ``metrics_stack`` whether monitoring is on or not
    (without it the role may not put them, and nothing is stored): turning monitoring on or off must not
    change the boot script, which would replace the instance."""
    if args.architecture == "direct":
        return BootSettings(
            architecture="direct",
            app_port=args.app_port,
            region=region,
            listen_port=args.origin_port,
            header_name=args.header_name,
            secrets_parameter_name=parameter_name,
            app_boot_script=args.app_boot_script,
            metrics_stack=metrics_stack,
        )
    return BootSettings(architecture="alb", app_port=args.app_port, region=region, app_boot_script=args.app_boot_script)


def check_user_data(args: Settings, boot: BootSettings) -> str:
    """The rendered boot script, or the reason it cannot be used (e.g. over EC2's 16 KB) as a SettingError."""
    try:
        return render_user_data(boot)
    except ValueError as error:
        # boot.py words it "invalid boot setting F: V is not allowed; WHY": keep WHY, name the setting.
        why = str(error).split(" is not allowed; ", 1)[-1]
        if args.app_boot_script is None:
            raise SettingError("architecture", args.architecture, why) from None
        size = len(args.app_boot_script.encode("utf-8"))
        raise SettingError("appBootScript", f"<a script of {size} bytes>", why) from None


@dataclass(frozen=True)
class Preflight:
    """What the checks found out, for the component to build with."""

    name: str
    # The settings to build from: those checked, with the checks of values still unknown attached.
    settings: Settings
    region: str
    parameter_name: str
    boot: BootSettings
    cache_policy_id: pulumi.Input[str]
    origin_request_policy_id: pulumi.Input[str]
    # The Availability Zones of a VPC the component creates (empty with an existing VPC).
    zones: tuple[Zone, ...] = ()
    # The component's public arguments these checks were run for (see OriginLockdown: reused only for them).
    args: Mapping[str, Any] | None = None
    # Origin mutual TLS: this deploy's plan, from the component's origin mTLS record (None: off).
    mtls: MtlsPreflight | None = None

    def for_slots(self, args: Mapping[str, Any], slots: Sequence[str], active: str) -> Preflight:
        """The same checks for ``args``, which differ from the checked ones in the rotation slots only (no
        check here depends on them): what a program that plans the slots after the checks builds with."""
        return replace(
            self,
            args=args,
            settings=replace(self.settings, secret_slots=tuple(slots), active_secret_slot=active),
        )


def invoke_options(opts: pulumi.ResourceOptions | None) -> pulumi.InvokeOptions:
    """Invoke options that reach the AWS provider the component's children will use, before the
    component exists (so it cannot be the invoke's parent)."""
    if opts is None:
        return pulumi.InvokeOptions()
    provider = opts.provider if opts.provider is not None and opts.provider.package == "aws" else None
    providers: Any = opts.providers
    if provider is None and isinstance(providers, Mapping):
        provider = providers.get("aws")
    elif provider is None and isinstance(providers, Sequence):
        provider = next((p for p in providers if p.package == "aws"), None)
    return pulumi.InvokeOptions(parent=opts.parent, provider=provider)


CACHE_POLICY_LOOKUP = "aws:cloudfront/getCachePolicy:getCachePolicy"
ORIGIN_REQUEST_POLICY_LOOKUP = "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy"


def _policy_id(key: str, name: str, token: str, invoke: pulumi.InvokeOptions) -> Any:
    """The id of a policy looked up by name (blocking: a missing one stops the program here); a missing
    policy of the user's account is a SettingError.

    The untyped form of the data source, because its typed result cannot hold a value that is unknown at
    preview (as a policy of the user's account is to the offline review's mocks).
    """
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    try:
        return pulumi.runtime.invoke(token, {"name": name}, opts=opts).value["id"]
    except Exception as error:
        if name.startswith(MANAGED_POLICY_PREFIX):
            raise  # An AWS-managed name was checked exactly: this is not the setting's fault.
        raise SettingError(
            key, name, f"expected the name of a CloudFront policy in this account; looking it up failed: {error}"
        ) from None


def check_vpc_exists(vpc_id: str, invoke: pulumi.InvokeOptions) -> None:
    """A VPC of this account and region: a mistyped id fails here, before anything is registered, instead of
    at the first resource that uses it."""
    try:
        aws.ec2.get_vpc(id=vpc_id, opts=invoke)
    except Exception as error:
        if "notfound" not in str(error).lower().replace(" ", ""):
            raise  # credentials, throttling: not the setting's fault
        raise SettingError("vpcId", vpc_id, f"expected a VPC of this account and region; AWS says: {error}") from None


ZONE_LOOKUP = "aws:route53/getZone:getZone"


def check_domain_in_zone(domain: str, zone_id: str, invoke: pulumi.InvokeOptions) -> None:
    """``originDomain`` must be a name of the hosted zone ``hostedZoneId``: Route 53 refuses a record outside
    its zone ("RRSet with DNS name ... is not permitted in zone ..."), and the certificate's validation record
    and the alias would fail after the VPC, load balancer and instances exist. The untyped data source: a
    review without the account (the offline mocks) cannot know the zone's name, and then nothing is checked.
    """
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    try:
        found = dict(pulumi.runtime.invoke(ZONE_LOOKUP, {"zoneId": zone_id}, opts=opts).value or {})
    except Exception as error:
        if "no matching" not in str(error).lower() and "nosuchhostedzone" not in str(error).lower():
            raise  # credentials, throttling: not the setting's fault
        raise SettingError(
            "hostedZoneId", zone_id, f"expected a Route 53 hosted zone of this account; AWS says: {error}"
        ) from None
    zone_name = found.get("name")
    if not isinstance(zone_name, str) or not zone_name or zone_name == pulumi.runtime.rpc.UNKNOWN:
        return
    zone = zone_name.lower().rstrip(".")
    if domain != zone and not domain.endswith("." + zone):
        raise SettingError(
            "originDomain",
            domain,
            f"expected a name in hosted zone {zone_id} ({zone}), such as origin.{zone}: Route 53 keeps a zone's "
            "records inside it",
        )


# A Region code as one of AWS's partitions defines them: each partition's ``regionRegex`` in botocore's
# botocore/data/partitions.json (the SDKs' shared endpoint data), copied here because the component does not depend
# on botocore; tests/components/test_new_user.py checks the copy against the installed botocore's file.
# https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
REGION_PATTERNS: tuple[str, ...] = (
    r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
    r"^cn\-\w+\-\d+$",
    r"^eusc\-(de)\-\w+\-\d+$",
    r"^us\-iso\-\w+\-\d+$",
    r"^us\-isob\-\w+\-\d+$",
    r"^eu\-isoe\-\w+\-\d+$",
    r"^us\-isof\-\w+\-\d+$",
    r"^us\-gov\-\w+\-\d+$",
)
# Whole strings only: ``$`` would also match before a final newline.
REGION_CODES = tuple(re.compile(pattern.removesuffix("$") + r"\Z", re.ASCII) for pattern in REGION_PATTERNS)


def is_region_code(region: str) -> bool:
    return any(pattern.match(region) for pattern in REGION_CODES)


def check_region(region: object) -> None:
    """The region the AWS provider was given looks like one: ``us-east1`` fails here, named as what it is, before
    any check that uses the region (the boot script, VPC origins, zones) could blame another setting."""
    if not isinstance(region, str) or not is_region_code(region):
        raise SettingError(
            "aws:region",
            region,
            "expected an AWS Region code such as us-east-1 (the AWS provider's region: aws:region in the stack "
            "file, AWS_REGION, or the provider passed to the component)",
        )


def unknown_instance_type(instance_type: str) -> str | None:
    """A warning when the AWS provider's list of instance types (the ``InstanceType`` enum of the installed
    pulumi-aws, generated from its schema) lacks ``instance_type``: a typo then fails only when AWS launches the
    instance, after the network and groups exist. Not an error: AWS launches new types before the provider lists
    them, and the lookups before anything is registered refuse a type no zone offers."""
    known = {member.value for member in aws.ec2.InstanceType}
    if instance_type in known:
        return None
    return (
        f"instanceType {instance_type!r} is not one of the {len(known)} EC2 instance types the AWS provider lists "
        f"(pulumi-aws {importlib.metadata.version('pulumi-aws')}): if it is a typo, AWS refuses it only when it "
        "launches the instance; a type newer than the provider is fine "
        "(https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-types.html)"
    )


def run_preflight(name: str, args: Settings, opts: pulumi.ResourceOptions | None = None) -> Preflight:
    """Check everything that could refuse the stack part-way through, in the order a user would fix it."""
    check_component_name(name, args)
    parameter_name = secrets_parameter_name(pulumi.get_project(), pulumi.get_stack(), name)
    if args.architecture == "direct":
        check_parameter_name(parameter_name)
    invoke = invoke_options(opts)
    region = aws.get_region(opts=invoke).region
    check_region(region)
    warning = unknown_instance_type(args.instance_type)
    if warning is not None:
        pulumi.log.warn(warning)
    checked = args
    tls = args.origin_tls
    if tls is not None and isinstance(tls.certificate_arn, pulumi.Output):

        def in_region(arn: str) -> str:
            check_certificate_region(arn, region)
            return arn

        checked = replace(
            checked, origin_tls=replace(tls, certificate_arn=checked_when_known(tls.certificate_arn, in_region))
        )
    elif tls is not None and isinstance(tls.certificate_arn, str):
        check_certificate_region(tls.certificate_arn, region)
    if tls is not None and isinstance(tls.hosted_zone_id, str):
        check_domain_in_zone(tls.domain_name, tls.hosted_zone_id, invoke)
    if args.vpc_origin:
        problem = region_problem(region)
        if problem is not None:
            raise SettingError("vpcOrigin", True, problem)
    boot = boot_settings(args, region, parameter_name, stack_dimension(pulumi.get_project(), pulumi.get_stack(), name))
    check_user_data(args, boot)
    zones: tuple[Zone, ...] = ()
    if isinstance(args.network, ExistingNetwork):
        check_vpc_exists(args.network.vpc_id, invoke)
    if args.network is not None:
        check_instance_type_offered(args.instance_type, region, invoke)
    if args.network is None:
        zones = tuple(available_zones(args, region, invoke))
    elif args.vpc_origin and isinstance(args.network, ExistingNetwork):
        check_existing_network_for_vpc_origin(args.network, args.architecture, invoke)
    elif args.vpc_origin and isinstance(args.network, PendingNetwork):
        # Ids not known yet: the same lookups once they are (they are existing resources, so `pulumi up`
        # fails at them, before the origin is built in the network).
        architecture, pending = args.architecture, args.network

        def usable(parts: list[Any]) -> ExistingNetwork:
            network = ExistingNetwork(parts[0], tuple(parts[1]), tuple(parts[2]))
            check_existing_network_for_vpc_origin(network, architecture, invoke)
            return network

        parts = pulumi.Output.all(pending.vpc_id, pending.public_subnet_ids, pending.private_subnet_ids)
        checked = replace(checked, network=pending_network(checked_when_known(parts, usable)))
    mtls = origin_mtls_preflight(name, args, invoke) if args.origin_mtls is not None else None
    cache_policy_id = _policy_id("cachePolicy", args.cache_policy_name, CACHE_POLICY_LOOKUP, invoke)
    request_policy_id = _policy_id(
        "originRequestPolicy", args.origin_request_policy_name, ORIGIN_REQUEST_POLICY_LOOKUP, invoke
    )
    return Preflight(
        name=name,
        settings=checked,
        region=region,
        parameter_name=parameter_name,
        boot=boot,
        cache_policy_id=cache_policy_id,
        origin_request_policy_id=request_policy_id,
        zones=zones,
        mtls=mtls,
    )


PRIVATE_CA_LOOKUP = "aws:acmpca/getCertificateAuthority:getCertificateAuthority"


def _private_ca_lookup(arn: str, invoke: pulumi.InvokeOptions) -> dict[str, Any]:
    """A Private CA as AWS describes it (its certificate, chain, status, usage mode); a missing one is a
    SettingError."""
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    try:
        return dict(
            pulumi.runtime.invoke(PRIVATE_CA_LOOKUP, {"arn": arn, "region": private_ca_region(arn)}, opts=opts).value
            or {}
        )
    except Exception as error:
        if "not found" not in str(error).lower() and "notfound" not in str(error).lower():
            raise
        raise SettingError(
            "originMtlsPrivateCaArn", arn, f"expected a Private CA this account can use; AWS says: {error}"
        ) from None


def _usable(arn: str, found: dict[str, Any]) -> PrivateCa:
    certificate = str(found.get("certificate") or "")
    try:
        key_algorithm, signing_algorithm = key_algorithm_of(certificate)
    except ValueError as error:
        raise SettingError("originMtlsPrivateCaArn", arn, f"cannot use its certificate: {error}") from None
    return PrivateCa(
        arn=arn,
        region=private_ca_region(arn),
        partition=arn.split(":")[1],
        certificate=certificate,
        chain=str(found.get("certificateChain") or ""),
        key_algorithm=key_algorithm,
        signing_algorithm=signing_algorithm,
    )


def private_ca(arn: str, invoke: pulumi.InvokeOptions) -> PrivateCa:
    """The Private CA that issues CloudFront's certificate: active, general-purpose (a short-lived CA's certificates
    last at most 7 days, less than the renewal period), and of a key type CloudFront's certificate can match."""
    found = _private_ca_lookup(arn, invoke)
    status, usage = found.get("status"), found.get("usageMode")
    if status != "ACTIVE":
        raise SettingError(
            "originMtlsPrivateCaArn", arn, f"expected an ACTIVE Private CA (it is {status}): only an active CA issues"
        )
    if usage == "SHORT_LIVED_CERTIFICATE":
        raise SettingError(
            "originMtlsPrivateCaArn",
            arn,
            "expected a general-purpose Private CA: a short-lived CA's certificates last at most 7 days "
            "(https://docs.aws.amazon.com/privateca/latest/userguide/short-lived-certificates.html), and CloudFront's "
            "is renewed by the deploys, 30 days after issue",
        )
    return _usable(arn, found)


def kept_private_cas(arns: Sequence[str], invoke: pulumi.InvokeOptions) -> tuple[tuple[PrivateCa, ...], list[str]]:
    """The Private CAs of certificates CloudFront may still present (whatever their status: only their certificates
    are needed), and the ARNs of those that cannot be read (deleted): their certificates cannot be trusted."""
    found: list[PrivateCa] = []
    missing: list[str] = []
    for arn in arns:
        try:
            found.append(_usable(arn, _private_ca_lookup(arn, invoke)))
        except SettingError:
            missing.append(arn)
    return tuple(found), missing


def origin_mtls_preflight(name: str, args: Settings, invoke: pulumi.InvokeOptions) -> MtlsPreflight:
    """This deploy's origin mTLS plan: read the record of what CloudFront presents (origin_mtls_record.py) and the
    distribution it names, then plan on the deploy's clock (origin_mtls_plan.py).

    The listener verifies only when the record shows CloudFront presenting this component's certificate at every
    edge (the distribution Deployed, unchanged since): turning origin mTLS on first makes CloudFront present its
    certificate, and only a deploy after that one has been seen deployed makes the listener require it."""
    assert args.origin_mtls is not None
    project, stack = pulumi.get_project(), pulumi.get_stack()
    organization = pulumi.get_organization()
    names = mtls_record_names(project, stack, name, organization)
    # The tag this component's own distribution carries (cdn.py own_tags): a settled record naming another
    # distribution is not trusted.
    own_tag = rotation_record_names(project, stack, name, organization).tag_value
    check_parameter_name(names.settled)
    arn = args.origin_mtls.private_ca_arn
    ca = private_ca(arn, invoke) if arn is not None else None
    now = deploy_clock()
    record = read_record(names, invoke)
    live = read_distribution(record.settled.distribution_id, invoke) if record.settled is not None else None
    presenting = presents_everywhere(record.settled, live, own_tag)
    if record.settled is not None and live is not None and not owned(live, own_tag):
        pulumi.log.warn(
            f"origin mTLS: the record {names.settled} names the distribution {record.settled.distribution_id}, "
            "which is not this component's own (it lacks its rotation record tag): not trusted; CloudFront "
            "presents the certificate from this deploy on, the listener verifies from the next `pulumi up`"
        )
    may_be_presenting = record.may_be_presenting(now)
    plan = plan_origin_mtls(
        now,
        record.deployed(),
        private_ca_arn=ca.arn if ca is not None else None,
        key_type=key_type_for(ca.key_algorithm) if ca is not None else ECDSA_P256,
        settled_since=record.settled_since(),
        may_be_presenting=may_be_presenting,
    )
    kept, missing = kept_private_cas(plan.kept_private_cas, invoke)
    verify = presenting and not missing
    deployed = record.deployed()
    if deployed is not None and deployed.not_after <= now:
        pulumi.log.warn(
            "origin mTLS: the client certificate CloudFront presents has expired (no deploy renewed it in time): the "
            "listener has refused CloudFront since; this deploy imports a new one, which CloudFront picks up shortly"
        )
    for gone in missing:
        pulumi.log.warn(
            f"origin mTLS: the Private CA {gone}, which issued a certificate CloudFront may still present, cannot be "
            "read: its certificate cannot be trusted, so the listener does not verify client certificates in this "
            "deploy (it does again once CloudFront has presented the new certificate for a day)"
        )
    if verify:
        why = "; the listener verifies it"
    elif record.settled is not None and not presenting:
        why = (
            f"; the listener does not verify client certificates in this deploy: the distribution "
            f"{record.settled.distribution_id} has changed since CloudFront was last seen presenting the certificate "
            "everywhere (or is still deploying); it verifies from the `pulumi up` after one that sees it deployed"
        )
    else:
        why = "; CloudFront presents it from this deploy on, the listener verifies it from the next `pulumi up`"
    pulumi.log.info(plan.summary + why)
    if len(may_be_presenting) > 1:
        pulumi.log.info(f"origin mTLS: CloudFront may still present {names_of(may_be_presenting)}: all trusted")
    if plan.warning:
        pulumi.log.warn(plan.warning)
    return MtlsPreflight(
        plan=plan,
        identity=f"{project}/{stack}/{name}",
        verify=verify,
        now=now,
        record=record,
        names=names,
        private_ca=ca,
        kept_private_cas=kept,
        presenting=presenting,
    )

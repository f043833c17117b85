"""Run the Pulumi program in-process, with mocks that behave like the engine where it matters.

``pulumi.runtime.set_mocks`` alone is kinder than the engine: it ignores
``additional_secret_outputs``, forgets that a secret input makes the same-named output secret, and
knows every output at preview. :class:`EngineLikeMonitor` closes those gaps:

* outputs named in ``additional_secret_outputs`` and outputs whose input was secret come back secret;
* at preview (``preview=True``) a custom resource's id and every output that is not an input are
  unknown, as they are before the provider has created anything;
* a data source answers for the region of the provider it was called through (an explicit
  ``aws.Provider(region=...)``, else the stack's region), as the engine routes it;
* each registration is recorded as a :class:`~offline.snapshot.ResourceSnapshot` (inputs, outputs,
  parent, dependencies, property dependencies, options) in wire form, so tests and the policy pack see
  exactly what the CLI would hand them.

:class:`AwsMocks` answers the resources and data sources the program uses with plausible values
(real AWS id shapes, the real ids of the managed CloudFront policies). A CloudFront policy of the
user's own account (a name without the ``Managed-`` prefix) cannot be known offline: its id is unknown
at preview, as any value the engine cannot know yet, and a made-up id at up, like every other id here.

:func:`operate` goes one step further for sequences of operations (`pulumi up`, `preview`, a refresh that
runs the program) across simulated time: it keeps an :class:`EngineState` between them, as the engine's
checkpoint does. An unchanged resource keeps its outputs (a ``RandomPassword`` its value) and is not sent
to the provider; a changed or new one is; a resource can be made to fail (before or after its change
reached the cloud); the stack's outputs are replaced only when the program finished.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import runpy
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pulumi
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import resource_pb2, source_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from cloudfront_origin_lockdown.mock_outputs import (
    ACCOUNT_ID,
    cloudfront_service_group_id,
    computed_outputs,
)
from cloudfront_origin_lockdown.mock_outputs import name_digest as _digest
from offline import tls_mocks
from offline.snapshot import (
    UNKNOWN,
    InvokeSnapshot,
    ProgramRun,
    ResourceSnapshot,
    is_secret,
    make_secret,
    reveal,
)


def _no_stack_trace() -> source_pb2.StackTrace:
    """The SDK sends the engine a stack trace with every registration (where in the program it was made, for the
    CLI's messages): a quarter of a mocked run's time, and nothing here reads it. The offline engine asks for none;
    a real deploy never imports this module."""
    return source_pb2.StackTrace()


if hasattr(pulumi_resource, "_get_stack_trace"):  # an SDK that has it (3.1xx); otherwise nothing to skip
    pulumi_resource._get_stack_trace = _no_stack_trace


PROJECT = "cloudfront-origin-lockdown"
PROJECT_DIR = Path(__file__).resolve().parent.parent
STACK_REFERENCE = "pulumi:pulumi:StackReference"
PASSWORD = "random:index/randomPassword:RandomPassword"
# Providers that keep nothing in a cloud: a killed change of theirs is simply not recorded.
LOCAL_PROVIDERS = ("random:", "tls:")
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LISTENER = "aws:lb/listener:Listener"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
# Read by the program as its clock (cloudfront_origin_lockdown.auto_rotation.deploy_time).
CLOCK_VARIABLE = "ORIGIN_LOCKDOWN_NOW"

# Real ids of AWS's managed CloudFront policies (they are the same in every account):
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
MANAGED_CACHE_POLICIES = {
    "Managed-Amplify": "2e54312d-136d-493c-8eb9-b001f22f67d2",
    "Managed-CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "Managed-CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "Managed-CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
    "Managed-Elemental-MediaPackage": "08627262-05a9-4f76-9ded-b50ca2e3a84f",
    "Managed-UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
    "Managed-UseOriginCacheControlHeaders-QueryStrings": "4cc15a8a-d715-48a4-82b8-cc0b614638fe",
}
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "Managed-AllViewer": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "Managed-AllViewerAndCloudFrontHeaders-2022-06": "33f36d7e-f396-46d9-90e0-52428a34d9dc",
    "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    "Managed-CORS-CustomOrigin": "59781a5b-3903-41f3-afcb-af62929ccde1",
    "Managed-CORS-S3Origin": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
    "Managed-Elemental-MediaTailor-PersonalizedManifests": "775133bc-15f2-49f9-abea-afb2e0bf67d2",
    "Managed-HostHeaderOnly": "bf0718e1-ba1e-49d1-88b1-f726733018ae",
    "Managed-UserAgentRefererHeaders": "acba4595-bd28-49b8-b9fe-13317c0390fa",
}
MANAGED_POLICY_PREFIX = "Managed-"
# Ids of the CloudFront origin-facing lists in us-east-1 (they differ per region; only the shape matters).
MANAGED_PREFIX_LISTS = {
    "com.amazonaws.global.cloudfront.origin-facing": "pl-3b927c52",
    "com.amazonaws.global.ipv6.cloudfront.origin-facing": "pl-0d6f5e0e3a7f1c2b4",
}


# The Availability Zones the mocks report for us-east-1, in AWS's order (by name), with the facts the
# program filters on. Zone names map to zone ids per account; this is one plausible account. The Local
# Zone sorts first by name, so a lookup that forgets the opt-in filter picks it (and fails the tests).
# Other regions get three plain zones.
MOCK_ZONES_US_EAST_1: tuple[tuple[str, str, str, str], ...] = (
    # (name, zone id, zone type, opt-in status)
    ("us-east-1-bos-1a", "use1-bos1-az1", "local-zone", "opted-in"),
    ("us-east-1a", "use1-az6", "availability-zone", "opt-in-not-required"),
    ("us-east-1b", "use1-az3", "availability-zone", "opt-in-not-required"),
    ("us-east-1c", "use1-az1", "availability-zone", "opt-in-not-required"),
    ("us-east-1d", "use1-az2", "availability-zone", "opt-in-not-required"),
    ("us-east-1e", "use1-az4", "availability-zone", "opt-in-not-required"),
    ("us-east-1f", "use1-az5", "availability-zone", "opt-in-not-required"),
)
# Instance types the mocks offer only in some zone ids (every other type: every zone).
MOCK_LIMITED_OFFERINGS: Mapping[str, tuple[str, ...]] = {
    "x2iedn.xlarge": ("use1-az1", "use1-az4"),
    "u-6tb1.56xlarge": ("use1-az4",),
    # Two zones, one of them excluded for VPC origins.
    "inf2.xlarge": ("use1-az3", "use1-az1"),
}
# Instance types no zone offers, in the mocks (a typo): every other type is offered (above).
MOCK_UNOFFERED_TYPES = frozenset({"t3.micrp"})
# Hosted zones the mocks know (what aws.route53.get_zone returns); any other id is a zone of the user's
# account, whose name only AWS knows (unknown), but MOCK_MISSING_ZONE, which AWS does not know.
MOCK_ZONES: Mapping[str, str] = {"Z0123456789ABC": "example.com"}
MOCK_MISSING_ZONE = "Z00000000000000BAD"
# Existing subnets the mocks know (what aws.ec2.get_subnet returns), for stacks with vpcId.
MOCK_VPC_ID = "vpc-0123456789abcdef0"
# A VPC id AWS answers "not found" for, in the mocks (any other id is a VPC of the user's account).
MOCK_MISSING_VPC = "vpc-00000000000000bad"
# Subnet ids AWS answers "not found" for, in the mocks (any other unknown id is the user's: unknown facts).
MOCK_MISSING_SUBNETS = frozenset({"subnet-0000000000000dead"})
MOCK_VPC_WITHOUT_IGW = "vpc-0000000000000dead"
MOCK_SUBNETS: Mapping[str, dict[str, Any]] = {
    "subnet-0000000a": {"vpcId": MOCK_VPC_ID, "availabilityZoneId": "use1-az6", "availableIpAddressCount": 250},
    "subnet-0000000b": {"vpcId": MOCK_VPC_ID, "availabilityZoneId": "use1-az1", "availableIpAddressCount": 250},
    "subnet-0000000c": {"vpcId": MOCK_VPC_ID, "availabilityZoneId": "use1-az6", "availableIpAddressCount": 250},
    "subnet-0000000d": {"vpcId": MOCK_VPC_ID, "availabilityZoneId": "use1-az1", "availableIpAddressCount": 250},
    # In the zone VPC origins exclude.
    "subnet-0000000e": {"vpcId": MOCK_VPC_ID, "availabilityZoneId": "use1-az3", "availableIpAddressCount": 250},
    # Full.
    "subnet-0000000f": {"vpcId": MOCK_VPC_ID, "availabilityZoneId": "use1-az2", "availableIpAddressCount": 0},
    # IPv6-only.
    "subnet-00000010": {
        "vpcId": MOCK_VPC_ID,
        "availabilityZoneId": "use1-az2",
        "availableIpAddressCount": 0,
        "ipv6Native": True,
    },
    # In another VPC.
    "subnet-00000011": {
        "vpcId": "vpc-0fedcba9876543210",
        "availabilityZoneId": "use1-az2",
        "availableIpAddressCount": 9,
    },
    # In the VPC without an internet gateway.
    "subnet-00000012": {
        "vpcId": MOCK_VPC_WITHOUT_IGW,
        "availabilityZoneId": "use1-az2",
        "availableIpAddressCount": 200,
    },
}
CLOUDFRONT_SERVICE_SECURITY_GROUP = "CloudFront-VPCOrigins-Service-SG"
# Origin mTLS's lookups, and the Private CAs the mocks know (any other ARN is not found): offline/tls_mocks.py signs
# with them.
MTLS_LOOKUPS = frozenset(
    {"aws:acm/getCertificate:getCertificate", "aws:acmpca/getCertificateAuthority:getCertificateAuthority"}
)
MOCK_PRIVATE_CA_ARN = tls_mocks.MOCK_PRIVATE_CA_ARN
MOCK_OTHER_PRIVATE_CA_ARN = tls_mocks.MOCK_OTHER_PRIVATE_CA_ARN
MOCK_RSA_PRIVATE_CA_ARN = tls_mocks.MOCK_RSA_PRIVATE_CA_ARN
MOCK_SHORT_LIVED_CA_ARN = tls_mocks.MOCK_SHORT_LIVED_CA_ARN
MOCK_PRIVATE_CAS: Mapping[str, dict[str, str]] = {
    MOCK_PRIVATE_CA_ARN: {"status": "ACTIVE", "usageMode": "GENERAL_PURPOSE", "type": "ROOT"},
    MOCK_OTHER_PRIVATE_CA_ARN: {"status": "ACTIVE", "usageMode": "GENERAL_PURPOSE", "type": "ROOT"},
    MOCK_RSA_PRIVATE_CA_ARN: {"status": "ACTIVE", "usageMode": "GENERAL_PURPOSE", "type": "ROOT"},
    MOCK_SHORT_LIVED_CA_ARN: {"status": "ACTIVE", "usageMode": "SHORT_LIVED_CERTIFICATE", "type": "ROOT"},
}
ACM_CERTIFICATE = "aws:acm/certificate:Certificate"
# ListCertificates without Includes.keyTypes: "Default filtering returns only RSA_1024 and RSA_2048 certificates"
# (https://docs.aws.amazon.com/acm/latest/APIReference/API_Filters.html); the data source sends Includes only when
# key_types is set (terraform-provider-aws internal/service/acm/certificate_data_source.go).
ACM_DEFAULT_KEY_TYPES = ("RSA_1024", "RSA_2048")


def acm_key_type(certificate_pem: str) -> str:
    """ACM's name of a certificate's key algorithm (KeyAlgorithm in the ACM API)."""
    key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA_{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "EC_prime256v1", "secp384r1": "EC_secp384r1", "secp521r1": "EC_secp521r1"}.get(
            key.curve.name, key.curve.name
        )
    return type(key).__name__


def provider_refusal(typ: str, prior: Mapping[str, Any] | None, inputs: Mapping[str, Any]) -> str | None:
    """What AWS refuses of an update the engine sends, as the provider reports it: ACM re-imports a certificate only
    with the same key type ("The key type and size cannot be changed",
    https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html)."""
    if typ != ACM_CERTIFICATE or prior is None:
        return None
    old, new = prior.get("certificateBody"), inputs.get("certificateBody")
    if not (
        isinstance(old, str) and isinstance(new, str) and "BEGIN CERTIFICATE" in old and "BEGIN CERTIFICATE" in new
    ):
        return None
    before, after = acm_key_type(old), acm_key_type(new)
    if before != after:
        return f"ValidationException: the key type and size cannot be changed on reimport ({before} -> {after})"
    return None


def _state_parts(state: Any) -> tuple[str, Mapping[str, Any]]:
    """(type, plain inputs) of a checkpoint entry (ResourceState) or a registration (ResourceSnapshot)."""
    return str(state.type), reveal(dict(state.inputs))


def _filter_values(inputs: Mapping[str, Any], name: str) -> list[str] | None:
    """The values of the data source filter ``name`` (``None`` when the call has no such filter)."""
    for item in inputs.get("filters") or []:
        if item.get("name") == name:
            return [str(v) for v in item.get("values") or []]
    return None


class AwsMocks(pulumi.runtime.Mocks):
    """Plausible provider answers for the resources and data sources this project uses."""

    def __init__(
        self, preview: bool = False, region: str = "us-east-1", deployed_outputs: Mapping[str, Any] | None = None
    ) -> None:
        self.preview = preview
        self.region = region
        # What the stack's last deployment exported, as a StackReference to it reads them.
        self.deployed_outputs = dict(deployed_outputs or {})
        # CloudFront creates its service security group in a VPC with the first VPC origin there: until
        # one has been created, looking the group up fails as it does against AWS.
        self.vpc_origins_created = 0
        # Appended to a password's name to seed its value: a new creation gets a new value (see operate).
        self.password_salt = ""
        # Explicit AWS providers by URN, and the region each was configured with.
        self.provider_regions: dict[str, str] = {}
        # What Parameter Store holds (name -> value) when the run starts: ``operate`` fills it from the engine's
        # checkpoint, so a lookup reads what earlier operations wrote (and a failed one left behind).
        self.parameters: dict[str, str] = {}
        # What aws.cloudfront.get_distribution reports as the status of a distribution this run did not update
        # (a change a failed `pulumi up` left deploying: InProgress), and the distributions it updated (each
        # update waits for Deployed).
        self.distribution_status = "Deployed"
        self.deployed_distributions: set[str] = set()
        # What the engine's checkpoint holds (the last applied inputs of each resource): what lookups of resources
        # the stack itself created answer (origin mTLS reads back the certificate ACM holds).
        self.deployed_resources: Mapping[str, Any] = {}
        # The configuration each distribution has in CloudFront (by id): the checkpoint's, then what this run created
        # or updated. aws.cloudfront.get_distribution reports an ETag of it (any change gives another one, as
        # CloudFront's does); a distribution outside the stack gets one of its id and status.
        self.live_distributions: dict[str, Mapping[str, Any]] = {}
        # What AWS holds now, by URN (ResourceState or ResourceSnapshot), as the run goes: what data sources that
        # read a resource back live answer (the listener rule's conditions, resources by tag). ``operate`` keeps it
        # (a killed update leaves AWS ahead of the checkpoint); a single run adds each registration.
        self.live: dict[str, Any] = {}

    def region_of(self, provider_reference: str) -> str:
        """The region a data source called through ``provider_reference`` ("URN::id") answers for."""
        urn = provider_reference.rsplit("::", 1)[0] if provider_reference else ""
        return self.provider_regions.get(urn, self.region)

    # -- resources --------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = reveal(args.inputs)
        if args.typ == STACK_REFERENCE:
            # A read of an existing stack: known at preview too.
            return str(inputs.get("name")), {
                "name": inputs.get("name"),
                "outputs": self.deployed_outputs,
                "secretOutputNames": [],
            }
        # A resource's own `region` argument (pulumi-aws 7) wins over its provider's region, as in the provider.
        region = str(inputs.get("region") or self.region_of(args.provider or ""))
        computed = self._computed_outputs(args.typ, args.name, inputs, region)
        resource_id = computed.pop("id", None) or f"{args.name}-{_digest(args.typ, args.name, length=8)}"
        if args.typ == "aws:cloudfront/vpcOrigin:VpcOrigin" and not self.preview:
            self.vpc_origins_created += 1
        if args.typ == DISTRIBUTION and not self.preview:
            self.live_distributions[resource_id] = inputs
        if self.preview:
            # Before the provider has run, the engine knows the inputs and nothing else.
            return "", {**{k: UNKNOWN for k in computed}, **args.inputs}
        return resource_id, {**computed, **args.inputs}

    def _computed_outputs(self, typ: str, name: str, inputs: Mapping[str, Any], region: str) -> dict[str, Any]:
        return computed_outputs(typ, name, inputs, region, self.password_salt)

    # -- data sources -------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        token, inputs = args.token, reveal(args.args)
        region = self.region_of(args.provider)
        if token == "aws:ec2/getManagedPrefixList:getManagedPrefixList":
            name = inputs.get("name")
            if name not in MANAGED_PREFIX_LISTS:
                raise ValueError(f"no managed prefix list named {name!r} in the mocks")
            # The lists' ids differ per region: only us-east-1's are the real ones.
            list_id = MANAGED_PREFIX_LISTS[name] if region == "us-east-1" else f"pl-{_digest(region, name, length=8)}"
            return {
                "id": list_id,
                "name": name,
                "maxEntries": 55,
                "addressFamily": "IPv6" if ".ipv6." in name else "IPv4",
                "ownerId": "AWS",
                "entries": [],
            }
        if token == "aws:cloudfront/getCachePolicy:getCachePolicy":
            return self._policy(MANAGED_CACHE_POLICIES, inputs.get("name"), "cache policy")
        if token == "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy":
            return self._policy(MANAGED_ORIGIN_REQUEST_POLICIES, inputs.get("name"), "origin request policy")
        if token == "aws:index/getRegion:getRegion":
            return {
                "id": region,
                "name": region,
                "region": region,
                "description": "mock",
                "endpoint": f"ec2.{region}.amazonaws.com",
            }
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return self._availability_zones(inputs, region)
        if token == "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            return self._instance_type_offerings(inputs, region)
        if token in self.NOT_FOUND_CAPABLE:
            try:
                return self._lookup(token, inputs)
            except LookupError as error:
                # As the provider reports "not found": an error the program may catch, not a crash of the run.
                return {}, [("", str(error))]  # type: ignore[return-value]
        if token in MTLS_LOOKUPS:
            try:
                return self._mtls_lookup(token, inputs)
            except LookupError as error:
                return {}, [("", str(error))]  # type: ignore[return-value]
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock",
                "id": ACCOUNT_ID,
                "userId": "AIDAMOCK",
            }
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:ssm/getParametersByPath:getParametersByPath":
            return self._parameters_by_path(inputs)
        if token == "aws:lb/getListenerRule:getListenerRule":
            return self._listener_rule(str(inputs.get("arn")))
        if token == "aws:lb/getListener:getListener":
            return self._listener(str(inputs.get("arn")))
        if token == "aws:resourcegroupstaggingapi/getResources:getResources":
            return self._resources_by_tag(inputs)
        if token == "aws:cloudfront/getDistribution:getDistribution":
            try:
                return self._distribution(str(inputs.get("id")))
            except LookupError as error:
                return {}, [("", str(error))]  # type: ignore[return-value]
        if token == "aws:ssm/getParameter:getParameter":
            return {
                "id": inputs["name"],
                "name": inputs["name"],
                "value": "ami-0123456789abcdef0",
                "insecureValue": "ami-0123456789abcdef0",
                "type": "String",
                "version": 1,
                "arn": "arn:mock",
            }
        raise NotImplementedError(f"the mocks do not answer data source {token}; add it to offline/mocks.py")

    def _mtls_lookup(self, token: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Origin mTLS's lookups: a Private CA (one of the mocks', or not found), and ACM's certificates as the
        ``aws_acm_certificate`` data source lists them (from the checkpoint: what the stack imported). The component
        no longer looks its certificate up in ACM (origin_mtls_record.py says why); this answers as ACM would, key-type
        filter included, so that a program that does cannot pass for one that works."""
        if token == "aws:acmpca/getCertificateAuthority:getCertificateAuthority":
            arn = str(inputs.get("arn"))
            if arn not in MOCK_PRIVATE_CAS:
                raise LookupError(f"ResourceNotFoundException: could not find certificate authority {arn}")
            _, pem = tls_mocks.mock_private_ca(arn)
            return {"arn": arn, "certificate": pem, "certificateChain": "", **MOCK_PRIVATE_CAS[arn]}
        # As ListCertificates filters before the data source looks at tags: by key type (RSA_1024 and RSA_2048 unless
        # keyTypes says otherwise) and status.
        key_types = list(inputs.get("keyTypes") or ACM_DEFAULT_KEY_TYPES)
        wanted = dict(inputs.get("tags") or {})
        now = tls_mocks.program_now()
        found = []
        for urn, state in self.deployed_resources.items():
            state_type, state_inputs = _state_parts(state)
            if state_type != ACM_CERTIFICATE or str(state_inputs.get("region")) != str(inputs.get("region")):
                continue
            tags = dict(state_inputs.get("tags") or {})
            body = state_inputs.get("certificateBody")
            if any(tags.get(k) != v for k, v in wanted.items()) or not isinstance(body, str):
                continue
            if acm_key_type(body) not in key_types:
                continue
            expired = x509.load_pem_x509_certificate(body.encode()).not_valid_after_utc <= now
            if expired and "EXPIRED" not in (inputs.get("statuses") or ["ISSUED"]):
                continue
            found.append((urn, {**state_inputs, "status": "EXPIRED" if expired else "ISSUED"}))
        if not found:
            raise LookupError("no ACM Certificate found matching input criteria")
        if len(found) > 1:
            raise LookupError("multiple ACM Certificates matching input criteria")
        urn, state_inputs = found[0]
        issued = state_inputs["status"] == "ISSUED"
        return {
            "arn": f"arn:aws:acm:us-east-1:{ACCOUNT_ID}:certificate/{_digest(urn)}",
            # As the data source: the certificate's body and chain only for an issued one.
            "certificate": state_inputs["certificateBody"] if issued else None,
            "certificateChain": state_inputs.get("certificateChain") if issued else None,
            "status": state_inputs["status"],
            "tags": dict(state_inputs.get("tags") or {}),
        }

    NOT_FOUND_CAPABLE = frozenset(
        {
            "aws:ec2/getSecurityGroup:getSecurityGroup",
            "aws:ec2/getSubnet:getSubnet",
            "aws:ec2/getVpc:getVpc",
            "aws:ec2/getInternetGateway:getInternetGateway",
            "aws:route53/getZone:getZone",
        }
    )

    def _lookup(self, token: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Data sources that can answer "not found" (raised as LookupError)."""
        if token == "aws:ec2/getSecurityGroup:getSecurityGroup":
            return self._security_group(inputs)
        if token == "aws:route53/getZone:getZone":
            zone_id = str(inputs.get("zoneId"))
            if zone_id == MOCK_MISSING_ZONE:
                raise LookupError(f"no matching Route 53 Hosted Zone found (NoSuchHostedZone: {zone_id})")
            return {"id": zone_id, "zoneId": zone_id, "name": MOCK_ZONES.get(zone_id, UNKNOWN)}
        if token == "aws:ec2/getVpc:getVpc":
            if inputs.get("id") == MOCK_MISSING_VPC:
                raise LookupError(f"InvalidVpcID.NotFound: The vpc ID '{MOCK_MISSING_VPC}' does not exist")
            return {"id": inputs.get("id"), "cidrBlock": "10.0.0.0/16", "ipv6CidrBlock": ""}
        if token == "aws:ec2/getSubnet:getSubnet":
            subnet_id = str(inputs.get("id"))
            if subnet_id in MOCK_MISSING_SUBNETS:
                raise LookupError(f"InvalidSubnetID.NotFound: The subnet ID '{subnet_id}' does not exist")
            if subnet_id not in MOCK_SUBNETS:
                # A subnet of the user's account: only AWS knows its facts (as a custom CloudFront policy).
                facts = ("vpcId", "availabilityZone", "availabilityZoneId", "availableIpAddressCount", "ipv6Native")
                return {"id": subnet_id, **{key: UNKNOWN for key in facts}}
            return {"id": subnet_id, "ipv6Native": False, **MOCK_SUBNETS[subnet_id]}
        vpc_ids = _filter_values(inputs, "attachment.vpc-id") or []
        if MOCK_VPC_WITHOUT_IGW in vpc_ids:
            raise LookupError("no matching EC2 Internet Gateway found")
        return {"id": f"igw-{_digest(*vpc_ids)}", "internetGatewayId": f"igw-{_digest(*vpc_ids)}"}

    def _parameters_by_path(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """GetParametersByPath: the parameters directly under the path (recursive: at any depth), by name; an
        empty answer where there are none, as AWS gives."""
        path = str(inputs.get("path") or "").rstrip("/")
        recursive = bool(inputs.get("recursive"))
        names = sorted(
            name
            for name in self.parameters
            if name.startswith(path + "/") and (recursive or "/" not in name[len(path) + 1 :])
        )
        return {
            "id": path,
            "path": path,
            "recursive": recursive,
            "withDecryption": bool(inputs.get("withDecryption", True)),
            "names": names,
            "values": [self.parameters[name] for name in names],
            "types": ["String"] * len(names),
            "arns": [f"arn:aws:ssm:{self.region}:{ACCOUNT_ID}:parameter{name}" for name in names],
        }

    def seed_distributions(self) -> None:
        """The distributions as CloudFront holds them when the run starts: the checkpoint's, or what AWS took of a
        killed update (``live``)."""
        for state in (self.live or self.deployed_resources).values():
            typ, inputs = _state_parts(state)
            if typ == DISTRIBUTION and str(state.id):
                self.live_distributions[str(state.id)] = inputs

    def _listener_rule(self, arn: str) -> dict[str, Any]:
        """DescribeRules by ARN: the rule as AWS holds it now (after a killed update, not what the checkpoint says)."""
        for state in self.live.values():
            state_type, inputs = _state_parts(state)
            if state_type != LISTENER_RULE or str(state.id) != arn:
                continue
            conditions = []
            for condition in inputs.get("conditions") or []:
                header = condition.get("httpHeader")
                # The data source lists each kind of condition (pulumi-aws 7: httpHeaders, a list).
                conditions.append({"httpHeaders": [{**header, "regexValues": []}]} if header else {"httpHeaders": []})
            return {"arn": arn, "id": arn, "listenerArn": inputs.get("listenerArn"), "conditions": conditions}
        raise ValueError(f"RuleNotFound: no listener rule {arn} in the mocks' AWS")

    def _listener(self, arn: str) -> dict[str, Any]:
        """DescribeListeners by ARN: the listener's client certificate check as AWS holds it now (after a killed
        update, not what the checkpoint says). The data source lists it as ``mutualAuthentications``."""
        for state in self.live.values():
            state_type, inputs = _state_parts(state)
            if state_type != LISTENER or str(state.id) != arn:
                continue
            found = inputs.get("mutualAuthentication")
            return {
                "arn": arn,
                "id": arn,
                "loadBalancerArn": inputs.get("loadBalancerArn"),
                "port": inputs.get("port"),
                "protocol": inputs.get("protocol"),
                "mutualAuthentications": [dict(found)] if found else [],
            }
        raise ValueError(f"ListenerNotFound: no listener {arn} in the mocks' AWS")

    def _resources_by_tag(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The Resource Groups Tagging API's GetResources: resources of the given types carrying every given tag
        (a tag filter's values: any of them), from what AWS holds now."""
        types = set(inputs.get("resourceTypeFilters") or [])
        wanted = [(str(item["key"]), set(item.get("values") or [])) for item in inputs.get("tagFilters") or []]
        found: list[dict[str, Any]] = []
        for state in self.live.values():
            state_type, state_inputs = _state_parts(state)
            if state_type != DISTRIBUTION or (types and "cloudfront:distribution" not in types):
                continue
            tags = dict(state_inputs.get("tags") or {})
            if all(key in tags and (not values or tags[key] in values) for key, values in wanted):
                fallback = f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{state.id}"
                arn = reveal(dict(state.outputs)).get("arn") or fallback
                found.append({"resourceArn": arn, "tags": tags, "complianceDetails": []})
        return {"id": str(inputs.get("region") or self.region), "resourceTagMappingLists": found}

    def _distribution(self, distribution_id: str) -> dict[str, Any]:
        status = "Deployed" if distribution_id in self.deployed_distributions else self.distribution_status
        known = self.live_distributions.get(distribution_id)
        configuration = json.dumps(known, sort_keys=True, default=str) if known is not None else status
        return {
            "id": distribution_id,
            "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{distribution_id}",
            "domainName": f"{distribution_id.lower()}.cloudfront.net",
            "hostedZoneId": "Z2FDTNDATAQYW2",
            "status": status,
            "enabled": True,
            # The version of its configuration: another configuration, another ETag.
            "etag": f"E{_digest(distribution_id, configuration, length=13).upper()}",
            "inProgressValidationBatches": 0,
            "lastModifiedTime": "2026-01-01T00:00:00Z",
            "aliases": [],
            "anycastIpListId": "",
            # Its tags as CloudFront holds them (origin mTLS checks the record names this component's own).
            "tags": dict((known or {}).get("tags") or {}),
            "webAclId": "",
        }

    def _availability_zones(self, inputs: Mapping[str, Any], region: str) -> dict[str, Any]:
        """The region's zones, with the request's state, filters and exclusions applied as AWS does."""
        if region == "us-east-1":
            zones = list(MOCK_ZONES_US_EAST_1)
        else:
            short = "".join(part[0] for part in region.split("-")[:-1]) + region.rsplit("-", 1)[-1]
            zones = [
                (f"{region}{s}", f"{short}-az{i}", "availability-zone", "opt-in-not-required")
                for i, s in enumerate("abc", 1)
            ]
        wanted_types = _filter_values(inputs, "zone-type")
        wanted_opt_in = _filter_values(inputs, "opt-in-status")
        excluded = set(inputs.get("excludeZoneIds") or [])
        kept = [
            (name, zone_id)
            for name, zone_id, zone_type, opt_in in zones
            if (wanted_types is None or zone_type in wanted_types)
            and (wanted_opt_in is None or opt_in in wanted_opt_in)
            and zone_id not in excluded
        ]
        return {"id": region, "names": [n for n, _ in kept], "zoneIds": [z for _, z in kept]}

    def _instance_type_offerings(self, inputs: Mapping[str, Any], region: str) -> dict[str, Any]:
        if inputs.get("locationType") != "availability-zone-id":
            raise ValueError("the mocks answer instance type offerings by availability-zone-id only")
        types = _filter_values(inputs, "instance-type") or []
        zone_ids = self._availability_zones({}, region)["zoneIds"]
        locations = sorted(
            {
                zone
                for t in types
                if t not in MOCK_UNOFFERED_TYPES
                for zone in zone_ids
                if zone in MOCK_LIMITED_OFFERINGS.get(t, tuple(zone_ids))
            }
        )
        return {
            "id": region,
            "locationType": "availability-zone-id",
            "locations": locations,
            "locationTypes": ["availability-zone-id"] * len(locations),
            "instanceTypes": [types[0] if types else ""] * len(locations),
        }

    def _a_vpc_origin_exists(self) -> bool:
        """Whether AWS holds a VPC origin: one this run created, or one a previous deploy left (the checkpoint, or
        what AWS took of a killed update): CloudFront's service group exists from the first VPC origin on."""
        if self.vpc_origins_created:
            return True
        held = (self.live or self.deployed_resources).values()
        return any(_state_parts(state)[0] == "aws:cloudfront/vpcOrigin:VpcOrigin" for state in held)

    def _security_group(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        name, vpc_id = inputs.get("name"), str(inputs.get("vpcId"))
        if name != CLOUDFRONT_SERVICE_SECURITY_GROUP:
            raise LookupError(f"no matching EC2 Security Group found (the mocks know only {name!r})")
        if not self._a_vpc_origin_exists():
            raise LookupError(f"no matching EC2 Security Group found ({name} exists only once a VPC origin does)")
        group_id = cloudfront_service_group_id(vpc_id)
        return {
            "id": group_id,
            "name": name,
            "vpcId": vpc_id,
            "arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:security-group/{group_id}",
            "description": "CloudFront VPC origins service security group",
        }

    def _policy(self, managed: Mapping[str, str], name: object, what: str) -> dict[str, Any]:
        """A managed policy by its exact name; a policy of the user's account as an unknown (preview) or
        a made-up id (up), never an error: only the user's account can say whether it exists."""
        if not isinstance(name, str):
            raise ValueError(f"a {what} is looked up by name, got {name!r}")
        if name.startswith(MANAGED_POLICY_PREFIX):
            if name not in managed:
                raise ValueError(f"no AWS-managed {what} named {name!r} (AWS's are: {', '.join(managed)})")
            return {"id": managed[name], "name": name}
        if self.preview:
            return {"id": UNKNOWN, "name": name}
        return {"id": f"custom-{_digest(what, name, length=28)}", "name": name}


def _integral(value: Any) -> Any:
    """Protobuf carries every number as a double; show whole numbers as ints, as the program wrote them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _to_wire(struct: struct_pb2.Struct) -> dict[str, Any]:
    return _integral(json_format.MessageToDict(struct, preserving_proto_field_name=True))


def _to_struct(wire: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(wire, struct)
    return struct


class EngineLikeMonitor(pulumi_mocks.MockMonitor):
    """A mock resource monitor that applies the engine's secret and preview rules and records everything."""

    def __init__(self, mocks: AwsMocks, engine: _Engine | None = None) -> None:
        super().__init__(mocks)
        self.aws_mocks = mocks
        self.engine = engine
        self.snapshots: list[ResourceSnapshot] = []
        self.invokes: list[InvokeSnapshot] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn = ""
        self.logs: list[tuple[str, str]] = []
        # The stack outputs that had resolved when the run ended (see _resolved_exports).
        self.resolved_exports: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        inputs_wire = _to_wire(request.object)
        resource_args = pulumi.runtime.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs_wire,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        if request.custom and self.engine is not None and request.type != STACK_REFERENCE:
            resource_args = self.engine.without_ignored_changes(urn, resource_args, request.ignoreChanges)
            inputs_wire = resource_args.inputs
            resource_id, state = self.engine.step(urn, resource_args, self.aws_mocks)
        elif request.custom:
            resource_id, state = self.aws_mocks.new_resource(resource_args)
            if not self.aws_mocks.preview and request.type != STACK_REFERENCE:
                self.aws_mocks.live[urn] = ResourceState(request.type, resource_id or "", inputs_wire, state)
        else:
            resource_id, state = "", {}
        if request.type == "pulumi:providers:aws" and reveal(inputs_wire).get("region"):
            self.aws_mocks.provider_regions[urn] = str(reveal(inputs_wire)["region"])
        outputs_wire = self._apply_secret_rules(state, inputs_wire, request.additionalSecretOutputs)
        snapshot = ResourceSnapshot(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            provider=request.provider,
            id=resource_id or (UNKNOWN if request.custom else ""),
            inputs=inputs_wire,
            outputs=outputs_wire,
            dependencies=tuple(request.dependencies),
            property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            ignore_changes=tuple(request.ignoreChanges),
            replace_on_changes=tuple(request.replaceOnChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            protect=bool(request.protect),
        )
        self.snapshots.append(snapshot)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(
            urn, resource_id or "", reveal(outputs_wire)
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=_to_struct(outputs_wire))

    @staticmethod
    def _apply_secret_rules(
        state: Mapping[str, Any], inputs_wire: Mapping[str, Any], additional_secret_outputs: Any
    ) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        for key, value in state.items():
            if key in additional_secret_outputs or is_secret(inputs_wire.get(key)):
                outputs[key] = make_secret(value)
            else:
                outputs[key] = value
        return outputs

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn == self.stack_urn:
            self.stack_outputs = _to_wire(request.outputs)
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request: Any) -> Any:
        self.invokes.append(InvokeSnapshot(token=request.tok, args=_to_wire(request.args)))
        return super().Invoke(request)


def _config_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def run_program(
    config: Mapping[str, Any],
    preview: bool = False,
    stack: str = "dev",
    region: str = "us-east-1",
    program: Path | None = None,
    deployed_outputs: Mapping[str, Any] | None = None,
    project: str = PROJECT,
    secret_keys: Sequence[str] = (),
    deployed: ProgramRun | None = None,
    now: datetime | None = None,
    organization: str | None = None,
) -> ProgramRun:
    """Run ``__main__.py`` under the mocks with ``config`` (keys without the project prefix); the keys of
    ``secret_keys`` are stored encrypted, as ``pulumi config set --secret`` stores them. ``deployed``: a run whose
    resources stand for what the stack deployed (what lookups of the stack's own resources read back); ``now``:
    the program's clock; ``organization``: what ``pulumi.get_organization()`` answers (Pulumi Cloud's organization,
    ``"organization"`` on a self-managed backend; the mocks' default, ``None``, stands for the latter).

    ``project`` is the Pulumi project's name (its config namespace): a copy of this program under
    another name reads ``<project>:<key>``, as the CLI would run it. Keys containing ``:`` are passed
    through as they are (e.g. ``aws:region``). ``deployed_outputs``
    stands for the stack's last deployment (what a StackReference to the stack itself reads); pass a
    previous run's ``stack_outputs`` to chain deployments. A failure raises :class:`ProgramError` with
    what had been registered.
    """
    checkpoint = {r.urn: r for r in deployed.resources} if deployed is not None else {}
    run, error, _ = _execute(
        config,
        preview,
        stack,
        region,
        program,
        deployed_outputs,
        now=now,
        project=project,
        secret_keys=secret_keys,
        checkpoint=checkpoint,
        organization=organization,
    )
    if error is not None:
        raise error
    return run


def _execute(
    config: Mapping[str, Any],
    preview: bool,
    stack: str,
    region: str,
    program: Path | None,
    deployed_outputs: Mapping[str, Any] | None,
    engine: _Engine | None = None,
    now: datetime | None = None,
    project: str = PROJECT,
    secret_keys: Sequence[str] = (),
    parameters: Mapping[str, str] | None = None,
    distribution_status: str = "Deployed",
    checkpoint: Mapping[str, Any] | None = None,
    organization: str | None = None,
) -> tuple[ProgramRun, ProgramError | None, EngineLikeMonitor]:
    program = program or PROJECT_DIR / "__main__.py"
    mocks = AwsMocks(preview=preview, region=region, deployed_outputs=deployed_outputs)
    mocks.parameters = dict(parameters or {})
    mocks.distribution_status = distribution_status
    mocks.deployed_resources = checkpoint if checkpoint is not None else (engine.prior.resources if engine else {})
    # The engine's view of AWS is shared with the mocks, so a data source reads what the run has applied so far.
    mocks.live = engine.live if engine is not None else dict(checkpoint or {})
    mocks.seed_distributions()
    monitor = EngineLikeMonitor(mocks, engine)
    all_config = {"aws:region": region}
    for key, value in config.items():
        all_config[key if ":" in key else f"{project}:{key}"] = _config_value(value)
    set_all_config(all_config, [key if ":" in key else f"{project}:{key}" for key in secret_keys])
    logger = _CollectingLogger()
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=preview, monitor=monitor, logger=logger, organization=organization
    )
    # set_mocks starts (and finishes) a root stack of its own; the program gets a fresh one, as under
    # the real language host, so that its exports are registered as the stack's outputs.
    pulumi_settings.ROOT.set(None)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))

    stacks: list[Any] = []

    def body() -> None:
        stacks.append(pulumi_settings.get_root_resource())
        runpy.run_path(str(program), run_name="__pulumi_program__")

    def collected() -> ProgramRun:
        return ProgramRun(
            resources=list(monitor.snapshots),
            invokes=list(monitor.invokes),
            stack_outputs=dict(monitor.stack_outputs),
            preview=preview,
            logs=list(logger.messages),
        )

    error: ProgramError | None = None
    loop = asyncio.get_event_loop()
    # Kept after the run: futures that carried a run's error are collected whenever their last reference
    # (the error's traceback) goes, and that error was reported once already, as the run's.
    loop.set_exception_handler(_quiet_reported_failures)
    with _clock(now):
        try:
            _sync_await(run_in_stack(body))
        except Exception as caught:
            _REPORTED_ERRORS.add(str(caught))
            error = ProgramError(str(caught), collected())
            error.__cause__ = caught
        finally:
            monitor.resolved_exports = _resolved_exports(stacks[0] if stacks else None)
            _discard_leftover_outputs(loop)
    monitor.logs = list(logger.messages)
    return collected(), error, monitor


def _resolved_exports(stack: Any) -> dict[str, Any]:
    """The stack outputs of a run whose values had resolved to known, plain values (wire form), whether or not
    the run finished: what the engine records of a failed update's outputs (pulumi/pulumi#15754)."""
    found: dict[str, Any] = {}
    for name, value in dict(getattr(stack, "outputs", {}) or {}).items():
        if not isinstance(value, pulumi.Output):
            found[name] = value
            continue
        data = value._data  # the SDK's one future of value, known-ness and secretness
        if not data.done() or data.cancelled() or data.exception() is not None:
            continue
        resolved = data.result()
        plain = resolved.value is None or isinstance(resolved.value, str | int | float | bool | list | dict)
        if resolved.is_known and plain:
            found[name] = make_secret(resolved.value) if resolved.is_secret else resolved.value
    return found


def parameters_in(state: EngineState) -> dict[str, str]:
    """What Parameter Store holds in a checkpoint: each SSM parameter's name and value, as AWS returns them."""
    found: dict[str, str] = {}
    for entry in state.in_aws().values():
        if entry.type != SSM_PARAMETER:
            continue
        inputs = reveal(entry.inputs)
        value = inputs.get("insecureValue", inputs.get("value"))
        if isinstance(inputs.get("name"), str) and isinstance(value, str):
            found[inputs["name"]] = value
    return found


@contextmanager
def _environment(extra: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _discard_leftover_outputs(loop: asyncio.AbstractEventLoop) -> None:
    """After a failed run the SDK leaves output tasks in its process-wide settings; the next run would
    await them and fail with this run's error. The engine would have ended this process: drop them."""
    with pulumi_settings.SETTINGS.lock:
        leftovers = list(pulumi_settings.SETTINGS.outputs)
        pulumi_settings.SETTINGS.outputs.clear()
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))


# Messages of the errors runs ended with (raised as ProgramError).
_REPORTED_ERRORS: set[str] = set()


def _quiet_reported_failures(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A simulated provider failure, or a run's own error (e.g. a check failing inside apply, which every
    Output derived from the value carries), leaves futures nobody awaits; asyncio would log each to stderr."""
    exception = context.get("exception")
    if isinstance(exception, SimulatedFailure) or (exception is not None and str(exception) in _REPORTED_ERRORS):
        return
    loop.default_exception_handler(context)


@contextmanager
def _clock(now: datetime | None) -> Iterator[None]:
    """The program's clock for one run (the environment variable it reads), restored afterwards."""
    if now is None:
        yield
        return
    saved = os.environ.get(CLOCK_VARIABLE)
    os.environ[CLOCK_VARIABLE] = now.isoformat()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(CLOCK_VARIABLE, None)
        else:
            os.environ[CLOCK_VARIABLE] = saved


class _CollectingLogger(logging.Logger):
    """Keeps what the program logs through ``pulumi.log`` (the engine shows it in preview and up)."""

    def __init__(self) -> None:
        # INFO and above: what `pulumi.log` shows by default (the SDK's own debug chatter is left out).
        super().__init__("pulumi-program", logging.INFO)
        self.messages: list[tuple[str, str]] = []

    def _log(self, level: int, msg: object, args: Any, *rest: Any, **kwargs: Any) -> None:
        self.messages.append((logging.getLevelName(level).lower(), str(msg) % args if args else str(msg)))


# -- sequences of operations, with the engine's state between them ---------------------------------


@dataclass(frozen=True)
class ResourceState:
    """One resource in the engine's checkpoint: its type, id, and the inputs and outputs last applied."""

    type: str
    id: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]


@dataclass
class EngineState:
    """The engine's checkpoint between operations: resources by URN, the stack's outputs."""

    resources: dict[str, ResourceState] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    # How many resources the provider has created so far: each creation seeds a new random value, so a
    # replaced (or deleted and re-created) password gets a new one, as with the real provider.
    creations: int = 0
    # What AWS holds where it differs from the checkpoint, by URN: a change the engine sent that reached AWS but
    # whose result the engine never recorded, because the CLI was killed while waiting for it (Failure.killed).
    # Pulumi keeps the old state with a pending operation, and its next `pulumi up` only warns and diffs
    # against that old state (https://www.pulumi.com/docs/iac/concepts/state-and-backends/#interrupted-updates,
    # pulumi/pulumi#9293): an unchanged input is not sent again, whatever AWS holds.
    cloud: dict[str, ResourceState] = field(default_factory=dict)

    def in_aws(self) -> dict[str, ResourceState]:
        """What AWS holds: the checkpoint, except where a killed update left AWS ahead of it."""
        return {**self.resources, **self.cloud}


@dataclass(frozen=True)
class Failure:
    """Make the provider fail on the resource named ``resource`` when the engine sends it a change.

    ``applied``: the change reached the cloud before the error (e.g. CloudFront accepted the new
    configuration, then waiting for it to deploy timed out), so the checkpoint records the new state.

    What else got done depends on timing, which the program's order does not fix: by default every other
    resource whose inputs do not depend on the failed one still goes through (it was in flight, or started in
    parallel); ``not_started`` names resources the engine had not started yet when it stopped (they keep their
    checkpoint state, whatever their place in the program), and ``halt`` stops every resource registered after
    the failure. Together they give any subset of a step's independent resources, in either order.

    ``outputs_recorded``: the engine records the stack outputs the program had registered that resolved (the
    CLI does since 3.112, pulumi/pulumi#15754); otherwise a failed update leaves the previous outputs.

    ``killed``: the CLI was killed while it waited for this resource's change (a cancelled CI job, its
    ``timeout-minutes``, Ctrl-C twice, a lost connection): the change reached AWS, but the checkpoint keeps the
    resource's state from before it (a pending operation; see ``EngineState.cloud``), nothing is started after
    it (as ``halt``), and the stack outputs stay the previous ones. A resource of a local provider (a password, a
    key) has nothing in AWS: killed, it is simply not recorded.
    """

    resource: str
    applied: bool = False
    not_started: tuple[str, ...] = ()
    halt: bool = False
    outputs_recorded: bool = False
    killed: bool = False


class SimulatedFailure(RuntimeError):
    """The provider's error for a :class:`Failure`."""


Operation = Literal["up", "preview", "refresh"]


@dataclass
class OperationResult:
    """One operation of a sequence: what the program registered, whether it failed, the state after."""

    kind: Operation
    run: ProgramRun
    error: ProgramError | None
    before: EngineState
    after: EngineState
    # (level, message) of what the program logged.
    logs: list[tuple[str, str]]
    # URNs the engine sent to the provider (created or updated) and deleted at the end.
    changed: set[str]
    deleted: set[str]


class _Engine:
    """Decides, per registration, what the engine would do with the provider: same, create/update, skip."""

    def __init__(self, kind: Operation, prior: EngineState, failures: Mapping[str, Failure]) -> None:
        self.kind = kind
        self.prior = prior
        self.failures = failures
        self.creations = prior.creations
        self.applied_then_failed: dict[str, ResourceState] = {}
        self.changed: set[str] = set()
        # Set once a simulated failure happened (what ``halt`` stops after).
        self.failed = False
        # What AWS holds as the run goes (data sources that read AWS live answer from it): the prior state, then
        # every change that reached AWS. Changes the checkpoint will not record (killed) and URNs whose AWS state
        # and checkpoint agree again (a provider call that returned) adjust ``EngineState.cloud`` at the end.
        self.live: dict[str, ResourceState] = dict(prior.in_aws())
        self.killed: dict[str, ResourceState] = {}
        self.reconciled: set[str] = set()

    def without_ignored_changes(
        self, urn: str, args: pulumi.runtime.MockResourceArgs, ignore_changes: Any
    ) -> pulumi.runtime.MockResourceArgs:
        """``ignore_changes``: the engine keeps the checkpoint's value of those (top-level) inputs."""
        prior = self.prior.resources.get(urn)
        if prior is None or not ignore_changes:
            return args
        kept = {key: prior.inputs[key] for key in ignore_changes if key in prior.inputs}
        return pulumi.runtime.MockResourceArgs(
            typ=args.typ,
            name=args.name,
            inputs={**args.inputs, **kept},
            provider=args.provider,
            resource_id=args.resource_id,
            custom=args.custom,
        )

    def step(
        self, urn: str, args: pulumi.runtime.MockResourceArgs, mocks: AwsMocks
    ) -> tuple[str | None, dict[str, Any]]:
        prior = self.prior.resources.get(urn)
        if self.kind == "refresh":
            # A refresh that runs the program reads resources from AWS, never creates or updates one; a resource not
            # in the checkpoint is skipped and reports nothing.
            if prior is None:
                return "", {}
            current = self.live.get(urn, prior)
            return current.id, dict(current.outputs)
        if self.kind == "up" and (
            args.name in {name for failure in self.failures.values() for name in failure.not_started}
            or (self.failed and any(failure.halt or failure.killed for failure in self.failures.values()))
        ):
            # The engine stopped before starting this step: the resource keeps its checkpoint state.
            raise SimulatedFailure(f"simulated: {args.name} not started after the failure")
        if prior is not None and prior.type == args.typ and dict(prior.inputs) == dict(args.inputs):
            return prior.id, dict(prior.outputs)  # unchanged: the engine keeps its state, no provider call
        if self.kind == "preview":
            resource_id, state = mocks.new_resource(args)
            return (prior.id if prior is not None else resource_id), state
        # A created or replaced secret value (a password, a private key) is a new one, as with the real providers.
        refused = provider_refusal(args.typ, reveal(dict(prior.inputs)) if prior else None, reveal(args.inputs))
        if refused is not None:
            self.failed = True
            raise SimulatedFailure(f"{args.name}: {refused}")
        generated = args.typ in (PASSWORD, tls_mocks.PRIVATE_KEY)
        mocks.password_salt = f"#{self.creations}" if generated else ""
        live = dict(mocks.live_distributions)
        resource_id, state = mocks.new_resource(args)
        mocks.password_salt = ""
        if prior is None or generated:
            self.creations += 1  # a create, or a replacement (any change of a password's inputs replaces it)
        failure = self.failures.get(args.name)
        if failure is not None and not failure.applied and not failure.killed:
            mocks.live_distributions = live  # the change did not reach CloudFront
        applied = ResourceState(
            args.typ, resource_id or "", args.inputs, EngineLikeMonitor._apply_secret_rules(state, args.inputs, ())
        )
        if failure is not None:
            self.failed = True
            if failure.killed and not args.typ.startswith(LOCAL_PROVIDERS):
                # In AWS, not in the checkpoint: the CLI died before it recorded the result.
                self.killed[urn] = self.live[urn] = applied
                self.changed.add(urn)
                raise SimulatedFailure(f"simulated: the CLI was killed while waiting for {args.name}")
            if failure.applied and not failure.killed:
                self.applied_then_failed[urn] = self.live[urn] = applied
                self.reconciled.add(urn)
                self.changed.add(urn)
            raise SimulatedFailure(f"simulated provider failure on {args.name}")
        self.live[urn] = applied
        self.reconciled.add(urn)
        self.changed.add(urn)
        if args.typ == DISTRIBUTION and resource_id:
            # The provider waited for Deployed (wait_for_deployment): the status reads Deployed from now on.
            mocks.deployed_distributions.add(resource_id)
        return resource_id, state

    def state_after(self, monitor: EngineLikeMonitor, succeeded: bool) -> tuple[EngineState, set[str]]:
        prior = self.prior
        if self.kind == "preview":
            return prior, set()
        if self.kind == "refresh":
            # The checkpoint takes what AWS holds (a killed update's pending operation is resolved by the read).
            outputs = dict(monitor.stack_outputs) if succeeded else dict(prior.outputs)
            return EngineState(dict(prior.in_aws()), outputs, prior.creations), set()
        resources = dict(prior.resources)
        registered = set()
        for snapshot in monitor.snapshots:
            if snapshot.custom and snapshot.type != STACK_REFERENCE:
                registered.add(snapshot.urn)
                resources[snapshot.urn] = ResourceState(snapshot.type, snapshot.id, snapshot.inputs, snapshot.outputs)
        resources.update(self.applied_then_failed)
        # A provider call that returned makes AWS and the checkpoint agree again; a killed one leaves AWS ahead.
        cloud = {urn: entry for urn, entry in prior.cloud.items() if urn not in self.reconciled}
        cloud.update(self.killed)
        deleted: set[str] = set()
        if succeeded:
            # Deletes run last, and only when the update got that far.
            deleted = set(resources) - registered - set(self.applied_then_failed)
            for urn in deleted:
                del resources[urn]
                cloud.pop(urn, None)
        outputs = dict(monitor.stack_outputs) if succeeded else dict(prior.outputs)
        killed = any(failure.killed for failure in self.failures.values())
        if not succeeded and not killed and any(failure.outputs_recorded for failure in self.failures.values()):
            outputs.update(monitor.resolved_exports)
        return EngineState(resources, outputs, self.creations, cloud), deleted


def operate(
    kind: Operation,
    config: Mapping[str, Any],
    state: EngineState | None = None,
    now: datetime | None = None,
    fail: Failure | None = None,
    stack: str = "dev",
    region: str = "us-east-1",
    program: Path | None = None,
    distribution_status: str = "Deployed",
    environ: Mapping[str, str] | None = None,
    organization: str | None = None,
) -> OperationResult:
    """One `pulumi up`/`preview`/program-running refresh of ``__main__.py`` at ``now``, from ``state``.

    A StackReference to the stack itself reads ``state.outputs``; Parameter Store lookups read the parameters
    in ``state`` (what AWS holds); ``distribution_status`` is what CloudFront reports for a distribution this
    operation does not update. ``environ`` adds environment variables for the run (restored afterwards);
    ``organization`` as for :func:`run_program`. Never raises for a failing program: the result carries the error
    and the state the engine would be left with.
    """
    before = state or EngineState()
    engine = _Engine(kind, before, {fail.resource: fail} if fail else {})
    with _environment(environ or {}):
        run, error, monitor = _execute(
            config,
            kind == "preview",
            stack,
            region,
            program,
            before.outputs,
            engine,
            now,
            parameters=parameters_in(before),
            distribution_status=distribution_status,
            organization=organization,
        )
    after, deleted = engine.state_after(monitor, error is None)
    return OperationResult(kind, run, error, before, after, monitor.logs, set(engine.changed), deleted)


class ProgramError(Exception):
    """The program failed; ``run`` holds what it had registered before it did."""

    def __init__(self, message: str, run: ProgramRun) -> None:
        super().__init__(message)
        self.run = run

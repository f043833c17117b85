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
"""

from __future__ import annotations

import hashlib
import json
import runpy
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from offline.snapshot import (
    UNKNOWN,
    InvokeSnapshot,
    ProgramRun,
    ResourceSnapshot,
    is_secret,
    make_secret,
    reveal,
)

PROJECT = "cloudfront-origin-lockdown"
PROJECT_DIR = Path(__file__).resolve().parent.parent
ACCOUNT_ID = "123456789012"

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


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def fake_password(name: str, length: int) -> str:
    """A deterministic alphanumeric value standing in for ``RandomPassword.result``."""
    alphabet = string.ascii_letters + string.digits
    seed = hashlib.sha256(f"password/{name}".encode()).digest()
    out: list[str] = []
    while len(out) < length:
        seed = hashlib.sha256(seed).digest()
        out.extend(alphabet[b % len(alphabet)] for b in seed)
    return "".join(out[:length])


class AwsMocks(pulumi.runtime.Mocks):
    """Plausible provider answers for the resources and data sources this project uses."""

    def __init__(
        self, preview: bool = False, region: str = "us-east-1", deployed_outputs: Mapping[str, Any] | None = None
    ) -> None:
        self.preview = preview
        self.region = region
        # What the stack's last deployment exported, as a StackReference to it reads them.
        self.deployed_outputs = dict(deployed_outputs or {})
        # Explicit AWS providers by URN, and the region each was configured with.
        self.provider_regions: dict[str, str] = {}

    def region_of(self, provider_reference: str) -> str:
        """The region a data source called through ``provider_reference`` ("URN::id") answers for."""
        urn = provider_reference.rsplit("::", 1)[0] if provider_reference else ""
        return self.provider_regions.get(urn, self.region)

    # -- resources --------------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = reveal(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            # A read of an existing stack: known at preview too.
            return str(inputs.get("name")), {
                "name": inputs.get("name"),
                "outputs": self.deployed_outputs,
                "secretOutputNames": [],
            }
        computed = self._computed_outputs(args.typ, args.name, inputs, self.region_of(args.provider or ""))
        resource_id = computed.pop("id", None) or f"{args.name}-{_digest(args.typ, args.name, length=8)}"
        if self.preview:
            # Before the provider has run, the engine knows the inputs and nothing else.
            return "", {**{k: UNKNOWN for k in computed}, **args.inputs}
        return resource_id, {**computed, **args.inputs}

    def _computed_outputs(self, typ: str, name: str, inputs: Mapping[str, Any], region: str) -> dict[str, Any]:
        digest = _digest(typ, name)
        account = ACCOUNT_ID
        arn = f"arn:aws:{typ.split(':')[1].split('/', maxsplit=1)[0]}:{region}:{account}:{name}"
        outputs: dict[str, Any] = {"arn": arn}
        if typ == "random:index/randomPassword:RandomPassword":
            outputs = {
                "result": fake_password(name, int(inputs.get("length", 16))),
                "bcryptHash": "$2a$10$mock",
            }
        elif typ == "aws:ec2/vpc:Vpc":
            outputs.update(
                id=f"vpc-{digest}",
                ipv6CidrBlock="2600:1f18:abcd:ef00::/56" if inputs.get("assignGeneratedIpv6CidrBlock") else "",
                defaultSecurityGroupId=f"sg-{_digest('default', name)}",
            )
        elif typ == "aws:ec2/subnet:Subnet":
            outputs.update(id=f"subnet-{digest}")
        elif typ == "aws:ec2/securityGroup:SecurityGroup":
            outputs.update(id=f"sg-{digest}", arn=f"arn:aws:ec2:{region}:{account}:security-group/sg-{digest}")
        elif typ in (
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        ):
            outputs.update(id=f"sgr-{digest}", securityGroupRuleId=f"sgr-{digest}")
        elif typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
            lb_name = inputs.get("name") or name
            outputs.update(
                arn=f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{lb_name}/{digest[:16]}",
                dnsName=f"{lb_name}-{int(digest[:8], 16)}.{region}.elb.amazonaws.com",
                zoneId="Z35SXDOTRQ7X7K",
            )
            outputs["id"] = outputs["arn"]
        elif typ == "aws:lb/targetGroup:TargetGroup":
            outputs.update(arn=f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name[:32]}/{digest[:16]}")
            outputs["id"] = outputs["arn"]
        elif typ in ("aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule"):
            outputs["id"] = f"arn:aws:elasticloadbalancing:{region}:{account}:listener/app/{digest}"
            outputs["arn"] = outputs["id"]
        elif typ == "aws:ec2/instance:Instance":
            public = bool(inputs.get("associatePublicIpAddress"))
            octets = [int(digest[i : i + 2], 16) for i in (0, 2, 4, 6)]
            ip = "54.{}.{}.{}".format(*octets[:3])
            outputs.update(
                id=f"i-{digest}",
                arn=f"arn:aws:ec2:{region}:{account}:instance/i-{digest}",
                privateIp="10.80.{}.{}".format(*octets[2:]),
                publicIp=ip if public else "",
                publicDns=f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com" if public else "",
                primaryNetworkInterfaceId=f"eni-{digest}",
            )
        elif typ == "aws:ec2/eip:Eip":
            octets = [int(digest[i : i + 2], 16) for i in (0, 2, 4)]
            ip = "3.{}.{}.{}".format(*octets)
            outputs.update(
                id=f"eipalloc-{digest}",
                allocationId=f"eipalloc-{digest}",
                publicIp=ip,
                publicDns=f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com",
            )
        elif typ == "aws:cloudfront/distribution:Distribution":
            outputs.update(
                id=f"E{digest[:13].upper()}",
                arn=f"arn:aws:cloudfront::{account}:distribution/E{digest[:13].upper()}",
                domainName=f"d{digest[:13]}.cloudfront.net",
                hostedZoneId="Z2FDTNDATAQYW2",
                status="Deployed",
            )
        elif typ == "aws:acm/certificate:Certificate":
            domain = str(inputs.get("domainName", "example.com"))
            outputs.update(
                arn=f"arn:aws:acm:{region}:{account}:certificate/{digest}",
                domainValidationOptions=[
                    {
                        "domainName": domain,
                        "resourceRecordName": f"_{digest[:12]}.{domain}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": f"_{digest[12:]}.acm-validations.aws.",
                    }
                ],
            )
        elif typ == "aws:iam/role:Role":
            outputs.update(name=inputs.get("name") or f"{name}-{digest[:7]}", arn=f"arn:aws:iam::{account}:role/{name}")
        elif typ == "aws:iam/instanceProfile:InstanceProfile":
            outputs.update(
                name=inputs.get("name") or f"{name}-{digest[:7]}",
                arn=f"arn:aws:iam::{account}:instance-profile/{name}",
            )
        elif typ == "aws:ssm/parameter:Parameter":
            outputs.update(arn=f"arn:aws:ssm:{region}:{account}:parameter{inputs.get('name', '/' + name)}", version=1)
        elif typ == "aws:wafv2/webAcl:WebAcl":
            outputs.update(arn=f"arn:aws:wafv2:{region}:{account}:regional/webacl/{name}/{digest}", capacity=5)
        elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
            outputs.update(id=f"vpce-{digest}")
        return outputs

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
            names = [f"{region}{suffix}" for suffix in "abcdef"]
            return {"id": region, "names": names, "zoneIds": [f"use1-az{i}" for i in range(1, 7)]}
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock",
                "id": ACCOUNT_ID,
                "userId": "AIDAMOCK",
            }
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
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
        if token == "aws:ec2/getVpc:getVpc":
            return {"id": inputs.get("id"), "cidrBlock": "10.0.0.0/16", "ipv6CidrBlock": ""}
        raise NotImplementedError(f"the mocks do not answer data source {token}; add it to offline/mocks.py")

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

    def __init__(self, mocks: AwsMocks) -> None:
        super().__init__(mocks)
        self.aws_mocks = mocks
        self.snapshots: list[ResourceSnapshot] = []
        self.invokes: list[InvokeSnapshot] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn = ""

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
        if request.custom:
            resource_id, state = self.aws_mocks.new_resource(resource_args)
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
) -> ProgramRun:
    """Run ``__main__.py`` under the mocks with ``config`` (keys without the project prefix).

    Keys containing ``:`` are passed through as they are (e.g. ``aws:region``). ``deployed_outputs``
    stands for the stack's last deployment (what a StackReference to the stack itself reads); pass a
    previous run's ``stack_outputs`` to chain deployments. A failure raises :class:`ProgramError` with
    what had been registered.
    """
    program = program or PROJECT_DIR / "__main__.py"
    mocks = AwsMocks(preview=preview, region=region, deployed_outputs=deployed_outputs)
    monitor = EngineLikeMonitor(mocks)
    all_config = {"aws:region": region}
    for key, value in config.items():
        all_config[key if ":" in key else f"{PROJECT}:{key}"] = _config_value(value)
    set_all_config(all_config)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    # set_mocks starts (and finishes) a root stack of its own; the program gets a fresh one, as under
    # the real language host, so that its exports are registered as the stack's outputs.
    pulumi_settings.ROOT.set(None)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))

    def body() -> None:
        runpy.run_path(str(program), run_name="__pulumi_program__")

    def collected() -> ProgramRun:
        return ProgramRun(
            resources=list(monitor.snapshots),
            invokes=list(monitor.invokes),
            stack_outputs=dict(monitor.stack_outputs),
            preview=preview,
        )

    try:
        _sync_await(run_in_stack(body))
    except Exception as error:
        raise ProgramError(str(error), collected()) from error
    return collected()


class ProgramError(Exception):
    """The program failed; ``run`` holds what it had registered before it did."""

    def __init__(self, message: str, run: ProgramRun) -> None:
        super().__init__(message)
        self.run = run

"""The provider's Construct, as another language's program reaches the component (`pulumi package add`).

The engine sends the inputs as a protobuf Struct (numbers as doubles), each value either plain with its
dependencies listed apart (the whole value then arrives as one Output) or, with output values, as Outputs
inside the structure. These tests drive the provider host's own steps (ProviderServicer._construct_inputs,
ComponentProvider.construct, ProviderServicer._construct_response) with both shapes, inside a program under
the repository's engine-like mocks, at up and at preview; only the gRPC transport and the settings reset
of ``Construct`` itself are left out (they would replace the mocks' monitor).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown.origin_lockdown import COMPONENT_TYPE
from offline.mocks import ProgramError, run_program
from offline.snapshot import UNKNOWN, ProgramRun, reveal

INSTANCE = "aws:ec2/instance:Instance"
ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"

CONSTRUCT_PROGRAM = """
import json
import pulumi
import pulumi_aws as aws
from google.protobuf import json_format
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.rpc import UNKNOWN, _special_output_value_sig, _special_sig_key
from pulumi.runtime.sync_await import _sync_await
from cloudfront_origin_lockdown import COMPONENT_TYPE, PACKAGE_NAME, OriginLockdown, __version__

case = json.loads(pulumi.Config().require("case"))
vpc = aws.ec2.Vpc("team-vpc", cidr_block="10.1.0.0/16")
public = [aws.ec2.Subnet(f"team-public-{i}", vpc_id=vpc.id, cidr_block=f"10.1.{i}.0/24") for i in (1, 2)]
private = [aws.ec2.Subnet(f"team-private-{i}", vpc_id=vpc.id, cidr_block=f"10.1.{10 + i}.0/24") for i in (1, 2)]


def resolved(output):
    # What the engine sends for the value: unknown before the resource exists (a preview).
    return _sync_await(output.future()) if _sync_await(output.is_known()) else UNKNOWN


def urn_of(resource):
    return _sync_await(resource.urn.future())


def output_value(value, resources):
    # An output value on the wire: its value (absent while unknown) and the resources it depends on.
    wire = {_special_sig_key: _special_output_value_sig, "dependencies": [urn_of(r) for r in resources]}
    if value != UNKNOWN:
        wire["value"] = value
    return wire


inputs = {"architecture": "alb", "appPort": 8080, "instanceCount": 2, "secretSlots": ["v1"], "tags": {"Team": "web"}}
dependencies = {}
given = {
    "vpcId": (resolved(vpc.id), [vpc]),
    "publicSubnetIds": ([resolved(s.id) for s in public], public),
    "privateSubnetIds": ([resolved(s.id) for s in private], private),
}
for key, (value, resources) in given.items():
    if case["shape"] == "output-values":
        if isinstance(value, list):
            inputs[key] = [output_value(item, [resource]) for item, resource in zip(value, resources)]
        else:
            inputs[key] = output_value(value, resources)
    else:
        inputs[key] = UNKNOWN if isinstance(value, list) and UNKNOWN in value else value
        dependencies[key] = [urn_of(r) for r in resources]
for key, value in case.get("inputs", {}).items():
    inputs[key] = value
    dependencies.setdefault(key, []).extend(case.get("dependencies", {}).get(key, []))

request = provider_pb2.ConstructRequest(type=COMPONENT_TYPE, name="shop", project=pulumi.get_project())
request.inputs.update(inputs)
for key, urns in dependencies.items():
    request.inputDependencies[key].urns.extend([urn_of(vpc)] if urns == ["vpc"] else urns)
servicer = ProviderServicer(ComponentProvider([OriginLockdown], PACKAGE_NAME, version=__version__), [], "")
received = _sync_await(ProviderServicer._construct_inputs(request.inputs, request.inputDependencies))
pulumi.export("received", {key: type(value).__name__ for key, value in received.items()})
result = servicer.provider.construct(
    name=request.name, resource_type=request.type, inputs=received, options=ProviderServicer._construct_options(request)
)
response = _sync_await(servicer._construct_response(result))
pulumi.export("state", json_format.MessageToDict(response.state))
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("construct") / "__main__.py"
    path.write_text(CONSTRUCT_PROGRAM)
    return path


_runs: dict[str, ProgramRun] = {}


def construct(program: Path, preview: bool, **case: Any) -> ProgramRun:
    key = json.dumps([preview, case], sort_keys=True)
    if key not in _runs:
        _runs[key] = run_program({"case": json.dumps(case)}, preview=preview, program=program)
    return _runs[key]


SHAPES = ["dependencies", "output-values"]
MODES = [pytest.param(False, id="up"), pytest.param(True, id="preview")]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("preview", MODES)
def test_the_engine_shapes_reach_the_component(program: Path, shape: str, preview: bool) -> None:
    received = construct(program, preview, shape=shape).stack_outputs["received"]
    # Numbers arrive as doubles; values with dependencies as Outputs (one per value, or inside the list).
    assert received["appPort"] == "float" and received["architecture"] == "str"
    assert received["vpcId"] == "Output"
    assert received["publicSubnetIds"] == ("Output" if shape == "dependencies" else "list")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("preview", MODES)
def test_construct_builds_in_the_callers_network_and_returns_the_outputs(
    program: Path, shape: str, preview: bool
) -> None:
    run = construct(program, preview, shape=shape)
    (component,) = run.of_type(COMPONENT_TYPE)
    assert component.name == "shop"
    # The caller's network only: one VPC and four subnets, none of them the component's.
    assert [r.name for r in run.of_type(VPC)] == ["team-vpc"]
    assert all(r.parent != component.urn for r in run.of_type(SUBNET))
    (target_group,) = run.of_type(TARGET_GROUP)
    assert reveal(target_group.inputs)["port"] == 8080  # the double 8080.0, as the integer it was
    state = run.stack_outputs["state"]
    assert set(state) == {
        "url",
        "distributionDomainName",
        "distributionId",
        "originAddress",
        "originUrl",
        "originHeaderName",
        "securityGroupIds",
        "acceptedSecretSlots",
        "activeSecretSlot",
        "architecture",
        "vpcOrigin",
        # Monitoring is off: no dashboard (a null output is left out), no alarm topic.
        "alarmTopicArns",
        # Origin mTLS is off: said so, and no client certificate (a null output).
        "originMtls",
    }
    assert state["originMtls"] == "off"
    assert (state["architecture"], state["vpcOrigin"], state["originHeaderName"]) == ("alb", False, "X-Origin-Verify")
    public = {s.name: s for s in run.of_type(SUBNET)}
    if preview:
        assert state["url"] == UNKNOWN
        instance = run.of_type(INSTANCE)[0]
        assert reveal(instance.inputs)["subnetId"] == UNKNOWN
        assert {public["team-private-1"].urn, public["team-private-2"].urn} <= set(
            instance.property_dependencies["subnetId"]
        )
        return
    ids = {name: subnet.id for name, subnet in public.items()}
    assert reveal(run.one(ALB).inputs)["subnets"] == [ids["team-public-1"], ids["team-public-2"]]
    assert [reveal(i.inputs)["subnetId"] for i in run.of_type(INSTANCE)] == [
        ids["team-private-1"],
        ids["team-private-2"],
    ]
    assert {reveal(g.inputs)["vpcId"] for g in run.of_type(SG)} == {run.one(VPC).id}
    assert all(reveal(g.inputs)["tags"]["Team"] == "web" for g in run.of_type(SG))
    assert state["url"].startswith("https://") and state["acceptedSecretSlots"] == ["v1"]


BAD_PORT = (
    "invalid setting appPort: 70000 is not allowed; expected an integer from 1024 to 65535 (the sample app runs "
    "unprivileged)"
)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"appPort": 70000}, BAD_PORT),
        (
            {"appPort": 8080.5},
            "invalid setting appPort: 8080.5 is not allowed; expected an integer from 1024 to 65535 (the sample "
            "app runs unprivileged)",
        ),
        ({"architecture": "ALB"}, "invalid setting architecture: 'ALB' is not allowed; expected one of alb, direct"),
    ],
)
def test_a_bad_plain_input_is_refused_before_the_component_registers(
    program: Path, inputs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ProgramError) as caught:
        construct(program, False, shape="dependencies", inputs=inputs)
    assert str(caught.value) == message
    assert not caught.value.run.of_type(COMPONENT_TYPE)


def test_a_bad_input_with_dependencies_fails_the_deployment_with_the_same_message(program: Path) -> None:
    """A value that depends on another resource arrives as an Output: it is checked when known, and nothing
    is built with it."""
    with pytest.raises(ProgramError) as caught:
        construct(program, False, shape="dependencies", inputs={"vpcId": "vpc-bogus"}, dependencies={"vpcId": ["vpc"]})
    assert str(caught.value) == (
        "invalid setting vpcId: 'vpc-bogus' is not allowed; expected a VPC id such as vpc-0123456789abcdef0"
    )
    assert not caught.value.run.of_type(SG) and not caught.value.run.of_type(INSTANCE)


def test_origin_mtls_through_construct_presents_a_certificate_and_reports_its_arn(program: Path) -> None:
    """Another language turns origin mTLS on with the two new inputs; the outputs say what it built."""
    inputs = {
        "originDomain": "origin.example.com",
        "hostedZoneId": "Z0123456789ABC",
        "originMtls": True,
    }
    run = construct(program, False, shape="dependencies", inputs=inputs)
    state = run.stack_outputs["state"]
    assert state["originMtls"] == "presented"
    (certificate,) = [r for r in run.of_type("aws:acm/certificate:Certificate") if r.name == "shop-mtls-client"]
    assert state["originMtlsClientCertificateArn"] == reveal(certificate.outputs)["arn"]
    assert reveal(certificate.inputs)["tags"]["origin-lockdown:mtls-client"] == "cloudfront-origin-lockdown/dev/shop"


def test_a_private_ca_that_is_not_an_arn_is_refused_through_construct(program: Path) -> None:
    inputs = {"originMtls": True, "originMtlsPrivateCaArn": "my-ca"}
    with pytest.raises(ProgramError) as caught:
        construct(program, False, shape="dependencies", inputs=inputs)
    assert "invalid setting originMtlsPrivateCaArn: 'my-ca' is not allowed; expected the ARN of an AWS Private CA" in (
        str(caught.value)
    )

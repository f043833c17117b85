"""tools/vpc_origin_cleanup.py: the planner on plain facts, and the boto3 shell against a real local endpoint (a moto
server for EC2) with botocore's Stubber for CloudFront's VPC origin calls (moto has none)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools import vpc_origin_cleanup as cleanup
from tools.vpc_origin_cleanup import Action, Aws, Facts, Leftovers, clean, leftovers, next_action

boto3 = pytest.importorskip("boto3", reason="boto3 is in requirements-dev.txt")
Stubber = pytest.importorskip("botocore.stub").Stubber
ThreadedMotoServer = pytest.importorskip(
    "moto.server", reason="moto[server] is in requirements-dev.txt"
).ThreadedMotoServer

REGION = "us-east-1"
OWN_VPC = Leftovers(REGION, "vpc-0123456789abcdef0", (), distribution_left=False)
WITH_ORIGIN = Leftovers(REGION, "vpc-0123456789abcdef0", ("vo_abc",), distribution_left=False)


# -- the planner -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "facts", "expected"),
    [
        (
            Leftovers(REGION, "vpc-1", ("vo_abc",), distribution_left=True),
            Facts({"vo_abc": ("E1",)}, "sg-1", ("eni-1",)),
            Action(
                "nothing",
                "the stack still has its distribution: the destroy stopped before CloudFront's part (or was declined)",
            ),
        ),
        (
            WITH_ORIGIN,
            Facts({"vo_abc": ("E1", "E2")}, "sg-1", ("eni-1",)),
            Action("wait", "VPC origin vo_abc is still associated with distribution E1, E2"),
        ),
        (
            WITH_ORIGIN,
            Facts({"vo_abc": ()}, "sg-1", ("eni-1",)),
            Action("retry", "the VPC origins are free now: pulumi destroy can delete them"),
        ),
        (
            WITH_ORIGIN,
            Facts({}, "sg-1", ("eni-1",)),
            Action("retry", "the VPC origins in the state are gone already: pulumi destroy forgets them"),
        ),
        (
            OWN_VPC,
            Facts({}, "sg-1", ("eni-2", "eni-1")),
            Action("wait", "CloudFront still has 2 network interface(s) in vpc-0123456789abcdef0 (eni-2, eni-1)"),
        ),
        (
            OWN_VPC,
            Facts({}, "sg-1", ()),
            Action("delete-group", "CloudFront-VPCOrigins-Service-SG (sg-1) is unused", "sg-1"),
        ),
        (
            OWN_VPC,
            Facts({}, None, ()),
            Action(
                "nothing",
                "nothing of CloudFront's is left in vpc-0123456789abcdef0: the destroy failed for another reason",
            ),
        ),
        (
            Leftovers(REGION, None, (), distribution_left=False),
            Facts({}, "sg-1", ()),
            Action("nothing", "the stack created no VPC: nothing of CloudFront's can be in the way of deleting it"),
        ),
    ],
    ids=["declined", "associated", "free", "gone", "interfaces", "group", "other-failure", "not-our-vpc"],
)
def test_next_action(stack: Leftovers, facts: Facts, expected: Action) -> None:
    assert next_action(stack, facts) == expected


def test_leftovers_are_read_from_the_exported_state() -> None:
    state = {
        "deployment": {
            "resources": [
                {"type": "pulumi:pulumi:Stack"},
                {"type": "pulumi:providers:aws", "inputs": {"region": "eu-west-1"}, "outputs": {"region": "eu-west-1"}},
                {"type": "aws:ec2/vpc:Vpc", "id": "vpc-0123456789abcdef0"},
                {"type": "aws:cloudfront/vpcOrigin:VpcOrigin", "id": "vo_abc"},
                {"type": "aws:ec2/subnet:Subnet", "id": "subnet-1"},
            ]
        }
    }
    assert leftovers(state) == Leftovers("eu-west-1", "vpc-0123456789abcdef0", ("vo_abc",), distribution_left=False)
    state["deployment"]["resources"].append({"type": "aws:cloudfront/distribution:Distribution", "id": "E1"})
    assert leftovers(state).distribution_left


# -- the shell, against a moto server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def session(endpoint: str) -> Iterator[Any]:
    # What `python -m tools.vpc_origin_cleanup` sees: boto3 reads the endpoint from the environment.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        yield boto3.session.Session(region_name=REGION)


@pytest.fixture(scope="module")
def ec2(session: Any) -> Any:
    return session.client("ec2")


@pytest.fixture(scope="module")
def idle_cloudfront(session: Any) -> Any:
    """A CloudFront client for the cases that never call it (a stack without VPC origins left)."""
    return session.client("cloudfront")


def cloudfront_world(ec2: Any) -> tuple[str, str, str]:
    """A VPC the stack created, CloudFront's service group in it, one of its interfaces in a subnet."""
    vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.80.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=cleanup.SERVICE_GROUP, Description="CloudFront", VpcId=vpc)["GroupId"]
    interface = ec2.create_network_interface(SubnetId=subnet, Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]
    return vpc, group, interface


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.on_sleep: list[Any] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        if self.on_sleep:
            self.on_sleep.pop(0)()


def test_it_waits_for_cloudfronts_interfaces_then_deletes_its_group(ec2: Any, idle_cloudfront: Any) -> None:
    vpc, group, interface = cloudfront_world(ec2)
    stack = Leftovers(REGION, vpc, (), distribution_left=False)
    time = FakeTime()
    # CloudFront lets go of its interface after two polls.
    time.on_sleep = [lambda: None, lambda: ec2.delete_network_interface(NetworkInterfaceId=interface)]
    said: list[str] = []
    code = clean(stack, Aws(REGION, ec2=ec2, cloudfront=idle_cloudfront), said.append, 600, 20, time.clock, time.sleep)
    assert code == cleanup.EXIT_RETRY
    assert said == [
        f"vpc-origin-cleanup: waiting ({waited} s so far): CloudFront still has 1 network interface(s) in {vpc} "
        f"({interface})"
        for waited in (0, 20)
    ] + [
        f"vpc-origin-cleanup: deleting CloudFront-VPCOrigins-Service-SG ({group}) is unused; run pulumi destroy again",
    ]
    left = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
    assert [g["GroupName"] for g in left] == ["default"]


def test_it_gives_up_when_cloudfront_keeps_its_interfaces(ec2: Any, idle_cloudfront: Any) -> None:
    vpc, group, interface = cloudfront_world(ec2)
    time = FakeTime()
    said: list[str] = []
    aws = Aws(REGION, ec2=ec2, cloudfront=idle_cloudfront)
    code = clean(Leftovers(REGION, vpc, (), False), aws, said.append, 60, 20, time.clock, time.sleep)
    assert code == cleanup.EXIT_TIMEOUT
    assert (
        said[-1]
        == f"vpc-origin-cleanup: gave up after 60 s: CloudFront still has 1 network interface(s) in {vpc} ({interface})"
    )
    # Nothing of CloudFront's was touched while it was in use.
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]


def stubbed_cloudfront(session: Any, *associated: list[str] | None) -> tuple[Any, Any]:
    """A CloudFront client answering GetVpcOrigin/ListDistributionsByVpcOriginId: ``None`` is "no such VPC origin"."""
    client = session.client("cloudfront")
    stubber = Stubber(client)
    for ids in associated:
        if ids is None:
            stubber.add_client_error("get_vpc_origin", service_error_code="EntityNotFound", http_status_code=404)
            continue
        stubber.add_response(
            "get_vpc_origin",
            {
                "VpcOrigin": {
                    "Id": "vo_abc",
                    "Arn": "arn:aws:cloudfront::123456789012:vpcorigin/vo_abc",
                    "Status": "Deployed",
                    "CreatedTime": "2026-01-01T00:00:00Z",
                    "LastModifiedTime": "2026-01-01T00:00:00Z",
                    "VpcOriginEndpointConfig": {
                        "Name": "origin",
                        "Arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1",
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "http-only",
                    },
                },
                "ETag": "E1",
            },
            {"Id": "vo_abc"},
        )
        stubber.add_response(
            "list_distributions_by_vpc_origin_id",
            {
                "DistributionIdList": {
                    "Marker": "",
                    "MaxItems": 100,
                    "IsTruncated": False,
                    "Quantity": len(ids),
                    "Items": ids,
                }
            },
            {"VpcOriginId": "vo_abc", "Marker": ""},
        )
    stubber.activate()
    return client, stubber


def test_a_vpc_origin_still_associated_is_waited_for_then_retried(ec2: Any, session: Any) -> None:
    """The 409 case: the distribution is deleted, CloudFront still counts it for a while."""
    vpc, _, _ = cloudfront_world(ec2)
    client, stubber = stubbed_cloudfront(session, ["EDFDVBD6EXAMPLE"], [])
    time = FakeTime()
    said: list[str] = []
    code = clean(
        Leftovers(REGION, vpc, ("vo_abc",), False),
        Aws(REGION, ec2=ec2, cloudfront=client),
        said.append,
        600,
        20,
        time.clock,
        time.sleep,
    )
    assert code == cleanup.EXIT_RETRY
    assert said == [
        "vpc-origin-cleanup: waiting (0 s so far): VPC origin vo_abc is still associated with distribution "
        "EDFDVBD6EXAMPLE",
        "vpc-origin-cleanup: the VPC origins are free now: pulumi destroy can delete them; run pulumi destroy again",
    ]
    stubber.assert_no_pending_responses()


def test_a_vpc_origin_already_gone_is_left_to_pulumi(ec2: Any, session: Any) -> None:
    vpc, _, _ = cloudfront_world(ec2)
    client, stubber = stubbed_cloudfront(session, None)
    code = clean(Leftovers(REGION, vpc, ("vo_abc",), False), Aws(REGION, ec2=ec2, cloudfront=client), lambda _: None)
    assert code == cleanup.EXIT_RETRY
    stubber.assert_no_pending_responses()


def test_the_command_reads_an_exported_state(ec2: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command as make destroy runs it (its own boto3 session, the endpoint from the environment)."""
    vpc, group, interface = cloudfront_world(ec2)
    ec2.delete_network_interface(NetworkInterfaceId=interface)
    state = {"deployment": {"resources": [{"type": "aws:ec2/vpc:Vpc", "id": vpc}]}}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    assert cleanup.main(["--state", str(path), "--region", REGION]) == cleanup.EXIT_RETRY
    assert f"deleting CloudFront-VPCOrigins-Service-SG ({group}) is unused" in capsys.readouterr().out
    # Run again: nothing of CloudFront's is left, so a second failure has another cause.
    assert cleanup.main(["--state", str(path), "--region", REGION]) == cleanup.EXIT_NOTHING

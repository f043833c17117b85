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
            Action("delete-origin", "VPC origin vo_abc is associated with no distribution", "vo_abc"),
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


VPC_ORIGIN_BODY = {
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
}


def stub_get(stubber: Any, exists: bool = True) -> None:
    if exists:
        stubber.add_response("get_vpc_origin", VPC_ORIGIN_BODY, {"Id": "vo_abc"})
    else:
        stubber.add_client_error("get_vpc_origin", service_error_code="EntityNotFound", http_status_code=404)


def stub_list(stubber: Any, ids: list[str]) -> None:
    listed = {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": len(ids), "Items": ids}
    stubber.add_response(
        "list_distributions_by_vpc_origin_id", {"DistributionIdList": listed}, {"VpcOriginId": "vo_abc", "Marker": ""}
    )


def stub_delete(stubber: Any, in_use: bool) -> None:
    """GetVpcOrigin for the ETag, then DeleteVpcOrigin: 409 CannotDeleteEntityWhileInUse, or done."""
    stub_get(stubber)
    if in_use:
        stubber.add_client_error(
            "delete_vpc_origin",
            service_error_code="CannotDeleteEntityWhileInUse",
            service_message="The specified VPC origin is currently associated with one or more distributions.",
            http_status_code=409,
            expected_params={"Id": "vo_abc", "IfMatch": "E1"},
        )
    else:
        stubber.add_response("delete_vpc_origin", VPC_ORIGIN_BODY, {"Id": "vo_abc", "IfMatch": "E1"})


def stubbed_cloudfront(session: Any, *associated: list[str] | None) -> tuple[Any, Any]:
    """A CloudFront client answering GetVpcOrigin/ListDistributionsByVpcOriginId: ``None`` is "no such VPC origin"."""
    client = session.client("cloudfront")
    stubber = Stubber(client)
    for ids in associated:
        stub_get(stubber, ids is not None)
        if ids is not None:
            stub_list(stubber, ids)
    stubber.activate()
    return client, stubber


def test_a_vpc_origin_still_associated_is_waited_for_then_deleted(ec2: Any, session: Any) -> None:
    """The distribution is deleted; CloudFront still lists it for a while; then the cleanup deletes the VPC origin."""
    vpc, _, _ = cloudfront_world(ec2)
    client, stubber = stubbed_cloudfront(session, ["EDFDVBD6EXAMPLE"], [])
    stub_delete(stubber, in_use=False)
    stub_get(stubber, exists=False)
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
        "vpc-origin-cleanup: deleted VPC origin vo_abc is associated with no distribution",
        "vpc-origin-cleanup: the VPC origins in the state are gone already: pulumi destroy forgets them; run pulumi "
        "destroy again",
    ]
    stubber.assert_no_pending_responses()


def test_the_readmes_409_after_the_distribution_is_gone_is_waited_out_with_backoff(ec2: Any, session: Any) -> None:
    """README "Destroying a VPC-origin stack": no distribution is listed any more, yet DeleteVpcOrigin answers 409
    for a while. Before, the cleanup said "retry" at once and make destroy's three rounds were spent in seconds; now
    it deletes the VPC origin itself, waiting 20, 40, 80 s between the 409s (bounded by the timeout)."""
    vpc, _, _ = cloudfront_world(ec2)
    client, stubber = stubbed_cloudfront(session)
    for _ in range(3):
        stub_get(stubber)
        stub_list(stubber, [])
        stub_delete(stubber, in_use=True)
    stub_get(stubber)
    stub_list(stubber, [])
    stub_delete(stubber, in_use=False)
    stub_get(stubber, exists=False)
    stubber.activate()
    time = FakeTime()
    slept: list[float] = []
    original = time.sleep

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        original(seconds)

    said: list[str] = []
    code = clean(
        Leftovers(REGION, vpc, ("vo_abc",), False),
        Aws(REGION, ec2=ec2, cloudfront=client),
        said.append,
        600,
        20,
        time.clock,
        sleep,
    )
    assert code == cleanup.EXIT_RETRY
    assert slept == [20, 40, 80]
    assert (
        said[0] == "vpc-origin-cleanup: waiting (0 s so far): CloudFront still counts VPC origin vo_abc as in use (409)"
    )
    assert said[-2:] == [
        "vpc-origin-cleanup: deleted VPC origin vo_abc is associated with no distribution",
        "vpc-origin-cleanup: the VPC origins in the state are gone already: pulumi destroy forgets them; run pulumi "
        "destroy again",
    ]
    stubber.assert_no_pending_responses()


def test_a_409_that_never_ends_gives_up_at_the_timeout(ec2: Any, session: Any) -> None:
    vpc, _, _ = cloudfront_world(ec2)
    client, stubber = stubbed_cloudfront(session)
    for _ in range(3):
        stub_get(stubber)
        stub_list(stubber, [])
        stub_delete(stubber, in_use=True)
    stubber.activate()
    time = FakeTime()
    said: list[str] = []
    stack = Leftovers(REGION, vpc, ("vo_abc",), False)
    code = clean(stack, Aws(REGION, ec2=ec2, cloudfront=client), said.append, 60, 20, time.clock, time.sleep)
    assert code == cleanup.EXIT_TIMEOUT
    assert (
        said[-1] == "vpc-origin-cleanup: gave up after 60 s: CloudFront still counts VPC origin vo_abc as in use (409)"
    )


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


# -- after a `pulumi up` that stopped at its end (issue 20 review, MEDIUM 9) ------------------------------------

UP_STATE = {
    "deployment": {
        "resources": [
            {"type": "pulumi:providers:aws", "outputs": {"region": REGION}},
            {"type": "aws:ec2/vpc:Vpc", "id": "vpc-1"},
            {"type": "aws:ec2/subnet:Subnet", "id": "subnet-private-1"},
            {"type": "aws:ec2/subnet:Subnet", "id": "subnet-private-2"},
            {"type": "aws:ec2/subnet:Subnet", "id": "subnet-private-3"},
            {
                "type": "aws:ec2/instance:Instance",
                "id": "i-new",
                "outputs": {"arn": "arn:i-new", "subnetId": "subnet-private-3"},
            },
            {
                "type": "aws:cloudfront/vpcOrigin:VpcOrigin",
                "id": "vo_old",
                "outputs": {"vpcOriginEndpointConfig": {"arn": "arn:i-old"}},
            },
            {
                "type": "aws:cloudfront/vpcOrigin:VpcOrigin",
                "id": "vo_new",
                "outputs": {"vpcOriginEndpointConfig": {"arn": "arn:i-new"}},
            },
            {
                "type": "aws:cloudfront/distribution:Distribution",
                "id": "E1",
                "outputs": {"origins": [{"vpcOriginConfig": {"vpcOriginId": "vo_new"}}]},
            },
        ]
    }
}


def test_after_up_only_the_vpc_origins_the_distribution_left_and_their_subnets_count() -> None:
    stack = leftovers(UP_STATE, after_up=True)
    assert stack == Leftovers(
        REGION, "vpc-1", ("vo_old",), False, ("subnet-private-1", "subnet-private-2"), after_up=True
    )
    # The distribution stays in the state after up: that is not "the destroy stopped before CloudFront's part".
    assert next_action(stack, Facts({"vo_old": ()}, "sg-1", ())).kind == "delete-origin"
    assert next_action(stack, Facts({}, "sg-1", ("eni-1",))) == Action(
        "wait", "CloudFront still has 1 network interface(s) in subnets the update deletes (eni-1)"
    )
    assert next_action(stack, Facts({}, "sg-1", ())) == Action(
        "retry", "the old VPC origins are gone: pulumi up forgets them"
    )
    # The service group is never deleted after up: the new VPC origin uses it.
    nothing_left = Leftovers(REGION, "vpc-1", (), False, (), after_up=True)
    assert next_action(nothing_left, Facts({}, "sg-1", ())).kind == "nothing"


def test_after_up_waits_for_cloudfronts_interfaces_in_the_subnets_the_update_deletes(
    ec2: Any, idle_cloudfront: Any
) -> None:
    vpc, group, interface = cloudfront_world(ec2)
    subnet = ec2.describe_network_interfaces(NetworkInterfaceIds=[interface])["NetworkInterfaces"][0]["SubnetId"]
    elsewhere = ec2.create_subnet(VpcId=vpc, CidrBlock="10.80.1.0/24")["Subnet"]["SubnetId"]
    kept = ec2.create_network_interface(SubnetId=elsewhere, Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]
    stack = Leftovers(REGION, vpc, (), False, (subnet,), after_up=True)
    aws = Aws(REGION, ec2=ec2, cloudfront=idle_cloudfront)
    # CloudFront's interface of the new VPC origin (another subnet) is not waited for; the old one is.
    assert aws.facts(stack).interfaces == (interface,)
    ec2.delete_network_interface(NetworkInterfaceId=interface)
    assert aws.facts(stack).interfaces == ()
    assert kept

"""The Prowler custom checks, tested the way Prowler tests its own AWS checks: resources made with boto3 under
moto's ``mock_aws``, Prowler's AWS provider set as the global provider, the check imported from Prowler's
service tree and executed, its reports asserted one by one.

The checks reach that tree as ``prowler aws --checks-folder tools/prowler_checks`` puts them there: Prowler's
own ``parse_checks_from_folder`` copies them in (and ``remove_custom_checks_module`` takes them out again).
Runs in Prowler's virtualenv: ``make test-prowler``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

pytest.importorskip("prowler", reason="Prowler has a virtualenv of its own: run `make test-prowler`")

import boto3
from moto import mock_aws
from prowler.lib.check.check import parse_checks_from_folder, remove_custom_checks_module

from cloudfront_origin_lockdown.audit import prowler as glue
from tests.prowler_checks.provider import ACCOUNT, REGION, mocked_aws_provider

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "tools" / "prowler_checks"
PLANTED = "planted-Prowler-Secret-51c7"
CLOUDFRONT_V4 = "com.amazonaws.global.cloudfront.origin-facing"
RANGES = {
    "createDate": "2026-11-01-00-00-00",
    "prefixes": [
        {"ip_prefix": p, "service": "CLOUDFRONT_ORIGIN_FACING"}
        for p in ("13.124.199.0/24", "130.176.0.0/18", "15.158.0.0/16", "18.68.0.0/16", "3.29.40.0/22")
    ],
}


@pytest.fixture(scope="module", autouse=True)
def loaded_checks() -> Iterator[None]:
    """The checks copied into Prowler's tree by Prowler's own loader, as --checks-folder does."""
    with mock_aws():
        provider = mocked_aws_provider([REGION])
    assert parse_checks_from_folder(provider, str(CHECKS)) == set(glue.CHECK_IDS)
    try:
        yield
    finally:
        remove_custom_checks_module(str(CHECKS), "aws")


@pytest.fixture(autouse=True)
def saved_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ip-ranges.json"
    path.write_text(json.dumps(RANGES))
    monkeypatch.setenv(glue.RANGES_FILE_VARIABLE, str(path))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    glue.forget()


def _execute(check_id: str) -> list[Any]:
    provider = mocked_aws_provider([REGION])
    with mock.patch("prowler.providers.common.provider.Provider.get_global_provider", return_value=provider):
        module = importlib.import_module(f"prowler.providers.aws.services.cloudfront.{check_id}.{check_id}")
        check = getattr(module, check_id)()
        return list(check.execute())


class Account:
    """An account built with boto3 under mock_aws."""

    def __init__(self) -> None:
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.elbv2 = boto3.client("elbv2", region_name=REGION)
        self.cf = boto3.client("cloudfront", region_name=REGION)
        self.vpc = self.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        self.subnets = [s["SubnetId"] for s in self.ec2.describe_subnets()["Subnets"]][:2]
        lists = self.ec2.describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT_V4]}]
        )
        self.cloudfront_list = lists["PrefixLists"][0]["PrefixListId"]
        self.n = 0

    def group(self, name: str, cidrs: list[str] | None = None, tags: dict[str, str] | None = None) -> str:
        gid: str = self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.vpc)["GroupId"]
        perm: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
        if cidrs is None:
            perm["PrefixListIds"] = [{"PrefixListId": self.cloudfront_list}]
        else:
            perm["IpRanges"] = [{"CidrIp": c} for c in cidrs]
        self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])
        if tags:
            self.ec2.create_tags(Resources=[gid], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return gid

    def alb(self, name: str, group: str, forward_by_default: bool = False) -> dict[str, Any]:
        lb: dict[str, Any] = self.elbv2.create_load_balancer(Name=name, Subnets=self.subnets, SecurityGroups=[group])[
            "LoadBalancers"
        ][0]
        tg = self.elbv2.create_target_group(Name=f"{name}-tg", Protocol="HTTP", Port=8080, VpcId=self.vpc)
        tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
        forward = {"Type": "forward", "TargetGroupArn": tg_arn}
        default = (
            forward if forward_by_default else {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}
        )
        listener = self.elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=443, DefaultActions=[default]
        )["Listeners"][0]["ListenerArn"]
        self.elbv2.create_rule(
            ListenerArn=listener,
            Priority=10,
            Conditions=[
                {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": [PLANTED]}}
            ],
            Actions=[forward],
        )
        lb["ListenerArn"] = listener
        return lb

    def instance(self, group: str) -> str:
        nic = {"DeviceIndex": 0, "SubnetId": self.subnets[0], "Groups": [group], "AssociatePublicIpAddress": True}
        iid = self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, NetworkInterfaces=[nic])[
            "Instances"
        ][0]["InstanceId"]
        dns: str = self.ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["PublicDnsName"]
        return dns

    def distribution(self, domain: str, header: bool = True) -> str:
        self.n += 1
        origin: dict[str, Any] = {
            "Id": "web",
            "DomainName": domain,
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
        }
        if header:
            origin["CustomHeaders"] = {
                "Quantity": 1,
                "Items": [{"HeaderName": "X-Origin-Verify", "HeaderValue": PLANTED}],
            }
        config = {
            "CallerReference": str(self.n),
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https"},
        }
        did: str = self.cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
        return did


def _by_status(reports: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"PASS": [], "FAIL": [], "MANUAL": []}
    for r in reports:
        out[r.status].append(r)
    return out


class Test_cloudfront_origin_open_to_world:
    @mock_aws
    def test_no_distributions(self) -> None:
        Account()
        assert _execute("cloudfront_origin_open_to_world") == []

    @mock_aws
    def test_open_alb_fails_on_its_group_and_locked_alb_passes(self) -> None:
        a = Account()
        open_sg = a.group("open", ["0.0.0.0/0"])
        open_dist = a.distribution(a.alb("open", open_sg)["DNSName"])
        locked_dist = a.distribution(a.alb("locked", a.group("locked"))["DNSName"])
        result = _by_status(_execute("cloudfront_origin_open_to_world"))
        (fail,) = result["FAIL"]
        assert fail.resource_id == open_sg and fail.region == REGION
        assert fail.resource_arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{open_sg}"
        assert "0.0.0.0/0 = all of IPv4 on tcp 443" in fail.status_extended and open_dist in fail.status_extended
        assert fail.check_metadata.Severity == "critical"
        assert [p.resource_id for p in result["PASS"]] == [locked_dist]
        assert all(PLANTED not in r.status_extended for r in result["FAIL"] + result["PASS"])


class Test_cloudfront_origin_ranges_hardcoded:
    @mock_aws
    def test_hand_kept_ranges_fail_with_what_is_missing(self) -> None:
        a = Account()
        hand = a.group("hand", ["13.124.199.0/24", "130.176.0.0/18"])
        a.distribution(a.instance(hand))
        clean = a.distribution(a.instance(a.group("clean")))
        result = _by_status(_execute("cloudfront_origin_ranges_hardcoded"))
        (fail,) = result["FAIL"]
        assert fail.resource_id == hand and "miss 3 of CloudFront's 5 current IPv4" in fail.status_extended
        assert [p.resource_id for p in result["PASS"]] == [clean]


class Test_cloudfront_origin_secret_not_checked:
    @mock_aws
    def test_a_listener_forwarding_without_the_header_fails(self) -> None:
        a = Account()
        gap = a.alb("gap", a.group("gap"), forward_by_default=True)
        a.distribution(gap["DNSName"])
        bare = a.distribution(a.alb("bare", a.group("bare"))["DNSName"], header=False)
        checked = a.distribution(a.alb("checked", a.group("checked"))["DNSName"])
        result = _by_status(_execute("cloudfront_origin_secret_not_checked"))
        assert sorted(f.resource_id for f in result["FAIL"]) == sorted([gap["ListenerArn"], bare])
        assert [p.resource_id for p in result["PASS"]] == [checked]
        assert all(PLANTED not in r.status_extended for r in result["FAIL"])


class Test_cloudfront_origin_legacy_ip_updater:
    @mock_aws
    def test_the_updaters_tags_fail_only_on_an_origin(self) -> None:
        a = Account()
        legacy = a.group("legacy", tags={"AutoUpdate": "true", "Name": "cloudfront_g"})
        a.group("unused", tags={"AutoUpdate": "true", "Name": "cloudfront_r"})  # on no origin: not reported
        a.distribution(a.instance(legacy))
        (fail,) = _by_status(_execute("cloudfront_origin_legacy_ip_updater"))["FAIL"]
        assert fail.resource_id == legacy and fail.check_metadata.Severity == "medium"


@mock_aws
def test_the_four_checks_share_one_scan() -> None:
    a = Account()
    a.distribution(a.instance(a.group("open", ["0.0.0.0/0"])))
    calls: list[str] = []
    original = glue.Collector.collect

    def counting(self: Any, regions: Any) -> Any:
        calls.append("collect")
        return original(self, regions)

    with mock.patch.object(glue.Collector, "collect", counting):
        for check_id in glue.CHECK_IDS:
            _execute(check_id)
    assert calls == ["collect"]


@mock_aws
def test_a_failed_scan_is_a_fail_never_a_pass() -> None:
    Account()
    with mock.patch.object(
        glue.Collector, "collect", side_effect=glue.AwsError("AccessDenied: the audit needs ec2:DescribeInstances")
    ):
        reports = _execute("cloudfront_origin_open_to_world")
    (report,) = reports
    assert report.status == "FAIL" and "ec2:DescribeInstances" in report.status_extended
    assert report.resource_id == ACCOUNT


@mock_aws
@pytest.mark.parametrize("where", ["run_checks", "_ranges"])
def test_any_exception_is_a_fail_never_a_silent_pass(where: str) -> None:
    """Prowler's execute() prints an exception a check raises and reports nothing: the glue must catch them all."""
    a = Account()
    a.distribution(a.instance(a.group("open", ["0.0.0.0/0"])))
    with mock.patch.object(glue, where, side_effect=KeyError("Port")):
        (report,) = _execute("cloudfront_origin_open_to_world")
    assert report.status == "FAIL" and "unexpected KeyError" in report.status_extended
    assert report.resource_id == ACCOUNT


@mock_aws
def test_a_second_distribution_on_an_exposed_origin_fails_too() -> None:
    """Review of issue 21, finding 3: the second distribution on a shared open origin was reported PASS."""
    a = Account()
    open_sg = a.group("open", ["0.0.0.0/0"])
    lb = a.alb("shared", open_sg)
    first, second = a.distribution(lb["DNSName"]), a.distribution(lb["DNSName"])
    result = _by_status(_execute("cloudfront_origin_open_to_world"))
    (fail,) = result["FAIL"]  # one FAIL per resource to fix, naming both distributions
    assert fail.resource_id == open_sg
    assert first in fail.status_extended and second in fail.status_extended
    assert result["PASS"] == []


class Test_cloudfront_origin_not_verified:
    @mock_aws
    def test_an_origin_read_nowhere_is_never_a_pass(self) -> None:
        """Review of issue 21, finding 4: an origin in a region Prowler does not audit was an explicit PASS."""
        a = Account()
        elsewhere = a.distribution("web-1234567890.eu-west-1.elb.amazonaws.com")
        outside = a.distribution("origin.partner.example.net")
        checked = a.distribution(a.instance(a.group("clean")))
        result = _by_status(_execute("cloudfront_origin_not_verified"))
        (fail,) = result["FAIL"]
        assert fail.resource_id == elsewhere and "eu-west-1, a region this scan did not read" in fail.status_extended
        assert fail.check_metadata.Severity == "high"
        (manual,) = result["MANUAL"]
        assert manual.resource_id == outside
        assert [p.resource_id for p in result["PASS"]] == [checked]

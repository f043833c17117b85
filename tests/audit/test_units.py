"""The audit's pure parts, one shape at a time: listener rules and web ACLs, CloudFront's ranges against
hand-kept CIDRs, migration plans and their quotas, and the conversions the judge depends on."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown.audit import convert, iam, listeners, migration, ranges
from cloudfront_origin_lockdown.audit.checks import PACK_PORTS, AuditFinding
from cloudfront_origin_lockdown.audit.report import Report, to_json
from lockdown.config import ORIGIN_INGRESS, SCHEMAS
from origin_lockdown_judge.model import Res

SECRET = "s3cret-Value"
HEADERS = [("X-Origin-Verify", SECRET)]


def _listener(default: str = "fixed-response") -> Res:
    return Res("urn:l", convert.LISTENER, "l", {"arn": "arn:l", "port": 443, "defaultActions": [{"type": default}]})


def _rule(priority: int, values: list[str] | None, action: str = "forward", name: str = "X-Origin-Verify") -> Res:
    conditions: list[dict[str, Any]] = [{"pathPattern": {"values": ["/*"]}}]
    if values is not None:
        conditions.append({"httpHeader": {"httpHeaderName": name, "values": values}})
    props = {"arn": f"arn:r{priority}", "priority": priority, "actions": [{"type": action}], "conditions": conditions}
    return Res(f"urn:r{priority}", convert.LISTENER_RULE, f"r{priority}", props)


@pytest.mark.parametrize(
    ("rule", "gaps"),
    [
        (_rule(1, [SECRET]), 0),
        (_rule(1, [SECRET.upper()]), 0),  # the ALB compares values case-insensitively
        (_rule(1, ["old-value", SECRET]), 0),  # a rotation: both values accepted
        (_rule(1, [SECRET], name="x-origin-verify"), 0),
        (_rule(1, [SECRET, "*"]), 1),  # a wildcard value admits any request
        (_rule(1, ["s3cret-?alue"]), 1),
        (_rule(1, ["another-value"]), 1),  # not the value CloudFront sends
        (_rule(1, [SECRET], name="X-Other"), 1),
        (_rule(1, None), 1),  # forwards on the path alone
        (_rule(1, None, action="fixed-response"), 0),  # does not forward
        (_rule(1, None, action="redirect"), 0),
    ],
)
def test_a_listener_rule_forwards_only_on_the_header(rule: Res, gaps: int) -> None:
    assert len(listeners.listener_gaps(_listener(), [rule], HEADERS)) == gaps


def test_a_forwarding_default_action_is_a_gap_and_no_reason_holds_the_value() -> None:
    gaps = listeners.listener_gaps(_listener("forward"), [_rule(1, [SECRET]), _rule(2, None)], HEADERS)
    assert len(gaps) == 2 and "rule 2" in gaps[0] and "default action" in gaps[1]
    assert all(SECRET.lower() not in g.lower() for g in gaps)


def _acl(default: str, *rules: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "Name": "acl",
        "DefaultAction": {default: {}},
        "Rules": [
            {"Name": f"r{i}", "Priority": i, "Action": {a: {}}, "Statement": s} for i, (a, s) in enumerate(rules)
        ],
    }


def _match(
    value: str | bytes = SECRET.encode(), name: str = "x-origin-verify", transform: str = "NONE"
) -> dict[str, Any]:
    return {
        "ByteMatchStatement": {
            "SearchString": value,
            "FieldToMatch": {"SingleHeader": {"Name": name}},
            "TextTransformations": [{"Priority": 0, "Type": transform}],
            "PositionalConstraint": "EXACTLY",
        }
    }


ANY = {"GeoMatchStatement": {"CountryCodes": ["US"]}}


@pytest.mark.parametrize(
    ("acl", "protects"),
    [
        (_acl("Block", ("Allow", _match())), True),  # AWS's sample: default Block, Allow on the exact header
        (_acl("Allow", ("Block", {"NotStatement": {"Statement": _match()}})), True),
        (_acl("Block", ("Allow", _match(SECRET.lower().encode(), transform="LOWERCASE"))), True),
        (_acl("Block", ("Allow", {"AndStatement": {"Statements": [ANY, _match()]}})), True),
        (_acl("Allow", ("Allow", _match())), False),  # the default lets everything else through
        (_acl("Block", ("Allow", ANY), ("Allow", _match())), False),  # an Allow before the header check
        (_acl("Block", ("Captcha", ANY)), False),  # a person passes a CAPTCHA
        (_acl("Block", ("Allow", _match(b"other"))), False),
        (_acl("Block", ("Allow", _match(transform="URL_DECODE"))), False),
        (_acl("Block", ("Allow", {"OrStatement": {"Statements": [_match(), ANY]}})), False),
        (_acl("Block", ("Count", ANY), ("Allow", _match())), True),  # Count does not decide
        (_acl("Block", ("Block", {"RuleGroupReferenceStatement": {"ARN": "x"}})), False),  # may allow: not proven
        (None, False),
    ],
)
def test_a_web_acl_protects_only_when_no_request_without_the_header_gets_through(
    acl: dict[str, Any] | None, protects: bool
) -> None:
    assert listeners.waf_requires_header(acl, HEADERS) is protects


# -- ranges ----------------------------------------------------------------------------------------------------

DOC = {
    "createDate": "2026-11-01-00-00-00",
    "prefixes": [
        {"ip_prefix": "13.32.0.0/15", "service": "CLOUDFRONT_ORIGIN_FACING"},
        {"ip_prefix": "52.46.0.0/18", "service": "CLOUDFRONT_ORIGIN_FACING"},
        {"ip_prefix": "52.46.0.0/18", "service": "CLOUDFRONT_ORIGIN_FACING"},  # listed twice (two border groups)
        {"ip_prefix": "52.95.0.0/16", "service": "AMAZON"},
    ],
    "ipv6_prefixes": [{"ipv6_prefix": "2600:9000:2000::/36", "service": "CLOUDFRONT_ORIGIN_FACING"}],
}
CURRENT = ranges.parse_ip_ranges(json.dumps(DOC), "test")


def test_ip_ranges_keeps_cloudfronts_origin_facing_prefixes_only() -> None:
    assert {v: [str(n) for n in p] for v, p in CURRENT.prefixes.items()} == {
        4: ["13.32.0.0/15", "52.46.0.0/18"],
        6: ["2600:9000:2000::/36"],
    }
    assert CURRENT.create_date == "2026-11-01-00-00-00"


def _entry(*cidrs: str, port: int = 443, lists: list[str] | None = None) -> dict[str, Any]:
    return {
        "protocol": "tcp",
        "fromPort": port,
        "toPort": port,
        "cidrBlocks": [c for c in cidrs if ":" not in c],
        "ipv6CidrBlocks": [c for c in cidrs if ":" in c],
        "prefixListIds": lists or [],
    }


@pytest.mark.parametrize(
    ("ingress", "count", "missing"),
    [
        ([_entry("13.32.0.0/15")], 1, {4: 1}),
        ([_entry("13.32.0.0/16", "13.33.0.0/16", "52.46.0.0/18")], 3, {4: 0}),  # halves cover the /15
        ([_entry("13.32.0.0/16")], 1, {4: 2}),  # half a prefix leaves it uncovered
        ([_entry("2600:9000:2000::/40")], 1, {6: 1}),
        ([_entry("0.0.0.0/0"), _entry("10.0.0.0/8"), _entry("52.95.0.0/16"), _entry("13.0.0.0/8")], 0, None),
        ([_entry(lists=["pl-cloudfront"])], 0, None),  # the AWS-managed list is the fix, not a copy
        ([_entry(lists=["pl-mine"])], 2, {4: 1}),  # a customer's list that copies the ranges is a copy too
    ],
)
def test_hand_kept_cidrs_are_those_inside_cloudfronts_prefixes(
    ingress: list[dict[str, Any]], count: int, missing: dict[int, int] | None
) -> None:
    found = ranges.hardcoded(ingress, CURRENT, {"pl-mine": ("partners", ["13.32.0.0/15", "52.46.1.0/24"])})
    assert (found.cidr_count if found else 0) == count
    assert (found.missing if found else None) == missing


def test_a_family_the_ranges_do_not_list_is_not_counted() -> None:
    v4_only = ranges.from_prefix_list_entries({4: ["13.32.0.0/15"]}, "prefix list")
    found = ranges.hardcoded([_entry("13.32.0.0/15")], v4_only)
    assert found is not None and found.missing == {4: 0}
    assert v4_only.containing(ipaddress.ip_network("2600:9000:2000::/40")) is None


# -- migration -------------------------------------------------------------------------------------------------


def _plan(ingress: list[dict[str, Any]], attachments: int = 1) -> tuple[list[str], bool]:
    found = ranges.hardcoded(ingress, CURRENT)
    assert found is not None
    atts = [migration.Attachment("network-interface", f"eni-{i}", ("sg-1", "sg-2")) for i in range(attachments)]
    return migration.plan("eu-west-1", "sg-1", "web", "vpc-1", ingress, found, {4: "pl-4", 6: "pl-6"}, {}, atts)


def test_a_group_with_room_gets_the_list_rule_first_then_loses_the_cidrs() -> None:
    lines, split = _plan([_entry("13.32.0.0/15", "52.46.0.0/18")])  # 2 + 55 <= 60
    assert not split
    text = "\n".join(lines)
    assert text.index("authorize-security-group-ingress --region eu-west-1 --group-id sg-1") < text.index(
        "revoke-security-group-ingress"
    )
    assert '"PrefixListId":"pl-4"' in text and "create-security-group" not in text


def test_a_full_group_is_split_and_ipv4_and_ipv6_each_get_a_group() -> None:
    ingress = [_entry("13.32.0.0/15", "2600:9000:2000::/40"), _entry(*[f"10.0.{i}.0/24" for i in range(10)])]
    lines, split = _plan(ingress, attachments=1)
    text = "\n".join(lines)
    assert split and text.count("create-security-group") == 2  # each list weighs 55: one per group
    assert '"PrefixListId":"pl-4"' in text and '"PrefixListId":"pl-6"' in text
    assert text.index("modify-network-interface-attribute") < text.index("revoke-security-group-ingress")
    assert "--groups sg-1 sg-2 $NEW_SG_1 $NEW_SG_2" in text
    assert "would hold 4 groups" not in text
    # Only the CloudFront CIDRs are revoked, never the group's other rules.
    revoke = next(line for line in lines if "revoke-security-group-ingress" in line)
    assert "10.0.1.0/24" not in revoke and "13.32.0.0/15" in revoke and "2600:9000:2000::/40" in revoke


def test_weights_count_prefix_lists_by_their_max_entries() -> None:
    entry = {
        "cidrBlocks": ["1.0.0.0/8"],
        "ipv6CidrBlocks": [],
        "securityGroups": ["sg-9"],
        "prefixListIds": ["pl-a", "pl-b"],
    }
    assert migration.rule_weight(entry, {"pl-a": 10}) == 1 + 1 + 10 + 55


@pytest.mark.parametrize(
    ("tags", "legacy"),
    [
        ({"AutoUpdate": "true", "Name": "cloudfront_g"}, True),
        ({"AutoUpdate": "True", "Name": "cloudfront_r"}, True),
        ({"AutoUpdate": "false", "Name": "cloudfront_g"}, False),
        ({"AutoUpdate": "true", "Name": "cloudfront"}, False),
        ({"Name": "cloudfront_g"}, False),
    ],
)
def test_the_legacy_updaters_tags(tags: dict[str, str], legacy: bool) -> None:
    assert migration.legacy_updater_tags(tags) is legacy


# -- conversions -----------------------------------------------------------------------------------------------


def test_route53_names_are_unescaped_and_eip_names_are_awss() -> None:
    assert convert.route53_name("\\052.example.com.") == "*.example.com"
    assert convert.eip_public_dns("203.0.113.7", "us-east-1") == "ec2-203-0-113-7.compute-1.amazonaws.com"
    assert convert.eip_public_dns("203.0.113.7", "eu-west-1") == "ec2-203-0-113-7.eu-west-1.compute.amazonaws.com"


def test_an_all_traffic_permission_has_no_ports_and_means_every_port() -> None:
    entry = convert.permission_entry({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    assert entry["protocol"] == "-1" and entry["fromPort"] is None and entry["cidrBlocks"] == ["0.0.0.0/0"]


def test_an_instance_without_a_public_address_says_so() -> None:
    inv = convert.Inventory(account="1", regions=["us-east-1"])
    inv.region("us-east-1").instances = [{"InstanceId": "i-1", "State": {"Name": "running"}, "NetworkInterfaces": []}]
    inv.region("us-east-1").instances.append({"InstanceId": "i-2", "State": {"Name": "terminated"}})
    cat = convert.to_catalog(inv)
    (inst,) = cat.resources
    assert inst.props["publicIp"] == "" and inst.props["arn"] == "arn:aws:ec2:us-east-1:1:instance/i-1"


def test_the_iam_policy_is_read_only() -> None:
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in iam.ACTIONS)
    assert json.loads(iam.policy_json())["Statement"][0]["Action"] == list(iam.ACTIONS)


def test_the_json_report_never_holds_more_than_the_finding_fields() -> None:
    finding = AuditFinding("origin-open-to-world", "E1", "web", "sg-1", "m", "r", "us-east-1", ["# plan"])
    doc = json.loads(to_json(Report("1", ["us-east-1"], {"distributions": 1}, [finding])))
    assert doc["findings"] == [
        {
            "check": "origin-open-to-world",
            "severity": "critical",
            "distribution": "E1",
            "origin": "web",
            "resource": "sg-1",
            "message": "m",
            "remediation": "r",
        }
    ]


def test_the_readme_lists_exactly_the_iam_policy_the_audit_needs() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Audit an existing account") :]
    section = section[: section.index("\n## ", 5)]
    policy = section[section.index("### The IAM policy") :]
    block = policy[policy.index("```json\n") + 8 : policy.index("\n```", policy.index("```json\n"))]
    assert json.loads(block) == iam.policy()
    for check in ("origin-open-to-world", "origin-cloudfront-ranges-hardcoded", "origin-secret-not-checked"):
        assert f"`{check}`" in section


def test_the_audit_judges_the_packs_default_ports() -> None:
    """One verdict: the audit judges every origin interface on the ports the pack's mandatory policy does."""
    assert list(PACK_PORTS) == SCHEMAS[ORIGIN_INGRESS]["ports"]["default"]

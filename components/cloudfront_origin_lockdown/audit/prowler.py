"""The audit inside Prowler: what the custom checks in ``tools/prowler_checks`` call.

Each of the five checks is a thin Prowler ``Check`` whose ``execute`` returns :func:`reports` for its name. The
first check to run in an account scans it (the same collector, conversion and judge as the command, through
the boto3 session Prowler assumed for that account, over the regions Prowler audits); the other four reuse
that scan. Prowler's own options then apply: ``--role`` per account, ``--organizations-role``,
``--security-hub``, output formats, mutelists.

CloudFront's ranges: the file named by ``ORIGIN_LOCKDOWN_CLOUDFRONT_RANGES`` (a saved ip-ranges.json), else the
live ip-ranges.json (``ORIGIN_LOCKDOWN_IP_RANGES_URL`` overrides the URL), else the managed prefix lists.

Fails closed: when the scan itself fails (AccessDenied included, and any exception whatever: Prowler's
``execute`` would print it and return no report at all), every check reports one FAIL that says why, never a
silent pass. Prowler is imported only when a check runs, so the package imports without it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aws import AwsError, Collector, Session
from .checks import HARDCODED, LEGACY, OPEN, SECRET, UNVERIFIED, AuditFinding, Result, run_checks
from .convert import to_catalog
from .inventory import Inventory
from .ranges import IP_RANGES_URL, CloudFrontRanges, RangesError, download, parse_ip_ranges

RANGES_FILE_VARIABLE = "ORIGIN_LOCKDOWN_CLOUDFRONT_RANGES"
URL_VARIABLE = "ORIGIN_LOCKDOWN_IP_RANGES_URL"

# Prowler check id -> the audit's check.
CHECK_IDS = {
    "cloudfront_origin_open_to_world": OPEN,
    "cloudfront_origin_ranges_hardcoded": HARDCODED,
    "cloudfront_origin_secret_not_checked": SECRET,
    "cloudfront_origin_legacy_ip_updater": LEGACY,
    "cloudfront_origin_not_verified": UNVERIFIED,
}
PASS_TEXT = {
    OPEN: "No origin of CloudFront distribution {d} admits the internet on a port CloudFront uses.",
    HARDCODED: "No origin security group of CloudFront distribution {d} lists CloudFront's ranges by hand.",
    SECRET: "Every internet-facing origin of CloudFront distribution {d} is sent a custom header the ALB checks.",
    LEGACY: "No origin security group of CloudFront distribution {d} is kept by the legacy ip-ranges updater.",
    UNVERIFIED: "Every custom and VPC origin of CloudFront distribution {d} leads to resources the audit read.",
}


@dataclass
class Resource:
    """What Prowler's ``Check_Report_AWS`` reads from a resource: ``id``, ``arn``, ``region`` (and ``tags``)."""

    id: str
    arn: str
    region: str
    name: str = ""
    tags: list[Any] = field(default_factory=list)


@dataclass
class Scan:
    inventory: Inventory | None
    result: Result | None
    error: str = ""


_SCANS: dict[tuple[str, tuple[str, ...]], Scan] = {}


def regions_of(provider: Any) -> list[str]:
    """The regions Prowler audits: EC2's regions in the partition, narrowed to ``--region`` and the enabled ones."""
    regions = set(
        provider.get_available_aws_service_regions(
            "ec2", provider.identity.partition, provider.identity.audited_regions
        )
    )
    enabled = getattr(provider, "_enabled_regions", None)
    if enabled is not None:
        regions &= set(enabled)
    regions -= set(getattr(provider, "_excluded_regions", None) or ())
    return sorted(regions)


def _ranges(collector: Collector, inventory: Inventory) -> CloudFrontRanges:
    path = os.environ.get(RANGES_FILE_VARIABLE)
    if path:
        return parse_ip_ranges(Path(path).read_bytes(), f"file {path}")
    url = os.environ.get(URL_VARIABLE) or IP_RANGES_URL
    try:
        return parse_ip_ranges(download(url), url)
    except RangesError:
        return collector.cloudfront_ranges(inventory)


def scan(provider: Any) -> Scan:
    """The account's scan, once per (account, regions) in this process."""
    regions = regions_of(provider)
    key = (str(provider.identity.account), tuple(regions))
    if key not in _SCANS:
        try:
            collector = Collector(Session(provider.session.current_session))
            inventory = collector.collect(regions)
            result = run_checks(to_catalog(inventory), _ranges(collector, inventory), inventory.regions)
            _SCANS[key] = Scan(inventory, result)
        except (AwsError, RangesError, OSError) as error:
            _SCANS[key] = Scan(None, None, str(error))
        except Exception as error:
            _SCANS[key] = Scan(None, None, f"unexpected {type(error).__name__}: {error}")
    return _SCANS[key]


def forget() -> None:
    """Drop the scans kept for this process (tests)."""
    _SCANS.clear()


def _report(check: Any, resource: Resource, status: str, text: str) -> Any:
    from prowler.lib.check.models import Check_Report_AWS  # noqa: PLC0415 (Prowler is there when a check runs)

    report = Check_Report_AWS(metadata=check.metadata(), resource=resource)
    report.status = status
    report.status_extended = text
    return report


def reports(check: Any) -> list[Any]:
    """The Prowler reports of ``check`` (a Prowler ``Check`` whose ``CheckID`` is one of :data:`CHECK_IDS`)."""
    from prowler.providers.common.provider import Provider  # noqa: PLC0415

    provider = Provider.get_global_provider()
    home = (regions_of(provider) or ["us-east-1"])[0]
    try:
        return _reports(check, provider, home)
    except Exception as error:
        return [_account_fail(check, provider, home, f"unexpected {type(error).__name__}: {error}")]


def _account_fail(check: Any, provider: Any, home: str, why: str) -> Any:
    account = str(provider.identity.account)
    resource = Resource(account, f"arn:{provider.identity.partition}:iam::{account}:root", home, "account")
    return _report(check, resource, "FAIL", f"The origin audit could not run: {why}")


def _reports(check: Any, provider: Any, home: str) -> list[Any]:
    name = CHECK_IDS[check.CheckID]
    done = scan(provider)
    if done.result is None or done.inventory is None:
        return [_account_fail(check, provider, home, done.error)]
    inventory = done.inventory
    findings: list[AuditFinding] = [f for f in done.result.findings if f.check == name]
    arns = {str(d.get("Id")): str(d.get("ARN", "")) for d in inventory.distributions}
    out = []
    # One FAIL per resource to fix (Prowler and Security Hub key findings by resource), naming every
    # distribution it exposes; each of those distributions is failed, never passed.
    by_resource: dict[tuple[str, str], list[AuditFinding]] = {}
    for f in findings:
        by_resource.setdefault((f.resource, f.region or home), []).append(f)
    for (resource, region), group in by_resource.items():
        first = group[0]
        arn = resource if resource.startswith("arn:") else _arn(inventory, first)
        text = " ".join(dict.fromkeys(f.message for f in group))
        if len(group) > 1:
            text += f" Distributions exposed: {', '.join(dict.fromkeys(f.distribution for f in group))}."
        text += f" Fix: {first.remediation}"
        # A name outside AWS cannot be judged from any account: MANUAL (Prowler's "check by hand"), never PASS.
        status = "MANUAL" if all(f.severity == "low" for f in group) else "FAIL"
        out.append(_report(check, Resource(resource, arn, region, resource), status, text))
    flagged = {f.distribution for f in findings}
    for did, arn in sorted(arns.items()):
        if did not in flagged:
            out.append(_report(check, Resource(did, arn, home, did), "PASS", PASS_TEXT[name].format(d=did)))
    return out


def _arn(inventory: Inventory, f: AuditFinding) -> str:
    if f.resource.startswith("sg-"):
        region = f.region or "us-east-1"
        return f"arn:{inventory.partition}:ec2:{region}:{inventory.account}:security-group/{f.resource}"
    return next((str(d.get("ARN", "")) for d in inventory.distributions if d.get("Id") == f.resource), "")

"""The audit's report: JSON (the contract), a table grouped by distribution, and SARIF 2.1.0 for code-scanning tools.

Pure: each renderer takes the findings and what was scanned and returns text. No renderer ever sees a header
value: findings carry names, ids and ARNs only (:mod:`.checks`).
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .checks import HARDCODED, LEGACY, OPEN, SECRET, SEVERITIES, SEVERITY, TITLES, UNVERIFIED, AuditFinding

# GitHub code scanning reads "security-severity" (0-10) to rank results
# (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
_SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning needs every result to have a location with physicalLocation.artifactLocation.uri, and shows
# a rule's fullDescription and help (https://docs.github.com/en/code-security/reference/code-scanning/sarif-files/
# sarif-support; the SARIF SDK's GitHub validation rules GH1017 and following enforce the same). An AWS resource
# is no file: its uri is the stable relative path aws/<account>/<region>/<resource id or ARN, percent-encoded>.
_DESCRIPTIONS = {
    OPEN: "A distribution's custom origin (load balancer, its targets, instance, Elastic IP, through Route 53 "
    "records, or a VPC origin's endpoint) admits the whole internet on a port it is served on, judged on the union "
    "of every rule of every security group on its interfaces with prefix lists resolved.",
    HARDCODED: "An origin security group admits CloudFront's origin-facing ranges as literal CIDRs instead of the "
    "managed prefix list: the copy goes stale when AWS changes the ranges, and CloudFront's requests from the "
    "missing ranges time out.",
    SECRET: "An origin reachable from the internet does not check the custom header its distribution sends: any "
    "other CloudFront distribution (the managed prefix list admits all of them) reaches it.",
    LEGACY: "An origin security group is kept by AWS's retired ip-ranges updater sample (AutoUpdate=true, "
    "Name=cloudfront_g/cloudfront_r), which fails silently.",
    UNVERIFIED: "A distribution's origin leads to nothing the audit read (a region not scanned, another account, "
    "or a name outside AWS): it was judged on nothing and cannot be called closed.",
}
_HELP = {
    OPEN: "Admit the origin's ports only from com.amazonaws.global.cloudfront.origin-facing (and the IPv6 list) or, "
    "for a VPC origin, from CloudFront-VPCOrigins-Service-SG.",
    HARDCODED: "Replace the literal CIDRs with a rule on the managed prefix list (origin-lockdown-audit "
    "--migration-plan writes the commands; add first, then revoke).",
    SECRET: "Default action fixed-response 403; forward only in rules with an http-header condition on the header "
    "CloudFront sends, holding its value without wildcards; or a WAF web ACL that blocks requests without it.",
    LEGACY: "Retire the updater and admit CloudFront through the managed prefix list.",
    UNVERIFIED: "Scan the region or account that holds the origin (--regions), or check it by hand.",
}


@dataclass
class Report:
    account: str
    regions: list[str]
    scanned: dict[str, int]
    findings: list[AuditFinding]
    ranges_source: str = ""
    distribution_domains: Mapping[str, str] = field(default_factory=dict)
    version: str = ""

    def ordered(self) -> list[AuditFinding]:
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(self.findings, key=lambda f: (f.distribution, rank[f.severity], f.check, f.origin, f.resource))


def counts(findings: Sequence[AuditFinding]) -> dict[str, int]:
    return {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}


def to_json(report: Report) -> str:
    doc: dict[str, Any] = {
        "account": report.account,
        "regions": report.regions,
        "scanned": report.scanned,
        "findings": [f.as_json() for f in report.ordered()],
    }
    return json.dumps(doc, indent=2)


def to_table(report: Report, width: int = 110) -> str:
    scanned = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in report.scanned.items())
    lines = [
        f"Account {report.account}, regions {', '.join(report.regions)}: scanned {scanned}.",
        f"CloudFront's ranges from {report.ranges_source}." if report.ranges_source else "",
    ]
    by_dist: dict[str, list[AuditFinding]] = {}
    for f in report.ordered():
        by_dist.setdefault(f.distribution, []).append(f)
    indent = " " * 6
    for dist, findings in by_dist.items():
        domain = report.distribution_domains.get(dist, "")
        lines += ["", f"Distribution {dist}" + (f" ({domain})" if domain else "")]
        for f in findings:
            lines.append(f"  {f.severity.upper():<9}{f.check}  origin '{f.origin}'  {f.resource}")
            lines += textwrap.wrap(f.message, width, initial_indent=indent, subsequent_indent=indent)
            lines += textwrap.wrap("Fix: " + f.remediation, width, initial_indent=indent, subsequent_indent=indent)
    total = counts(report.findings)
    summary = ", ".join(f"{n} {s}" for s, n in total.items() if n) or "none"
    lines += ["", f"{len(report.findings)} finding(s): {summary}."]
    return "\n".join(line for i, line in enumerate(lines) if line or i > 1) + "\n"


def _fingerprint(f: AuditFinding) -> str:
    return hashlib.sha256(f"{f.check}|{f.resource}|{f.distribution}|{f.origin}".encode()).hexdigest()


def _resource_uri(account: str, f: AuditFinding) -> str:
    """A relative URI for the resource (an ARN's ``:`` would otherwise read as a scheme)."""
    return f"aws/{quote(account, safe='')}/{quote(f.region or 'global', safe='')}/{quote(f.resource, safe='')}"


def to_sarif(report: Report) -> str:
    checks = list(SEVERITY)
    rules = [
        {
            "id": check,
            "name": check,
            "shortDescription": {"text": TITLES[check]},
            "fullDescription": {"text": _DESCRIPTIONS[check]},
            "help": {"text": _HELP[check]},
            "defaultConfiguration": {"level": _SARIF_LEVEL[SEVERITY[check]]},
            "properties": {"security-severity": _SECURITY_SEVERITY[SEVERITY[check]], "tags": ["security", "aws"]},
        }
        for check in checks
    ]
    results = []
    for f in report.ordered():
        qualified = f"aws://{report.account}/{f.region or 'global'}/{f.resource}"
        results.append(
            {
                "ruleId": f.check,
                "ruleIndex": checks.index(f.check),
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message} Fix: {f.remediation}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _resource_uri(report.account, f)},
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": [{"name": f.resource, "kind": "resource", "fullyQualifiedName": qualified}],
                    }
                ],
                "partialFingerprints": {"originLockdownFinding/v1": _fingerprint(f)},
                "properties": {
                    "severity": f.severity,
                    "distribution": f.distribution,
                    "origin": f.origin,
                    "resource": f.resource,
                    "account": report.account,
                },
            }
        )
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "origin-lockdown-audit", "version": report.version, "rules": rules}},
                "results": results,
                "properties": {"account": report.account, "regions": report.regions, "scanned": report.scanned},
            }
        ],
    }
    return json.dumps(doc, indent=2)


def migration_script(findings: Sequence[AuditFinding], account: str) -> str:
    """Every migration plan as one shell script to review (never run by the audit)."""
    lines = [
        "#!/usr/bin/env bash",
        f"# origin-lockdown-audit: migration plans for account {account} (origin-cloudfront-ranges-hardcoded).",
        "# Nothing here has been run. Review each block, run it step by step, and check that CloudFront still",
        "# reaches the origin between adding the prefix-list rule and removing the literal CIDRs.",
        "set -euo pipefail",
    ]
    planned: set[str] = set()
    for f in findings:
        if f.plan and f.resource not in planned:  # a group shared by distributions: one plan
            planned.add(f.resource)
            lines += ["", *f.plan]
    return "\n".join(lines) + "\n"

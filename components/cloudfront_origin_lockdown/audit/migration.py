"""Plans that move a group from hand-kept CloudFront CIDRs to the managed prefix list, and the legacy updater's tags.

A plan is a list of ``aws`` CLI commands (with ``#`` comments) for a person to review and run; the audit never
runs one. Order matters: the prefix-list rule is added *before* the literal CIDRs are removed, so CloudFront is
never shut out half-way. Quotas shape the plan:

* a referenced prefix list counts as its *maximum entries* (55 for each CloudFront list), not its current size,
  against "Inbound or outbound rules per security group" (default 60, quota L-0EA8095F)
  (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html): when the group cannot hold the new
  rule *next to* its literal CIDRs, the plan creates a group per (family, port range) holding only the
  prefix-list rule, attaches it where the old group is, then removes the literal CIDRs;
* an interface holds at most 5 groups by default (same page); an ALB takes at most 5
  (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html): the plan
  says so where attaching one more would pass that.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .ranges import PREFIX_LIST_NAMES, Hardcoded, HardcodedRule

RULES_PER_GROUP = 60  # default of quota L-0EA8095F
CLOUDFRONT_LIST_WEIGHT = 55  # max entries of each CloudFront origin-facing list
GROUPS_PER_INTERFACE = 5

# AWS's retired sample "update-security-groups" (aws-samples/aws-cloudfront-samples) tagged the groups its
# Lambda function rewrote from ip-ranges.json: AutoUpdate=true and Name=cloudfront_g (global) / cloudfront_r
# (regional edge caches).
LEGACY_TAG_NAMES = frozenset({"cloudfront_g", "cloudfront_r"})


def legacy_updater_tags(tags: Mapping[str, Any]) -> bool:
    """Whether a group carries the tags of AWS's old ip-ranges updater sample."""
    return str(tags.get("AutoUpdate", "")).strip().lower() == "true" and str(tags.get("Name", "")) in LEGACY_TAG_NAMES


@dataclass(frozen=True)
class Attachment:
    """Where a group sits: the command that sets the groups of that load balancer or interface."""

    kind: str  # "load-balancer", "classic-load-balancer", "network-interface"
    ident: str  # ARN, name or id
    groups: tuple[str, ...]  # its groups today


def rule_weight(entry: Mapping[str, Any], list_weights: Mapping[str, int]) -> int:
    """What one inline rule weighs against the rules-per-group quota (each CIDR and group one, a list its max)."""
    weight = len(entry.get("cidrBlocks") or []) + len(entry.get("ipv6CidrBlocks") or [])
    weight += len(entry.get("securityGroups") or [])
    for pl in entry.get("prefixListIds") or []:
        weight += list_weights.get(pl, CLOUDFRONT_LIST_WEIGHT)  # an unknown list: the conservative weight
    return weight


def _ports(rule: HardcodedRule) -> tuple[str, Any, Any]:
    return (rule.protocol, rule.from_port, rule.to_port)


def _permission(protocol: str, from_port: Any, to_port: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"IpProtocol": protocol}
    if from_port is not None:
        out["FromPort"] = from_port
    if to_port is not None:
        out["ToPort"] = to_port
    return out


def _port_text(protocol: str, from_port: Any, to_port: Any) -> str:
    if protocol == "-1":
        return "all traffic"
    if from_port is None or from_port == to_port:
        return f"{protocol} {from_port if from_port is not None else 'all'}"
    return f"{protocol} {from_port}-{to_port}"


def _cmd(*words: str) -> str:
    return " ".join(shlex.quote(w) for w in words)


def plan(
    region: str,
    group_id: str,
    group_name: str,
    vpc_id: str,
    ingress: Sequence[Mapping[str, Any]],
    found: Hardcoded,
    list_ids: Mapping[int, str],
    list_weights: Mapping[str, int],
    attachments: Sequence[Attachment],
) -> tuple[list[str], bool]:
    """The commands that move ``group_id`` to the CloudFront prefix lists, and whether it needs a split."""
    own = [r for r in found.rules if not r.via]
    port_ranges = list(dict.fromkeys(_ports(r) for r in found.rules))
    # Mid-migration: a (family, port range) the group already admits through the CloudFront list needs no new rule.
    present = {
        (v, (str(e.get("protocol")), e.get("fromPort"), e.get("toPort")))
        for e in ingress
        for v, pl in list_ids.items()
        if pl in (e.get("prefixListIds") or [])
    }
    adds = [(v, p) for p in port_ranges for v in found.families if (v, p) not in present]
    current = sum(rule_weight(e, list_weights) for e in ingress)
    added = CLOUDFRONT_LIST_WEIGHT * len(adds)
    split = current + added > RULES_PER_GROUP
    lines = [
        f"# {group_id} ({group_name}) in {region}: replace {found.cidr_count} hand-kept CloudFront CIDR(s) with the "
        "managed prefix list(s). Review, then run in order; the audit runs none of this.",
        f"# Rules-per-group weight today {current}; a CloudFront list weighs {CLOUDFRONT_LIST_WEIGHT} "
        f"(quota L-0EA8095F, default {RULES_PER_GROUP}).",
    ]
    missing_lists = [v for v in found.families if v not in list_ids]
    for v in missing_lists:
        lines.append(f"# {PREFIX_LIST_NAMES[v]} was not found in {region}: look its id up with")
        lines.append(
            "#   "
            + _cmd(
                "aws", "ec2", "describe-managed-prefix-lists", "--region", region,
                "--filters", f"Name=prefix-list-name,Values={PREFIX_LIST_NAMES[v]}",
            )
        )  # fmt: skip
    targets: list[tuple[str, int, tuple[str, Any, Any]]] = []  # (group to add to, family, ports)
    if not adds:
        lines.append(f"# 1. {group_id} already admits CloudFront through the managed prefix list on these ports.")
    elif not split:
        lines.append(
            f"# 1. Add the prefix-list rule(s) to {group_id} (it has room: {current} + {added} <= {RULES_PER_GROUP})."
        )
        targets = [(group_id, v, p) for v, p in adds]
    else:
        lines.append(
            f"# {current} + {added} > {RULES_PER_GROUP}: the group cannot hold the prefix list next to its CIDRs. "
            f"1. Create one group per family and port range holding only the prefix-list rule, and attach it."
        )
        for i, (v, p) in enumerate(adds):
            var = f"NEW_SG_{i + 1}"
            suffix = f"cloudfront-ipv{v}-{p[0]}-{p[1] if p[1] is not None else 'all'}"
            lines.append(
                f"{var}=$("
                + _cmd(
                    "aws", "ec2", "create-security-group", "--region", region, "--vpc-id", vpc_id,
                    "--group-name", f"{group_name}-{suffix}"[:255],
                    "--description", f"CloudFront origin-facing IPv{v} ({_port_text(*p)}), split from {group_id}",
                    "--query", "GroupId", "--output", "text",
                )
                + ")"
            )  # fmt: skip
            targets.append((f"${var}", v, p))
    for target, v, (protocol, low, high) in targets:
        perm = _permission(protocol, low, high)
        pl = list_ids.get(v, f"<id of {PREFIX_LIST_NAMES[v]}>")
        perm["PrefixListIds"] = [{"PrefixListId": pl, "Description": "CloudFront origin-facing"}]
        group_arg = target if target.startswith("$") else shlex.quote(target)
        lines.append(
            _cmd("aws", "ec2", "authorize-security-group-ingress", "--region", region)
            + f" --group-id {group_arg} --ip-permissions "
            + shlex.quote(json.dumps([perm], separators=(",", ":")))
        )
    if split:
        lines += _attach(region, group_id, [t for t, _, _ in targets], attachments)
    lines.append("# 2. Check that CloudFront still reaches the origin, then remove the literal CIDRs:")
    for rule in own:
        perm = _permission(rule.protocol, rule.from_port, rule.to_port)
        v4 = [c for c in rule.cidrs if ":" not in c]
        v6 = [c for c in rule.cidrs if ":" in c]
        if v4:
            perm["IpRanges"] = [{"CidrIp": c} for c in v4]
        if v6:
            perm["Ipv6Ranges"] = [{"CidrIpv6": c} for c in v6]
        lines.append(
            _cmd("aws", "ec2", "revoke-security-group-ingress", "--region", region, "--group-id", group_id)
            + " --ip-permissions "
            + shlex.quote(json.dumps([perm], separators=(",", ":")))
        )
    for rule in found.rules:
        if rule.via:
            lines.append(
                f"# and stop referencing {rule.via} on {_port_text(*_ports(rule))} (revoke that rule) once nothing "
                "else needs the list."
            )
    return lines, split


def _attach(region: str, group_id: str, new: list[str], attachments: Sequence[Attachment]) -> list[str]:
    """Commands that attach the new group(s) wherever ``group_id`` is, before its CIDRs go."""
    new_groups = " ".join(new)
    targets = new
    lines = [
        f"# Attach the new group(s) wherever {group_id} is, before its CIDRs go: the interfaces below are those "
        "the audit read; list every holder (Lambda, RDS, ECS tasks, endpoints) with",
        "#   "
        + _cmd(
            "aws", "ec2", "describe-network-interfaces", "--region", region,
            "--filters", f"Name=group-id,Values={group_id}", "--query", "NetworkInterfaces[].NetworkInterfaceId",
        ),
    ]  # fmt: skip
    for att in attachments:
        groups = " ".join(shlex.quote(g) for g in att.groups)
        over = len(att.groups) + len(targets) > GROUPS_PER_INTERFACE
        if over:
            lines.append(
                f"# {att.ident} would hold {len(att.groups) + len(targets)} groups (default limit "
                f"{GROUPS_PER_INTERFACE}): merge groups or raise the quota first."
            )
        if att.kind == "load-balancer":
            lines.append(
                _cmd("aws", "elbv2", "set-security-groups", "--region", region, "--load-balancer-arn", att.ident)
                + f" --security-groups {groups} {new_groups}"
            )
        elif att.kind == "classic-load-balancer":
            lines.append(
                _cmd("aws", "elb", "apply-security-groups-to-load-balancer", "--region", region)
                + f" --load-balancer-name {shlex.quote(att.ident)} --security-groups {groups} {new_groups}"
            )
        else:
            lines.append(
                _cmd("aws", "ec2", "modify-network-interface-attribute", "--region", region)
                + f" --network-interface-id {shlex.quote(att.ident)} --groups {groups} {new_groups}"
            )
    return lines


def remediation(found: Hardcoded, list_ids: Mapping[int, str], split: bool) -> str:
    """The finding's remediation text (the commands themselves are the plan)."""
    lists = " and ".join(
        f"{PREFIX_LIST_NAMES[v]} ({list_ids[v]})" if v in list_ids else PREFIX_LIST_NAMES[v] for v in found.families
    )
    text = (
        f"Admit CloudFront through the AWS-managed prefix list {lists} instead of literal CIDRs: "
        "add the prefix-list rule first, then remove the CIDRs."
    )
    if split:
        text += (
            f" The group cannot hold a list weighing {CLOUDFRONT_LIST_WEIGHT} next to its rules (quota L-0EA8095F, "
            f"default {RULES_PER_GROUP} rules per group): put each prefix-list rule in a group of its own, attach it, "
            "then remove the CIDRs."
        )
    return text + " The audit writes the commands with --migration-plan FILE."

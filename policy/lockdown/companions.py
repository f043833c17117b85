"""Companion policies: the secret header, how it travels, and the origin groups' other weak spots."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .config import (
    HTTP_ONLY,
    LITERAL_HEADER,
    PREFIX_QUOTA,
    SECRET_HEADER,
    SSH_ALL_PORTS,
    settings,
)
from .graph import DIST_NATIVE, DIST_TYPES, PREFIX_LIST_TYPES, RELEVANT_TYPES, StackGraph, origins_of_distribution
from .model import Res, from_policy_resources
from .origin_ingress import describe_ports, world_of
from .rules import EGRESS, INGRESS, Rule
from .scope import build_scope, scoped_rules
from .values import as_list, get, is_unknown, plain
from .world_cidr import ALL, Tri, protocol_class, range_hits, reaches_ports

HEADER_FIX = (
    "Fix: add a custom header whose value comes from a generated secret (e.g. random.RandomPassword(...).result) "
    "and make the origin (an ALB listener rule with an http-header condition, or the web server) reject requests "
    "without it; see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html"
)


# ---------------------------------------------------------------------------------------------------------------
# Origins and headers of a distribution (both providers)


def _origin_list(res_type: str, props: Mapping[str, Any]) -> list[Any] | None:
    if res_type == DIST_NATIVE:
        return as_list(get(props, "distributionConfig", "origins"))
    return as_list(props.get("origins"))


def _headers(res_type: str, origin: Any) -> list[tuple[Any, Any]] | None:
    """``[(name, value)]`` of an origin's custom headers; ``None`` if the list is unknown."""
    if res_type == DIST_NATIVE:
        items = as_list(get(origin, "originCustomHeaders"))
        keys = ("headerName", "headerValue")
    else:
        items = as_list(get(origin, "customHeaders"))
        keys = ("name", "value")
    if items is None:
        return None
    return [(get(h, keys[0]), get(h, keys[1])) for h in items if isinstance(h, dict)]


def _origin_label(origin: Any) -> str:
    oid = get(origin, "originId") or get(origin, "id")
    domain = get(origin, "domainName")
    oid_text = "?" if oid is None or is_unknown(oid) else oid
    domain_text = "(not known yet)" if domain is None or is_unknown(domain) else domain
    return f"'{oid_text}' ({domain_text})"


def _custom_origins(res_type: str, props: Mapping[str, Any], vpc_too: bool) -> Iterator[Any]:
    for origin in _origin_list(res_type, props) or []:
        if not isinstance(origin, dict):
            continue
        if get(origin, "s3OriginConfig") is not None:
            continue
        if get(origin, "vpcOriginConfig") is not None:
            if vpc_too:
                yield origin
            continue
        if get(origin, "customOriginConfig") is not None:
            yield origin


# ---------------------------------------------------------------------------------------------------------------
# cloudfront-origin-secret-header (resource policy)


def secret_header_problems(res_type: str, props: Mapping[str, Any], cfg: Mapping[str, Any]) -> list[str]:
    required = {str(n).lower() for n in cfg.get("requiredHeaderNames") or []}
    problems = []
    for origin in _custom_origins(res_type, props, bool(cfg.get("checkVpcOrigins"))):
        headers = _headers(res_type, origin)
        if headers is None:  # not known yet: there is a list, so something is sent
            continue
        names = {str(n).lower() for n, _ in headers if isinstance(n, str) and not is_unknown(n)}
        unknown_name = any(is_unknown(n) for n, _ in headers)
        if required and not (names & required) and not unknown_name:
            problems.append(
                f"Custom origin {_origin_label(origin)} sends none of the required secret headers "
                f"({', '.join(sorted(required))}), so the origin cannot tell CloudFront's requests from anyone "
                f"else's (the CloudFront prefix list admits every CloudFront customer). {HEADER_FIX}"
            )
        elif not headers:
            problems.append(
                f"Custom origin {_origin_label(origin)} sends no custom header, so the origin cannot tell "
                f"requests from this distribution from those of any other CloudFront distribution (the "
                f"origin-facing prefix list admits every CloudFront customer). {HEADER_FIX}"
            )
    return problems


def validate_secret_header(args: Any, report_violation: Any) -> None:
    if args.resource_type not in DIST_TYPES:
        return
    cfg = settings(SECRET_HEADER, args.get_config())
    for message in secret_header_problems(args.resource_type, plain(args.props), cfg):
        report_violation(message, None)


# ---------------------------------------------------------------------------------------------------------------
# cloudfront-secret-header-not-cleartext (resource policy)


def _viewer_allows_http(res_type: str, props: Mapping[str, Any]) -> bool:
    base = get(props, "distributionConfig") if res_type == DIST_NATIVE else props
    behaviors = [get(base, "defaultCacheBehavior")] + (
        as_list(get(base, "orderedCacheBehaviors") or get(base, "cacheBehaviors")) or []
    )
    return any(get(b, "viewerProtocolPolicy") == "allow-all" for b in behaviors if isinstance(b, dict))


def cleartext_problems(res_type: str, props: Mapping[str, Any], cfg: Mapping[str, Any]) -> list[str]:
    only = {str(n).lower() for n in cfg.get("headerNames") or []}
    problems = []
    for origin in _custom_origins(res_type, props, vpc_too=False):
        policy = get(origin, "customOriginConfig", "originProtocolPolicy")
        headers = [n for n, _ in _headers(res_type, origin) or [] if isinstance(n, str) and not is_unknown(n)]
        if only:
            headers = [n for n in headers if n.lower() in only]
        if not headers:
            continue
        if policy == "http-only":
            why = "origin protocol policy is http-only"
        elif policy == "match-viewer" and _viewer_allows_http(res_type, props):
            why = "origin protocol policy is match-viewer and a cache behavior allows viewers on plain HTTP"
        else:
            continue
        problems.append(
            f"Custom origin {_origin_label(origin)} sends the secret header(s) {', '.join(headers)} but its {why}: "
            f"the secret crosses the internet in cleartext and anyone on the path can replay it. Fix: set "
            f"originProtocolPolicy to https-only (give the origin a certificate, e.g. an ACM certificate on the ALB "
            f"listener for a domain you own), as AWS recommends: "
            f"https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html"
        )
    return problems


def validate_cleartext(args: Any, report_violation: Any) -> None:
    if args.resource_type not in DIST_TYPES:
        return
    cfg = settings(HTTP_ONLY, args.get_config())
    for message in cleartext_problems(args.resource_type, plain(args.props), cfg):
        report_violation(message, None)


# ---------------------------------------------------------------------------------------------------------------
# cloudfront-origin-header-not-literal (stack policy: needs the generators' outputs)


def literal_header_problems(resources: Iterable[Res], cfg: Mapping[str, Any]) -> list[tuple[str, str]]:
    generator_types = set(cfg.get("generatorTypes") or [])
    exempt = {str(n).lower() for n in cfg.get("exemptHeaderNames") or []}
    generated: set[str] = set()
    generators: dict[str, Res] = {}
    distributions: list[Res] = []
    for r in resources:
        if r.type in generator_types:
            generators[r.urn] = r
            for v in r.props.values():
                if isinstance(v, str) and not is_unknown(v):
                    generated.add(v)
        elif r.type in DIST_TYPES:
            distributions.append(r)
    problems = []
    for dist in distributions:
        _, deps = origins_of_distribution(dist)
        dep_gens = [generators[u] for u in deps if u in generators]
        dep_unknown = any(is_unknown(v) for g in dep_gens for v in g.props.values())
        dep_values = [
            v for g in dep_gens for v in g.props.values() if isinstance(v, str) and len(v) >= 8 and not is_unknown(v)
        ]
        for origin in _origin_list(dist.type, dist.props) or []:
            for name, value in _headers(dist.type, origin) or []:
                if not isinstance(value, str) or is_unknown(value):
                    continue  # unknown at preview: computed from another resource, not a literal
                if isinstance(name, str) and name.lower() in exempt:
                    continue
                if value in generated:
                    continue
                if dep_gens and (dep_unknown or any(g in value for g in dep_values)):
                    continue  # derived from a generator the distribution depends on
                problems.append(
                    (
                        dist.urn,
                        f"Distribution '{dist.name}', origin {_origin_label(origin)}: the value of header "
                        f"'{name}' is written as a literal, not taken from a generated secret. A literal lives in "
                        f"source control and in every checkout, and cannot be rotated without a code change. Fix: "
                        f"use the result of a random.RandomPassword (or a Secrets Manager secret version) as the "
                        f"value, e.g. value=password.result.",
                    )
                )
    return problems


_LITERAL_TYPES = DIST_TYPES


def validate_literal(args: Any, report_violation: Any) -> None:
    cfg = settings(LITERAL_HEADER, args.get_config())
    wanted = frozenset(_LITERAL_TYPES | set(cfg.get("generatorTypes") or []))
    for urn, message in literal_header_problems(from_policy_resources(args.resources, wanted), cfg):
        report_violation(message, urn)


# ---------------------------------------------------------------------------------------------------------------
# origin-sg-no-world-admin-or-all-ports (stack policy)


def _all_ports(rule: Rule, protocols: Iterable[str]) -> bool:
    kind = protocol_class(rule.protocol)
    if kind == ALL:
        return True
    if kind not in set(protocols):
        return False
    return (
        range_hits(rule.from_port, rule.to_port, (0,)) is Tri.YES
        and range_hits(rule.from_port, rule.to_port, (65535,)) is Tri.YES
    )


def admin_port_problems(resources: Iterable[Res], cfg: Mapping[str, Any]) -> list[tuple[str, str]]:
    scope = build_scope(resources, cfg)
    if not (scope.origins or scope.everything or scope.configured_ids):
        return []
    ports = tuple(int(p) for p in cfg.get("ports") or [])
    protocols = tuple(cfg.get("protocols") or ["tcp"])
    problems = []
    for rule, origins, _ in scoped_rules(scope, (INGRESS,)):
        if not origins or world_of(scope.graph, rule) is not Tri.YES:
            continue
        everything = bool(cfg.get("flagAllPorts", True)) and _all_ports(rule, protocols)
        admin = bool(ports) and reaches_ports(rule.protocol, rule.from_port, rule.to_port, ports, protocols) is Tri.YES
        if not (everything or admin):
            continue
        what = "every port" if everything else "administrative port " + "/".join(map(str, ports))
        groups = ", ".join(o.label for o in origins)
        problems.append(
            (
                rule.owner.urn,
                f"Rule '{rule.label}' ({rule.owner.type}) opens {what} ({describe_ports(rule)}) to the world on "
                f"origin security group {groups}. An origin behind CloudFront needs no public administration: "
                f"it invites brute force and, for all ports, bypasses CloudFront entirely. Fix: remove the rule; "
                f"use AWS Systems Manager Session Manager (no inbound port) or admit a specific admin CIDR.",
            )
        )
    return problems


def validate_admin_ports(args: Any, report_violation: Any) -> None:
    cfg = settings(SSH_ALL_PORTS, args.get_config())
    for urn, message in admin_port_problems(from_policy_resources(args.resources, RELEVANT_TYPES), cfg):
        report_violation(message, urn)


# ---------------------------------------------------------------------------------------------------------------
# origin-sg-prefix-list-quota (stack policy)


def _pl_weight(graph: StackGraph, pl: Any, deps: tuple[str, ...], cfg: Mapping[str, Any]) -> tuple[int, str]:
    weights: Mapping[str, Any] = cfg.get("prefixListWeights") or {}
    found = graph.lookup(pl, deps if is_unknown(pl) else (), PREFIX_LIST_TYPES) if pl is not None else []
    for res in found:
        max_entries = res.props.get("maxEntries")
        if isinstance(max_entries, int | float) and not isinstance(max_entries, bool):
            return int(max_entries), f"{res.name} (maxEntries {int(max_entries)})"
        for key in ("name", "prefixListName"):
            name = res.props.get(key)
            if isinstance(name, str) and name in weights:
                return int(weights[name]), f"{name} ({int(weights[name])})"
    if isinstance(pl, str) and pl in weights:
        return int(weights[pl]), f"{pl} ({int(weights[pl])})"
    label = pl if isinstance(pl, str) and not is_unknown(pl) else "an unknown prefix list"
    weight = int(cfg.get("unknownPrefixListWeight", 1))
    return weight, f"{label} (weight not known, assumed {weight})"


def prefix_quota_problems(resources: Iterable[Res], cfg: Mapping[str, Any]) -> list[tuple[str, str]]:
    scope = build_scope(resources, cfg)
    if not (scope.origins or scope.everything):
        return []
    limit = int(cfg.get("rulesPerSecurityGroup") or 60)
    totals: dict[tuple[str, str], int] = {}
    parts: dict[tuple[str, str], list[str]] = {}
    labels: dict[str, tuple[str, str]] = {}
    for rule, origins, _ in scoped_rules(scope, (INGRESS, EGRESS)):
        if not origins:
            continue
        weight = len(rule.cidrs) + rule.peer_groups + (1 if rule.cidrs_unknown else 0)
        notes = []
        for pl in rule.prefix_lists:
            w, note = _pl_weight(scope.graph, pl, rule.prefix_list_deps, cfg)
            weight += w
            notes.append(note)
        if weight == 0 and not rule.prefix_lists:
            weight = 1
        for o in origins:
            key = (o.sg.urn if o.sg is not None else o.sg_ref, rule.direction or INGRESS)
            labels[key[0]] = (o.label, o.sg.urn if o.sg is not None else rule.owner.urn)
            totals[key] = totals.get(key, 0) + weight
            if notes:
                parts.setdefault(key, []).extend(f"'{rule.label}': {n}" for n in notes)
    problems = []
    for (sg_key, direction), total in totals.items():
        if total <= limit:
            continue
        label, urn = labels[sg_key]
        detail = "; ".join(parts.get((sg_key, direction), [])) or "plain rules"
        problems.append(
            (
                urn,
                f"Origin security group {label} has {direction} rules of total weight {total}, over the quota of "
                f"{limit} rules per security group (a prefix list counts as its max entries: {detail}). AWS "
                f"will refuse the rules at deploy time with RulesPerSecurityGroupLimitExceeded, half-way through "
                f"the update. Fix: put each CloudFront prefix list (IPv4 and IPv6, 55 each) in its own security "
                f"group and attach both to the origin, or request a higher quota (L-0EA8095F) and set "
                f"rulesPerSecurityGroup. See https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
            )
        )
    return problems


def validate_prefix_quota(args: Any, report_violation: Any) -> None:
    cfg = settings(PREFIX_QUOTA, args.get_config())
    for urn, message in prefix_quota_problems(from_policy_resources(args.resources, RELEVANT_TYPES), cfg):
        report_violation(message, urn)


__all__ = [
    "admin_port_problems",
    "cleartext_problems",
    "literal_header_problems",
    "prefix_quota_problems",
    "secret_header_problems",
]

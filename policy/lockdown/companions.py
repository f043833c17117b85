"""Companion policies: the secret header, how it travels, and the origin groups' other weak spots."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.findings import definite_message, group_exposures
from origin_lockdown_judge.ingress import exposures
from origin_lockdown_judge.kinds import DIST_MULTITENANT, DIST_NATIVE, DIST_TYPES
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.origins import discover_each, origins_of_distribution, served_ports, single_configs
from origin_lockdown_judge.rules import INGRESS, Rule
from origin_lockdown_judge.scope import Analysis, analyse, units_in_scope
from origin_lockdown_judge.values import UNKNOWN, as_list, get, is_unknown, strings
from origin_lockdown_judge.world_cidr import Tri

from .config import (
    HTTP_ONLY,
    LITERAL_HEADER,
    ORIGIN_MTLS,
    PREFIX_QUOTA,
    SECRET_HEADER,
    SSH_ALL_PORTS,
    settings,
)
from .model import analysis_of, from_policy_resources
from .values import plain

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
    items = as_list(props.get("origins"))
    if res_type == DIST_MULTITENANT and items is not None:  # one-item lists of settings, read as the others'
        return [single_configs(o) for o in items]
    return items


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


# The property that makes an origin of each kind (both providers spell them alike).
_KIND_KEYS = (("s3OriginConfig", "s3"), ("vpcOriginConfig", "vpc"), ("customOriginConfig", "custom"))


def _kind(origin: Any) -> str | None:
    for key, kind in _KIND_KEYS:
        if get(origin, key) is not None:
            return kind
    return None


def _origins(res_type: str, props: Mapping[str, Any], kinds: frozenset[str]) -> Iterator[Any]:
    """The distribution's origins of ``kinds`` (``custom``: reached over the internet; ``vpc``: VPC origins)."""
    for origin in _origin_list(res_type, props) or []:
        if isinstance(origin, dict) and _kind(origin) in kinds:
            yield origin


CUSTOM = frozenset({"custom"})
CUSTOM_AND_VPC = frozenset({"custom", "vpc"})


# ---------------------------------------------------------------------------------------------------------------
# cloudfront-origin-secret-header (resource policy)


def secret_header_problems(res_type: str, props: Mapping[str, Any], cfg: Mapping[str, Any]) -> list[str]:
    required = {str(n).lower() for n in cfg["requiredHeaderNames"]}
    problems = []
    for origin in _origins(res_type, props, CUSTOM_AND_VPC if cfg["checkVpcOrigins"] else CUSTOM):
        headers = _headers(res_type, origin)
        if headers is None:  # not known yet: there is a list, so something is sent
            continue
        names = {n.lower() for n, _ in headers if isinstance(n, str)}  # an unknown name stops the check below
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
    if res_type == DIST_NATIVE:
        base, key = get(props, "distributionConfig"), "cacheBehaviors"
    else:  # a multi-tenant distribution calls its ordered behaviors cacheBehaviors
        base, key = props, "cacheBehaviors" if res_type == DIST_MULTITENANT else "orderedCacheBehaviors"
    behaviors = [get(base, "defaultCacheBehavior"), *(as_list(get(base, key)) or [])]
    return any(get(b, "viewerProtocolPolicy") == "allow-all" for b in behaviors if isinstance(b, dict))


def cleartext_problems(res_type: str, props: Mapping[str, Any], cfg: Mapping[str, Any]) -> list[str]:
    only = {str(n).lower() for n in cfg["headerNames"]}
    problems = []
    for origin in _origins(res_type, props, CUSTOM):  # a VPC origin is reached over AWS's network only
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
    generator_types = set(cfg["generatorTypes"])
    exempt = {str(n).lower() for n in cfg["exemptHeaderNames"]}
    generated: set[str] = set()
    generators: dict[str, Res] = {}
    distributions: list[Res] = []
    for r in resources:
        if r.type in generator_types:
            generators[r.urn] = r
            generated.update(v for v in r.props.values() if isinstance(v, str))  # unknown values never match:
            # a header value not known yet is skipped below
        elif r.type in DIST_TYPES:
            distributions.append(r)
    problems = []
    for dist in distributions:
        _, deps = origins_of_distribution(dist)
        dep_gens = [generators[u] for u in deps if u in generators]
        dep_unknown = any(is_unknown(v) for g in dep_gens for v in g.props.values())
        # Long enough not to be found by chance in a literal (settings like overrideSpecial are short).
        dep_values = [v for g in dep_gens for v in g.props.values() if isinstance(v, str) and len(v) >= 8]
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


def validate_literal(args: Any, report_violation: Any) -> None:
    cfg = settings(LITERAL_HEADER, args.get_config())
    a = analysis_of(args.resources)
    generators = frozenset(cfg["generatorTypes"]) - DIST_TYPES
    resources = a.graph.of(DIST_TYPES) + from_policy_resources(args.resources, generators)
    for urn, message in literal_header_problems(resources, cfg):
        report_violation(message, urn)


# ---------------------------------------------------------------------------------------------------------------
# origin-sg-no-world-admin-or-all-ports (stack policy)

ADMIN_CONSEQUENCE = (
    "An origin behind CloudFront needs no public administration: it invites brute force and, for all ports, "
    "bypasses CloudFront entirely. Fix: remove the rule; use AWS Systems Manager Session Manager (no inbound "
    "port) or admit a specific admin CIDR."
)


def admin_port_problems(resources: Iterable[Res] | Analysis, cfg: Mapping[str, Any]) -> list[tuple[str, str]]:
    """World-open administrative ports (and every port) on origin interfaces, decided on known values only."""
    a = resources if isinstance(resources, Analysis) else analyse(resources)
    ports: list[int | None] = [int(p) for p in cfg["ports"]]
    if cfg["flagAllPorts"]:
        ports.append(None)
    found = [e for e in exposures(a, cfg, ports) if e.certainty is Tri.YES]
    problems = []
    for group in group_exposures(a.judge, found):
        message, urn = definite_message(a.judge, group, ADMIN_CONSEQUENCE)
        problems.append((urn, message))
    return problems


def validate_admin_ports(args: Any, report_violation: Any) -> None:
    cfg = settings(SSH_ALL_PORTS, args.get_config())
    for urn, message in admin_port_problems(analysis_of(args.resources), cfg):
        report_violation(message, urn)


# ---------------------------------------------------------------------------------------------------------------
# origin-sg-prefix-list-quota (stack policy)


def _pl_weight(a: Analysis, pl: Any, deps: tuple[str, ...], cfg: Mapping[str, Any]) -> tuple[int, str]:
    """The weight of one referenced prefix list: its maxEntries when the stack manages it, else as configured."""
    weights: Mapping[str, Any] = cfg["prefixListWeights"]
    # A list not known yet is whichever the property depends on.
    found = a.graph.by_deps(deps, k.PREFIX_LIST_TYPES) if is_unknown(pl) else a.graph.by_value(pl, k.PREFIX_LIST_TYPES)
    for res in found:
        max_entries = res.props.get("maxEntries")
        if isinstance(max_entries, int | float) and not isinstance(max_entries, bool):  # not unknown
            return int(max_entries), f"{res.name} (maxEntries {int(max_entries)})"
        for name in strings([res.props.get("name"), res.props.get("prefixListName")]):
            if name in weights:
                return int(weights[name]), f"{name} ({int(weights[name])})"
    if isinstance(pl, str) and pl in weights:
        return int(weights[pl]), f"{pl} ({int(weights[pl])})"
    label = "an unknown prefix list" if is_unknown(pl) else str(pl)
    weight = int(cfg["unknownPrefixListWeight"])
    return weight, f"{label} (weight not known, assumed {weight})"


def _rule_weight(a: Analysis, rule: Rule, cfg: Mapping[str, Any]) -> tuple[int, list[str]]:
    """A rule's weight against the quota: one per CIDR and peer group, a prefix list its max entries.

    A prefix-list property not known yet (``prefixListId=managed_list.id`` at preview) counts as one list, the
    one it depends on."""
    weight = len(rule.cidrs) + rule.peer_groups + len(rule.unknown_cidr_lists)
    notes = []
    lists = (*rule.prefix_lists, UNKNOWN) if rule.prefix_lists_unknown else rule.prefix_lists
    for pl in lists:
        w, note = _pl_weight(a, pl, rule.prefix_list_deps, cfg)
        weight += w
        notes.append(note)
    if weight == 0 and not lists:
        weight = 1
    return weight, notes


def prefix_quota_problems(resources: Iterable[Res] | Analysis, cfg: Mapping[str, Any]) -> list[tuple[str, str]]:
    a = resources if isinstance(resources, Analysis) else analyse(resources)
    in_scope = dict.fromkeys(
        key for unit in units_in_scope(a, cfg) for key, tri in unit.iface.membership.members.items() if tri is Tri.YES
    )
    limit = int(cfg["rulesPerSecurityGroup"])
    problems = []
    for key in in_scope:
        totals: dict[str, int] = {}
        parts: dict[str, list[str]] = {}
        for rule, tri, _ in a.judge.rules_of_group(key):
            if tri is not Tri.YES or rule.owner.type not in k.SG_TYPES | k.RULE_TYPES:
                continue
            weight, notes = _rule_weight(a, rule, cfg)
            direction = rule.direction or INGRESS
            totals[direction] = totals.get(direction, 0) + weight
            parts.setdefault(direction, []).extend(f"'{rule.label}': {n}" for n in notes)
        group = a.net.groups[key]
        for direction, total in totals.items():
            if total <= limit:
                continue
            detail = "; ".join(parts[direction]) or "plain rules"
            urn = group.res.urn if group.res is not None else a.judge.rules_of_group(key)[0][0].owner.urn
            problems.append(
                (
                    urn,
                    f"Origin {group.label} has {direction} rules of total weight {total}, over the quota of "
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
    for urn, message in prefix_quota_problems(analysis_of(args.resources), cfg):
        report_violation(message, urn)


# ---------------------------------------------------------------------------------------------------------------
# cloudfront-origin-alb-mutual-tls (stack policy: follows each origin to its load balancer and listener)

MTLS_FIX = (
    "The secret header is a bearer token: whoever learns it (an app that logs headers, a scanner that reads the "
    "distribution's configuration) reaches the origin through a distribution of their own. Fix: have CloudFront "
    "present a client certificate (origin customOriginConfig.originMtlsConfig.clientCertificateArn, an ACM "
    "certificate in us-east-1 with Extended Key Usage client authentication) and set the listener's "
    "mutualAuthentication to mode verify with a trust store holding its CA (this repository: originMtls: true); see "
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-mtls-authentication.html"
)


def _single_origin(dist: Res, origin: Any) -> Res:
    """The distribution reduced to one origin, to follow that origin alone."""
    if dist.type == DIST_NATIVE:
        config = dict(get(dist.props, "distributionConfig") or {})
        props = {**dist.props, "distributionConfig": {**config, "origins": [origin]}}
    else:
        props = {**dist.props, "origins": [origin]}
    return Res(dist.urn, dist.type, dist.name, props, dist.deps, dist.inputs)


def _presents_certificate(origin: Any) -> bool | None:
    """Whether CloudFront presents a client certificate to this origin (None: not known yet)."""
    arn = get(origin, "customOriginConfig", "originMtlsConfig", "clientCertificateArn")
    if is_unknown(arn):
        return None
    return isinstance(arn, str) and bool(arn)


def _listener_modes(a: Analysis, lb: Res, port: int) -> list[Any]:
    """The mutual authentication mode of each HTTPS listener of ``lb`` on ``port`` (UNKNOWN where not known)."""
    modes = []
    for listener in a.graph.of(k.LISTENER_TYPES):
        owner = a.graph.refs(listener.props.get("loadBalancerArn"), listener.dep("loadBalancerArn"), k.LB_V2_TYPES)
        if lb not in owner:
            continue
        listener_port, protocol = listener.props.get("port"), listener.props.get("protocol")
        if is_unknown(listener_port) or is_unknown(protocol):
            modes.append(UNKNOWN)
            continue
        if str(protocol).upper() != "HTTPS" or listener_port != port:
            continue
        mode = get(listener.props, "mutualAuthentication", "mode")
        modes.append(UNKNOWN if is_unknown(mode) else (str(mode).lower() if mode else "off"))
    return modes


def origin_mtls_problems(resources: Iterable[Res] | Analysis) -> list[tuple[str, str]]:
    """HTTPS-only custom origins that reach an ALB whose HTTPS listener does not verify client certificates, and
    listeners that verify while CloudFront presents none (it would be refused). Known values only: advisory."""
    a = resources if isinstance(resources, Analysis) else analyse(resources)
    problems: list[tuple[str, str]] = []
    for dist in a.graph.of(DIST_TYPES):
        for origin in _origins(dist.type, dist.props, CUSTOM):
            if get(origin, "customOriginConfig", "originProtocolPolicy") != "https-only":
                continue
            (port,) = served_ports(get(origin, "customOriginConfig"))
            presents = _presents_certificate(origin)
            seen: set[str] = set()
            for _, units in discover_each(a.graph, a.net, [_single_origin(dist, origin)]):
                for unit in units:
                    lb = unit.iface.res
                    if lb is None or lb.urn in seen or lb.type not in k.LB_V2_TYPES or unit.certainty is not Tri.YES:
                        continue
                    if a.net.lb_interface(lb)[1] != "application":
                        continue
                    seen.add(lb.urn)
                    modes = _listener_modes(a, lb, port)
                    if not modes or any(is_unknown(m) for m in modes):
                        continue
                    where = (
                        f"Custom origin {_origin_label(origin)} of distribution '{dist.name}' reaches "
                        f"{unit.iface.label}"
                    )
                    if any(m != "verify" for m in modes):
                        sends = (
                            "although CloudFront presents a client certificate"
                            if presents
                            else "and CloudFront presents no client certificate"
                        )
                        problems.append(
                            (
                                lb.urn,
                                f"{where} over HTTPS on port {port}, whose listener does not verify client "
                                f"certificates (mutualAuthentication mode {', '.join(sorted(set(modes)))}) {sends}: "
                                f"only the secret header tells CloudFront from anyone else. {MTLS_FIX}",
                            )
                        )
                    elif presents is False:
                        problems.append(
                            (
                                dist.urn,
                                f"{where}, whose HTTPS listener on port {port} verifies client certificates, but "
                                "CloudFront presents none to this origin (no originMtlsConfig): the listener "
                                "refuses CloudFront. Fix: set customOriginConfig.originMtlsConfig."
                                "clientCertificateArn to a certificate the listener's trust store trusts.",
                            )
                        )
    return problems


def validate_origin_mtls(args: Any, report_violation: Any) -> None:
    settings(ORIGIN_MTLS, args.get_config())
    for urn, message in origin_mtls_problems(analysis_of(args.resources)):
        report_violation(message, urn)


__all__ = [
    "admin_port_problems",
    "cleartext_problems",
    "literal_header_problems",
    "origin_mtls_problems",
    "prefix_quota_problems",
    "secret_header_problems",
]

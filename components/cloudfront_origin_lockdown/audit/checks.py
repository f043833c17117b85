"""The audit's four checks over an account's resources, with the policy pack's judge deciding the first.

Every distribution is judged one origin at a time: the judge's graph, group identities and rule index are
built once for the account, and for each origin a view of the graph that holds only that origin's distribution
(with that one origin) is walked (``origin_lockdown_judge.origins.discover``), so that each finding knows its
distribution, its origin and the ports CloudFront uses for it. ``origin-open-to-world`` is then the pack's own
judgement (``ingress.exposures`` over the union of every rule of every group on each interface, prefix lists
resolved to their entries); the other checks are the audit's (:mod:`.ranges`, :mod:`.listeners`,
:mod:`.migration`) over the same interfaces.

Nothing no distribution reaches is reported: every check starts from the interfaces a distribution's origin
leads to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.findings import definite_message, group_exposures, maybe_message
from origin_lockdown_judge.graph import StackGraph
from origin_lockdown_judge.ingress import exposures
from origin_lockdown_judge.judge import Exposure, Judge
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.network import Network
from origin_lockdown_judge.origins import Unit, discover_each, served_ports
from origin_lockdown_judge.rules import INGRESS
from origin_lockdown_judge.scope import Analysis
from origin_lockdown_judge.world_cidr import Tri

from . import migration
from .convert import CLASSIC_LB, ENI, LB, LISTENER, LISTENER_RULE, PREFIX_LIST, RECORD, SG, VPC_ORIGIN, Catalog
from .listeners import Header, listener_gaps, waf_requires_header
from .ranges import PREFIX_LIST_NAMES, CloudFrontRanges, admitted, hardcoded, missing_prefixes
from .unverified import lead_of

OPEN = "origin-open-to-world"
HARDCODED = "origin-cloudfront-ranges-hardcoded"
SECRET = "origin-secret-not-checked"
LEGACY = "legacy-cloudfront-ip-updater"
UNVERIFIED = "origin-not-verified"
# A check's severity; origin-not-verified is high for an AWS endpoint the scan did not read and low for a name
# outside AWS (AuditFinding.level).
SEVERITY = {OPEN: "critical", HARDCODED: "high", SECRET: "high", LEGACY: "medium", UNVERIFIED: "high"}
SEVERITIES = ("critical", "high", "medium", "low")
TITLES = {
    OPEN: "A CloudFront origin admits the internet around CloudFront",
    HARDCODED: "An origin security group lists CloudFront's ranges by hand",
    SECRET: "The origin does not check the header CloudFront sends",
    LEGACY: "An origin security group is kept by AWS's retired ip-ranges updater",
    UNVERIFIED: "A CloudFront origin leads to nothing the audit read: it cannot be verified",
}

# The judge's settings for the audit: TCP (CloudFront reaches origins over TCP); the ports are :data:`PACK_PORTS`
# and each origin's served ports (HTTPPort/HTTPSPort per origin protocol policy, a VPC origin's, a target group's,
# every listener's of an origin load balancer).
JUDGE_SETTINGS: Mapping[str, Any] = {
    "protocols": ["tcp"],
    "scope": "origins",
    "originSecurityGroupIds": [],
    "originSecurityGroupTags": {},
    "unknownValues": "deny",
}

# The pack's ``origin-sg-no-world-ingress`` default ``ports`` (policy/lockdown/config.py; a test holds them equal):
# every origin interface is judged on these *and* on the ports its origin is served on, as the pack judges it,
# so that the audit and the pack give one verdict on the same resources (an instance's secondary interface, a
# target whose port is not known, a group open on 80 in front of an https-only origin).
PACK_PORTS: tuple[int, ...] = (80, 443)

OPEN_FIX = (
    "Remove the rule(s) that admit the internet and admit the port(s) only from the CloudFront origin-facing "
    "managed prefix lists (com.amazonaws.global.cloudfront.origin-facing, com.amazonaws.global.ipv6.cloudfront."
    "origin-facing) or, for a VPC origin, from the CloudFront-VPCOrigins-Service-SG group."
)
NO_HEADER_FIX = (
    "Add a custom origin header with a generated secret value to this origin, and make the origin refuse requests "
    "without it (an ALB listener: default action fixed-response 403 and a rule that forwards only on an http-header "
    "condition; https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html)."
)
LISTENER_FIX = (
    "Make the listener's default action a fixed-response 403 and forward only in rules with an http-header "
    "condition on {names} holding the value CloudFront sends (no * or ?), or attach a WAF web ACL that blocks "
    "requests without that exact header."
)
NLB_FIX = (
    "The network load balancer has no security group and its targets cannot tell clients apart: turn on client IP "
    "preservation on its target group(s) (attribute preserve_client_ip.enabled; off by default for IP targets over "
    "TCP or TLS, https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html) "
    "and admit only the CloudFront origin-facing prefix lists on the targets' groups, or replace the load balancer "
    "with one created with a security group that does (a group can be added only when the load balancer is "
    "created)."
)
LEGACY_FIX = (
    "Retire the updater (its Lambda function subscribed to the AmazonIpSpaceChanged SNS topic) and admit CloudFront "
    "through the managed prefix list com.amazonaws.global.cloudfront.origin-facing instead; the list is kept current "
    "by AWS and needs no function, no tags and no 60-rule split of its own."
)


@dataclass
class AuditFinding:
    check: str
    distribution: str
    origin: str
    resource: str
    message: str
    remediation: str
    region: str = ""
    plan: list[str] = field(default_factory=list)  # migration commands (origin-cloudfront-ranges-hardcoded)
    level: str = ""  # a severity other than the check's (origin-not-verified outside AWS: low)

    @property
    def severity(self) -> str:
        return self.level or SEVERITY[self.check]

    def as_json(self) -> dict[str, str]:
        return {
            "check": self.check,
            "severity": self.severity,
            "distribution": self.distribution,
            "origin": self.origin,
            "resource": self.resource,
            "message": self.message,
            "remediation": self.remediation,
        }


@dataclass
class OriginView:
    """One origin of one distribution and every interface it leads to."""

    distribution: Res
    origin: Mapping[str, Any]
    units: list[Unit]

    @property
    def origin_id(self) -> str:
        return str(self.origin.get("originId", ""))

    @property
    def headers(self) -> list[Header]:
        return [(str(h.get("name", "")), str(h.get("value", ""))) for h in self.origin.get("customHeaders") or []]

    @property
    def kind(self) -> str:
        if self.origin.get("vpcOriginConfig"):
            return "vpc"
        if self.origin.get("customOriginConfig") is not None:
            return "custom"
        return "s3" if "s3OriginConfig" in self.origin else "other"


@dataclass
class Result:
    findings: list[AuditFinding]
    origins: int
    views: list[OriginView]


class _Account:
    def __init__(self, catalog: Catalog) -> None:
        self.cat = catalog
        self.graph = StackGraph.build(catalog.resources)
        self.net = Network(self.graph)
        self.judge = Judge(self.graph, self.net)
        self.listeners: dict[str, list[Res]] = defaultdict(list)
        self.rules: dict[str, list[Res]] = defaultdict(list)
        for res in catalog.resources:
            if res.type == LISTENER:
                self.listeners[str(res.props.get("loadBalancerArn"))].append(res)
            elif res.type == LISTENER_RULE:
                self.rules[str(res.props.get("listenerArn"))].append(res)

    def views(self) -> list[OriginView]:
        """Every origin of every distribution, each walked on its own (a copy of its distribution reduced to it)."""
        singles: list[tuple[Res, Mapping[str, Any], Res]] = []
        for dist in self.graph.of({k.DIST_AWS}):
            for i, origin in enumerate(dist.props.get("origins") or []):
                single = Res(f"{dist.urn}#origin{i}", dist.type, dist.name, {**dist.props, "origins": [origin]})
                singles.append((dist, origin, single))
        walked = discover_each(self.graph, self.net, [single for _, _, single in singles])
        return [OriginView(dist, origin, units) for (dist, origin, _), (_, units) in zip(singles, walked, strict=True)]

    def resource_id(self, urn_or_key: str) -> str:
        """The id a user fixes, for a URN or a judge group key (``id:sg-...`` for a group not described)."""
        ref = self.cat.refs.get(self._owner(urn_or_key))
        if ref is not None:
            return ref.arn if ref.kind in ("listener", "load-balancer", "classic-load-balancer") else ref.ident
        return urn_or_key.split(":", 1)[1] if urn_or_key.startswith(("id:", "name:")) else urn_or_key

    def _owner(self, urn_or_key: str) -> str:
        """A group the judge writes down for a resource (``nlb-open:<urn>``, ``elb-default:<urn>``): that resource,
        the thing a user fixes (a network load balancer without groups, a Classic Load Balancer's default group)."""
        if urn_or_key not in self.cat.refs and ":" in urn_or_key:
            owner = urn_or_key.split(":", 1)[1]
            if owner in self.cat.refs:
                return owner
        return urn_or_key

    def region_of(self, urn: str) -> str:
        ref = self.cat.refs.get(self._owner(urn))
        return ref.region if ref is not None else ""

    def groups_on(self, units: Iterable[Unit]) -> list[Res]:
        """The described security groups on these interfaces (certainly on them), in account order."""
        found: dict[str, Res] = {}
        for unit in units:
            for key, tri in unit.iface.membership.members.items():
                group = self.net.groups.get(key)
                if tri is Tri.YES and group is not None and group.res is not None and group.res.type == SG:
                    found.setdefault(group.res.urn, group.res)
        return sorted(found.values(), key=lambda r: self.graph.position.get(r.urn, 0))


def _reaches_internet_endpoint(units: list[Unit]) -> bool:
    """An origin that leads to something in the account CloudFront reaches over the internet (not an internal LB)."""
    for unit in units:
        res = unit.iface.res
        if res is None or unit.certainty is Tri.NO:
            continue
        if res.type in (LB, CLASSIC_LB) and res.props.get("internal") is True:
            continue
        return True
    return False


def walk_origins(catalog: Catalog) -> list[Unit]:
    """Every interface some origin of some distribution leads to (the collector reads more about these)."""
    return [unit for view in _Account(catalog).views() for unit in view.units]


def run_checks(catalog: Catalog, ranges: CloudFrontRanges | None, regions: Sequence[str] | None = None) -> Result:
    """Every finding of the checks (``ranges`` None: the hand-kept-ranges check cannot run; ``regions``: the
    regions the scan read, named in what an origin elsewhere needs)."""
    acct = _Account(catalog)
    views = acct.views()
    findings: list[AuditFinding] = []
    findings += _unverified(acct, views, regions)
    findings += _open_to_world(acct, views)
    findings += _secret_not_checked(acct, views)
    if ranges is not None:
        findings += _hardcoded(acct, views, ranges)
    findings += _legacy(acct, views)
    return Result(findings, len(views), views)


# -- origin-not-verified ---------------------------------------------------------------------------------------

UNVERIFIED_FIX = (
    "Scan the region the origin is in (--regions {region}, or all), or the account that holds it; until then "
    "nothing says that only CloudFront reaches it."
)
OUTSIDE_FIX = (
    "Check by hand that the origin admits only CloudFront (the origin-facing prefix list or published ranges) "
    "and refuses requests without the distribution's custom header: no AWS API of this account shows it."
)


def _unverified(acct: _Account, views: list[OriginView], regions: Sequence[str] | None) -> list[AuditFinding]:
    """Custom and VPC origins that reached no interface: judged on nothing, so never a pass."""
    records = list(acct.graph.of({RECORD}))
    endpoints = {
        str(r.props.get("id")): str((r.props.get("vpcOriginEndpointConfig") or {}).get("arn") or "")
        for r in acct.graph.of({VPC_ORIGIN})
    }
    scanned = set(regions or ())
    out = []
    for view in views:
        if view.kind not in ("custom", "vpc") or view.units:
            continue
        dist = view.distribution.name
        domain = str(view.origin.get("domainName", ""))
        vpc_id = str((view.origin.get("vpcOriginConfig") or {}).get("vpcOriginId") or "")
        lead = lead_of(view.origin, endpoints.get(vpc_id, vpc_id) if vpc_id else "", records)
        head = f"Origin '{view.origin_id}' ({domain}) of distribution {dist}"
        if lead.kind:
            if lead.region and regions is not None and lead.region not in scanned:
                why = f"in {lead.region}, a region this scan did not read (regions read: {', '.join(regions)})"
            else:
                why = f"in {lead.region or 'a region not known'}, where this account holds no such resource: "
                why += "another account's, or deleted (CloudFront then fails, or someone else answers)"
            message = (
                f"{head} leads to the {lead.kind} {lead.name}, {why}. Nothing was judged: the audit cannot say that "
                "only CloudFront reaches it."
            )
            out.append(
                AuditFinding(UNVERIFIED, dist, view.origin_id, dist, message,
                             UNVERIFIED_FIX.format(region=lead.region or "all"))
            )  # fmt: skip
        else:
            message = (
                f"{head} leads to {lead.name}, outside AWS's endpoint names and the account's public hosted zones: "
                "what guards it cannot be read from this account."
            )
            out.append(AuditFinding(UNVERIFIED, dist, view.origin_id, dist, message, OUTSIDE_FIX, level="low"))
    return out


# -- origin-open-to-world ---------------------------------------------------------------------------------------


def _open_to_world(acct: _Account, views: list[OriginView]) -> list[AuditFinding]:
    """One finding per security group that contributes a rule to a union covering the internet, per distribution
    it exposes (a second distribution on the same origin is exposed as surely as the first: it gets its own
    finding, never a pass)."""
    per_group: dict[tuple[str, str], AuditFinding] = {}
    others: dict[tuple[str, str], int] = defaultdict(int)
    # One judgement over every origin's interfaces at once (the settings' scope is read once, not per origin),
    # then the exposures handed back to the origin each interface was found from.
    owner = {id(unit): i for i, view in enumerate(views) for unit in view.units}
    analysis = Analysis(acct.cat.resources, acct.graph, acct.net, [u for v in views for u in v.units], acct.judge)
    by_view: dict[int, list[Exposure]] = defaultdict(list)
    for exposure in exposures(analysis, JUDGE_SETTINGS, PACK_PORTS, served=True):
        by_view[owner[id(exposure.unit)]].append(exposure)
    for index, found in sorted(by_view.items()):
        view = views[index]
        for group in group_exposures(acct.judge, found):
            if group[0].certainty is Tri.YES:
                message, _ = definite_message(
                    acct.judge, group, "Anyone on the internet can reach the origin without going through CloudFront."
                )
            else:  # the audit reads known values only; a "maybe" is still never a pass
                message, _ = maybe_message(acct.judge, group, "")
            for key in dict.fromkeys(i.group for e in group for i in e.items):
                group_res = acct.net.groups[key].res
                resource = acct.resource_id(group_res.urn if group_res is not None else key)
                slot = (resource, view.distribution.name)
                if slot in per_group:
                    if per_group[slot].origin != view.origin_id:
                        others[slot] += 1
                    elif message not in per_group[slot].message:
                        per_group[slot].message += " " + message
                    continue
                per_group[slot] = AuditFinding(
                    OPEN,
                    view.distribution.name,
                    view.origin_id,
                    resource,
                    message,
                    NLB_FIX if key.startswith("nlb-open:") else OPEN_FIX,
                    acct.region_of(group_res.urn if group_res is not None else key),
                )
    for slot, count in others.items():
        per_group[slot].message += f" The same group opens {count} other origin path(s) of this distribution too."
    return list(per_group.values())


# -- origin-secret-not-checked ---------------------------------------------------------------------------------


def _secret_not_checked(acct: _Account, views: list[OriginView]) -> list[AuditFinding]:
    out: list[AuditFinding] = []
    seen_listeners: set[tuple[str, str, str]] = set()
    for view in views:
        if view.kind != "custom" or not _reaches_internet_endpoint(view.units):
            continue
        dist = view.distribution.name
        domain = view.origin.get("domainName", "")
        if not any(name for name, _ in view.headers):
            out.append(
                AuditFinding(
                    SECRET, dist, view.origin_id, dist,
                    f"Distribution {dist} sends no custom header to origin '{view.origin_id}' ({domain}), which is "
                    "reachable from the internet: the origin cannot tell this distribution's requests from any other "
                    "CloudFront distribution's (the managed prefix list admits every CloudFront customer).",
                    NO_HEADER_FIX,
                )
            )  # fmt: skip
            continue
        ports = served_ports(view.origin.get("customOriginConfig"))  # the listener ports CloudFront connects to
        names = ", ".join(dict.fromkeys(n for n, _ in view.headers))
        for unit in view.units:
            lb = unit.iface.res
            if lb is None or lb.type != LB or lb.props.get("loadBalancerType", "application") != "application":
                continue
            if unit.iface.key != lb.urn:  # the ALB itself, not a target behind it
                continue
            web_acl = acct.cat.web_acls.get(str(lb.props.get("arn")))
            protected = waf_requires_header(web_acl, view.headers)
            for listener in acct.listeners.get(str(lb.props.get("arn")), []):
                port = listener.props.get("port")
                # CloudFront's ports, and every other listener the load balancer's groups let anyone reach: the
                # judge judges every listener port of an origin load balancer, and a listener on another port
                # that forwards without the header reaches the same targets around the check.
                if protected or (port not in ports and not _admits_port(acct, unit, port)):
                    continue
                gaps = listener_gaps(listener, acct.rules.get(str(listener.props.get("arn")), []), view.headers)
                arn = str(listener.props.get("arn"))
                if not gaps or (arn, dist, view.origin_id) in seen_listeners:
                    continue
                seen_listeners.add((arn, dist, view.origin_id))
                waf = (
                    "no WAF web ACL on it"
                    if web_acl is None
                    else f"its web ACL {web_acl.get('Name', '')} does not block requests without it"
                )
                out.append(
                    AuditFinding(
                        SECRET, dist, view.origin_id, arn,
                        f"Listener {lb.props.get('name')}:{port} of the origin '{view.origin_id}' ({domain}) of "
                        f"distribution {dist} forwards requests without the header CloudFront sends ({names}): "
                        + "; ".join(gaps) + f"; and {waf}. Any other CloudFront distribution, or anyone the "
                        "network admits, reaches the targets.",
                        LISTENER_FIX.format(names=names),
                        acct.region_of(listener.urn),
                    )
                )  # fmt: skip
    return out


def _admits_port(acct: _Account, unit: Unit, port: Any) -> bool:
    """Whether some ingress rule of some group on the interface admits TCP on ``port`` from any source."""
    if not isinstance(port, int):
        return True  # a port not read: fail closed
    for key, _, _ in acct.judge.groups_of(unit.iface.membership):
        for rule, _, _ in acct.judge.rules_on(key):
            if rule.direction != INGRESS or str(rule.protocol).lower() not in ("-1", "all", "tcp", "6"):
                continue
            low = rule.from_port if isinstance(rule.from_port, int) and rule.from_port >= 0 else 0
            high = rule.to_port if isinstance(rule.to_port, int) and rule.to_port >= 0 else 65535
            if str(rule.protocol) in ("-1", "all") or low <= port <= high:
                return True
    return False


# -- origin-cloudfront-ranges-hardcoded ------------------------------------------------------------------------


def _first_views(acct: _Account, views: list[OriginView]) -> dict[tuple[str, str], tuple[OriginView, Res, int]]:
    """(group URN, distribution) -> (the distribution's first origin that reaches the group, the group, how many
    other origins of that distribution reach it). Each distribution gets its own finding for a shared group."""
    found: dict[tuple[str, str], tuple[OriginView, Res, int]] = {}
    for view in views:
        for group in acct.groups_on(view.units):
            slot = (group.urn, view.distribution.name)
            if slot in found:
                first, res, count = found[slot]
                found[slot] = (first, res, count + 1)
            else:
                found[slot] = (view, group, 0)
    return found


def _list_ids(acct: _Account, region: str) -> dict[int, str]:
    """The CloudFront prefix lists' ids in ``region`` (they differ per region)."""
    ids: dict[int, str] = {}
    for res in acct.graph.of({PREFIX_LIST}):
        if acct.region_of(res.urn) != region:
            continue
        for version, name in PREFIX_LIST_NAMES.items():
            if res.props.get("name") == name:
                ids[version] = str(res.props.get("id"))
    return ids


def _attachments(acct: _Account, group: Res) -> list[migration.Attachment]:
    """Every load balancer and interface the scan read that holds ``group``, origin or not: a split plan attaches
    the new group to each before it revokes the CIDRs, so no other holder is cut off from CloudFront."""
    gid = str(group.props.get("id"))
    region = acct.region_of(group.urn)
    out: dict[str, migration.Attachment] = {}
    for res in acct.graph.of({LB, CLASSIC_LB, ENI}):
        if acct.region_of(res.urn) == region:
            if res.type == LB and gid in (res.props.get("securityGroups") or []):
                out.setdefault(
                    res.urn,
                    migration.Attachment(
                        "load-balancer", str(res.props.get("arn")), tuple(res.props["securityGroups"])
                    ),
                )
            elif res.type == CLASSIC_LB and gid in (res.props.get("securityGroups") or []):
                out.setdefault(
                    res.urn,
                    migration.Attachment(
                        "classic-load-balancer", str(res.props.get("name")), tuple(res.props["securityGroups"])
                    ),
                )
            elif res.type == ENI and gid in (res.props.get("securityGroups") or []):
                out.setdefault(
                    res.urn,
                    migration.Attachment(
                        "network-interface", str(res.props.get("id")), tuple(res.props["securityGroups"])
                    ),
                )
    return list(out.values())


def _hardcoded(acct: _Account, views: list[OriginView], ranges: CloudFrontRanges) -> list[AuditFinding]:
    out = []
    lists = {str(r.props.get("id")): r for r in acct.graph.of({PREFIX_LIST})}
    weights = {
        pid: int(r.props.get("maxEntries") or len(r.props.get("entries") or []) or 1) for pid, r in lists.items()
    }
    customer = {
        pid: (str(r.props.get("name")), [str(e.get("cidr")) for e in r.props.get("entries") or []])
        for pid, r in lists.items()
        if r.props.get("ownerId") != "AWS"
    }
    for view, group, others in _first_views(acct, views).values():
        ingress = list(group.props.get("ingress") or [])
        region = acct.region_of(group.urn)
        list_ids = _list_ids(acct, region)
        cloudfront = {pl: v for v, pl in list_ids.items()}
        found = hardcoded(ingress, ranges, customer, cloudfront)
        if found is None:
            continue
        gid = str(group.props.get("id"))
        # What the origin's interfaces that hold this group admit with all their groups: a prefix this group
        # misses and another group (cloudfront_g next to cloudfront_r) admits does not time out today.
        holding = [u for u in view.units if any(g.urn == group.urn for g in acct.groups_on([u]))]
        union: dict[int, list[Any]] = {4: [], 6: []}
        for other in acct.groups_on(holding):
            for v, nets in admitted(list(other.props.get("ingress") or []), customer, cloudfront).items():
                union[v] += nets
        commands, split = migration.plan(
            region, gid, str(group.props.get("name")), str(group.props.get("vpcId")), ingress, found, list_ids,
            weights, _attachments(acct, group),
        )  # fmt: skip
        parts = []
        for v, n in sorted(found.missing.items()):
            total = len(ranges.prefixes[v])
            text = f"its IPv{v} rules miss {n} of CloudFront's {total} current IPv{v} origin-facing prefixes"
            cut = missing_prefixes(ranges, v, union[v])
            if any(pl in cloudfront and cloudfront[pl] == v for e in ingress for pl in e.get("prefixListIds") or []):
                text += " (the group admits the managed prefix list already: the CIDRs are leftovers to revoke)"
            elif not n:
                text += " (complete today, stale at AWS's next change)"
            elif cut:
                text += (
                    f" ({cut} of them admitted by no group on the origin's interfaces: CloudFront's requests from "
                    "those time out)"
                )
            else:
                text += " (other groups on the origin's interfaces admit them today)"
            parts.append(text)
        stale = "; ".join(parts)
        unlisted = [v for v in found.families if v not in found.missing]
        if unlisted:
            stale += (
                ("; " if stale else "")
                + ", ".join(f"IPv{v}" for v in unlisted)
                + f" not compared ({ranges.source} lists no such family)"
            )
        vias = sorted({r.via for r in found.rules if r.via})
        also = f" (and {others} other origin(s))" if others else ""
        out.append(
            AuditFinding(
                HARDCODED, view.distribution.name, view.origin_id, gid,
                f"Security group {group.name} on origin '{view.origin_id}' of distribution "
                f"{view.distribution.name}{also} admits {found.cidr_count} CIDR(s) of CloudFront's origin-facing "
                "ranges written by hand"
                + (f" (some through {', '.join(vias)})" if vias else "")
                + f" instead of the managed prefix list: {stale} (ranges from {ranges.source}).",
                migration.remediation(found, list_ids, split),
                region,
                commands,
            )
        )  # fmt: skip
    return out


# -- legacy-cloudfront-ip-updater ------------------------------------------------------------------------------


def _legacy(acct: _Account, views: list[OriginView]) -> list[AuditFinding]:
    out = []
    for view, group, others in _first_views(acct, views).values():
        tags = group.props.get("tags") or {}
        if not migration.legacy_updater_tags(tags):
            continue
        also = f" (and {others} other origin(s))" if others else ""
        out.append(
            AuditFinding(
                LEGACY, view.distribution.name, view.origin_id, str(group.props.get("id")),
                f"Security group {group.name} on origin '{view.origin_id}' of distribution "
                f"{view.distribution.name}{also} is tagged AutoUpdate=true, Name={tags.get('Name')}: AWS's retired "
                "ip-ranges updater sample keeps it, rewriting literal CIDRs from ip-ranges.json; when the function "
                "fails or AWS's list outgrows the group, the group goes stale silently.",
                LEGACY_FIX,
                acct.region_of(group.urn),
            )
        )  # fmt: skip
    return out

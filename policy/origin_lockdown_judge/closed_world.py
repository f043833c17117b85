"""What the judge does not model fails closed: a resource of such a type connected to an origin chain is a violation.

A resource is *looked at* when its type belongs to a family's module (:mod:`.catalog`) and is neither modelled
(:data:`.kinds.RELEVANT_TYPES`) nor on the list of types that cannot carry an origin's traffic
(:data:`.coverage.CANNOT_CARRY`): the types that fail closed (:data:`.coverage.FAILS_CLOSED`) and every family type
the generated table does not know (a provider newer than the table). Legacy tokens count as the class that
aliases them.

It is *connected to an origin chain* when one of its properties names, by value or by property dependency, a
distribution, a resource on the way from a distribution to an origin interface (a record, Elastic IP, VPC
origin, load balancer, listener, target group, instance, network interface, fleet or service), or a security
group, prefix list or network interface on an origin's interface. Naming only a VPC or a subnet does not count:
they hold origins and everything else alike.

Such a resource is reported as "Cannot verify: <type> '<name>' is not modelled", whatever the stage (the
judge cannot tell whether it lets the internet reach the origin around CloudFront). The setting
``exemptTypes`` lists types a team has judged harmless.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import catalog
from . import kinds as k
from .coverage import cannot_carry, fails_closed
from .findings import Finding
from .graph import REFERENCE_KEYS, StackGraph, norm
from .model import Res
from .scope import Analysis
from .values import as_list, get, is_unknown, strings

# Properties never scanned for references: tags are free text, and the provider's echo of them too.
_SKIPPED = frozenset({"tags", "tagsAll", "urn", "id"})
# Names alone (not ids, ARNs or DNS names) are not matched: a tag or a description may repeat one by chance.
_NAME_KEYS = frozenset({"name", "targetGroupName", "loadBalancerName", "groupName"})


# Front doors of modules outside the families (whose other types are not looked at): their one purpose is to take
# requests from the internet to a load balancer or service in a VPC. Named here, with why, rather than in the
# generated table's lists, which cover the families' modules. API Gateway's private integrations:
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html and
# https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-private-integration.html.
API_GATEWAY = (
    "API Gateway's private integrations (VPC links): the API's public endpoint forwards anyone's request to the load "
    "balancer or service behind the link, without CloudFront"
)
OUTSIDE_THE_FAMILIES: dict[str, str] = dict.fromkeys(
    (
        "aws:apigateway/vpcLink:VpcLink",  # REST APIs: targetArns, network load balancers
        "aws:apigatewayv2/vpcLink:VpcLink",
        "aws:apigatewayv2/integration:Integration",  # HTTP APIs: integrationUri, a listener's ARN
        "aws-native:apigateway:VpcLink",
        "aws-native:apigatewayv2:VpcLink",
        "aws-native:apigatewayv2:Integration",
    ),
    API_GATEWAY,
)


@cache
def looked_at(rtype: str) -> bool:
    """Whether a resource of ``rtype`` is checked for connections to an origin chain (cached per type)."""
    if rtype in k.RELEVANT_TYPES or rtype in cannot_carry():
        return False
    if rtype in fails_closed() or rtype in OUTSIDE_THE_FAMILIES:
        return True
    if not catalog.in_closed_world(rtype):
        return False
    canonical = catalog.canonical(rtype)
    return canonical not in k.RELEVANT_TYPES and canonical not in cannot_carry()


class Wanted:
    """The types a front end must hand the judge: every modelled type and every type that is looked at."""

    def __contains__(self, rtype: object) -> bool:
        return isinstance(rtype, str) and (rtype in k.RELEVANT_TYPES or looked_at(rtype))


WANTED = Wanted()


@dataclass(frozen=True, slots=True)
class Chain:
    """What is on an origin chain: URN -> how it is reached, and the values of what the stack does not hold
    (groups and prefix lists from elsewhere, VPCs' default groups) -> the same."""

    graph: StackGraph
    by_urn: dict[str, str]
    by_value: dict[str, str]  # normalised value -> how it is reached

    def named(self, value: str) -> str | None:
        """How the resource a string names is on an origin chain (``None``: it names none that is)."""
        v = norm(value)
        hit = self.by_value.get(v)
        if hit is not None:
            return hit
        for res in self.graph.index.get(v, ()):
            if res.urn in self.by_urn and v in _values_of(res):
                return self.by_urn[res.urn]
        return None


def _values_of(res: Res) -> list[str]:
    """The ids, ARNs, DNS names and addresses an indexed resource is named by (not its bare name, but a Classic
    ELB's, whose name is its id)."""
    keys = [key for key in REFERENCE_KEYS[res.type] if key not in _NAME_KEYS or res.type in k.LB_CLASSIC_TYPES]
    return [norm(v) for key in keys for v in strings(res.props.get(key))]


def origin_chain(a: Analysis) -> Chain:
    """Every resource, group and prefix list on the stack's origin chains, and how each is reached."""
    by_urn = {
        urn: chain[-1] if len(chain) == 1 else f"{chain[-1]} ({' -> '.join(chain)})" for urn, chain in a.reached.items()
    }
    by_value: dict[str, str] = {}
    for d in a.graph.of(k.DIST_TYPES):  # a distribution is also named by its domain name
        for v in strings([d.props.get("id"), d.props.get("arn"), d.props.get("domainName")]):
            by_value.setdefault(norm(v), f"distribution '{d.name}'")
    groups: dict[str, str] = {}  # group key -> where it is
    defaults = {key: value for value, key in a.net.default_ids().items()}
    for unit in a.units:
        for key, _, _ in a.judge.groups_of(unit.iface.membership):
            groups.setdefault(key, unit.where)
    for key, where in groups.items():
        group = a.net.groups[key]  # every group an interface holds is registered
        label = f"{group.label} {where}"
        if group.res is not None:
            by_urn.setdefault(group.res.urn, label)
        elif key.startswith("id:"):
            by_value.setdefault(key[3:], label)
        if key in defaults:
            by_value.setdefault(defaults[key], label)
        for rule, _, _ in a.judge.rules_on(key):
            for urn in rule.prefix_list_deps:
                pl = a.graph.by_urn.get(urn)
                if pl is not None and pl.type in k.PREFIX_LIST_TYPES:
                    by_urn.setdefault(urn, f"prefix list '{pl.name}' of {label}")
            for p in rule.prefix_lists:
                if not isinstance(p, str) or is_unknown(p):
                    continue
                managed = a.graph.by_value(p, k.PREFIX_LIST_TYPES)
                for pl in managed:
                    by_urn.setdefault(pl.urn, f"prefix list '{pl.name}' of {label}")
                if not managed:  # a list the stack does not manage: by its id
                    by_value.setdefault(norm(p), f"prefix list {p.strip()} of {label}")
    return Chain(a.graph, by_urn, by_value)


def _strings(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    """Every string leaf of a property, with its path (unknowns too: nothing on a chain is named by one)."""
    if isinstance(value, str):
        out.append((path, value))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _strings(item, f"{path}.{key}", out)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _strings(item, f"{path}[{i}]", out)


def connections(res: Res, chain: Chain) -> list[tuple[str, str]]:
    """(property, what it names on an origin chain) for every connection of ``res``."""
    found: list[tuple[str, str]] = []
    for key, urns in res.deps.items():
        if key in _SKIPPED:
            continue
        for urn in urns:
            if urn in chain.by_urn:
                found.append((key, chain.by_urn[urn]))
    for key in res.props:
        if key in _SKIPPED:
            continue
        leaves: list[tuple[str, str]] = []
        _strings(res.props.get(key), key, leaves)
        for path, value in leaves:
            hit = chain.named(value)
            if hit is not None:
                found.append((path, hit))
    return list(dict.fromkeys(found))


# -- CloudFront Functions: what a distribution runs may choose the origin ---------------------------------------------
#
# A Function names nothing on the chain: the distribution names *it* (``functionAssociations[].functionArn``). What
# it can do to the origin is in its code: the ``cloudfront`` module's ``updateRequestOrigin`` sends the request to any
# domain the code computes, while ``selectRequestOriginById`` and ``createRequestOriginGroup`` choose among the
# distribution's own origins (judged as origins) and ``kvs`` reads a key value store
# (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/helper-functions-origin-modification.html).
# Without that module a Function cannot change the origin. So a Function a distribution runs is connected to the
# origin when its code may use the module for anything else (or is not known yet).
FUNCTION_TYPES = frozenset({"aws:cloudfront/function:Function", "aws-native:cloudfront:Function"})
_SAFE_HELPERS = frozenset({"kvs", "selectRequestOriginById", "createRequestOriginGroup"})
_MODULE = r"""['"`]cloudfront['"`]"""
_IMPORTS = (
    re.compile(r"\bimport\s+(?:\*\s+as\s+)?([A-Za-z_$][\w$]*)\s+from\s*" + _MODULE),
    re.compile(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\s*\(\s*" + _MODULE + r"\s*\)"),
)
_NAMED_IMPORT = re.compile(r"\bimport\s*\{([^}]*)\}\s*from\s*" + _MODULE)


def function_may_route(code: Any) -> str | None:
    """Why a CloudFront Function's code may send a request to an origin of its own choosing (``None``: it cannot)."""
    if is_unknown(code):
        return "its code is not known yet"
    if not isinstance(code, str) or not re.search(_MODULE, code):
        return None
    if "updateRequestOrigin" in code:
        return "its code calls cf.updateRequestOrigin, which sends the request to any domain it computes"
    found = 0
    for pattern in _IMPORTS:
        for match in pattern.finditer(code):
            found += 1
            alias = re.escape(match.group(1))
            for use in re.finditer(rf"(?<![\w$.]){alias}(?![\w$])", code[match.end() :]):
                rest = code[match.end() + use.end() :]
                helper = re.match(r"\s*\.\s*([A-Za-z_$][\w$]*)", rest)
                if helper is None or helper.group(1) not in _SAFE_HELPERS:
                    return (
                        f"its code uses the cloudfront module ({match.group(1)}) other than through "
                        f"{', '.join(sorted(_SAFE_HELPERS))}: it may change the origin"
                    )
    for match in _NAMED_IMPORT.finditer(code):
        found += 1
        names = {n.strip().split(" as ")[0].strip() for n in match.group(1).split(",") if n.strip()}
        if not names <= _SAFE_HELPERS:
            return f"its code imports {', '.join(sorted(names - _SAFE_HELPERS))} from the cloudfront module"
    if found < len(re.findall(_MODULE, code)):
        return "its code loads the cloudfront module in a way the pack does not read: it may change the origin"
    return None


def _runs(dist: Res, fn: Res) -> str | None:
    """Where a distribution associates a Function (by its ARN, or by property dependency), or ``None``."""
    arns = {norm(v) for v in strings([fn.props.get("arn"), fn.props.get("functionArn")])}
    leaves: list[tuple[str, str]] = []
    for key in dist.props:
        _strings(dist.props.get(key), key, leaves)
    for path, value in leaves:
        if not is_unknown(value) and norm(value) in arns:
            return path
    for key, urns in dist.deps.items():
        if fn.urn in urns:
            return key
    return None


def _function_hits(res: Res, a: Analysis) -> list[str]:
    """A Function that a distribution runs and whose code may choose the origin: how, per distribution."""
    why = function_may_route(res.props.get("functionCode" if res.type == "aws-native:cloudfront:Function" else "code"))
    if why is None:
        return []
    out = []
    for dist in a.graph.of(k.DIST_TYPES):
        path = _runs(dist, res)
        if path is not None:
            out.append(f"distribution '{dist.name}' runs it ({path}) and {why}")
    return out


# -- Lambda@Edge: a function on the origin-request event chooses the origin --------------------------------------------
#
# On the origin-request event a Lambda@Edge function may rewrite ``request.origin`` to any custom or S3 origin
# (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-event-structure.html#request-event-
# fields-request-origin); on the other events there is no origin to change. Its code is an archive the pack cannot
# read, so such an association fails closed; a team that knows its function never changes the origin exempts
# Lambda's type.
LAMBDA_TYPE = "aws:lambda/function:Function"
_BEHAVIOR_LISTS = ("orderedCacheBehaviors", "cacheBehaviors")


def _behaviors(dist: Res) -> list[tuple[str, Any]]:
    """(path, behavior) for every cache behavior of a distribution (aws, multi-tenant or aws-native)."""
    root: Any = dist.props
    prefix = ""
    if dist.type == k.DIST_NATIVE:
        root, prefix = get(dist.props, "distributionConfig"), "distributionConfig."
    out = [(f"{prefix}defaultCacheBehavior", get(root, "defaultCacheBehavior"))]
    for key in _BEHAVIOR_LISTS:
        out += [(f"{prefix}{key}[{i}]", b) for i, b in enumerate(as_list(get(root, key)) or [])]
    return out


def edge_findings(a: Analysis, exempt: set[str]) -> list[Finding]:
    """A violation for every Lambda@Edge association on the origin-request event (or on an event not known yet)."""
    if LAMBDA_TYPE in exempt:
        return []
    out = []
    for dist in a.graph.of(k.DIST_TYPES):
        for path, behavior in _behaviors(dist):
            for i, assoc in enumerate(as_list(get(behavior, "lambdaFunctionAssociations")) or []):
                event = get(assoc, "eventType")
                if not (is_unknown(event) or str(event).lower() == "origin-request"):
                    continue
                arn = get(assoc, "lambdaArn") or get(assoc, "lambdaFunctionArn")
                named = "(not known yet)" if arn is None or is_unknown(arn) else str(arn)
                on = "an event not known yet" if is_unknown(event) else "origin-request"
                message = (
                    f"Cannot verify: distribution '{dist.name}' runs Lambda@Edge function {named} on {on} "
                    f"({path}.lambdaFunctionAssociations[{i}]): on that event a function may send the request to any "
                    "origin it computes (request.origin), and the pack cannot read its code, so it fails closed. Fix: "
                    "choose the origin with the distribution's own origins and behaviors (or a CloudFront Function's "
                    "selectRequestOriginById), or, if the function never changes the origin, add "
                    f"{LAMBDA_TYPE} to the policy's exemptTypes setting."
                )
                out.append(Finding(message, dist.urn, True))
    return out


FIX = (
    "Fix: use a resource type the pack models to reach the origin, or remove this one; if this type cannot let "
    "the internet reach the origin around CloudFront, add it to the policy's exemptTypes setting."
)


def findings(a: Analysis, cfg: Mapping[str, Any]) -> list[Finding]:
    """A violation for every resource of a type that is looked at and is connected to an origin chain."""
    exempt = {catalog.canonical(t) for t in cfg.get("exemptTypes") or () if isinstance(t, str)}
    edge = edge_findings(a, exempt)
    candidates = [r for r in a.resources if looked_at(r.type) and catalog.canonical(r.type) not in exempt]
    if not candidates:
        return edge
    chain = origin_chain(a)
    out = []
    for res in candidates:
        phrases = [f"{prop} names {what}" for prop, what in connections(res, chain)]
        if res.type in FUNCTION_TYPES:
            phrases += _function_hits(res, a)
        if not phrases:
            continue
        reason = fails_closed().get(catalog.canonical(res.type)) or OUTSIDE_THE_FAMILIES.get(res.type)
        why = f" ({reason})" if reason else " (a type the pack's table of provider types does not know)"
        named = "; ".join(phrases[:3])
        more = f"; and {len(phrases) - 3} more" if len(phrases) > 3 else ""
        message = (
            f"Cannot verify: {res.type} '{res.name}' is not modelled{why}. It is connected to an origin: "
            f"{named}{more}. The pack cannot tell whether it lets the internet reach the origin without going "
            f"through CloudFront, so it fails closed. {FIX}"
        )
        out.append(Finding(message, res.urn, True))
    return edge + out

"""Does the path CloudFront uses still serve? Judged on the resources that exist at one point of a `pulumi up`.

A :class:`World` holds the resources that exist at some point: each is a *generation* of a URN (a replacement
is a new generation next to the old one until the old one is deleted), with the inputs it was last created or
updated with and, for each property, the generations it points at (the resources its property dependencies
named, as they were when it was created or updated: a rule updated in place points at the new group from then
on, one left alone keeps pointing at the old one).

:func:`serves` follows one distribution configuration through that world, hop by hop, the way a request goes:

1. the distribution's origin: a custom origin (its domain name resolved to a load balancer, an Elastic IP or a
   Route 53 alias record of the stack) reached from CloudFront's origin-facing prefix lists, or a VPC origin
   (which must exist) pointing at a load balancer or an instance, reached from CloudFront's service group;
2. the origin's security groups admit that source on the origin port (a rule that exists, on a group the load
   balancer or instance carries);
3. a load balancer: a listener on that port and protocol (HTTPS with a certificate for the name), a rule that
   forwards the header value CloudFront sends to a target group, the web ACL (if one is associated) allowing
   that value, a registered target that exists, whose groups admit the load balancer's groups on the target
   port and to which the load balancer's groups may send;
4. an instance (``direct``): it exists, and the parameter its guard reads accepts the header value;
5. origin mutual TLS: a listener that verifies client certificates admits every certificate the distribution may
   present (the ACM certificate its origin names, as it is now and as it was before an in-place re-import during
   this update: CloudFront picks up a re-import without a signal) only when one of the CA certificates its trust
   store read from the bundle object, when the store was last created or modified, signed it.

An instance created during this `pulumi up` is still booting when the engine moves on (the engine waits for
"running", not for the app): a path whose only instances are new ones is ``booting`` unless a VPC origin
created after the instance stands in front of it (creating one takes minutes: the instance has booted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from offline.mocks import MANAGED_PREFIX_LISTS, cloudfront_service_group_id
from offline.snapshot import ResourceSnapshot, reveal

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
INSTANCE = "aws:ec2/instance:Instance"
EIP = "aws:ec2/eip:Eip"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
RECORD = "aws:route53/record:Record"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
CERTIFICATE = "aws:acm/certificate:Certificate"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
PARAMETER = "aws:ssm/parameter:Parameter"
TRUST_STORE = "aws:lb/trustStore:TrustStore"
BUNDLE_OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"

IPV4_LIST = MANAGED_PREFIX_LISTS["com.amazonaws.global.cloudfront.origin-facing"]
IPV6_LIST = MANAGED_PREFIX_LISTS["com.amazonaws.global.ipv6.cloudfront.origin-facing"]

Key = tuple[str, int]


def urn_type(urn: str) -> str:
    """The resource type a URN names (``urn:pulumi:stack::project::parent$type::name``)."""
    return urn.split("::")[2].rsplit("$", maxsplit=1)[-1]


class UnmodelledPath(ValueError):
    """A hop the checker does not know how to follow (never counted as serving)."""


@dataclass
class Live:
    """One generation of one resource, as it exists at some point."""

    urn: str
    generation: int
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    # property -> the generations its dependencies were when the resource was created or last updated.
    refs: dict[str, tuple[Key, ...]]
    # The step (index in the checker's order) that created this generation; None when it existed before.
    created_by: int | None = None
    # A trust store's CA bundle as it read it from S3 when it was created or last modified.
    captured: str | None = None

    @property
    def key(self) -> Key:
        return (self.urn, self.generation)


@dataclass
class World:
    """The resources that exist at one point, by (URN, generation)."""

    live: dict[Key, Live] = field(default_factory=dict)
    # The highest generation each URN has had (a replacement's new one is the next).
    generations: dict[str, int] = field(default_factory=dict)
    # Inputs an in-place update replaced during this update, by URN (a re-imported certificate CloudFront may still
    # present; a load balancer that had IPv6 addresses).
    superseded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # For each step (its index in the checker's order), the steps that must have finished before it started: what
    # "created after" means between two resources of this update (set by the switch checker).
    ancestors: Mapping[int, frozenset[int]] = field(default_factory=dict)

    def copy(self) -> World:
        return World(
            dict(self.live), dict(self.generations), {k: list(v) for k, v in self.superseded.items()}, self.ancestors
        )

    def waited_for(self, later: Live, *earlier: Live) -> bool:
        """``later`` was created by a step that started only once the steps creating each of ``earlier`` were done
        (one that existed before this update is done from the start)."""
        if later.created_by is None:
            return all(e.created_by is None for e in earlier)
        before = self.ancestors.get(later.created_by, frozenset())
        return all(e.created_by is None or e.created_by in before for e in earlier)

    def latest(self, urn: str) -> Live | None:
        found = [live for (u, _), live in self.live.items() if u == urn]
        return max(found, key=lambda live: live.generation) if found else None

    def of_type(self, type_token: str) -> Iterator[Live]:
        return (live for live in self.live.values() if live.type == type_token)

    def resolve(self, resource: ResourceSnapshot) -> dict[str, tuple[Key, ...]]:
        """Each property's dependencies as the generations that exist now (the newest of each)."""
        refs: dict[str, tuple[Key, ...]] = {}
        for prop, urns in resource.property_dependencies.items():
            keys = []
            for urn in urns:
                latest = self.latest(urn)
                keys.append(latest.key if latest is not None else (urn, -1))
            refs[prop] = tuple(keys)
        return refs

    def add(self, resource: ResourceSnapshot, generation: int, created_by: int | None) -> Live:
        live = Live(
            urn=resource.urn,
            generation=generation,
            type=resource.type,
            name=resource.name,
            inputs=reveal(dict(resource.inputs)),
            outputs=reveal(dict(resource.outputs)),
            refs=self.resolve(resource),
            created_by=created_by,
        )
        if live.type == TRUST_STORE:
            objects = self.refs(live, "caCertificatesBundleS3Key", BUNDLE_OBJECT)
            live.captured = str(objects[0].inputs.get("content") or "") if objects else None
        self.live[live.key] = live
        self.generations[resource.urn] = max(generation, self.generations.get(resource.urn, -1))
        return live

    def refs(self, live: Live, prop: str, type_token: str | None = None) -> list[Live]:
        """The generations ``live``'s property points at that still exist (of ``type_token``)."""
        return [
            self.live[key]
            for key in live.refs.get(prop, ())
            if key in self.live and (type_token is None or self.live[key].type == type_token)
        ]


# What a path that will serve waits for (a Verdict's ``kind``), longest first.
BOOTING = "booting"
CACHED_AAAA = "cached-aaaa"
HEALTH_CHECK = "health-check"
SOFT_KINDS = (BOOTING, CACHED_AAAA, HEALTH_CHECK)
# A new target serves once it passed one health check after registration ("After your target is registered, it must
# pass one health check to be considered healthy"; the load balancer routes only to healthy targets:
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html), and a target
# group is health checked only once a listener or rule uses it (target state "unused" until then, same page).
# Behind a VPC origin created after the rule, the VPC origin's deployment (minutes: the provider waits for Deployed,
# terraform-provider-aws internal/service/cloudfront/vpc_origin.go) covers it, as it covers an instance's boot.
# A new load balancer's DNS name is not a further wait: the provider's create returns only once the load balancer is
# "active" (resourceLoadBalancerCreate calls waitLoadBalancerActive right after CreateLoadBalancer, in
# terraform-provider-aws internal/service/elbv2/load_balancer.go; "active: The load balancer is fully set up and ready
# to route traffic", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html
# #load-balancer-state), and nothing uses the name before that.


@dataclass(frozen=True)
class Verdict:
    """Whether a configuration's path serves: ``ok``, or why not; ``booting`` when it serves only after a while
    (``kind``: new instances boot, new targets pass their first health check, cached IPv6 addresses expire)."""

    ok: bool
    why: str = ""
    booting: bool = False
    kind: str = ""


SERVES = Verdict(True)


def _fail(why: str) -> Verdict:
    return Verdict(False, why)


def serves(world: World, distribution: Live) -> Verdict:
    """Whether ``distribution`` (one configuration of it) reaches an origin that answers it, in ``world``."""
    origins = distribution.inputs.get("origins") or []
    if len(origins) != 1:
        raise UnmodelledPath(f"{distribution.name}: expected one origin, found {len(origins)}")
    origin = origins[0]
    headers = {str(h.get("name")).lower(): str(h.get("value")) for h in origin.get("customHeaders") or []}
    if len(headers) != 1:
        raise UnmodelledPath(f"{distribution.name}: expected one custom header")
    ((header_name, header_value),) = headers.items()
    domain = str(origin.get("domainName"))
    vpc_config = origin.get("vpcOriginConfig")
    if vpc_config:
        vpc_origins = world.refs(distribution, "origins", VPC_ORIGIN)
        if not vpc_origins:
            return _fail(f"the VPC origin {distribution.name} points at no longer exists")
        vpc_origin = vpc_origins[0]
        endpoint = vpc_origin.inputs.get("vpcOriginEndpointConfig") or {}
        https = endpoint.get("originProtocolPolicy") == "https-only"
        port = int(endpoint.get("httpsPort" if https else "httpPort") or 0)
        targets = world.refs(vpc_origin, "vpcOriginEndpointConfig")
        targets = [t for t in targets if t.type in (LB, INSTANCE)]
        if not targets:
            return _fail(f"what VPC origin {vpc_origin.name} points at no longer exists")
        hop = _Hop(world, port, https, domain, header_name, header_value, "vpc-origin", vpc_origin)
        return hop.through(targets[0])
    custom = origin.get("customOriginConfig") or {}
    https = custom.get("originProtocolPolicy") == "https-only"
    port = int(custom.get("httpsPort" if https else "httpPort") or 0)
    dualstack = custom.get("ipAddressType") == "dualstack"
    target = _resolve(world, distribution, domain)
    if isinstance(target, Verdict):
        return target
    verdict = SERVES
    # CloudFront reaches a dual-stack origin over IPv6 too only where the name has an AAAA record: a load balancer
    # of ip address type dualstack (an instance's public name has none).
    ipv6 = dualstack and target.type == LB and target.inputs.get("ipAddressType") == "dualstack"
    presented = _presented(world, distribution, custom)
    for family in ("ipv4", "ipv6") if ipv6 else ("ipv4",):
        hop = _Hop(world, port, https, domain, header_name, header_value, family, None, presented)
        verdict = _worst(verdict, hop.through(target))
    if dualstack and target.type == LB and not ipv6 and verdict.ok and _had_ipv6(world, target):
        # The load balancer gave up its IPv6 addresses in place during this update. A configuration that reaches the
        # origin over IPv6 too may still connect to an address from an AAAA record a resolver cached: the load
        # balancer's DNS records live 60 s ("with a TTL of 60 seconds",
        # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html).
        verdict = _worst(
            verdict, _soft(CACHED_AAAA, f"{target.name} no longer has the IPv6 addresses a cached AAAA record names")
        )
    return verdict


def _had_ipv6(world: World, balancer: Live) -> bool:
    return any(inputs.get("ipAddressType") == "dualstack" for inputs in world.superseded.get(balancer.urn, []))


def _presented(world: World, distribution: Live, custom: Mapping[str, Any]) -> tuple[str, ...]:
    """The client certificates a distribution configuration may present: the ACM certificate its origin names, as
    it is and as it was before a re-import in this update."""
    if not (custom.get("originMtlsConfig") or {}).get("clientCertificateArn"):
        return ()
    certificates = world.refs(distribution, "origins", CERTIFICATE)
    if not certificates:
        raise UnmodelledPath(f"{distribution.name} presents a client certificate the stack does not hold")
    found = []
    for certificate in certificates:
        for inputs in [certificate.inputs, *world.superseded.get(certificate.urn, [])]:
            body = inputs.get("certificateBody")
            if isinstance(body, str) and body:
                found.append(body)
    return tuple(found)


def _issued_by(certificate: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _worst(a: Verdict, b: Verdict) -> Verdict:
    if not a.ok:
        return a
    if not b.ok:
        return b
    if a.booting and b.booting:
        return a if SOFT_KINDS.index(a.kind) <= SOFT_KINDS.index(b.kind) else b
    return a if a.booting else b


def _soft(kind: str, why: str) -> Verdict:
    return Verdict(True, why, booting=True, kind=kind)


def _resolve(world: World, distribution: Live, domain: str) -> Live | Verdict:
    """What a custom origin's domain name leads to: a load balancer or an instance behind an Elastic IP named
    by the distribution itself, or the stack's Route 53 alias record of that name."""
    for live in world.refs(distribution, "origins"):
        if live.type == LB and live.outputs.get("dnsName") == domain:
            return _public(live)
        if live.type == EIP and live.outputs.get("publicDns") == domain:
            instances = world.refs(live, "instance", INSTANCE)
            return instances[0] if instances else _fail(f"Elastic IP {live.name} is associated with no instance")
    for key in distribution.refs.get("origins", ()):
        if key not in world.live:
            return _fail(f"{key[0].rsplit('::', 1)[-1]} (the origin {distribution.name} names) no longer exists")
    records = [r for r in world.of_type(RECORD) if r.inputs.get("name") == domain and r.inputs.get("type") == "A"]
    if records:
        balancers = world.refs(records[0], "aliases", LB)
        if not balancers:
            return _fail(f"record {records[0].name} ({domain}) is an alias of nothing that exists")
        return _public(balancers[0])
    if any(r.inputs.get("name") == domain for r in world.of_type(RECORD)):
        return _fail(f"no A record for {domain}")
    raise UnmodelledPath(f"{domain}: a name the stack does not point anywhere (outside the stack's records)")


def _public(balancer: Live) -> Live | Verdict:
    if balancer.inputs.get("internal"):
        return _fail(f"{balancer.name} is internal: CloudFront's edge cannot reach it over the internet")
    return balancer


@dataclass
class _Hop:
    """The rest of the path from the origin's network interface on."""

    world: World
    port: int
    https: bool
    domain: str
    header_name: str
    header_value: str
    # ipv4 / ipv6: from the origin-facing prefix list of that family; vpc-origin: from CloudFront's service group.
    source: str
    vpc_origin: Live | None
    # The client certificates (PEM) the distribution may present to the origin (origin mutual TLS).
    presented: tuple[str, ...] = ()

    def through(self, target: Live) -> Verdict:
        if target.type == LB:
            return self.load_balancer(target)
        if target.type == INSTANCE:
            return self.instance(target)
        raise UnmodelledPath(f"{target.name}: a {target.type} as an origin")

    # -- layer 1 -------------------------------------------------------------------------------------------
    def admits_cloudfront(self, groups: list[Live]) -> bool:
        keys = {g.key for g in groups}
        for rule in self.world.of_type(INGRESS):
            if not ({k for k in rule.refs.get("securityGroupId", ())} & keys) or not _covers(rule, self.port):
                continue
            inputs = rule.inputs
            if self.source == "ipv4" and inputs.get("prefixListId") == IPV4_LIST:
                return True
            if self.source == "ipv6" and inputs.get("prefixListId") == IPV6_LIST:
                return True
            if self.source == "vpc-origin":
                group = next(g for g in groups if g.key in rule.refs["securityGroupId"])
                if inputs.get("referencedSecurityGroupId") == cloudfront_service_group_id(
                    str(group.inputs.get("vpcId"))
                ):
                    return True
        return False

    def fresh(self, instance: Live) -> bool:
        """Created during this update and not yet known to have booted."""
        if instance.created_by is None:
            return False
        return not (
            self.vpc_origin is not None
            and self.vpc_origin.created_by is not None
            and self.vpc_origin.created_by > instance.created_by
        )

    # -- an instance behind a VPC origin or an Elastic IP ---------------------------------------------------
    def instance(self, instance: Live) -> Verdict:
        groups = self.world.refs(instance, "vpcSecurityGroupIds", SECURITY_GROUP)
        if not self.admits_cloudfront(groups):
            return _fail(f"no rule on {_names(groups)} admits CloudFront ({self.source}) on port {self.port}")
        accepted = set()
        for parameter in self.world.of_type(PARAMETER):
            try:
                accepted.update(json.loads(str(parameter.inputs.get("value") or "[]")))
            except json.JSONDecodeError:
                continue
        if guard_header_name(instance.inputs.get("userData")) != self.header_name:
            return _fail(f"{instance.name}'s guard requires another header name than the one CloudFront sends")
        if self.header_value not in accepted:
            return _fail(f"{instance.name}'s guard does not accept the value CloudFront sends")
        if self.fresh(instance):
            return _soft(BOOTING, f"{instance.name} was just created and is still booting")
        return SERVES

    # -- a load balancer -------------------------------------------------------------------------------------
    def load_balancer(self, balancer: Live) -> Verdict:
        groups = self.world.refs(balancer, "securityGroups", SECURITY_GROUP)
        named = [key for key in balancer.refs.get("securityGroups", ()) if urn_type(key[0]) == SECURITY_GROUP]
        if len(groups) != len(named):
            return _fail(f"{balancer.name} names a security group that no longer exists")
        if not self.admits_cloudfront(groups):
            return _fail(
                f"no rule on {_names(groups)} of {balancer.name} admits CloudFront ({self.source}) on port {self.port}"
            )
        listeners = [
            listener
            for listener in self.world.of_type(LISTENER)
            if balancer.key in listener.refs.get("loadBalancerArn", ())
            and listener.inputs.get("port") == self.port
            and listener.inputs.get("protocol") == ("HTTPS" if self.https else "HTTP")
        ]
        if not listeners:
            return _fail(f"{balancer.name} has no {'HTTPS' if self.https else 'HTTP'} listener on port {self.port}")
        verdicts = [self.listener(balancer, groups, listener) for listener in listeners]
        return next((v for v in verdicts if v.ok and not v.booting), next((v for v in verdicts if v.ok), verdicts[0]))

    def listener(self, balancer: Live, groups: list[Live], listener: Live) -> Verdict:
        if self.https and not self.certificate_covers(listener):
            return _fail(f"{listener.name} has no certificate for {self.domain} that exists")
        refused = self.client_certificate_refused(listener)
        if refused is not None:
            return _fail(refused)
        if not self.web_acl_allows(balancer):
            return _fail(f"the web ACL on {balancer.name} blocks the value CloudFront sends")
        for rule in self.world.of_type(LISTENER_RULE):
            if listener.key not in rule.refs.get("listenerArn", ()) or not self.rule_matches(rule):
                continue
            for target_group in self.world.refs(rule, "actions", TARGET_GROUP):
                verdict = self.targets(groups, target_group, rule)
                if verdict.ok:
                    return verdict
                return _fail(f"{rule.name} forwards to {target_group.name}: {verdict.why}")
            return _fail(f"{rule.name} forwards to a target group that no longer exists")
        return _fail(f"no rule of {listener.name} forwards the header value CloudFront sends")

    def client_certificate_refused(self, listener: Live) -> str | None:
        """Why a listener verifying client certificates refuses one CloudFront may present, or None."""
        mutual = listener.inputs.get("mutualAuthentication") or {}
        if mutual.get("mode", "off") == "off":
            return None
        if mutual.get("mode") != "verify":
            raise UnmodelledPath(f"{listener.name}: mutual authentication mode {mutual.get('mode')!r}")
        stores = self.world.refs(listener, "mutualAuthentication", TRUST_STORE)
        if not stores or not stores[0].captured:
            return f"{listener.name} verifies client certificates against a trust store that no longer exists"
        if not self.presented:
            return f"{listener.name} verifies client certificates and CloudFront presents none"
        trusted = x509.load_pem_x509_certificates(stores[0].captured.encode())
        for body in self.presented:
            certificate = x509.load_pem_x509_certificate(body.encode())
            if not any(_issued_by(certificate, ca) for ca in trusted):
                names = certificate.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
                issuer = str(names[0].value) if names else certificate.issuer.rfc4514_string()
                return f"{stores[0].name} does not trust {issuer}, which issued a certificate CloudFront may present"
        return None

    def certificate_covers(self, listener: Live) -> bool:
        for validation in self.world.refs(listener, "certificateArn", VALIDATION):
            for certificate in self.world.refs(validation, "certificateArn", CERTIFICATE):
                if certificate.inputs.get("domainName") == self.domain:
                    return True
        return False

    def web_acl_allows(self, balancer: Live) -> bool:
        """The web ACL (if one is associated) allows the header CloudFront sends: a byte match of its *name* (the
        single header the statement reads) and its value."""
        for association in self.world.of_type(WEB_ACL_ASSOCIATION):
            if balancer.key not in association.refs.get("resourceArn", ()):
                continue
            acls = self.world.refs(association, "webAclArn", WEB_ACL)
            if not acls or (self.header_name, self.header_value) not in set(
                _header_matches(acls[0].inputs.get("rules"))
            ):
                return False
        return True

    def rule_matches(self, rule: Live) -> bool:
        for condition in rule.inputs.get("conditions") or []:
            header = condition.get("httpHeader") or {}
            if str(header.get("httpHeaderName", "")).lower() != self.header_name:
                continue
            # The ALB compares header values case-insensitively.
            if self.header_value.lower() in {str(v).lower() for v in header.get("values") or []}:
                return True
        return False

    def targets(self, balancer_groups: list[Live], target_group: Live, rule: Live) -> Verdict:
        port = target_group.inputs.get("port")
        waiting: Verdict | None = None
        problems = []
        for attachment in self.world.of_type(ATTACHMENT):
            if target_group.key not in attachment.refs.get("targetGroupArn", ()):
                continue
            for instance in self.world.refs(attachment, "targetId", INSTANCE):
                groups = self.world.refs(instance, "vpcSecurityGroupIds", SECURITY_GROUP)
                if not _allows(self.world, INGRESS, groups, balancer_groups, port):
                    problems.append(f"no rule on {_names(groups)} admits {_names(balancer_groups)} on port {port}")
                elif not _allows(self.world, EGRESS, balancer_groups, groups, port):
                    problems.append(f"no rule on {_names(balancer_groups)} lets it reach {_names(groups)}")
                elif self.fresh(instance):
                    waiting = _worst(
                        waiting or SERVES, _soft(BOOTING, f"only {instance.name}, just created, is still booting")
                    )
                elif not self.in_service(target_group, attachment, rule):
                    waiting = _worst(
                        waiting or SERVES,
                        _soft(
                            HEALTH_CHECK,
                            f"{target_group.name}'s targets, just registered, await their first health check",
                        ),
                    )
                else:
                    return SERVES
        if waiting is not None:
            return waiting
        return _fail(problems[0] if problems else f"{target_group.name} has no registered target that exists")

    def in_service(self, target_group: Live, attachment: Live, rule: Live) -> bool:
        """A registered target serves once it passed a health check: already before this update (its group and
        registration existed), or before CloudFront can reach it (a VPC origin created after the rule that uses its
        group and after its registration: its deployment takes minutes, see HEALTH_CHECK's comment)."""
        if target_group.created_by is None and attachment.created_by is None:
            return True
        origin = self.vpc_origin
        return origin is not None and origin.created_by is not None and self.world.waited_for(origin, rule, attachment)


def _allows(world: World, type_token: str, on: list[Live], peers: list[Live], port: Any) -> bool:
    """A rule of ``type_token`` on one of ``on`` whose referenced group is one of ``peers``, covering ``port``."""
    on_keys, peer_keys = {g.key for g in on}, {g.key for g in peers}
    return any(
        set(rule.refs.get("securityGroupId", ())) & on_keys
        and set(rule.refs.get("referencedSecurityGroupId", ())) & peer_keys
        and _covers(rule, port)
        for rule in world.of_type(type_token)
    )


def _covers(rule: Live, port: Any) -> bool:
    inputs = rule.inputs
    if str(inputs.get("ipProtocol")) == "-1":
        return True
    return str(inputs.get("ipProtocol")) == "tcp" and int(inputs.get("fromPort", -1)) <= int(port) <= int(
        inputs.get("toPort", -1)
    )


def _names(groups: Iterable[Live]) -> str:
    names = sorted({g.name for g in groups})
    return ", ".join(names) if names else "no group"


def _header_matches(node: Any) -> Iterator[tuple[str, str]]:
    """(header name in lower case, value) of every byte match statement on a single header in a web ACL's rules."""
    if isinstance(node, Mapping):
        match = node.get("byteMatchStatement")
        if isinstance(match, Mapping) and match.get("searchString"):
            single = (match.get("fieldToMatch") or {}).get("singleHeader") or {}
            yield str(single.get("name") or "").lower(), str(match["searchString"])
        for value in node.values():
            yield from _header_matches(value)
    elif isinstance(node, list):
        for value in node:
            yield from _header_matches(value)


# The direct instance's guard is told the header's name on its command line in the boot script (boot.py
# guard_command: ``--header-name NAME``); nginx refuses a request without that header whatever else it carries.
_GUARD_HEADER_NAME = re.compile(r"--header-name (\S+)")


def guard_header_name(user_data: object) -> str | None:
    """The header name an instance's guard requires (lower case), read from its boot script; None if it has none."""
    found = _GUARD_HEADER_NAME.search(str(user_data or ""))
    return found.group(1).lower() if found else None


def with_refs(live: Live, refs: dict[str, tuple[Key, ...]]) -> Live:
    return replace(live, refs=refs)

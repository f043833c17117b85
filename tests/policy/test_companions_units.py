"""Companion policies' functions on small hand-built inputs: both providers, every origin kind, every setting.

``test_companions.py`` runs the policies through pulumi-policy on the program's shape; these pin down each
branch (which origins count, which headers, how a quota weight is made up) on the smallest stack that shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lockdown import companions as c
from lockdown import config
from offline.snapshot import UNKNOWN
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.scope import analyse
from origin_lockdown_judge.world_cidr import Tri

AWS, NATIVE = k.DIST_AWS, k.DIST_NATIVE
PASSWORD = "random:index/randomPassword:RandomPassword"


def cfg(name: str, **values: Any) -> dict[str, Any]:
    return config.settings(name, values)


def res(rtype: str, res_name: str, deps: Mapping[str, tuple[str, ...]] | None = None, /, **props: Any) -> Res:
    return Res(f"urn:pulumi:dev::p::{rtype}::{res_name}", rtype, res_name, props, dict(deps or {}))


def custom(oid: str = "o", policy: str = "https-only", headers: Any = None, **more: Any) -> dict[str, Any]:
    origin: dict[str, Any] = {"originId": oid, "domainName": f"{oid}.example.com", **more}
    origin["customOriginConfig"] = {"originProtocolPolicy": policy}
    if headers is not None:
        origin["customHeaders"] = headers if headers is UNKNOWN else [{"name": n, "value": v} for n, v in headers]
    return origin


def native(origins: list[dict[str, Any]], **config_props: Any) -> dict[str, Any]:
    """The aws-native spelling of the same origins: id, originCustomHeaders of headerName/headerValue."""
    out = []
    for o in origins:
        n = {key: value for key, value in o.items() if key not in ("originId", "customHeaders")}
        n["id"] = o["originId"]
        if "customHeaders" in o:
            n["originCustomHeaders"] = [
                {"headerName": h["name"], "headerValue": h["value"]} for h in o["customHeaders"]
            ]
        out.append(n)
    return {"distributionConfig": {"origins": out, **config_props}}


HEADER = [("X-Origin-Verify", "s3cr3t-s3cr3t-s3cr3t")]


# -- origins and their labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "label"),
    [
        ({"originId": "a", "domainName": "a.example.com"}, "'a' (a.example.com)"),
        ({"id": "n", "domainName": "n.example.com"}, "'n' (n.example.com)"),
        ({}, "'?' ((not known yet))"),
        ({"originId": UNKNOWN, "domainName": UNKNOWN}, "'?' ((not known yet))"),
        ({"originId": "a", "domainName": UNKNOWN}, "'a' ((not known yet))"),
        ({"originId": UNKNOWN, "domainName": "a.example.com"}, "'?' (a.example.com)"),
    ],
)
def test_origin_label(origin: dict[str, Any], label: str) -> None:
    assert c._origin_label(origin) == label


@pytest.mark.parametrize(
    ("origin", "kind"),
    [
        ({"s3OriginConfig": {"originAccessIdentity": ""}}, "s3"),
        ({"vpcOriginConfig": {"vpcOriginId": "vo_1"}}, "vpc"),
        ({"customOriginConfig": {"originProtocolPolicy": "https-only"}}, "custom"),
        ({"domainName": "b.s3.amazonaws.com"}, None),  # e.g. an S3 origin with OAC: no config block
    ],
)
def test_kind(origin: dict[str, Any], kind: str | None) -> None:
    assert c._kind(origin) == kind


def test_origins_of_each_kind_in_order() -> None:
    props = {
        "origins": [
            {"originId": "s3", "s3OriginConfig": {}},
            "not an origin",
            {"originId": "vpc", "vpcOriginConfig": {"vpcOriginId": "vo_1"}},
            {"originId": "bare"},
            custom("c1"),
            custom("c2"),
        ]
    }
    ids = [o["originId"] for o in c._origins(AWS, props, c.CUSTOM)]
    assert ids == ["c1", "c2"]
    assert [o["originId"] for o in c._origins(AWS, props, c.CUSTOM_AND_VPC)] == ["vpc", "c1", "c2"]
    assert [o["id"] for o in c._origins(NATIVE, native([custom("n")]), c.CUSTOM)] == ["n"]
    assert list(c._origins(AWS, {"origins": UNKNOWN}, c.CUSTOM)) == []


def test_headers_of_both_providers() -> None:
    origin = custom(headers=[("A", "1"), ("B", UNKNOWN)])
    assert c._headers(AWS, origin) == [("A", "1"), ("B", UNKNOWN)]
    [n] = native([origin])["distributionConfig"]["origins"]
    assert c._headers(NATIVE, n) == [("A", "1"), ("B", UNKNOWN)]
    assert c._headers(NATIVE, origin) == []  # the aws spelling means nothing to aws-native
    assert c._headers(AWS, custom(headers=UNKNOWN)) is None
    assert c._headers(AWS, custom()) == []
    assert c._headers(AWS, {"customHeaders": ["junk", {"name": "A"}]}) == [("A", None)]


# -- cloudfront-origin-secret-header ------------------------------------------------------------------------------


def secret(res_type: str, origins: list[dict[str, Any]], **settings: Any) -> list[str]:
    props = native(origins) if res_type == NATIVE else {"origins": origins}
    return c.secret_header_problems(res_type, props, cfg(config.SECRET_HEADER, **settings))


@pytest.mark.parametrize("res_type", [AWS, NATIVE])
def test_secret_header_both_providers(res_type: str) -> None:
    assert secret(res_type, [custom(headers=HEADER)]) == []
    [message] = secret(res_type, [custom(headers=[])])
    assert message.startswith("Custom origin 'o' (o.example.com) sends no custom header")
    assert secret(res_type, [custom(headers=HEADER)], requiredHeaderNames=["x-ORIGIN-verify"]) == []
    [message] = secret(res_type, [custom(headers=HEADER)], requiredHeaderNames=["X-B", "x-a"])
    assert "sends none of the required secret headers (x-a, x-b), so the origin cannot tell" in message


def test_secret_header_every_origin_is_checked() -> None:
    origins = [custom("known-later", headers=UNKNOWN), custom("bare"), custom("ok", headers=HEADER), custom("too")]
    assert [m.split(" sends")[0] for m in secret(AWS, origins)] == [
        "Custom origin 'bare' (bare.example.com)",
        "Custom origin 'too' (too.example.com)",
    ]


def test_secret_header_vpc_origins_only_when_asked() -> None:
    vpc = {"originId": "v", "domainName": "internal", "vpcOriginConfig": {"vpcOriginId": "vo_1"}}
    s3 = {"originId": "s", "domainName": "b.s3.amazonaws.com", "s3OriginConfig": {}}
    assert secret(AWS, [vpc, s3]) == []
    [message] = secret(AWS, [vpc, s3], checkVpcOrigins=True)
    assert message.startswith("Custom origin 'v' (internal) sends no custom header")


def test_secret_header_name_unknown_at_preview() -> None:
    origin = custom(headers=[(UNKNOWN, "v")])
    assert secret(AWS, [origin], requiredHeaderNames=["x-origin-verify"]) == []  # may well be the one
    assert secret(AWS, [origin]) == []  # there is a header
    mixed = custom(headers=[(UNKNOWN, "v"), ("X-Other", "w")])
    assert secret(AWS, [mixed], requiredHeaderNames=["x-origin-verify"]) == []


# -- cloudfront-secret-header-not-cleartext ------------------------------------------------------------------------


def cleartext(
    res_type: str, origins: list[dict[str, Any]], default: str = "redirect-to-https", **settings: Any
) -> list[str]:
    if res_type == NATIVE:
        props = native(origins, defaultCacheBehavior={"viewerProtocolPolicy": default})
    else:
        props = {"origins": origins, "defaultCacheBehavior": {"viewerProtocolPolicy": default}}
    return c.cleartext_problems(res_type, props, cfg(config.HTTP_ONLY, **settings))


@pytest.mark.parametrize("res_type", [AWS, NATIVE])
def test_cleartext_both_providers(res_type: str) -> None:
    assert cleartext(res_type, [custom(policy="https-only", headers=HEADER)], "allow-all") == []
    [message] = cleartext(res_type, [custom(policy="http-only", headers=[*HEADER, ("X-Two", "2")])])
    assert message.startswith(
        "Custom origin 'o' (o.example.com) sends the secret header(s) X-Origin-Verify, X-Two but its origin "
        "protocol policy is http-only: the secret crosses"
    )
    assert cleartext(res_type, [custom(policy="match-viewer", headers=HEADER)]) == []
    [message] = cleartext(res_type, [custom(policy="match-viewer", headers=HEADER)], "allow-all")
    assert (
        "X-Origin-Verify but its origin protocol policy is match-viewer and a cache behavior allows viewers on plain "
        "HTTP: the secret crosses" in message
    )


@pytest.mark.parametrize(
    ("res_type", "props"),
    [
        (
            AWS,
            {"orderedCacheBehaviors": [{"viewerProtocolPolicy": "https-only"}, {"viewerProtocolPolicy": "allow-all"}]},
        ),
        (NATIVE, {"distributionConfig": {"cacheBehaviors": [{"viewerProtocolPolicy": "allow-all"}]}}),
        (NATIVE, {"distributionConfig": {"defaultCacheBehavior": {"viewerProtocolPolicy": "allow-all"}}}),
        (AWS, {"defaultCacheBehavior": {"viewerProtocolPolicy": "allow-all"}}),
    ],
)
def test_viewer_allows_http(res_type: str, props: dict[str, Any]) -> None:
    assert c._viewer_allows_http(res_type, props) is True
    other = AWS if res_type == NATIVE else NATIVE
    assert c._viewer_allows_http(other, props) is False  # each provider's own spelling only


def test_a_multitenant_distribution_in_its_own_words() -> None:
    """pulumi-aws's MultitenantDistribution: cacheBehaviors, and one-item lists of origin settings."""
    mt = k.DIST_MULTITENANT
    assert c._viewer_allows_http(mt, {"cacheBehaviors": [{"viewerProtocolPolicy": "allow-all"}]}) is True
    assert c._viewer_allows_http(mt, {"orderedCacheBehaviors": [{"viewerProtocolPolicy": "allow-all"}]}) is False
    origin = {"id": "o", "domainName": "o.example.com", "customHeaders": [{"name": "X-Origin-Verify", "value": "v"}],
              "customOriginConfigs": [{"originProtocolPolicy": "http-only"}]}  # fmt: skip
    [message] = c.cleartext_problems(mt, {"origins": [origin]}, cfg(config.HTTP_ONLY))
    assert message.startswith("Custom origin 'o' (o.example.com) sends the secret header(s) X-Origin-Verify but its "
                              "origin protocol policy is http-only")  # fmt: skip


def test_viewer_on_https_only() -> None:
    props = {"defaultCacheBehavior": {"viewerProtocolPolicy": UNKNOWN}, "orderedCacheBehaviors": ["junk"]}
    assert c._viewer_allows_http(AWS, props) is False
    assert c._viewer_allows_http(AWS, {}) is False


def test_cleartext_every_origin_is_checked() -> None:
    origins = [
        custom("no-header", policy="http-only", headers=[]),
        custom("https", policy="https-only", headers=HEADER),
        custom("bad", policy="http-only", headers=HEADER),
    ]
    assert [m.split(" sends")[0] for m in cleartext(AWS, origins)] == ["Custom origin 'bad' (bad.example.com)"]


def test_cleartext_header_names_setting_and_unknown_names() -> None:
    origin = custom(policy="http-only", headers=[*HEADER, ("X-Env", "prod")])
    [message] = cleartext(AWS, [origin], headerNames=["X-ORIGIN-VERIFY"])
    assert "sends the secret header(s) X-Origin-Verify but" in message
    assert cleartext(AWS, [origin], headerNames=["x-other"]) == []
    assert cleartext(AWS, [custom(policy="http-only", headers=[(UNKNOWN, "v")])]) == []


def test_cleartext_ignores_vpc_origins() -> None:  # CloudFront reaches them over AWS's network, not the internet
    vpc = {"originId": "v", "vpcOriginConfig": {"vpcOriginId": "vo_1"}, "customHeaders": [{"name": "A", "value": "1"}]}
    vpc["customOriginConfig"] = {"originProtocolPolicy": "http-only"}  # not a valid origin, but no VPC origin is read
    assert cleartext(AWS, [vpc]) == []


# -- cloudfront-origin-header-not-literal --------------------------------------------------------------------------


def dist(name: str, origins: list[dict[str, Any]], on: tuple[str, ...] = (), res_type: str = AWS) -> Res:
    props = native(origins) if res_type == NATIVE else {"origins": origins}
    key = "distributionConfig" if res_type == NATIVE else "origins"
    return res(res_type, name, {key: on} if on else None, **props)


def literal(*resources: Res, **settings: Any) -> list[str]:
    return [
        m.split(": the value of header ")[1].split("'")[1]
        for _, m in c.literal_header_problems(resources, cfg(config.LITERAL_HEADER, **settings))
    ]


@pytest.mark.parametrize("res_type", [AWS, NATIVE])
def test_literal_both_providers(res_type: str) -> None:
    gen = res(PASSWORD, "pw", result="generated-0123456789")
    d = dist("d", [custom(headers=[("A", "generated-0123456789"), ("B", "typed-in")])], res_type=res_type)
    assert literal(gen, d) == ["B"]
    [(urn, message)] = c.literal_header_problems([gen, d], cfg(config.LITERAL_HEADER))
    assert urn == d.urn and message.startswith("Distribution 'd', origin 'o' (o.example.com): the value of header 'B'")


def test_literal_every_header_of_every_origin() -> None:
    gen = res(PASSWORD, "pw", result="abcdefgh", overrideSpecial="!#", keepers={"k": "v"}, length=8)
    headers = [
        ("Later", UNKNOWN),  # computed at preview: not a literal
        ("None", None),
        ("Exempt", "prod"),
        ("Derived", "v1:abcdefgh"),  # from the generator the distribution depends on (8 characters are enough)
        ("Chance", "x!#y"),  # overrideSpecial is too short to show derivation
        ("Typed", "literal"),
    ]
    d = dist("d", [custom("one", headers=headers), custom("two", headers=[("Also", "typed")])], on=(gen.urn,))
    assert literal(gen, d, exemptHeaderNames=["EXEMPT"]) == ["Chance", "Typed", "Also"]


def test_literal_derived_only_from_a_generator_the_distribution_depends_on() -> None:
    gen = res(PASSWORD, "pw", result="abcdefghij")
    d = dist("d", [custom(headers=[("A", "v1:abcdefghij")])])
    assert literal(gen, d) == ["A"]
    assert literal(gen, dist("d", [custom(headers=[("A", "abcdefghij")])])) == []  # the value itself
    unknown = res(PASSWORD, "pw", result=UNKNOWN)
    assert literal(unknown, dist("d", [custom(headers=[("A", "v1:x")])], on=(unknown.urn,))) == []  # at preview
    assert literal(unknown, dist("d", [custom(headers=[("A", "v1:x")])])) == ["A"]


def test_literal_unknown_value_without_generator_at_preview() -> None:  # e.g. read from another resource
    assert literal(dist("d", [custom(headers=[("A", UNKNOWN), ("B", "typed")])])) == ["B"]


def test_literal_generator_types_setting() -> None:
    other = res("aws:ssm/parameter:Parameter", "p", value="from-the-parameter")
    d = dist("d", [custom(headers=[("A", "from-the-parameter")])])
    assert literal(other, d) == ["A"]
    assert literal(other, d, generatorTypes=["aws:ssm/parameter:Parameter"]) == []


# -- origin-sg-no-world-admin-or-all-ports ---------------------------------------------------------------------------


def admin_stack(rule_props: dict[str, Any]) -> list[Res]:
    sg = res(k.SG_AWS, "sg", id="sg-1")
    lb = res(
        "aws:lb/loadBalancer:LoadBalancer",
        "lb",
        {"securityGroups": (sg.urn,)},
        dnsName="lb-1.elb.amazonaws.com",
        securityGroups=["sg-1"],
        loadBalancerType="application",
    )
    d = dist("d", [custom(headers=HEADER, domainName="lb-1.elb.amazonaws.com")], on=(lb.urn,))
    rule = res(k.RULE_VPC_IN, "r", securityGroupId="sg-1", **rule_props)
    return [sg, lb, d, rule]


def test_admin_ports_take_resources_or_an_analysis() -> None:
    resources = admin_stack({"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"})
    settings = cfg(config.SSH_ALL_PORTS)
    by_list = c.admin_port_problems(resources, settings)
    assert [urn for urn, _ in by_list] == [resources[3].urn]
    assert by_list == c.admin_port_problems(analyse(resources), settings)


def test_admin_every_port_only_when_asked() -> None:
    resources = admin_stack({"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})
    [(_, message)] = c.admin_port_problems(resources, cfg(config.SSH_ALL_PORTS, ports=[]))
    assert "all of IPv4 on every tcp port to" in message
    assert c.admin_port_problems(resources, cfg(config.SSH_ALL_PORTS, ports=[], flagAllPorts=False)) == []


class Args:
    def __init__(self, resources: Any = None, config_: Any = None, resource_type: str = "", props: Any = None):
        self.resources, self._config, self.resource_type, self.props = resources, config_, resource_type, props

    def get_config(self) -> Any:
        return self._config


def collect(validate: Any, args: Args) -> list[tuple[str, str | None]]:
    seen: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None) -> None:  # the declared signature: both arguments, always
        seen.append((message, urn))

    validate(args, report)
    return seen


def test_validate_functions_report_with_urn() -> None:
    from tests.policy.stacks import origin_stack, policy_resources

    s = origin_stack()
    s["origin-in-v4"].props = {"securityGroupId": "sg-0origin", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}
    [(_, urn)] = collect(c.validate_admin_ports, Args(policy_resources(s.snapshots())))
    assert urn == s["origin-in-v4"].urn
    origins = [custom(policy="http-only", headers=HEADER)]
    bad = {"origins": origins, "defaultCacheBehavior": {}}
    assert [u for _, u in collect(c.validate_cleartext, Args(resource_type=AWS, props=bad))] == [None]
    assert collect(c.validate_cleartext, Args(resource_type=k.SG_AWS, props=bad)) == []
    nat = native(origins)
    assert len(collect(c.validate_cleartext, Args(resource_type=NATIVE, props=nat))) == 1
    bare = {"origins": [custom()]}
    assert [u for _, u in collect(c.validate_secret_header, Args(resource_type=AWS, props=bare))] == [None]
    assert collect(c.validate_secret_header, Args(resource_type=k.SG_AWS, props=bare)) == []


# -- origin-sg-prefix-list-quota ----------------------------------------------------------------------------------


def quota_stack(*rules: Res, extra: tuple[Res, ...] = ()) -> list[Res]:
    sg = res(k.SG_AWS, "sg", id="sg-1", tags={"Role": "origin"})
    return [sg, *extra, *rules]


def quota(resources: list[Res], **settings: Any) -> list[tuple[str, str]]:
    return c.prefix_quota_problems(
        resources, cfg(config.PREFIX_QUOTA, originSecurityGroupTags={"Role": "origin"}, **settings)
    )


def cidr_rule(
    name: str,
    n: int,
    deps: Mapping[str, tuple[str, ...]] | None = None,
    rtype: str = k.RULE_VPC_IN,
    group: str = "sg-1",
    **more: Any,
) -> Res:
    if rtype == k.RULE_EC2:
        props: dict[str, Any] = {"type": "ingress", "securityGroupId": group, "protocol": "tcp", "fromPort": 443}
        props.update(toPort=443, cidrBlocks=[f"10.{i // 256}.{i % 256}.0/24" for i in range(n)])
        props.update(more)
        return res(rtype, name, deps, **props)
    return res(rtype, name, deps, securityGroupId=group, ipProtocol="tcp", fromPort=443, toPort=443, **more)


def weights(resources: list[Res], **settings: Any) -> list[tuple[int, list[str]]]:
    a = analyse(resources)
    merged = cfg(config.PREFIX_QUOTA, **settings)
    return [c._rule_weight(a, r, merged) for key in a.net.groups for r, _, _ in a.judge.rules_of_group(key)]


def test_rule_weight_counts_each_source() -> None:
    cidrs = ["10.0.0.0/24", "10.0.1.0/24", UNKNOWN]
    rule = cidr_rule("r", 0, rtype=k.RULE_EC2, sourceSecurityGroupId="sg-2", cidrBlocks=cidrs, ipv6CidrBlocks=UNKNOWN)
    assert weights(quota_stack(rule)) == [(5, [])]  # 2 CIDRs + 1 peer group + 2 lists holding unknowns
    both = cidr_rule("b", 3, rtype=k.RULE_EC2, prefixListIds=["pl-x"])
    assert weights(quota_stack(both), unknownPrefixListWeight=7) == [(10, ["pl-x (weight not known, assumed 7)"])]
    assert weights(quota_stack(cidr_rule("empty", 0))) == [(1, [])]  # a rule, whatever it admits
    managed = res(k.PREFIX_LIST_AWS, "office", id="pl-office", maxEntries=10)
    later = cidr_rule("l", 0, {"prefixListId": (managed.urn,)}, prefixListId=UNKNOWN)
    assert weights(quota_stack(later, extra=(managed,))) == [(10, ["office (maxEntries 10)"])]
    lookup = cidr_rule("n", 0, prefixListId=UNKNOWN)  # e.g. from a lookup: no dependency to follow
    assert weights(quota_stack(lookup)) == [(55, ["an unknown prefix list (weight not known, assumed 55)"])]
    zero = cidr_rule("z", 0, prefixListId="pl-x")
    assert weights(quota_stack(zero), unknownPrefixListWeight=0) == [(0, ["pl-x (weight not known, assumed 0)"])]


def test_prefix_list_weight_sources() -> None:
    managed = res(k.PREFIX_LIST_AWS, "office", id="pl-office", name="office-list", maxEntries=10)
    named = res(k.PREFIX_LIST_AWS, "partners", id="pl-partners", name="partners", maxEntries=UNKNOWN)
    native_pl = res(k.PREFIX_LIST_NATIVE, "nat", prefixListId="pl-nat", prefixListName="nat-list")
    a = analyse([managed, named, native_pl])
    settings = cfg(config.PREFIX_QUOTA, prefixListWeights={"partners": 20, "nat-list": 30, "pl-3b927c52": 55})
    assert c._pl_weight(a, "pl-office", (), settings) == (10, "office (maxEntries 10)")
    assert c._pl_weight(a, "pl-partners", (), settings) == (20, "partners (20)")  # maxEntries unknown at preview
    assert c._pl_weight(a, "pl-nat", (), settings) == (30, "nat-list (30)")
    assert c._pl_weight(a, "pl-3b927c52", (), settings) == (55, "pl-3b927c52 (55)")
    assert c._pl_weight(a, "pl-other", (managed.urn,), settings) == (55, "pl-other (weight not known, assumed 55)")
    assert c._pl_weight(a, UNKNOWN, (managed.urn,), settings) == (10, "office (maxEntries 10)")
    assert c._pl_weight(a, UNKNOWN, (), settings) == (55, "an unknown prefix list (weight not known, assumed 55)")
    flag = res(k.PREFIX_LIST_AWS, "odd", id="pl-odd", maxEntries=True)
    assert c._pl_weight(analyse([flag]), "pl-odd", (), settings)[0] == 55


def test_quota_at_the_limit_and_over() -> None:
    assert quota(quota_stack(cidr_rule("r", 60, rtype=k.RULE_EC2))) == []
    [(urn, message)] = quota(quota_stack(cidr_rule("r", 61, rtype=k.RULE_EC2)))
    assert urn.endswith("::sg")
    assert message.startswith(
        "Origin security group 'sg' has ingress rules of total weight 61, over the quota of 60 rules per security "
        "group (a prefix list counts as its max entries: plain rules). AWS will refuse"
    )
    assert quota(quota_stack(cidr_rule("r", 61, rtype=k.RULE_EC2)), rulesPerSecurityGroup=61) == []


def test_quota_counts_each_direction_and_only_rules_of_the_group() -> None:
    other = res(k.SG_AWS, "other", id="sg-2")
    egress = cidr_rule("out", 61, rtype=k.RULE_EC2, type="egress")
    # A rule on one of two groups, which one not known yet: it may not count against this group's quota.
    maybe = res(
        k.RULE_VPC_IN,
        "maybe",
        {"securityGroupId": ("urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::sg", other.urn)},
        securityGroupId=UNKNOWN,
        ipProtocol="tcp",
        fromPort=443,
        toPort=443,
        cidrIpv4="10.0.0.0/8",
    )
    small = cidr_rule("in", 60, rtype=k.RULE_EC2)
    resources = quota_stack(maybe, small, egress, extra=(other,))
    a = analyse(resources)
    assert [(r.owner.name, tri) for r, tri, _ in a.judge.rules_of_group(a.net.group_of(resources[0]))] == [
        ("maybe", Tri.MAYBE),
        ("in", Tri.YES),
        ("out", Tri.YES),
    ]
    problems = quota(resources)
    assert [m.split(" rules of total weight ")[0] for _, m in problems] == ["Origin security group 'sg' has egress"]


def test_quota_of_a_group_not_created_in_the_stack_points_at_its_first_rule() -> None:
    first = cidr_rule("first", 31, rtype=k.RULE_EC2, group="sg-remote")
    second = cidr_rule("second", 30, rtype=k.RULE_EC2, group="sg-remote")
    [(urn, message)] = c.prefix_quota_problems(
        [first, second], cfg(config.PREFIX_QUOTA, originSecurityGroupIds=["sg-remote"])
    )
    assert urn == first.urn
    assert message.startswith(
        "Origin security group sg-remote (not created in this stack) has ingress rules of total weight 61"
    )


def test_quota_takes_an_analysis_too() -> None:
    resources = quota_stack(cidr_rule("r", 61, rtype=k.RULE_EC2))
    settings = cfg(config.PREFIX_QUOTA, originSecurityGroupTags={"Role": "origin"})
    assert c.prefix_quota_problems(analyse(resources), settings) == c.prefix_quota_problems(resources, settings)

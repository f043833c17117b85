"""Property-based: any rule shape, on an origin group, fails exactly when an independent oracle says so."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policy.stacks import SG_RULE, VPC_IN, R, origin_stack, run_stack_policy

NAME = "origin-sg-no-world-ingress"
WEB = (80, 443)


def oracle_world(cidr: str) -> bool:
    """One block is the internet of its family iff it holds the internet's first and last addresses: 1.0.0.0 and
    223.255.255.255 (so all of IPv4), or 2000:: and 3fff:ffff:...:ffff (all of 2000::/3, IPv6's global unicast)."""
    network = ipaddress.ip_network(cidr.strip(), strict=False)
    ends = (
        ("1.0.0.0", "223.255.255.255")
        if network.version == 4
        else ("2000::", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    )
    return all(ipaddress.ip_address(e) in network for e in ends)


def oracle_ports(protocol: str, low: int | None, high: int | None) -> bool:
    p = protocol.lower()
    if p in ("-1", "all"):
        return True
    if p not in ("tcp", "6"):
        return False
    if low is None or high is None:
        return True
    return any(min(low, high) <= port <= max(low, high) for port in WEB)


v4 = st.builds(lambda a, n: f"{ipaddress.IPv4Address(a)}/{n}", st.integers(0, 2**32 - 1), st.integers(0, 32))
v6 = st.builds(lambda a, n: f"{ipaddress.IPv6Address(a)}/{n}", st.integers(0, 2**128 - 1), st.integers(0, 128))
cidr4 = st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "0.0.0.0/1", "192.0.2.7/0", " 0.0.0.0/0"]) | v4
cidr6 = st.sampled_from(["::/0", "0::0/0", "2001:db8::/32", "::/1", "0:0:0:0:0:0:0:0/0", "2000::/3", "2000::/4"]) | v6
protocols = st.sampled_from(["tcp", "TCP", "6", "-1", "all", "udp", "17", "icmp", "1", "icmpv6", "58", "50"])
ports = st.sampled_from([0, 22, 79, 80, 81, 442, 443, 444, 8080, 65535])


@st.composite
def rules(draw: st.DrawFn) -> tuple[str, dict[str, Any], bool]:
    shape = draw(st.sampled_from(["vpc", "ec2-rule", "inline", "native"]))
    protocol = draw(protocols)
    low: int | None = draw(ports)
    high: int | None = draw(ports)
    if shape in ("vpc", "native") and protocol in ("-1", "all"):
        low = high = None  # the VPC rule API has no ports for -1
    if protocol in ("icmp", "1", "icmpv6", "58") and draw(st.booleans()):
        low = high = -1
    v4s = draw(st.lists(cidr4, max_size=2 if shape in ("ec2-rule", "inline") else 1))
    v6s = draw(st.lists(cidr6, max_size=2 if shape in ("ec2-rule", "inline") else 1))
    expected = any(oracle_world(c) for c in v4s + v6s) and oracle_ports(protocol, low, high)
    portspec = {} if low is None else {"fromPort": low, "toPort": high}
    if shape == "vpc":
        body: dict[str, Any] = {"ipProtocol": protocol, **portspec}
        body.update({"cidrIpv4": v4s[0]} if v4s else {})
        body.update({"cidrIpv6": v6s[0]} if v6s and not v4s else {})
        expected = any(oracle_world(c) for c in ([v4s[0]] if v4s else v6s[:1])) and oracle_ports(protocol, low, high)
    elif shape == "native":
        body = {"ipProtocol": protocol, **portspec}
        body.update({"cidrIp": v4s[0]} if v4s else {})
        body.update({"cidrIpv6": v6s[0]} if v6s and not v4s else {})
        expected = any(oracle_world(c) for c in ([v4s[0]] if v4s else v6s[:1])) and oracle_ports(protocol, low, high)
    else:
        body = {
            "protocol": protocol,
            "fromPort": 0 if low is None else low,
            "toPort": 0 if high is None else high,
            "cidrBlocks": v4s,
            "ipv6CidrBlocks": v6s,
        }
        if low is None:
            expected = any(oracle_world(c) for c in v4s + v6s) and oracle_ports(protocol, 0, 0)
    return shape, body, expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules())
def test_any_shape_matches_oracle(case: tuple[str, dict[str, Any], bool]) -> None:
    shape, body, expected = case
    s = origin_stack()
    sg = s["origin-sg"]
    if shape == "vpc":
        s.add(R(VPC_IN, "probe", {"securityGroupId": "sg-0origin", **body}, {"securityGroupId": [sg.urn]}))
    elif shape == "ec2-rule":
        s.add(R(SG_RULE, "probe", {"type": "ingress", "securityGroupId": "sg-0origin", **body}))
    elif shape == "native":
        s.add(R("aws-native:ec2:SecurityGroupIngress", "probe", {"groupId": "sg-0origin", **body}))
    else:
        sg.props["ingress"] = [body]
    found = run_stack_policy(NAME, s.snapshots())
    assert bool(found) is expected, (shape, body, found)

"""The pure rule logic: world CIDRs, protocols and port ranges (tables, then hypothesis against an oracle)."""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offline.snapshot import UNKNOWN
from origin_lockdown_judge.world_cidr import (
    GLOBAL_IN_SPECIAL_IPV4,
    GLOBAL_IN_SPECIAL_IPV6,
    GLOBAL_UNICAST_IPV6,
    SPECIAL_IPV4,
    SPECIAL_IPV6,
    Tri,
    cidr_is_world,
    cidr_spans_world,
    covers_family,
    internet,
    on_internet,
    outermost,
    parse_cidr,
    protocol_class,
    range_hits,
    reaches_ports,
    spans_all_ports,
    uncovered,
)

WEB = (80, 443)


@pytest.mark.parametrize(
    ("cidr", "world"),
    [
        ("0.0.0.0/0", True),
        (" 0.0.0.0/0 ", True),
        ("10.1.2.3/0", True),  # host bits set: EC2 keeps the network, which is everything
        ("0.0.0.0/0.0.0.0", True),  # netmask notation
        ("0.0.0.0/00", True),
        ("::/0", True),
        ("0::0/0", True),
        ("0:0:0:0:0:0:0:0/0", True),
        ("2001:db8::/0", True),
        ("::ffff:0:0/96", False),  # IPv4-mapped: IPv4 traffic is matched against IPv4 rules only
        ("::/64", False),
        ("::/1", True),  # holds 2000::/3, all of IPv6's global unicast
        ("2000::/3", True),
        ("2000::/4", False),  # half of it
        ("3000::/4", False),
        ("4000::/2", False),  # reserved space only
        ("fc00::/7", False),  # unique local
        ("0.0.0.0/1", False),
        ("128.0.0.0/1", False),
        ("0.0.0.0/32", False),
        ("10.0.0.0/8", False),
        ("", False),
        ("0.0.0.0", False),  # a single address
        ("anywhere", False),
        ("0.0.0.0/33", False),  # not a CIDR: EC2 refuses it
        ("pl-3b927c52", False),
    ],
)
def test_cidr_spans_world(cidr: str, world: bool) -> None:
    assert cidr_spans_world(cidr) is world


def test_cidr_is_world_tri() -> None:
    assert cidr_is_world("0.0.0.0/0") is Tri.YES
    assert cidr_is_world("10.0.0.0/8") is Tri.NO
    assert cidr_is_world(UNKNOWN) is Tri.MAYBE
    assert cidr_is_world(None) is Tri.NO


@pytest.mark.parametrize(
    ("protocol", "kind"),
    [
        ("-1", "all"),
        ("all", "all"),
        ("ALL", "all"),
        (-1, "all"),
        (-1.0, "all"),
        (None, "all"),
        ("tcp", "tcp"),
        ("TCP", "tcp"),
        ("6", "tcp"),
        (6, "tcp"),
        (6.0, "tcp"),
        ("udp", "udp"),
        ("17", "udp"),
        ("icmp", "icmp"),
        ("1", "icmp"),
        ("icmpv6", "icmp"),
        ("58", "icmp"),
        ("50", "other"),
        ("esp", "other"),
        ("06", "tcp"),
        ("+6", "tcp"),
        (" 6 ", "tcp"),
        ("-01", "all"),
        ("017", "udp"),
        ("6.5", "other"),
        ("inf", "other"),
        ("nan", "other"),
        (UNKNOWN, None),
    ],
)
def test_protocol_class(protocol: object, kind: str | None) -> None:
    assert protocol_class(protocol) == kind


@pytest.mark.parametrize(
    ("protocol", "low", "high", "expected"),
    [
        ("tcp", 443, 443, Tri.YES),
        ("tcp", 80, 80, Tri.YES),
        ("tcp", 0, 65535, Tri.YES),
        ("tcp", 79, 81, Tri.YES),
        ("tcp", 444, 8080, Tri.NO),
        ("tcp", 81, 442, Tri.NO),
        ("tcp", 22, 22, Tri.NO),
        ("tcp", 443.0, 443.0, Tri.YES),  # numbers arrive as floats through a protobuf Struct
        ("tcp", "443", "443", Tri.YES),
        ("tcp", 8443, 443, Tri.YES),  # reversed: read as the span
        ("tcp", None, None, Tri.YES),  # no ports on a TCP rule: EC2 refuses it; read as every port
        ("tcp", -1, -1, Tri.YES),
        ("6", 443, 443, Tri.YES),
        ("-1", 0, 0, Tri.YES),  # EC2 inline/SecurityGroupRule form of "all traffic"
        ("-1", None, None, Tri.YES),  # VPC rule form: no ports at all
        ("all", 22, 22, Tri.YES),  # ports are ignored for protocol -1
        ("icmp", 0, 443, Tri.NO),  # type/code, not ports
        ("icmp", -1, -1, Tri.NO),
        ("58", 80, 80, Tri.NO),
        ("udp", 443, 443, Tri.NO),  # not checked by default
        ("50", None, None, Tri.NO),
        (UNKNOWN, 443, 443, Tri.MAYBE),
        ("tcp", UNKNOWN, 443, Tri.MAYBE),
        ("tcp", 22, UNKNOWN, Tri.MAYBE),
        ("icmp", UNKNOWN, UNKNOWN, Tri.NO),
    ],
)
def test_reaches_ports(protocol: object, low: object, high: object, expected: Tri) -> None:
    assert reaches_ports(protocol, low, high, WEB, ("tcp",)) is expected


def test_udp_when_configured() -> None:
    assert reaches_ports("udp", 443, 443, WEB, ("tcp", "udp")) is Tri.YES


ORDER = [Tri.NO, Tri.MAYBE, Tri.YES]


@pytest.mark.parametrize("a", ORDER)
@pytest.mark.parametrize("b", ORDER)
def test_tri_logic_is_min_and_max(a: Tri, b: Tri) -> None:
    assert (a & b) is min(a, b, key=ORDER.index)
    assert (a | b) is max(a, b, key=ORDER.index)


def test_tri_any() -> None:
    assert Tri.any([Tri.NO, Tri.MAYBE, Tri.YES]) is Tri.YES
    assert Tri.any([Tri.NO, Tri.MAYBE]) is Tri.MAYBE
    assert Tri.any([]) is Tri.NO


@pytest.mark.parametrize(
    ("text", "network"),
    [
        ("10.1.2.3/8", "10.0.0.0/8"),  # host bits are ignored, as EC2 does
        (" 2001:db8::1/32 ", "2001:db8::/32"),
        ("", None),
        ("   ", None),
        ("10.0.0.0/33", None),
    ],
)
def test_parse_cidr(text: str, network: str | None) -> None:
    parsed = parse_cidr(text)
    assert (str(parsed) if parsed is not None else None) == network


def nets(*texts: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(t) for t in texts]


@pytest.mark.parametrize(
    ("cidrs", "version", "covered"),
    [
        (["0.0.0.0/0"], 4, True),
        (["0.0.0.0/1", "128.0.0.0/1"], 4, True),
        (["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"], 4, True),
        (["0.0.0.0/1", "128.0.0.0/2"], 4, False),  # a quarter is missing
        (["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"], 4, True),  # all but multicast and reserved (224/3)
        (["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/4"], 4, False),  # 208.0.0.0/4 is on the internet
        (
            [
                "0.0.0.0/5",
                "8.0.0.0/7",
                "11.0.0.0/8",
                "12.0.0.0/6",
                "16.0.0.0/4",
                "32.0.0.0/3",
                "64.0.0.0/2",
                "128.0.0.0/1",
            ],
            4,
            True,
        ),  # everything but 10.0.0.0/8 (RFC 1918): still everyone on the internet
        (
            [
                "0.0.0.0/5",
                "8.0.0.0/7",
                "11.0.0.0/8",
                "12.0.0.0/6",
                "16.0.0.0/4",
                "32.0.0.0/3",
                "64.0.0.0/2",
                "128.0.0.0/2",
                "192.0.0.0/8",
                "193.0.0.0/8",
                "194.0.0.0/7",
                "196.0.0.0/6",
                "200.0.0.0/5",
                "208.0.0.0/4",
            ],
            4,
            True,
        ),  # ... and without 224/3: 192.0.0.9 (globally reachable anycast) is in 192/8
        (["0.0.0.0/1", "0.0.0.0/1"], 4, False),
        (["10.0.0.0/8"], 4, False),
        ([f"{i}.0.0.0/8" for i in range(256)], 4, True),
        ([f"{i}.0.0.0/8" for i in range(255)], 4, True),  # 255.0.0.0/8 is reserved space
        ([f"{i}.0.0.0/8" for i in range(256) if i != 8], 4, False),  # 8.0.0.0/8 is not
        ([f"{i}.0.0.0/8" for i in range(256) if i != 10], 4, True),
        (["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/24", "193.0.0.0/8"], 4, False),
        (["2000::/4", "3000::/4"], 6, True),
        (["2000::/4", "3000::/5"], 6, False),
        (
            [
                "2000::/4",
                "3000::/5",
                "3800::/6",
                "3c00::/7",
                "3e00::/8",
                "3f00::/9",
                "3f80::/10",
                "3fc0::/11",
                "3fe0::/12",
                "3ff0::/13",
                "3ff8::/14",
                "3ffc::/15",
                "3ffe::/16",
                "3fff:1000::/20",
            ],
            6,
            False,
        ),
        (
            [
                "2000::/4",
                "3000::/5",
                "3800::/6",
                "3c00::/7",
                "3e00::/8",
                "3f00::/9",
                "3f80::/10",
                "3fc0::/11",
                "3fe0::/12",
                "3ff0::/13",
                "3ff8::/14",
                "3ffc::/15",
                "3ffe::/16",
                "3fff:1000::/20",
                "3fff:2000::/19",
                "3fff:4000::/18",
                "3fff:8000::/17",
            ],
            6,
            True,
        ),  # all but 3fff::/20 (documentation)
        (["::/1", "8000::/1"], 6, True),
        (["::/1", "8000::/1"], 4, False),  # the other family is never the world
        (["0.0.0.0/0"], 6, False),
        (["0.0.0.0/1", "128.0.0.0/1", "::/0"], 6, True),
        (["::ffff:0:0/96", "0.0.0.0/1", "128.0.0.0/1"], 6, False),
        ([], 4, False),
    ],
)
def test_covers_family(cidrs: list[str], version: int, covered: bool) -> None:
    assert covers_family(nets(*cidrs), version) is covered


def test_outermost_keeps_the_partition_and_the_first_of_equals() -> None:
    listed = nets("10.0.0.0/8", "0.0.0.0/1", "128.0.0.0/1", "64.0.0.0/2", "0.0.0.0/1", "10.1.0.0/16")
    assert outermost(listed) == [1, 2]
    assert outermost(nets("0.0.0.0/0")) == [0]
    assert outermost(nets("10.0.0.0/8", "11.0.0.0/8")) == [0, 1]  # disjoint: both stay
    assert outermost(nets("10.1.0.0/16", "10.0.0.0/8")) == [1]  # order does not matter
    assert outermost([]) == []


@pytest.mark.parametrize(
    ("protocol", "low", "high", "expected"),
    [
        ("-1", None, None, Tri.YES),
        ("tcp", 0, 65535, Tri.YES),
        ("6", None, None, Tri.YES),
        ("tcp", 1, 65535, Tri.NO),
        ("tcp", 0, 65534, Tri.NO),
        ("udp", 0, 65535, Tri.NO),  # not a checked protocol
        ("icmp", -1, -1, Tri.NO),
        (UNKNOWN, 0, 65535, Tri.MAYBE),
        ("tcp", UNKNOWN, 65535, Tri.MAYBE),
    ],
)
def test_spans_all_ports(protocol: object, low: object, high: object, expected: Tri) -> None:
    assert spans_all_ports(protocol, low, high, ("tcp",)) is expected


def test_one_missing_bound_reads_as_every_port() -> None:
    assert range_hits(80, None, (443,)) is Tri.YES
    assert range_hits(None, 80, (443,)) is Tri.YES
    assert range_hits(-1, 80, (443,)) is Tri.YES
    assert range_hits(80, -1, (443,)) is Tri.YES
    assert range_hits(443, 443, (443,)) is Tri.YES
    assert range_hits(444, 443, (443,)) is Tri.YES
    assert range_hits(444, 445, (443,)) is Tri.NO


@pytest.mark.parametrize("bound", [float("inf"), float("-inf"), float("nan"), "inf", "nan", "1e400", "x", True, [443]])
def test_a_bound_that_is_no_finite_number_reads_as_every_port(bound: object) -> None:
    assert range_hits(bound, 443, (80,)) is Tri.YES
    assert range_hits(80, bound, (443,)) is Tri.YES


def test_a_bound_written_as_text_is_the_number_it_spells() -> None:
    assert range_hits(" 80 ", "80.0", (443,)) is Tri.NO  # 80 only: not every port
    assert range_hits("1e2", "1e2", (100,)) is Tri.YES and range_hits("1e2", "1e2", (443,)) is Tri.NO


# -- property-based: an independent oracle on integers ---------------------------------------------------------

V4_BITS, V6_BITS = 32, 128
MAPPED = 0xFFFF << 32  # ::ffff:0:0


def _range(cidr: str) -> tuple[int, int]:
    """A CIDR's first and last address, by integer arithmetic on its text (not through ipaddress's networks)."""
    text, prefix = cidr.split("/")
    address = int(ipaddress.ip_address(text))
    bits = V4_BITS if "." in text else V6_BITS
    host_bits = bits - int(prefix)
    first = (address >> host_bits) << host_bits
    return first, first | ((1 << host_bits) - 1)


def oracle_internet(version: int) -> list[tuple[int, int]]:
    """The internet as ranges: the family (or 2000::/3) minus each special range, plus the global exceptions."""
    whole = (0, 2**V4_BITS - 1) if version == 4 else _range(GLOBAL_UNICAST_IPV6)
    special = [_range(c) for c, _ in (SPECIAL_IPV4 if version == 4 else SPECIAL_IPV6)]
    exceptions = [_range(c) for c, _ in (GLOBAL_IN_SPECIAL_IPV4 if version == 4 else GLOBAL_IN_SPECIAL_IPV6)]
    cuts = sorted({whole[0], whole[1] + 1} | {e for lo, hi in special + exceptions for e in (lo, hi + 1)})
    pieces = []
    for lo, nxt in itertools.pairwise(cuts):  # elementary pieces: each wholly in or out of every range
        inside = whole[0] <= lo <= whole[1]
        if any(a <= lo <= b for a, b in special) and not any(a <= lo <= b for a, b in exceptions):
            inside = False
        if inside:
            pieces.append((lo, nxt - 1))
    return pieces


ORACLE_INTERNET = {4: oracle_internet(4), 6: oracle_internet(6)}


def oracle_covers(version: int, ranges: list[tuple[int, int]]) -> bool:
    """Every address of every internet piece is in some range: walk each piece from its first address, jumping to
    the end of any range (in order of their first addresses) that holds the next address not yet covered."""
    ordered = sorted(ranges)
    for lo, hi in ORACLE_INTERNET[version]:
        nxt = lo
        for first, last in ordered:
            if first <= nxt <= last:
                nxt = last + 1
        if nxt <= hi:
            return False
    return True


def oracle_world(version: int, address: int, prefix: int) -> bool:
    """World iff the network holds every internet address of its family."""
    bits = V4_BITS if version == 4 else V6_BITS
    host_bits = bits - prefix
    network = (address >> host_bits) << host_bits
    last = network | ((1 << host_bits) - 1)
    return oracle_covers(version, [(network, last)])


@st.composite
def cidrs(draw: st.DrawFn) -> tuple[str, bool]:
    version = draw(st.sampled_from([4, 6]))
    bits = V4_BITS if version == 4 else V6_BITS
    prefix = draw(st.integers(0, bits) | st.just(0) | st.integers(0, 4))
    if version == 6 and draw(st.booleans()):
        address = MAPPED | draw(st.integers(0, 2**32 - 1))
        prefix = draw(st.integers(80, 100))
    else:
        address = draw(st.integers(0, 2**bits - 1))
    ip = ipaddress.ip_address(address) if version == 6 else ipaddress.IPv4Address(address)
    if version == 6 and address <= 2**32 - 1 and not isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(address)
    text = ip.exploded if draw(st.booleans()) else ip.compressed
    if version == 4 and draw(st.booleans()):
        mask = ipaddress.IPv4Network(f"0.0.0.0/{prefix}").netmask
        suffix = str(mask)
    else:
        suffix = str(prefix)
    pad = draw(st.sampled_from(["", " ", "\t"]))
    return f"{pad}{text}/{suffix}{pad}", oracle_world(version, address, prefix)


@settings(max_examples=400, deadline=None)
@given(cidrs())
def test_world_matches_oracle(case: tuple[str, bool]) -> None:
    text, expected = case
    assert cidr_spans_world(text) is expected


PROBE_PORTS = (0, 1, 22, 79, 80, 81, 442, 443, 444, 8080, 65534, 65535)
ORACLE_PROTOCOLS = {
    "-1": "all",
    "all": "all",
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "icmpv6": "icmp",
    "58": "icmp",
    "47": "gre",
}


def oracle_reaches(protocol: str, low: int, high: int, ports: tuple[int, ...]) -> bool:
    kind = ORACLE_PROTOCOLS[protocol.lower()]
    if kind == "all":
        return True
    if kind != "tcp":
        return False
    if low < 0 or high < 0:
        return True
    admitted = {p for p in PROBE_PORTS if min(low, high) <= p <= max(low, high)}
    return bool(admitted & set(ports))


@settings(max_examples=400, deadline=None)
@given(
    protocol=st.sampled_from([*sorted(ORACLE_PROTOCOLS), "TCP", "All"]),
    low=st.sampled_from((*PROBE_PORTS, -1)) | st.integers(0, 65535),
    high=st.sampled_from((*PROBE_PORTS, -1)) | st.integers(0, 65535),
    ports=st.lists(st.sampled_from(PROBE_PORTS), min_size=1, max_size=3, unique=True).map(tuple),
)
def test_ports_match_oracle(protocol: str, low: int, high: int, ports: tuple[int, ...]) -> None:
    got = reaches_ports(protocol, low, high, ports, ("tcp",))
    assert got is (Tri.YES if oracle_reaches(protocol, low, high, ports) else Tri.NO)


@settings(max_examples=200, deadline=None)
@given(low=st.integers(0, 65535), high=st.integers(0, 65535))
def test_range_hits_is_monotone_in_ports(low: int, high: int) -> None:
    if range_hits(low, high, (443,)) is Tri.YES:
        assert range_hits(low, high, (22, 443)) is Tri.YES


@st.composite
def unions(draw: st.DrawFn) -> tuple[int, list[str]]:
    """A union near the edge of the internet: its blocks, a few dropped, a few split in halves of which one may be
    dropped, some special ranges added, plus random blocks."""
    version = draw(st.sampled_from([4, 6]))
    blocks = list(internet(version))
    indexes = st.integers(0, len(blocks) - 1)
    dropped = draw(st.sets(indexes, max_size=2))
    split = draw(st.sets(indexes, max_size=3))
    half_dropped = draw(st.booleans())
    out: list[str] = []
    for i, block in enumerate(blocks):
        if i in dropped:
            continue
        if i in split and block.prefixlen < block.max_prefixlen:
            halves = [str(h) for h in block.subnets(prefixlen_diff=1)]
            out += halves[:1] if half_dropped else halves
        else:
            out.append(str(block))
    specials = SPECIAL_IPV4 if version == 4 else SPECIAL_IPV6
    out += [c for c, _ in specials if draw(st.booleans())]
    bits = V4_BITS if version == 4 else V6_BITS
    for _ in range(draw(st.integers(0, 3))):
        address = draw(st.integers(0, 2**bits - 1))
        prefix = draw(st.integers(0, 12))
        ip = ipaddress.IPv6Address(address) if version == 6 else ipaddress.IPv4Address(address)
        out.append(str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)))
    return version, out


@settings(max_examples=150, deadline=None)
@given(unions())
def test_unions_match_oracle(case: tuple[int, list[str]]) -> None:
    version, cidrs_ = case
    assert covers_family(nets(*cidrs_), version) is oracle_covers(version, [_range(c) for c in cidrs_])


@pytest.mark.parametrize(
    ("address", "internet"),
    [
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("10.0.0.1", False),
        ("100.64.0.1", False),
        ("100.128.0.1", True),  # just past the shared address space
        ("172.31.255.255", False),
        ("172.32.0.0", True),
        ("192.0.0.9", True),  # globally reachable anycast inside the reserved 192.0.0.0/24
        ("192.0.0.8", False),
        ("192.0.2.1", False),
        ("192.88.99.1", False),
        ("198.19.0.1", False),
        ("223.255.255.255", True),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("2600:1f18::1", True),
        ("2001:db8::1", False),
        ("2001::1", False),  # TEREDO
        ("2001:4:112::1", True),  # AS112-v6: globally reachable
        ("2002::1", False),
        ("3fff::1", False),
        ("3fff:1000::1", True),
        ("fd00::1", False),
        ("::1", False),
        ("64:ff9b::1", False),  # outside 2000::/3: the IPv6 internet is the global unicast space
    ],
)
def test_the_internet_is_pinned(address: str, internet: bool) -> None:
    addr = ipaddress.ip_address(address)
    assert on_internet(ipaddress.ip_network(f"{address}/{addr.max_prefixlen}")) is internet
    assert oracle_covers(addr.version, []) is False  # the oracle is no trivial "yes"
    assert any(lo <= int(addr) <= hi for lo, hi in ORACLE_INTERNET[addr.version]) is internet


def test_on_internet_of_ranges() -> None:
    assert on_internet(ipaddress.ip_network("10.0.0.0/7")) is True  # 11.0.0.0/8 is public
    assert on_internet(ipaddress.ip_network("192.168.0.0/16")) is False
    assert on_internet(ipaddress.ip_network("224.0.0.0/3")) is False
    assert on_internet(ipaddress.ip_network("::/0")) is True


def joined(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges sorted, adjacent ones joined."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo == out[-1][1] + 1:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def test_the_internet_as_built_is_the_oracles() -> None:
    """The blocks the module builds (rebuilt here, not read from its cache) hold exactly the oracle's ranges."""
    from origin_lockdown_judge import world_cidr

    for version in (4, 6):
        built = world_cidr.internet.__wrapped__(version)
        spans = [(int(b.network_address), int(b.broadcast_address)) for b in built]
        assert joined(spans) == joined(ORACLE_INTERNET[version]), version
        assert built == world_cidr.internet(version)


def test_one_missing_address_is_not_the_world() -> None:
    """Ranges one address apart are not joined: everything but 8.8.8.8 is not everyone."""
    blocks = [b for b in internet(4) if not b.overlaps(ipaddress.ip_network("8.8.8.8/32"))]
    [holder] = [b for b in internet(4) if b.overlaps(ipaddress.ip_network("8.8.8.8/32"))]
    blocks += holder.address_exclude(ipaddress.ip_network("8.8.8.8/32"))  # type: ignore[arg-type]
    assert covers_family(blocks, 4) is False
    assert covers_family([*blocks, ipaddress.ip_network("8.8.8.8/32")], 4) is True
    assert len(internet(4)) == 118 and len(internet(6)) == 50 and internet(4) == tuple(sorted(internet(4)))


def test_uncovered_lists_what_a_union_leaves_out() -> None:
    assert uncovered(nets("0.0.0.0/0"), 4) == []
    assert [str(n) for n in uncovered(nets("0.0.0.0/1"), 4)] == ["128.0.0.0/1"]
    assert [str(n) for n in uncovered(nets("0.0.0.0/1", "10.0.0.0/8", "128.0.0.0/2", "192.0.0.0/3"), 4)] == [
        "224.0.0.0/3"
    ]
    assert [str(n) for n in uncovered(nets("2000::/3"), 6)] == ["::/3", "4000::/2", "8000::/1"]
    assert [str(n) for n in uncovered(nets("0.0.0.0/2", "192.0.0.0/2"), 4)] == ["64.0.0.0/2", "128.0.0.0/2"]

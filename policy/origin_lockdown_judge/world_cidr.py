"""Pure logic: does a CIDR span the world, does a protocol/port range reach a port.

Three-valued: ``Tri.YES``, ``Tri.NO`` and ``Tri.MAYBE`` (a value that is not known yet, at preview).
Nothing here knows about Pulumi resources; :mod:`.rules` turns every rule shape into these inputs.
"""

from __future__ import annotations

import bisect
import contextlib
import enum
import ipaddress
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from .values import is_unknown


class Tri(enum.Enum):
    NO = 0
    MAYBE = 1
    YES = 2

    # ``_value_`` is the plain attribute behind ``value`` (a descriptor, many times slower in a hot loop).
    def __and__(self, other: Tri) -> Tri:
        return self if self._value_ <= other._value_ else other

    def __or__(self, other: Tri) -> Tri:
        return self if self._value_ >= other._value_ else other

    @staticmethod
    def any(values: Iterable[Tri]) -> Tri:
        result = Tri.NO
        for v in values:
            result = result | v
            if result is Tri.YES:
                break
        return result


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_cidr(value: str) -> Network | None:
    """The network ``value`` denotes (host bits ignored, as EC2 does), or ``None`` if it is not a CIDR."""
    text = value.strip()
    if not text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


# -- the internet ----------------------------------------------------------------------------------------------
#
# "The world" is every address a packet from the internet can come from: globally routable unicast. Pinned here
# as literal lists, because ``ipaddress``'s ``is_global`` changes between Python versions (3.11.x and 3.12.x
# revised it) and the pack must judge the same stack the same way everywhere.
#
# IPv4: everything but the blocks of IANA's IPv4 Special-Purpose Address Registry that are not globally
# reachable ("Globally Reachable" False, or N/A for the deprecated 6to4 relay anycast block), and multicast
# (https://www.iana.org/assignments/iana-ipv4-special-registry/, RFC 6890 as updated by RFC 8190; multicast:
# https://www.iana.org/assignments/multicast-addresses/, RFC 5771). Blocks the registry marks globally reachable
# inside a reserved one (192.0.0.9 and 192.0.0.10, anycast) stay part of the internet.
SPECIAL_IPV4: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", '"This network" (RFC 791, RFC 1122 3.2.1.3)'),
    ("10.0.0.0/8", "Private-Use (RFC 1918)"),
    ("100.64.0.0/10", "Shared Address Space (RFC 6598)"),
    ("127.0.0.0/8", "Loopback (RFC 1122 3.2.1.3)"),
    ("169.254.0.0/16", "Link Local (RFC 3927)"),
    ("172.16.0.0/12", "Private-Use (RFC 1918)"),
    ("192.0.0.0/24", "IETF Protocol Assignments (RFC 6890 2.1)"),
    ("192.0.2.0/24", "Documentation, TEST-NET-1 (RFC 5737)"),
    ("192.88.99.0/24", "Deprecated 6to4 Relay Anycast (RFC 7526)"),
    ("192.168.0.0/16", "Private-Use (RFC 1918)"),
    ("198.18.0.0/15", "Benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "Documentation, TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "Documentation, TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "Multicast (RFC 5771)"),
    ("240.0.0.0/4", "Reserved (RFC 1112 4), including Limited Broadcast 255.255.255.255/32 (RFC 919, RFC 8190)"),
)
GLOBAL_IN_SPECIAL_IPV4: tuple[tuple[str, str], ...] = (
    ("192.0.0.9/32", "Port Control Protocol Anycast (RFC 7723), globally reachable"),
    ("192.0.0.10/32", "Traversal Using Relays around NAT Anycast (RFC 8155), globally reachable"),
)
# IPv6: the global unicast space 2000::/3 (IANA IPv6 Address Space registry, RFC 4291 2.4: everything else is
# reserved, unique-local, link-local or multicast), but the blocks of IANA's IPv6 Special-Purpose Address
# Registry inside it that are not globally reachable (https://www.iana.org/assignments/iana-ipv6-special-registry/,
# RFC 6890), again keeping the registry's globally reachable blocks inside a reserved one.
GLOBAL_UNICAST_IPV6 = "2000::/3"
SPECIAL_IPV6: tuple[tuple[str, str], ...] = (
    ("2001::/23", "IETF Protocol Assignments (RFC 2928), including TEREDO 2001::/32 (RFC 4380)"),
    ("2001:db8::/32", "Documentation (RFC 3849)"),
    ("2002::/16", "6to4 (RFC 3056)"),
    ("3fff::/20", "Documentation (RFC 9637)"),
)
GLOBAL_IN_SPECIAL_IPV6: tuple[tuple[str, str], ...] = (
    ("2001:1::1/128", "Port Control Protocol Anycast (RFC 7723)"),
    ("2001:1::2/128", "Traversal Using Relays around NAT Anycast (RFC 8155)"),
    ("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast (RFC 9665)"),
    ("2001:3::/32", "AMT (RFC 7450)"),
    ("2001:4:112::/48", "AS112-v6 (RFC 7535)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001:30::/28", "Drone Remote ID Protocol Entity Tags (RFC 9374)"),
)


def _internet(
    space: str, special: tuple[tuple[str, str], ...], exceptions: tuple[tuple[str, str], ...]
) -> tuple[Network, ...]:
    """``space`` without the ``special`` blocks but with the ``exceptions``, as sorted, collapsed CIDR blocks."""
    blocks: list[Network] = [ipaddress.ip_network(space)]
    for cidr, _ in special:
        hole = ipaddress.ip_network(cidr)
        kept: list[Network] = []
        for block in blocks:
            if block.overlaps(hole):
                if hole.subnet_of(block):  # type: ignore[arg-type]
                    kept.extend(block.address_exclude(hole))  # type: ignore[arg-type]
            else:
                kept.append(block)
        blocks = kept
    blocks += [ipaddress.ip_network(cidr) for cidr, _ in exceptions]
    return tuple(ipaddress.collapse_addresses(blocks))  # type: ignore[type-var]


@cache
def internet(version: int) -> tuple[Network, ...]:
    """Every globally routable address of IPv``version``, as sorted, collapsed CIDR blocks (built on first use)."""
    if version == 4:
        return _internet("0.0.0.0/0", SPECIAL_IPV4, GLOBAL_IN_SPECIAL_IPV4)
    return _internet(GLOBAL_UNICAST_IPV6, SPECIAL_IPV6, GLOBAL_IN_SPECIAL_IPV6)


def _spans(networks: Iterable[Network]) -> list[tuple[int, int]]:
    """The address ranges ``networks`` hold, as sorted, merged (first, last) integer pairs (adjacent ones joined)."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted((int(n.network_address), int(n.broadcast_address)) for n in networks):
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


@cache
def _internet_spans(version: int) -> list[tuple[int, int]]:
    return _spans(internet(version))


def _covers(spans: list[tuple[int, int]], version: int) -> bool:
    """Do merged ranges hold every address of the ``version`` internet? Each internet range must lie inside the
    range that holds its first address."""
    firsts = [low for low, _ in spans]
    for low, high in _internet_spans(version):
        i = bisect.bisect_right(firsts, low) - 1
        if i < 0 or spans[i][1] < high:
            return False
    return True


def on_internet(network: Network) -> bool:
    """Does ``network`` hold any globally routable address?"""
    low, high = int(network.network_address), int(network.broadcast_address)
    return any(a <= high and low <= b for a, b in _internet_spans(network.version))


def cidr_spans_world(value: str) -> bool:
    """True when the network holds every internet address of its family (see :func:`internet`).

    Parsed, not compared as text: ``0.0.0.0/0``, ``10.1.2.3/0``, `` 0.0.0.0/0 ``, ``0.0.0.0/0.0.0.0``,
    ``::/0``, ``0::0/0``, ``::/1`` and ``2000::/3`` all do. IPv4-mapped IPv6 ranges (``::ffff:0:0/96``) do
    not: a security group matches IPv4 traffic against IPv4 rules only.
    """
    network = parse_cidr(value)
    return network is not None and _covers(_spans([network]), network.version)


def covers_family(networks: Iterable[Network], version: int) -> bool:
    """Do ``networks`` together hold every internet address of IPv4 (``version`` 4) or IPv6 (6)?

    Security-group rules only ever add, so a packet is admitted when any CIDR of any applicable rule holds
    its source: several CIDRs that together cover the internet are the world, whether or not they also cover
    the special-purpose ranges (``0.0.0.0/5`` + ... without ``10.0.0.0/8`` is still everyone). Collapsed with
    ``ipaddress``, never compared as text.
    """
    same = [n for n in networks if n.version == version]
    return bool(same) and _covers(_spans(same), version)


def uncovered(networks: Iterable[Network], version: int) -> list[Network]:
    """The blocks of IPv``version`` that ``networks`` leave out (collapsed, in order): special-purpose ones only
    when the networks cover the internet. Empty when they cover the whole family."""
    same = [n for n in networks if n.version == version]
    whole = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
    gaps: list[Network] = [whole]
    for n in ipaddress.collapse_addresses(same):  # type: ignore[type-var]
        kept: list[Network] = []
        for gap in gaps:
            if gap.overlaps(n):
                if n.subnet_of(gap):  # type: ignore[arg-type]
                    kept.extend(gap.address_exclude(n))  # type: ignore[arg-type]
            else:
                kept.append(gap)
        gaps = kept
    return sorted(gaps, key=lambda n: int(n.network_address))


def outermost(networks: Sequence[Network]) -> list[int]:
    """Indexes of the networks that no other one of ``networks`` contains (the first of equal ones).

    CIDR blocks are either nested or disjoint, so when a union covers the world its outermost blocks are an
    exact partition of the address space: each is needed, none is redundant. They are what a message shows.
    """
    first: dict[Network, int] = {}
    for i, n in enumerate(networks):
        first.setdefault(n, i)
    keep = []
    for n, i in first.items():
        if not any(n.supernet(new_prefix=p) in first for p in range(n.prefixlen)):
            keep.append(i)
    return sorted(keep)


def cidr_is_world(value: Any) -> Tri:
    if is_unknown(value):
        return Tri.MAYBE
    if isinstance(value, str):
        return Tri.YES if cidr_spans_world(value) else Tri.NO
    return Tri.NO


# Protocol classes. EC2 accepts names or IANA numbers: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html
ALL = "all"
TCP = "tcp"
UDP = "udp"
ICMP = "icmp"
OTHER = "other"
_PROTOCOLS = {
    "-1": ALL,
    "all": ALL,
    "tcp": TCP,
    "6": TCP,
    "udp": UDP,
    "17": UDP,
    "icmp": ICMP,
    "1": ICMP,
    "icmpv6": ICMP,
    "58": ICMP,
}


def protocol_class(value: Any) -> str | None:
    """``all``/``tcp``/``udp``/``icmp``/``other``; ``None`` when unknown. A missing protocol is ``all``."""
    if is_unknown(value):
        return None
    if value is None:
        return ALL
    text = str(value).strip().lower()
    # Any spelling of a whole number ("06", "+6", "-01", 6.0 after a protobuf Struct) is that number: the
    # provider reads protocols with strconv.Atoi (terraform-provider-aws internal/service/ec2 ProtocolForValue).
    with contextlib.suppress(ValueError):  # float() gives inf for 1e400 (no OverflowError); inf is no integer
        number = float(text)
        if number.is_integer():
            text = str(int(number))
    return _PROTOCOLS.get(text, OTHER)


def _port(value: Any) -> int | None:
    """A port bound as a number; ``None`` (every port) for anything that is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return int(float(value.strip()) if isinstance(value, str) else value)
    except (ValueError, OverflowError):  # "x", nan, inf
        return None


def range_hits(from_port: Any, to_port: Any, ports: Iterable[int]) -> Tri:
    """Does the TCP/UDP range ``from_port..to_port`` include one of ``ports``?

    Missing bounds or ``-1`` mean every port (EC2 rejects such a TCP rule at deploy time, so assuming the
    widest reading costs nothing and never misses one); a reversed range is read as its span.
    """
    if is_unknown(from_port) or is_unknown(to_port):
        return Tri.MAYBE
    low, high = _port(from_port), _port(to_port)
    if low is None or high is None or low < 0 or high < 0:
        return Tri.YES
    if low > high:
        low, high = high, low
    return Tri.YES if any(low <= p <= high for p in ports) else Tri.NO


def reaches_ports(protocol: Any, from_port: Any, to_port: Any, ports: Iterable[int], protocols: Iterable[str]) -> Tri:
    """Does a rule with this protocol and range admit traffic to one of ``ports`` over one of ``protocols``?

    ``protocol`` -1/all admits every port whatever the range says (the VPC rule API has no ports for it, the
    EC2 one stores 0-0); ICMP's from/to are a type and a code, never ports.
    """
    kind = protocol_class(protocol)
    if kind is None:
        return Tri.MAYBE
    if kind == ALL:
        return Tri.YES
    if kind not in set(protocols):
        return Tri.NO
    return range_hits(from_port, to_port, ports)


def spans_all_ports(protocol: Any, from_port: Any, to_port: Any, protocols: Iterable[str]) -> Tri:
    """Does a rule admit *every* port of one of ``protocols`` (protocol -1, or a range 0-65535)?"""
    kind = protocol_class(protocol)
    if kind is None:
        return Tri.MAYBE
    if kind == ALL:
        return Tri.YES
    if kind not in set(protocols):
        return Tri.NO
    return range_hits(from_port, to_port, (0,)) & range_hits(from_port, to_port, (65535,))

"""Pure logic: does a CIDR span the world, does a protocol/port range reach a port.

Three-valued: ``Tri.YES``, ``Tri.NO`` and ``Tri.MAYBE`` (a value that is not known yet, at preview).
Nothing here knows about Pulumi resources; :mod:`.rules` turns every rule shape into these inputs.
"""

from __future__ import annotations

import contextlib
import enum
import ipaddress
from collections.abc import Iterable, Sequence
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


def cidr_spans_world(value: str) -> bool:
    """True when the network spans all of IPv4 or all of IPv6, i.e. its prefix is empty.

    Parsed, not compared as text: ``0.0.0.0/0``, ``10.1.2.3/0``, `` 0.0.0.0/0 ``, ``0.0.0.0/0.0.0.0``,
    ``::/0``, ``0::0/0`` and ``0:0:0:0:0:0:0:0/0`` all do. IPv4-mapped IPv6 ranges (``::ffff:0:0/96``) do
    not: a security group matches IPv4 traffic against IPv4 rules only.
    """
    network = parse_cidr(value)
    return network is not None and network.prefixlen == 0


def covers_family(networks: Iterable[Network], version: int) -> bool:
    """Do ``networks`` together cover every address of IPv4 (``version`` 4) or IPv6 (6)?

    Security-group rules only ever add, so a packet is admitted when any CIDR of any applicable rule holds
    its source: several CIDRs that together cover the address space are the world. Collapsed with
    ``ipaddress``, never compared as text.
    """
    same = [n for n in networks if n.version == version]
    if not same:
        return False
    collapsed = list(ipaddress.collapse_addresses(same))  # type: ignore[type-var]
    return len(collapsed) == 1 and collapsed[0].prefixlen == 0


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

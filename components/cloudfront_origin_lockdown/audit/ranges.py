"""CloudFront's published origin-facing ranges, and security groups that copy them by hand.

AWS publishes the addresses CloudFront uses to reach origins in https://ip-ranges.amazonaws.com/ip-ranges.json:
``prefixes[].ip_prefix`` and ``ipv6_prefixes[].ipv6_prefix`` with ``service`` ``CLOUDFRONT_ORIGIN_FACING``
(https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html). The managed prefix lists
``com.amazonaws.global.cloudfront.origin-facing`` and ``com.amazonaws.global.ipv6.cloudfront.origin-facing``
hold the same set and are kept current by AWS
(https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html). A group that
lists those CIDRs itself goes stale as soon as CloudFront adds a range: CloudFront's requests from the new
range time out (the story this project was born from).

Pure: the download is :func:`download`, a thin ``urllib`` shell with a size cap and a timeout.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from origin_lockdown_judge.world_cidr import Network, parse_cidr

IP_RANGES_URL = "https://ip-ranges.amazonaws.com/ip-ranges.json"
SERVICE = "CLOUDFRONT_ORIGIN_FACING"
PREFIX_LIST_NAMES = {
    4: "com.amazonaws.global.cloudfront.origin-facing",
    6: "com.amazonaws.global.ipv6.cloudfront.origin-facing",
}
# ip-ranges.json is about 2 MB today; a cap keeps a wrong URL from filling memory.
MAX_BYTES = 64 * 1024 * 1024


class RangesError(ValueError):
    """The ranges could not be read: the message says from where and why."""


@dataclass(frozen=True)
class CloudFrontRanges:
    """The current origin-facing prefixes per address family, and where they came from."""

    prefixes: Mapping[int, tuple[Network, ...]]  # family (4, 6) -> prefixes; a family absent = not listed
    source: str  # "file PATH", "URL", "prefix list NAME in REGION"
    create_date: str = ""  # ip-ranges.json's createDate

    def families(self) -> list[int]:
        return sorted(v for v, p in self.prefixes.items() if p)

    def containing(self, network: Network) -> Network | None:
        """The CloudFront prefix that holds ``network`` (a CIDR *inside* one of them), if any."""
        for prefix in self.prefixes.get(network.version, ()):
            if network.subnet_of(prefix):  # type: ignore[arg-type]
                return prefix
        return None


def parse_ip_ranges(text: str | bytes, source: str) -> CloudFrontRanges:
    """The CLOUDFRONT_ORIGIN_FACING prefixes of an ip-ranges.json document."""
    try:
        doc = json.loads(text)
    except ValueError as error:
        raise RangesError(f"{source} is not JSON: {error}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("prefixes"), list):
        raise RangesError(f"{source} is not AWS's ip-ranges.json (no 'prefixes' list)")
    found: dict[int, list[Network]] = {4: [], 6: []}
    for key, prop in (("prefixes", "ip_prefix"), ("ipv6_prefixes", "ipv6_prefix")):
        for item in doc.get(key) or []:
            if not isinstance(item, dict) or item.get("service") != SERVICE:
                continue
            network = parse_cidr(str(item.get(prop, "")))
            if network is None:
                raise RangesError(f"{source}: {key} entry {item.get(prop)!r} is not a CIDR")
            found[network.version].append(network)
    if not found[4] and not found[6]:
        raise RangesError(f"{source} lists no {SERVICE} prefix")
    prefixes = {v: _unique(nets) for v, nets in found.items() if nets}
    return CloudFrontRanges(prefixes, source, str(doc.get("createDate", "")))


def from_prefix_list_entries(entries: Mapping[int, Sequence[str]], source: str) -> CloudFrontRanges:
    """The ranges from the managed prefix lists' entries (the fallback when ip-ranges.json is not reachable)."""
    prefixes: dict[int, tuple[Network, ...]] = {}
    for version, cidrs in entries.items():
        nets = [n for n in (parse_cidr(c) for c in cidrs) if n is not None and n.version == version]
        if nets:
            prefixes[version] = _unique(nets)
    if not prefixes:
        raise RangesError(f"{source}: no entries")
    return CloudFrontRanges(prefixes, source)


def _unique(networks: Iterable[Network]) -> tuple[Network, ...]:
    """The prefixes as AWS lists them (each counts), without repeats: ip-ranges.json lists a prefix once per
    region and network border group."""
    return tuple(sorted(set(networks), key=lambda n: (n.version, int(n.network_address), n.prefixlen)))


def _collapsed(networks: Iterable[Network]) -> tuple[Network, ...]:
    return tuple(ipaddress.collapse_addresses(sorted(networks)))  # type: ignore[type-var]


def download(url: str, timeout: float = 20.0) -> bytes:
    """The document at ``url`` (http or https only), at most :data:`MAX_BYTES`."""
    if not url.lower().startswith(("https://", "http://")):
        raise RangesError(f"the ip-ranges URL must be http(s): {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "origin-lockdown-audit"})  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body: bytes = response.read(MAX_BYTES + 1)
    except OSError as error:  # URLError, HTTPError, timeouts, refused connections
        raise RangesError(f"could not download {url}: {error}") from None
    if len(body) > MAX_BYTES:
        raise RangesError(f"{url} is larger than {MAX_BYTES} bytes")
    return body


# -- hand-kept ranges in a group -------------------------------------------------------------------------------


@dataclass
class HardcodedRule:
    """One inline rule (an ``IpPermission``) of a group and the CloudFront CIDRs it lists itself."""

    protocol: str
    from_port: Any
    to_port: Any
    cidrs: list[str] = field(default_factory=list)  # literal CIDRs inside CloudFront's ranges, as written
    via: str = ""  # "" for the group's own CIDRs, else the customer-managed prefix list that holds them


@dataclass
class Hardcoded:
    """What a group copies of CloudFront's ranges, and how far its copy is from the current list."""

    rules: list[HardcodedRule]
    missing: dict[int, int]  # family -> current prefixes the copied CIDRs do not cover (families of the copy)
    families: list[int]  # families the copy holds

    @property
    def cidr_count(self) -> int:
        return sum(len(r.cidrs) for r in self.rules)


def admitted(
    ingress: Sequence[Mapping[str, Any]],
    customer_lists: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    cloudfront_lists: Mapping[str, int] | None = None,
) -> dict[int, list[Network]]:
    """Every network ``ingress`` admits per family: literal CIDRs of any width (a supernet of a prefix covers it),
    customer-managed lists' entries, and a referenced CloudFront list (id -> family) as the whole family."""
    out: dict[int, list[Network]] = {4: [], 6: []}
    for entry in ingress:
        cidrs = [*(entry.get("cidrBlocks") or []), *(entry.get("ipv6CidrBlocks") or [])]
        for pl_id in entry.get("prefixListIds") or []:
            if pl_id in (cloudfront_lists or {}):
                version = (cloudfront_lists or {})[pl_id]
                out[version].append(ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0"))
            elif pl_id in (customer_lists or {}):
                cidrs += list((customer_lists or {})[pl_id][1])
        for cidr in cidrs:
            network = parse_cidr(str(cidr))
            if network is not None:
                out[network.version].append(network)
    return out


def missing_prefixes(ranges: CloudFrontRanges, version: int, covered: Iterable[Network]) -> int:
    """How many of CloudFront's current prefixes of ``version`` no network of ``covered`` holds."""
    mine = _collapsed([n for n in covered if n.version == version])
    return len([p for p in ranges.prefixes.get(version, ()) if not any(p.subnet_of(n) for n in mine)])  # type: ignore[arg-type]


def hardcoded(
    ingress: Sequence[Mapping[str, Any]],
    ranges: CloudFrontRanges,
    customer_lists: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    cloudfront_lists: Mapping[str, int] | None = None,
) -> Hardcoded | None:
    """The CloudFront CIDRs a group's inline ``ingress`` rules list themselves (``None`` if none).

    ``customer_lists``: prefix list id -> (name, entries) for the lists the group references that the
    customer manages (a hand-kept copy in a prefix list is as stale as one in the group). AWS-managed lists
    (the CloudFront ones) are what the group should use, and never count. A CIDR counts when it lies inside
    one of the current prefixes; ``0.0.0.0/0`` and other wider blocks lie inside none.
    """
    customer_lists = customer_lists or {}
    rules: list[HardcodedRule] = []
    covered: dict[int, list[Network]] = {4: [], 6: []}
    for entry in ingress:
        own = HardcodedRule(str(entry.get("protocol")), entry.get("fromPort"), entry.get("toPort"))
        for cidr in [*(entry.get("cidrBlocks") or []), *(entry.get("ipv6CidrBlocks") or [])]:
            network = parse_cidr(str(cidr))
            if network is not None and network.prefixlen > 0 and ranges.containing(network) is not None:
                own.cidrs.append(str(cidr))
                covered[network.version].append(network)
        if own.cidrs:
            rules.append(own)
        for pl_id in entry.get("prefixListIds") or []:
            if pl_id not in customer_lists:
                continue
            name, entries = customer_lists[pl_id]
            via = HardcodedRule(own.protocol, own.from_port, own.to_port, via=f"prefix list {name} ({pl_id})")
            for cidr in entries:
                network = parse_cidr(str(cidr))
                if network is not None and network.prefixlen > 0 and ranges.containing(network) is not None:
                    via.cidrs.append(str(cidr))
                    covered[network.version].append(network)
            if via.cidrs:
                rules.append(via)
    if not rules:
        return None
    families = [v for v in (4, 6) if covered[v]]
    # What the group admits as a whole (supernets, other lists, the CloudFront list itself mid-migration): a
    # prefix any of it holds is not missing.
    whole = admitted(ingress, customer_lists, cloudfront_lists)
    missing = {}
    for version in families:
        if version not in ranges.prefixes:  # the file does not list that family: nothing to compare with
            continue
        missing[version] = missing_prefixes(ranges, version, whole[version])
    return Hardcoded(rules, missing, families)

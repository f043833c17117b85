"""Origins that lead to nothing the scan read: "cannot verify", never a pass.

An origin whose walk reaches no interface was judged on nothing. When its name (or a name its Route 53 records
lead to) is an AWS endpoint name, the name says where the resource is: a load balancer's DNS name carries its
region (``name-id.<region>.elb.amazonaws.com``, ``name-id.elb.<region>.amazonaws.com`` for a network load
balancer), an instance's public name too (``ec2-a-b-c-d.<region>.compute.amazonaws.com``, ``compute-1`` for
us-east-1: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html#vpc-dns-hostnames), and a VPC origin's
endpoint ARN names its region. Such an origin in a region the scan did not read, or one not found where its name
says (another account's, or gone), is a finding of its own (``origin-not-verified``, high): the scan cannot say
it is closed. A name outside AWS's and outside the account's public zones is reported at low severity: what
guards it is beyond any AWS API this account answers.

Pure: reads the converted catalog only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from origin_lockdown_judge.model import Res

# ALB/Classic: [internal-]name-id.<region>.elb.amazonaws.com[.cn]; NLB: name-id.elb.<region>.amazonaws.com[.cn]
_REGION = r"(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)"
_ELB = re.compile(rf"(?:^|\.)(?:{_REGION}\.elb|elb\.{_REGION.replace('region', 'region2')})\.amazonaws\.com(?:\.cn)?$")
_EC2 = re.compile(rf"^ec2-[\d-]+\.(?:compute-1|{_REGION}\.compute)\.amazonaws\.com(?:\.cn)?$")
_ARN = re.compile(r"^arn:[\w-]+:(?:elasticloadbalancing|ec2):(?P<region>[a-z0-9-]+):")
_MAX_HOPS = 16  # CNAME/alias hops followed (Route 53 and resolvers stop far earlier)


@dataclass(frozen=True)
class Lead:
    """Where an origin leads that the scan did not read: the name (or ARN), its kind, and its region if known."""

    name: str
    kind: str  # "load balancer", "EC2 instance", "VPC origin endpoint", "" (not an AWS endpoint name)
    region: str


def aws_endpoint(name: str) -> Lead | None:
    """The AWS endpoint a DNS name or ARN stands for, with its region; None for any other name."""
    value = name.lower().rstrip(".")
    if m := _ARN.match(value):
        return Lead(name, "VPC origin endpoint", m.group("region"))
    if m := _ELB.search(value):
        return Lead(name, "load balancer", m.group("region") or m.group("region2"))
    if m := _EC2.match(value):
        return Lead(name, "EC2 instance", m.group("region") or "us-east-1")
    return None


def names_from(domain: str, records: Iterable[Res]) -> list[str]:
    """``domain`` and every name the account's record sets lead it to (alias targets, CNAME and A values)."""
    values: dict[str, list[str]] = {}
    for rec in records:
        fqdn = str(rec.props.get("fqdn") or rec.props.get("name") or "").lower().rstrip(".")
        targets = [str(v) for v in rec.props.get("records") or []]
        targets += [str(a.get("name", "")) for a in rec.props.get("aliases") or [] if isinstance(a, Mapping)]
        values.setdefault(fqdn, []).extend(t.lower().rstrip(".") for t in targets if t)
    out = [domain.lower().rstrip(".")]
    i = 0
    while i < len(out) and len(out) < _MAX_HOPS:
        for value in values.get(out[i], ()):
            target = value.removeprefix("dualstack.")
            if target not in out:
                out.append(target)
        i += 1
    return out


def lead_of(origin: Mapping[str, Any], vpc_endpoint: str, records: Sequence[Res]) -> Lead:
    """Where an origin that reached nothing leads: the first AWS endpoint on its way, else its last name."""
    if vpc_endpoint:
        return aws_endpoint(vpc_endpoint) or Lead(vpc_endpoint, "VPC origin endpoint", "")
    names = names_from(str(origin.get("domainName", "")), records)
    for name in names:
        found = aws_endpoint(name)
        if found is not None:
            return found
    return Lead(names[-1], "", "")

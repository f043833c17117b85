"""The lockdown's main judgement: no origin interface admits the world (all of IPv4 or of IPv6) on 80/443.

The pack's mandatory policy (``origin-sg-no-world-ingress``) and the audit's ``origin-open-to-world`` check
are this module over a stack's or an account's resources. Whether a group guards a CloudFront origin is a
property of the graph; at preview every unknown is decided explicitly (setting ``unknownValues``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import closed_world
from .findings import Finding, definite_message, group_exposures, maybe_message
from .judge import Exposure
from .model import Res
from .scope import Analysis, analyse, units_in_scope
from .world_cidr import Tri

FIX = (
    "Fix: remove the rule(s) and admit {ports} only from the CloudFront origin-facing managed prefix lists "
    "(com.amazonaws.global.cloudfront.origin-facing and com.amazonaws.global.ipv6.cloudfront.origin-facing, "
    "looked up with aws.ec2.get_managed_prefix_list) or, for a VPC origin, from the CloudFront-VPCOrigins-Service-SG "
    "group, so that only CloudFront can reach the origin."
)
CONSEQUENCE = "Anyone on the internet can reach the origin without going through CloudFront. "
MAYBE_FIX = (
    "Fix: use values known at preview (a literal CIDR, or the CloudFront managed prefix list id from "
    "aws.ec2.get_managed_prefix_list), pass resources' outputs rather than lookups or copied strings so that "
    "their property dependencies are recorded, or set unknownValues to 'allow' to have it checked only once the "
    "values are known."
)


def exposures(a: Analysis, cfg: Mapping[str, Any], ports: Iterable[int | None], served: bool = False) -> list[Exposure]:
    """Every (interface, family, protocol, port) in scope that admits or may admit the world.

    With ``served``, each interface is also judged on the ports its origin is served on (the ports CloudFront
    connects to, the port a load balancer forwards to): a world-open port the origin answers on is a way
    around CloudFront whatever its number.
    """
    protocols = tuple(dict.fromkeys(["tcp", *(cfg.get("protocols") or [])]))  # tcp always; udp if configured
    wanted = tuple(ports)
    out = []
    for unit in units_in_scope(a, cfg):
        unit_ports = wanted + tuple(sorted(p for p in unit.ports if p not in wanted)) if served else wanted
        for version in (4, 6):
            for protocol in protocols:
                for port in unit_ports:
                    found = a.judge.exposure(unit, version, protocol, port)
                    if found is not None:
                        out.append(found)
    return out


def analyze(resources: Iterable[Res] | Analysis, cfg: Mapping[str, Any]) -> list[Finding]:
    """Findings of this policy over ``resources`` with settings ``cfg`` (already merged with defaults)."""
    a = resources if isinstance(resources, Analysis) else analyse(resources)
    ports = tuple(int(p) for p in cfg["ports"])
    deny_unknown = cfg.get("unknownValues", "deny") == "deny"
    fix = FIX.format(ports=" or ".join(str(p) for p in ports))
    findings = []
    for group in group_exposures(a.judge, exposures(a, cfg, ports, served=True)):
        if group[0].certainty is Tri.YES:
            message, urn = definite_message(a.judge, group, CONSEQUENCE + fix)
            findings.append(Finding(message, urn, True))
        elif deny_unknown:
            message, urn = maybe_message(a.judge, group, MAYBE_FIX)
            findings.append(Finding(message, urn, False))
    # What the judge does not model and is connected to an origin fails closed, at preview and at up alike.
    findings += closed_world.findings(a, cfg)
    return findings


__all__ = ["Finding", "analyze", "exposures"]

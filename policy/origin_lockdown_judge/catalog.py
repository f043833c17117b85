"""The closed world: every resource type of the provider modules that can put an origin on the internet.

A *family* is a set of provider modules (the issue's list, plus the services that are front doors of their
own). Every type of a family, as the provider SDKs register it, is in ``provider_types.json`` next to this
file, generated from the installed SDKs by ``python -m tools.provider_types`` (its input and output property
names too, and the legacy type tokens the classes alias). Each family type is, in :mod:`.coverage`,
*modelled* (the judge reads it), on the explicit list of types that *cannot carry an origin's traffic* (with
the reason), or on the list of types that *fail closed* (they can carry it and are not followed). A type the
table does not know (a newer provider) in a family module fails closed too: a resource of it that is
connected to an origin chain is a violation "Cannot verify: <type> <name> is not modelled"
(:mod:`.closed_world`).

Standard library only; the table is read once per process, on first use.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("provider_types.json")

AWS = "aws"
NATIVE = "aws-native"

# Family -> provider -> modules. pulumi-aws's legacy modules (elasticloadbalancingv2, applicationloadbalancing,
# elasticloadbalancing) have no classes left, only aliases; a stack created by an older provider may still use
# their tokens, so they belong to the load balancers' family.
FAMILIES: dict[str, dict[str, tuple[str, ...]]] = {
    "distributions": {AWS: ("cloudfront",), NATIVE: ("cloudfront",)},
    "DNS": {AWS: ("route53",), NATIVE: ("route53",)},
    "load balancers": {
        AWS: ("lb", "alb", "elb", "elasticloadbalancingv2", "applicationloadbalancing", "elasticloadbalancing"),
        NATIVE: ("elasticloadbalancingv2", "elasticloadbalancing"),
    },
    "compute": {AWS: ("autoscaling", "lightsail", "ecs"), NATIVE: ("autoscaling", "ecs")},
    "interfaces and groups": {AWS: ("ec2", "vpc"), NATIVE: ("ec2",)},
    # Not in the list: services whose only purpose is to be another way in to an endpoint.
    "entry points": {AWS: ("globalaccelerator", "verifiedaccess"), NATIVE: ("globalaccelerator",)},
}
# ec2's instance-like types (what launches or describes instances) count as compute, the rest of ec2 as
# interfaces and groups: a type is instance-like when one of these is among its input properties.
LAUNCH_INPUTS = frozenset(
    {
        "ami",
        "imageId",
        "instanceType",
        "launchTemplate",
        "launchTemplateConfig",
        "launchTemplateConfigs",
        "launchTemplateData",
        "launchSpecifications",
        "spotFleetRequestConfigData",
    }
)

_MODULE_FAMILY = {
    (provider, module): family for family, mods in FAMILIES.items() for provider, ms in mods.items() for module in ms
}


def split_token(token: str) -> tuple[str, str] | None:
    """``(provider, module)`` of a type token: ``aws:ec2/instance:Instance`` -> ``("aws", "ec2")``,
    ``aws-native:ec2:Instance`` -> ``("aws-native", "ec2")``; ``None`` for anything else."""
    parts = token.split(":")
    if len(parts) != 3:
        return None
    provider, middle, _ = parts
    return provider, middle.split("/", 1)[0]


def family_of_module(provider: str, module: str, inputs: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The family of a type in ``module`` of ``provider`` with these input properties (``None``: none)."""
    family = _MODULE_FAMILY.get((provider, module))
    if family == "interfaces and groups" and module == "ec2" and LAUNCH_INPUTS & set(inputs):
        return "compute"
    return family


def in_closed_world(token: str) -> bool:
    """Whether ``token`` belongs to a family's module (known to the table or not)."""
    parts = split_token(token)
    return parts is not None and parts in _MODULE_FAMILY


@cache
def table() -> dict[str, Any]:
    """The generated table (read once per process)."""
    with TABLE.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@cache
def aliases() -> dict[str, str]:
    """Legacy token -> the token of the class that aliases it (``aws:alb/...`` stays itself: it is a class)."""
    out: dict[str, str] = {}
    for provider in table()["providers"].values():
        for token, entry in provider["types"].items():
            for alias in entry.get("aliases", ()):
                out.setdefault(alias, token)
    return out


def canonical(token: str) -> str:
    """The token of the class a (possibly legacy) token stands for."""
    return aliases().get(token, token)


def types_of(provider: str) -> dict[str, dict[str, Any]]:
    """Every family type of ``provider`` in the table: token -> {module, family, aliases, inputs, outputs}."""
    types: dict[str, dict[str, Any]] = table()["providers"][provider]["types"]
    return types

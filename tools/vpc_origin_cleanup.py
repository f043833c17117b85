"""Finish destroying a stack that had a CloudFront VPC origin: what CloudFront leaves behind, then try again.

`pulumi destroy` of a VPC-origin stack can stop on what is not the stack's (aws-facts.md, "CloudFront VPC
origins: teardown"):

* ``DeleteVpcOrigin`` answers 409 "currently associated with one or more distributions" for a while after the
  distribution is gone (aws/aws-cdk#35765), and the provider does not retry it;
* CloudFront's network interfaces in the origin's subnets, and its group ``CloudFront-VPCOrigins-Service-SG``,
  outlive the VPC origin; the subnets and the VPC cannot be deleted before they are gone (``DependencyViolation``;
  reported in ekristen/aws-nuke#615).

``python -m tools.vpc_origin_cleanup --stack NAME`` reads what the failed destroy left in the stack's state
(``pulumi stack export``), waits until CloudFront has let go (no distribution associated with the VPC origins
still in the state; none of CloudFront's interfaces left in the stack's own VPC), deletes the service group in that
VPC, and exits 0: then run ``pulumi destroy`` again (``make destroy`` does both). It exits 3 when there is nothing
of CloudFront's to wait for (the destroy stopped for another reason, or was declined) and 4 when CloudFront has not
let go in time.

It never deletes anything of a VPC the stack did not create (``vpcId``): the service group of a VPC you own may
serve your other VPC origins. :func:`next_action` decides from plain facts (unit-tested); :class:`Aws` is the
boto3 shell around it. boto3 (requirements-dev.txt) is needed only here: the module stands alone, for an audit
command or a package extra to reuse.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3

SERVICE_GROUP = "CloudFront-VPCOrigins-Service-SG"
VPC = "aws:ec2/vpc:Vpc"
VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
AWS_PROVIDER = "pulumi:providers:aws"
# CloudFront releases its interfaces within minutes of the VPC origin's deletion; AWS gives no figure. Twice the
# 15 minutes a VPC origin may take to deploy.
TIMEOUT_SECONDS = 30 * 60
POLL_SECONDS = 20

EXIT_RETRY, EXIT_NOTHING, EXIT_TIMEOUT = 0, 3, 4


@dataclass(frozen=True)
class Leftovers:
    """What the stack's state still holds after a failed destroy."""

    region: str | None
    # The VPC the stack created (None: the stack created none, e.g. it used vpcId).
    vpc_id: str | None
    vpc_origin_ids: tuple[str, ...]
    distribution_left: bool


@dataclass(frozen=True)
class Facts:
    """What AWS says now."""

    # VPC origin id -> the distributions associated with it (absent: the VPC origin no longer exists).
    associations: Mapping[str, tuple[str, ...]]
    # CloudFront's service group in the stack's VPC, if there is one.
    service_group_id: str | None
    # The network interfaces that carry the service group (CloudFront's), by id.
    interfaces: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    """``wait``: poll again later; ``delete-group``: delete ``group_id``; ``retry``: run pulumi destroy again;
    ``nothing``: nothing of CloudFront's is in the way."""

    kind: str
    reason: str
    group_id: str | None = None


def leftovers(state: Mapping[str, Any]) -> Leftovers:
    """The part of ``pulumi stack export``'s checkpoint the cleanup needs."""
    resources = (state.get("deployment") or {}).get("resources") or []
    region = None
    vpc_id = None
    vpc_origins: list[str] = []
    distribution = False
    for resource in resources:
        kind = resource.get("type")
        if kind == AWS_PROVIDER and region is None:
            region = (resource.get("outputs") or {}).get("region") or (resource.get("inputs") or {}).get("region")
        elif kind == VPC:
            vpc_id = resource.get("id")
        elif kind == VPC_ORIGIN and resource.get("id"):
            vpc_origins.append(str(resource["id"]))
        elif kind == DISTRIBUTION:
            distribution = True
    return Leftovers(region, vpc_id, tuple(vpc_origins), distribution)


def next_action(stack: Leftovers, facts: Facts) -> Action:
    """What to do about what CloudFront still holds, from what the state and AWS say."""
    if stack.distribution_left:
        return Action(
            "nothing",
            "the stack still has its distribution: the destroy stopped before CloudFront's part (or was declined)",
        )
    busy = {origin: ids for origin, ids in facts.associations.items() if ids}
    if busy:
        origin, ids = sorted(busy.items())[0]
        return Action("wait", f"VPC origin {origin} is still associated with distribution {', '.join(ids)}")
    if any(origin in facts.associations for origin in stack.vpc_origin_ids):
        return Action("retry", "the VPC origins are free now: pulumi destroy can delete them")
    if stack.vpc_origin_ids:
        return Action("retry", "the VPC origins in the state are gone already: pulumi destroy forgets them")
    if stack.vpc_id is None:
        return Action("nothing", "the stack created no VPC: nothing of CloudFront's can be in the way of deleting it")
    if facts.interfaces:
        return Action(
            "wait",
            f"CloudFront still has {len(facts.interfaces)} network interface(s) in {stack.vpc_id} "
            f"({', '.join(facts.interfaces)})",
        )
    if facts.service_group_id is not None:
        return Action("delete-group", f"{SERVICE_GROUP} ({facts.service_group_id}) is unused", facts.service_group_id)
    return Action(
        "nothing", f"nothing of CloudFront's is left in {stack.vpc_id}: the destroy failed for another reason"
    )


class Aws:
    """The AWS calls, through boto3 (AWS_ENDPOINT_URL, e.g. a moto server, is honoured by boto3 itself)."""

    def __init__(self, region: str | None, ec2: Any = None, cloudfront: Any = None) -> None:
        self._session = boto3.session.Session(region_name=region)
        self._ec2 = ec2
        self._cloudfront = cloudfront

    @property
    def ec2(self) -> Any:
        if self._ec2 is None:
            self._ec2 = self._session.client("ec2")
        return self._ec2

    @property
    def cloudfront(self) -> Any:
        """Created only when a VPC origin is left to ask about."""
        if self._cloudfront is None:
            self._cloudfront = self._session.client("cloudfront")
        return self._cloudfront

    def facts(self, stack: Leftovers) -> Facts:
        associations: dict[str, tuple[str, ...]] = {}
        for origin in stack.vpc_origin_ids:
            distributions = self._associated(origin)
            if distributions is not None:
                associations[origin] = distributions
        group_id = None
        interfaces: tuple[str, ...] = ()
        if stack.vpc_id is not None:
            groups = self.ec2.describe_security_groups(
                Filters=[
                    {"Name": "vpc-id", "Values": [stack.vpc_id]},
                    {"Name": "group-name", "Values": [SERVICE_GROUP]},
                ]
            )["SecurityGroups"]
            if groups:
                group_id = groups[0]["GroupId"]
                found = self.ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [group_id]}])
                interfaces = tuple(sorted(i["NetworkInterfaceId"] for i in found["NetworkInterfaces"]))
        return Facts(associations, group_id, interfaces)

    def _associated(self, origin: str) -> tuple[str, ...] | None:
        """The distributions associated with VPC origin ``origin``; None when it no longer exists."""
        try:
            self.cloudfront.get_vpc_origin(Id=origin)
        except self.cloudfront.exceptions.EntityNotFound:
            return None
        ids: list[str] = []
        marker = ""
        while True:
            page = self.cloudfront.list_distributions_by_vpc_origin_id(VpcOriginId=origin, Marker=marker)
            listed = page["DistributionIdList"]
            ids.extend(listed.get("Items") or [])
            if not listed.get("IsTruncated"):
                return tuple(ids)
            marker = listed["NextMarker"]

    def delete_group(self, group_id: str) -> None:
        self.ec2.delete_security_group(GroupId=group_id)


def clean(
    stack: Leftovers,
    aws: Aws,
    say: Callable[[str], None] = print,
    timeout: float = TIMEOUT_SECONDS,
    poll: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Wait for CloudFront, delete its group, and say whether a retry of the destroy can go further."""
    started = clock()
    while True:
        action = next_action(stack, aws.facts(stack))
        if action.kind == "retry":
            say(f"vpc-origin-cleanup: {action.reason}; run pulumi destroy again")
            return EXIT_RETRY
        if action.kind == "nothing":
            say(f"vpc-origin-cleanup: {action.reason}")
            return EXIT_NOTHING
        if action.kind == "delete-group" and action.group_id is not None:
            say(f"vpc-origin-cleanup: deleting {action.reason}; run pulumi destroy again")
            aws.delete_group(action.group_id)
            return EXIT_RETRY
        waited = clock() - started
        if waited >= timeout:
            say(f"vpc-origin-cleanup: gave up after {waited:.0f} s: {action.reason}")
            return EXIT_TIMEOUT
        say(f"vpc-origin-cleanup: waiting ({waited:.0f} s so far): {action.reason}")
        sleep(poll)


def export_state(stack: str) -> dict[str, Any]:
    """The stack's checkpoint, from the backend the Pulumi CLI is logged in to (or PULUMI_BACKEND_URL)."""
    out = subprocess.run(["pulumi", "stack", "export", "--stack", stack], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.vpc_origin_cleanup", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read the stack's state with pulumi stack export")
    source.add_argument("--state", help="a file written by pulumi stack export")
    parser.add_argument("--region", help="the stack's region (default: the AWS provider's in the state)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds to wait for CloudFront")
    options = parser.parse_args(argv)
    if options.state:
        with open(options.state, encoding="utf-8") as handle:
            state = json.load(handle)
    else:
        state = export_state(options.stack)
    stack = leftovers(state)
    return clean(stack, Aws(options.region or stack.region), timeout=options.timeout)


if __name__ == "__main__":
    sys.exit(main())

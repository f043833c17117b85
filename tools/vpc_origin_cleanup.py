"""Finish destroying a stack that had a CloudFront VPC origin: what CloudFront leaves behind, then try again.

`pulumi destroy` of a VPC-origin stack can stop on what is not the stack's (aws-facts.md, "CloudFront VPC
origins: teardown"):

* ``DeleteVpcOrigin`` answers 409 (``CannotDeleteEntityWhileInUse``, "currently associated with one or more
  distributions. Please disassociate the VPC origin from all distributions before updating or deleting": the
  message quoted in aws/aws-cdk#35765, a report about updates) while CloudFront still counts a distribution as
  using it. Nothing documents how long that lasts once the distribution has moved or is gone (its change must reach
  every edge first), ``ListDistributionsByVpcOriginId`` may already list nothing meanwhile, and the provider does
  not retry the 409 (hashicorp/terraform-provider-aws#40905). So the cleanup deletes a VPC origin no distribution
  lists itself, backing off on a 409 (:data:`BACKOFF_SECONDS`, doubling up to :data:`BACKOFF_MAX_SECONDS`, within
  the overall timeout); ``pulumi destroy`` or ``pulumi up`` then finds it gone and forgets it;
* CloudFront's network interfaces in the origin's subnets, and its group ``CloudFront-VPCOrigins-Service-SG``,
  outlive the VPC origin; the subnets and the VPC cannot be deleted before they are gone (``DependencyViolation``;
  reported in ekristen/aws-nuke#615).

``python -m tools.vpc_origin_cleanup --stack NAME`` reads what the failed destroy left in the stack's state
(``pulumi stack export``), waits until CloudFront has let go (no distribution associated with the VPC origins
still in the state, which it then deletes; none of CloudFront's interfaces left in the stack's own VPC), deletes the
service group in that VPC, and exits 0: then run ``pulumi destroy`` again (``make destroy`` does both). It exits 3
when there is nothing of CloudFront's to wait for (the destroy stopped for another reason, or was declined) and 4
when CloudFront has not let go in time.

``--after up`` is the same for a `pulumi up` that stopped at its end, after the distribution moved (a switch that
turns ``vpcOrigin`` off or replaces the VPC origin, README "Changing settings on a running stack"): the VPC origins
in the state that the stack's distribution no longer names are deleted the same way, then it waits until none of
CloudFront's interfaces is left in a subnet of the state that no remaining VPC origin's load balancer or instance
uses (the update deletes those); the service group stays (the new VPC origin uses it). ``make up`` runs it when
`pulumi up` fails and asks again, at most three rounds.

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
# After a 409 on DeleteVpcOrigin: wait this long, then twice as long each time, at most the maximum.
BACKOFF_SECONDS = 20
BACKOFF_MAX_SECONDS = 160
SUBNET = "aws:ec2/subnet:Subnet"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
INSTANCE = "aws:ec2/instance:Instance"

EXIT_RETRY, EXIT_NOTHING, EXIT_TIMEOUT = 0, 3, 4


@dataclass(frozen=True)
class Leftovers:
    """What the stack's state still holds after a failed destroy."""

    region: str | None
    # The VPC the stack created (None: the stack created none, e.g. it used vpcId).
    vpc_id: str | None
    vpc_origin_ids: tuple[str, ...]
    distribution_left: bool
    # --after up: the subnets whose CloudFront interfaces are in the way (of the state, used by no VPC origin left).
    subnet_ids: tuple[str, ...] = ()
    after_up: bool = False


@dataclass(frozen=True)
class Facts:
    """What AWS says now."""

    # VPC origin id -> the distributions associated with it (absent: the VPC origin no longer exists).
    associations: Mapping[str, tuple[str, ...]]
    # CloudFront's service group in the stack's VPC, if there is one.
    service_group_id: str | None
    # The network interfaces that carry the service group (CloudFront's), by id (--after up: in Leftovers.subnet_ids).
    interfaces: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    """``wait``: poll again later; ``delete-origin``: delete VPC origin ``target``; ``delete-group``: delete group
    ``target``; ``retry``: run pulumi destroy (or up) again; ``nothing``: nothing of CloudFront's is in the way."""

    kind: str
    reason: str
    target: str | None = None


def leftovers(state: Mapping[str, Any], after_up: bool = False) -> Leftovers:
    """The part of ``pulumi stack export``'s checkpoint the cleanup needs. ``after_up``: only the VPC origins the
    distribution no longer names, and the subnets no remaining VPC origin's endpoint uses."""
    resources = (state.get("deployment") or {}).get("resources") or []
    region = None
    vpc_id = None
    vpc_origins: list[str] = []
    distribution = False
    named: set[str] = set()
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
            named.update(_vpc_origins_named(resource))
    if not after_up:
        return Leftovers(region, vpc_id, tuple(vpc_origins), distribution)
    orphans = tuple(origin for origin in vpc_origins if origin not in named)
    return Leftovers(region, vpc_id, orphans, False, _subnets_in_the_way(resources, named), after_up=True)


def _vpc_origins_named(distribution: Mapping[str, Any]) -> set[str]:
    found = set()
    for origin in (distribution.get("outputs") or distribution.get("inputs") or {}).get("origins") or []:
        config = (origin or {}).get("vpcOriginConfig") or {}
        if config.get("vpcOriginId"):
            found.add(str(config["vpcOriginId"]))
    return found


def _subnets_in_the_way(resources: Sequence[Mapping[str, Any]], named: set[str]) -> tuple[str, ...]:
    """The state's subnets that no VPC origin the distribution names reaches into (its load balancer's subnets or its
    instance's): CloudFront's interfaces of an old VPC origin there keep the update from deleting them."""
    by_arn = {
        str((r.get("outputs") or {}).get("arn")): r for r in resources if r.get("type") in (LOAD_BALANCER, INSTANCE)
    }
    used: set[str] = set()
    for resource in resources:
        if resource.get("type") != VPC_ORIGIN or resource.get("id") not in named:
            continue
        config = (resource.get("outputs") or resource.get("inputs") or {}).get("vpcOriginEndpointConfig") or {}
        endpoint = by_arn.get(str(config.get("arn")), {})
        outputs = endpoint.get("outputs") or endpoint.get("inputs") or {}
        used.update(str(s) for s in outputs.get("subnets") or [])
        if outputs.get("subnetId"):
            used.add(str(outputs["subnetId"]))
    subnets = (str(r.get("id")) for r in resources if r.get("type") == SUBNET and r.get("id"))
    return tuple(sorted(s for s in subnets if s not in used))


def next_action(stack: Leftovers, facts: Facts) -> Action:
    """What to do about what CloudFront still holds, from what the state and AWS say."""
    if stack.distribution_left:
        return Action(
            "nothing",
            "the stack still has its distribution: the destroy stopped before CloudFront's part (or was declined)",
        )
    command = "pulumi up" if stack.after_up else "pulumi destroy"
    busy = {origin: ids for origin, ids in facts.associations.items() if ids}
    if busy:
        origin, ids = sorted(busy.items())[0]
        return Action("wait", f"VPC origin {origin} is still associated with distribution {', '.join(ids)}")
    free = sorted(origin for origin in stack.vpc_origin_ids if origin in facts.associations)
    if free:
        # No distribution lists it, yet CloudFront may still refuse (409) for a while: delete it here, backing off.
        return Action("delete-origin", f"VPC origin {free[0]} is associated with no distribution", free[0])
    if stack.after_up:
        if facts.interfaces:
            return Action(
                "wait",
                f"CloudFront still has {len(facts.interfaces)} network interface(s) in subnets the update deletes "
                f"({', '.join(facts.interfaces)})",
            )
        if stack.vpc_origin_ids:
            return Action("retry", f"the old VPC origins are gone: {command} forgets them")
        return Action("nothing", "nothing of CloudFront's is in the way of the update: read its error")
    if stack.vpc_origin_ids:
        return Action("retry", f"the VPC origins in the state are gone already: {command} forgets them")
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
                filters = [{"Name": "group-id", "Values": [group_id]}]
                if stack.after_up:
                    filters.append({"Name": "subnet-id", "Values": list(stack.subnet_ids)})
                found = (
                    self.ec2.describe_network_interfaces(Filters=filters)
                    if stack.subnet_ids or not stack.after_up
                    else {"NetworkInterfaces": []}
                )
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

    def delete_vpc_origin(self, origin: str) -> bool:
        """Delete VPC origin ``origin`` (with its current ETag); False when CloudFront answers 409 (still in use)."""
        try:
            etag = self.cloudfront.get_vpc_origin(Id=origin)["ETag"]
            self.cloudfront.delete_vpc_origin(Id=origin, IfMatch=etag)
        except self.cloudfront.exceptions.EntityNotFound:
            return True
        except self.cloudfront.exceptions.CannotDeleteEntityWhileInUse:
            return False
        return True


def clean(
    stack: Leftovers,
    aws: Aws,
    say: Callable[[str], None] = print,
    timeout: float = TIMEOUT_SECONDS,
    poll: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Wait for CloudFront, delete its VPC origins and its group, and say whether a retry can go further."""
    command = "pulumi up" if stack.after_up else "pulumi destroy"
    started = clock()
    backoff = BACKOFF_SECONDS
    while True:
        action = next_action(stack, aws.facts(stack))
        if action.kind == "retry":
            say(f"vpc-origin-cleanup: {action.reason}; run {command} again")
            return EXIT_RETRY
        if action.kind == "nothing":
            say(f"vpc-origin-cleanup: {action.reason}")
            return EXIT_NOTHING
        if action.kind == "delete-group" and action.target is not None:
            say(f"vpc-origin-cleanup: deleting {action.reason}; run {command} again")
            aws.delete_group(action.target)
            return EXIT_RETRY
        pause = poll
        if action.kind == "delete-origin" and action.target is not None:
            if aws.delete_vpc_origin(action.target):
                say(f"vpc-origin-cleanup: deleted {action.reason}")
                continue
            action = Action("wait", f"CloudFront still counts VPC origin {action.target} as in use (409)")
            pause, backoff = backoff, min(backoff * 2, BACKOFF_MAX_SECONDS)
        waited = clock() - started
        if waited >= timeout:
            say(f"vpc-origin-cleanup: gave up after {waited:.0f} s: {action.reason}")
            return EXIT_TIMEOUT
        say(f"vpc-origin-cleanup: waiting ({waited:.0f} s so far): {action.reason}")
        sleep(min(pause, max(timeout - waited, 0)))


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
    parser.add_argument(
        "--after",
        choices=("destroy", "up"),
        default="destroy",
        help="what stopped: pulumi destroy (default), or pulumi up at the end of a switch that left a VPC origin",
    )
    options = parser.parse_args(argv)
    if options.state:
        with open(options.state, encoding="utf-8") as handle:
            state = json.load(handle)
    else:
        state = export_state(options.stack)
    stack = leftovers(state, after_up=options.after == "up")
    return clean(stack, Aws(options.region or stack.region), timeout=options.timeout)


if __name__ == "__main__":
    sys.exit(main())

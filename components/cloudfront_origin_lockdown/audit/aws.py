"""The audit's only contact with AWS: read-only calls through boto3, their answers kept in an :class:`Inventory`.

Credentials, region and endpoint are boto3's own (the default chain, ``AWS_REGION``/``AWS_DEFAULT_REGION``,
``AWS_ENDPOINT_URL``). Every call is a Describe, Get or List of :data:`.iam.ACTIONS`; the tests record the calls
and hold them to that list (README: "Audit an existing account", the IAM policy).

What is read, and why only that:

1. the account (STS), the regions (``--regions all``: EC2 DescribeRegions), every distribution (CloudFront is
   global), the VPC origins they use, and the public hosted zones whose names lead from an origin's domain
   (followed through CNAME and alias values, zone by zone);
2. per region: load balancers (both APIs), instances, Elastic IPs, the interfaces Elastic IPs sit on, every
   security group, and the CloudFront prefix lists' ids;
3. for the load balancers an origin leads to (the judge's walk over 1-2): listeners, rules, target groups,
   their targets, and the WAF web ACL;
4. for the groups on the interfaces an origin leads to: the prefix lists they reference, with their entries.

Private hosted zones are not read: CloudFront resolves an origin's name in public DNS, where a private zone
does not answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from .checks import walk_origins
from .convert import LB, SG, route53_name, to_catalog, zone_id
from .iam import ACTION_OF_OPERATION
from .inventory import Inventory, Json, RegionData
from .ranges import PREFIX_LIST_NAMES, CloudFrontRanges, RangesError, from_prefix_list_entries

Progress = Callable[[str], None]

# Standard retries with client-side rate limiting: large accounts throttle Describe calls.
BOTO_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=10, read_timeout=60)
GLOBAL_REGION = "us-east-1"  # CloudFront's and Route 53's API endpoint region in the aws partition
ACCESS_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthFailure"}
)
# Interface types AWS manages for a load balancer: the load balancer stands for them in the model.
_LB_INTERFACES = frozenset({"network_load_balancer", "gateway_load_balancer", "load_balancer"})


class AwsError(Exception):
    """An AWS call failed; ``action`` names the IAM action (``ec2:DescribeInstances``) when it is known."""

    def __init__(self, message: str, action: str = "", denied: bool = False) -> None:
        super().__init__(message)
        self.action = action
        self.denied = denied


def iam_action(operation: Any) -> str:
    """``elasticloadbalancing:DescribeLoadBalancers`` for a botocore operation model (its signing prefix)."""
    service = operation.service_model
    prefix = service.signing_name or service.endpoint_prefix
    return f"{prefix}:{operation.name}"


class Session:
    """boto3's session with one client per (service, region), and every call's IAM action recorded."""

    def __init__(self, session: Any = None) -> None:
        self.boto = session or boto3.session.Session()
        self.calls: list[str] = []
        self._clients: dict[tuple[str, str], Any] = {}

    @property
    def region(self) -> str | None:
        region: str | None = self.boto.region_name
        return region

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            client = self.boto.client(service, region_name=region, config=BOTO_CONFIG)
            client.meta.events.register("before-call", self._record)
            self._clients[key] = client
        return self._clients[key]

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(iam_action(model))


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Json]:
    """Every item under ``key`` of an operation's answers, through all of its pages."""
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key) or []
    else:
        yield from getattr(client, operation)(**kwargs).get(key) or []


def _call(client: Any, operation: str, **kwargs: Any) -> Json:
    answer: Json = getattr(client, operation)(**kwargs)
    return answer


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Collector:
    """Fills an :class:`Inventory` for one account and a set of regions."""

    last: Inventory | None = None  # the last inventory any collector read (tests render it again)

    def __init__(self, session: Session, progress: Progress | None = None) -> None:
        self.s = session
        self.progress = progress or (lambda _: None)

    # -- entry point ---------------------------------------------------------------------------------------------

    def collect(self, regions: list[str] | None) -> Inventory:
        """``regions`` None: every region enabled for the account (``--regions all``)."""
        try:
            inv = self._collect(regions)
            Collector.last = inv
            return inv
        except ClientError as error:
            raise _aws_error(error) from None
        except NoCredentialsError:
            raise AwsError("no AWS credentials: boto3 found none (environment, profile, SSO, instance role)") from None
        except NoRegionError:
            raise AwsError("no AWS region: set AWS_REGION or pass --regions") from None
        except BotoCoreError as error:
            raise AwsError(f"AWS could not be reached: {error}") from None

    def _collect(self, regions: list[str] | None) -> Inventory:
        home = self.s.region or GLOBAL_REGION
        identity = _call(self.s.client("sts", home), "get_caller_identity")
        arn = str(identity.get("Arn", "arn:aws:"))
        inv = Inventory(account=str(identity.get("Account", "")), partition=arn.split(":")[1] or "aws")
        if regions is None:
            ec2 = self.s.client("ec2", home)
            regions = sorted(r["RegionName"] for r in _call(ec2, "describe_regions").get("Regions", []))
        inv.regions = list(regions)
        self._global(inv)
        for region in inv.regions:
            self._regional(inv, region)
        # Load balancers lead to more load balancers (an ALB registered as a network load balancer's target) and
        # to interfaces read only then (a task's, by its IP target): walk again until nothing new is reached.
        read_lbs: set[str] = set()
        while True:
            origin_lbs = _origin_load_balancers(inv) - read_lbs
            if not origin_lbs:
                break
            read_lbs |= origin_lbs
            for region in inv.regions:
                self._balancers(inv, region, origin_lbs)
        wanted = _origin_prefix_lists(inv)
        for region in inv.regions:
            self._prefix_lists(inv, region, wanted.get(region, set()))
        return inv

    # -- 1. global -----------------------------------------------------------------------------------------------

    def _global(self, inv: Inventory) -> None:
        cloudfront = self.s.client("cloudfront", GLOBAL_REGION)
        inv.distributions = [
            dist
            for page in cloudfront.get_paginator("list_distributions").paginate()
            for dist in (page.get("DistributionList") or {}).get("Items") or []
        ]
        self.progress(f"{len(inv.distributions)} distribution(s) in account {inv.account}")
        vpc_origin_ids = sorted(
            {
                str((o.get("VpcOriginConfig") or {}).get("VpcOriginId"))
                for d in inv.distributions
                for o in (d.get("Origins") or {}).get("Items") or []
                if (o.get("VpcOriginConfig") or {}).get("VpcOriginId")
            }
        )
        for vid in vpc_origin_ids:
            inv.vpc_origins.append(_call(cloudfront, "get_vpc_origin", Id=vid)["VpcOrigin"])
        self._zones(inv)

    def _zones(self, inv: Inventory) -> None:
        """Public zones that can answer for an origin's name, followed through CNAME and alias values."""
        route53 = self.s.client("route53", GLOBAL_REGION)
        names = [
            str(o.get("DomainName", "")).lower().rstrip(".")
            for d in inv.distributions
            for o in (d.get("Origins") or {}).get("Items") or []
        ]
        if not names:
            return
        zones = [
            z
            for z in _pages(route53, "list_hosted_zones", "HostedZones")
            if not (z.get("Config") or {}).get("PrivateZone")
        ]
        by_name: dict[str, list[Json]] = {}
        for z in zones:
            by_name.setdefault(route53_name(z.get("Name", "")).lower(), []).append(z)
        seen_names: set[str] = set()
        read: set[str] = set()
        queue = list(names)
        while queue:
            name = queue.pop()
            if name in seen_names or not name:
                continue
            seen_names.add(name)
            labels = name.split(".")
            for i in range(len(labels)):
                for zone in by_name.get(".".join(labels[i:]), []):
                    zid = zone_id(zone["Id"])
                    if zid in read:
                        continue
                    read.add(zid)
                    inv.zones.append(zone)
                    records = list(_pages(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zid))
                    inv.record_sets[zid] = records
                    for rs in records:
                        alias = rs.get("AliasTarget") or {}
                        if alias.get("DNSName"):
                            queue.append(route53_name(alias["DNSName"]).lower())
                        if rs.get("Type") == "CNAME":
                            values = rs.get("ResourceRecords") or []
                            queue.extend(route53_name(r.get("Value", "")).lower() for r in values)
        if inv.zones:
            self.progress(f"{len(inv.zones)} public hosted zone(s) on the origins' names")

    # -- 2. per region ------------------------------------------------------------------------------------------

    def _regional(self, inv: Inventory, region: str) -> None:
        data = inv.region(region)
        ec2 = self.s.client("ec2", region)
        elbv2 = self.s.client("elbv2", region)
        elb = self.s.client("elb", region)
        data.load_balancers = list(_pages(elbv2, "describe_load_balancers", "LoadBalancers"))
        data.classic_load_balancers = list(_pages(elb, "describe_load_balancers", "LoadBalancerDescriptions"))
        data.instances = [
            inst
            for reservation in _pages(ec2, "describe_instances", "Reservations")
            for inst in reservation.get("Instances") or []
        ]
        data.addresses = list(_call(ec2, "describe_addresses").get("Addresses") or [])
        instance_enis = {e["NetworkInterfaceId"] for i in data.instances for e in i.get("NetworkInterfaces") or []}
        loose = sorted(
            {
                a["NetworkInterfaceId"]
                for a in data.addresses
                if a.get("NetworkInterfaceId") and a["NetworkInterfaceId"] not in instance_enis
            }
        )
        for chunk in _chunks(loose, 200):
            data.network_interfaces += [
                eni
                for eni in _pages(ec2, "describe_network_interfaces", "NetworkInterfaces", NetworkInterfaceIds=chunk)
                if eni.get("InterfaceType") not in _LB_INTERFACES
            ]
        data.security_groups = list(_pages(ec2, "describe_security_groups", "SecurityGroups"))
        data.prefix_lists = list(
            _pages(
                ec2,
                "describe_managed_prefix_lists",
                "PrefixLists",
                Filters=[{"Name": "prefix-list-name", "Values": list(PREFIX_LIST_NAMES.values())}],
            )
        )
        self.progress(
            f"{region}: {len(data.load_balancers)} load balancer(s), {len(data.classic_load_balancers)} classic, "
            f"{len(data.instances)} instance(s), {len(data.addresses)} address(es), "
            f"{len(data.security_groups)} security group(s)"
        )

    # -- 3. the origin load balancers ---------------------------------------------------------------------------

    def _balancers(self, inv: Inventory, region: str, origin_lbs: set[str]) -> None:
        data = inv.region(region)
        mine = [lb for lb in data.load_balancers if lb["LoadBalancerArn"] in origin_lbs]
        if not mine:
            return
        elbv2 = self.s.client("elbv2", region)
        wafv2 = self.s.client("wafv2", region)
        for lb in mine:
            arn = lb["LoadBalancerArn"]
            listeners = list(_pages(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn))
            data.listeners += listeners
            for listener in listeners:
                for rule in _pages(elbv2, "describe_rules", "Rules", ListenerArn=listener["ListenerArn"]):
                    data.rules.append({**rule, "ListenerArn": listener["ListenerArn"]})
            network = lb.get("Type") == "network"
            for tg in _target_groups(elbv2, arn):
                tg_arn = tg["TargetGroupArn"]
                if all(t["TargetGroupArn"] != tg_arn for t in data.target_groups):
                    data.target_groups.append(tg)
                    health = _call(elbv2, "describe_target_health", TargetGroupArn=tg_arn)
                    data.target_health[tg_arn] = list(health.get("TargetHealthDescriptions") or [])
                if network and tg_arn not in data.target_group_attributes:
                    # Whether targets see clients' addresses (preserve_client_ip.enabled): decisive for a network
                    # load balancer without security groups (origin_lockdown_judge.origins.preservation_off).
                    answer = _call(elbv2, "describe_target_group_attributes", TargetGroupArn=tg_arn)
                    data.target_group_attributes[tg_arn] = {
                        str(a.get("Key")): str(a.get("Value")) for a in answer.get("Attributes") or []
                    }
            if lb.get("Type", "application") == "application":
                data.web_acls[arn] = _web_acl(wafv2, arn)
        self._target_interfaces(data, ec2=self.s.client("ec2", region))
        self.progress(f"{region}: listeners, rules and targets of {len(mine)} origin load balancer(s)")

    def _target_interfaces(self, data: RegionData, ec2: Any) -> None:
        """The interfaces behind IP targets (an ECS/Fargate task's, a Lambda's, another VPC's): DescribeInstances
        shows only instances' interfaces, so an IP target would otherwise lead to nothing and be judged by
        nothing."""
        known = {e["NetworkInterfaceId"] for i in data.instances for e in i.get("NetworkInterfaces") or []}
        known |= {e["NetworkInterfaceId"] for e in data.network_interfaces}
        known_ips = {
            str(p.get("PrivateIpAddress"))
            for i in data.instances
            for e in i.get("NetworkInterfaces") or []
            for p in e.get("PrivateIpAddresses") or []
        } | {str(p.get("PrivateIpAddress")) for e in data.network_interfaces for p in e.get("PrivateIpAddresses") or []}
        ip_groups = {str(tg["TargetGroupArn"]) for tg in data.target_groups if tg.get("TargetType") == "ip"}
        wanted = sorted(
            {
                str((item.get("Target") or {}).get("Id"))
                for arn, items in data.target_health.items()
                if arn in ip_groups
                for item in items
                if (item.get("Target") or {}).get("Id")
            }
            - known_ips
        )
        for chunk in _chunks(wanted, 200):
            filters = [{"Name": "addresses.private-ip-address", "Values": chunk}]
            for eni in _pages(ec2, "describe_network_interfaces", "NetworkInterfaces", Filters=filters):
                if eni["NetworkInterfaceId"] not in known and eni.get("InterfaceType") not in _LB_INTERFACES:
                    known.add(eni["NetworkInterfaceId"])
                    data.network_interfaces.append(eni)

    # -- 4. prefix lists of origin groups ----------------------------------------------------------------------

    def _prefix_lists(self, inv: Inventory, region: str, wanted: set[str]) -> None:
        data = inv.region(region)
        ec2 = self.s.client("ec2", region)
        have = {pl["PrefixListId"] for pl in data.prefix_lists}
        missing = sorted(wanted - have)
        for chunk in _chunks(missing, 100):
            data.prefix_lists += list(_pages(ec2, "describe_managed_prefix_lists", "PrefixLists", PrefixListIds=chunk))
        for pl in data.prefix_lists:
            if pl["PrefixListId"] in wanted and "Entries" not in pl:
                pl["Entries"] = list(
                    _pages(ec2, "get_managed_prefix_list_entries", "Entries", PrefixListId=pl["PrefixListId"])
                )

    # -- the fallback for CloudFront's ranges ------------------------------------------------------------------

    def cloudfront_ranges(self, inv: Inventory) -> CloudFrontRanges:
        """CloudFront's ranges from the managed prefix lists' entries (when ip-ranges.json cannot be had)."""
        try:
            return self._cloudfront_ranges(inv)
        except ClientError as error:
            raise _aws_error(error) from None

    def _cloudfront_ranges(self, inv: Inventory) -> CloudFrontRanges:
        for region in inv.regions:
            data = inv.region(region)
            ec2 = self.s.client("ec2", region)
            entries: dict[int, list[str]] = {}
            for pl in data.prefix_lists:
                version = next((v for v, n in PREFIX_LIST_NAMES.items() if pl.get("PrefixListName") == n), None)
                if version is None:
                    continue
                if "Entries" not in pl:
                    pl["Entries"] = list(
                        _pages(ec2, "get_managed_prefix_list_entries", "Entries", PrefixListId=pl["PrefixListId"])
                    )
                entries[version] = [str(e.get("Cidr", "")) for e in pl["Entries"]]
            if entries:
                names = " and ".join(PREFIX_LIST_NAMES[v] for v in sorted(entries))
                try:
                    ranges = from_prefix_list_entries(entries, f"the managed prefix list(s) {names} in {region}")
                except RangesError:
                    continue
                self.progress(f"CloudFront's ranges: {ranges.source}")
                return ranges
        raise AwsError(
            "cannot check hand-kept CloudFront ranges: ip-ranges.json could not be had (--cloudfront-ranges FILE "
            "reads a saved copy) and no region scanned has the CloudFront managed prefix lists"
        )


def _target_groups(elbv2: Any, lb_arn: str) -> list[Json]:
    """A load balancer's target groups; none is an answer, not an error (some endpoints say TargetGroupNotFound)."""
    try:
        return list(_pages(elbv2, "describe_target_groups", "TargetGroups", LoadBalancerArn=lb_arn))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "TargetGroupNotFound":
            return []
        raise


def _web_acl(wafv2: Any, arn: str) -> Json | None:
    try:
        answer = _call(wafv2, "get_web_acl_for_resource", ResourceArn=arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "WAFNonexistentItemException":
            return None
        raise
    acl: Json | None = answer.get("WebACL")
    return acl or None


def _origin_load_balancers(inv: Inventory) -> set[str]:
    """ARNs of the load balancers (v2) some origin leads to, by the judge's walk over what is read so far."""
    units = walk_origins(to_catalog(inv, probe=True))
    return {str(u.iface.res.props.get("arn")) for u in units if u.iface.res is not None and u.iface.res.type == LB}


def _origin_prefix_lists(inv: Inventory) -> dict[str, set[str]]:
    """Region -> the prefix lists referenced by the groups on the interfaces some origin leads to."""
    catalog = to_catalog(inv)
    out: dict[str, set[str]] = {}
    seen: set[str] = set()
    for unit in walk_origins(catalog):
        for key in unit.iface.membership.members:
            ref = catalog.refs.get(key)
            if ref is None or key in seen or catalog.by_urn[key].type != SG:
                continue
            seen.add(key)
            for entry in catalog.by_urn[key].props.get("ingress") or []:
                out.setdefault(ref.region, set()).update(entry.get("prefixListIds") or [])
    return out


def _aws_error(error: ClientError) -> AwsError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    message = str(error.response.get("Error", {}).get("Message", ""))
    operation = getattr(error, "operation_name", "") or ""
    action = ACTION_OF_OPERATION.get(operation, operation)
    if code in ACCESS_DENIED:
        return AwsError(
            f"AccessDenied: the audit needs {action} "
            f"(README, 'Audit an existing account', lists the IAM policy): {message}",
            action,
            denied=True,
        )
    return AwsError(f"{action or 'AWS'} failed: {code}: {message}", action)

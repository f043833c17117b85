"""Other shapes of the same thing, read in pulumi-aws's words: one judge for every spelling of a resource.

aws-native (CloudFormation's property names), and pulumi-aws types that describe what another type describes
(a task set is a service's tasks, a fleet is a group of instances), are given the property names of the
pulumi-aws type the judge already reads; the type token, URN and name stay the resource's own, so messages name
it as written. Values are kept as they are (unknown markers included) and property dependencies follow the
properties they were recorded for. Nothing is converted that the judge does not read: the resource's other
properties are still there, underneath (:class:`Overlay`).

* ``aws-native:ec2:NetworkInterface``: ``groupSet`` -> ``securityGroups``, ``privateIpAddress`` /
  ``primaryPrivateIpAddress`` -> ``privateIp``, ``ipv6Addresses[].ipv6Address`` -> ``ipv6Addresses``.
* ``aws-native:ec2:Instance``: ``networkInterfaces[].privateIpAddresses[]`` (not primary) -> ``secondaryPrivateIps``.
* ``aws-native:ec2:LaunchTemplate``: ``launchTemplateData.{networkInterfaces[].groups, securityGroupIds,
  securityGroups}`` -> ``networkInterfaces[].securityGroups``, ``vpcSecurityGroupIds``, ``securityGroupNames``.
* ``aws-native:autoscaling:AutoScalingGroup`` / ``LaunchConfiguration``: ``vpcZoneIdentifier``,
  ``launchConfigurationName``, ``loadBalancerNames``, ``autoScalingGroupName`` -> pulumi-aws's names.
* ``aws-native:ecs:Service`` / ``TaskSet``, ``aws:ecs/taskSet:TaskSet``: ``networkConfiguration
  .awsvpcConfiguration`` -> ``networkConfiguration``; ``loadBalancers[].loadBalancerName`` -> ``elbName``.
* Fleets (``aws:ec2/spotFleetRequest``, ``aws:ec2/fleet``, ``aws-native:ec2:SpotFleet``, ``Ec2Fleet``): an
  Auto Scaling group's shape, plus ``launchTemplates`` (every template they launch from) and
  ``launchSpecifications`` (instances described inline).
* ``aws-native:elasticloadbalancing:LoadBalancer`` (Classic): ``loadBalancerName`` -> ``name``, ``scheme`` ->
  ``internal``, ``listeners[].loadBalancerPort`` -> ``lbPort``.
* ``aws-native:ec2:Vpc``: ``defaultSecurityGroup`` -> ``defaultSecurityGroupId`` (the default group AWS creates
  with every VPC, which a rule or an interface may name by its id).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import kinds as k
from .model import Res
from .values import UNKNOWN, as_list, get, is_unknown

Shape = tuple[dict[str, Any], dict[str, tuple[str, ...]]]  # (properties to add, dependencies to add)


def _each(value: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn`` over a list property's items; an unknown list stays unknown, an absent one absent."""
    items = as_list(value)
    if items is None:
        return value
    return [fn(item) if isinstance(item, dict) else item for item in items]


def _strings_of(value: Any, key: str) -> Any:
    """``[{key: v}, ...]`` -> ``[v, ...]`` (aws-native's lists of objects where pulumi-aws has strings)."""
    return _each(value, lambda item: item.get(key))


def _deps(res: Res, sources: tuple[str, ...], *targets: str) -> dict[str, tuple[str, ...]]:
    urns = res.dep(*sources)
    return dict.fromkeys(targets, urns) if urns else {}


def _native_eni(res: Res) -> Shape:
    p = res.props
    private = p.get("primaryPrivateIpAddress") or p.get("privateIpAddress")
    addresses = _strings_of(p.get("ipv6Addresses"), "ipv6Address")
    primary6 = p.get("primaryIpv6Address")
    if isinstance(addresses, list) and isinstance(primary6, str) and primary6 and primary6 not in addresses:
        addresses = [*addresses, primary6]
    privates = [private] if private else []
    privates += [get(x, "privateIpAddress") for x in as_list(p.get("privateIpAddresses")) or []]
    privates += [x for x in as_list(p.get("secondaryPrivateIpAddresses")) or [] if isinstance(x, str)]
    props = {"securityGroups": p.get("groupSet"), "privateIp": private, "privateIps": privates}
    props["ipv6Addresses"] = addresses  # its dependencies are recorded under the same name already
    return props, _deps(res, ("groupSet",), "securityGroups")


def _native_instance(res: Res) -> Shape:
    """aws-native's instance: the addresses of its launch interfaces besides the primary one (an IP target group
    may register any of them) -> ``secondaryPrivateIps``."""
    secondary: list[Any] = []
    for nic in as_list(res.props.get("networkInterfaces")) or []:
        for item in as_list(get(nic, "privateIpAddresses")) or []:
            if not get(item, "primary"):
                secondary.append(get(item, "privateIpAddress"))
    return {"secondaryPrivateIps": [a for a in secondary if a is not None] or None}, {}


def _template_nic(nic: dict[str, Any]) -> dict[str, Any]:
    out = dict(nic)
    out["securityGroups"] = nic.get("groups")
    out["ipv6Addresses"] = _strings_of(nic.get("ipv6Addresses"), "ipv6Address")
    return out


def _native_launch_template(res: Res) -> Shape:
    data = res.props.get("launchTemplateData")  # ``get`` reads through a value not known yet as not known
    props: dict[str, Any] = {
        "networkInterfaces": _each(get(data, "networkInterfaces"), _template_nic),
        "vpcSecurityGroupIds": get(data, "securityGroupIds"),
        "securityGroupNames": get(data, "securityGroups"),
        "name": res.props.get("launchTemplateName"),
    }
    if res.props.get("id") is None:
        props["id"] = res.props.get("launchTemplateId")
    deps = _deps(res, ("launchTemplateData",), "networkInterfaces", "vpcSecurityGroupIds", "securityGroupNames")
    return props, deps


def _native_launch_configuration(res: Res) -> Shape:
    return {"name": res.props.get("launchConfigurationName")}, {}


def _native_asg(res: Res) -> Shape:
    p = res.props
    props = {
        "name": p.get("autoScalingGroupName"),
        "arn": p.get("autoScalingGroupArn"),
        "vpcZoneIdentifiers": p.get("vpcZoneIdentifier"),
        "launchConfiguration": p.get("launchConfigurationName"),
        "loadBalancers": p.get("loadBalancerNames"),
    }
    deps = {
        **_deps(res, ("vpcZoneIdentifier",), "vpcZoneIdentifiers"),
        **_deps(res, ("launchConfigurationName",), "launchConfiguration"),
        **_deps(res, ("loadBalancerNames",), "loadBalancers"),
    }
    return props, deps


def _ecs_balancer(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "elbName": item.get("loadBalancerName")}


def _ecs(res: Res) -> Shape:
    config = res.props.get("networkConfiguration")
    vpc = get(config, "awsvpcConfiguration")
    if isinstance(vpc, dict):  # aws-native: {awsvpcConfiguration: {subnets, securityGroups, assignPublicIp}}
        public = vpc.get("assignPublicIp")
        config = {**vpc, "assignPublicIp": public if is_unknown(public) else str(public).upper() == "ENABLED"}
    elif is_unknown(vpc):
        config = UNKNOWN
    return {"networkConfiguration": config, "loadBalancers": _each(res.props.get("loadBalancers"), _ecs_balancer)}, {}


def _template_spec(spec: Any) -> dict[str, Any]:
    return {
        "id": get(spec, "id") or get(spec, "launchTemplateId"),
        "name": get(spec, "name") or get(spec, "launchTemplateName"),
    }


def _fleet(res: Res) -> Shape:
    """Every fleet shape as an Auto Scaling group's: subnets, templates, inline specifications, balancers."""
    p = res.props
    native_spot = res.type == k.SPOT_FLEET_NATIVE
    config = p.get("spotFleetRequestConfigData") if native_spot else p
    template_key = "launchTemplateConfig" if res.type == k.FLEET_AWS else "launchTemplateConfigs"
    templates, subnets, specs = [], [], []
    template_configs = as_list(get(config, template_key))
    for item in template_configs or []:
        templates.append(_template_spec(get(item, "launchTemplateSpecification")))
        subnets += [get(o, "subnetId") for o in as_list(get(item, "overrides")) or []]
    launch_specs = as_list(get(config, "launchSpecifications"))
    for spec in launch_specs or []:
        nics = [_template_nic(n) for n in as_list(get(spec, "networkInterfaces")) or [] if isinstance(n, dict)]
        if native_spot:  # CloudFormation's [{groupId}], pulumi-aws's vpcSecurityGroupIds
            groups = _strings_of(get(spec, "securityGroups"), "groupId")
        else:
            groups = get(spec, "vpcSecurityGroupIds")
        subnets.append(get(spec, "subnetId"))
        specs.append({**(spec if isinstance(spec, dict) else {}), "securityGroups": groups, "networkInterfaces": nics})
    unknown = template_configs is None or launch_specs is None
    props = {
        "vpcZoneIdentifiers": UNKNOWN if unknown else [s for s in subnets if s],
        "launchTemplates": UNKNOWN if template_configs is None else templates,
        "launchSpecifications": UNKNOWN if launch_specs is None else specs,
    }
    if not native_spot:  # pulumi-aws's targetGroupArns and loadBalancers already have the Auto Scaling group's names
        sources = (template_key, "launchSpecifications")
        return props, _deps(res, sources, "vpcZoneIdentifiers", "launchTemplates", "launchSpecifications")
    balancers = get(config, "loadBalancersConfig")
    props["targetGroupArns"] = _strings_of(get(balancers, "targetGroupsConfig", "targetGroups"), "arn")
    props["loadBalancers"] = _strings_of(get(balancers, "classicLoadBalancersConfig", "classicLoadBalancers"), "name")
    targets = ("vpcZoneIdentifiers", "launchTemplates", "launchSpecifications", "targetGroupArns", "loadBalancers")
    return props, _deps(res, ("spotFleetRequestConfigData",), *targets)


def _native_classic(res: Res) -> Shape:
    p = res.props
    scheme = p.get("scheme")
    listeners = _each(p.get("listeners"), lambda item: {**item, "lbPort": item.get("loadBalancerPort")})
    internal = scheme if is_unknown(scheme) else str(scheme).lower() == "internal"
    return {"name": p.get("loadBalancerName"), "internal": internal, "listeners": listeners}, {}


def _container_service(res: Res) -> Shape:
    """The host of a Lightsail container service's public ``url`` (``https://<host>/``): the name an origin uses."""
    url = res.props.get("url")
    if not isinstance(url, str) or is_unknown(url):
        return {"dnsName": url}, _deps(res, ("url",), "dnsName")
    return {"dnsName": url.split("://", 1)[-1].partition("/")[0]}, {}


def _native_vpc(res: Res) -> Shape:
    return {"defaultSecurityGroupId": res.props.get("defaultSecurityGroup")}, {}


_SHAPES: dict[str, Callable[[Res], Shape]] = {
    k.ENI_NATIVE: _native_eni,
    k.INSTANCE_NATIVE: _native_instance,
    k.LAUNCH_TEMPLATE_NATIVE: _native_launch_template,
    k.LAUNCH_CONFIGURATION_NATIVE: _native_launch_configuration,
    k.ASG_NATIVE: _native_asg,
    **dict.fromkeys(k.ECS_SERVICE_TYPES - {k.ECS_SERVICE}, _ecs),
    **dict.fromkeys(k.FLEET_TYPES - {k.ASG, k.ASG_NATIVE}, _fleet),
    k.LB_CLASSIC_NATIVE: _native_classic,
    k.VPC_NATIVE: _native_vpc,
    k.LIGHTSAIL_CONTAINER_SERVICE: _container_service,
}


class Overlay(Mapping[str, Any]):
    """Properties added over a resource's own (which are read only when asked for)."""

    __slots__ = ("_added", "_base")

    def __init__(self, added: Mapping[str, Any], base: Mapping[str, Any]) -> None:
        self._added, self._base = added, base

    def __getitem__(self, key: str) -> Any:
        if key in self._added:
            return self._added[key]
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._added or key in self._base

    def __iter__(self) -> Iterator[str]:
        yield from self._added
        yield from (key for key in self._base if key not in self._added)

    def __len__(self) -> int:
        return len(self._added) + sum(1 for key in self._base if key not in self._added)


def reshape(res: Res) -> Res:
    """``res`` in pulumi-aws's words where it has another shape; itself otherwise."""
    shape = _SHAPES.get(res.type)
    if shape is None:
        return res
    props, deps = shape(res)
    added = {key: value for key, value in props.items() if value is not None}
    return Res(res.urn, res.type, res.name, Overlay(added, res.props), {**res.deps, **deps}, res.inputs)


def added_properties(rtype: str) -> frozenset[str]:
    """The properties :func:`reshape` gives a resource of ``rtype`` (what the judge may read besides its own)."""
    shape = _SHAPES.get(rtype)
    if shape is None:
        return frozenset()
    return frozenset(shape(Res("urn:probe", rtype, "probe", {}))[0])

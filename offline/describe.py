"""One line of security-relevant facts per resource, and the resources as a tree.

Pure functions over :class:`~offline.snapshot.ResourceSnapshot`: what a reviewer needs to see at a
glance (who may connect on which port, what is public, where the secret goes), never a secret value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from offline.snapshot import UNKNOWN, ProgramRun, ResourceSnapshot, is_secret, reveal

Describer = Callable[[Mapping[str, Any], ResourceSnapshot, Mapping[str, str]], str]


def _shown(value: Any) -> str:
    """A value for display: secrets and unknowns are named, never shown."""
    if is_secret(value):
        return "[secret]"
    if value == UNKNOWN:
        return "(known after deploy)"
    return str(value)


VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
# The group CloudFront creates for VPC origins; a rule's only link to it is the VPC origin it was
# looked up after (its id comes from a data source).
CLOUDFRONT_SERVICE_GROUP = "CloudFront-VPCOrigins-Service-SG"


def _is_vpc_origin(urn: str) -> bool:
    """Whether ``urn`` names a VPC origin (the type is the last ``$``-part of the URN's third field)."""
    fields = urn.split("::")
    return len(fields) > 2 and fields[2].split("$")[-1] == VPC_ORIGIN


def _peer(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    for key in ("prefixListId", "cidrIpv4", "cidrIpv6"):
        if props.get(key):
            return f"{_shown(props[key])}"
    if props.get("referencedSecurityGroupId") is not None:
        urns = resource.property_dependencies.get("referencedSecurityGroupId", ())
        origins = [names.get(u, "?") for u in urns if _is_vpc_origin(u)]
        if origins:
            group = _shown(props["referencedSecurityGroupId"])
            return f"sg {CLOUDFRONT_SERVICE_GROUP} {group} (looked up after {', '.join(origins)})"
        return "sg " + (names.get(urns[0], "?") if urns else _shown(props["referencedSecurityGroupId"]))
    return "?"


def _rule(direction: str) -> Describer:
    def describe(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
        ports = (
            "all ports"
            if props.get("ipProtocol") in ("-1", "all")
            else f"{props.get('ipProtocol')} {props.get('fromPort')}"
            + ("" if props.get("fromPort") == props.get("toPort") else f"-{props.get('toPort')}")
        )
        arrow = "from" if direction == "ingress" else "to"
        groups = resource.property_dependencies.get("securityGroupId", ())
        owner = names.get(groups[0], "?") if groups else _shown(props.get("securityGroupId"))
        return f"{direction} {ports} {arrow} {_peer(props, resource, names)} on {owner}"

    return describe


def _instance(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    groups = [names.get(u, u) for u in resource.property_dependencies.get("vpcSecurityGroupIds", ())]
    metadata = props.get("metadataOptions", {})
    return (
        f"{_shown(props.get('instanceType'))}, public IP: {'yes' if props.get('associatePublicIpAddress') else 'no'}, "
        f"IMDSv2: {'required' if metadata.get('httpTokens') == 'required' else 'optional'}, "
        f"key pair: {props.get('keyName') or 'none'}, groups: {', '.join(groups) or '-'}"
    )


def _load_balancer(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    groups = [names.get(u, u) for u in resource.property_dependencies.get("securityGroups", ())]
    scheme = "internal" if props.get("internal") else "internet-facing"
    return f"{scheme}, {props.get('ipAddressType', 'ipv4')}, groups: {', '.join(groups) or '-'}"


def _listener(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    actions = props.get("defaultActions") or [{}]
    action = actions[0]
    default = action.get("type", "?")
    if default == "fixed-response":
        default += f" {action.get('fixedResponse', {}).get('statusCode')}"
    return f"{props.get('protocol')} :{props.get('port')}, default: {default}"


def _listener_rule(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    raw = resource.inputs.get("conditions")
    conditions = reveal(raw) or []
    parts = []
    for condition in conditions:
        header = condition.get("httpHeader")
        if header:
            parts.append(f"header {header.get('httpHeaderName')} in {len(header.get('values', []))} [secret] value(s)")
    actions = [a.get("type") for a in props.get("actions") or []]
    return f"{'; '.join(parts) or 'no header condition'} -> {', '.join(map(str, actions))}"


def _distribution(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    origins = reveal(resource.inputs.get("origins")) or []
    behavior = props.get("defaultCacheBehavior", {})
    described = []
    for origin in origins:
        custom = origin.get("customOriginConfig") or {}
        headers = ", ".join(f"{h.get('name')}: [secret]" for h in origin.get("customHeaders") or []) or "no header"
        if origin.get("vpcOriginConfig"):
            urns = [u for u in resource.property_dependencies.get("origins", ()) if _is_vpc_origin(u)]
            via = f"VPC origin {', '.join(names.get(u, '?') for u in urns) or '?'}"
        else:
            via = str(custom.get("originProtocolPolicy"))
        described.append(f"origin {_shown(origin.get('domainName'))} ({via}; {headers})")
    return f"viewers: {behavior.get('viewerProtocolPolicy')}; " + "; ".join(described)


def _vpc_origin(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    config = props.get("vpcOriginEndpointConfig") or {}
    urns = resource.property_dependencies.get("vpcOriginEndpointConfig", ())
    endpoint = ", ".join(names.get(u, "?") for u in urns) or _shown(config.get("arn"))
    create = (props.get("timeouts") or {}).get("create", "provider default")
    replace = "replace on any change" if "*" in resource.replace_on_changes else "updated in place"
    order = "delete first" if resource.delete_before_replace else "create first"
    return (
        f"endpoint {endpoint}, {config.get('originProtocolPolicy')}, name {_shown(config.get('name'))}, "
        f"{replace} ({order}), create timeout {create}"
    )


def _parameter(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    if "insecureValue" in resource.inputs and not is_secret(resource.inputs["insecureValue"]):
        # Plain by design (the rotation record: slot names and times, never a value): shown as the next run reads it.
        return f"{props.get('name')} ({props.get('type')}, {_shown(resource.inputs['insecureValue'])})"
    return f"{props.get('name')} ({props.get('type')}, value [secret])"


def _web_acl(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    default = "block" if "block" in (props.get("defaultAction") or {}) else "allow"
    rules = reveal(resource.inputs.get("rules")) or []
    return f"{props.get('scope')}, default {default}, rules: {', '.join(r.get('name', '?') for r in rules)}"


def _group(props: Mapping[str, Any], resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    inline = len(props.get("ingress") or []) + len(props.get("egress") or [])
    return f"{props.get('description')}" + (f", {inline} inline rules" if inline else "")


DESCRIBERS: Mapping[str, Describer] = {
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _rule("ingress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _rule("egress"),
    "aws:ec2/securityGroup:SecurityGroup": _group,
    "aws:ec2/instance:Instance": _instance,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:cloudfront/distribution:Distribution": _distribution,
    VPC_ORIGIN: _vpc_origin,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
}


def describe(resource: ResourceSnapshot, names: Mapping[str, str]) -> str:
    """Security-relevant settings of one resource ('' when there is nothing to say)."""
    describer = DESCRIBERS.get(resource.type)
    if describer is None:
        return ""
    props = {k: v for k, v in resource.inputs.items() if not is_secret(v)}
    return describer(props, resource, names)


def short_type(type_token: str) -> str:
    """``aws:ec2/instance:Instance`` -> ``aws:ec2:Instance``."""
    package, module, name = ([*type_token.split(":"), "", ""])[:3]
    return f"{package}:{module.split('/')[0]}:{name}" if name else type_token


def render_tree(program: ProgramRun) -> list[str]:
    """The resources as an indented tree by parent, each with its security-relevant settings."""
    names = {r.urn: r.name for r in program.resources}
    children: dict[str, list[ResourceSnapshot]] = {}
    for resource in program.resources:
        children.setdefault(resource.parent if resource.parent in names else "", []).append(resource)
    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            detail = describe(resource, names)
            lines.append(
                f"{'  ' * depth}{short_type(resource.type)} {resource.name}" + (f"  [{detail}]" if detail else "")
            )
            walk(resource.urn, depth + 1)

    walk("", 0)
    return lines


def tree_json(program: ProgramRun) -> list[dict[str, Any]]:
    """The same facts, machine-readable (no secret values)."""
    names = {r.urn: r.name for r in program.resources}
    return [
        {
            "type": r.type,
            "name": r.name,
            "parent": names.get(r.parent),
            "summary": describe(r, names),
        }
        for r in program.resources
    ]

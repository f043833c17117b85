"""What the AWS provider does with a changed input: update the resource in place, or replace it.

Pulumi's AWS provider is terraform-provider-aws underneath: a property the Terraform schema marks ``ForceNew``
(SDKv2) or ``RequiresReplace`` (plugin framework) replaces the resource when it changes; any other property is
sent to the resource's Update function. Each :class:`TypeRules` below lists, for one resource type this project
registers, the properties that replace it and those that are updated in place, taken from the resource's Go file
in hashicorp/terraform-provider-aws (``source``; the random provider's from hashicorp/terraform-provider-random).
Property names are the Pulumi ones (camelCase of the Terraform attribute).

Closed world: a changed property that is in neither list, or a type that has no entry, raises :class:`Unmodelled`
instead of being guessed. The switch checker (offline/switches.py) then fails, and the rule has to be read from
the provider's source and added here.

On top of the provider's rules come the engine's options (:func:`diff`): ``replaceOnChanges`` turns a change of
the named properties (``*``: any) into a replacement, and ``ignoreChanges`` keeps the checkpoint's value.

Some in-place updates interrupt the resource itself while they run (:attr:`TypeRules.disruptive`): changing an
instance's type stops and starts it ("Updates to this field will trigger a stop/start of the EC2 instance", the
provider's documentation of ``instance_type``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

PROVIDER = "hashicorp/terraform-provider-aws"
RANDOM_PROVIDER = "hashicorp/terraform-provider-random"
TLS_PROVIDER = "hashicorp/terraform-provider-tls"
# A resource lives in one region: a new `region` (pulumi-aws 7's per-resource argument) is a new resource.
REGION = "region"


class Unmodelled(ValueError):
    """A change whose effect the table does not know: never guessed, always reported."""


@dataclass(frozen=True)
class TypeRules:
    """One resource type: which changed properties replace it, which are updated in place."""

    source: str
    replaces: frozenset[str]
    updates: frozenset[str]
    # Properties of a nested block (top-level property -> its keys) that replace the resource; the block's other
    # keys are updated in place.
    nested_replaces: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # In-place updates that interrupt the resource while they run: property -> what happens.
    disruptive: Mapping[str, str] = field(default_factory=dict)
    # Properties of which only a change of *kind* (one of them set instead of another) replaces the resource.
    replace_on_kind_change: frozenset[str] = frozenset()
    # Every property replaces the resource (the provider has no Update function for the type).
    all_replace: bool = False


def _rules(
    source: str,
    replaces: Sequence[str] = (),
    updates: Sequence[str] = (),
    **extra: Any,
) -> TypeRules:
    return TypeRules(source=source, replaces=frozenset(replaces), updates=frozenset(updates), **extra)


_SG_RULE_SOURCES = ("cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId")

RULES: Mapping[str, TypeRules] = {
    # Name, prefix, description and VPC are ForceNew; rules are separate resources here.
    "aws:ec2/securityGroup:SecurityGroup": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_security_group.go",
        replaces=("name", "namePrefix", "description", "vpcId"),
        updates=("tags", "revokeRulesOnDelete", "ingress", "egress"),
    ),
    # security_group_id RequiresReplace; everything else goes to ModifySecurityGroupRules, except that
    # ModifyPlan replaces the rule when its source changes kind (a prefix list instead of a group, say).
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_security_group_ingress_rule.go",
        replaces=("securityGroupId",),
        updates=("description", "fromPort", "toPort", "ipProtocol", "tags", *_SG_RULE_SOURCES),
        replace_on_kind_change=frozenset(_SG_RULE_SOURCES),
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_security_group_egress_rule.go (shares the ingress rule's schema)",
        replaces=("securityGroupId",),
        updates=("description", "fromPort", "toPort", "ipProtocol", "tags", *_SG_RULE_SOURCES),
        replace_on_kind_change=frozenset(_SG_RULE_SOURCES),
    ),
    # internal, load_balancer_type, name, name_prefix, customer_owned_ipv4_pool are ForceNew; security_groups,
    # subnets (application), ip_address_type and the attributes are updated in place.
    "aws:lb/loadBalancer:LoadBalancer": _rules(
        f"{PROVIDER} internal/service/elbv2/load_balancer.go",
        replaces=("internal", "loadBalancerType", "name", "namePrefix", "customerOwnedIpv4Pool"),
        updates=(
            "securityGroups",
            "subnets",
            "ipAddressType",
            "dropInvalidHeaderFields",
            "enableHttp2",
            "desyncMitigationMode",
            "idleTimeout",
            "tags",
        ),
    ),
    # name, name_prefix, port, protocol, protocol_version, target_type, vpc_id, ip_address_type are ForceNew.
    "aws:lb/targetGroup:TargetGroup": _rules(
        f"{PROVIDER} internal/service/elbv2/target_group.go",
        replaces=("name", "namePrefix", "port", "protocol", "protocolVersion", "targetType", "vpcId", "ipAddressType"),
        updates=("healthCheck", "deregistrationDelay", "stickiness", "slowStart", "tags"),
    ),
    # No Update function: every argument is ForceNew.
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": _rules(
        f"{PROVIDER} internal/service/elbv2/target_group_attachment.go",
        replaces=("targetGroupArn", "targetId", "port", "availabilityZone"),
        all_replace=True,
    ),
    # load_balancer_arn is ForceNew; port, protocol, certificate, policy, actions and mutual_authentication (Optional
    # and Computed: left out, it keeps its value) are updated in place.
    "aws:lb/listener:Listener": _rules(
        f"{PROVIDER} internal/service/elbv2/listener.go",
        replaces=("loadBalancerArn",),
        updates=(
            "port",
            "protocol",
            "certificateArn",
            "sslPolicy",
            "defaultActions",
            "alpnPolicy",
            "mutualAuthentication",
            "tags",
        ),
    ),
    # name and name_prefix are ForceNew; the bundle's bucket, key and version go to ModifyTrustStore in place.
    "aws:lb/trustStore:TrustStore": _rules(
        f"{PROVIDER} internal/service/elbv2/trust_store.go",
        replaces=("name", "namePrefix", REGION),
        updates=(
            "caCertificatesBundleS3Bucket",
            "caCertificatesBundleS3Key",
            "caCertificatesBundleS3ObjectVersion",
            "tags",
        ),
    ),
    # listener_arn is ForceNew; priority says ForceNew: false; actions and conditions are updated in place.
    "aws:lb/listenerRule:ListenerRule": _rules(
        f"{PROVIDER} internal/service/elbv2/listener_rule.go",
        replaces=("listenerArn",),
        updates=("priority", "actions", "conditions", "tags"),
    ),
    # ami, associate_public_ip_address, availability_zone, subnet_id, key_name, private_ip are ForceNew, and
    # root_block_device.encrypted/kms_key_id; user_data replaces with user_data_replace_on_change (CustomizeDiff),
    # else it is updated with a stop/start. instance_type: a stop/start, except that CustomizeDiff forces a new
    # instance when the old and new types share no CPU architecture (ForceNewIf, e.g. t3 to t4g): see
    # _instance_type_replaces. The component sets replaceOnChanges on it anyway.
    "aws:ec2/instance:Instance": _rules(
        f"{PROVIDER} internal/service/ec2/ec2_instance.go",
        replaces=("ami", "associatePublicIpAddress", "availabilityZone", "subnetId", "keyName", "privateIp"),
        updates=(
            "instanceType",
            "userData",
            "userDataReplaceOnChange",
            "vpcSecurityGroupIds",
            "iamInstanceProfile",
            "metadataOptions",
            "monitoring",
            "rootBlockDevice",
            "tags",
        ),
        nested_replaces={"rootBlockDevice": frozenset({"encrypted", "kmsKeyId"})},
        disruptive={
            "instanceType": "the instance is stopped, changed and started",
            "userData": "the instance is stopped, changed and started",
        },
    ),
    # domain is ForceNew; the association (instance) is updated in place.
    "aws:ec2/eip:Eip": _rules(
        f"{PROVIDER} internal/service/ec2/ec2_eip.go",
        replaces=("domain", "customerOwnedIpv4Pool", "publicIpv4Pool", "networkBorderGroup", "address"),
        updates=("instance", "networkInterface", "associateWithPrivateIp", "tags"),
    ),
    # UpdateDistribution takes the whole configuration: nothing the component sets is ForceNew.
    "aws:cloudfront/distribution:Distribution": _rules(
        f"{PROVIDER} internal/service/cloudfront/distribution.go",
        updates=(
            "comment",
            "defaultCacheBehavior",
            "enabled",
            "httpVersion",
            "isIpv6Enabled",
            "origins",
            "priceClass",
            "restrictions",
            "tags",
            "viewerCertificate",
            "waitForDeployment",
            "webAclId",
        ),
    ),
    # No RequiresReplace at all: every change is an UpdateVpcOrigin, which CloudFront refuses with 409 while a
    # distribution uses the VPC origin (aws-facts: hashicorp/terraform-provider-aws#40905). The component sets
    # replaceOnChanges ["*"], which diff() applies.
    "aws:cloudfront/vpcOrigin:VpcOrigin": _rules(
        f"{PROVIDER} internal/service/cloudfront/vpc_origin.go",
        updates=("vpcOriginEndpointConfig", "tags", "timeouts"),
    ),
    # zone_id and name are ForceNew; type, set_identifier, alias, records and ttl are not: the provider's Update
    # deletes the old record set and creates the new one in one change batch (and set_identifier changes its
    # identity: "we shortcut the replace resource flow when set_identifier changes").
    "aws:route53/record:Record": _rules(
        f"{PROVIDER} internal/service/route53/record.go",
        replaces=("zoneId", "name"),
        updates=("type", "setIdentifier", "aliases", "records", "ttl", "allowOverwrite", "healthCheckId"),
    ),
    # An imported certificate's body, key and chain are not ForceNew: Update re-imports them with the same ARN
    # (ImportCertificate with CertificateArn), which is how origin mTLS renews without touching the distribution.
    "aws:acm/certificate:Certificate": _rules(
        f"{PROVIDER} internal/service/acm/certificate.go",
        replaces=(
            "domainName",
            "subjectAlternativeNames",
            "validationMethod",
            "keyAlgorithm",
            "certificateAuthorityArn",
            REGION,
        ),
        updates=("tags", "options", "certificateBody", "privateKey", "certificateChain", "earlyRenewalDuration"),
    ),
    # No Update function: a new request or validity is a new certificate.
    "aws:acmpca/certificate:Certificate": _rules(
        f"{PROVIDER} internal/service/acmpca/certificate.go",
        replaces=(
            "certificateAuthorityArn",
            "certificateSigningRequest",
            "signingAlgorithm",
            "validity",
            "templateArn",
            "apiPassthrough",
            REGION,
        ),
        all_replace=True,
    ),
    # The origin mTLS bundle's bucket: its name (or prefix) is ForceNew, force_destroy and tags are updated.
    "aws:s3/bucket:Bucket": _rules(
        f"{PROVIDER} internal/service/s3/bucket.go",
        replaces=("bucket", "bucketPrefix", "objectLockEnabled", "bucketNamespace", REGION),
        updates=("forceDestroy", "tags"),
    ),
    # bucket and key are ForceNew; content and its metadata are uploaded again in place (a new version).
    "aws:s3/bucketObjectv2:BucketObjectv2": _rules(
        f"{PROVIDER} internal/service/s3/object.go",
        replaces=("bucket", "key", REGION),
        updates=("content", "contentType", "tags", "serverSideEncryption", "kmsKeyId", "cacheControl"),
    ),
    # The bucket's settings resources: the bucket is ForceNew, the setting itself is put again in place.
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _rules(
        f"{PROVIDER} internal/service/s3/bucket_public_access_block.go",
        replaces=("bucket", REGION),
        updates=("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"),
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _rules(
        f"{PROVIDER} internal/service/s3/bucket_ownership_controls.go",
        replaces=("bucket", REGION),
        updates=("rule",),
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _rules(
        f"{PROVIDER} internal/service/s3/bucket_server_side_encryption_configuration.go",
        replaces=("bucket", "expectedBucketOwner", REGION),
        updates=("rules",),
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _rules(
        f"{PROVIDER} internal/service/s3/bucket_versioning.go",
        replaces=("bucket", "expectedBucketOwner", REGION),
        updates=("versioningConfiguration", "mfa"),
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _rules(
        f"{PROVIDER} internal/service/s3/bucket_policy.go",
        replaces=("bucket", REGION),
        updates=("policy",),
    ),
    # pulumi-tls: every argument RequiresReplace (a key or certificate is never edited, only made anew).
    "tls:index/privateKey:PrivateKey": _rules(
        f"{TLS_PROVIDER} internal/provider/resource_private_key.go",
        replaces=("algorithm", "ecdsaCurve", "rsaBits"),
        all_replace=True,
    ),
    "tls:index/selfSignedCert:SelfSignedCert": _rules(
        f"{TLS_PROVIDER} internal/provider/resource_self_signed_cert.go",
        replaces=("privateKeyPem", "subject", "validityPeriodHours", "allowedUses", "isCaCertificate"),
        all_replace=True,
    ),
    "tls:index/certRequest:CertRequest": _rules(
        f"{TLS_PROVIDER} internal/provider/resource_cert_request.go",
        replaces=("privateKeyPem", "subject", "dnsNames", "ipAddresses", "uris"),
        all_replace=True,
    ),
    "tls:index/locallySignedCert:LocallySignedCert": _rules(
        f"{TLS_PROVIDER} internal/provider/resource_locally_signed_cert.go",
        replaces=("certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "allowedUses"),
        all_replace=True,
    ),
    # No Update function.
    "aws:acm/certificateValidation:CertificateValidation": _rules(
        f"{PROVIDER} internal/service/acm/certificate_validation.go",
        replaces=("certificateArn", "validationRecordFqdns"),
        all_replace=True,
    ),
    "aws:wafv2/webAcl:WebAcl": _rules(
        f"{PROVIDER} internal/service/wafv2/web_acl.go",
        replaces=("name", "namePrefix", "scope"),
        updates=("defaultAction", "description", "rules", "visibilityConfig", "tags"),
    ),
    # No Update function.
    "aws:wafv2/webAclAssociation:WebAclAssociation": _rules(
        f"{PROVIDER} internal/service/wafv2/web_acl_association.go",
        replaces=("resourceArn", "webAclArn"),
        all_replace=True,
    ),
    "aws:ssm/parameter:Parameter": _rules(
        f"{PROVIDER} internal/service/ssm/parameter.go",
        # name and data_type are ForceNew; insecure_value (the rotation record's plain text) and type are not; tier
        # is replaced only from Advanced to Standard (CustomizeDiff ForceNewIfChange), which no setting does here.
        replaces=("name", "dataType"),
        updates=("value", "insecureValue", "type", "description", "tier", "tags"),
    ),
    "aws:ec2/vpc:Vpc": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_.go",
        replaces=("cidrBlock", "instanceTenancy", "ipv4IpamPoolId"),
        updates=("assignGeneratedIpv6CidrBlock", "enableDnsHostnames", "enableDnsSupport", "tags"),
    ),
    "aws:ec2/subnet:Subnet": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_subnet.go",
        replaces=("vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "ipv6Native"),
        updates=("ipv6CidrBlock", "assignIpv6AddressOnCreation", "mapPublicIpOnLaunch", "tags"),
    ),
    "aws:ec2/routeTable:RouteTable": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_route_table.go",
        replaces=("vpcId",),
        updates=("routes", "propagatingVgws", "tags"),
    ),
    # ReplaceRouteTableAssociation moves a subnet to another table in place.
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_route_table_association.go",
        replaces=("subnetId", "gatewayId"),
        updates=("routeTableId",),
    ),
    "aws:ec2/internetGateway:InternetGateway": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_internet_gateway.go",
        updates=("vpcId", "tags"),
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _rules(
        f"{PROVIDER} internal/service/ec2/vpc_endpoint.go",
        replaces=("vpcId", "serviceName", "vpcEndpointType"),
        updates=("routeTableIds", "subnetIds", "securityGroupIds", "privateDnsEnabled", "policy", "tags"),
    ),
    "aws:iam/role:Role": _rules(
        f"{PROVIDER} internal/service/iam/role.go",
        replaces=("name", "namePrefix", "path"),
        updates=("assumeRolePolicy", "description", "maxSessionDuration", "tags"),
    ),
    # -- monitoring (monitoring.py, origin_probe.py): nothing on CloudFront's path, but every switch of a stack with
    # monitoring on updates them, so they are in the closed world too. Pulumi's names: MetricAlarm ``name`` is
    # alarm_name, Permission ``function`` is function_name, TopicSubscription ``topic`` is topic_arn, Function
    # ``code`` is filename (an archive). ``region`` is pulumi-aws 7's per-resource region: a new resource.
    # name, name_prefix and fifo_topic are ForceNew; every attribute is a SetTopicAttributes.
    "aws:sns/topic:Topic": _rules(
        f"{PROVIDER} internal/service/sns/topic.go",
        replaces=("name", "namePrefix", "fifoTopic", REGION),
        updates=("displayName", "kmsMasterKeyId", "policy", "deliveryPolicy", "signatureVersion", "tags"),
    ),
    # arn is ForceNew; the policy is put again in place (Create and Update are one upsert).
    "aws:sns/topicPolicy:TopicPolicy": _rules(
        f"{PROVIDER} internal/service/sns/topic_policy.go", replaces=("arn", REGION), updates=("policy",)
    ),
    # endpoint, protocol and topic_arn are ForceNew; the rest are subscription attributes set in place.
    "aws:sns/topicSubscription:TopicSubscription": _rules(
        f"{PROVIDER} internal/service/sns/topic_subscription.go",
        replaces=("endpoint", "protocol", "topic", REGION),
        updates=("deliveryPolicy", "filterPolicy", "rawMessageDelivery", "endpointAutoConfirms"),
    ),
    # alarm_name is ForceNew; every other change is one PutMetricAlarm.
    "aws:cloudwatch/metricAlarm:MetricAlarm": _rules(
        f"{PROVIDER} internal/service/cloudwatch/metric_alarm.go",
        replaces=("name", REGION),
        updates=(
            "actionsEnabled",
            "alarmActions",
            "alarmDescription",
            "comparisonOperator",
            "datapointsToAlarm",
            "dimensions",
            "evaluationPeriods",
            "extendedStatistic",
            "insufficientDataActions",
            "metricName",
            "metricQueries",
            "namespace",
            "okActions",
            "period",
            "statistic",
            "threshold",
            "treatMissingData",
            "unit",
            "tags",
        ),
    ),
    # dashboard_name is ForceNew; the body is put again (Create and Update are one PutDashboard).
    "aws:cloudwatch/dashboard:Dashboard": _rules(
        f"{PROVIDER} internal/service/cloudwatch/dashboard.go",
        replaces=("dashboardName", REGION),
        updates=("dashboardBody",),
    ),
    # name, name_prefix and event_bus_name are ForceNew; the rest is one PutRule.
    "aws:cloudwatch/eventRule:EventRule": _rules(
        f"{PROVIDER} internal/service/events/rule.go",
        replaces=("name", "namePrefix", "eventBusName", REGION),
        updates=("description", "eventPattern", "scheduleExpression", "roleArn", "state", "isEnabled", "tags"),
    ),
    # rule, target_id and event_bus_name are ForceNew; the target itself (arn, input...) is one PutTargets.
    "aws:cloudwatch/eventTarget:EventTarget": _rules(
        f"{PROVIDER} internal/service/events/target.go",
        replaces=("rule", "targetId", "eventBusName", REGION),
        updates=("arn", "input", "inputPath", "roleArn", "retryPolicy", "deadLetterConfig"),
    ),
    # name, name_prefix and log_group_class are ForceNew; retention and the KMS key are updated in place.
    "aws:cloudwatch/logGroup:LogGroup": _rules(
        f"{PROVIDER} internal/service/logs/group.go",
        replaces=("name", "namePrefix", "logGroupClass", REGION),
        updates=("retentionInDays", "kmsKeyId", "skipDestroy", "tags"),
    ),
    # function_name and package_type are ForceNew (and tenancy_config; durable_config added or removed, by
    # CustomizeDiff, which the component never sets); code and configuration are updated in place
    # (UpdateFunctionCode, UpdateFunctionConfiguration).
    "aws:lambda/function:Function": _rules(
        f"{PROVIDER} internal/service/lambda/function.go",
        replaces=("name", "packageType", "tenancyConfig", REGION),
        updates=(
            "architectures",
            "code",
            "sourceCodeHash",
            "description",
            "environment",
            "handler",
            "loggingConfig",
            "memorySize",
            "role",
            "runtime",
            "timeout",
            "tracingConfig",
            "reservedConcurrentExecutions",
            "tags",
        ),
    ),
    # No Update function: every argument is ForceNew.
    "aws:lambda/permission:Permission": _rules(f"{PROVIDER} internal/service/lambda/permission.go", all_replace=True),
    "aws:iam/rolePolicy:RolePolicy": _rules(
        f"{PROVIDER} internal/service/iam/role_policy.go",
        replaces=("name", "namePrefix", "role"),
        updates=("policy",),
    ),
    # No Update function.
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _rules(
        f"{PROVIDER} internal/service/iam/role_policy_attachment.go",
        replaces=("role", "policyArn"),
        all_replace=True,
    ),
    "aws:iam/instanceProfile:InstanceProfile": _rules(
        f"{PROVIDER} internal/service/iam/instance_profile.go",
        replaces=("name", "namePrefix", "path"),
        updates=("role", "tags"),
    ),
    # Every argument RequiresReplace (a new value is a new password).
    "random:index/randomPassword:RandomPassword": _rules(
        f"{RANDOM_PROVIDER} internal/provider/resource_password.go",
        replaces=(
            "length",
            "special",
            "upper",
            "lower",
            "numeric",
            "minUpper",
            "minLower",
            "minNumeric",
            "minSpecial",
            "overrideSpecial",
            "keepers",
        ),
        all_replace=True,
    ),
}

Kind = Literal["same", "update", "replace"]


@dataclass(frozen=True)
class Diff:
    """What the engine does with one resource whose inputs changed (or not)."""

    kind: Kind
    # The properties that differ (after ignoreChanges).
    changed: tuple[str, ...] = ()
    # Why it is replaced: the properties (and the rule or option) that force it.
    because: tuple[str, ...] = ()
    # For an update that interrupts the resource while it runs: what happens.
    disruption: str | None = None


def _source_kind(inputs: Mapping[str, Any]) -> str | None:
    return next((key for key in _SG_RULE_SOURCES if inputs.get(key) not in (None, "")), None)


def diff(
    type_token: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    changed_by_dependency: Sequence[str] = (),
    replace_on_changes: Sequence[str] = (),
    ignore_changes: Sequence[str] = (),
) -> Diff:
    """The engine's decision for a resource whose inputs go from ``old`` to ``new`` (plain values, no secret
    wrappers). ``changed_by_dependency`` are properties whose value comes from a resource being replaced: they
    change although the values compared here (an offline run's made-up ids) look the same."""
    rules = RULES.get(type_token)
    if rules is None:
        raise Unmodelled(f"no replacement rules for {type_token}: read its Go file in {PROVIDER} and add them")
    keys = (set(old) | set(new) | set(changed_by_dependency)) - set(ignore_changes)
    changed = tuple(sorted(key for key in keys if old.get(key) != new.get(key) or key in set(changed_by_dependency)))
    if not changed:
        return Diff("same")
    because: list[str] = []
    disruption: str | None = None
    for key in changed:
        if "*" in replace_on_changes or key in replace_on_changes:
            because.append(f"{key} (replaceOnChanges)")
        elif rules.all_replace or key in rules.replaces:
            because.append(f"{key} ({rules.source})")
        elif key in rules.nested_replaces:
            old_block = _first_block(old.get(key))
            new_block = _first_block(new.get(key))
            forced = sorted(k for k in rules.nested_replaces[key] if old_block.get(k) != new_block.get(k))
            because.extend(f"{key}.{k} ({rules.source})" for k in forced)
        elif key in rules.updates:
            disruption = disruption or rules.disruptive.get(key)
        else:
            raise Unmodelled(
                f"{type_token}: a change of {key!r} is not in the replacement rules ({rules.source}): "
                "read whether it is ForceNew and add it"
            )
    if rules.replace_on_kind_change and set(changed) & rules.replace_on_kind_change:
        old_kind, new_kind = _source_kind(old), _source_kind(new)
        if old_kind != new_kind:
            because.append(f"source {old_kind} -> {new_kind} (ModifyPlan, {rules.source})")
    if type_token == "aws:ec2/instance:Instance" and "userData" in changed and new.get("userDataReplaceOnChange"):
        because.append(f"userData with userDataReplaceOnChange ({rules.source})")
    if type_token == "aws:ec2/instance:Instance" and "instanceType" in changed and _instance_type_replaces(old, new):
        because.append(f"instanceType to another CPU architecture (ForceNewIf, {rules.source})")
    if because:
        return Diff("replace", changed, tuple(because))
    return Diff("update", changed, disruption=disruption)


def _first_block(value: Any) -> Mapping[str, Any]:
    """A nested block as a mapping (Pulumi sends a one-element block as an object)."""
    if isinstance(value, list):
        value = value[0] if value else {}
    return value if isinstance(value, Mapping) else {}


# The CPU architecture of an instance type family, as far as the provider's ForceNewIf can tell them apart: AWS
# Graviton families carry a "g" after the generation (t4g, m7g, c7gn, r8g; https://aws.amazon.com/ec2/graviton/),
# A1 is the first Graviton family, Apple silicon Macs are mac2 and later (mac1 is Intel); every other family is x86_64.
_ARM = re.compile(r"^[a-z]+[0-9]+g[a-z]*$|^a1$|^mac[2-9]")


def _architecture(instance_type: object) -> str:
    family = str(instance_type or "").split(".", 1)[0]
    return "arm64" if _ARM.match(family) else "x86_64"


def _instance_type_replaces(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """CustomizeDiff of ec2_instance.go: ForceNew on instance_type when the two types share no CPU architecture."""
    return _architecture(old.get("instanceType")) != _architecture(new.get("instanceType"))

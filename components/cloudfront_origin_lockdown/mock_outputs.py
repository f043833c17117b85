"""What AWS and the other providers compute for the component's resources: one table for every mock of them.

The package's testing helper (testing.py: ``OriginLockdownMocks``, for users' unit tests) and this repository's
engine-like mocks (offline/mocks.py) both answer a new resource with :func:`computed_outputs`, so the outputs the
component reads (a load balancer's DNS name and ARN suffix, an instance's network interface, a topic's ARN, a
certificate's validation record, real PEMs for origin mTLS, ...) are the same in both and cannot drift apart. The
values are made up but shaped as AWS's (ids, ARNs in the resource's region, names Pulumi would give autonamed
resources); deterministic, from the resource's type and name.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from typing import Any

from . import mock_certificates

ACCOUNT_ID = "123456789012"
# How Pulumi's wire format marks a secret value: {SIG_KEY: SECRET_SIG, "value": ...} (pulumi.runtime.rpc).
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def plain(value: Any) -> Any:
    """``value`` with every secret wrapper removed (a mock computes outputs from what the inputs say)."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return plain(value.get("value"))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


PASSWORD = "random:index/randomPassword:RandomPassword"


def load_balancer_outputs(region: str, lb_name: str, digest: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:loadbalancer/app/{lb_name}/{digest[:16]}"
    # An internal load balancer's DNS name starts with "internal-" (it resolves to private addresses).
    scheme = "internal-" if inputs.get("internal") else ""
    return {
        "id": arn,
        "arn": arn,
        # The LoadBalancer dimension of its CloudWatch metrics.
        "arnSuffix": arn.split(":loadbalancer/", 1)[1],
        "dnsName": f"{scheme}{lb_name}-{int(digest[:8], 16)}.{region}.elb.amazonaws.com",
        "zoneId": "Z35SXDOTRQ7X7K",
    }


def vpc_origin_outputs(digest: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    origin_id = f"vo_{digest[:22]}"
    return {
        "id": origin_id,
        "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:vpcorigin/{origin_id}",
        "etag": f"E{digest[:13].upper()}",
        "tagsAll": dict(inputs.get("tags") or {}),
    }


def monitoring_outputs(typ: str, name: str, inputs: Mapping[str, Any], region: str, digest: str) -> dict[str, Any]:
    """What AWS computes for the monitoring resources (README "Monitoring"): names Pulumi gives autonamed ones,
    ARNs in the resource's own region."""
    account = ACCOUNT_ID
    autoname = str(inputs.get("name") or f"{name}-{digest[:7]}")
    if typ == "aws:sns/topic:Topic":
        return {"name": autoname, "arn": f"arn:aws:sns:{region}:{account}:{autoname}", "owner": account}
    if typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        return {"arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{autoname}"}
    if typ == "aws:cloudwatch/eventRule:EventRule":
        return {"name": autoname, "arn": f"arn:aws:events:{region}:{account}:rule/{autoname}"}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return {"name": autoname, "arn": f"arn:aws:logs:{region}:{account}:log-group:{autoname}"}
    if typ == "aws:lambda/function:Function":
        arn = f"arn:aws:lambda:{region}:{account}:function:{autoname}"
        return {"name": autoname, "arn": arn, "qualifiedArn": f"{arn}:$LATEST", "version": "$LATEST"}
    if typ == "aws:cloudwatch/dashboard:Dashboard":
        return {"dashboardArn": f"arn:aws:cloudwatch::{account}:dashboard/{inputs.get('dashboardName')}"}
    if typ == "aws:sns/topicSubscription:TopicSubscription":
        # An email subscription stays pending until the address confirms it.
        return {"arn": "pending confirmation", "pendingConfirmation": True}
    return {}


MTLS_AWS_TYPES = frozenset(
    {
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketObjectv2:BucketObjectv2",
        "aws:lb/trustStore:TrustStore",
    }
)


def mtls_aws_outputs(typ: str, name: str, inputs: Mapping[str, Any], region: str, digest: str) -> dict[str, Any]:
    """The trust store's bucket (a name from its prefix), the bundle object (a version per content) and the store."""
    if typ == "aws:s3/bucket:Bucket":
        bucket = f"{inputs.get('bucketPrefix') or name}{digest[:26]}"[:63]
        return {"id": bucket, "bucket": bucket, "arn": f"arn:aws:s3:::{bucket}", "region": region}
    if typ == "aws:s3/bucketObjectv2:BucketObjectv2":
        content = str(inputs.get("content") or "")
        version = hashlib.sha256(content.encode()).hexdigest()[:32]
        return {"id": str(inputs.get("key")), "versionId": version, "etag": hashlib.md5(content.encode()).hexdigest()}  # noqa: S324
    arn = f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:truststore/{name[:24]}/{digest[:16]}"
    return {"id": arn, "arn": arn, "arnSuffix": arn.split(":", 5)[5], "name": f"{name}-{digest[:7]}"}


def name_digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def cloudfront_service_group_id(vpc_id: str) -> str:
    """The id the mocks give ``CloudFront-VPCOrigins-Service-SG`` in ``vpc_id`` (one per VPC, as in AWS)."""
    return f"sg-{name_digest('cloudfront-vpc-origins', vpc_id)}"


def fake_password(name: str, length: int) -> str:
    """A deterministic alphanumeric value standing in for ``RandomPassword.result``."""
    alphabet = string.ascii_letters + string.digits
    seed = hashlib.sha256(f"password/{name}".encode()).digest()
    out: list[str] = []
    while len(out) < length:
        seed = hashlib.sha256(seed).digest()
        out.extend(alphabet[b % len(alphabet)] for b in seed)
    return "".join(out[:length])


def _tls_outputs(typ: str, name: str, inputs: Mapping[str, Any], region: str, salt: str) -> dict[str, Any] | None:
    """Origin mTLS's resources: real keys and certificates, the bundle's bucket, object and trust store."""
    if typ in mock_certificates.TYPES:
        outputs = mock_certificates.outputs(typ, name, inputs, salt)
        if typ == mock_certificates.PCA_CERTIFICATE:
            arn = f"{inputs.get('certificateAuthorityArn')}/certificate/{name_digest(typ, name)}"
            outputs.update(arn=arn, id=arn)
        return outputs
    if typ in MTLS_AWS_TYPES:
        return mtls_aws_outputs(typ, name, inputs, region, name_digest(typ, name))
    return None


def computed_outputs(  # noqa: PLR0915 - one table, a branch per type
    typ: str, name: str, inputs: Mapping[str, Any], region: str, salt: str = ""
) -> dict[str, Any]:
    """What the provider computes for one resource the component registers (the id under "id"), from its plain
    inputs. ``salt`` seeds generated values: a new creation gets a new one (offline/mocks.py's engine)."""
    tls = _tls_outputs(typ, name, inputs, region, salt)
    if tls is not None:
        return tls
    digest = name_digest(typ, name)
    account = ACCOUNT_ID
    arn = f"arn:aws:{typ.split(':')[1].split('/', maxsplit=1)[0]}:{region}:{account}:{name}"
    outputs: dict[str, Any] = {"arn": arn}
    outputs.update(monitoring_outputs(typ, name, inputs, region, digest))
    if typ == PASSWORD:
        outputs = {
            "result": fake_password(name + salt, int(inputs.get("length", 16))),
            "bcryptHash": "$2a$10$mock",
        }
    elif typ == "aws:ec2/vpc:Vpc":
        outputs.update(
            id=f"vpc-{digest}",
            ipv6CidrBlock="2600:1f18:abcd:ef00::/56" if inputs.get("assignGeneratedIpv6CidrBlock") else "",
            defaultSecurityGroupId=f"sg-{name_digest('default', name)}",
        )
    elif typ == "aws:ec2/subnet:Subnet":
        outputs.update(id=f"subnet-{digest}")
    elif typ == "aws:ec2/securityGroup:SecurityGroup":
        outputs.update(
            id=f"sg-{digest}",
            arn=f"arn:aws:ec2:{region}:{account}:security-group/sg-{digest}",
            # The provider autonames a group (name unset) like the other autonamed resources here.
            name=inputs.get("name") or f"{name}-{digest[:7]}",
        )
    elif typ in (
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ):
        outputs.update(id=f"sgr-{digest}", securityGroupRuleId=f"sgr-{digest}")
    elif typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
        outputs.update(load_balancer_outputs(region, str(inputs.get("name") or name), digest, inputs))
    elif typ == "aws:lb/targetGroup:TargetGroup":
        outputs.update(arn=f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name[:32]}/{digest[:16]}")
        outputs["id"] = outputs["arn"]
    elif typ in ("aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule"):
        outputs["id"] = f"arn:aws:elasticloadbalancing:{region}:{account}:listener/app/{digest}"
        outputs["arn"] = outputs["id"]
    elif typ == "aws:ec2/instance:Instance":
        public = bool(inputs.get("associatePublicIpAddress"))
        octets = [int(digest[i : i + 2], 16) for i in (0, 2, 4, 6)]
        ip = "54.{}.{}.{}".format(*octets[:3])
        outputs.update(
            id=f"i-{digest}",
            arn=f"arn:aws:ec2:{region}:{account}:instance/i-{digest}",
            privateIp="10.80.{}.{}".format(*octets[2:]),
            privateDns="ip-10-80-{}-{}.ec2.internal".format(*octets[2:]),
            publicIp=ip if public else "",
            publicDns=f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com" if public else "",
            primaryNetworkInterfaceId=f"eni-{digest}",
        )
    elif typ == "aws:ec2/eip:Eip":
        octets = [int(digest[i : i + 2], 16) for i in (0, 2, 4)]
        ip = "3.{}.{}.{}".format(*octets)
        outputs.update(
            id=f"eipalloc-{digest}",
            allocationId=f"eipalloc-{digest}",
            publicIp=ip,
            publicDns=f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com",
        )
    elif typ == "aws:cloudfront/distribution:Distribution":
        outputs.update(
            id=f"E{digest[:13].upper()}",
            arn=f"arn:aws:cloudfront::{account}:distribution/E{digest[:13].upper()}",
            domainName=f"d{digest[:13]}.cloudfront.net",
            hostedZoneId="Z2FDTNDATAQYW2",
            status="Deployed",
        )
    elif typ == "aws:acm/certificate:Certificate":
        domain = str(inputs.get("domainName", "example.com"))
        outputs.update(
            arn=f"arn:aws:acm:{region}:{account}:certificate/{digest}",
            domainValidationOptions=[
                {
                    "domainName": domain,
                    "resourceRecordName": f"_{digest[:12]}.{domain}.",
                    "resourceRecordType": "CNAME",
                    "resourceRecordValue": f"_{digest[12:]}.acm-validations.aws.",
                }
            ],
        )
    elif typ == "aws:iam/role:Role":
        outputs.update(name=inputs.get("name") or f"{name}-{digest[:7]}", arn=f"arn:aws:iam::{account}:role/{name}")
    elif typ == "aws:iam/instanceProfile:InstanceProfile":
        outputs.update(
            name=inputs.get("name") or f"{name}-{digest[:7]}",
            arn=f"arn:aws:iam::{account}:instance-profile/{name}",
        )
    elif typ == "aws:ssm/parameter:Parameter":
        outputs.update(arn=f"arn:aws:ssm:{region}:{account}:parameter{inputs.get('name', '/' + name)}", version=1)
    elif typ == "aws:wafv2/webAcl:WebAcl":
        outputs.update(arn=f"arn:aws:wafv2:{region}:{account}:regional/webacl/{name}/{digest}", capacity=5)
        outputs["name"] = inputs.get("name") or f"{name}-{digest[:7]}"
    elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
        outputs.update(id=f"vpce-{digest}")
    elif typ == "aws:cloudfront/vpcOrigin:VpcOrigin":
        outputs.update(vpc_origin_outputs(digest, inputs))
    return outputs

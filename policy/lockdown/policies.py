"""The pack's policies, constructed (but not served: see ``policy/__main__.py``)."""

from __future__ import annotations

from pulumi_policy import (
    Policy,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

from . import companions, config, origin_ingress

PACK_NAME = "cloudfront-origin-lockdown"


def build_policies() -> list[Policy]:
    c = config
    return [
        StackValidationPolicy(
            name=c.ORIGIN_INGRESS,
            description="No origin security group may admit 0.0.0.0/0 or ::/0 on port 80 or 443: only CloudFront "
            "may reach an origin behind it.",
            validate=origin_ingress.validate,
            enforcement_level=c.ENFORCEMENT[c.ORIGIN_INGRESS],
            config_schema=c.schema(c.ORIGIN_INGRESS),
            severity=Severity.CRITICAL,
            tags=["cloudfront", "security-group", "network"],
            remediation_steps="Remove the rule that admits the world; admit 80/443 only from the managed prefix "
            "lists com.amazonaws.global.cloudfront.origin-facing and "
            "com.amazonaws.global.ipv6.cloudfront.origin-facing.",
        ),
        ResourceValidationPolicy(
            name=c.SECRET_HEADER,
            description="A CloudFront custom origin must send a secret header that the origin checks.",
            validate=companions.validate_secret_header,
            enforcement_level=c.ENFORCEMENT[c.SECRET_HEADER],
            config_schema=c.schema(c.SECRET_HEADER),
            severity=Severity.HIGH,
            tags=["cloudfront"],
            remediation_steps="Add customHeaders with a generated value; make the origin reject requests without it.",
        ),
        StackValidationPolicy(
            name=c.LITERAL_HEADER,
            description="A CloudFront origin header value must come from a generated secret, not a literal.",
            validate=companions.validate_literal,
            enforcement_level=c.ENFORCEMENT[c.LITERAL_HEADER],
            config_schema=c.schema(c.LITERAL_HEADER),
            severity=Severity.MEDIUM,
            tags=["cloudfront", "secrets"],
            remediation_steps="Use random.RandomPassword(...).result (or a Secrets Manager secret) as the value.",
        ),
        ResourceValidationPolicy(
            name=c.HTTP_ONLY,
            description="A secret origin header must not travel to the origin over plain HTTP.",
            validate=companions.validate_cleartext,
            enforcement_level=c.ENFORCEMENT[c.HTTP_ONLY],
            config_schema=c.schema(c.HTTP_ONLY),
            severity=Severity.HIGH,
            tags=["cloudfront", "tls"],
            remediation_steps="Set originProtocolPolicy to https-only and give the origin a certificate.",
        ),
        StackValidationPolicy(
            name=c.SSH_ALL_PORTS,
            description="No origin security group may admit the world on administrative ports (SSH, RDP) or on "
            "every port.",
            validate=companions.validate_admin_ports,
            enforcement_level=c.ENFORCEMENT[c.SSH_ALL_PORTS],
            config_schema=c.schema(c.SSH_ALL_PORTS),
            severity=Severity.HIGH,
            tags=["security-group", "network"],
            remediation_steps="Remove the rule; use SSM Session Manager or a specific admin CIDR.",
        ),
        StackValidationPolicy(
            name=c.PREFIX_QUOTA,
            description="The prefix-list weights of an origin security group must fit the rules-per-group quota.",
            validate=companions.validate_prefix_quota,
            enforcement_level=c.ENFORCEMENT[c.PREFIX_QUOTA],
            config_schema=c.schema(c.PREFIX_QUOTA),
            severity=Severity.MEDIUM,
            tags=["security-group", "quota"],
            remediation_steps="One CloudFront prefix list per security group, or a raised quota (L-0EA8095F).",
        ),
        StackValidationPolicy(
            name=c.ORIGIN_MTLS,
            description="An HTTPS-only custom origin that is an Application Load Balancer should verify CloudFront's "
            "client certificate (origin mutual TLS), not rely on the secret header alone.",
            validate=companions.validate_origin_mtls,
            enforcement_level=c.ENFORCEMENT[c.ORIGIN_MTLS],
            config_schema=c.schema(c.ORIGIN_MTLS),
            severity=Severity.MEDIUM,
            tags=["cloudfront", "tls", "mtls"],
            remediation_steps="Set the distribution origin's originMtlsConfig.clientCertificateArn (ACM, us-east-1) "
            "and the HTTPS listener's mutualAuthentication to mode verify with a trust store holding its CA.",
        ),
    ]

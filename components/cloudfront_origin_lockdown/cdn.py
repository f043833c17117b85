"""The CloudFront distribution: the only client the origin accepts.

Defaults suit a dynamic origin: the managed ``CachingDisabled`` cache policy and
``AllViewerExceptHostHeader`` origin request policy (looked up by name before anything is registered,
see preflight.py; never hard-coded ids), viewers
redirected to HTTPS, IPv6 and HTTP/2 and HTTP/3 on. The origin gets one custom header whose value
is the active secret; CloudFront overwrites any viewer header of the same name
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html).

With a VPC origin the origin is a ``vpc_origin_config`` naming the VPC origin; the domain name is the
internal ALB's name, ``originDomain`` (what CloudFront checks the certificate against with HTTPS), or the
instance's private DNS name, as AWS's console procedure says. The header stays: any distribution of the
account (or one the VPC origin is shared with through AWS RAM) can use the VPC origin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from . import aws_limits
from .inputs import Tags, tagged
from .origin_secret import OriginSecrets
from .settings import HTTP_PORT, HTTPS_PORT, Settings

ORIGIN_ID = "origin"
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]


def origin_protocol_policy(args: Settings) -> str:
    return "https-only" if args.origin_protocol == "https" else "http-only"


def reported_header_value(origins: Any, header_name: str) -> str | None:
    """The secret header value the distribution reports sending to the origin (its ``origins`` output)."""
    for origin in origins or []:
        if (origin or {}).get("origin_id") != ORIGIN_ID:
            continue
        for header in origin.get("custom_headers") or []:
            if str((header or {}).get("name") or "").lower() == header_name.lower():
                value = header.get("value")
                return None if value is None else str(value)
    return None


def build_distribution(
    name: str,
    args: Settings,
    origin_domain_name: pulumi.Input[str],
    secrets: OriginSecrets,
    tags: Tags,
    cache_policy_id: pulumi.Input[str],
    origin_request_policy_id: pulumi.Input[str],
    parent: pulumi.Resource,
    depends_on: list[pulumi.Resource] | None = None,
    web_acl_id: pulumi.Input[str] | None = None,
    vpc_origin_id: pulumi.Input[str] | None = None,
    client_certificate_arn: pulumi.Input[str] | None = None,
    stamp: str | None = None,
    mtls_stamp: pulumi.Input[str] | None = None,
    checks: Sequence[pulumi.Output[Any]] = (),
    own_tags: Mapping[str, str] | None = None,
) -> aws.cloudfront.Distribution:
    """``client_certificate_arn``: origin mutual TLS, the ACM certificate (us-east-1) CloudFront presents to the
    origin (origin_mtls.py); custom origins only (VPC origins cannot: settings.check_origin_mtls).

    ``stamp``: the rotation intent's mark (rotation_record.rotation_stamp), in the comment (128 characters; updated
    in place), so that each new intent sends the whole configuration again and waits for Deployed, even where the
    checkpoint of a killed `pulumi up` already shows its header. ``mtls_stamp``: origin mTLS's intent mark
    (origin_mtls_record.mtls_stamp), after it, for the same reason: each new mTLS intent sends the distribution,
    with its client certificate, again. ``checks``: outputs the comment (so the distribution's update) waits for,
    each raising when what AWS holds forbids the update (origin_mtls.checked_listener_mode). ``own_tags``: the
    component's tags for this distribution (the rotation record it belongs to)."""
    headers = [aws.cloudfront.DistributionOriginCustomHeaderArgs(name=args.header_name, value=secrets.active)]
    if vpc_origin_id is not None:
        origin = aws.cloudfront.DistributionOriginArgs(
            origin_id=ORIGIN_ID,
            domain_name=origin_domain_name,
            # Protocol, ports and TLS versions live on the VPC origin itself (vpc_origin.py).
            vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(
                vpc_origin_id=vpc_origin_id, origin_read_timeout=30, origin_keepalive_timeout=5
            ),
            custom_headers=headers,
        )
    else:
        origin = aws.cloudfront.DistributionOriginArgs(
            origin_id=ORIGIN_ID,
            domain_name=origin_domain_name,
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=HTTP_PORT,
                https_port=HTTPS_PORT,
                origin_protocol_policy=origin_protocol_policy(args),
                origin_ssl_protocols=["TLSv1.2"],
                # CloudFront connects to origins over IPv4 unless told otherwise.
                ip_address_type="dualstack" if args.origin_ipv6 else None,
                origin_read_timeout=30,
                origin_keepalive_timeout=5,
                origin_mtls_config=(
                    aws.cloudfront.DistributionOriginCustomOriginConfigOriginMtlsConfigArgs(
                        client_certificate_arn=client_certificate_arn
                    )
                    if client_certificate_arn is not None
                    else None
                ),
            ),
            custom_headers=headers,
        )
    return aws.cloudfront.Distribution(
        f"{name}-cdn",
        enabled=True,
        comment=(
            distribution_comment(name, stamp)
            if mtls_stamp is None and not checks
            else pulumi.Output.all(mtls_stamp, *checks).apply(
                lambda parts: distribution_comment(name, _joined(stamp, parts[0]))
            )
        ),
        is_ipv6_enabled=True,
        http_version="http2and3",
        price_class=args.price_class,
        origins=[origin],
        default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
            target_origin_id=ORIGIN_ID,
            viewer_protocol_policy="redirect-to-https",
            allowed_methods=ALL_METHODS,
            cached_methods=["GET", "HEAD"],
            cache_policy_id=cache_policy_id,
            origin_request_policy_id=origin_request_policy_id,
            compress=True,
        ),
        restrictions=aws.cloudfront.DistributionRestrictionsArgs(
            geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
        ),
        viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(cloudfront_default_certificate=True),
        web_acl_id=web_acl_id,
        # `pulumi up` returns only once the edge serves the new configuration: the rotation procedure
        # relies on this before it retires the old secret.
        wait_for_deployment=True,
        tags=tagged(tags, own_tags),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on or []),
    )


def _joined(*stamps: str | None) -> str:
    return " ".join(stamp for stamp in stamps if stamp)


def distribution_comment(name: str, stamp: str | None = None) -> str:
    """The distribution's comment: what it is, and the rotation intent it was last sent for.

    The comment holds at most 128 characters (aws_limits.CLOUDFRONT_COMMENT_MAX, API_DistributionConfig). The
    component's name may take all but the fixed text (settings.NAMED_CHILDREN); with a stamp, a long name is cut
    to make room, never the stamp (rotation_record.ROTATION_STAMP_MAX, and after it origin mTLS's
    origin_mtls_record.MTLS_STAMP_MAX), which is what makes a new intent an update.
    """
    what = ": origin locked to CloudFront"
    if not stamp:
        return f"{name}{what}"
    tail = f"{what}; {stamp}"
    room = aws_limits.CLOUDFRONT_COMMENT_MAX - len(tail)
    shown = name if len(name) <= room else name[: room - 1] + "~"
    return f"{shown}{tail}"

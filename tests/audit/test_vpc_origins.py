"""VPC origins: CloudFront's answers recorded (botocore's Stubber: moto has no VPC origin API), the rest of the
account (an internal ALB, its groups) in the moto server.

A VPC origin is judged like the pack judges it: its endpoint's interfaces, on the VPC origin's ports, by the
union of their groups' rules. The tighter rule AWS recommends (admit only the CloudFront-VPCOrigins-Service-SG
group) is clean.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from botocore.stub import Stubber

from cloudfront_origin_lockdown.audit import aws, iam
from cloudfront_origin_lockdown.audit.checks import run_checks
from cloudfront_origin_lockdown.audit.convert import to_catalog
from cloudfront_origin_lockdown.audit.ranges import parse_ip_ranges
from tests.audit.moto_server import MotoServer
from tests.audit.world import RANGES, World

NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)


def _distribution(did: str, origin_id: str, vpc_origin: str) -> dict[str, Any]:
    return {
        "Id": did,
        "ARN": f"arn:aws:cloudfront::123456789012:distribution/{did}",
        "Status": "Deployed",
        "LastModifiedTime": NOW,
        "DomainName": f"{did.lower()}.cloudfront.net",
        "Aliases": {"Quantity": 0},
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": origin_id,
                    "DomainName": "internal-app-1.us-east-1.elb.amazonaws.com",
                    "CustomHeaders": {"Quantity": 0},
                    "VpcOriginConfig": {"VpcOriginId": vpc_origin},
                }
            ],
        },
        "DefaultCacheBehavior": {"TargetOriginId": origin_id, "ViewerProtocolPolicy": "redirect-to-https"},
        "CacheBehaviors": {"Quantity": 0},
        "CustomErrorResponses": {"Quantity": 0},
        "Comment": "",
        "PriceClass": "PriceClass_All",
        "Enabled": True,
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": "",
        "HttpVersion": "http2",
        "IsIPV6Enabled": True,
        "Staging": False,
    }


def _vpc_origin(vid: str, endpoint: str, port: int) -> dict[str, Any]:
    return {
        "VpcOrigin": {
            "Id": vid,
            "Arn": f"arn:aws:cloudfront::123456789012:vpcorigin/{vid}",
            "Status": "Deployed",
            "CreatedTime": NOW,
            "LastModifiedTime": NOW,
            "VpcOriginEndpointConfig": {
                "Name": vid,
                "Arn": endpoint,
                "HTTPPort": port,
                "HTTPSPort": 443,
                "OriginProtocolPolicy": "http-only",
            },
        },
        "ETag": "E1",
    }


def test_vpc_origins_are_followed_to_their_endpoint_and_judged(moto: MotoServer) -> None:
    moto.reset()
    w = World(moto)
    # The service group CloudFront creates in the VPC for its VPC origins (looked up by name, never edited).
    service = w.group("CloudFront-VPCOrigins-Service-SG")
    open_sg = w.group("vpc-open", w.cidrs(8080, "0.0.0.0/0"))
    locked = w.group(
        "vpc-locked",
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": service}]},
        w.cidrs(22, "10.0.0.0/8"),
    )
    open_lb = w.elbv2.create_load_balancer(
        Name="vpc-open", Subnets=w.subnets, SecurityGroups=[open_sg], Scheme="internal"
    )
    locked_lb = w.elbv2.create_load_balancer(
        Name="vpc-locked", Subnets=w.subnets, SecurityGroups=[locked], Scheme="internal"
    )
    open_arn = open_lb["LoadBalancers"][0]["LoadBalancerArn"]
    locked_arn = locked_lb["LoadBalancers"][0]["LoadBalancerArn"]

    session = aws.Session(moto.session())
    cloudfront = session.client("cloudfront", aws.GLOBAL_REGION)
    with Stubber(cloudfront) as stub:
        stub.add_response(
            "list_distributions",
            {
                "DistributionList": {
                    "Marker": "",
                    "MaxItems": 100,
                    "IsTruncated": False,
                    "Quantity": 2,
                    "Items": [
                        _distribution("EOPEN", "private-open", "vo-open"),
                        _distribution("ELOCKED", "private-locked", "vo-locked"),
                    ],
                }
            },
        )
        stub.add_response("get_vpc_origin", _vpc_origin("vo-locked", locked_arn, 8080), {"Id": "vo-locked"})
        stub.add_response("get_vpc_origin", _vpc_origin("vo-open", open_arn, 8080), {"Id": "vo-open"})
        inventory = aws.Collector(session).collect(["us-east-1"])
        stub.assert_no_pending_responses()
    result = run_checks(to_catalog(inventory), parse_ip_ranges(json.dumps(RANGES), "test"))
    found = {(f.check, f.distribution, f.resource) for f in result.findings}
    # Open on the VPC origin's port (8080, from GetVpcOrigin): found; the service group's members only: clean.
    # No header is sent, but a VPC origin is not on the internet: no secret finding.
    assert found == {("origin-open-to-world", "EOPEN", open_sg)}
    (finding,) = result.findings
    assert "tcp 8080" in finding.message and "VPC origin" in finding.message
    # GetVpcOrigin was called once per VPC origin, with its id (the Stubber answers those calls itself, before
    # the session's recorder sees them); every other call is in the IAM policy.
    assert set(session.calls) <= set(iam.ACTIONS)

"""The component's public arguments: one field per stack setting, in snake_case.

This is the type Pulumi's component analyzer turns into the package schema (``pulumi package add``), so:

* it is a ``TypedDict`` (the provider host hands the constructor a plain dict, and Python callers can
  write ``OriginLockdownArgs(architecture="alb", ...)``, which builds the same dict);
* every field has a docstring right under it (the analyzer reads them as the schema's descriptions);
* fields that decide the *shape* of what is built (architecture, counts, ports, switches, names) are
  plain values, so the schema marks them ``plain`` and other languages cannot pass an Output for them;
  values that usually come from other resources (VPC and subnet ids, certificate ARN, hosted zone id,
  AMI id, tags) are ``pulumi.Input``. Known values are validated before any resource is registered;
  Outputs are validated inside ``apply`` with the same message, failing the deployment.

No ``from __future__ import annotations`` here: the analyzer reads the annotations as objects.
"""

from collections.abc import Mapping, Sequence
from typing import TypedDict

import pulumi


class OriginLockdownArgs(TypedDict, total=False):
    """Settings of an origin that only CloudFront can reach. Every field is optional; the defaults are
    the secure, cheap choice (an ALB in a VPC the component creates, HTTP to the origin)."""

    architecture: str
    """`alb` (CloudFront -> an Application Load Balancer -> EC2 instances in private subnets, the
    default) or `direct` (CloudFront -> one EC2 instance with nginx checking the header)."""

    vpc_origin: bool
    """Reach the origin through a CloudFront VPC origin: the load balancer is internal, or the direct
    instance has no public address, and nothing of the origin is on the internet. Default false."""

    instance_type: str
    """EC2 instance type of the origin instances (default t3.micro). Graviton types get the arm64 AMI."""

    instance_count: int
    """Instances behind the ALB, 1 to 10, spread over the private subnets; 0 (the default) means two,
    one per Availability Zone. `direct` runs exactly one."""

    app_port: int
    """Port the app listens on (default 8080): 1024-65535 for the bundled sample app; not 80 or 443
    with `direct` (nginx owns them)."""

    app_boot_script: str
    """The *contents* of a boot script that installs and starts your app on `app_port` (the program in
    this repository reads it from the file named by the `appBootScript` setting). Unset installs the
    bundled sample app. Changing it replaces the instances."""

    health_check_path: str
    """Path the ALB's health check requests from each instance (default /healthz); the app answers 200."""

    origin_header_name: str
    """Name of the secret header CloudFront adds and the origin requires (default X-Origin-Verify):
    letters, digits and '-', at most 40 characters with `alb`, not a header CloudFront refuses to add."""

    secret_length: int
    """Length of each generated alphanumeric secret value, 32 to 128 (default 48)."""

    secret_slots: Sequence[str]
    """Rotation slots whose generated values the origin accepts, 1 to 5 names (default [v1]). Manual
    rotation: add a slot, switch `active_secret_slot`, retire the old slot, one `pulumi up` each."""

    active_secret_slot: str
    """The slot whose value CloudFront sends (default v1); one of `secret_slots`."""

    secret_rotation_days: int
    """Rotate the secret automatically: every `pulumi up` at least this many days (1 to 365) after the
    last step advances a three-value round robin by one step, without refusing a request. 0 (the
    default) turns it off; then `secret_slots` and `active_secret_slot` rotate by hand."""

    origin_domain: str
    """A DNS name for the origin (e.g. origin.example.com): CloudFront then connects over HTTPS
    (`alb` only). Needs `hosted_zone_id` or `certificate_arn`. Unset means HTTP to the origin."""

    hosted_zone_id: pulumi.Input[str]
    """Route 53 hosted zone of `origin_domain`: an ACM certificate is issued and validated through it
    and the name is pointed at the load balancer."""

    certificate_arn: pulumi.Input[str]
    """Instead of `hosted_zone_id`: an issued ACM certificate in the stack's region that covers
    `origin_domain`; you point the name at the load balancer yourself."""

    origin_ipv6: bool
    """`alb` only: CloudFront reaches the origin over IPv6 too (dual-stack VPC and load balancer, and
    the IPv6 origin-facing prefix list). Default false."""

    price_class: str
    """CloudFront price class: PriceClass_100 (the default), PriceClass_200 or PriceClass_All."""

    cache_policy: str
    """Cache policy of the default behavior, by name (default Managed-CachingDisabled). `Managed-*`
    names must be one of AWS's managed policies; any other name is looked up in your account."""

    origin_request_policy: str
    """Origin request policy of the default behavior, by name (default
    Managed-AllViewerExceptHostHeader); same rules as `cache_policy`."""

    vpc_id: pulumi.Input[str]
    """Use this existing VPC instead of creating one; then give `public_subnet_ids` and, for `alb`,
    `private_subnet_ids` in it."""

    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of `vpc_id` for what faces the internet: the ALB (at least two, in different
    Availability Zones) or the direct instance (the first one)."""

    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of `vpc_id` for the instances behind the ALB (and, with `vpc_origin`, the internal ALB
    or the direct instance). They need their own path to SSM and the package repositories."""

    vpc_cidr: str
    """IPv4 block of the VPC the component creates (default 10.80.0.0/16): a private range from /16 to
    /25, carved into four equal subnets."""

    vpc_endpoints: bool
    """With `alb` and a created VPC, add the SSM interface endpoints (about $44 a month) so private
    instances reach Session Manager without a NAT gateway. Default true."""

    ami_id: pulumi.Input[str]
    """Pin the AMI of the instances. Unset uses the newest Amazon Linux 2023 when an instance is
    created; a newer AMI never replaces a running instance."""

    waf: bool
    """`alb` only: attach a regional WAF web ACL to the load balancer that blocks every request
    without an exactly matching secret header. Default false."""

    waf_rate_limit: int
    """With `waf`: block a viewer address above this many requests per 5 minutes (10 to 2,000,000,000).
    0 (the default) adds no rate rule."""

    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Extra tags for every resource the component creates (the component adds Name, Project, Stack
    and its own role tag). Keys and values use the characters CloudFront, ELB, WAF and SSM accept."""

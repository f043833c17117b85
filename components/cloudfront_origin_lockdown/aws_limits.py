"""AWS names and limits the component depends on, each with the documentation page it comes from.

Keep numbers here, not inline: the settings validation, the security-group layout and the tests all
read them from this one place.
"""

from __future__ import annotations

# --- CloudFront managed prefix lists -----------------------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
CLOUDFRONT_PREFIX_LIST_IPV4 = "com.amazonaws.global.cloudfront.origin-facing"
CLOUDFRONT_PREFIX_LIST_IPV6 = "com.amazonaws.global.ipv6.cloudfront.origin-facing"
# A rule that references a prefix list counts as the list's *maximum entries* (its weight), not its
# current size, against the rules-per-security-group quota. Both CloudFront lists weigh 55.
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
CLOUDFRONT_PREFIX_LIST_WEIGHT = 55

# --- Security group quotas (defaults of a fresh account) ----------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
# "Inbound or outbound rules per security group": 60 (quota code L-0EA8095F), counted separately
# for inbound and outbound.
RULES_PER_SECURITY_GROUP = 60
# "Security groups per network interface": 5 (quota code L-2AFB9258).
SECURITY_GROUPS_PER_NETWORK_INTERFACE = 5

# --- CloudFront origin custom headers ------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
CLOUDFRONT_HEADER_NAME_MAX = 256
CLOUDFRONT_HEADER_VALUE_MAX = 1783
CLOUDFRONT_REFUSED_HEADER_NAMES = frozenset(
    name.lower()
    for name in (
        "Cache-Control",
        "Connection",
        "Content-Length",
        "Cookie",
        "Host",
        "If-Match",
        "If-Modified-Since",
        "If-None-Match",
        "If-Range",
        "If-Unmodified-Since",
        "Max-Forwards",
        "Pragma",
        "Proxy-Authorization",
        "Proxy-Connection",
        "Range",
        "Request-Range",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Via",
        "X-Real-Ip",
    )
)
CLOUDFRONT_REFUSED_HEADER_PREFIXES = ("x-amz-", "x-edge-")
# Headers CloudFront does add, but which cannot carry the secret: a viewer, CloudFront or the app gives them
# a meaning of their own. CloudFront appends the viewer's address to X-Forwarded-For (so the origin would
# never see the exact value), adds CloudFront-* headers itself, and a custom value would silently replace
# the viewer's Authorization, Content-Type, ... on every request.
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html
STANDARD_REQUEST_HEADER_NAMES = frozenset(
    name.lower()
    for name in (
        "Accept",
        "Accept-Charset",
        "Accept-Encoding",
        "Accept-Language",
        "Authorization",
        "Content-Encoding",
        "Content-Type",
        "Expect",
        "Forwarded",
        "Keep-Alive",
        "Origin",
        "Proxy-Authenticate",
        "Referer",
        "User-Agent",
        "X-Forwarded-For",
        "X-Forwarded-Host",
        "X-Forwarded-Port",
        "X-Forwarded-Proto",
    )
)
# Hop-by-hop headers (Keep-Alive, Expect, Proxy-Authenticate: RFC 9110 section 7.6.1, RFC 9112) are
# consumed by the next hop, not passed on to the origin.
CLOUDFRONT_ADDED_HEADER_PREFIXES = ("cloudfront-",)
# An Application Load Balancer sets X-Amzn-Trace-Id (it rewrites a value it receives) and, with mutual TLS
# or authentication, X-Amzn-Mtls-* and X-Amzn-Oidc-*: a secret in them would not reach the rule as sent.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html
LOAD_BALANCER_HEADER_PREFIXES = ("x-amzn-",)

# --- ALB listener rules ----------------------------------------------------------------------------
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HttpHeaderConditionConfig.html
# Header name up to 40 characters; each value up to 128 characters, compared case-insensitively,
# with * and ? as wildcards.
ALB_HEADER_NAME_MAX = 40
ALB_HEADER_VALUE_MAX = 128
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
# "Condition values per rule": 5.
ALB_CONDITION_VALUES_PER_RULE = 5
# Same page: "Target groups per action"... and an ALB must span at least two Availability Zones.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones
ALB_MIN_SUBNETS = 2
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
# Name: at most 32 characters, alphanumerics and hyphens, not starting or ending with a hyphen, not
# starting with "internal-".
ALB_NAME_MAX = 32
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
TARGET_GROUP_NAME_MAX = 32
# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html
# HealthCheckPath: 1-1024 characters.
HEALTH_CHECK_PATH_MAX = 1024

# --- EC2 -------------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html : "limited to 16 KB" (raw,
# before base64 encoding).
USER_DATA_MAX_BYTES = 16 * 1024
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
# GroupName: up to 255 characters, not starting with "sg-".
SECURITY_GROUP_NAME_MAX = 255
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (tag limits)
TAGS_PER_RESOURCE_MAX = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256

# --- VPC -------------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html : IPv4 blocks from /16 to /28.
VPC_PREFIX_MIN = 16
VPC_SUBNET_PREFIX_MAX = 28
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer
# An ALB's subnets need "at least a /27 bitmask" and 8 free addresses to scale.
ALB_SUBNET_PREFIX_MAX = 27

# --- SSM Parameter Store ---------------------------------------------------------------------------
# https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
# Standard tier: value up to 4 KB.
SSM_STANDARD_VALUE_MAX_BYTES = 4096
# https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
# Name: at most 1011 characters (2048 with the ARN), at most 15 hierarchy levels.
SSM_PARAMETER_NAME_MAX = 1011
SSM_PARAMETER_LEVELS_MAX = 15

# --- IAM -------------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (name lengths)
IAM_ROLE_NAME_MAX = 64
IAM_INSTANCE_PROFILE_NAME_MAX = 128
IAM_POLICY_NAME_MAX = 128

# --- CloudFront and ACM ------------------------------------------------------------------------------
# https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
# Comment: at most 128 characters.
CLOUDFRONT_COMMENT_MAX = 128
# https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
# DomainName (the certificate's common name): at most 64 characters; a DNS name in general: 253.
ACM_DOMAIN_NAME_MAX = 64
DNS_NAME_MAX = 253

# --- WAF -------------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
# Rate limit: 10 to 2,000,000,000 requests per evaluation window.
WAF_RATE_LIMIT_MIN = 10
WAF_RATE_LIMIT_MAX = 2_000_000_000
# https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html
# Name: 1 to 128 characters of letters, digits, '_' and '-'.
WAF_NAME_MAX = 128
# https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateWebACL.html ("Temporary inconsistencies during
# updates"): a web ACL's change takes "a small amount of time to propagate to all areas where the resources are
# stored. The propagation time can be from a few seconds to a number of minutes", and meanwhile a rule may be "in
# effect in one area ... and not in another". AWS gives no bound; we take 15 minutes (AWS's own rotation sample,
# aws-samples/amazon-cloudfront-waf-secretsmanager, waits 75 seconds): until then old and new rules may both be met.
WAF_PROPAGATION_SECONDS = 15 * 60

# --- Origin mutual TLS (originMtls) ------------------------------------------------------------------
# A trust store's name: 1 to 32 letters, digits and '-', words joined by single hyphens (Pattern
# ^([a-zA-Z0-9]+-)*[a-zA-Z0-9]+$: no leading, trailing or doubled '-')
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTrustStore.html).
TRUST_STORE_NAME_MAX = 32
TRUST_STORE_NAME_PATTERN = r"([a-zA-Z0-9]+-)*[a-zA-Z0-9]+"
# The S3 bucket holding its CA bundle is named from a prefix of at most 37 characters (the provider adds a
# 26-character unique suffix to reach S3's 63: terraform-provider-aws internal/service/s3/bucket.go,
# bucket_prefix); lowercase letters, digits and '-', not starting with xn-- or sthree-
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
S3_BUCKET_PREFIX_MAX = 37
S3_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
# CloudFront's origin mTLS client certificate: RSA 2048 or ECDSA P-256, Extended Key Usage TLS client
# authentication, in ACM in us-east-1, a chain of at most 3 certificates
# (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-certificate-management-certificate-manager.html).
CLOUDFRONT_MTLS_REGION = "us-east-1"
CLOUDFRONT_MTLS_CHAIN_DEPTH_MAX = 3
# An ALB trust store: at most 25 CA certificates of at most 16 KB each
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html#trust-stores-quotas).
TRUST_STORE_CA_CERTIFICATES_MAX = 25

"""cloudfront_origin_lockdown.testing: the mocks a user's unit tests need, and the README's example, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cloudfront_origin_lockdown import testing
from offline.mocks import MOCK_PRIVATE_CA_ARN, run_program

REPO = Path(__file__).resolve().parents[2]

# Settings that make the component call every lookup it has: a created VPC (zones, offerings, AMI), HTTPS with a
# zone, WAF and IPv6; an existing VPC behind a VPC origin (VPC, subnets, internet gateway, service group).
VARIANTS = [
    {"originDomain": "origin.example.com", "hostedZoneId": "Z0123456789ABC", "originIpv6": True, "waf": True},
    {"vpcId": "vpc-0123456789abcdef0", "privateSubnetIds": ["subnet-0000000c", "subnet-0000000d"], "vpcOrigin": True},
    {"architecture": "direct", "vpcOrigin": True},
    {
        "originDomain": "origin.example.com",
        "hostedZoneId": "Z0123456789ABC",
        "originMtls": True,
        "originMtlsPrivateCaArn": MOCK_PRIVATE_CA_ARN,
        "monitoring": True,
    },
]


def test_the_mocks_answer_every_lookup_the_component_makes() -> None:
    called = {invoke.token for config in VARIANTS for invoke in run_program(config).invokes}
    assert called <= testing.LOOKUPS, sorted(called - testing.LOOKUPS)
    # ... and none listed that the component no longer makes.
    assert called >= testing.LOOKUPS, sorted(testing.LOOKUPS - called)
    # ... and each answer is given (no token listed without one).
    mocks = testing.OriginLockdownMocks()
    for token in sorted(testing.LOOKUPS):
        inputs = {"name": testing.SERVICE_SECURITY_GROUP_NAME, "vpcId": "vpc-1", "zoneId": "Z1", "id": "x"}
        if token.endswith("getManagedPrefixList"):
            inputs["name"] = testing.CLOUDFRONT_PREFIX_LIST_IPV4
        assert mocks._answer(token, inputs) is not None, token


def readme_example() -> str:
    text = (REPO / "README.md").read_text()
    section = text.split("#### Unit tests of your program: `cloudfront_origin_lockdown.testing`", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def run_example(source: str) -> None:
    """Run a copy of the example as pytest would: its module body (set_mocks, imports), then its test."""
    namespace: dict[str, object] = {"__name__": "test_site"}
    exec(compile(source, "test_site.py", "exec"), namespace)  # noqa: S102 - the README's own example
    tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
    assert len(tests) == 1
    tests[0]()


def test_the_readme_example_runs_as_written_and_fails_when_it_should() -> None:
    example = readme_example()
    docstring = (REPO / "components" / "cloudfront_origin_lockdown" / "testing.py").read_text()
    assert example.strip() in docstring.replace("\n    ", "\n"), "the module's docstring shows the same example"
    run_example(example)
    broken = example.replace('assert header == "X-Origin-Verify"', 'assert header == "X-Something-Else"')
    assert broken != example
    with pytest.raises(AssertionError):
        run_example(broken)


# Every optional feature of the component at once, on each architecture (originMtls needs alb, HTTPS and no VPC
# origin; the direct instance behind a VPC origin brings its endpoints and the guard's metrics).
EVERYTHING = {
    "alb": (
        'architecture="alb", origin_domain="origin.example.com", hosted_zone_id="Z0123456789ABC", origin_mtls=True, '
        'waf=True, waf_rate_limit=2000, origin_ipv6=True, monitoring=True, alarm_email="ops@example.com", '
        'cloudfront_additional_metrics=True, secret_rotation_days=30, tags={"Team": "web"}'
    ),
    "direct": 'architecture="direct", vpc_origin=True, monitoring=True, alarm_email="ops@example.com"',
}

EVERYTHING_TEST = """
import pulumi

from cloudfront_origin_lockdown.testing import OriginLockdownMocks

pulumi.runtime.set_mocks(OriginLockdownMocks(region="eu-west-1"), preview=False)

from cloudfront_origin_lockdown import OriginLockdown, OriginLockdownArgs  # noqa: E402


@pulumi.runtime.test
def test_everything():
    site = OriginLockdown("shop", OriginLockdownArgs(SETTINGS))

    def check(values):
        url, dashboard, topics, mtls, certificate = values
        assert url.startswith("https://"), url
        assert dashboard.startswith("https://"), dashboard
        assert set(topics) == {"eu-west-1", "us-east-1"}, topics
        assert all(arn.startswith("arn:aws:sns:") for arn in topics.values()), topics
        assert (mtls, bool(certificate)) == EXPECTED_MTLS, (mtls, certificate)

    return pulumi.Output.all(
        site.url, site.dashboard_url, site.alarm_topic_arns, site.origin_mtls, site.origin_mtls_client_certificate_arn
    ).apply(check)
"""


@pytest.mark.parametrize("architecture", sorted(EVERYTHING))
def test_the_helper_runs_the_component_with_every_optional_feature_on(architecture: str) -> None:
    """Issue 20 review: monitoring crashed under the helper (outputs it did not give), and origin mTLS asked for a
    lookup it did not answer. The helper's outputs are offline/mocks.py's table (mock_outputs.py): one source."""
    expected = ("presented", True) if architecture == "alb" else ("off", False)
    source = EVERYTHING_TEST.replace("SETTINGS", EVERYTHING[architecture]).replace("EXPECTED_MTLS", repr(expected))
    run_example(source)


def test_the_helper_and_the_offline_mocks_compute_outputs_from_one_table() -> None:
    """No second table to drift: both mocks answer a resource with mock_outputs.computed_outputs."""
    import offline.mocks
    from cloudfront_origin_lockdown import mock_outputs

    assert offline.mocks.computed_outputs is mock_outputs.computed_outputs
    helper = testing.OriginLockdownMocks(region="eu-west-1")
    inputs = {"internal": True, "name": None}
    assert helper._outputs("aws:lb/loadBalancer:LoadBalancer", "shop-alb", inputs) == mock_outputs.computed_outputs(
        "aws:lb/loadBalancer:LoadBalancer", "shop-alb", inputs, "eu-west-1"
    )

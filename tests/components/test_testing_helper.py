"""cloudfront_origin_lockdown.testing: the mocks a user's unit tests need, and the README's example, run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cloudfront_origin_lockdown import testing
from offline.mocks import run_program

REPO = Path(__file__).resolve().parents[2]

# Settings that make the component call every lookup it has: a created VPC (zones, offerings, AMI), HTTPS with a
# zone, WAF and IPv6; an existing VPC behind a VPC origin (VPC, subnets, internet gateway, service group).
VARIANTS = [
    {"originDomain": "origin.example.com", "hostedZoneId": "Z0123456789ABC", "originIpv6": True, "waf": True},
    {"vpcId": "vpc-0123456789abcdef0", "privateSubnetIds": ["subnet-0000000c", "subnet-0000000d"], "vpcOrigin": True},
    {"architecture": "direct", "vpcOrigin": True},
]


def test_the_mocks_answer_every_lookup_the_component_makes() -> None:
    called = {invoke.token for config in VARIANTS for invoke in run_program(config).invokes}
    assert called <= testing.LOOKUPS, sorted(called - testing.LOOKUPS)
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

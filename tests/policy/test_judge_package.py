"""The judge is one package shared by the policy pack and the audit: pure Python, importable without Pulumi.

``pulumi policy publish`` uploads ``policy/`` alone, the component's wheel and the audit carry the judge too,
and the audit must start without pulumi, pulumi-policy or protobuf: each test here fails if the judge grows
a dependency on one of them, or if its unknown markers drift from pulumi-policy's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pulumi_policy import proxy

from origin_lockdown_judge import values

ROOT = Path(__file__).resolve().parents[2]
JUDGE = ROOT / "policy" / "origin_lockdown_judge"

# Imports one stack in the judge's own words and judges it, with every non-standard package refused.
PROBE = r"""
import importlib, pkgutil, sys
BLOCKED = ("pulumi", "pulumi_policy", "pulumi_aws", "google", "grpc", "boto3", "botocore", "lockdown")
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"the judge imported {name}")
        return None
sys.meta_path.insert(0, Refuse())
import origin_lockdown_judge
names = sorted(m.name for m in pkgutil.iter_modules(origin_lockdown_judge.__path__))
for name in names:
    importlib.import_module(f"origin_lockdown_judge.{name}")
from origin_lockdown_judge.ingress import analyze
from origin_lockdown_judge.model import Res
stack = [
    Res("urn:cdn", "aws:cloudfront/distribution:Distribution", "cdn",
        {"origins": [{"originId": "web", "domainName": "web-1.us-east-1.elb.amazonaws.com",
                      "customOriginConfig": {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "http-only"}}]}),
    Res("urn:lb", "aws:lb/loadBalancer:LoadBalancer", "web",
        {"dnsName": "web-1.us-east-1.elb.amazonaws.com", "securityGroups": ["sg-1"]}),
    Res("urn:sg", "aws:ec2/securityGroup:SecurityGroup", "web-sg",
        {"id": "sg-1", "ingress": [{"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]}]}),
]
config = {"ports": [80, 443], "protocols": ["tcp"], "unknownValues": "deny", "scope": "origins",
          "originSecurityGroupIds": [], "originSecurityGroupTags": {}}
findings = analyze(stack, config)
print(len(names), len(findings), findings[0].certain if findings else None)
"""


def test_the_judge_imports_and_judges_with_the_standard_library_alone() -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'policy')!r})\n{PROBE}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    modules, findings, definite = result.stdout.split()
    assert int(modules) == len([p for p in JUDGE.glob("*.py") if p.name != "__init__.py"])
    assert (findings, definite) == ("1", "True")  # the load balancer's group admits the world on 80


def test_the_unknown_markers_are_pulumi_policys() -> None:
    assert values.UNKNOWN_BOOLEAN_VALUE == proxy.UNKNOWN_BOOLEAN_VALUE
    assert values.UNKNOWN_NUMBER_VALUE == proxy.UNKNOWN_NUMBER_VALUE
    assert values.UNKNOWN_STRING_VALUE == proxy.UNKNOWN_STRING_VALUE
    assert values.UNKNOWN_ARRAY_VALUE == proxy.UNKNOWN_ARRAY_VALUE
    assert values.UNKNOWN_ASSET_VALUE == proxy.UNKNOWN_ASSET_VALUE
    assert values.UNKNOWN_ARCHIVE_VALUE == proxy.UNKNOWN_ARCHIVE_VALUE
    assert values.UNKNOWN_OBJECT_VALUE == proxy.UNKNOWN_OBJECT_VALUE
    assert values.UNKNOWN == proxy.UNKNOWN_STRING_VALUE

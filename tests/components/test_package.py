"""The component as a package others install: a wheel built from the sources, installed into an empty folder
and used by a program outside this repository that brings its own network, as a platform team would.

The wheel is built from a copy of exactly the files the build needs (no build/ or egg-info lands in the
checkout), with the setuptools of the test virtualenv (``--no-build-isolation``: no download). The program
runs in a subprocess whose path holds the installed folder and the repository root (for the mocks in
``offline/``), never ``components/``: what it imports is the installed copy, which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cloudfront_origin_lockdown
from cloudfront_origin_lockdown.origin_lockdown import COMPONENT_TYPE

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "cloudfront_origin_lockdown"
# The judge the component shares with the policy pack and the audit (pyproject: a second source root, policy/).
JUDGE = "origin_lockdown_judge"
SOURCES = {PACKAGE: ROOT / "components" / PACKAGE, JUDGE: ROOT / "policy" / JUDGE}
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SG = "aws:ec2/securityGroup:SecurityGroup"
INSTANCE = "aws:ec2/instance:Instance"
ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
# What the component creates only in a network of its own.
NETWORK_TYPES = {
    VPC,
    SUBNET,
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
}

# A platform team's program: its own VPC and subnets, their ids passed in as Outputs. `shape` picks how
# the ids are passed: a list of Outputs (the example), or one Output of the whole list.
USER_PROGRAM = """
import pulumi
import pulumi_aws as aws
from cloudfront_origin_lockdown import OriginLockdown, OriginLockdownArgs

shape = pulumi.Config().require("shape")
vpc = aws.ec2.Vpc("team-vpc", cidr_block="10.1.0.0/16", enable_dns_hostnames=True, enable_dns_support=True)
public = [aws.ec2.Subnet(f"team-public-{i}", vpc_id=vpc.id, cidr_block=f"10.1.{i}.0/24") for i in (1, 2)]
private = [aws.ec2.Subnet(f"team-private-{i}", vpc_id=vpc.id, cidr_block=f"10.1.{10 + i}.0/24") for i in (1, 2)]
if shape == "alb":
    args = OriginLockdownArgs(
        architecture="alb", vpc_id=vpc.id,
        public_subnet_ids=[s.id for s in public], private_subnet_ids=[s.id for s in private],
        tags={"Team": "web"},
    )
else:
    args = OriginLockdownArgs(
        architecture="direct", vpc_id=vpc.id,
        public_subnet_ids=pulumi.Output.all(*[s.id for s in public]),
        tags=vpc.id.apply(lambda _: {"Team": "web"}),
    )
site = OriginLockdown("shop", args)
pulumi.export("url", site.url)
pulumi.export("originUrl", site.origin_url)
"""

# Runs the program above under the repository's mocks, at up and at preview, and prints what it registered.
RUNNER = """
import json, sys
from pathlib import Path
import cloudfront_origin_lockdown
from offline.mocks import run_program
from offline.snapshot import reveal

program = Path(sys.argv[1])
report = {"package_file": cloudfront_origin_lockdown.__file__, "version": cloudfront_origin_lockdown.__version__}
for shape in ("alb", "direct"):
    for preview in (False, True):
        run = run_program({"shape": shape}, preview=preview, program=program)
        report[f"{shape}/{'preview' if preview else 'up'}"] = {
            "outputs": run.stack_outputs,
            "resources": [
                {"type": r.type, "name": r.name, "urn": r.urn, "parent": r.parent, "id": r.id,
                 "inputs": reveal(r.inputs), "deps": {k: list(v) for k, v in r.property_dependencies.items()}}
                for r in run.resources
            ],
        }
print(json.dumps(report))
"""


def _copy_build_sources(destination: Path) -> None:
    """Exactly what the wheel is built from: the project file, the README it names, the package and the judge."""
    destination.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", destination / "pyproject.toml")
    shutil.copy2(ROOT / "README.md", destination / "README.md")
    for source in SOURCES.values():
        shutil.copytree(
            source,
            destination / source.relative_to(ROOT),
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )


def _pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-deps", "--no-index", "--quiet", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("package")
    source = work / "source"
    _copy_build_sources(source)
    _pip("wheel", "--no-build-isolation", "--wheel-dir", str(work / "dist"), str(source))
    (built,) = (work / "dist").glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--target", str(target), str(wheel))
    return target


@pytest.fixture(scope="module")
def outside_runs(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The user's program, in a folder of its own outside the repository, run under the mocks."""
    outside = tmp_path_factory.mktemp("team-program")
    assert ROOT not in outside.parents
    (outside / "__main__.py").write_text(USER_PROGRAM)
    (outside / "run.py").write_text(RUNNER)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")},
        "PYTHONPATH": os.pathsep.join([str(installed), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [sys.executable, str(outside / "run.py"), str(outside / "__main__.py")],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


# --- the wheel ------------------------------------------------------------------------------------------


def test_the_wheel_holds_the_package_and_the_judge_and_nothing_else_of_the_repository(
    wheel: Path,
) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    version = cloudfront_origin_lockdown.__version__
    assert wheel.name == f"{PACKAGE}-{version}-py3-none-any.whl"
    sources = sorted(
        str(path.relative_to(source.parent))
        for source in SOURCES.values()
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    packaged = sorted(name for name in names if not name.startswith(f"{PACKAGE}-{version}.dist-info/"))
    # Every file of the package (the on-instance guard the boot script embeds, py.typed, the audit) and of the
    # judge, nothing else: not the program, the policy pack's pulumi-policy side, the tests or the plugin's entry.
    assert packaged == sources
    assert f"{PACKAGE}/py.typed" in names and f"{PACKAGE}/origin_guard/guard.py" in names
    assert f"{PACKAGE}/audit/cli.py" in names and f"{JUDGE}/ingress.py" in names
    assert not any(name.startswith(("lockdown/", "policy/")) for name in names)
    entry_points = zipfile.ZipFile(wheel).read(f"{PACKAGE}-{version}.dist-info/entry_points.txt").decode()
    assert "origin-lockdown-audit = cloudfront_origin_lockdown.audit.cli:main" in entry_points
    metadata = zipfile.ZipFile(wheel).read(f"{PACKAGE}-{version}.dist-info/METADATA").decode()
    assert f"Version: {version}\n" in metadata
    assert "Requires-Dist: pulumi<4,>=3.272.0" in metadata
    assert 'Requires-Dist: boto3<2,>=1.34; extra == "audit"' in metadata


def test_the_installed_console_script_runs_the_audit_from_the_installed_copy(installed: Path) -> None:
    """``origin-lockdown-audit`` as pip installs it: the judge comes from the wheel, and pulumi is never imported."""
    script = installed / "bin" / "origin-lockdown-audit"
    assert script.is_file()
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['origin-lockdown-audit', '--regions', 'not a region']\n"
        "try:\n"
        f"    runpy.run_path({str(script)!r}, run_name='__main__')\n"
        "except SystemExit as stop:\n"
        "    import origin_lockdown_judge\n"
        "    print(stop.code, origin_lockdown_judge.__file__, any(m.split('.')[0] == 'pulumi' for m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(installed), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(installed)!r})\n{probe}"],
        capture_output=True, text=True, check=False, env=env, timeout=120,
    )  # fmt: skip
    code, judge_file, pulumi_imported = result.stdout.split()
    assert code == "2" and "invalid setting --regions: 'not a region'" in result.stderr
    assert Path(judge_file) == installed / JUDGE / "__init__.py"
    assert pulumi_imported == "False"


def test_the_program_imports_the_installed_copy(outside_runs: dict[str, Any], installed: Path) -> None:
    package_file = Path(outside_runs["package_file"])
    assert package_file == installed / PACKAGE / "__init__.py"
    assert ROOT not in package_file.parents
    assert outside_runs["version"] == cloudfront_origin_lockdown.__version__


# --- the caller's network, at up and at preview -------------------------------------------------------


def _resources(outside_runs: dict[str, Any], case: str) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = outside_runs[case]["resources"]
    return resources


def _of_type(resources: list[dict[str, Any]], type_token: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["type"] == type_token]


def _caller(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The caller's own network: its VPC and subnets, by role."""
    subnets = _of_type(resources, SUBNET)
    return {
        "vpc": _of_type(resources, VPC),
        "public": [s for s in subnets if s["name"].startswith("team-public-")],
        "private": [s for s in subnets if s["name"].startswith("team-private-")],
    }


CASES = [f"{shape}/{mode}" for shape in ("alb", "direct") for mode in ("up", "preview")]


@pytest.mark.parametrize("case", CASES)
def test_no_second_network_only_the_callers(outside_runs: dict[str, Any], case: str) -> None:
    resources = _resources(outside_runs, case)
    (component,) = _of_type(resources, COMPONENT_TYPE)
    caller = _caller(resources)
    assert len(caller["vpc"]) == 1 and len(caller["public"]) == 2 and len(caller["private"]) == 2
    # The one VPC and the four subnets are the caller's (top level), and the component made no network part.
    network = [r for r in resources if r["type"] in NETWORK_TYPES]
    assert {r["name"] for r in network} == {r["name"] for r in caller["vpc"] + caller["public"] + caller["private"]}
    assert all(r["parent"] != component["urn"] for r in network)
    children = [r for r in resources if r["parent"] == component["urn"]]
    assert _of_type(children, DISTRIBUTION) and _of_type(children, SG)


@pytest.mark.parametrize("shape", ["alb", "direct"])
def test_at_up_the_origin_lands_in_the_callers_subnets_and_vpc(outside_runs: dict[str, Any], shape: str) -> None:
    resources = _resources(outside_runs, f"{shape}/up")
    caller = _caller(resources)
    vpc_id = caller["vpc"][0]["id"]
    public_ids = [s["id"] for s in caller["public"]]
    private_ids = [s["id"] for s in caller["private"]]
    groups = _of_type(resources, SG)
    assert groups and {g["inputs"]["vpcId"] for g in groups} == {vpc_id}
    instances = _of_type(resources, INSTANCE)
    if shape == "alb":
        (alb,) = _of_type(resources, ALB)
        assert alb["inputs"]["subnets"] == public_ids
        # Two instances, one per private subnet of the caller, none in a public one.
        assert [i["inputs"]["subnetId"] for i in instances] == private_ids
        (target_group,) = _of_type(resources, TARGET_GROUP)
        assert target_group["inputs"]["vpcId"] == vpc_id
    else:
        # The direct instance in the first public subnet (the ids came as one Output of a list).
        assert [i["inputs"]["subnetId"] for i in instances] == public_ids[:1]
        assert instances[0]["inputs"]["associatePublicIpAddress"] is True
    # The caller's tags on what the component creates, next to its own.
    assert all(g["inputs"]["tags"]["Team"] == "web" for g in groups)
    assert outside_runs[f"{shape}/up"]["outputs"]["url"].startswith("https://")


@pytest.mark.parametrize("shape", ["alb", "direct"])
def test_at_preview_the_unknown_ids_are_wired_to_the_callers_subnets(outside_runs: dict[str, Any], shape: str) -> None:
    """Before anything exists the ids are unknown: the origin's placement shows in its dependencies. (An
    existing network given as Outputs is checked as a whole, so a part of it depends on all of it.)"""
    resources = _resources(outside_runs, f"{shape}/preview")
    caller = _caller(resources)
    vpc_urns = {caller["vpc"][0]["urn"]}
    public_urns = {s["urn"] for s in caller["public"]}
    private_urns = {s["urn"] for s in caller["private"]}
    network_urns = vpc_urns | public_urns | private_urns
    for group in _of_type(resources, SG):
        assert vpc_urns <= set(group["deps"]["vpcId"]) <= network_urns
    for instance in _of_type(resources, INSTANCE):
        assert (private_urns if shape == "alb" else public_urns) <= set(instance["deps"]["subnetId"]) <= network_urns
    if shape == "alb":
        (alb,) = _of_type(resources, ALB)
        assert public_urns <= set(alb["deps"]["subnets"]) <= network_urns


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def test_no_registered_value_is_an_unresolved_python_object(outside_runs: dict[str, Any]) -> None:
    """An Output handled as a plain value would reach the engine as its repr: nowhere."""
    for case in CASES:
        for resource in _resources(outside_runs, case):
            for value in _walk(resource["inputs"]):
                assert not (isinstance(value, str) and "pulumi.output" in value.lower()), (case, resource["name"])

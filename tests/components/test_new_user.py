"""A new user's first mistakes get the real reason, once, and a fix that works (issue 20's first hour)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cloudfront_origin_lockdown import preflight
from cloudfront_origin_lockdown.config import load_settings
from cloudfront_origin_lockdown.preflight import check_region
from cloudfront_origin_lockdown.settings import SettingError
from offline.mocks import ProgramError, run_program

REPO = Path(__file__).resolve().parents[2]


def stack(values: dict[str, object]) -> dict[str, str]:
    """Settings as the CLI hands them to the program: text, lists and maps as JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def test_direct_with_an_origin_domain_says_direct_cannot_do_https_first() -> None:
    """It used to ask for hostedZoneId first, then, once that was set, refuse HTTPS with direct altogether."""
    given = stack({"architecture": "direct", "originDomain": "origin.example.com"})
    with pytest.raises(SettingError) as caught:
        load_settings(given.get, present_keys=list(given))
    assert str(caught.value).startswith(
        "invalid setting originDomain: 'origin.example.com' is not allowed; HTTPS to the origin needs architecture alb"
    )


def test_tags_written_as_a_map_get_the_list_that_works() -> None:
    given = stack({"tags": {"Team": "web", "Environment": "dev"}})
    with pytest.raises(SettingError) as caught:
        load_settings(given.get, present_keys=list(given))
    assert str(caught.value) == (
        "invalid setting tags: {'Team': 'web', 'Environment': 'dev'} is not allowed; expected a list of Key=Value "
        "strings, not a map: write it as [Team=web, Environment=dev] (Pulumi.yaml declares tags as a list of "
        "strings: a project setting has no map type)"
    )
    # ... and what it suggests is accepted as it is.
    fixed = stack({"tags": ["Team=web", "Environment=dev"]})
    assert dict(load_settings(fixed.get, present_keys=list(fixed)).settings.tags) == {
        "Team": "web",
        "Environment": "dev",
    }


@pytest.mark.parametrize(
    "region", ["us-east1", "US-EAST-1", "useast-1", "us-east-1 ", "us-east-1\n", "", "us-east-", "xx-east-1"]
)
def test_a_region_that_is_no_region_code_is_refused_as_the_region(region: str) -> None:
    with pytest.raises(SettingError) as caught:
        check_region(region)
    assert caught.value.key == "aws:region"


@pytest.mark.parametrize(
    "region", ["us-east-1", "ap-southeast-7", "us-gov-west-1", "eu-isoe-west-1", "il-central-1", "eusc-de-east-1"]
)
def test_real_region_codes_pass(region: str) -> None:
    check_region(region)


def test_the_region_patterns_are_botocores_partitions() -> None:
    """Issue 20 review: a hand-written pattern refused eusc-de-east-1. The patterns are each partition's regionRegex
    in botocore's endpoint data, and every Region botocore lists passes."""
    botocore = pytest.importorskip("botocore", reason="botocore is in requirements-dev.txt")
    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    assert sorted(preflight.REGION_PATTERNS) == sorted(p["regionRegex"] for p in data["partitions"])
    for partition in data["partitions"]:
        for region in partition["regions"]:
            if not region.endswith("-global"):
                check_region(region)


def test_the_program_names_a_mistyped_region_before_anything_else() -> None:
    with pytest.raises(ProgramError) as caught:
        run_program({}, region="us-east1")
    assert str(caught.value).startswith("invalid setting aws:region: 'us-east1' is not allowed")
    assert caught.value.run.resources == [] or all(not r.custom for r in caught.value.run.resources)


def test_make_help_lists_every_target_with_what_it_does() -> None:
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True, check=True
    )
    described = {line.split()[1]: line for line in listed.stdout.splitlines() if line.startswith("  make ")}
    makefile = (REPO / "Makefile").read_text()
    phony = next(line for line in makefile.splitlines() if line.startswith(".PHONY:")).split()[1:]
    assert sorted(described) == sorted(phony)
    assert all(len(line.split(None, 2)) == 3 for line in described.values())
    # `make` alone prints the same list: it is the default goal.
    bare = subprocess.run(["make", "--no-print-directory"], cwd=REPO, capture_output=True, text=True, check=True)
    assert bare.stdout == listed.stdout


def test_a_project_renamed_by_pulumi_new_refuses_the_templates_stack_settings() -> None:
    """`pulumi new` names the project "shop" but copies Pulumi.dev.yaml with cloudfront-origin-lockdown: keys: read by
    nothing, they would silently deploy the defaults."""
    with pytest.raises(ProgramError) as caught:
        run_program({"cloudfront-origin-lockdown:architecture": "direct"}, project="shop")
    assert str(caught.value) == (
        "invalid setting cloudfront-origin-lockdown:architecture: '(set)' is not allowed; in the namespace of the "
        "template this project was made from, which nothing reads: this project is named 'shop' (Pulumi.yaml), so "
        "its settings are shop:<key> (here shop:architecture); rename the keys in the stack file, e.g. "
        "sed -i 's/^  cloudfront-origin-lockdown:/  shop:/' Pulumi.<stack>.yaml"
    )
    assert not [r for r in caught.value.run.resources if r.custom]
    # Renamed as it says, the same setting is read.
    renamed = run_program({"shop:architecture": "direct"}, project="shop")
    assert renamed.stack_outputs["architecture"] == "direct"


@pytest.mark.parametrize("preview", [False, True])
def test_an_instance_type_the_provider_does_not_list_is_a_warning_at_preview_and_up(preview: bool) -> None:
    run = run_program({"instanceType": "t3.mirco"}, preview=preview)
    warnings = [message for level, message in run.logs if level == "warning"]
    assert len(warnings) == 1
    assert warnings[0].startswith("instanceType 't3.mirco' is not one of the ")
    assert "EC2 instance types the AWS provider lists (pulumi-aws 7." in warnings[0]
    listed = run_program({"instanceType": "c7gn.metal"}, preview=preview)
    assert not [message for level, message in listed.logs if level == "warning"]

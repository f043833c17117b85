"""`make check` end to end: green on this repository, red on a deliberately opened origin."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from offline.check import check, main, print_human

ROOT = Path(__file__).resolve().parents[2]

# A program that deploys the real component, then opens its origin group to the world on 443 with a
# separate rule, wired by a plain id string looked up from the component's output.
OPENED_PROGRAM = """
import runpy
import pulumi
import pulumi_aws as aws

namespace = runpy.run_path({main!r}, run_name="__pulumi_program__")
origin = namespace["origin"]
aws.vpc.SecurityGroupIngressRule(
    "opened-to-the-world",
    security_group_id=origin.security_group_ids.apply(lambda ids: ids["origin-ipv4"]),
    ip_protocol="tcp",
    from_port=443,
    to_port=443,
    cidr_ipv4="0.0.0.0/0",
)
"""


@pytest.fixture(scope="module")
def opened_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    project = tmp_path_factory.mktemp("opened")
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    shutil.copy(ROOT / "Pulumi.dev.yaml", project / "Pulumi.dev.yaml")
    (project / "__main__.py").write_text(OPENED_PROGRAM.format(main=str(ROOT / "__main__.py")))
    yield project


def run_main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def test_repository_passes_for_every_stack_architecture_and_mode() -> None:
    code, report = run_main()
    assert code == 0, report
    stacks = [p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml")]
    for stack in stacks:
        for architecture in ("alb", "direct"):
            for variant in (architecture, f"{architecture} / vpcOrigin"):
                for mode in ("preview", "up"):
                    assert f"== stack {stack} / {variant} / {mode}:" in report
    assert f"{8 * len(stacks)} passed, 0 failed" in report
    assert "ingress tcp 80 from pl-" in report  # the tree, with security-relevant settings
    assert "[mandatory]" not in report


def test_json_output_is_machine_readable() -> None:
    code, text = run_main("--json", "--architecture", "direct")
    document = json.loads(text)
    assert code == 0 and document["ok"] is True
    assert {case["architecture"] for case in document["cases"]} == {"direct"}
    up = next(case for case in document["cases"] if case["mode"] == "up")
    types = {resource["type"] for resource in up["resources"]}
    assert "aws:cloudfront/distribution:Distribution" in types
    assert all(v["enforcement_level"] != "mandatory" for case in document["cases"] for v in case["violations"])


@pytest.mark.parametrize("mode", ["preview", "up"])
def test_a_deliberately_opened_origin_fails(opened_project: Path, mode: str) -> None:
    results = [r for r in check(opened_project, architectures=("alb",)) if r.mode == mode]
    # The public ALB and the internal ALB behind a VPC origin: the same opened rule fails both.
    assert [r.vpc_origin for r in results] == [False, True]
    for result in results:
        assert result.failed
        mandatory = [v for v in result.violations if v.enforcement_level == "mandatory"]
        assert mandatory, [v.message for v in result.violations]
        assert any("opened-to-the-world" in v.message for v in mandatory)
    out = io.StringIO()
    print_human(results, out)
    assert "0 passed, 2 failed" in out.getvalue()


def test_exit_code_is_nonzero_on_a_mandatory_violation(opened_project: Path) -> None:
    code, report = run_main("--project-dir", str(opened_project), "--architecture", "direct")
    assert code == 1
    assert "[mandatory] origin-sg-no-world-ingress" in report


def test_a_config_error_for_the_configured_architecture_fails(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n  cloudfront-origin-lockdown:architecture: alb\n  cloudfront-origin-lockdown:appPort: 70000\n"
    )
    code, report = run_main("--project-dir", str(tmp_path))
    assert code == 1
    assert "FAIL: invalid setting appPort: 70000 is not allowed" in report


def test_not_a_project_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project-dir", str(tmp_path)]) == 2
    assert "is not a Pulumi project (no Pulumi.yaml)" in capsys.readouterr().err

"""`make check` end to end: green on this repository, red on a deliberately opened origin, on a stack whose
own settings are invalid, and on any unexpected exception; verdicts and counts exact."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pulumi
import pytest

from offline.analyzer import AnalyzerProcess, Violation
from offline.check import (
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    CaseResult,
    StackFileError,
    check,
    exit_code,
    is_setting_error,
    main,
    planned_cases,
    print_human,
    program_config,
    run_case,
    stack_file_problem,
    stack_files,
    stack_settings,
    summary,
    to_json,
    written_flag,
)
from offline.mocks import ProgramError, ProgramRun

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "cloudfront-origin-lockdown"

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

# The real program, except that it crashes (not a setting error) for one architecture.
CRASHING_PROGRAM = """
import runpy
import pulumi

if pulumi.Config().get("architecture") == {crash_on!r}:
    raise RuntimeError("boom in the program")
runpy.run_path({main!r}, run_name="__pulumi_program__")
"""


def project(tmp: Path, stack_config: dict[str, Any], program: str | None = None) -> Path:
    """A copy of the project with one stack file ``broken`` and (optionally) another program."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp / "Pulumi.yaml")
    if program is None:
        shutil.copy(ROOT / "__main__.py", tmp / "__main__.py")
    else:
        (tmp / "__main__.py").write_text(program)
    lines = ["config:", "  aws:region: us-east-1"]
    for key, value in stack_config.items():
        lines.append(f"  {PREFIX}:{key}: {json.dumps(value)}")
    (tmp / "Pulumi.broken.yaml").write_text("\n".join(lines) + "\n")
    return tmp


@pytest.fixture(scope="module")
def opened_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("opened")
    shutil.copy(ROOT / "Pulumi.yaml", path / "Pulumi.yaml")
    shutil.copy(ROOT / "Pulumi.dev.yaml", path / "Pulumi.dev.yaml")
    (path / "__main__.py").write_text(OPENED_PROGRAM.format(main=str(ROOT / "__main__.py")))
    yield path


def run_main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


@pytest.fixture(scope="module")
def analyzer() -> Iterator[AnalyzerProcess]:
    """One policy pack for the module (starting it costs more than a run of the program)."""
    with AnalyzerProcess() as started:
        yield started


def review(analyzer: AnalyzerProcess, project_dir: Path, *architectures: str) -> tuple[int, str]:
    """What `make check` prints and returns for ``project_dir``, with a running policy pack."""
    results = check(project_dir, architectures=architectures or ("alb", "direct"), analyzer=analyzer)
    out = io.StringIO()
    print_human(results, out)
    return exit_code(results), out.getvalue()


def test_repository_passes_for_every_stack_architecture_and_mode() -> None:
    code, report = run_main()
    assert code == 0, report
    stacks = [p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml")]
    for stack in stacks:
        for mode in ("preview", "up"):
            assert f"== stack {stack} / alb (as written) / {mode}:" in report
            for variant in ("alb+vpcOrigin", "direct", "direct+vpcOrigin"):
                assert f"== stack {stack} / {variant} (variant) / {mode}:" in report
    assert report.splitlines()[-2] == f"{8 * len(stacks)} passed, 0 failed"
    assert "ingress tcp 80 from pl-" in report  # the tree, with security-relevant settings
    assert "[mandatory]" not in report
    timing = report.splitlines()[-1]
    assert re.fullmatch(r"\(checked in \d+\.\d s\)", timing)
    assert 0 < float(timing[len("(checked in ") : -len(" s)")]) < 600


def test_json_output_is_machine_readable() -> None:
    code, text = run_main("--json", "--architecture", "direct")
    assert text.startswith('{\n  "ok": true,\n  "summary": ')  # indented for people reading CI logs too
    document = json.loads(text)
    assert code == 0 and document["ok"] is True
    for case in document["cases"]:
        assert set(case) == {
            "stack",
            "architecture",
            "vpcOrigin",
            "mode",
            "configured",
            "verdict",
            "failed",
            "unexpected",
            "error",
            "warnings",
            "resources",
            "violations",
        }
        assert (case["stack"], case["failed"], case["error"], case["warnings"]) == ("dev", False, None, [])
    assert document["summary"] == "4 passed, 0 failed"
    assert {case["architecture"] for case in document["cases"]} == {"direct"}
    assert [case["vpcOrigin"] for case in document["cases"]] == [False, False, True, True]
    assert {(case["configured"], case["verdict"], case["unexpected"]) for case in document["cases"]} == {
        (False, PASSED, False)
    }
    up = next(case for case in document["cases"] if case["mode"] == "up")
    types = {resource["type"] for resource in up["resources"]}
    assert "aws:cloudfront/distribution:Distribution" in types
    assert all(v["enforcement_level"] != "mandatory" for case in document["cases"] for v in case["violations"])


@pytest.mark.parametrize("mode", ["preview", "up"])
def test_a_deliberately_opened_origin_fails(opened_project: Path, mode: str, analyzer: AnalyzerProcess) -> None:
    results = [r for r in check(opened_project, architectures=("alb",), analyzer=analyzer) if r.mode == mode]
    # The public ALB as written and the internal ALB behind a VPC origin: the same opened rule fails both.
    assert [(r.configured, r.vpc_origin) for r in results] == [(True, False), (False, True)]
    for result in results:
        assert result.failed and result.verdict == FAILED and result.error is None
        mandatory = [v for v in result.violations if v.enforcement_level == "mandatory"]
        assert mandatory, [v.message for v in result.violations]
        assert any("opened-to-the-world" in v.message for v in mandatory)
    out = io.StringIO()
    print_human(results, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"== stack dev / alb (as written) / {mode}: {results[0].resources} resources"
    assert lines[-1] == f"0 passed, 2 failed: dev/alb/{mode}, dev/alb+vpcOrigin/{mode}"


def test_exit_code_is_nonzero_on_a_mandatory_violation(opened_project: Path, analyzer: AnalyzerProcess) -> None:
    code, report = review(analyzer, opened_project, "direct")
    assert code == 1
    assert "[mandatory] origin-sg-no-world-ingress" in report


def test_a_config_error_for_the_configured_architecture_fails(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    code, report = review(analyzer, project(tmp_path, {"architecture": "alb", "appPort": 70000}))
    assert code == 1
    assert "== stack broken / alb (as written) / preview: FAIL: invalid setting appPort: 70000 is not allowed" in report
    assert report.splitlines()[-1] == (
        "0 passed, 2 failed, 6 not applicable (a variant refuses this stack's settings): "
        "broken/alb/preview, broken/alb/up"
    )


def test_the_stacks_own_architecture_is_checked_as_written(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """`architecture: ALB` is not alb: the stack as written fails, whatever the other runs show."""
    code, report = review(analyzer, project(tmp_path, {"architecture": "ALB"}))
    assert code == 1
    assert (
        "== stack broken / ALB (as written) / preview: FAIL: invalid setting architecture: 'ALB' is not allowed; "
        "expected one of alb, direct"
    ) in report
    assert report.splitlines()[-1] == "8 passed, 2 failed: broken/ALB/preview, broken/ALB/up"


def test_a_filter_cannot_hide_an_invalid_stack(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    code, report = review(analyzer, project(tmp_path, {"architecture": "ALB"}), "direct")
    assert code == 1
    assert report.splitlines()[-1] == "4 passed, 2 failed: broken/ALB/preview, broken/ALB/up"


def test_an_exception_in_the_other_architecture_is_a_failure_not_na(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    program = CRASHING_PROGRAM.format(crash_on="direct", main=str(ROOT / "__main__.py"))
    code, report = review(analyzer, project(tmp_path, {"architecture": "alb"}, program))
    assert code == 1
    assert "== stack broken / direct (variant) / preview: FAIL: boom in the program" in report
    # The same crash in the other runs is listed under it, not printed again.
    assert report.count("boom in the program") == 1
    assert (
        "   the same for direct (variant) / up: FAIL; direct+vpcOrigin (variant) / preview: FAIL; "
        "direct+vpcOrigin (variant) / up: FAIL"
    ) in report
    assert report.splitlines()[-1] == (
        "4 passed, 4 failed: broken/direct/preview, broken/direct/up, broken/direct+vpcOrigin/preview, "
        "broken/direct+vpcOrigin/up"
    )


def test_settings_the_other_architecture_refuses_are_shown_and_not_counted(
    tmp_path: Path, analyzer: AnalyzerProcess
) -> None:
    code, report = review(analyzer, project(tmp_path, {"architecture": "alb", "originIpv6": True}))
    assert code == 0, report
    assert (
        "== stack broken / direct (variant) / preview: not applicable: invalid setting originIpv6: True is not allowed;"
    ) in report
    assert report.splitlines()[-1] == "2 passed, 0 failed, 6 not applicable (a variant refuses this stack's settings)"


def test_a_policy_of_the_users_account_is_an_unknown_not_an_error(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    code, report = review(analyzer, project(tmp_path, {"cachePolicy": "my-team-caching"}), "alb")
    assert code == 0, report
    assert report.splitlines()[-1] == "4 passed, 0 failed"


def test_a_mistyped_managed_policy_fails(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    code, report = review(analyzer, project(tmp_path, {"cachePolicy": "Managed-CachingDisabld"}))
    assert code == 1
    assert "invalid setting cachePolicy: 'Managed-CachingDisabld' is not allowed; expected an AWS-managed" in report
    assert report.splitlines()[-1] == (
        "0 passed, 2 failed, 6 not applicable (a variant refuses this stack's settings): "
        "broken/alb/preview, broken/alb/up"
    )


def test_nothing_checked_is_not_a_pass() -> None:
    code, report = run_main("--stack", "no-such-stack")
    assert code == 1
    assert report.splitlines()[0] == "0 passed, 0 failed"
    assert to_json([])["ok"] is False


def test_several_stacks_can_be_selected(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """--stack is repeatable: both stacks run, and a name that is only part of another selects nothing."""
    shutil.copy(ROOT / "Pulumi.dev.yaml", project(tmp_path, {"architecture": "direct"}) / "Pulumi.dev.yaml")
    shutil.copy(ROOT / "Pulumi.dev.yaml", tmp_path / "Pulumi.extra.yaml")
    # A stack that sorts after a skipped one still runs.
    only_dev = check(tmp_path, stacks=["dev"], architectures=("direct",), analyzer=analyzer)
    assert [(r.stack, r.variant, r.mode) for r in only_dev] == [
        ("dev", "direct", "preview"),
        ("dev", "direct", "up"),
        ("dev", "direct+vpcOrigin", "preview"),
        ("dev", "direct+vpcOrigin", "up"),
    ]
    assert check(tmp_path, stacks=["de"], architectures=("direct",), analyzer=analyzer) == []
    code, report = run_main(
        "--project-dir", str(tmp_path), "--stack", "dev", "--stack", "broken", "--architecture", "direct"
    )
    assert code == 0 and "== stack broken / direct (as written) / up:" in report and "== stack dev / direct" in report
    assert "== stack extra" not in report


def test_the_command_line_and_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert text.startswith(
        "usage: python -m offline.check [-h] [--project-dir PROJECT_DIR] [--stack STACK] "
        "[--architecture {alb,direct}] [--json] `make check`: review the program without a cloud, the way a pull "
        "request from a fork must be."
    )
    for option, help_text in [
        ("--project-dir PROJECT_DIR", "Pulumi project to check"),
        ("--stack STACK", "only this stack (repeatable)"),
        ("--architecture {alb,direct}", "only this architecture"),
        ("--json", "print one JSON document instead of the report"),
    ]:
        assert f"{option} {help_text}" in text
    with pytest.raises(SystemExit) as exited:
        main(["--architecture", "ALB"])
    assert exited.value.code == 2
    assert "invalid choice: 'ALB'" in capsys.readouterr().err


def test_not_a_project_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--project-dir", str(tmp_path)]) == 2
    assert "is not a Pulumi project (no Pulumi.yaml)" in capsys.readouterr().err


def test_no_stack_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    assert main(["--project-dir", str(tmp_path)]) == 2
    assert "no stack files (Pulumi.<stack>.yaml)" in capsys.readouterr().err


def test_stack_files_are_read_from_the_projects_stack_config_dir(tmp_path: Path) -> None:
    text = (ROOT / "Pulumi.yaml").read_text()
    (tmp_path / "Pulumi.yaml").write_text(text + "stackConfigDir: config\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "Pulumi.prod.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.stale.yaml").write_text("config: {}\n")  # not where the CLI looks
    assert stack_files(tmp_path) == [tmp_path / "config" / "Pulumi.prod.yaml"]


# --- the verdict logic, case by case ---------------------------------------------------------------------


def violation(level: str) -> Violation:
    return Violation(policy_name="p", enforcement_level=level, message="m", urn="u", stage="analyze")


@pytest.mark.parametrize(
    ("configured", "error", "unexpected", "levels", "verdict"),
    [
        (True, None, False, [], PASSED),
        (False, None, False, [], PASSED),
        (True, None, False, ["advisory"], PASSED),
        (False, None, False, ["advisory", "disabled"], PASSED),
        (True, None, False, ["advisory", "mandatory"], FAILED),
        (False, None, False, ["mandatory"], FAILED),
        (True, "invalid setting x", False, [], FAILED),
        (False, "invalid setting x", False, [], NOT_APPLICABLE),
        (False, "boom", True, [], FAILED),
        (True, "boom", True, [], FAILED),
    ],
)
def test_verdicts(configured: bool, error: str | None, unexpected: bool, levels: list[str], verdict: str) -> None:
    result = CaseResult("s", "alb", "up", configured, error=error, unexpected=unexpected)
    result.violations = [violation(level) for level in levels]
    assert result.verdict == verdict
    assert result.failed is (verdict == FAILED)


def test_the_summary_counts_only_what_passed() -> None:
    results = [
        CaseResult("s", "alb", "preview", True),
        CaseResult("s", "alb", "up", True, violations=[violation("mandatory")]),
        CaseResult("s", "direct", "preview", False, error="invalid setting"),
        CaseResult("s", "direct", "up", False, error="invalid setting"),
        CaseResult("s", "direct", "up", False, error="boom", unexpected=True),
    ]
    assert summary(results) == (
        "1 passed, 2 failed, 2 not applicable (a variant refuses this stack's settings): s/alb/up, s/direct/up"
    )
    document = to_json(results)
    assert document["ok"] is False
    assert [case["verdict"] for case in document["cases"]] == [PASSED, FAILED, NOT_APPLICABLE, NOT_APPLICABLE, FAILED]
    assert to_json(results[:1])["ok"] is True


ALB, ALB_VPC, DIRECT, DIRECT_VPC = ("alb", False), ("alb", True), ("direct", False), ("direct", True)


@pytest.mark.parametrize(
    ("written", "written_vpc_origin", "architectures", "expected"),
    [
        ("alb", False, ("alb", "direct"), [(*ALB, True), (*ALB_VPC, False), (*DIRECT, False), (*DIRECT_VPC, False)]),
        ("alb", True, ("alb", "direct"), [(*ALB_VPC, True), (*ALB, False), (*DIRECT, False), (*DIRECT_VPC, False)]),
        ("direct", False, ("alb", "direct"), [(*DIRECT, True), (*ALB, False), (*ALB_VPC, False), (*DIRECT_VPC, False)]),
        ("alb", False, ("direct",), [(*DIRECT, False), (*DIRECT_VPC, False)]),
        ("alb", False, ("alb",), [(*ALB, True), (*ALB_VPC, False)]),
        # vpcOrigin written as something that is no boolean: the run as written fails on it; every variant runs.
        ("alb", None, ("alb",), [(*ALB, True), (*ALB, False), (*ALB_VPC, False)]),
        (
            "ALB",
            False,
            ("alb", "direct"),
            [("ALB", False, True), (*ALB, False), (*ALB_VPC, False), (*DIRECT, False), (*DIRECT_VPC, False)],
        ),
        ("ALB", False, ("direct",), [("ALB", False, True), (*DIRECT, False), (*DIRECT_VPC, False)]),
    ],
)
def test_planned_cases(
    written: str,
    written_vpc_origin: bool | None,
    architectures: tuple[str, ...],
    expected: list[tuple[str, bool, bool]],
) -> None:
    assert planned_cases(written, written_vpc_origin, architectures) == expected


class SettingError(ValueError):
    """Named like the component's: matched by name, whichever copy of the package raised it."""


def _program_error(cause: BaseException) -> ProgramError:
    error = ProgramError(str(cause), ProgramRun(resources=[], invokes=[], stack_outputs={}, preview=True))
    error.__cause__ = cause
    return error


def test_setting_errors_are_recognised_through_the_chain() -> None:
    assert is_setting_error(SettingError("x"))
    wrapped = pulumi.RunError("invalid setting x")  # what __main__ raises `from None` in the except block
    wrapped.__context__ = SettingError("x")
    assert is_setting_error(wrapped)
    assert is_setting_error(_program_error(wrapped))
    assert not is_setting_error(RuntimeError("invalid setting x: looks like one, is not"))
    assert not is_setting_error(_program_error(pulumi.RunError("invalid setting x: a RunError of its own")))
    looped = pulumi.RunError("a")
    other = pulumi.RunError("b")
    looped.__context__, other.__context__ = other, looped
    assert not is_setting_error(looped)


@pytest.mark.parametrize("crash", [KeyError("slot"), TypeError("x"), RuntimeError("x"), ValueError("x")])
def test_a_crash_while_handling_a_setting_error_is_a_crash(crash: Exception) -> None:
    """A bug in an error path chains the SettingError it was handling as its context: still a crash."""
    crash.__context__ = SettingError("x")
    assert not is_setting_error(crash)
    assert not is_setting_error(_program_error(crash))
    run_error = pulumi.RunError("wrapped")
    run_error.__context__ = crash
    assert not is_setting_error(_program_error(run_error))


class BrokenAnalyzer:
    def analyze_resources(self, resources: Any, preview: bool) -> list[Violation]:
        raise RuntimeError("analyzer went away")


def test_an_analyzer_failure_is_a_failure() -> None:
    settings = {f"{PREFIX}:architecture": "alb"}
    result = run_case(BrokenAnalyzer(), ROOT, PREFIX, "dev", settings, "direct", "preview", configured=False)  # type: ignore[arg-type]
    assert (result.verdict, result.error, result.unexpected) == (FAILED, "RuntimeError: analyzer went away", True)


@pytest.mark.parametrize(
    ("raised", "shown"),
    [
        (KeyError("mocks"), "KeyError: 'mocks'"),
        (RuntimeError(), "RuntimeError: RuntimeError"),
        (OSError("a\nb"), "OSError: a"),
    ],
)
def test_a_harness_failure_is_a_failure(raised: Exception, shown: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import offline.check as module

    def broken(*_: Any, **__: Any) -> Any:
        raise raised

    monkeypatch.setattr(module, "run_program", broken)
    result = run_case(BrokenAnalyzer(), ROOT, PREFIX, "dev", {}, "direct", "up", configured=False)  # type: ignore[arg-type]
    assert (result.verdict, result.error, result.unexpected) == (FAILED, shown, True)


@pytest.mark.parametrize("mode", ["preview", "up"])
def test_each_case_runs_the_program_and_the_pack_as_it_says(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack as written runs unmodified; another architecture is swapped in; the stack's name, the
    mode and the program reach the run, and the mode reaches the policy pack."""
    runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    analyses: list[bool] = []

    class Recorder:
        def analyze_resources(self, resources: Any, preview: bool) -> list[Violation]:
            analyses.append(preview)
            return []

    import offline.check as module

    real = module.run_program

    def recording(config: dict[str, Any], **kwargs: Any) -> Any:
        runs.append((dict(config), dict(kwargs)))
        return real(config, **kwargs)

    monkeypatch.setattr(module, "run_program", recording)
    settings = {f"{PREFIX}:architecture": "alb", f"{PREFIX}:appPort": 9000}
    as_written = run_case(Recorder(), ROOT, PREFIX, "qa", settings, "alb", mode, configured=True)  # type: ignore[arg-type]
    other = run_case(Recorder(), ROOT, PREFIX, "qa", settings, "direct", mode, configured=False)  # type: ignore[arg-type]
    expected = {
        "preview": mode == "preview",
        "stack": "qa",
        "program": ROOT / "__main__.py",
        "region": "us-east-1",
        "project": PREFIX,
    }
    other_config = {**settings, f"{PREFIX}:architecture": "direct", f"{PREFIX}:vpcOrigin": False}
    assert runs == [(settings, expected), (other_config, expected)]
    assert analyses == [mode == "preview"] * 2
    assert as_written.verdict == other.verdict == PASSED
    assert as_written.resources > 0 and other.resources > 0


# --- the stack file as the CLI would read it: the project's own name, region, namespaces, secrets -----------


def renamed_project(tmp: Path, name: str, stack_lines: list[str]) -> Path:
    """A copy of the project under another name (as `pulumi new` makes one), with one stack file."""
    text = (ROOT / "Pulumi.yaml").read_text()
    (tmp / "Pulumi.yaml").write_text(text.replace(f"name: {PREFIX}\n", f"name: {name}\n", 1))
    shutil.copy(ROOT / "__main__.py", tmp / "__main__.py")
    (tmp / "Pulumi.prod.yaml").write_text("\n".join(["config:", *stack_lines]) + "\n")
    return tmp


def test_a_renamed_project_is_checked_with_its_own_settings(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """The settings of project 'shop' are shop:<key>; they must be read, not silently replaced by defaults."""
    path = renamed_project(tmp_path, "shop", ["  aws:region: us-east-1", "  shop:architecture: ALB"])
    code, report = review(analyzer, path)
    assert code == 1
    assert (
        "== stack prod / ALB (as written) / preview: FAIL: invalid setting architecture: 'ALB' is not allowed" in report
    )


def test_settings_under_another_projects_name_fail(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    path = renamed_project(tmp_path, "shop", [f"  {PREFIX}:architecture: direct"])
    code, report = review(analyzer, path)
    assert code == 1
    assert (
        f"== stack prod / alb (as written) / preview: FAIL: the stack file sets {PREFIX}:architecture, which nothing "
        "reads: this project is named 'shop'"
    ) in report
    assert report.splitlines()[-1].startswith("0 passed, 2 failed, 6 not applicable")


def test_an_encrypted_value_fails_without_showing_it(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    ciphertext = "v1:c2VjcmV0LWNpcGhlcnRleHQ="
    path = renamed_project(tmp_path, PREFIX, [f"  {PREFIX}:originHeaderName:", f"    secure: {ciphertext}"])
    code, report = review(analyzer, path)
    assert code == 1
    assert "originHeaderName as an encrypted value (secure:)" in report
    assert ciphertext not in report


def test_the_stacks_own_region_decides(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """A certificate must be in the stack's region: judged in eu-west-1, not in the mocks' default region."""
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d"
    lines = [
        "  aws:region: eu-west-1",
        f"  {PREFIX}:originDomain: origin.example.com",
        f"  {PREFIX}:certificateArn: {certificate}",
    ]
    code, report = review(analyzer, renamed_project(tmp_path, PREFIX, lines), "alb")
    assert code == 1
    assert "invalid setting certificateArn" in report and "eu-west-1" in report


def test_nothing_passed_is_not_a_pass(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """A filter that leaves only variants refusing the stack's settings checked nothing: exit 1."""
    path = project(tmp_path, {"architecture": "alb", "originIpv6": True})
    code, report = review(analyzer, path, "direct")
    assert report.splitlines()[-1] == "0 passed, 0 failed, 4 not applicable (a variant refuses this stack's settings)"
    assert code == 1


def test_your_own_vpc_with_subnets_the_mocks_cannot_know_passes(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """Subnets of your account are unknown offline (as a custom CloudFront policy is): not an error. The real
    preview looks them up."""
    lines = [
        f"  {PREFIX}:vpcOrigin: true",
        f"  {PREFIX}:vpcId: vpc-0a1b2c3d4e5f60718",
        f"  {PREFIX}:privateSubnetIds: [subnet-0a1b2c3d4e5f60718, subnet-0b1c2d3e4f5a60718]",
    ]
    code, report = review(analyzer, renamed_project(tmp_path, PREFIX, lines), "alb")
    assert code == 0, report
    assert report.splitlines()[-1].startswith("2 passed, 0 failed")


def test_a_subnet_aws_does_not_know_fails_with_the_setting(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    lines = [
        f"  {PREFIX}:vpcOrigin: true",
        f"  {PREFIX}:vpcId: vpc-0a1b2c3d4e5f60718",
        f"  {PREFIX}:privateSubnetIds: [subnet-0a1b2c3d4e5f60718, subnet-0000000000000dead]",
    ]
    code, report = review(analyzer, renamed_project(tmp_path, PREFIX, lines), "alb")
    assert code == 1
    assert (
        "FAIL: invalid setting privateSubnetIds: 'subnet-0000000000000dead' is not allowed; expected a subnet of this "
        "account and region; AWS says:"
    ) in report


def test_the_stack_as_written_is_not_retyped(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """`architecture: true` (a YAML boolean) reaches the program as Pulumi would pass it, not as 'True'."""
    results = check(project(tmp_path, {"architecture": True}), architectures=("direct",), analyzer=analyzer)
    written = [r for r in results if r.configured]
    assert [(r.architecture, r.verdict) for r in written] == [("true", FAILED), ("true", FAILED)]
    assert all(
        r.error == "invalid setting architecture: 'true' is not allowed; expected one of alb, direct" for r in written
    )


def test_the_human_report_line_by_line() -> None:
    up = CaseResult("dev", "alb", "up", True, resources=2, tree=["a", "  b"])
    preview = CaseResult("dev", "direct", "preview", False, resources=2, tree=["a", "  b"])
    preview.violations = [Violation("p", "advisory", "first line\nsecond line", "urn", "analyze")]
    skipped = CaseResult("dev", "direct", "up", False, error="invalid setting x")
    out = io.StringIO()
    print_human([up, preview, skipped], out)
    assert out.getvalue().splitlines() == [
        "== stack dev / alb (as written) / up: 2 resources",
        "   a",
        "     b",
        "   policy pack: no violations",
        "== stack dev / direct (variant) / preview: 2 resources",
        "   [advisory] p: first line",
        "      second line",
        "== stack dev / direct (variant) / up: not applicable: invalid setting x",
        "2 passed, 0 failed, 1 not applicable (a variant refuses this stack's settings)",
    ]
    assert summary([up, preview]) == "2 passed, 0 failed"


def test_help_without_a_docstring(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Under python -OO the module has no docstring: the command still works, without a description."""
    import offline.check as module

    monkeypatch.setattr(module, "__doc__", None)
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "`make check`" not in text and text.split("\n\n")[1].startswith("options:")


# -- stack files read as the Pulumi CLI reads them ---------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["true", "True", "TRUE", "false", "on", "yes", "Yes", "010", "0x2", "+3", "1_0", "8", "1e3", "2024-06-01", "~x"],
)
def test_a_setting_reaches_the_program_as_written(tmp_path: Path, written: str) -> None:
    """The CLI hands the program a setting's text (Pulumi reads it into a string): `TRUE`, `on` or `010` reach
    the program as such, and it refuses them; PyYAML would hand it true, true and 8, and make check would pass
    a stack `pulumi preview` refuses."""
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(f"config:\n  {PREFIX}:vpcOrigin: {written}\n  {PREFIX}:quoted: '{written}'\n  {PREFIX}:empty:\n")
    assert stack_settings(path) == {f"{PREFIX}:vpcOrigin": written, f"{PREFIX}:quoted": written, f"{PREFIX}:empty": ""}


def test_an_object_setting_is_read_with_yaml_1_2_types_merges_and_text_dates(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(
        "config:\n"
        "  aws:defaultTags:\n"
        "    tags:\n"
        "      <<: &base {team: web, env: prod}\n"
        "      env: dev\n"
        "      created: 2024-06-01\n"
        "      flags: [true, on, TRUE, 8]\n"
    )
    assert stack_settings(path) == {
        "aws:defaultTags": {
            "tags": {"team": "web", "env": "dev", "created": "2024-06-01", "flags": [True, "on", True, 8]}
        }
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"config:\n  {PREFIX}:waf: true\n  {PREFIX}:waf: false\n", f"{PREFIX}:waf is set twice (lines 2 and 3)"),
        ("config:\n  aws:region: us-east-1\nconfig:\n  aws:region: eu-west-1\n", "config is set twice (lines 1 and 3)"),
        ("config: [1, 2]\n", "config: is not a mapping of settings"),
        ("- config\n", "not a mapping of settings"),
        ("config:\n  a: [\n", "not valid YAML"),
    ],
)
def test_a_stack_file_the_cli_would_not_load_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text)
    with pytest.raises(StackFileError) as caught:
        stack_settings(path)
    assert problem in str(caught.value)


def test_an_empty_stack_file_has_no_settings(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("")
    assert stack_settings(path) == {}
    path.write_text("config:\n")
    assert stack_settings(path) == {}


def test_yaml_1_1_booleans_and_repeated_keys_fail_the_stack(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    (tmp_path / "on").mkdir()
    (tmp_path / "twice").mkdir()
    on = renamed_project(tmp_path / "on", PREFIX, [f"  {PREFIX}:architecture: direct", f"  {PREFIX}:vpcOrigin: on"])
    code, report = review(analyzer, on)
    assert code == 1
    assert (
        "== stack prod / direct (as written) / preview: FAIL: invalid setting vpcOrigin: 'on' is not allowed" in report
    )
    twice = renamed_project(tmp_path / "twice", PREFIX, [f"  {PREFIX}:waf: true", f"  {PREFIX}:waf: false"])
    code, report = review(analyzer, twice)
    assert code == 1
    assert (
        f"== stack prod / alb (as written) / preview: FAIL: Pulumi.prod.yaml: {PREFIX}:waf is set twice "
        "(lines 2 and 3): the Pulumi CLI refuses it"
    ) in report
    assert report.splitlines()[-1].startswith("0 passed, 2 failed")


def test_an_encrypted_provider_credential_is_left_out_not_a_failure(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    ciphertext = "v1:c2VjcmV0LWNpcGhlcnRleHQ="
    lines = [
        "  aws:region: us-east-1",
        "  aws:secretKey:",
        f"    secure: {ciphertext}",
        f"  {PREFIX}:architecture: direct",
    ]
    code, report = review(analyzer, renamed_project(tmp_path, PREFIX, lines), "direct")
    assert code == 0, report
    assert ciphertext not in report
    assert stack_file_problem({"aws:secretKey": {"secure": ciphertext}}, PREFIX) is None
    assert program_config({"aws:secretKey": {"secure": ciphertext}, "aws:region": "x"}) == {"aws:region": "x"}


# -- what the mutation run showed unpinned -----------------------------------------------------------------------


def _stack_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- config\n", "not a mapping of settings (expected config: at the top level)"),
        ("config: 5\n", "config: is not a mapping of settings"),
        ("config: [1, 2]\n", "config: is not a mapping of settings"),
        (
            "config:\n  base: &base {a: 1}\n  x:\n    <<: *base\n    b: 1\n    b: 2\n",
            "b is set twice (lines 5 and 6): the Pulumi CLI refuses it",  # after a merge key too
        ),
        (
            "config:\n  aws:defaultTags:\n    tags: {a: 1, a: 2}\n",
            "a is set twice (lines 3 and 3): the Pulumi CLI refuses it",
        ),
    ],
)
def test_each_refused_stack_file_says_exactly_why(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(StackFileError) as caught:
        stack_settings(_stack_file(tmp_path, text))
    assert str(caught.value) == message


def test_invalid_yaml_is_refused_with_the_parsers_words_on_one_line(tmp_path: Path) -> None:
    with pytest.raises(StackFileError) as caught:
        stack_settings(_stack_file(tmp_path, "config:\n  a: [\n"))
    message = str(caught.value)
    assert (
        message.startswith("not valid YAML: while parsing a flow node expected the node content")
        and "line 3" in message
    )
    assert "\n" not in message and "  " not in message and "None" not in message


def test_a_null_setting_reaches_the_program_empty(tmp_path: Path) -> None:
    text = f"config:\n  {PREFIX}:a: ~\n  {PREFIX}:b: null\n  {PREFIX}:c:\n  {PREFIX}:d: 'null'\n"
    assert stack_settings(_stack_file(tmp_path, text)) == {
        f"{PREFIX}:a": "",
        f"{PREFIX}:b": "",
        f"{PREFIX}:c": "",
        f"{PREFIX}:d": "null",
    }


@pytest.mark.parametrize(
    ("value", "flag"),
    [(True, True), (False, False), ("true", True), ("false", False), ("on", None), ("FALSE", None), (None, None)],
)
def test_written_flag(value: Any, flag: bool | None) -> None:
    assert written_flag(value) is flag


def test_namespaces_are_what_comes_before_the_first_colon() -> None:
    assert stack_file_problem({"aws:assumeRole:x": "y"}, PREFIX) is None
    assert stack_file_problem({PREFIX: "a key that is only the project's name"}, PREFIX) == (
        f"the stack file sets {PREFIX}, which nothing reads: this project is named {PREFIX!r}, so its settings are "
        f"{PREFIX}:<key> (rename the keys, or the project in Pulumi.yaml)"
    )
    assert stack_file_problem({f"{PREFIX}:originHeaderName": {"secure": "v1:x"}}, PREFIX) == (
        f"the stack file sets {PREFIX}:originHeaderName as an encrypted value (secure:), which only the stack's "
        "secrets provider can decrypt; none of this program's settings is secret: set it in plain text"
    )


def test_a_broken_stack_file_fails_its_stack_and_the_others_are_still_checked(
    tmp_path: Path, analyzer: AnalyzerProcess
) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "Pulumi.a-broken.yaml").write_text("config: [1]\n")
    (tmp_path / "Pulumi.b-fine.yaml").write_text(f"config:\n  {PREFIX}:architecture: direct\n")
    results = check(tmp_path, architectures=("direct",), analyzer=analyzer)
    broken = [r for r in results if r.stack == "a-broken"]
    assert [(r.verdict, r.unexpected, r.error) for r in broken] == [
        (FAILED, True, "Pulumi.a-broken.yaml: config: is not a mapping of settings")
    ] * 2
    assert {r.verdict for r in results if r.stack == "b-fine" and r.configured} == {PASSED}


def test_a_bad_setting_is_printed_once_with_every_run_it_refused(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """One bad setting refuses the stack as written and every variant, at preview and at up: the report says so
    in one place instead of eight."""
    code, report = review(analyzer, project(tmp_path, {"architecture": "alb", "appPort": 70000}))
    assert code == 1
    assert report.count("invalid setting appPort") == 1
    lines = report.splitlines()
    first = lines.index(
        "== stack broken / alb (as written) / preview: FAIL: invalid setting appPort: 70000 is not allowed; "
        "expected an integer from 1024 to 65535 (the sample app runs unprivileged)"
    )
    assert lines[first + 1] == (
        "   the same for alb (as written) / up: FAIL; alb+vpcOrigin (variant) / preview: not applicable; "
        "alb+vpcOrigin (variant) / up: not applicable; direct (variant) / preview: not applicable; "
        "direct (variant) / up: not applicable; direct+vpcOrigin (variant) / preview: not applicable; "
        "direct+vpcOrigin (variant) / up: not applicable"
    )
    # The counts still count every run.
    assert lines[-1] == (
        "0 passed, 2 failed, 6 not applicable (a variant refuses this stack's settings): "
        "broken/alb/preview, broken/alb/up"
    )


def test_a_mistyped_region_is_reported_as_the_region(tmp_path: Path, analyzer: AnalyzerProcess) -> None:
    """`aws:region: us-east1` used to come out as `invalid setting architecture: 'alb'` (the boot script's check)."""
    path = project(tmp_path, {})
    (path / "Pulumi.broken.yaml").write_text("config:\n  aws:region: us-east1\n")
    code, report = review(analyzer, path)
    assert code == 1
    assert "invalid setting architecture" not in report
    assert report.count("invalid setting aws:region: 'us-east1' is not allowed; expected an AWS Region code") == 1


def test_an_instance_type_the_provider_does_not_list_is_a_warning_shown_once(
    tmp_path: Path, analyzer: AnalyzerProcess
) -> None:
    """A typo passed `make check` silently (the mocks offer every type): now a warning, once per stack; not a
    failure, since AWS launches types before the provider lists them."""
    code, report = review(analyzer, project(tmp_path, {"architecture": "alb", "instanceType": "t3.mirco"}), "alb")
    assert code == 0, report
    assert report.count("[warning] instanceType 't3.mirco' is not one of the") == 1
    assert report.splitlines()[-1] == "4 passed, 0 failed"
    # (A listed type gives no warning: tests/components/test_new_user.py.)

"""The mutation runner's own logic: its table, the reviewed equivalents, result parsing and the score."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tools.mutation import run

RESULTS = """\
    policy.lockdown.world_cidr.x_parse_cidr__mutmut_1: killed
    policy.lockdown.world_cidr.x_parse_cidr__mutmut_2: survived
    policy.lockdown.world_cidr.x_parse_cidr__mutmut_3: no tests
    policy.lockdown.world_cidr.x_parse_cidr__mutmut_4: timeout
⠋ some spinner noise
"""


def outcome(statuses: dict[str, str], equivalent: dict[str, str] | None = None, threshold: float = 0.9) -> run.Outcome:
    target = run.Target("policy/lockdown/world_cidr.py", ("tests/policy/test_world_cidr.py",), threshold, ())
    return run.Outcome(target, statuses, dict(equivalent or {}))


def test_the_table_names_existing_modules_and_tests() -> None:
    targets = run.load_targets()
    assert targets
    for target in targets:
        assert (run.ROOT / target.module).is_file(), target.module
        for test in target.tests:
            assert (run.ROOT / test.split("::", 1)[0]).is_file(), test
        assert 0 < target.threshold <= 1
        assert "not live and not aws" in target.pytest_args


def test_every_policy_module_is_a_target() -> None:
    modules = {t.module for t in run.load_targets()}
    lockdown = {str(p.relative_to(run.ROOT)) for p in (run.ROOT / "policy" / "lockdown").glob("*.py")}
    assert lockdown - {"policy/lockdown/__init__.py"} <= modules


def test_parse_results() -> None:
    assert run.parse_results(RESULTS) == {
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_1": "killed",
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_2": "survived",
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_3": "no tests",
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_4": "timeout",
    }


def test_score_counts_timeouts_as_caught_and_excludes_equivalents() -> None:
    statuses = run.parse_results(RESULTS)
    plain = outcome(statuses)
    assert (plain.tried, plain.caught, plain.score) == (4, 2, 0.5)
    assert plain.survivors == [
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_2",
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_3",
    ]
    reviewed = outcome(statuses, {"policy.lockdown.world_cidr.x_parse_cidr__mutmut_2": "why"})
    assert reviewed.score == pytest.approx(2 / 3)
    assert not reviewed.passed
    assert outcome(statuses, {k: "why" for k in statuses if "_2" in k or "_3" in k}, threshold=1.0).passed
    assert not outcome({}).passed  # nothing tried is no evidence


def test_equivalent_file_needs_a_reason(tmp_path: Path) -> None:
    listed = tmp_path / "equivalent.txt"
    listed.write_text("# comment\n\na.b.x_f__mutmut_1  the loop ends before the limit matters\n")
    assert run.load_equivalent(listed) == {"a.b.x_f__mutmut_1": "the loop ends before the limit matters"}
    listed.write_text("a.b.x_f__mutmut_1\n")
    with pytest.raises(ValueError, match=re.escape("a.b.x_f__mutmut_1 needs a reason")):
        run.load_equivalent(listed)


def test_report_lists_survivors_and_stale_entries() -> None:
    statuses = run.parse_results(RESULTS)
    equivalent = {
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_3": "reviewed",
        "policy.lockdown.world_cidr.x_parse_cidr__mutmut_1": "caught now",
    }
    o = outcome(statuses, {"policy.lockdown.world_cidr.x_parse_cidr__mutmut_3": "reviewed"})
    o.diffs["policy.lockdown.world_cidr.x_parse_cidr__mutmut_2"] = "--- diff"
    out = io.StringIO()
    run.report([o], equivalent, out)
    text = out.getvalue()
    assert "policy/lockdown/world_cidr.py      4       2           1  66.7%     90%" in text
    assert "FAIL" in text
    assert "== survivor (survived): policy.lockdown.world_cidr.x_parse_cidr__mutmut_2\n--- diff" in text
    assert (
        "stale entry in equivalent.txt (not a survivor of this run): policy.lockdown.world_cidr.x_parse_cidr__mutmut_1"
        in text
    )
    assert run.stale_entries([o], equivalent) == ["policy.lockdown.world_cidr.x_parse_cidr__mutmut_1"]


def test_prepare_writes_the_configuration(tmp_path: Path) -> None:
    target = run.Target("policy/lockdown/world_cidr.py", ("tests/policy/test_world_cidr.py",), 0.9, ("-m", "not live"))
    run.prepare(target, tmp_path / "work")
    config = (tmp_path / "work" / "setup.cfg").read_text()
    assert "source_paths = policy/lockdown/world_cidr.py\n" in config
    assert "pytest_add_cli_args_test_selection =\n    tests/policy/test_world_cidr.py\n" in config
    assert "pytest_add_cli_args =\n    -m\n    not live\n" in config
    assert "    policy\n" in config and "    tests\n" in config
    assert (tmp_path / "work" / "policy" / "lockdown" / "world_cidr.py").is_file()


def test_unknown_module_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run.main(["policy/lockdown/nope.py"]) == 2
    assert "not in targets.toml: policy/lockdown/nope.py" in capsys.readouterr().err
    assert run.main(["--list", "policy/lockdown/world_cidr.py"]) == 0
    assert "policy/lockdown/world_cidr.py: tests/policy/test_world_cidr.py" in capsys.readouterr().out

"""The mutation runner's own logic: its table, the reviewed equivalents, result parsing and the score."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.mutation import run

RESULTS = """\
    origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_1: killed
    origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_2: survived
    origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_3: no tests
    origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_4: timeout
⠋ some spinner noise
"""


def outcome(statuses: dict[str, str], equivalent: dict[str, str] | None = None, threshold: float = 0.9) -> run.Outcome:
    target = run.Target(
        "policy/origin_lockdown_judge/world_cidr.py", ("tests/policy/test_world_cidr.py",), threshold, ()
    )
    return run.Outcome(target, statuses, dict(equivalent or {}))


# The gate modules of issue 14 beyond the policy pack (all of which, judge and glue, is a gate).
COMPONENT_GATES = {
    "components/cloudfront_origin_lockdown/settings.py",
    "components/cloudfront_origin_lockdown/config.py",
    "components/cloudfront_origin_lockdown/security_groups.py",
    "components/cloudfront_origin_lockdown/origin_guard/guard.py",
    "offline/check.py",
}
# Modules that run in-process in their live tests, which are therefore selected (nginx on loopback).
RUN_LIVE = {"components/cloudfront_origin_lockdown/origin_guard/guard.py"}


def test_the_table_names_existing_modules_and_tests() -> None:
    targets = run.load_targets()
    assert targets
    for target in targets:
        assert (run.ROOT / target.module).is_file(), target.module
        for test in target.tests:
            assert (run.ROOT / test.split("::", 1)[0]).is_file(), test
        assert 0 < target.threshold <= 1
        marker = target.pytest_args[target.pytest_args.index("-m") + 1]
        assert marker == ("not aws" if target.module in RUN_LIVE else "not live and not aws"), target.module
        assert target.isolation in run.ISOLATION


def test_every_gate_module_is_a_target() -> None:
    modules = {t.module for t in run.load_targets()}
    pack = {
        str(p.relative_to(run.ROOT))
        for folder in ("lockdown", "origin_lockdown_judge")
        for p in (run.ROOT / "policy" / folder).glob("*.py")
    }
    assert pack - {"policy/lockdown/__init__.py", "policy/origin_lockdown_judge/__init__.py"} <= modules
    assert modules >= COMPONENT_GATES
    assert len(modules) == len(run.load_targets())  # no module twice


@pytest.mark.parametrize(
    ("module", "mutated", "named"),
    [
        (
            "policy/origin_lockdown_judge/world_cidr.py",
            "src/origin_lockdown_judge/world_cidr.py",
            "origin_lockdown_judge.world_cidr",
        ),
        ("policy/lockdown/server.py", "src/lockdown/server.py", "lockdown.server"),
        ("offline/check.py", "offline/check.py", "offline.check"),
        (
            "components/cloudfront_origin_lockdown/settings.py",
            "src/cloudfront_origin_lockdown/settings.py",
            "cloudfront_origin_lockdown.settings",
        ),
        (
            "components/cloudfront_origin_lockdown/origin_guard/guard.py",
            "src/cloudfront_origin_lockdown/origin_guard/guard.py",
            "cloudfront_origin_lockdown.origin_guard.guard",
        ),
        (
            "components/cloudfront_origin_lockdown/origin_guard/__init__.py",
            "src/cloudfront_origin_lockdown/origin_guard/__init__.py",
            "cloudfront_origin_lockdown.origin_guard",
        ),
    ],
)
def test_a_component_module_is_mutated_at_src_and_named_as_imported(module: str, mutated: str, named: str) -> None:
    """mutmut names mutants after the path it mutates, stripping only ``src.``: the name must be the import name."""
    target = run.Target(module, ("tests/x.py",), 0.9, ())
    assert (target.src_layout, target.mutated_path, target.mutant_module) == (module != mutated, mutated, named)


@pytest.mark.parametrize(
    ("mutant", "module"),
    [
        ("origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_1", "origin_lockdown_judge.world_cidr"),
        ("origin_lockdown_judge.world_cidr.xǁTriǁ__and____mutmut_3", "origin_lockdown_judge.world_cidr"),
        (
            "cloudfront_origin_lockdown.origin_guard.guard.x_run__mutmut_6",
            "cloudfront_origin_lockdown.origin_guard.guard",
        ),
        ("offline.check.x_main__mutmut_27", "offline.check"),
    ],
)
def test_mutant_module(mutant: str, module: str) -> None:
    assert run.mutant_module(mutant) == module


def test_every_listed_equivalent_belongs_to_a_target() -> None:
    modules = {t.mutant_module for t in run.load_targets()}
    for name in run.load_equivalent():
        assert run.mutant_module(name) in modules, name
        assert "__mutmut_" in name, name


def test_parse_results() -> None:
    assert run.parse_results(RESULTS) == {
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_1": "killed",
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_2": "survived",
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_3": "no tests",
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_4": "timeout",
    }


def test_score_counts_timeouts_as_caught_and_excludes_equivalents() -> None:
    statuses = run.parse_results(RESULTS)
    plain = outcome(statuses)
    assert (plain.tried, plain.caught, plain.score) == (4, 2, 0.5)
    assert plain.survivors == [
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_2",
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_3",
    ]
    reviewed = outcome(statuses, {"origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_2": "why"})
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
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_3": "reviewed",
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_1": "caught now",
    }
    o = outcome(statuses, {"origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_3": "reviewed"})
    o.diffs["origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_2"] = "--- diff"
    out = io.StringIO()
    run.report([o], equivalent, out)
    text = out.getvalue()
    assert "policy/origin_lockdown_judge/world_cidr.py      4       2           1   66.7%     90%" in text
    assert "FAIL" in text
    assert "== survivor (survived): origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_2\n--- diff" in text
    assert (
        "stale entry in equivalent.txt (not a survivor of this run): "
        "origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_1" in text
    )
    assert run.stale_entries([o], equivalent) == ["origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_1"]


def test_report_of_a_component_module_and_the_total(tmp_path: Path) -> None:
    target = run.Target(
        "components/cloudfront_origin_lockdown/config.py", ("tests/components/test_config.py",), 0.9, ()
    )
    statuses = {
        "cloudfront_origin_lockdown.config.x_read__mutmut_1": "killed",
        "cloudfront_origin_lockdown.config.x_read__mutmut_2": "survived",
        "cloudfront_origin_lockdown.config.x_read__mutmut_3": "survived",
    }
    equivalent = {
        "cloudfront_origin_lockdown.config.x_read__mutmut_3": "same codec",
        "cloudfront_origin_lockdown.config.x_read__mutmut_9": "gone",
        "cloudfront_origin_lockdown.settings.x_check__mutmut_9": "another module: not judged by this run",
    }
    o = run.Outcome(
        target, statuses, {"cloudfront_origin_lockdown.config.x_read__mutmut_3": "same codec"}, seconds=61.4
    )
    passing = outcome({"origin_lockdown_judge.world_cidr.x_parse_cidr__mutmut_1": "killed"})
    passing.seconds = 2
    out = io.StringIO()
    run.report([passing, o], equivalent, out, seconds=75.2)
    lines = out.getvalue().splitlines()
    assert lines[1:4] == [
        "module                                           tried  caught  equivalent   score  needed  time",
        "policy/origin_lockdown_judge/world_cidr.py           1       1           0  100.0%     90%     2s  ok",
        "components/cloudfront_origin_lockdown/config.py      3       1           1   50.0%     90%    61s  FAIL",
    ]
    assert "== survivor (survived): cloudfront_origin_lockdown.config.x_read__mutmut_2" in lines
    assert run.stale_entries([passing, o], equivalent) == ["cloudfront_origin_lockdown.config.x_read__mutmut_9"]
    assert lines[-1] == "2 module(s) in 75s; 1 below threshold: components/cloudfront_origin_lockdown/config.py"
    out = io.StringIO()
    run.report([passing], {}, out, seconds=3)
    assert out.getvalue().splitlines()[-1] == "1 module(s) in 3s; all at or above threshold"


def test_prepare_writes_the_configuration(tmp_path: Path) -> None:
    target = run.Target("offline/check.py", ("tests/offline/test_check.py",), 0.9, ("-m", "not live"))
    run.prepare(target, tmp_path / "work")
    config = (tmp_path / "work" / "setup.cfg").read_text()
    assert "source_paths = offline/check.py\n" in config
    assert "pytest_add_cli_args_test_selection =\n    tests/offline/test_check.py\n" in config
    assert "pytest_add_cli_args =\n    -m\n    not live\n" in config
    assert "    policy\n" in config and "    tests\n" in config
    assert (tmp_path / "work" / "policy" / "lockdown" / "server.py").is_file()
    assert "process_isolation = fork\n" in config
    assert (tmp_path / "work" / "components").is_dir() and not (tmp_path / "work" / "components").is_symlink()
    assert not (tmp_path / "work" / "src").exists()


def test_a_pack_module_is_mutated_from_the_policy_source_root(tmp_path: Path) -> None:
    """The pack is imported as ``lockdown`` and ``origin_lockdown_judge`` (policy/ on the path): policy/ moves."""
    target = run.Target("policy/origin_lockdown_judge/world_cidr.py", ("tests/policy/test_world_cidr.py",), 0.9, ())
    run.prepare(target, tmp_path / "work")
    config = (tmp_path / "work" / "setup.cfg").read_text()
    assert "source_paths = src/origin_lockdown_judge/world_cidr.py\n" in config
    assert "    src\n" in config and "    policy\n" not in config
    assert (tmp_path / "work" / "src" / "origin_lockdown_judge" / "world_cidr.py").is_file()
    assert (tmp_path / "work" / "policy").is_symlink() and (tmp_path / "work" / "mutants" / "policy").is_symlink()
    assert (tmp_path / "work" / "components").is_dir() and not (tmp_path / "work" / "components").is_symlink()


def fake_repo(root: Path) -> Path:
    """A tiny repository in the project's layout: the package under components/, tests and tools beside it."""
    files = {
        "components/pkg/__init__.py": "",
        "components/pkg/mod.py": "def double(x):\n    return 2 * x\n",
        "components/__main__.py": "",
        "tests/test_mod.py": "from pkg.mod import double\n\n\ndef test_double():\n    assert double(2) == 4\n",
        "tools/__init__.py": "",
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = [".", "components"]\n',
        ".gitignore": "ignored.txt\n",
        "ignored.txt": "not copied",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".venv").mkdir()
    return root


def test_prepare_moves_the_component_package_to_src(tmp_path: Path) -> None:
    repo = fake_repo(tmp_path / "repo")
    target = run.Target("components/pkg/mod.py", ("tests/test_mod.py",), 0.9, ("-m", "not aws"), "forkserver")
    work = tmp_path / "work"
    run.prepare(target, work, root=repo)
    assert (work / "src" / "pkg" / "mod.py").read_text() == "def double(x):\n    return 2 * x\n"
    assert (work / "src" / "__main__.py").is_file()
    for link in (work / "components", work / "mutants" / "components"):
        assert link.is_symlink() and os.readlink(link) == "src", link  # relative: it resolves inside its folder
    assert (work / "components" / "pkg" / "mod.py").samefile(work / "src" / "pkg" / "mod.py")
    assert (work / "mutants" / "components").resolve() == (work / "mutants" / "src").absolute()
    assert (work / "pyproject.toml").read_text() == (repo / "pyproject.toml").read_text()  # reaches src via the link
    assert not (work / "ignored.txt").exists()
    assert (work / "setup.cfg").read_text() == (
        "[mutmut]\n"
        "source_paths = src/pkg/mod.py\n"
        "process_isolation = forkserver\n"
        "also_copy =\n    pyproject.toml\n    src\n    tests\n    tools\n"
        "pytest_add_cli_args_test_selection =\n    tests/test_mod.py\n"
        "pytest_add_cli_args =\n    -m\n    not aws\n"
    )
    # Prepared twice (a re-run into the same --workdir): a fresh copy, not a src/ inside src/.
    run.prepare(target, work, root=repo)
    assert sorted(p.name for p in (work / "src").iterdir()) == ["__main__.py", "pkg"]


def test_prepare_refuses_a_repository_that_has_src_already(tmp_path: Path) -> None:
    repo = fake_repo(tmp_path / "repo")
    (repo / "src").mkdir()
    (repo / "src" / "other.py").write_text("")
    target = run.Target("components/pkg/mod.py", ("tests/test_mod.py",), 0.9, ())
    with pytest.raises(ValueError, match=re.escape("cannot move components/ to src/: the repository already has src/")):
        run.prepare(target, tmp_path / "work", root=repo)


def test_a_bad_isolation_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "targets.toml"
    table.write_text('[targets."a.py"]\ntests = ["t.py"]\nprocess_isolation = "spawn"\n')
    with pytest.raises(
        ValueError, match=re.escape("a.py: process_isolation 'spawn' is not allowed; one of fork, forkserver")
    ):
        run.load_targets(table)
    table.write_text('[defaults]\nprocess_isolation = "forkserver"\n[targets."a.py"]\ntests = ["t.py"]\n')
    assert run.load_targets(table)[0].isolation == "forkserver"
    table.write_text('[targets."a.py"]\ntests = []\n')
    with pytest.raises(ValueError, match=re.escape("targets.toml: a.py lists no tests")):
        run.load_targets(table)


def test_what_a_run_leaves_behind_in_its_group_is_stopped(tmp_path: Path) -> None:
    """A leftover (here a sleep started in the background) holding the output open neither blocks the wait nor
    survives the run."""
    pid_file = tmp_path / "pid"
    script = f"sleep 30 & echo $! > {pid_file}; echo out; echo err >&2; exit 3"
    started = time.monotonic()
    result = run.run_in_own_group(["sh", "-c", script], tmp_path, dict(os.environ), timeout=20)
    assert time.monotonic() - started < 10
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    leftover = int(pid_file.read_text())
    deadline = time.monotonic() + 5  # SIGKILL is delivered asynchronously
    while process_alive(leftover) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not process_alive(leftover)


def test_a_run_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    result = run.run_in_own_group(
        [sys.executable, "-c", "import time; print('begun', flush=True); time.sleep(30)"],
        tmp_path,
        dict(os.environ),
        timeout=1,
    )
    assert result.returncode == -1
    assert result.stdout == "begun\n"
    assert result.stderr.endswith("timed out after 1s\n")


def process_alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, killed and waiting for its reaper, counts as stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_unknown_module_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run.main(["policy/lockdown/nope.py"]) == 2
    assert "not in targets.toml: policy/lockdown/nope.py" in capsys.readouterr().err
    assert run.main(["--list", "policy/origin_lockdown_judge/world_cidr.py"]) == 0
    assert "policy/origin_lockdown_judge/world_cidr.py: tests/policy/test_world_cidr.py" in capsys.readouterr().out

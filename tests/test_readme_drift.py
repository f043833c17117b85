"""The README says what the code does (tools/readme_drift.py), and each check fails when it drifts.

One real `make check` run, and one of a program with its origin opened to the world, serve every test
here. The drift cases change a copy of Pulumi.yaml or of the README (never the files), picking what to
change from the current files, so the tests keep working as settings and resource counts change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import readme_drift as drift

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PULUMI_YAML = (ROOT / "Pulumi.yaml").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def green() -> drift.CheckRun:
    return drift.run_offline_check(ROOT)


@pytest.fixture(scope="module")
def opened() -> drift.CheckRun:
    return drift.run_opened_check(ROOT)


def test_the_readme_matches_the_code(green: drift.CheckRun, opened: drift.CheckRun) -> None:
    assert drift.problems(README, PULUMI_YAML, MAKEFILE, green, opened) == []
    # The runs the checks compare against are what the README's samples claim: green, and red when opened.
    assert green.exit_code == 0
    assert opened.exit_code == 1
    assert "[mandatory] origin-sg-no-world-ingress:" in opened.output


# --- the configuration table ---------------------------------------------------------------------


def declared() -> dict[str, Any]:
    return drift.declared_config(PULUMI_YAML)


def first_key(kind: type) -> str:
    """The first declared key whose default is a non-empty value of ``kind`` (bool is not an int here)."""
    return next(k for k, v in declared().items() if type(v) is kind and v not in ("", []))


def with_default(key: str, value: Any) -> str:
    """Pulumi.yaml's text with one default changed."""
    document = yaml.safe_load(PULUMI_YAML)
    document["config"][key]["default"] = value
    return yaml.safe_dump(document, sort_keys=False)


def changed(value: Any) -> Any:
    """Another value of the same type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 7
    if isinstance(value, list):
        return [*value, "extra"]
    return f"{value}-changed"


def table_problems(pulumi_yaml: str = PULUMI_YAML, readme: str = README) -> list[str]:
    return drift.config_table_problems(drift.declared_config(pulumi_yaml), drift.config_table(readme))


def test_every_declared_key_has_a_row_with_its_default() -> None:
    rows = drift.config_table(README)
    assert {key for row in rows for key in row.keys} == set(declared())
    assert table_problems() == []


@pytest.mark.parametrize("kind", [int, str, bool, list])
def test_changing_a_default_in_pulumi_yaml_without_the_readme_fails(kind: type) -> None:
    key = first_key(kind)
    old = declared()[key]
    new = changed(old)
    [problem] = table_problems(pulumi_yaml=with_default(key, new))
    assert problem == (
        f"configuration table: {key} shows default `{drift.shown_as(old)}`; "
        f"Pulumi.yaml's default is {drift.shown_as(new)!r}"
    )


def test_an_empty_default_that_gets_a_value_fails() -> None:
    key = next(k for k, v in declared().items() if v == "")
    [problem] = table_problems(pulumi_yaml=with_default(key, "something"))
    assert problem == f"configuration table: {key} shows no default; Pulumi.yaml's default is 'something'"


def test_a_new_key_without_a_row_and_a_row_without_a_key_fail() -> None:
    document = yaml.safe_load(PULUMI_YAML)
    removed = next(iter(document["config"]))
    del document["config"][removed]
    document["config"]["notYetDocumented"] = {"type": "boolean", "default": False}
    assert table_problems(pulumi_yaml=yaml.safe_dump(document, sort_keys=False)) == [
        f"configuration table: {removed} is not a key Pulumi.yaml declares",
        "configuration table: no row for notYetDocumented, which Pulumi.yaml declares (default 'false')",
    ]


def row_line(key: str) -> str:
    return next(row.line for row in drift.config_table(README) if key in row.keys)


def test_readme_side_drift_fails() -> None:
    key = first_key(str)
    line = row_line(key)
    default = drift.shown_as(declared()[key])
    edited = README.replace(line, line.replace(f"`{default}`", f"`{default}x`", 1), 1)
    assert table_problems(readme=edited) == [
        f"configuration table: {key} shows default `{default}x`; Pulumi.yaml's default is {default!r}"
    ]
    assert table_problems(readme=README.replace(line + "\n", "", 1)) == [
        f"configuration table: no row for {key}, which Pulumi.yaml declares (default {default!r})"
    ]
    assert table_problems(readme=README.replace(line, f"{line}\n{line}", 1)) == [
        f"configuration table: {key} has two rows"
    ]


def test_a_value_of_another_type_is_not_the_same_default() -> None:
    """`false` for an integer 0, or `1` for a boolean true, is drift even though Python calls them equal."""
    key = next(k for k, v in declared().items() if type(v) is int and v in (0, 1))
    line = row_line(key)
    value = declared()[key]
    edited = README.replace(line, line.replace(f"`{value}`", f"`{'true' if value else 'false'}`", 1), 1)
    assert len(table_problems(readme=edited)) == 1


def documented_ranges(readme: str = README) -> dict[str, tuple[int, int]]:
    return drift.documented_ranges(declared(), drift.config_table(readme))


def test_documented_ranges_are_the_programs() -> None:
    ranges = documented_ranges()
    assert ranges, "the configuration table documents no integer range"
    assert drift.range_problems(ranges, declared()) == []


@pytest.mark.parametrize("end", ["low", "high"])
def test_a_range_the_program_does_not_enforce_fails(end: str) -> None:
    key, (low, high) = next(iter(documented_ranges().items()))
    line = row_line(key)
    wider = f"{low}-{high + 1}" if end == "high" else f"{low + 1}-{high}"
    edited = README.replace(line, line.replace(f"{low}-{high}", wider, 1), 1)
    assert documented_ranges(edited)[key] != (low, high)
    problems = drift.range_problems(documented_ranges(edited), declared())
    if end == "high":
        assert problems == [
            f"configuration table: {key} is documented as {low}-{high + 1}, but the program refuses {high + 1}: "
            + str(drift.settings_verdict({key: high + 1}))
        ]
    else:
        assert problems == [
            f"configuration table: {key} is documented as {low + 1}-{high}, but the program accepts {low}"
        ]


def test_a_range_is_tried_with_each_switch_and_other_refusals_are_named() -> None:
    """A key used only with a switch is tried with it; a refusal that blames another key is drift."""

    def needs_switch(settings: Mapping[str, Any]) -> str | None:
        if not settings.get("switch"):
            return "invalid setting limit: 5 is not allowed; only used with switch: true"
        if settings["limit"] == 11:
            return "invalid setting other: 1 is not allowed; something else"
        return None if 5 <= settings["limit"] <= 10 else f"invalid setting limit: {settings['limit']} is not allowed"

    declared_here = {"switch": False, "limit": 0}
    assert drift.range_problems({"limit": (5, 10)}, declared_here, needs_switch) == [
        "configuration table: limit is documented as 5-10; 11 is refused, but not as a bad limit: "
        "invalid setting other: 1 is not allowed; something else"
    ]
    assert drift.range_problems({"limit": (5, 10)}, {"limit": 0}, needs_switch) == [
        "configuration table: limit is documented as 5-10, but the program refuses 5 (with the defaults and each "
        "switch on)"
    ]


# --- the `make check` sample ---------------------------------------------------------------------


def check_sample() -> str:
    match = drift.FENCE.search(drift.section(README, "`make check`"))
    assert match is not None
    return match.group(1)


def with_sample_line(old: str, new: str) -> str:
    sample = check_sample()
    assert old in sample
    return README.replace(sample, sample.replace(old, new, 1), 1)


def check_problems(readme: str, green: drift.CheckRun, opened: drift.CheckRun) -> list[str]:
    return drift.make_check_problems(readme, green, opened)


def test_a_wrong_resource_count_fails(green: drift.CheckRun, opened: drift.CheckRun) -> None:
    """The defect this test was written for: the sample said 25 resources where the check printed 20."""
    header = next(line for line in check_sample().splitlines() if line.startswith("== "))
    count = int(re.search(r": (\d+) resources$", header).group(1))  # type: ignore[union-attr]
    wrong = header.replace(f": {count} resources", f": {count + 5} resources")
    assert check_problems(with_sample_line(header, wrong), green, opened) == [
        f"make check sample: shows {wrong!r}; make check prints {header!r}"
    ]


def tree_lines() -> list[str]:
    return [line for line in check_sample().splitlines() if line.startswith("     aws:")]


def test_a_changed_or_reordered_line_fails(green: drift.CheckRun, opened: drift.CheckRun) -> None:
    first, second = tree_lines()[:2]
    changed = first.replace("]", ", changed]") if "]" in first else first + " changed"
    assert check_problems(with_sample_line(first, changed), green, opened) == [
        f"make check sample: {changed.strip()!r} is not in what make check prints for "
        f"{next(line for line in check_sample().splitlines() if line.startswith('== ')).split(':')[0]!r}"
    ]
    swapped = with_sample_line(f"{first}\n{second}", f"{second}\n{first}")
    assert len(check_problems(swapped, green, opened)) == 1


def test_a_wrong_summary_or_case_fails(green: drift.CheckRun, opened: drift.CheckRun) -> None:
    summary = next(line for line in check_sample().splitlines() if drift.SUMMARY.match(line))
    passed = int(drift.SUMMARY.match(summary)["passed"])  # type: ignore[index]
    wrong = summary.replace(f"{passed} passed", f"{passed + 1} passed", 1)
    [problem] = check_problems(with_sample_line(summary, wrong), green, opened)
    assert problem.startswith(f"make check sample: {wrong!r} is not in what make check prints")
    header = next(line for line in check_sample().splitlines() if line.startswith("== "))
    other = header.replace("== stack ", "== stack nosuchstack", 1)
    [problem] = check_problems(with_sample_line(header, other), green, opened)
    assert problem == f"make check sample: shows {other!r}; make check prints no such case"


def test_the_exit_code_a_summary_implies_is_checked(green: drift.CheckRun, opened: drift.CheckRun) -> None:
    failing = drift.CheckRun(green.output, 1)
    [problem] = drift.check_sample_problems(check_sample(), failing)
    assert problem.endswith("implies exit 0; it exits 1")


@pytest.mark.parametrize(
    ("pattern", "replacement", "expected"),
    [
        (r"`0 passed, (\d+) failed`", "`0 passed, 99 failed`", "README says '0 passed, 99 failed'; it prints"),
        (r"exit code 1\b", "exit code 2", "README says exit code 2; it exits 1"),
        (
            r"`\[mandatory\] [\w-]+:",
            "`[mandatory] no-such-policy:",
            "README says it prints '[mandatory] no-such-policy:",
        ),
    ],
)
def test_the_opened_origin_sentence_is_checked(
    green: drift.CheckRun, opened: drift.CheckRun, pattern: str, replacement: str, expected: str
) -> None:
    edited, count = re.subn(pattern, replacement, README, count=1)
    assert count == 1
    [problem] = check_problems(edited, green, opened)
    assert expected in problem


# --- the `make verify` samples and the make targets ----------------------------------------------


def test_the_verify_samples_are_what_the_probe_prints() -> None:
    locked, open_origin = drift.verify_renderings()
    assert "verdict: LOCKED" in locked and locked.endswith("(exit 0)")
    assert "verdict: OPEN" in open_origin and open_origin.endswith("(exit 3)")
    assert drift.make_verify_problems(README) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("(exit 0)", "(exit 1)"),
        ("PASS origin-no-header", "FAIL origin-no-header"),
        ("answered 200 OK (server: nginx/1.22.1)", "answered 200 OK"),
        ("6 inconclusive", "7 inconclusive"),
    ],
)
def test_a_drifted_verify_sample_fails(old: str, new: str) -> None:
    text = drift.section(README, "`make verify`")
    assert old in text
    assert drift.make_verify_problems(README.replace(text, text.replace(old, new, 1), 1)) != []


def test_every_make_target_the_readme_names_exists() -> None:
    assert drift.make_target_problems(README, MAKEFILE) == []
    assert drift.make_target_problems(README + "\nRun `make deploy`.\n", MAKEFILE) == [
        "README names `make deploy`; the Makefile has no such target"
    ]


def test_a_missing_section_is_a_clear_error() -> None:
    with pytest.raises(
        drift.DriftError, match="README has no section whose heading contains 'Configuration reference'"
    ):
        drift.config_table(README.replace("## Configuration reference", "## Settings"))


def test_the_readme_has_one_deploy_path_and_no_placeholder_to_install_from() -> None:
    """Issue 20: the install commands named a placeholder organization; the rotation, VPC-origin and destroy sections
    used bare `pulumi` commands while the quick start used `make up`, on another backend, without the policy pack."""
    readme = (ROOT / "README.md").read_text()
    assert "<org>" not in readme
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    deploys = [line for line in lines if line.startswith(("pulumi up", "pulumi preview"))]
    assert deploys, "the README shows no deploy command"
    # Every deploy the README shows runs the policy pack, as make up does (issue 20 review: two bare `pulumi up`).
    assert all("--policy-pack policy" in line for line in deploys), deploys
    assert any("--policy-pack policy" in line for line in deploys)
    # ... and the quick start says how those reach make up's stack.
    assert 'export PULUMI_BACKEND_URL="file://$PWD/.state"' in readme
    # What works as written from a clone is there.
    assert "pip install .  " in readme and "pulumi package add ./components" in readme

"""Does the README still say what the code does? Checks computed from the code at run time.

- The configuration table lists exactly the keys ``Pulumi.yaml`` declares, each with its declared default
  (the first backquoted value of the "default" column; no value shown where the default is empty).
- An integer key whose "meaning" gives a range ``LOW-HIGH`` is held to it by the program: LOW and HIGH
  pass, LOW-1 (unless it is the default, e.g. 0 for "automatic") and HIGH+1 fail naming the key.
- The `make check` sample: each case header (resource count included) and each line shown is what
  ``python -m offline.check`` prints for that case, in that order; the summary line and the exit code it
  implies are the real ones; the sentence about an origin opened to the world (its mandatory violation,
  summary and exit code) is what the check prints for such a program.
- The `make verify` samples are what ``tools.verify_origin`` renders for the answers the README depicts,
  and the exit codes it lists are the probe's.
- Every `make TARGET` the README names exists in the Makefile.

Usage: ``python -m tools.readme_drift`` prints each problem and exits 1, or exits 0. tests/test_readme_drift.py
runs the same checks, and shows on modified copies that each one fails when the README drifts.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cloudfront_origin_lockdown.config import load_args
from cloudfront_origin_lockdown.settings import SettingError
from offline import check as offline_check
from tools import verify_origin as vo

PROJECT_DIR = Path(__file__).resolve().parents[1]
ELLIPSIS = "..."
TIMING = re.compile(r"^\(checked in \d+(?:\.\d+)? s\)$")
SUMMARY = re.compile(r"^(?P<passed>\d+) passed, (?P<failed>\d+) failed")
BACKQUOTED = re.compile(r"`([^`]+)`")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)

# A program that deploys the real component, then opens its origin group to the world on 443 (what the
# README's "Open the origin group to the world in the program" means).
OPENED_PROGRAM = """
import runpy
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


class DriftError(Exception):
    """The README lacks a part these checks read (a section, a table, a sample)."""


# --- README structure ----------------------------------------------------------------------------


def section(readme: str, heading_contains: str) -> str:
    """The text under the first `## ` heading that contains ``heading_contains``, up to the next one."""
    lines = readme.splitlines()
    for start, line in enumerate(lines):
        if line.startswith("## ") and heading_contains in line:
            end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
            return "\n".join(lines[start + 1 : end])
    raise DriftError(f"README has no section whose heading contains {heading_contains!r}")


def fenced_blocks(text: str) -> list[str]:
    """The contents of the ``` blocks in ``text``, in order."""
    return [match.group(1) for match in FENCE.finditer(text)]


def _words(text: str) -> str:
    """Text with line breaks and runs of spaces as single spaces (prose wraps anywhere)."""
    return " ".join(text.split())


# --- configuration table -------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    keys: tuple[str, ...]
    default: str | None  # the first backquoted value of the default column; None when it shows none
    line: str
    meaning: str = ""


def config_table(readme: str) -> list[TableRow]:
    """The rows of the table in "Configuration reference" whose first column is `key` (or `a` / `b`)."""
    rows = []
    for line in section(readme, "Configuration reference").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 2:
            continue
        keys = tuple(BACKQUOTED.findall(cells[0]))
        if not keys:
            continue  # the header row and the |---| row
        literal = BACKQUOTED.search(cells[1])
        meaning = cells[2] if len(cells) > 2 else ""
        rows.append(TableRow(keys, literal.group(1) if literal else None, line.strip(), meaning))
    if not rows:
        raise DriftError("README's Configuration reference has no table of `key` | default | meaning rows")
    return rows


def declared_config(pulumi_yaml: str) -> dict[str, Any]:
    """Key -> declared default (None when there is none) of Pulumi.yaml's `config:` block."""
    document = yaml.safe_load(pulumi_yaml) or {}
    declared = document.get("config") or {}
    return {key: (spec or {}).get("default") if isinstance(spec, dict) else spec for key, spec in declared.items()}


def shown_as(default: Any) -> str:
    """How a default reads in the README's table."""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, list):
        return "[" + ", ".join(str(item) for item in default) + "]"
    return str(default)


def _same(literal: str, default: Any) -> bool:
    if isinstance(default, str):
        return literal == default
    try:
        value = yaml.safe_load(literal)
    except yaml.YAMLError:
        return False
    return type(value) is type(default) and value == default


def config_table_problems(declared: Mapping[str, Any], rows: Sequence[TableRow]) -> list[str]:
    problems = []
    listed: dict[str, TableRow] = {}
    for row in rows:
        for key in row.keys:
            if key in listed:
                problems.append(f"configuration table: {key} has two rows")
            listed[key] = row
    for key, default in declared.items():
        found = listed.get(key)
        if found is None:
            problems.append(
                f"configuration table: no row for {key}, which Pulumi.yaml declares (default {shown_as(default)!r})"
            )
        elif found.default is None:
            if default not in (None, "", []):
                problems.append(
                    f"configuration table: {key} shows no default; Pulumi.yaml's default is {shown_as(default)!r}"
                )
        elif default in (None, ""):
            problems.append(f"configuration table: {key} shows default `{found.default}`; Pulumi.yaml declares none")
        elif not _same(found.default, default):
            problems.append(
                f"configuration table: {key} shows default `{found.default}`; Pulumi.yaml's default is "
                f"{shown_as(default)!r}"
            )
    for key in listed.keys() - declared.keys():
        problems.append(f"configuration table: {key} is not a key Pulumi.yaml declares")
    return sorted(problems)


# An integer range in the meaning column, e.g. 1-10, 1024-65535, 10-2e9 (not 10.80.0.0/16 or /16).
RANGE = re.compile(r"(?<![\w/.-])(\d+(?:e\d+)?)-(\d+(?:e\d+)?)(?![\w.])")

# The program's answer to a set of settings: None when it accepts them, else its error message.
Verdict = Callable[[Mapping[str, Any]], str | None]


def documented_ranges(declared: Mapping[str, Any], rows: Sequence[TableRow]) -> dict[str, tuple[int, int]]:
    """Integer keys (by their declared default) whose meaning states a LOW-HIGH range."""
    ranges = {}
    for row in rows:
        match = RANGE.search(row.meaning)
        for key in row.keys:
            default = declared.get(key)
            if match and isinstance(default, int) and not isinstance(default, bool):
                ranges[key] = (int(float(match.group(1))), int(float(match.group(2))))
    return ranges


def settings_verdict(settings: Mapping[str, Any]) -> str | None:
    """What the program's first step says about ``settings`` (``load_args``, as ``__main__`` calls it).

    Values are passed as the strings Pulumi config holds. Running the whole program under the mocks
    would say the same at ~100 ms a run; this takes microseconds.
    """
    raw = {key: json.dumps(value) if isinstance(value, bool | list) else str(value) for key, value in settings.items()}
    try:
        load_args(raw.get, present_keys=raw.keys(), project_dir=PROJECT_DIR)
    except SettingError as error:
        return str(error)
    return None


def range_problems(
    ranges: Mapping[str, tuple[int, int]], declared: Mapping[str, Any], verdict: Verdict = settings_verdict
) -> list[str]:
    """Each documented range against the program, in the first context that accepts its low end.

    Contexts: the defaults, then each boolean key that defaults to false switched on (wafRateLimit, for
    one, is only used with waf).
    """
    contexts: list[dict[str, Any]] = [{}] + [{k: True} for k, v in declared.items() if v is False]
    problems = []
    for key, (low, high) in sorted(ranges.items()):
        documented = f"configuration table: {key} is documented as {low}-{high}"
        context = next((c for c in contexts if verdict({**c, key: low}) is None), None)
        if context is None:
            problems.append(f"{documented}, but the program refuses {low} (with the defaults and each switch on)")
            continue
        expectations = [(high, True), (high + 1, False)] + ([(low - 1, False)] if low - 1 != declared[key] else [])
        for value, accepted in expectations:
            answer = verdict({**context, key: value})
            if accepted and answer is not None:
                problems.append(f"{documented}, but the program refuses {value}: {answer}")
            elif not accepted and answer is None:
                problems.append(f"{documented}, but the program accepts {value}")
            elif not accepted and not str(answer).startswith(f"invalid setting {key}: "):
                problems.append(f"{documented}; {value} is refused, but not as a bad {key}: {answer}")
    return problems


# --- `make check` --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRun:
    """One run of ``python -m offline.check``: what it printed and its exit code."""

    output: str
    exit_code: int


def run_offline_check(project_dir: Path = PROJECT_DIR) -> CheckRun:
    out = io.StringIO()
    with redirect_stdout(out):
        code = offline_check.main(["--project-dir", str(project_dir)])
    return CheckRun(out.getvalue(), code)


def run_opened_check(project_dir: Path = PROJECT_DIR) -> CheckRun:
    """``offline.check`` on the project's program with its origin group opened to the world on 443."""
    with tempfile.TemporaryDirectory(prefix="readme-drift-") as directory:
        opened = Path(directory)
        for path in [project_dir / "Pulumi.yaml", *sorted(project_dir.glob("Pulumi.*.yaml"))]:
            shutil.copy(path, opened / path.name)
        (opened / "__main__.py").write_text(OPENED_PROGRAM.format(main=str(project_dir / "__main__.py")))
        return run_offline_check(opened)


def _blocks(lines: Iterable[str]) -> dict[str, list[str]]:
    """Lines grouped by case: the key is the header up to its colon (e.g. '== stack dev / direct / up')."""
    grouped: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith("== "):
            current = grouped.setdefault(line.split(":", 1)[0], [])
        if current is not None:
            current.append(line.rstrip())
    return grouped


def _line_matches(shown: str, printed: str) -> bool:
    if TIMING.match(shown.strip()):
        return bool(TIMING.match(printed.strip()))
    if shown.endswith(ELLIPSIS):
        return printed.startswith(shown[: -len(ELLIPSIS)])
    return printed == shown


def check_sample_problems(sample: str, run: CheckRun) -> list[str]:
    """Each case of the README's sample against the same case of the real run."""
    problems = []
    shown_blocks = _blocks(sample.splitlines())
    if not shown_blocks:
        return ["make check sample: no '== stack ...' case header"]
    printed_blocks = _blocks(run.output.splitlines())
    for key, shown in shown_blocks.items():
        printed = printed_blocks.get(key)
        if printed is None:
            problems.append(f"make check sample: shows {shown[0]!r}; make check prints no such case")
            continue
        if shown[0] != printed[0]:
            problems.append(f"make check sample: shows {shown[0]!r}; make check prints {printed[0]!r}")
        position = 1
        for line in shown[1:]:
            if line.strip() == ELLIPSIS:
                continue
            found = next((i for i in range(position, len(printed)) if _line_matches(line, printed[i])), None)
            if found is None:
                problems.append(f"make check sample: {line.strip()!r} is not in what make check prints for {key!r}")
            else:
                position = found + 1
        summary = next((SUMMARY.match(line) for line in shown if SUMMARY.match(line)), None)
        if summary is not None:
            implied = 0 if summary["failed"] == "0" else 1
            if implied != run.exit_code:
                problems.append(
                    f"make check sample: {summary.group(0)!r} implies exit {implied}; it exits {run.exit_code}"
                )
    return problems


def opened_claim_problems(prose: str, run: CheckRun) -> list[str]:
    """The sentence after the sample: what the check prints, and exits with, for an opened origin."""
    problems = []
    printed = run.output.splitlines()
    for snippet in BACKQUOTED.findall(_words(prose)):
        if snippet.startswith("[mandatory]") and not any(_line_matches(snippet, line.strip()) for line in printed):
            problems.append(f"make check, opened origin: README says it prints {snippet!r}; it does not")
        elif SUMMARY.fullmatch(snippet):
            summary = next((line for line in printed if SUMMARY.match(line)), "(no summary)")
            if not summary.startswith(snippet):
                problems.append(f"make check, opened origin: README says {snippet!r}; it prints {summary!r}")
    stated = re.search(r"exit code (\d+)", _words(prose))
    if stated and int(stated.group(1)) != run.exit_code:
        problems.append(f"make check, opened origin: README says exit code {stated.group(1)}; it exits {run.exit_code}")
    return problems


def make_check_problems(readme: str, green: CheckRun, opened: CheckRun) -> list[str]:
    text = section(readme, "`make check`")
    sample = FENCE.search(text)
    if sample is None:
        raise DriftError("README's `make check` section has no sample output block")
    after_sample = text[sample.end() :].split("```", 1)[0]
    return check_sample_problems(sample.group(1), green) + opened_claim_problems(after_sample, opened)


# --- `make verify` -------------------------------------------------------------------------------


def verify_renderings() -> list[str]:
    """What the probe prints for the answers the README depicts: a locked origin, then an open one."""
    outputs = vo.StackOutputs(
        url="https://d111111abcdef8.cloudfront.net/",
        origin_url="http://ec2-203-0-113-10.compute-1.amazonaws.com:80/",
        header_name="X-Origin-Verify",
        architecture="direct",
    )
    cloudfront = vo.cloudfront_check(outputs.url, vo.Outcome(status=200, server="nginx"), 1)
    renderings = []
    for origin in (
        vo.Outcome(error=vo.REFUSED, detail="connection refused"),
        vo.Outcome(status=200, server="nginx/1.22.1"),
    ):
        checks = [
            cloudfront,
            vo.origin_check("origin-no-header", outputs.origin_url, origin),
            vo.origin_check("origin-wrong-header", outputs.origin_url, origin),
        ]
        renderings.append(vo.render_text(checks, vo.verdict(checks), outputs, "stack dev"))
    return renderings


def _contiguous_in(shown: list[str], printed: list[str]) -> bool:
    return any(printed[i : i + len(shown)] == shown for i in range(len(printed) - len(shown) + 1))


def make_verify_problems(readme: str) -> list[str]:
    text = section(readme, "`make verify`")
    blocks = fenced_blocks(text)
    renderings = verify_renderings()
    problems = []
    if len(blocks) < len(renderings):
        return [f"make verify: README shows {len(blocks)} sample(s); expected {len(renderings)} (locked, open)"]
    for number, (shown, rendered) in enumerate(zip(blocks, renderings, strict=False), 1):
        if not _contiguous_in(shown.strip("\n").splitlines(), rendered.splitlines()):
            problems.append(f"make verify sample {number}: not what the probe prints; it prints:\n{rendered}")
    epilog = vo.build_parser().epilog or ""
    codes = {int(code) for code in re.findall(r"(\d+) [A-Za-z]", epilog)}
    if codes != set(vo.VERDICTS):
        problems.append(
            f"make verify: the probe's --help lists exit codes {sorted(codes)}; it has {sorted(vo.VERDICTS)}"
        )
    if _words(epilog).lower() not in _words(text).lower():
        problems.append(f"make verify: README should list the exit codes as the probe does: {epilog!r}")
    return problems


# --- make targets --------------------------------------------------------------------------------


def make_target_problems(readme: str, makefile: str) -> list[str]:
    targets = set(re.findall(r"^([A-Za-z][\w-]*):", makefile, flags=re.MULTILINE))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", readme))
    return [f"README names `make {target}`; the Makefile has no such target" for target in sorted(named - targets)]


# --- all of it -----------------------------------------------------------------------------------


def problems(
    readme: str,
    pulumi_yaml: str,
    makefile: str,
    green: CheckRun,
    opened: CheckRun,
) -> list[str]:
    declared, rows = declared_config(pulumi_yaml), config_table(readme)
    found = config_table_problems(declared, rows)
    found += range_problems(documented_ranges(declared, rows), declared)
    found += make_check_problems(readme, green, opened)
    found += make_verify_problems(readme)
    found += make_target_problems(readme, makefile)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    read = {name: (PROJECT_DIR / name).read_text(encoding="utf-8") for name in ("README.md", "Pulumi.yaml", "Makefile")}
    try:
        found = problems(
            read["README.md"], read["Pulumi.yaml"], read["Makefile"], run_offline_check(), run_opened_check()
        )
    except DriftError as error:
        print(f"README drift: {error}")
        return 1
    for problem in found:
        print(f"README drift: {problem}")
    if not found:
        print("README matches the code: configuration table (keys, defaults, ranges), make check and make verify")
        print("samples, make targets")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

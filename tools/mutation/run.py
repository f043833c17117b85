"""Mutation testing: does each gate module's own test suite notice when the module is broken?

    .venv/bin/python -m tools.mutation.run                      # every module in targets.toml
    .venv/bin/python -m tools.mutation.run policy/lockdown/judge.py --max-children 2
    .venv/bin/python -m tools.mutation.run --list               # the table: module -> tests

For each module of ``targets.toml`` the runner copies the repository (tracked and untracked, not ignored
files) into a fresh work directory, points mutmut (pinned in requirements-dev.txt) at that one module and
at the tests the table names, and runs it: mutmut makes small changes to the module (a flipped comparison,
a changed constant, a removed call), one at a time, and runs the tests that execute the changed function;
a mutant is *caught* when a test fails (or times out). It prints, per module, the mutants tried, caught,
judged equivalent and the score, then every survivor with its diff, and the total time.

The component package (``components/cloudfront_origin_lockdown``) is imported as
``cloudfront_origin_lockdown``, but mutmut names a mutant after its file's path from the working directory
and only strips a leading ``src/``: it would call the mutants ``components.cloudfront_origin_lockdown.*``,
which never match the running module, and every mutant would be reported untested. So for a module under
``components/`` the copy holds that folder at ``src/``, with ``components`` a symlink to it (in the copy
and in mutmut's ``mutants/`` folder), so every path that names ``components/`` (``__main__.py``,
``tools/__init__.py``, the tests, pyproject's pytest ``pythonpath``) still reaches the one, mutated, package.
The policy pack's modules are imported the same way, from the source root ``policy/`` (``lockdown.*`` and the
judge ``origin_lockdown_judge.*``, as the CLI runs the pack): ``policy/`` moves to ``src/`` for them.

Score = caught / (tried - equivalent). A survivor is *equivalent* when no test could ever catch it: the
change cannot alter behaviour (e.g. a limit on a loop that already stops earlier). Each one is listed in
``equivalent.txt`` next to this file, one line per mutant: ``<mutant name>  <why it cannot change
behaviour>``. Listed mutants that no longer survive (the code changed, or a test now catches them) are
reported as stale. Exit code 0 when every module reaches its threshold (90% unless the table says
otherwise), 1 otherwise, 2 on a usage or setup error.

Not part of the normal test run: it takes minutes, not seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10, the oldest the project supports: the same parser, from PyPI
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGETS = HERE / "targets.toml"
EQUIVALENT = HERE / "equivalent.txt"

COMPONENTS = "components"  # the component package's source root (see the docstring: moved to src/ in the copy)
POLICY = "policy"  # the pack's source root: `lockdown` and the judge `origin_lockdown_judge` (moved the same way)
SOURCE_ROOTS = (COMPONENTS, POLICY)
SRC = "src"
ISOLATION = ("fork", "forkserver")  # mutmut's process_isolation: forkserver for suites that are not fork-safe

CAUGHT = frozenset({"killed", "timeout", "caught by type check", "segfault"})
_RESULT = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+?)\s*$")


@dataclass(frozen=True)
class Target:
    module: str
    tests: tuple[str, ...]
    threshold: float
    pytest_args: tuple[str, ...]
    isolation: str = "fork"

    @property
    def source_root(self) -> str | None:
        """The source root holding the module (moved to ``src/`` in the copy, see the module docstring)."""
        return next((root for root in SOURCE_ROOTS if self.module.startswith(f"{root}/")), None)

    @property
    def src_layout(self) -> bool:
        """Whether the copy moves the module's source root to ``src/`` (see the module docstring)."""
        return self.source_root is not None

    @property
    def mutated_path(self) -> str:
        """The module's path in the copy: what mutmut is told to mutate."""
        root = self.source_root
        return f"{SRC}/{self.module.removeprefix(root + '/')}" if root is not None else self.module

    @property
    def mutant_module(self) -> str:
        """The dotted module name mutmut gives this module's mutants (``<module>.x_<function>__mutmut_<n>``)."""
        dotted = self.mutated_path.removesuffix(".py").replace("/", ".").removeprefix(f"{SRC}.")
        return dotted.removesuffix(".__init__")


@dataclass
class Outcome:
    target: Target
    statuses: dict[str, str] = field(default_factory=dict)
    equivalent: dict[str, str] = field(default_factory=dict)  # survivor -> why (from equivalent.txt)
    diffs: dict[str, str] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0

    @property
    def tried(self) -> int:
        return len(self.statuses)

    @property
    def caught(self) -> int:
        return sum(1 for s in self.statuses.values() if s in CAUGHT)

    @property
    def survivors(self) -> list[str]:
        return [m for m, s in self.statuses.items() if s not in CAUGHT and m not in self.equivalent]

    @property
    def score(self) -> float:
        judged = self.tried - len(self.equivalent)
        return self.caught / judged if judged else 1.0

    @property
    def passed(self) -> bool:
        return not self.error and self.tried > 0 and self.score >= self.target.threshold


def load_targets(path: Path = TARGETS) -> list[Target]:
    data = tomllib.loads(path.read_text())
    defaults = data.get("defaults", {})
    out = []
    for module, spec in data.get("targets", {}).items():
        tests = spec.get("tests") or []
        if not tests:
            raise ValueError(f"{path.name}: {module} lists no tests")
        isolation = spec.get("process_isolation", defaults.get("process_isolation", "fork"))
        if isolation not in ISOLATION:
            raise ValueError(
                f"{path.name}: {module}: process_isolation {isolation!r} is not allowed; one of {', '.join(ISOLATION)}"
            )
        out.append(
            Target(
                module=module,
                tests=tuple(tests),
                threshold=float(spec.get("threshold", defaults.get("threshold", 0.9))),
                pytest_args=tuple(spec.get("pytest_args", defaults.get("pytest_args", []))),
                isolation=isolation,
            )
        )
    return out


def load_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """``mutant name -> why`` from the reviewed list (blank lines and ``#`` comments ignored)."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for number, line in enumerate(path.read_text().splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, _, why = text.partition(" ")
        if not why.strip():
            raise ValueError(f"{path.name}:{number}: {name} needs a reason (why it cannot change behaviour)")
        out[name] = why.strip()
    return out


def project_files(root: Path) -> list[str]:
    """The repository's files as git sees them (tracked and untracked, not ignored)."""
    result = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=root, capture_output=True, text=True, check=True
    )
    return [line for line in result.stdout.splitlines() if line and (root / line).is_file()]


def prepare(target: Target, workdir: Path, root: Path = ROOT) -> None:
    """A copy of the repository in ``workdir`` with mutmut's configuration for ``target``."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    files = project_files(root)
    for name in files:
        destination = workdir / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, destination)
    (workdir / ".venv").symlink_to(root / ".venv")  # policy/.venv points at ../.venv
    top = sorted({name.split("/", 1)[0] for name in files})  # the whole project goes along into mutants/
    if target.source_root is not None:
        use_src_layout(workdir, target.source_root)
        top = sorted({SRC if entry == target.source_root else entry for entry in top})
    lines = [
        "[mutmut]",
        f"source_paths = {target.mutated_path}",
        f"process_isolation = {target.isolation}",
        "also_copy =",
        *(f"    {entry}" for entry in top if not entry.startswith(".")),
        "pytest_add_cli_args_test_selection =",
        *(f"    {test}" for test in target.tests),
        "pytest_add_cli_args =",
        *(f"    {arg}" for arg in target.pytest_args),
    ]
    (workdir / "setup.cfg").write_text("\n".join(lines) + "\n")


def use_src_layout(workdir: Path, root: str = COMPONENTS) -> None:
    """Move the source root ``root`` (``components/`` or ``policy/``) to ``src/`` and leave ``root`` as a
    relative symlink to it, in the copy and in the ``mutants/`` folder mutmut fills (it copies the project
    into that folder, would copy a symlinked folder as a second, unmutated package, and keeps what is already
    there)."""
    if (workdir / SRC).exists():
        raise ValueError(f"cannot move {root}/ to {SRC}/: the repository already has {SRC}/")
    (workdir / root).rename(workdir / SRC)
    (workdir / root).symlink_to(SRC, target_is_directory=True)
    (workdir / "mutants").mkdir()
    (workdir / "mutants" / root).symlink_to(SRC, target_is_directory=True)


def mutmut(workdir: Path, *args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("mutmut")
    # The script through this interpreter: its #! line names the path the virtualenv was installed from.
    command = [sys.executable, str(executable)] if executable.exists() else [sys.executable, "-m", "mutmut"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return run_in_own_group([*command, *args], workdir, env, timeout)


def run_in_own_group(
    command: Sequence[str], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a session of its own and, once it is done, kill what it left in that process group
    (a policy pack or an nginx whose mutant's test timed out): by the group's id, never by name. Output goes
    to files, not pipes, so a leftover that inherited them cannot keep the wait open."""
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdout=stdout, stderr=stderr, text=True, start_new_session=True
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(process.pid)
            process.wait()
            stderr.write(f"\ntimed out after {timeout:.0f}s\n")
            code = -1
        finally:
            stop_group(process.pid)
        stdout.seek(0)
        stderr.seek(0)
        return subprocess.CompletedProcess(process.args, code, stdout.read(), stderr.read())


def stop_group(group: int) -> None:
    """Kill what is left of the process group ``group`` (started by ``mutmut()``); nothing if it is gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def parse_results(text: str) -> dict[str, str]:
    """``mutmut results --all true`` lines (``    name: status``) as ``name -> status``."""
    out = {}
    for line in text.splitlines():
        match = _RESULT.match(line)
        if match:
            out[match["name"]] = match["status"]
    return out


def run_target(target: Target, workdir: Path, equivalent: dict[str, str], max_children: int) -> Outcome:
    outcome = Outcome(target)
    start = time.monotonic()
    prepare(target, workdir)
    ran = mutmut(workdir, "run", "--max-children", str(max_children))
    outcome.statuses = parse_results(mutmut(workdir, "results", "--all", "true").stdout)
    if ran.returncode != 0 or not outcome.statuses:
        tail = "\n".join((ran.stdout + ran.stderr).strip().splitlines()[-15:])
        outcome.error = f"mutmut run exited {ran.returncode}:\n{tail}"
    outcome.equivalent = {m: why for m, why in equivalent.items() if outcome.statuses.get(m, "killed") not in CAUGHT}
    for name in outcome.survivors:
        outcome.diffs[name] = mutmut(workdir, "show", name).stdout.strip()
    outcome.seconds = time.monotonic() - start
    return outcome


def report(
    outcomes: Sequence[Outcome], equivalent: dict[str, str], out: TextIO | None = None, seconds: float | None = None
) -> None:
    stream = out or sys.stdout
    width = max([len(o.target.module) for o in outcomes] + [6])
    print(f"\n{'module':<{width}}  tried  caught  equivalent   score  needed  time", file=stream)
    for o in outcomes:
        score = f"{o.score:.1%}" if o.tried else "-"
        verdict = "ok" if o.passed else "FAIL"
        print(
            f"{o.target.module:<{width}}  {o.tried:>5}  {o.caught:>6}  {len(o.equivalent):>10}  {score:>6}  "
            f"{o.target.threshold:>6.0%}  {o.seconds:>4.0f}s  {verdict}",
            file=stream,
        )
    for o in outcomes:
        if o.error:
            print(f"\n== {o.target.module}: {o.error}", file=stream)
        for name in o.survivors:
            print(f"\n== survivor ({o.statuses[name]}): {name}\n{o.diffs.get(name, '')}", file=stream)
    for name in stale_entries(outcomes, equivalent):
        print(f"\nstale entry in {EQUIVALENT.name} (not a survivor of this run): {name}", file=stream)
    if seconds is not None:
        failed = [o.target.module for o in outcomes if not o.passed]
        verdict = f"{len(failed)} below threshold: {', '.join(failed)}" if failed else "all at or above threshold"
        print(f"\n{len(outcomes)} module(s) in {seconds:.0f}s; {verdict}", file=stream)


def stale_entries(outcomes: Sequence[Outcome], equivalent: dict[str, str]) -> list[str]:
    """Listed equivalents of the modules that ran which did not survive (renamed, removed or now caught)."""
    modules = {o.target.mutant_module for o in outcomes}
    survived = {m for o in outcomes for m, s in o.statuses.items() if s not in CAUGHT}
    return [m for m in equivalent if mutant_module(m) in modules and m not in survived]


def mutant_module(name: str) -> str:
    """The module part of a mutant's name: everything before the mangled function (``x_...`` or ``xǁ...``)."""
    parts = name.split(".")
    for index in range(len(parts) - 1, 0, -1):
        if parts[index].startswith(("x_", "xǁ")):
            return ".".join(parts[:index])
    return name.rsplit(".", 1)[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="modules of targets.toml to run (default: all)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="parallel mutant runs")
    parser.add_argument("--workdir", type=Path, help="where the copies go (default: a temporary directory)")
    parser.add_argument("--list", action="store_true", help="print the table of modules and their tests")
    args = parser.parse_args(argv)
    try:
        targets = load_targets()
        equivalent = load_equivalent()
    except (OSError, ValueError, tomllib.TOMLDecodeError) as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 2
    unknown = [m for m in args.modules if m not in {t.module for t in targets}]
    if unknown:
        print(f"mutation: not in {TARGETS.name}: {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = [t for t in targets if not args.modules or t.module in args.modules]
    if args.list:
        for t in chosen:
            print(f"{t.module}: {' '.join(t.tests)}" + (f" ({t.isolation})" if t.isolation != "fork" else ""))
        return 0
    base = args.workdir or Path(tempfile.mkdtemp(prefix="mutation-"))
    start = time.monotonic()
    outcomes = []
    for target in chosen:
        slug = target.module.removesuffix(".py").replace("/", "-")
        print(f"mutating {target.module} against {len(target.tests)} test file(s) ...", flush=True)
        try:
            outcomes.append(run_target(target, base / slug, equivalent, args.max_children))
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            print(f"mutation: {target.module}: {error}", file=sys.stderr)
            return 2
    report(outcomes, equivalent, seconds=time.monotonic() - start)
    if args.workdir is None:
        shutil.rmtree(base, ignore_errors=True)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())

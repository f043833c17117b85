"""`make check`: review the program without a cloud, the way a pull request from a fork must be.

For every stack file (``Pulumi.<stack>.yaml``) and every architecture, with and without a VPC origin,
run the program in-process under the engine-like mocks (no AWS credentials, no Pulumi CLI), at preview
and at up; print what it would create as a tree with the security-relevant settings; run the policy pack
over it through the real analyzer gRPC protocol, as the CLI would; print the violations; exit 1 on a
mandatory one (or when a run fails), 0 otherwise. ``--json`` prints the same as one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from offline.analyzer import AnalyzerProcess, Violation
from offline.describe import render_tree, tree_json
from offline.mocks import PROJECT_DIR, ProgramError, run_program
from offline.snapshot import ProgramRun

ARCHITECTURES = ("alb", "direct")
MODES = ("preview", "up")
# Each architecture is checked as configured and reached through a CloudFront VPC origin.
VPC_ORIGIN = (False, True)


@dataclass
class CaseResult:
    """One stack x architecture x mode."""

    stack: str
    architecture: str
    mode: str
    configured: bool  # the architecture (and vpcOrigin) the stack file itself selects
    resources: int = 0
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None
    tree: list[str] = field(default_factory=list)
    tree_json: list[dict[str, Any]] = field(default_factory=list)
    vpc_origin: bool = False

    @property
    def variant(self) -> str:
        return f"{self.architecture} / vpcOrigin" if self.vpc_origin else self.architecture

    @property
    def failed(self) -> bool:
        mandatory = any(v.enforcement_level == "mandatory" for v in self.violations)
        # A config error for an architecture the stack does not select is "not applicable", not a failure.
        return mandatory or (self.error is not None and self.configured)


def stack_files(project_dir: Path) -> list[Path]:
    return sorted(project_dir.glob("Pulumi.*.yaml"))


def project_name(project_dir: Path) -> str:
    return str(yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"])


def stack_settings(path: Path) -> dict[str, Any]:
    """The stack file's config, as run_program takes it (project keys without their prefix)."""
    return dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})


def run_case(
    analyzer: AnalyzerProcess,
    project_dir: Path,
    project: str,
    stack: str,
    settings: dict[str, Any],
    architecture: str,
    mode: str,
    vpc_origin: bool = False,
) -> CaseResult:
    key, vpc_key = f"{project}:architecture", f"{project}:vpcOrigin"
    configured_vpc_origin = str(settings.get(vpc_key, False)).lower() == "true"
    configured = settings.get(key, "alb") == architecture and configured_vpc_origin == vpc_origin
    config = {**settings, key: architecture, vpc_key: vpc_origin}
    result = CaseResult(stack=stack, architecture=architecture, mode=mode, configured=configured, vpc_origin=vpc_origin)
    try:
        program: ProgramRun = run_program(
            config, preview=(mode == "preview"), stack=stack, program=project_dir / "__main__.py"
        )
    except ProgramError as error:
        result.error = str(error).splitlines()[0] if str(error) else error.__class__.__name__
        return result
    result.resources = len(program.resources)
    result.tree = render_tree(program)
    result.tree_json = tree_json(program)
    result.violations = analyzer.analyze_resources(program.resources, preview=(mode == "preview"))
    return result


def check(
    project_dir: Path, stacks: Sequence[str] = (), architectures: Sequence[str] = ARCHITECTURES
) -> list[CaseResult]:
    project = project_name(project_dir)
    results = []
    with AnalyzerProcess() as analyzer:
        for path in stack_files(project_dir):
            stack = path.name[len("Pulumi.") : -len(".yaml")]
            if stacks and stack not in stacks:
                continue
            settings = stack_settings(path)
            for architecture in architectures:
                for vpc_origin in VPC_ORIGIN:
                    for mode in MODES:
                        results.append(
                            run_case(analyzer, project_dir, project, stack, settings, architecture, mode, vpc_origin)
                        )
    return results


def print_human(results: Sequence[CaseResult], out: Any = None) -> None:
    out = out or sys.stdout
    for result in results:
        title = f"== stack {result.stack} / {result.variant} / {result.mode}"
        if result.error is not None:
            verdict = "FAIL" if result.failed else "n/a"
            print(f"{title}: {verdict}: {result.error}", file=out)
            continue
        print(f"{title}: {result.resources} resources", file=out)
        if result.mode == "up":
            for line in result.tree:
                print(f"   {line}", file=out)
        for violation in result.violations:
            message = violation.message.replace("\n", "\n      ")
            print(f"   [{violation.enforcement_level}] {violation.policy_name}: {message}", file=out)
        if not result.violations:
            print("   policy pack: no violations", file=out)
    failed = [r for r in results if r.failed]
    print(
        f"{len(results) - len(failed)} passed, {len(failed)} failed"
        + (f": {', '.join(f'{r.stack}/{r.variant}/{r.mode}' for r in failed)}" if failed else ""),
        file=out,
    )


def to_json(results: Sequence[CaseResult]) -> dict[str, Any]:
    return {
        "ok": not any(r.failed for r in results),
        "cases": [
            {
                "stack": r.stack,
                "architecture": r.architecture,
                "vpcOrigin": r.vpc_origin,
                "mode": r.mode,
                "configured": r.configured,
                "failed": r.failed,
                "error": r.error,
                "resources": r.tree_json,
                "violations": [asdict(v) for v in r.violations],
            }
            for r in results
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m offline.check", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="Pulumi project to check")
    parser.add_argument("--stack", action="append", default=[], help="only this stack (repeatable)")
    parser.add_argument("--architecture", action="append", choices=ARCHITECTURES, help="only this architecture")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the report")
    options = parser.parse_args(argv)
    project_dir = options.project_dir.resolve()
    if not (project_dir / "Pulumi.yaml").is_file():
        print(f"error: {project_dir} is not a Pulumi project (no Pulumi.yaml)", file=sys.stderr)
        return 2
    if not stack_files(project_dir):
        print(f"error: no stack files (Pulumi.<stack>.yaml) in {project_dir}", file=sys.stderr)
        return 2
    started = time.monotonic()
    results = check(project_dir, options.stack, options.architecture or ARCHITECTURES)
    if options.json:
        print(json.dumps(to_json(results), indent=2))
    else:
        print_human(results)
        print(f"(checked in {time.monotonic() - started:.1f} s)")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

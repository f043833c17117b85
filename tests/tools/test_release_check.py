"""The release check: version written once and shown the same everywhere, dependency lists in step. It holds
for this checkout, and each of its checks fails on a copy that drifts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import cloudfront_origin_lockdown
from tools import release_check
from tools.release_check import PACKAGE_INIT, package_version, release_problems

ROOT = Path(__file__).resolve().parents[2]
FILES = [PACKAGE_INIT, Path("pyproject.toml"), Path("CHANGELOG.md"), Path("README.md")]
FILES += [Path("components/requirements.txt"), Path("requirements.txt")]
VERSION = cloudfront_origin_lockdown.__version__


def test_this_checkout_is_consistent() -> None:
    assert release_problems(ROOT) == []
    assert package_version((ROOT / PACKAGE_INIT).read_text()) == VERSION
    assert release_check.main([]) == 0


@pytest.fixture
def copy(tmp_path: Path) -> Callable[[Path, Callable[[str], str]], Path]:
    for relative in FILES:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, tmp_path / relative)

    def edit(relative: Path, change: Callable[[str], str]) -> Path:
        path = tmp_path / relative
        before = path.read_text()
        after = change(before)
        assert after != before, f"the edit of {relative} changed nothing"
        path.write_text(after)
        return tmp_path

    return edit


def _bump(text: str) -> str:
    return text.replace(f'__version__ = "{VERSION}"', '__version__ = "9.9.9"')


DRIFTS = [
    pytest.param(PACKAGE_INIT, _bump, "CHANGELOG.md: no section '## [9.9.9]", id="version without changelog"),
    pytest.param(
        Path("README.md"),
        lambda text: text.replace(f"@v{VERSION}", "@v0.1.9", 1),
        f"README.md: shows @v0.1.9, but the package is {VERSION}",
        id="readme shows another version",
    ),
    pytest.param(
        Path("pyproject.toml"),
        lambda text: text.replace('dynamic = ["version"]', f'version = "{VERSION}"'),
        "pyproject.toml: [project] must take the version from the package",
        id="a second version in pyproject",
    ),
    pytest.param(
        Path("components/requirements.txt"),
        lambda text: text.replace("pulumi-aws>=7.51.1,<8", "pulumi-aws>=7.51.1,<9"),
        "components/requirements.txt and pyproject.toml [project].dependencies differ",
        id="plugin range differs",
    ),
    pytest.param(
        Path("components/requirements.txt"),
        lambda text: text.replace("pulumi-random>=4.21.4,<5\n", ""),
        "components/requirements.txt and pyproject.toml [project].dependencies differ",
        id="plugin lacks a dependency",
    ),
    pytest.param(
        Path("requirements.txt"),
        lambda text: text.replace("pulumi-aws==7.51.1", "pulumi-aws==8.0.0"),
        "requirements.txt pins pulumi-aws==8.0.0, outside the package's pulumi-aws<8,>=7.51.1",
        id="program pin outside the range",
    ),
]


@pytest.mark.parametrize(("relative", "change", "problem"), DRIFTS)
def test_each_drift_is_found(
    copy: Callable[[Path, Callable[[str], str]], Path],
    relative: Path,
    change: Callable[[str], str],
    problem: str,
) -> None:
    root = copy(relative, change)
    problems = release_problems(root)
    assert any(found.startswith(problem) for found in problems), problems


def _section_dated(when: str) -> Callable[[str], str]:
    """The changelog with the current version's section dated ``when`` (a date or ``unreleased``)."""

    def change(text: str) -> str:
        return (
            re.sub(rf"^## \[{re.escape(VERSION)}\] - .*$", f"## [{VERSION}] - {when}", text, flags=re.MULTILINE) + "\n"
        )

    return change


def test_a_tag_must_be_v_and_the_version_and_its_section_dated(
    copy: Callable[[Path, Callable[[str], str]], Path],
) -> None:
    undated = copy(Path("CHANGELOG.md"), _section_dated("unreleased"))
    assert release_problems(undated) == []
    assert release_problems(undated, tag=f"v{VERSION}") == [
        f"CHANGELOG.md: the section of {VERSION} says unreleased; give it the release date"
    ]
    dated = copy(Path("CHANGELOG.md"), _section_dated("2026-12-01"))
    assert release_problems(dated, tag=f"v{VERSION}") == []
    for wrong in (VERSION, "v0.0.1", f"v{VERSION}.1"):
        assert release_problems(dated, tag=wrong) == [
            f"tag {wrong} is not v{VERSION}, the package's version (__version__ in {PACKAGE_INIT})"
        ]

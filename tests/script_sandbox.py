"""Run the repository's shell scripts in a sandbox: a copy of the script, stand-in commands, a fake root.

The scripts install system packages and call Pulumi; the tests must never run the real ones. So a
sandbox puts on PATH only (1) stand-ins written by the test, which record each call in a file, and (2)
links to a fixed list of harmless utilities. apt-get, dpkg, sudo, systemctl, service, pulumi and python
are never linked: a script that tried the real one would fail with "command not found", not install.
When the tests run as root, the script also runs as an unprivileged user (setpriv), so even a write to
an absolute system path is refused by the kernel instead of happening.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# What the scripts may use from the real machine; nothing here changes the system.
HARMLESS_TOOLS = (
    "bash",
    "sh",
    "env",
    "cat",
    "cut",
    "grep",
    "sha256sum",
    "ln",
    "rm",
    "mkdir",
    "dirname",
    "basename",
    "chmod",
    "printf",
    "echo",
    "true",
    "false",
    "date",
)

# The system tools the sandbox must never reach for real.
SYSTEM_TOOLS = ("apt-get", "apt", "dpkg", "sudo", "systemctl", "service", "invoke-rc.d", "update-rc.d", "pulumi")

# The user a root test run drops to: owns nothing on the machine, so it can change nothing there.
UNPRIVILEGED = 65534


def drop_privileges() -> list[str]:
    """The command prefix that runs a script unprivileged, when the tests run as root."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        return []
    return [setpriv, f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}", "--clear-groups"]


def stand_in_python() -> str:
    """An interpreter for stand-ins written in Python that the unprivileged user can run too."""
    system = Path("/usr/bin/python3")
    return str(system) if drop_privileges() and system.exists() else sys.executable


@contextlib.contextmanager
def sandbox_base() -> Iterator[Path]:
    """A fresh directory the (possibly unprivileged) script can reach: not under pytest's 0700 tmp tree."""
    base = Path(tempfile.mkdtemp(prefix="script-sandbox-"))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


# A stand-in: records "NAME ARG..." (plus DEBIAN_FRONTEND when set) and acts as $STANDIN_<NAME> says.
RECORDER = """#!/bin/sh
name="$(basename "$0")"
line="$name $*"
[ -n "${DEBIAN_FRONTEND:-}" ] && line="$line [DEBIAN_FRONTEND=$DEBIAN_FRONTEND]"
echo "$line" >> "$CALLS"
"""


@dataclass
class Result:
    code: int
    output: str
    calls: list[str]


@dataclass
class Sandbox:
    """A directory tree for one script run: repo/ (the script's checkout), bin/, tools/, root/."""

    base: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def repo(self) -> Path:
        return self.base / "repo"

    @property
    def bin(self) -> Path:
        return self.base / "bin"

    @property
    def root(self) -> Path:
        return self.base / "root"

    @property
    def calls_file(self) -> Path:
        return self.base / "calls.txt"

    def standin(self, name: str, body: str = "exit 0\n", where: Path | None = None) -> Path:
        """A stand-in command: the recorder, then ``body`` (sh)."""
        path = (where or self.bin) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(RECORDER + body)
        path.chmod(0o755)
        return path

    def remove(self, name: str) -> None:
        (self.bin / name).unlink(missing_ok=True)

    def run(self, script: str, *args: str, extra_env: dict[str, str] | None = None) -> Result:
        self.calls_file.unlink(missing_ok=True)
        env = {
            "PATH": f"{self.bin}:{self.base / 'tools'}",
            "HOME": str(self.base / "home"),
            "CALLS": str(self.calls_file),
            "LC_ALL": "C",
            **self.env,
            **(extra_env or {}),
        }
        prefix = drop_privileges()
        if prefix:
            for directory, names, files in os.walk(self.base):
                for name in [*names, *files, ""]:
                    os.chown(Path(directory) / name, UNPRIVILEGED, UNPRIVILEGED, follow_symlinks=False)
        result = subprocess.run(
            [*prefix, str(self.base / "tools" / "bash"), str(self.repo / script), *args],
            cwd=self.repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        calls = self.calls_file.read_text().splitlines() if self.calls_file.exists() else []
        return Result(result.returncode, result.stdout + result.stderr, calls)


def make_sandbox(base: Path, scripts: tuple[str, ...]) -> Sandbox:
    """A sandbox with copies of ``scripts`` (paths relative to the repository) and the harmless tools."""
    box = Sandbox(base)
    for script in scripts:
        target = box.repo / script
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / script, target)
    tools = base / "tools"
    tools.mkdir()
    for name in HARMLESS_TOOLS:
        found = shutil.which(name)
        if found:
            (tools / name).symlink_to(found)
    box.bin.mkdir()
    box.root.mkdir()
    (base / "home").mkdir()
    return box


def snapshot(top: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``top``: kind, mode, content hash or link target, and modification time.

    Directory modification times catch a file that was created and removed again.
    """
    entries: dict[str, tuple[object, ...]] = {}
    for directory, names, files in os.walk(top):
        for name in [*names, *files, ""]:
            path = Path(directory) / name if name else Path(directory)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                detail: object = os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                detail = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                detail = None
            entries[str(path.relative_to(top))] = (stat.S_IFMT(info.st_mode), info.st_mode, detail, info.st_mtime_ns)
    return entries


def differences(before: dict[str, tuple[object, ...]], after: dict[str, tuple[object, ...]]) -> list[str]:
    """Paths added, removed or changed between two snapshots, sorted."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))

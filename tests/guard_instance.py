"""One direct-origin instance for the guard's end-to-end tests: a real nginx in front of the real sample app,
the parameter as a fake `aws` CLI on PATH returns it, the guard's state, and guard.main run as the timer runs
it. Used by tests/components/test_origin_guard_sync_live.py and test_origin_guard_faults_live.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from cloudfront_origin_lockdown.origin_guard import guard
from tests.nginx_server import NginxServer, SampleApp, fake_secret, http_get, wait_until

HEADER = "X-Origin-Verify"
PARAMETER = "/test/stack/accepted-origin-secrets"
# Short enough to keep the suite fast, long enough for a loopback nginx on a loaded 2-core runner.
RELOAD_WAIT = 3.0

# An nginx configuration that does not check the header (like the package's default server).
OPEN = """
pid {pid};
error_log {error_log};
events {{}}
http {{
    access_log off;
    server {{
        listen {listen};
        location / {{ proxy_pass http://{upstream}; }}
    }}
}}
"""

FAKE_AWS = """#!/bin/sh
dir=$(dirname "$0")
printf '%s\\n' "$*" > "$dir/aws.argv"
if [ -e "$dir/aws.hang" ]; then exec sleep 30; fi
if [ -e "$dir/aws.error" ]; then cat "$dir/aws.error" >&2; exit 254; fi
cat "$dir/aws.out"
"""


class Instance:
    """One direct-origin instance: nginx, the parameter as the fake `aws` returns it, the guard's state."""

    def __init__(
        self,
        tmp_path: Path,
        nginx: NginxServer,
        app: SampleApp,
        monkeypatch: pytest.MonkeyPatch,
        run_dir: Path | None = None,
    ) -> None:
        """``run_dir``: where the state file lives (the instance's /run; default ``tmp_path/run``)."""
        self.nginx = nginx
        self.app = app
        self.monkeypatch = monkeypatch
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.aws = self.bin / "aws"
        self.aws.write_text(FAKE_AWS)
        self.aws.chmod(0o755)
        # Only the fake `aws` (a real one may be installed), the shell and coreutils; nginx by absolute path.
        monkeypatch.setenv("PATH", f"{self.bin}:/usr/bin:/bin")
        run_dir = run_dir or tmp_path / "run"
        run_dir.mkdir(exist_ok=True)
        self.state_path = run_dir / "origin-guard.loaded"
        self.old, self.new = fake_secret(), fake_secret()
        self.nginx_test: list[str] = nginx.test_command()
        self.reload_command: list[str] = nginx.reload_or_start_command()

    # --- what the parameter holds, and how `aws` behaves

    def parameter(self, raw: object) -> None:
        (self.bin / "aws.out").write_text((raw if isinstance(raw, str) else json.dumps(raw)) + "\n")

    def aws_error(self, message: str) -> None:
        (self.bin / "aws.error").write_text(message)

    def aws_works(self) -> None:
        for name in ("aws.error", "aws.hang"):
            (self.bin / name).unlink(missing_ok=True)
        self.aws.write_text(FAKE_AWS)
        self.aws.chmod(0o755)

    # --- starting points

    def open_nginx(self) -> None:
        """A pre-existing nginx serving everything, header or not."""
        self.nginx.start(
            lambda n: OPEN.format(
                pid=n.runtime.pid, error_log=n.runtime.error_log, listen=n.listen, upstream=self.app.upstream
            )
        )
        assert self.serves() == "open"

    def guarded_nginx(self) -> None:
        """nginx running the guard's configuration with the old value, as an earlier run left it: the file,
        and the state recording that this master was verified to load it.
        """
        self.parameter([self.old])
        conf = self.render([self.old])
        self.nginx.start(conf)
        self.state_path.write_text(f"{guard.config_id(conf)}\n")
        assert self.serves() == "old"
        assert guard.running_id(self.nginx.runtime.probe) == guard.config_id(conf)

    def render(self, values: Sequence[str]) -> str:
        """The configuration the guard renders for ``values`` on this instance."""
        return guard.render_nginx_conf(HEADER, values, [self.nginx.listen], self.app.upstream, self.nginx.runtime)

    # --- a run of the guard, as the timer starts it

    def sync(self, **overrides: object) -> int:
        before = self.nginx.workers() if self.nginx.running_master() else set()
        argv = ["--parameter-name", PARAMETER, "--region", "eu-west-1", "--header-name", HEADER]
        argv += ["--listen", self.nginx.listen, "--app-upstream", self.app.upstream]
        argv += ["--conf-path", str(self.nginx.conf_path), "--state-path", str(self.state_path)]
        options: dict[str, object] = {
            "nginx_test": self.nginx_test,
            "reload_command": self.reload_command,
            "stop_command": self.nginx.stop_command(),
            "runtime": self.nginx.runtime,
            "reload_wait": RELOAD_WAIT,
        }
        options.update(overrides)
        # Note when the guard reloads: then old workers may take a connection until they have exited. (Not after
        # a failed reload: a worker may have been respawned, or still be starting, while the others stay.)
        reloading = self.bin / "reloading"
        reloading.unlink(missing_ok=True)
        reload_command = options["reload_command"]
        assert isinstance(reload_command, list)
        options["reload_command"] = ["sh", "-c", 'touch "$0"; exec "$@"', str(reloading), *reload_command]
        code = guard.main(argv, **options)  # type: ignore[arg-type]
        if reloading.exists() and code != guard.RELOAD_FAILED and self.nginx.running_master() and before:
            wait_until(lambda: not (self.nginx.workers() & before), 10, "old nginx workers to exit")
        return code

    def serves(self) -> str:
        """What nginx serves: stopped, open, deny-all, old, new or both (see the module docstring)."""
        if not self.nginx.serving():
            return "stopped"
        codes = tuple(
            http_get(self.nginx.port, "/healthz", {HEADER: value} if value else None)[0]
            for value in (None, self.old, self.new)
        )
        names: dict[tuple[int, ...], str] = {
            (200, 200, 200): "open",
            (403, 403, 403): "deny-all",
            (403, 200, 403): "old",
            (403, 403, 200): "new",
            (403, 200, 200): "both",
        }
        return names.get(codes, str(codes))


def logged(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The guard's lines since the last call, without the "origin-guard: " prefix."""
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("origin-guard: ") for line in lines), lines
    return [line.removeprefix("origin-guard: ") for line in lines]

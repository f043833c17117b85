"""The instances' user data: secret-free, deterministic, within 16 KB, valid bash, embedding real code."""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cloudfront_origin_lockdown import boot
from cloudfront_origin_lockdown.aws_limits import USER_DATA_MAX_BYTES
from cloudfront_origin_lockdown.boot import BootSettings, render_user_data
from cloudfront_origin_lockdown.origin_guard import guard
from tests.nginx_server import fake_secret

PARAMETER = "/cloudfront-origin-lockdown/dev/site/accepted-origin-secrets"
ASSETS = Path(guard.__file__).resolve().parent


def direct(**changes: Any) -> BootSettings:
    return dataclasses.replace(
        BootSettings(architecture="direct", app_port=8080, region="eu-west-1", secrets_parameter_name=PARAMETER),
        **changes,
    )


def alb(**changes: Any) -> BootSettings:
    return dataclasses.replace(BootSettings(architecture="alb", app_port=8080, region="eu-west-1"), **changes)


def user_script(size: int) -> str:
    """A plausible boot script of about ``size`` bytes."""
    lines = ["#!/bin/bash", "set -euo pipefail", "dnf install -y python3-pip"]
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(f"echo 'configuring step {len(lines)}' >> /var/log/app-boot.log")
    lines.append('exec python3 -m http.server "$APP_PORT" --bind "$APP_BIND_ADDRESS" &')
    return "\n".join(lines) + "\n"


VARIANTS = {
    "direct": direct(),
    "direct-ipv6-port-81": direct(listen_ipv6=True, listen_port=81, app_port=3000),
    "direct-user-script": direct(app_boot_script=user_script(4096)),
    "alb": alb(),
    "alb-user-script": alb(app_boot_script=user_script(4096)),
}


def heredocs(script: str) -> dict[str, str]:
    """Files the script writes with ``cat > PATH <<'DELIM'``: path -> content."""
    found = {}
    for match in re.finditer(r"^cat > (\S+) <<'(\w+)'\n(.*?)^\2$", script, flags=re.M | re.S):
        found[match.group(1)] = match.group(3)
    return found


def without_docstrings(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                node.body = node.body[1:]
    return ast.dump(tree)


@pytest.mark.parametrize("settings", VARIANTS.values(), ids=VARIANTS.keys())
def test_user_data_is_valid_bash_within_16_kb(settings: BootSettings, tmp_path: Path) -> None:
    script = render_user_data(settings)
    assert script.startswith("#!/bin/bash\n")
    assert "\nset -euo pipefail\n" in script
    assert len(script.encode()) <= USER_DATA_MAX_BYTES == 16384
    path = tmp_path / "user-data.sh"
    path.write_text(script)
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_bash_syntax_check_can_fail(tmp_path: Path) -> None:
    path = tmp_path / "broken.sh"
    path.write_text(render_user_data(direct()).replace("; do dnf", "; dnf"))
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True, check=False).returncode != 0


def test_sizes_leave_room_for_a_user_boot_script() -> None:
    # The largest variant (direct with the sample app) keeps a margin for future growth.
    assert len(render_user_data(direct(listen_ipv6=True)).encode()) < USER_DATA_MAX_BYTES - 2048
    assert len(render_user_data(direct(app_boot_script=user_script(5 * 1024))).encode()) <= USER_DATA_MAX_BYTES


@pytest.mark.parametrize("settings", [direct(), alb()], ids=["direct", "alb"])
def test_a_user_script_too_large_fails_clearly(settings: BootSettings) -> None:
    script = user_script(16 * 1024)
    with pytest.raises(ValueError) as error:
        render_user_data(dataclasses.replace(settings, app_boot_script=script))
    message = str(error.value)
    assert message.startswith("invalid boot setting app_boot_script: '<")
    assert "EC2 user data is limited to 16384 bytes" in message
    assert "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html" in message
    room = int(re.search(r"keep the boot script to at most (\d+) bytes", message).group(1))  # type: ignore[union-attr]
    # The advertised room is exact: a script of that size fits, one byte more does not.
    fits = "#!/bin/bash\n" + "#" * (room - 13) + "\n"
    assert len(render_user_data(dataclasses.replace(settings, app_boot_script=fits)).encode()) == USER_DATA_MAX_BYTES
    with pytest.raises(ValueError, match="limited to 16384 bytes"):
        render_user_data(dataclasses.replace(settings, app_boot_script="#" + fits))


def test_settings_cannot_carry_a_secret_so_rotation_never_changes_user_data() -> None:
    fields = {field.name for field in dataclasses.fields(BootSettings)}
    assert fields == {
        "architecture",
        "app_port",
        "region",
        "listen_port",
        "header_name",
        "secrets_parameter_name",
        "listen_ipv6",
        "app_boot_script",
        "refresh_interval_seconds",
    }


@pytest.mark.parametrize("settings", VARIANTS.values(), ids=VARIANTS.keys())
def test_user_data_holds_nothing_shaped_like_a_secret(settings: BootSettings) -> None:
    script = render_user_data(settings)
    # Generated values are 32+ letters and digits; nothing of that shape is in the script.
    assert re.findall(r"[A-Za-z0-9]{32,}", script) == []
    # The only link to the values is the parameter's name, on the guard's command line.
    if settings.architecture == "direct":
        assert script.count(PARAMETER) == 1
        assert f"--parameter-name {PARAMETER} " in script
    else:
        assert "ssm" not in script.lower()
        assert "--parameter-name" not in script


def test_a_fake_secret_never_reaches_user_data() -> None:
    """Whatever the secret is, the rendering never sees it: same bytes with any accepted values."""
    secret = fake_secret()
    script = render_user_data(direct())
    leaked = secret in script
    assert not leaked
    # The guard embedded in user data fetches the values at run time, from the named parameter.
    assert "--with-decryption" in script


def test_rendering_is_deterministic_across_interpreters() -> None:
    code = (
        "from cloudfront_origin_lockdown.boot import BootSettings, render_user_data; import sys; "
        f"sys.stdout.write(render_user_data(BootSettings('direct', 8080, 'eu-west-1', "
        f"secrets_parameter_name={PARAMETER!r}, listen_ipv6=True)))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(boot.__file__).resolve().parents[1],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {render_user_data(direct(listen_ipv6=True))}


@pytest.mark.parametrize(("asset", "target"), [("guard.py", boot.GUARD_PATH), ("sample_app.py", boot.SAMPLE_APP_PATH)])
def test_embedded_scripts_are_the_real_files(asset: str, target: str) -> None:
    embedded = heredocs(render_user_data(direct()))[target]
    compile(embedded, target, "exec")
    ast.parse(embedded, feature_version=(3, 9))
    original = (ASSETS / asset).read_text()
    # Same program as the file (docstrings, comments and blank lines aside).
    assert without_docstrings(ast.parse(embedded)) == without_docstrings(ast.parse(original))
    assert len(embedded) < len(original)


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_embedded_guard_renders_what_the_tested_module_renders(tmp_path: Path) -> None:
    path = tmp_path / "embedded_guard.py"
    path.write_text(heredocs(render_user_data(direct()))[boot.GUARD_PATH])
    embedded = load(path, "embedded_guard")
    values = [fake_secret(), fake_secret()]
    conf = embedded.render_nginx_conf("X-Origin-Verify", values, ["80", "[::]:80"], "127.0.0.1:8080")
    assert conf == guard.render_nginx_conf("X-Origin-Verify", values, ["80", "[::]:80"], "127.0.0.1:8080")
    help_text = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True, check=True)
    assert "--parameter-name" in help_text.stdout


def test_direct_runs_nginx_with_the_guard_and_binds_the_app_to_loopback() -> None:
    script = render_user_data(direct(listen_ipv6=True, listen_port=81, app_port=3000, refresh_interval_seconds=30))
    files = heredocs(script)
    assert "dnf install -y nginx" in script
    assert "systemctl enable --now nginx.service" in script
    assert "systemctl enable --now origin-guard.timer" in script
    exec_start = re.search(r"^ExecStart=(.*guard\.py.*)$", files["/etc/systemd/system/origin-guard.service"], re.M)
    assert exec_start is not None
    assert exec_start.group(1).split() == [
        "/usr/bin/python3",
        boot.GUARD_PATH,
        "--parameter-name",
        PARAMETER,
        "--region",
        "eu-west-1",
        "--header-name",
        "X-Origin-Verify",
        "--listen",
        "81",
        "--listen",
        "[::]:81",
        "--app-upstream",
        "127.0.0.1:3000",
    ]
    timer = files["/etc/systemd/system/origin-guard.timer"]
    assert "OnUnitActiveSec=30s" in timer
    assert "OnBootSec=30s" in timer
    app_unit = files["/etc/systemd/system/origin-app.service"]
    assert f"ExecStart=/usr/bin/python3 {boot.SAMPLE_APP_PATH} --host 127.0.0.1 --port 3000" in app_unit
    # The first sync may fail (fail closed); nginx only starts on the guard's file; app before nginx.
    check_file = script.index("grep -q '^# Managed by origin-guard'")
    assert script.index("systemctl start origin-guard.service ||") < check_file
    assert check_file < script.index("systemctl enable --now nginx.service")
    assert script.index("enable --now origin-app.service") < script.index("enable --now nginx.service")
    assert guard.MARKER == "# Managed by origin-guard"


def test_alb_runs_only_the_app_on_all_interfaces() -> None:
    script = render_user_data(alb(app_port=80))
    assert "nginx" not in script
    assert "guard" not in script
    assert set(heredocs(script)) == {boot.SAMPLE_APP_PATH, "/etc/systemd/system/origin-app.service"}
    assert "--host 0.0.0.0 --port 80\n" in script
    # Port 80 needs the capability the unprivileged (dynamic) user lacks otherwise.
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE" in script


def test_alb_ignores_direct_only_settings() -> None:
    assert render_user_data(alb(header_name="bad name", listen_port=8080, secrets_parameter_name=None)) == (
        render_user_data(alb())
    )


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_user_script_runs_with_the_bind_address_and_port(architecture: str) -> None:
    make = direct if architecture == "direct" else alb
    bind = "127.0.0.1" if architecture == "direct" else "0.0.0.0"
    with_shebang = render_user_data(make(app_boot_script="#!/usr/bin/env python3\nprint('hi')\n"))
    assert heredocs(with_shebang)[boot.USER_SCRIPT_PATH] == "#!/usr/bin/env python3\nprint('hi')\n"
    run = f"APP_BIND_ADDRESS={bind} APP_PORT=8080 ORIGIN_ARCHITECTURE={architecture} {boot.USER_SCRIPT_PATH}\n"
    assert run in with_shebang
    without = render_user_data(make(app_boot_script="echo hi"))
    assert heredocs(without)[boot.USER_SCRIPT_PATH] == "echo hi\n"
    assert f"ORIGIN_ARCHITECTURE={architecture} /bin/bash {boot.USER_SCRIPT_PATH}\n" in without
    assert boot.SAMPLE_APP_PATH not in without


def test_a_user_script_containing_the_heredoc_delimiter_is_written_verbatim(tmp_path: Path) -> None:
    tricky = "echo start\nORIGIN_LOCKDOWN_EOF\nORIGIN_LOCKDOWN_EOF_1\necho '$HOME `id`' \\\n"
    script = render_user_data(direct(app_boot_script=tricky))
    assert heredocs(script)[boot.USER_SCRIPT_PATH] == tricky
    # bash agrees: run only the heredoc into a temp dir.
    start = script.index(f"cat > {boot.USER_SCRIPT_PATH}")
    end = script.index("\n", script.index("\nORIGIN_LOCKDOWN_EOF_2\n", start) + 1)
    snippet = script[start:end].replace(boot.USER_SCRIPT_PATH, str(tmp_path / "out"), 1)
    subprocess.run(["bash", "-c", snippet], check=True)
    assert (tmp_path / "out").read_text() == tricky


def test_compact_python_keeps_the_program() -> None:
    source = 'def f():\n    """Doc."""\n    # comment\n\n    x = "#not a comment"\n    return x\n'
    assert boot.compact_python(source) == 'def f():\n\tx = "#not a comment"\n\treturn x\n'


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            direct(architecture="edge"),
            "invalid boot setting architecture: 'edge' is not allowed; expected 'alb' or 'direct'",
        ),
        (direct(app_port=0), "invalid boot setting app_port: 0 is not allowed; expected a port number from 1 to 65535"),
        (
            alb(app_port=65536),
            "invalid boot setting app_port: 65536 is not allowed; expected a port number from 1 to 65535",
        ),
        (
            direct(app_port=True),
            "invalid boot setting app_port: True is not allowed; expected a port number from 1 to 65535",
        ),
        (
            direct(listen_port=70000),
            "invalid boot setting listen_port: 70000 is not allowed; expected a port number from 1 to 65535",
        ),
        (
            direct(app_port=80),
            "invalid boot setting app_port: 80 is not allowed; expected a port other than listen_port (80): "
            "nginx listens there",
        ),
        (
            direct(region="eu_west_1"),
            "invalid boot setting region: 'eu_west_1' is not allowed; expected an AWS Region code such as us-east-1",
        ),
        (
            direct(header_name="X_Origin"),
            "invalid boot setting header_name: 'X_Origin' is not allowed; "
            "expected 1 to 256 letters, digits and '-' (not at either end)",
        ),
        (
            direct(header_name="X-Origin\nX-Other: 1"),
            "invalid boot setting header_name: 'X-Origin\\nX-Other: 1' is not allowed; "
            "expected 1 to 256 letters, digits and '-' (not at either end)",
        ),
        *[
            (
                direct(secrets_parameter_name=name),
                f"invalid boot setting secrets_parameter_name: {name!r} is not allowed; expected an SSM parameter "
                "path such as /project/stack/accepted-origin-secrets: '/'-separated levels of letters, digits and "
                "_.- (at most 15 levels, 1011 characters, not starting with aws or ssm)",
            )
            for name in [None, "", "name", "/a//b", "/a/b/", "/a b", "/a;rm -rf", "/aws/x", "/SSM/x", "/a" * 16]
        ],
        (
            direct(secrets_parameter_name="/" + "a" * 1011),
            "invalid boot setting secrets_parameter_name: '/" + "a" * 1011 + "' is not allowed; expected an SSM "
            "parameter path such as /project/stack/accepted-origin-secrets: '/'-separated levels of letters, digits "
            "and _.- (at most 15 levels, 1011 characters, not starting with aws or ssm)",
        ),
        (
            direct(refresh_interval_seconds=5),
            "invalid boot setting refresh_interval_seconds: 5 is not allowed; expected whole seconds from 10 to 3600",
        ),
        (
            direct(app_boot_script="  \n"),
            "invalid boot setting app_boot_script: '  \\n' is not allowed; expected a non-empty script, or None",
        ),
        (direct(listen_ipv6="yes"), "invalid boot setting listen_ipv6: 'yes' is not allowed; expected true or false"),
    ],
)
def test_invalid_settings_fail_with_field_value_and_rule(settings: BootSettings, message: str) -> None:
    with pytest.raises(ValueError) as error:
        render_user_data(settings)
    assert str(error.value) == message


def test_valid_edge_settings_render() -> None:
    for settings in [
        direct(app_port=1, listen_port=65535),
        direct(secrets_parameter_name="/" + "/".join("l" for _ in range(15))),
        direct(secrets_parameter_name="/" + "a" * 1010),
        direct(header_name="X-" + "a" * 254, refresh_interval_seconds=3600),
        direct(region="us-gov-west-1", refresh_interval_seconds=10),
    ]:
        assert render_user_data(settings).startswith("#!/bin/bash\n")
    json.dumps(dataclasses.asdict(direct()))  # plain data: safe to log or compare

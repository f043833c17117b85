"""The instances' user data: secret-free, deterministic, within 16 KB, valid bash, embedding real code."""

from __future__ import annotations

import ast
import base64
import dataclasses
import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    """Files the script writes with ``cat > PATH <<'DELIM'`` or unpacks with ``unpack PATH MODE <<'DELIM'``
    (decoded here as python3 decodes them on the instance): path -> content.
    """
    found = {}
    for match in re.finditer(r"^(cat >|unpack) (\S+) (?:\d{4} )?<<'(\w+)'\n(.*?)^\3$", script, flags=re.M | re.S):
        content = match.group(4)
        if match.group(1) == "unpack":
            content = zlib.decompress(base64.b85decode("".join(content.split()))).decode()
        found[match.group(2)] = content
    return found


def packed_blocks(script: str) -> list[tuple[str, str]]:
    """The base85 blocks of ``unpack`` lines (delimiter, block), as they stand in the script."""
    return re.findall(r"^unpack \S+ \d{4} <<'(\w+)'\n(.*?)^\1$", script, flags=re.M | re.S)


def without_docstrings(tree: ast.Module) -> str:
    """The program, without docstrings and without the annotations of functions and of assignments inside
    them (never evaluated, with ``from __future__ import annotations``; class-level ones stay).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                node.body = node.body[1:]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
            for argument in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                argument.annotation = None
            for inner in ast.walk(node):
                for field, value in ast.iter_fields(inner):
                    if isinstance(value, list):
                        setattr(inner, field, [unannotated(item) for item in value])
    return ast.dump(tree)


def unannotated(node: object) -> object:
    """``x: T = v`` as ``x = v``."""
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return ast.Assign(targets=[node.target], value=node.value)
    return node


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
    assert len(render_user_data(alb(app_boot_script=user_script(12 * 1024))).encode()) <= USER_DATA_MAX_BYTES


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
        # The guard metrics' Stack dimension (project/stack/name: no secret).
        "metrics_stack",
    }


@pytest.mark.parametrize("settings", VARIANTS.values(), ids=VARIANTS.keys())
def test_user_data_holds_nothing_shaped_like_a_secret(settings: BootSettings) -> None:
    script = render_user_data(settings)
    # Generated values are 32+ letters and digits; nothing of that shape is in the script, apart from the
    # compressed scripts' base85, which holds nothing of that shape either once decoded.
    blocks = packed_blocks(script)
    readable = script
    for _, block in blocks:
        readable = readable.replace(block, "")
    assert re.findall(r"[A-Za-z0-9]{32,}", readable) == []
    decoded = [heredocs(script)[path] for path in (boot.GUARD_PATH, boot.SAMPLE_APP_PATH) if path in heredocs(script)]
    assert len(decoded) == len(blocks)
    assert all(re.findall(r"[A-Za-z0-9]{32,}", code) == [] for code in decoded)
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
    assert "--with-decryption" in heredocs(script)[boot.GUARD_PATH]


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
    # Same program as the file (docstrings, comments, blank lines and functions' annotations aside).
    assert without_docstrings(ast.parse(embedded)) == without_docstrings(ast.parse(original))
    assert len(embedded) < len(original)
    # Annotations are dropped only where nothing reads them: the dataclass keeps its fields'.
    if asset == "guard.py":
        assert "def render_nginx_conf(\n\theader_name,\n" in embedded
        assert '\tprobe: str = "/run/origin-guard/nginx.sock"\n' in embedded
        assert "\tvalues = None\n" in embedded  # was `values: list[str] | None = None`


def test_compact_python_drops_annotations_only_where_python_never_evaluates_them() -> None:
    source = (
        "from __future__ import annotations\n"
        "class C:\n"
        "    field: int = 1\n"
        "def f(a: int, b: str | None = None, *, c: dict[str, int] = {}) -> list[int]:\n"
        "    x: int = 1\n"
        "    y: int\n"
        '    return [a, x, f"{b}: {c}"]\n'
    )
    assert boot.compact_python(source) == (
        "from __future__ import annotations\n"
        "class C:\n"
        "\tfield: int = 1\n"
        "def f(a, b = None, *, c = {}):\n"
        "\tx = 1\n"
        "\ty: int\n"
        '\treturn [a, x, f"{b}: {c}"]\n'
    )


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


def commands(script: str) -> list[str]:
    """The script's command lines: no comments, no file contents."""
    for match in re.finditer(r"^(?:cat >|unpack) \S+ (?:\d{4} )?<<'(\w+)'\n.*?^\1$", script, flags=re.M | re.S):
        script = script.replace(match.group(0), match.group(0).split("\n", 1)[0])
    return [line for line in script.splitlines() if line and not line.startswith("#")]


def test_direct_runs_nginx_with_the_guard_and_binds_the_app_to_loopback() -> None:
    script = render_user_data(direct(listen_ipv6=True, listen_port=81, app_port=3000, refresh_interval_seconds=30))
    files = heredocs(script)
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
    assert files["/etc/systemd/system/origin-guard.timer"] == (
        "[Unit]\nDescription=Refresh the origin guard every 30 s\n\n"
        "[Timer]\nOnBootSec=30s\nOnUnitActiveSec=30s\nAccuracySec=5s\n\n"
        "[Install]\nWantedBy=timers.target\n"
    )
    app_unit = files["/etc/systemd/system/origin-app.service"]
    assert f"ExecStart=/usr/bin/python3 {boot.SAMPLE_APP_PATH} --host 127.0.0.1 --port 3000" in app_unit
    # nginx never starts on a file the guard did not write, whole, whoever starts it (a drop-in of its
    # unit; tests/components/test_origin_guard_faults_live.py runs the check on damaged files); systemd
    # makes the directory of the guard's probe socket, root only, at each start and removes it at each stop.
    assert files[boot.NGINX_DROP_IN] == (
        "[Service]\nRuntimeDirectory=origin-guard\nRuntimeDirectoryMode=0700\n"
        "ExecStartPre=/usr/bin/python3 /opt/origin-lockdown/guard.py --check /etc/nginx/nginx.conf\n"
    )
    assert guard.RuntimePaths().probe == "/run/origin-guard/nginx.sock"
    assert guard.MARKER == "# Managed by origin-guard"
    # The whole sequence of commands: files and units first (nothing there can fail), then the timer, a
    # pre-existing nginx stopped, and only then packages, the firewall, nginx and the app.
    assert commands(script) == [
        "set -euo pipefail",
        "umask 022",
        "install -d -m 0755 /opt/origin-lockdown",
        boot.UNPACK,
        "unpack /opt/origin-lockdown/guard.py 0755 <<'ORIGIN_LOCKDOWN_EOF'",
        "cat > /etc/systemd/system/origin-guard.service <<'ORIGIN_LOCKDOWN_EOF'",
        "chmod 0644 /etc/systemd/system/origin-guard.service",
        "cat > /etc/systemd/system/origin-guard.timer <<'ORIGIN_LOCKDOWN_EOF'",
        "chmod 0644 /etc/systemd/system/origin-guard.timer",
        "install -d -m 0755 /etc/systemd/system/nginx.service.d",
        f"cat > {boot.NGINX_DROP_IN} <<'ORIGIN_LOCKDOWN_EOF'",
        f"chmod 0644 {boot.NGINX_DROP_IN}",
        f"cat > {boot.IMDS_LOCK_RULES_PATH} <<'ORIGIN_LOCKDOWN_EOF'",
        f"chmod 0644 {boot.IMDS_LOCK_RULES_PATH}",
        "cat > /etc/systemd/system/origin-imds-lock.service <<'ORIGIN_LOCKDOWN_EOF'",
        "chmod 0644 /etc/systemd/system/origin-imds-lock.service",
        "systemctl daemon-reload",
        "systemctl enable --now origin-guard.timer",
        "! systemctl is-active -q nginx || systemctl stop nginx",
        "command -v nft >/dev/null && command -v nginx >/dev/null || for attempt in 1 2 3 4 5; do "
        "dnf install -y nftables nginx && break; sleep $((attempt * 10)); done",
        "command -v nft >/dev/null",
        "command -v nginx >/dev/null",
        "systemctl enable --now origin-imds-lock.service",
        "systemctl start origin-guard.service || "
        "echo 'origin-guard: first sync failed; nginx denies all until it works'",
        "/usr/bin/python3 /opt/origin-lockdown/guard.py --check /etc/nginx/nginx.conf || "
        "{ echo 'no guard config' >&2; exit 1; }",
        "systemctl enable --now nginx.service",
        "unpack /opt/origin-lockdown/sample_app.py 0755 <<'ORIGIN_LOCKDOWN_EOF'",
        "cat > /etc/systemd/system/origin-app.service <<'ORIGIN_LOCKDOWN_EOF'",
        "chmod 0644 /etc/systemd/system/origin-app.service",
        "systemctl daemon-reload",
        "systemctl enable --now origin-app.service",
        'echo "cloudfront-origin-lockdown: boot script done"',
    ]


def test_alb_runs_only_the_app_on_all_interfaces_behind_the_metadata_lock() -> None:
    script = render_user_data(alb(app_port=80))
    assert "nginx" not in script
    assert "guard" not in script
    assert set(heredocs(script)) == {
        boot.SAMPLE_APP_PATH,
        "/etc/systemd/system/origin-app.service",
        boot.IMDS_LOCK_RULES_PATH,
        "/etc/systemd/system/origin-imds-lock.service",
    }
    assert "--host 0.0.0.0 --port 80\n" in script
    # Port 80 needs the capability the unprivileged (dynamic) user lacks otherwise.
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE" in script
    # The metadata service is locked before the app (or the user's script) runs.
    lines = commands(script)
    assert lines.index("systemctl enable --now origin-imds-lock.service") < lines.index(
        "unpack /opt/origin-lockdown/sample_app.py 0755 <<'ORIGIN_LOCKDOWN_EOF'"
    )
    assert "command -v nft >/dev/null || for attempt in 1 2 3 4 5; do dnf install -y nftables && break; " in script
    assert "\ncommand -v nft >/dev/null\n" in script
    with_script = commands(render_user_data(alb(app_boot_script="echo hi")))
    assert with_script.index("systemctl enable --now origin-imds-lock.service") < with_script.index(
        f"APP_BIND_ADDRESS=0.0.0.0 APP_PORT=8080 ORIGIN_ARCHITECTURE=alb /bin/bash {boot.USER_SCRIPT_PATH}"
    )
    assert boot.UNPACK not in with_script  # nothing to unpack: no function either


@pytest.mark.parametrize("make", [direct, alb], ids=["direct", "alb"])
def test_the_metadata_lock_is_loaded_at_every_boot_before_the_network(make: Any) -> None:
    files = heredocs(render_user_data(make()))
    assert files["/etc/systemd/system/origin-imds-lock.service"] == (
        "[Unit]\nDescription=Keep the instance metadata service to root\nDefaultDependencies=no\n"
        "Before=network-pre.target\nWants=network-pre.target\n\n"
        f"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/usr/sbin/nft -f {boot.IMDS_LOCK_RULES_PATH}\n\n"
        "[Install]\nWantedBy=multi-user.target\n"
    )
    assert files[boot.IMDS_LOCK_RULES_PATH] == boot.imds_lock_rules()
    # Exactly these rules (tests/components/test_imds_lock.py loads them into a real kernel).
    assert boot.imds_lock_rules().splitlines() == [
        "table inet origin_imds_lock",
        "delete table inet origin_imds_lock",
        "table inet origin_imds_lock {",
        "chain output {",
        "type filter hook output priority filter; policy accept;",
        "ip daddr 169.254.169.254 meta skuid != 0 reject with tcp reset",
        "ip daddr 169.254.169.254 meta skuid != 0 reject",
        "ip6 daddr fd00:ec2::254 meta skuid != 0 reject with tcp reset",
        "ip6 daddr fd00:ec2::254 meta skuid != 0 reject",
        "}",
        "}",
    ]


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
    for edge in [
        direct(app_port=1, listen_port=65535),
        direct(secrets_parameter_name="/" + "/".join("l" for _ in range(15))),
        direct(secrets_parameter_name="/" + "a" * 1010),
        direct(header_name="X-" + "a" * 254, refresh_interval_seconds=3600),
        direct(region="us-gov-west-1", refresh_interval_seconds=10),
    ]:
        assert render_user_data(edge).startswith("#!/bin/bash\n")
    json.dumps(dataclasses.asdict(direct()))  # plain data: safe to log or compare


# --- The compressed scripts: our own DEFLATE, read back by zlib (as python3 on the instance does).


@given(st.binary(max_size=3000) | st.text(alphabet="ab\n\t x", max_size=3000).map(str.encode))
@settings(max_examples=200, deadline=None)
def test_deflate_round_trips_through_zlib(data: bytes) -> None:
    assert zlib.decompress(boot.deflate(data)) == data


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"a",
        b"ab",
        b"aaa",
        b"a" * 259,  # the longest match (258) plus one
        b"a" * 100_000,  # matches across the 32 KiB window
        bytes(range(256)) * 3,  # every literal, 8- and 9-bit codes
        os.urandom(40_000) * 2,  # a repeat farther back than the window
        b"abc" + b"x" * 32_768 + b"abc",  # a match exactly at the window's edge
    ],
    ids=["empty", "one", "two", "three", "longest-match", "long-run", "all-bytes", "far-repeat", "window-edge"],
)
def test_deflate_edge_cases(data: bytes) -> None:
    assert zlib.decompress(boot.deflate(data)) == data


def test_deflate_is_a_fixed_function_of_its_input() -> None:
    """The same bytes on every machine (zlib's own output differs between zlib builds)."""
    assert boot.deflate(b"abcabcabcabc\n").hex() == "78013dc2310d000000c2b01f97807f0ffbd6b4bb03228304a3"
    for name in ("guard.py", "sample_app.py"):
        source = boot.read_asset(name).encode()
        packed = boot.deflate(source)
        assert zlib.decompress(packed) == source
        assert len(packed) < len(source) * 0.65, name


def test_unpack_writes_the_script_as_bash_and_python3_do_on_the_instance(tmp_path: Path) -> None:
    script = render_user_data(direct())
    target = tmp_path / "guard.py"
    block = re.search(r"^unpack /opt/origin-lockdown/guard\.py 0755 <<'(\w+)'\n.*?^\1$", script, re.M | re.S)
    assert block is not None
    snippet = boot.UNPACK + "\n" + block.group(0).replace(boot.GUARD_PATH, str(target), 1)
    subprocess.run(["bash", "-euo", "pipefail", "-c", snippet], check=True)
    assert target.read_text() == boot.read_asset("guard.py")
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    # A damaged block fails the boot script (set -e) instead of writing a broken guard.
    first = boot.packed_asset("guard.py").splitlines()[0]
    damaged = snippet.replace(first, first[:10] + ("0" if first[10] != "0" else "1") + first[11:], 1)
    assert damaged != snippet
    assert (
        subprocess.run(
            ["bash", "-euo", "pipefail", "-c", damaged + "\necho reached"], capture_output=True, text=True, check=False
        ).stdout
        == ""
    )


def test_compact_python_drops_inline_comments_but_not_hashes_in_strings() -> None:
    source = 'x = 1  # one\ny = "# two"  # three\nz = f"{x}#"\n'
    assert boot.compact_python(source) == 'x = 1\ny = "# two"\nz = f"{x}#"\n'

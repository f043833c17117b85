"""The metadata lock the boot script installs, loaded into a real kernel: only root reaches the instance
metadata service, so the app's own user cannot take the instance role's credentials.

In a network namespace made for the test (``ip netns``): the metadata service's addresses on loopback
(169.254.169.254 and fd00:ec2::254), a stand-in metadata server bound to them as root, and the nftables
rules exactly as rendered into user data. Clients connect as root and as unprivileged users (nobody,
a uid in systemd's DynamicUser range as the sample app gets, an ordinary user). Needs root, `ip`
(iproute2), `nft` (Debian package nftables) and `setpriv` (util-linux); elsewhere it skips with the
reason, except under `make test-live-root` (ORIGIN_LOCKDOWN_REQUIRE_LIVE=1), which the workflows run as
root after `make test` and where a missing capability fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudfront_origin_lockdown import boot
from cloudfront_origin_lockdown.boot import BootSettings, render_user_data
from tests import capabilities
from tests.components.test_boot import heredocs

pytestmark = pytest.mark.live

NAMESPACE = f"origin-imds-test-{os.getpid()}"
ADDRESSES = {"ipv4": boot.IMDS_IPV4, "ipv6": boot.IMDS_IPV6}
# nobody; the first uid of systemd's DynamicUser range (the sample app's unit); an ordinary user.
UNPRIVILEGED = [65534, 61184, 1000]
BODY = "stand-in metadata: role credentials"

SERVER = """
import http.server, socket, sys

class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = sys.argv[2].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = Server((sys.argv[1], 80), Handler)
print("ready", flush=True)
server.serve_forever()
"""

# bash's /dev/tcp: no Python needed as the unprivileged user (whose PATH and home may be unreadable).
CLIENT = 'exec 3<>"/dev/tcp/$1/80" || exit 7; printf "GET /latest/meta-data/ HTTP/1.0\\r\\n\\r\\n" >&3; cat <&3'


def missing_capability() -> str | None:
    if os.geteuid() != 0:
        return "needs root (a network namespace, nftables rules, servers on port 80)"
    for tool, package in (("ip", "iproute2"), ("nft", "nftables"), ("setpriv", "util-linux"), ("bash", "bash")):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"`{tool}` is not installed (Debian package {package})"
    probe = subprocess.run(["ip", "netns", "add", f"{NAMESPACE}-probe"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"cannot create a network namespace: {probe.stderr.strip()}"
    try:
        nft = in_namespace(f"{NAMESPACE}-probe", "nft", "add", "table", "inet", "probe")
        if nft.returncode != 0:
            return f"nftables does not work in a network namespace here: {nft.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", f"{NAMESPACE}-probe"], capture_output=True, check=False)
    return None


def in_namespace(namespace: str, *command: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, *command], capture_output=True, text=True, timeout=timeout, check=False
    )


class Host:
    """The namespace: loopback up with the metadata addresses, stand-in servers running as root."""

    def __init__(self) -> None:
        self.servers: list[subprocess.Popen[str]] = []

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        result = in_namespace(NAMESPACE, *command)
        assert result.returncode == 0, f"{command}: {result.stderr}"
        return result

    def serve(self, address: str) -> None:
        server = subprocess.Popen(
            ["ip", "netns", "exec", NAMESPACE, sys.executable, "-c", SERVER, address, BODY],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.servers.append(server)
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready", server.stderr.read() if server.stderr else ""

    def connect(self, address: str, uid: int) -> subprocess.CompletedProcess[str]:
        """GET from the metadata address as ``uid`` (root: 0)."""
        command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "bash", "-c", CLIENT, "client"]
        return in_namespace(NAMESPACE, *command, address, timeout=5)

    def reaches(self, address: str, uid: int) -> bool:
        result = self.connect(address, uid)
        if result.returncode == 0:
            assert result.stdout.endswith(BODY), result.stdout
            return True
        # Refused at once (a TCP reset), not a timeout.
        assert "Connection refused" in result.stderr, result.stderr
        return False

    def stop(self) -> None:
        for server in self.servers:
            server.kill()
            server.communicate(timeout=10)


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    reason = missing_capability()
    if reason is not None:
        capabilities.missing(f"metadata lock test: {reason}")
    subprocess.run(["ip", "netns", "add", NAMESPACE], check=True, capture_output=True)
    namespace = Host()
    try:
        namespace.run("ip", "link", "set", "lo", "up")
        namespace.run("sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/lo/disable_ipv6")  # no procps needed
        namespace.run("ip", "addr", "add", f"{boot.IMDS_IPV4}/32", "dev", "lo")
        namespace.run("ip", "addr", "add", f"{boot.IMDS_IPV6}/128", "dev", "lo", "nodad")
        for address in ADDRESSES.values():
            namespace.serve(address)
        yield namespace
    finally:
        namespace.stop()
        subprocess.run(["ip", "netns", "del", NAMESPACE], capture_output=True, check=False)


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rules file exactly as the boot script writes it."""
    script = render_user_data(BootSettings(architecture="alb", app_port=8080, region="eu-west-1"))
    path = tmp_path_factory.mktemp("imds") / "imds-lock.nft"
    path.write_text(heredocs(script)[boot.IMDS_LOCK_RULES_PATH])
    return path


def load(host: Host, rules: Path) -> None:
    host.run("nft", "-f", str(rules))


@pytest.mark.parametrize("family", ADDRESSES)
def test_without_the_lock_every_local_user_reaches_the_metadata_service(host: Host, family: str) -> None:
    """The gap the lock closes (a hop limit of 1 stops containers, not local processes)."""
    host.run("nft", "flush", "ruleset")
    for uid in [0, *UNPRIVILEGED]:
        assert host.reaches(ADDRESSES[family], uid), uid


@pytest.mark.parametrize("family", ADDRESSES)
@pytest.mark.parametrize("uid", UNPRIVILEGED)
def test_with_the_lock_an_unprivileged_user_is_refused(host: Host, rules: Path, family: str, uid: int) -> None:
    load(host, rules)
    assert not host.reaches(ADDRESSES[family], uid)


@pytest.mark.parametrize("family", ADDRESSES)
def test_with_the_lock_root_still_reaches_it(host: Host, rules: Path, family: str) -> None:
    load(host, rules)
    assert host.reaches(ADDRESSES[family], 0)


def test_loading_the_rules_again_replaces_them(host: Host, rules: Path) -> None:
    """The unit runs `nft -f` at every boot and on restart: one table, the same rules, no duplicates."""
    load(host, rules)
    first = host.run("nft", "list", "ruleset").stdout
    load(host, rules)
    again = host.run("nft", "list", "ruleset").stdout
    assert again == first
    assert again.count("table inet origin_imds_lock") == 1
    assert again.count("meta skuid != 0") == 4
    assert not host.reaches(boot.IMDS_IPV4, 65534)


def test_other_destinations_are_not_affected(host: Host, rules: Path) -> None:
    load(host, rules)
    host.run("ip", "addr", "replace", "169.254.169.253/32", "dev", "lo")  # e.g. the VPC's DNS resolver
    host.serve("169.254.169.253")
    assert host.reaches("169.254.169.253", 65534)

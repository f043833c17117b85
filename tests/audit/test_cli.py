"""The command's contract against a moto server: how it starts, its exit codes, its errors, where CloudFront's
ranges come from (a saved file, the live download on loopback, the managed prefix list as the fallback)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cloudfront_origin_lockdown.audit import cli
from cloudfront_origin_lockdown.audit.aws import iam_action
from cloudfront_origin_lockdown.audit.checks import AuditFinding
from tests.audit.moto_server import MotoServer, free_port
from tests.audit.world import HAND_KEPT, RANGES, World, ranges_file

ROOT = Path(__file__).resolve().parents[2]
PYTHONPATH = os.pathsep.join([str(ROOT / "components"), str(ROOT / "policy")])
# Starts the command with pulumi and pulumi_aws refused: the audit must never import them.
REFUSE_PULUMI = """
import runpy, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pulumi", "pulumi_aws", "pulumi_random", "pulumi_policy"):
            raise ImportError(f"the audit imported {name}")
        return None
sys.meta_path.insert(0, Refuse())
sys.argv = ["origin-lockdown-audit", *sys.argv[1:]]
try:
    runpy.run_module("cloudfront_origin_lockdown.audit", run_name="__main__")
finally:
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("pulumi", "pulumi_aws"))
    print("leaked:", leaked, file=sys.stderr)
"""


@dataclass
class Small:
    """An account with one origin group copied by hand and kept by the legacy updater (high + medium)."""

    world: World
    group: str
    ranges: str


@pytest.fixture(scope="module")
def small(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Small:
    moto.reset()
    w = World(moto)
    group = w.group("hand-kept", w.cidrs(443, *HAND_KEPT), tags={"AutoUpdate": "true", "Name": "cloudfront_g"})
    w.distribution("web", w.instance([group])["PublicDnsName"])
    return Small(w, group, ranges_file(tmp_path_factory.mktemp("ranges")))


def _run(moto: MotoServer, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), out, err, moto.session())
    return code, out.getvalue(), err.getvalue()


def _subprocess(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", REFUSE_PULUMI, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONPATH": PYTHONPATH, **(env or {})},
    )


def test_help_starts_without_pulumi() -> None:
    result = _subprocess("--help")
    assert result.returncode == 0, result.stderr
    assert "--regions" in result.stdout and "--cloudfront-ranges" in result.stdout and "--fail-on" in result.stdout
    assert "leaked: []" in result.stderr


def test_a_whole_run_as_a_process_imports_no_pulumi_and_keeps_stdout_for_the_report(
    moto: MotoServer, small: Small
) -> None:
    result = _subprocess("--format", "json", "--cloudfront-ranges", small.ranges, env=moto.env())
    assert result.returncode == 1, result.stderr  # a high finding, --fail-on high
    report = json.loads(result.stdout)
    assert {f["check"] for f in report["findings"]} == {
        "origin-cloudfront-ranges-hardcoded",
        "legacy-cloudfront-ip-updater",
    }
    assert "leaked: []" in result.stderr and "[origin-lockdown-audit]" in result.stderr


@pytest.fixture(scope="module")
def small_findings(moto: MotoServer, small: Small) -> list[AuditFinding]:
    code, out, _ = _run(moto, "--format", "json", "--cloudfront-ranges", small.ranges)
    assert code == 1
    return [
        AuditFinding(f["check"], f["distribution"], f["origin"], f["resource"], "", "")
        for f in json.loads(out)["findings"]
    ]


@pytest.mark.parametrize(("fail_on", "code"), [("high", 1), ("critical", 0), ("medium", 1), ("low", 1), ("none", 0)])
def test_exit_code_follows_fail_on(small_findings: list[AuditFinding], fail_on: str, code: int) -> None:
    assert sorted(f.severity for f in small_findings) == ["high", "medium"]
    assert cli.exit_code(small_findings, fail_on) == code


def test_the_command_exits_0_below_fail_on(moto: MotoServer, small: Small) -> None:
    code, out, _ = _run(moto, "--format", "table", "--cloudfront-ranges", small.ranges, "--fail-on", "critical")
    assert code == 0 and "2 finding(s): 1 high, 1 medium." in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--regions", "us-east-1;rm"], "invalid setting --regions: 'us-east-1;rm' is not allowed; 'all' or a"),
        (["--regions", ","], "invalid setting --regions: ',' is not allowed"),
        (["--cloudfront-ranges", "/nonexistent/ip-ranges.json"], "invalid setting --cloudfront-ranges: '/nonexistent"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--fail-on", "severe"], "invalid choice: 'severe'"),
    ],
)
def test_usage_errors_exit_2_and_say_what_is_allowed(moto: MotoServer, args: list[str], words: str) -> None:
    code, out, err = _run(moto, *args)
    assert (code, out) == (2, "")
    assert words in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "is not JSON"),
        ('{"prefixes": [{"ip_prefix": "52.95.0.0/16", "service": "AMAZON"}]}', "lists no CLOUDFRONT_ORIGIN_FACING"),
        ('{"prefixes": [{"ip_prefix": "x/33", "service": "CLOUDFRONT_ORIGIN_FACING"}]}', "is not a CIDR"),
        ('{"ipv6_prefixes": []}', "no 'prefixes' list"),
    ],
)
def test_a_bad_ranges_file_is_refused_before_any_aws_call(
    moto: MotoServer, tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "ranges.json"
    path.write_text(content)
    calls: list[str] = []
    record = lambda model, **_: calls.append(iam_action(model))  # noqa: E731
    moto.botocore.register("before-call", record)
    try:
        code, _, err = _run(moto, "--cloudfront-ranges", str(path))
    finally:
        moto.botocore.unregister("before-call", record)
    assert code == 2 and words in err and "invalid setting --cloudfront-ranges" in err
    assert calls == []


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("/nonexistent/dir/plan.sh", "its directory '/nonexistent/dir' does not exist"),
        ("{tmp}", "it is a directory, not a file"),
    ],
)
def test_a_migration_plan_that_cannot_be_written_is_refused_before_any_aws_call(
    moto: MotoServer, tmp_path: Path, where: str, words: str
) -> None:
    """Review of issue 21, finding 11: a bad path failed only after the whole scan, with a traceback."""
    calls: list[str] = []
    record = lambda model, **_: calls.append(iam_action(model))  # noqa: E731
    moto.botocore.register("before-call", record)
    try:
        code, out, err = _run(moto, "--migration-plan", where.format(tmp=tmp_path))
    finally:
        moto.botocore.unregister("before-call", record)
    assert (code, out, calls) == (2, "", [])
    assert f"invalid setting --migration-plan: {where.format(tmp=tmp_path)!r} is not allowed; {words}" in err
    assert "Traceback" not in err


def _deny(operation: str) -> Any:
    def handler(**_: Any) -> Any:
        error = {
            "Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized to perform this operation."}
        }
        return (
            type("Http", (), {"status_code": 403, "headers": {}, "content": b""})(),
            {**error, "ResponseMetadata": {"HTTPStatusCode": 403}},
        )

    return handler


@pytest.mark.parametrize(
    ("event", "action"),
    [
        ("before-call.ec2.DescribeSecurityGroups", "ec2:DescribeSecurityGroups"),
        ("before-call.cloudfront.ListDistributions", "cloudfront:ListDistributions"),
        ("before-call.elastic-load-balancing-v2.DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancers"),
    ],
)
def test_access_denied_exits_2_and_names_the_action(moto: MotoServer, small: Small, event: str, action: str) -> None:
    handler = _deny(event)
    moto.botocore.register(event, handler)
    try:
        code, out, err = _run(moto, "--format", "json", "--cloudfront-ranges", small.ranges)
    finally:
        moto.botocore.unregister(event, handler)
    assert (code, out) == (2, "")
    assert f"AccessDenied: the audit needs {action}" in err


def test_regions_all_asks_ec2_which_regions_are_enabled(moto: MotoServer, small: Small) -> None:
    calls: list[str] = []
    record = lambda model, **_: calls.append(iam_action(model))  # noqa: E731

    def two_regions(model: Any, **_: Any) -> Any:
        calls.append(iam_action(model))  # answering first, this handler is the only one that sees the call
        http = type("Http", (), {"status_code": 200, "headers": {}, "content": b""})()
        regions = [{"RegionName": "us-east-1"}, {"RegionName": "eu-west-1"}]
        return http, {"Regions": regions, "ResponseMetadata": {"HTTPStatusCode": 200}}

    moto.botocore.register("before-call", record)
    moto.botocore.register("before-call.ec2.DescribeRegions", two_regions)
    try:
        code, out, _ = _run(moto, "--regions", "all", "--format", "json", "--cloudfront-ranges", small.ranges)
    finally:
        moto.botocore.unregister("before-call.ec2.DescribeRegions", two_regions)
        moto.botocore.unregister("before-call", record)
    assert code == 1 and json.loads(out)["regions"] == ["eu-west-1", "us-east-1"]
    assert "ec2:DescribeRegions" in calls
    assert len(json.loads(out)["findings"]) == 2  # the same findings: eu-west-1 holds nothing


# -- where CloudFront's ranges come from ---------------------------------------------------------------------


class _RangesHandler(BaseHTTPRequestHandler):
    body = json.dumps(RANGES).encode()
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def ranges_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RangesHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ip-ranges.json"
    finally:
        server.shutdown()
        server.server_close()


def test_without_a_file_the_ranges_are_downloaded_from_the_overridable_url(
    moto: MotoServer, small: Small, ranges_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.URL_VARIABLE, ranges_server)
    before = _RangesHandler.hits
    code, out, err = _run(moto, "--format", "json")
    assert code == 1 and _RangesHandler.hits == before + 1
    (hand,) = [f for f in json.loads(out)["findings"] if f["check"] == "origin-cloudfront-ranges-hardcoded"]
    assert "miss 3 of CloudFront's 11 current IPv4" in hand["message"] and ranges_server in hand["message"]
    assert f"CloudFront's ranges: {ranges_server} (createDate 2026-11-01-00-00-00)" in err


def test_when_the_download_fails_the_managed_prefix_list_is_the_fallback(
    moto: MotoServer, small: Small, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.URL_VARIABLE, f"http://127.0.0.1:{free_port()}/ip-ranges.json")  # nothing listens
    code, out, err = _run(moto, "--format", "json")
    assert code == 1
    assert "could not download" in err and "falling back to the managed prefix lists' entries" in err
    (hand,) = [f for f in json.loads(out)["findings"] if f["check"] == "origin-cloudfront-ranges-hardcoded"]
    # moto's list holds 10 IPv4 prefixes, 8 of which the group copies.
    assert "miss 2 of CloudFront's 10 current IPv4" in hand["message"]
    assert "com.amazonaws.global.cloudfront.origin-facing in us-east-1" in hand["message"]


def test_a_clean_account_exits_0(moto: MotoServer, tmp_path: Path) -> None:
    moto.reset()
    w = World(moto)
    w.distribution("web", w.instance([w.group("locked", w.from_cloudfront(443))])["PublicDnsName"])
    code, out, _ = _run(moto, "--format", "json", "--cloudfront-ranges", ranges_file(tmp_path))
    assert (code, json.loads(out)["findings"]) == (0, [])
    moto.reset()  # the module's other tests build their own accounts

"""``origin-lockdown-audit`` / ``python -m cloudfront_origin_lockdown.audit``: the command line.

Exit codes: 0 no finding at or above ``--fail-on``; 1 at least one; 2 a usage error, an AWS error (AccessDenied
names the action to grant) or anything unexpected (never 0 or 1 for what was not checked). stdout carries the
report alone; progress and errors go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from .checks import SEVERITIES, AuditFinding, run_checks
from .convert import to_catalog
from .ranges import IP_RANGES_URL, CloudFrontRanges, RangesError, download, parse_ip_ranges
from .report import Report, migration_script, to_json, to_sarif, to_table

PROG = "origin-lockdown-audit"
URL_VARIABLE = "ORIGIN_LOCKDOWN_IP_RANGES_URL"
FORMATS = ("table", "json", "sarif")
FAIL_ON = (*SEVERITIES, "none")
# Region names: af-south-1, us-gov-west-1, eu-central-2, ...
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


def _regions(value: str) -> list[str] | None:
    if value.strip() == "all":
        return None
    regions = [r.strip() for r in value.split(",") if r.strip()]
    bad = [r for r in regions if not _REGION.match(r)]
    if not regions or bad:
        raise UsageError(
            f"invalid setting --regions: {value!r} is not allowed; 'all' or a comma-separated list of region "
            "names such as us-east-1,eu-west-1"
        )
    return list(dict.fromkeys(regions))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Audit an AWS account (read-only) for CloudFront origins reachable around CloudFront, origin groups "
            "that copy CloudFront's IP ranges by hand, origins that do not check CloudFront's secret header, and "
            "groups kept by AWS's retired ip-ranges updater. Uses boto3's default credentials, region and "
            "AWS_ENDPOINT_URL."
        ),
        epilog=(
            f"Exit codes: 0 no finding at or above --fail-on, 1 some, 2 usage or AWS error. Without "
            f"--cloudfront-ranges the ranges are downloaded from {IP_RANGES_URL} (${URL_VARIABLE} overrides the "
            "URL); if that fails, the managed prefix list's entries are used."
        ),
    )
    p.add_argument("--regions", default="", help="'all' (every enabled region) or R1,R2 (default: boto3's region)")
    p.add_argument("--format", choices=FORMATS, default="table", help="report format on stdout (default: table)")
    p.add_argument("--cloudfront-ranges", metavar="FILE", help="a saved copy of AWS's ip-ranges.json")
    p.add_argument("--fail-on", choices=FAIL_ON, default="high", help="lowest severity that exits 1 (default: high)")
    p.add_argument(
        "--migration-plan",
        metavar="FILE",
        help="write the aws CLI commands that move hand-kept ranges to the prefix list to FILE (never run)",
    )
    return p


def _load_ranges(args: argparse.Namespace, progress: Callable[[str], None]) -> CloudFrontRanges | None:
    if args.cloudfront_ranges:
        path = Path(args.cloudfront_ranges)
        try:
            text = path.read_bytes()
        except OSError as error:
            raise UsageError(f"invalid setting --cloudfront-ranges: {str(path)!r} cannot be read ({error})") from None
        try:
            return parse_ip_ranges(text, f"file {path}")
        except RangesError as error:
            raise UsageError(f"invalid setting --cloudfront-ranges: {error}") from None
    url = os.environ.get(URL_VARIABLE) or IP_RANGES_URL
    try:
        ranges = parse_ip_ranges(download(url), url)
    except RangesError as error:
        progress(f"warning: {error}; falling back to the managed prefix lists' entries")
        return None
    progress(f"CloudFront's ranges: {url} (createDate {ranges.create_date})")
    return ranges


def run(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    boto_session: Any = None,
) -> int:
    """The command; ``boto_session`` (a ``boto3.session.Session``) replaces boto3's default one (tests)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr

    def progress(line: str) -> None:
        print(f"[{PROG}] {line}", file=err, flush=True)

    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser().parse_args(argv)
    except SystemExit as stop:  # argparse: --help exits 0, a usage error 2
        return int(stop.code or 0)
    try:
        return _run(args, out, progress, boto_session)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=err)
        return EXIT_ERROR
    except Exception as error:  # an exception is a failure: never reported as "no finding"
        if type(error).__name__ == "AwsError":  # .aws is imported only once the scan starts (boto3)
            print(f"{PROG}: error: {error}", file=err)
        else:
            traceback.print_exc(file=err)
            print(f"{PROG}: error: unexpected {type(error).__name__}: {error}", file=err)
        return EXIT_ERROR


def _plan_path(value: str | None) -> Path | None:
    """``--migration-plan FILE``, refused before any AWS call when it cannot be written."""
    if not value:
        return None
    path = Path(value)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"invalid setting --migration-plan: {value!r} is not allowed; it is a directory, not a file")
    if not parent.is_dir():
        raise UsageError(
            f"invalid setting --migration-plan: {value!r} is not allowed; its directory {str(parent)!r} does not exist"
        )
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"invalid setting --migration-plan: {value!r} is not allowed; it cannot be written")
    return path


def _run(args: argparse.Namespace, out: TextIO, progress: Callable[[str], None], boto_session: Any) -> int:
    plan_path = _plan_path(args.migration_plan)
    regions = _regions(args.regions) if args.regions else []
    ranges = _load_ranges(args, progress)

    try:  # boto3 is the audit extra: --help and bad arguments work without it
        from .aws import Collector, Session  # noqa: PLC0415
    except ImportError as error:
        raise UsageError(f"the audit needs boto3 ({error}): pip install 'cloudfront-origin-lockdown[audit]'") from None

    session = Session(boto_session)
    if not regions and args.regions == "":
        if not session.region:
            raise UsageError("no region: set AWS_REGION (or AWS_DEFAULT_REGION), or pass --regions R1,R2 or all")
        regions = [session.region]
    collector = Collector(session, progress)
    inventory = collector.collect(regions or None)
    if ranges is None:
        ranges = collector.cloudfront_ranges(inventory)
    catalog = to_catalog(inventory)
    progress(f"judging {sum(len(d.get('Origins', {}).get('Items') or []) for d in inventory.distributions)} origin(s)")
    result = run_checks(catalog, ranges, inventory.regions)
    scanned = {
        "distributions": len(inventory.distributions),
        "origins": result.origins,
        "vpc_origins": len(inventory.vpc_origins),
        "hosted_zones": len(inventory.zones),
        "load_balancers": sum(
            len(d.load_balancers) + len(d.classic_load_balancers) for d in inventory.regional.values()
        ),
        "instances": sum(len(d.instances) for d in inventory.regional.values()),
        "security_groups": sum(len(d.security_groups) for d in inventory.regional.values()),
    }
    report = Report(
        inventory.account,
        inventory.regions,
        scanned,
        result.findings,
        ranges.source,
        {str(d.get("Id")): str(d.get("DomainName", "")) for d in inventory.distributions},
        __version__,
    )
    render: dict[str, Callable[[Report], str]] = {"json": to_json, "sarif": to_sarif, "table": to_table}
    text = render[args.format](report)
    if plan_path is not None:  # before the report: a plan that cannot be written fails the run with stdout empty
        try:
            plan_path.write_text(migration_script(report.ordered(), inventory.account))
        except OSError as error:
            why = f"invalid setting --migration-plan: {args.migration_plan!r} cannot be written ({error})"
            raise UsageError(why) from None
        progress(f"migration plans written to {args.migration_plan} (not run)")
    out.write(text if text.endswith("\n") else text + "\n")
    out.flush()
    dists = len(inventory.distributions)
    progress(f"{len(result.findings)} finding(s); {result.origins} origin(s) of {dists} distribution(s)")
    return exit_code(result.findings, args.fail_on)


def exit_code(findings: Sequence[AuditFinding], fail_on: str) -> int:
    if fail_on == "none":
        return EXIT_OK
    threshold = SEVERITIES.index(fail_on)
    return EXIT_FINDINGS if any(SEVERITIES.index(f.severity) <= threshold for f in findings) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> Any:
    """The console script's entry point."""
    sys.exit(run(argv))


__all__ = ["exit_code", "main", "parser", "run"]

"""Post-deploy probe: is the origin reachable only through CloudFront? (`make verify`)

Reads a stack's outputs (``pulumi stack output --json``, or ``--outputs-file``) and checks from outside,
with the checks of :mod:`cloudfront_origin_lockdown.origin_probe.checks` (the same the continuous probe runs
in the stack's account, README "Monitoring"):

1. ``cloudfront``: GET ``url`` (through CloudFront) answers 2xx/3xx; retried with bounded backoff,
   since a freshly deployed distribution can take a while to answer.
2. ``origin-no-header``: GET ``originUrl`` directly, without the secret header: locked when the origin
   answers 403 or does not answer at all (timeout, refused, reset: the security group drops traffic
   that is not from CloudFront, the common case).
3. ``origin-wrong-header``: the same with a random, clearly fake value of ``originHeaderName``.

With ``vpcOrigin`` checks 2 and 3 are replaced by ``origin-no-public-address`` (see the checks module).
It never needs the secret and never sends it. This file is the command line: reading the outputs, options,
the report; the checks, the verdict and the report's wording live in the package.

Exit codes: 0 locked and CloudFront works; 3 origin open; 4 CloudFront failing; 5 could not read the
outputs; 6 origin could not be probed (DNS, TLS or protocol error; inconclusive); 2 usage.

    python -m tools.verify_origin --stack dev
    python -m tools.verify_origin --outputs-file outputs.json --json
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from cloudfront_origin_lockdown.origin_probe.checks import (
    DNS,
    ERROR_KINDS,
    EXIT_CLOUDFRONT_FAILING,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_ORIGIN_OPEN,
    EXIT_OUTPUTS_UNREADABLE,
    EXIT_USAGE,
    HEADER_NAME,
    NO_CONNECTION,
    OTHER,
    PROTOCOL,
    REFUSED,
    REQUIRED_OUTPUTS,
    RESET,
    SECRET_PLACEHOLDER,
    TIMEOUT,
    TLS,
    UNREACHABLE,
    USER_AGENT,
    VERDICTS,
    CheckResult,
    Fetch,
    Outcome,
    OutputsError,
    ProbeOptions,
    Resolve,
    StackOutputs,
    backoff_delays,
    classify_cloudfront,
    classify_exception,
    classify_origin,
    cloudfront_check,
    http_fetch,
    origin_check,
    parse_outputs,
    probe,
    public_address_check,
    render_json,
    render_text,
    resolve_addresses,
    verdict,
    wrong_header_value,
)

# Re-exported: what the tests, the README drift check and the integration test use under this module's name.
__all__ = [
    "DNS",
    "ERROR_KINDS",
    "EXIT_CLOUDFRONT_FAILING",
    "EXIT_INCONCLUSIVE",
    "EXIT_OK",
    "EXIT_ORIGIN_OPEN",
    "EXIT_OUTPUTS_UNREADABLE",
    "EXIT_USAGE",
    "HEADER_NAME",
    "NO_CONNECTION",
    "OTHER",
    "PROTOCOL",
    "REFUSED",
    "REQUIRED_OUTPUTS",
    "RESET",
    "SECRET_PLACEHOLDER",
    "TIMEOUT",
    "TLS",
    "UNREACHABLE",
    "USER_AGENT",
    "VERDICTS",
    "CheckResult",
    "Fetch",
    "Outcome",
    "OutputsError",
    "ProbeOptions",
    "Resolve",
    "StackOutputs",
    "backoff_delays",
    "build_parser",
    "classify_cloudfront",
    "classify_exception",
    "classify_origin",
    "cloudfront_check",
    "http_fetch",
    "main",
    "origin_check",
    "parse_outputs",
    "probe",
    "public_address_check",
    "read_outputs_file",
    "read_stack_outputs",
    "render_json",
    "render_text",
    "resolve_addresses",
    "verdict",
    "wrong_header_value",
]

PROJECT_DIR = Path(__file__).resolve().parents[1]


def read_stack_outputs(
    stack: str, cwd: Path = PROJECT_DIR, runner: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run
) -> StackOutputs:
    """``pulumi stack output --json --stack STACK`` (no --show-secrets: the probe needs none)."""
    if runner is subprocess.run and shutil.which("pulumi") is None:
        raise OutputsError("the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/)")
    command = ["pulumi", "stack", "output", "--json", "--stack", stack, "--non-interactive"]
    try:
        result = runner(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise OutputsError(f"could not run pulumi: {error}") from None
    if result.returncode != 0:
        tail = " ".join(result.stderr.strip().splitlines()[-3:])
        raise OutputsError(f"pulumi stack output exited {result.returncode}: {tail}")
    return parse_outputs(result.stdout)


def read_outputs_file(path: str) -> StackOutputs:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise OutputsError(f"cannot read {path}: {error.strerror or error}") from None
    return parse_outputs(text)


def build_parser() -> argparse.ArgumentParser:
    defaults = ProbeOptions()
    parser = argparse.ArgumentParser(
        prog="python -m tools.verify_origin",
        description="Check from outside that a deployed origin answers only through CloudFront.",
        epilog="exit codes: 0 locked, 3 origin open, 4 CloudFront failing, 5 outputs unreadable, 6 inconclusive",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read `pulumi stack output --json --stack STACK`")
    source.add_argument("--outputs-file", help="read the same JSON from a file ('-' for stdin)")
    parser.add_argument("--cwd", default=str(PROJECT_DIR), help="Pulumi project directory (default: this repo)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument("--connect-timeout", type=float, default=defaults.connect_timeout, help="direct probe (s)")
    parser.add_argument("--cloudfront-connect-timeout", type=float, default=defaults.cloudfront_connect_timeout)
    parser.add_argument("--read-timeout", type=float, default=defaults.read_timeout)
    parser.add_argument("--attempts", type=int, default=defaults.attempts, help="CloudFront tries")
    parser.add_argument("--backoff", type=float, default=defaults.backoff, help="first wait between tries (s)")
    parser.add_argument("--max-wait", type=float, default=defaults.max_wait, help="total retry budget (s)")
    parser.add_argument("--ca-file", help="extra CA bundle for https URLs (tests, private CAs)")
    return parser


def _load_outputs(args: argparse.Namespace) -> StackOutputs:
    if args.stack:
        return read_stack_outputs(args.stack, Path(args.cwd))
    return read_outputs_file(args.outputs_file)


def main(
    argv: Sequence[str] | None = None,
    fetch: Fetch | None = None,
    sleep: Callable[[float], None] | None = None,
    resolve: Resolve | None = None,
) -> int:
    """The command line; ``fetch``, ``sleep`` and ``resolve`` replace the network, clock and DNS in tests."""
    args = build_parser().parse_args(argv)
    label = f"stack {args.stack}" if args.stack else f"outputs {args.outputs_file}"
    try:
        outputs = _load_outputs(args)
    except OutputsError as error:
        if args.json:
            print(render_json([], EXIT_OUTPUTS_UNREADABLE, None, label, str(error)))
        else:
            print(f"error: {error}", file=sys.stderr)
            print(f"verdict: {VERDICTS[EXIT_OUTPUTS_UNREADABLE]} (exit {EXIT_OUTPUTS_UNREADABLE})")
        return EXIT_OUTPUTS_UNREADABLE
    options = ProbeOptions(
        connect_timeout=args.connect_timeout,
        cloudfront_connect_timeout=args.cloudfront_connect_timeout,
        read_timeout=args.read_timeout,
        attempts=max(args.attempts, 1),
        backoff=max(args.backoff, 0.0),
        max_wait=max(args.max_wait, 0.0),
        ca_file=args.ca_file,
    )
    checks = probe(outputs, options, fetch or http_fetch, sleep or time.sleep, resolve or resolve_addresses)
    code = verdict(checks)
    print(render_json(checks, code, outputs, label) if args.json else render_text(checks, code, outputs, label))
    return code


if __name__ == "__main__":
    sys.exit(main())

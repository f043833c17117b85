#!/usr/bin/env python3
"""Guard metrics: the origin guard's result and nginx's refusals, published to CloudWatch after every run.

Runs on the direct instance (python3 3.9, stdlib only) as the guard unit's ``ExecStopPost=``, which systemd
runs after every run of the guard, whether it succeeded, failed or was killed, with the run's result in
``$SERVICE_RESULT``, ``$EXIT_CODE`` and ``$EXIT_STATUS`` (systemd.exec(5), "Environment variables in spawned
processes"). The guard itself is not touched: its exit code is the metric. One ``PutMetricData`` call
(through the AWS CLI and the instance role, which may put data in this namespace only) per run, in the
namespace given, dimension ``Stack``:

* ``GuardExitCode``: the guard's exit code (0 when it succeeded; guard.py lists the others), or 255 when it
  did not exit by itself (killed, timed out, dumped core) or the result is unknown.
* ``OriginForbidden``: the 403 answers nginx logged since the last run (its access log in the ``combined``
  format guard.py configures). Every request that reaches nginx came through CloudFront (the security group
  admits nothing else), so these are requests of some CloudFront distribution without an accepted secret:
  ours sending a value the origin does not accept, or another one pointed at the origin; a 403 of the app
  itself counts too (the sample app sends none). What was read is remembered under /run (gone at reboot:
  counting then starts at the log's end, never re-counting old lines); a rotated log starts again at its
  beginning (lines written to the old file since the last run are lost, once a day at most).

Never fails the unit (its exit code is ignored, ``ExecStopPost=-``), prints one line, and never reads or
prints a secret: the access log holds no header values.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence

GUARD_METRIC = "GuardExitCode"
FORBIDDEN_METRIC = "OriginForbidden"
STACK_DIMENSION = "Stack"
# The guard did not exit with a code of its own: killed, timed out, dumped core, or no result was given.
DID_NOT_EXIT = 255
DEFAULT_STATE_PATH = "/run/origin-guard-metrics.offset"
# At most this much of the log is read per run (a minute of traffic is far less); beyond it the rest is
# skipped, and the count is a lower bound.
MAX_READ_BYTES = 64 * 1024 * 1024
COMMAND_TIMEOUT_SECONDS = 20
# nginx's `combined` format: $remote_addr - $remote_user [$time_local] "$request" $status ... ; nginx escapes
# a '"' inside the request line, so the first quoted field is the request line.
COMBINED_STATUS = re.compile(rb'^\S+ \S+ \S+ \[[^\]]*\] "[^"]*" (\d{3}) ')


def guard_exit_code(env: Mapping[str, str]) -> int:
    """The guard's exit code from what systemd passes to ExecStopPost=."""
    status = env.get("EXIT_STATUS", "")
    if env.get("EXIT_CODE") == "exited" and status.isdigit():
        return int(status)
    if env.get("SERVICE_RESULT") == "success":
        return 0
    return DID_NOT_EXIT


def count_forbidden(lines: bytes) -> int:
    """How many complete lines of ``lines`` are answers with status 403."""
    return sum(1 for line in lines.split(b"\n") if (match := COMBINED_STATUS.match(line)) and match.group(1) == b"403")


def read_new_lines(log_path: str, state_path: str) -> bytes:
    """The complete lines appended to the log since the last run, and remember where they end.

    The state is "<inode> <offset>". No state (first run since boot): start at the end. Another inode, or a
    file shorter than the offset (rotated or truncated): start at the beginning.
    """
    try:
        with open(log_path, "rb") as log:
            stat = os.fstat(log.fileno())
            try:
                with open(state_path, encoding="ascii") as handle:
                    inode, offset = (int(part) for part in handle.read().split())
            except (OSError, ValueError):
                inode, offset = stat.st_ino, stat.st_size
            if inode != stat.st_ino or offset > stat.st_size:
                offset = 0
            log.seek(offset)
            data = log.read(MAX_READ_BYTES)
            complete = data[: data.rfind(b"\n") + 1]
            end = offset + len(complete) if len(data) < MAX_READ_BYTES else stat.st_size
            inode = stat.st_ino
    except OSError:
        return b""  # no log yet (nginx not started): nothing was refused
    with open(state_path + ".tmp", "w", encoding="ascii") as handle:
        handle.write(f"{inode} {end}\n")
    os.replace(state_path + ".tmp", state_path)
    return complete


def metric_data(exit_code: int, forbidden: int, stack: str) -> list[dict[str, object]]:
    dimensions = [{"Name": STACK_DIMENSION, "Value": stack}]
    return [
        {"MetricName": GUARD_METRIC, "Dimensions": dimensions, "Value": exit_code, "Unit": "None"},
        {"MetricName": FORBIDDEN_METRIC, "Dimensions": dimensions, "Value": forbidden, "Unit": "Count"},
    ]


def put_metric_data(namespace: str, region: str, data: list[dict[str, object]]) -> str | None:
    """``aws cloudwatch put-metric-data`` once, with short timeouts and no retry (the next run is a minute
    away). None when it worked, else what went wrong (the exit code and AWS's error code)."""
    command = ["aws", "cloudwatch", "put-metric-data", "--region", region, "--namespace", namespace]
    command += ["--metric-data", json.dumps(data), "--cli-connect-timeout", "5", "--cli-read-timeout", "10"]
    environment = {**os.environ, "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False, env=environment
        )
    except (OSError, subprocess.SubprocessError) as error:
        return type(error).__name__
    if result.returncode != 0:
        code = re.search(r"\(([A-Za-z]+)\)", result.stderr)
        return f"aws exited {result.returncode} ({code.group(1) if code else 'no code'})"
    return None


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Publish the origin guard's result to CloudWatch.")
    for option in ("--namespace", "--region", "--stack", "--access-log"):
        parser.add_argument(option, required=True)
    parser.add_argument("--state-path", default=DEFAULT_STATE_PATH)
    args = parser.parse_args(argv)
    exit_code = guard_exit_code(os.environ if env is None else env)
    try:
        forbidden = count_forbidden(read_new_lines(args.access_log, args.state_path))
    except OSError as error:
        print(f"origin-guard-metrics: cannot keep the log position: {error.strerror}", flush=True)
        forbidden = 0
    problem = put_metric_data(args.namespace, args.region, metric_data(exit_code, forbidden, args.stack))
    outcome = f"not published: {problem}" if problem else "published"
    print(f"origin-guard-metrics: guard exit code {exit_code}, {forbidden} refused; {outcome}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

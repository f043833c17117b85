"""The continuous probe: ``make verify``'s checks, run by AWS Lambda on a schedule inside the stack's account.

The component deploys this folder as the function's code (monitoring.py) and configures it through
environment variables that hold no secret: CloudFront's URL, the origin's URL and the name (never the value)
of the secret header. Each run makes the requests of :func:`checks.probe` (it never knows the secret and
never sends it), logs the same report as ``make verify`` and publishes one datapoint per check to
CloudWatch: namespace ``CloudFrontOriginLockdown``, metric ``ProbeFailed``, dimensions ``Stack`` and ``Check``:

* ``cloudfront``: 1 when CloudFront did not answer 2xx or 3xx (after a retry), else 0.
* ``origin``: 1 when the origin answered a request without the secret (or a wrong one) with anything but a
  403, or, with a VPC origin, has a public address; 0 when every direct check passed; **no datapoint** when
  the checks were inconclusive (a name that did not resolve, a TLS error): not checked is never "passed",
  and the alarm's missing data turns into INSUFFICIENT_DATA, which notifies too. With origin mutual TLS verified
  (``ORIGIN_PROBE_ORIGIN_MTLS``, the stack output ``originMtls``) the fourth check, ``origin-no-client-certificate``,
  counts here too: a request without CloudFront's client certificate that the origin serves is an open origin.
* ``network`` (only for an origin with a public address): 1 when a direct request reached something
  listening at all, even to get a 403: the function runs from AWS's public address space, outside
  CloudFront's origin-facing ranges, so the security groups must drop it; 0 when every direct request timed
  out; no datapoint when inconclusive.

The requests go over IPv4 only (checks.http_fetch_ipv4): a function outside a VPC has no IPv6 route (README
"Monitoring"), so an IPv6 address would only ever look unreachable, which would read as "dropped". Each request
takes at most its connect and read timeouts in all, whatever the number of addresses its name has, so a run stays
within the function's timeout by construction (:func:`run_seconds`, checked when the environment is read).

A run that cannot publish raises (Lambda counts an error, and the missing datapoints alarm); a run whose
verdict is "open" or "failing" does not: its datapoints are the result, and a raise would only make
Lambda run it again.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .checks import (
    MTLS_STATES,
    CheckResult,
    Fetch,
    OutputsError,
    ProbeOptions,
    Resolve,
    StackOutputs,
    backoff_delays,
    bounded_resolver,
    http_fetch_ipv4,
    network_reached,
    parse_outputs,
    probe,
    render_json,
    render_text,
    verdict,
)

NAMESPACE = "CloudFrontOriginLockdown"
METRIC = "ProbeFailed"
STACK_DIMENSION = "Stack"
CHECK_DIMENSION = "Check"
CLOUDFRONT, ORIGIN, NETWORK = "cloudfront", "origin", "network"
CHECKS = (CLOUDFRONT, ORIGIN, NETWORK)
DIRECT_CHECKS = ("origin-no-header", "origin-wrong-header")

# The function's environment (set by monitoring.py).
ENV_URL = "ORIGIN_PROBE_URL"
ENV_ORIGIN_URL = "ORIGIN_PROBE_ORIGIN_URL"
ENV_HEADER_NAME = "ORIGIN_PROBE_HEADER_NAME"
ENV_ARCHITECTURE = "ORIGIN_PROBE_ARCHITECTURE"
ENV_VPC_ORIGIN = "ORIGIN_PROBE_VPC_ORIGIN"
ENV_STACK = "ORIGIN_PROBE_STACK"
ENV_NAMESPACE = "ORIGIN_PROBE_NAMESPACE"
# Origin mutual TLS: off, presented or verified (the stack output originMtls); verified adds the fourth check.
ENV_ORIGIN_MTLS = "ORIGIN_PROBE_ORIGIN_MTLS"
# Optional: seconds (the defaults below), and CloudFront attempts.
ENV_CONNECT_TIMEOUT = "ORIGIN_PROBE_CONNECT_TIMEOUT"
ENV_READ_TIMEOUT = "ORIGIN_PROBE_READ_TIMEOUT"
ENV_ATTEMPTS = "ORIGIN_PROBE_ATTEMPTS"
ENV_BACKOFF = "ORIGIN_PROBE_BACKOFF"

# Each request ends within its connect and read timeouts in all (checks.http_fetch: every address of the name at
# once, one deadline). A locked origin drops the direct requests: a normal run takes about 5 s per direct request
# (2, or 3 with origin mTLS verified), whatever the number of addresses. The worst run is run_seconds(): 105 s with
# these defaults with origin mTLS verified (CloudFront twice: 35 s; three direct requests: 45 s; publishing 25 s).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
ATTEMPTS = 2
BACKOFF = 5.0
# The function's timeout (monitoring.py gives it to the function): above the worst run.
FUNCTION_TIMEOUT_SECONDS = 120
# PutMetricData through boto3: 5 s to connect, 5 s to answer, 2 attempts, and the client's set-up (importing
# boto3 on 128 MB) and one retry's wait within 5 s more.
PUBLISH_CONNECT_TIMEOUT = 5
PUBLISH_READ_TIMEOUT = 5
PUBLISH_ATTEMPTS = 2
PUBLISH_SECONDS = PUBLISH_ATTEMPTS * (PUBLISH_CONNECT_TIMEOUT + PUBLISH_READ_TIMEOUT) + 5

Publish = Callable[[list[dict[str, Any]]], None]


class ProbeConfigError(ValueError):
    """The function's environment is missing or malformed (a deployment fault, never a verdict)."""


def _number(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ProbeConfigError(f"{key}={raw!r}: expected a number") from None
    if not 0 < value <= 60:  # seconds, or attempts
        raise ProbeConfigError(f"{key}={raw!r}: expected a number above 0 and at most 60")
    return value


def config_from_env(env: Mapping[str, str]) -> tuple[StackOutputs, ProbeOptions, str, str]:
    """(what to probe, how, the ``Stack`` dimension's value, the namespace) from the function's environment,
    checked as ``make verify`` checks the stack outputs."""
    missing = [key for key in (ENV_URL, ENV_ORIGIN_URL, ENV_HEADER_NAME, ENV_STACK) if not env.get(key)]
    if missing:
        raise ProbeConfigError(f"the function's environment lacks {', '.join(missing)}")
    vpc_origin = env.get(ENV_VPC_ORIGIN, "false")
    if vpc_origin not in ("true", "false"):
        raise ProbeConfigError(f"{ENV_VPC_ORIGIN}={vpc_origin!r}: expected true or false")
    mtls = env.get(ENV_ORIGIN_MTLS, "off")
    if mtls not in MTLS_STATES:
        raise ProbeConfigError(f"{ENV_ORIGIN_MTLS}={mtls!r}: expected one of {', '.join(MTLS_STATES)}")
    try:
        outputs = parse_outputs(
            {
                "url": env[ENV_URL],
                "originUrl": env[ENV_ORIGIN_URL],
                "originHeaderName": env[ENV_HEADER_NAME],
                "architecture": env.get(ENV_ARCHITECTURE, "unknown"),
                "vpcOrigin": vpc_origin == "true",
                "originMtls": mtls,
            }
        )
    except OutputsError as error:
        raise ProbeConfigError(str(error)) from None
    connect = _number(env, ENV_CONNECT_TIMEOUT, CONNECT_TIMEOUT)
    backoff = _number(env, ENV_BACKOFF, BACKOFF)
    options = ProbeOptions(
        connect_timeout=connect,
        cloudfront_connect_timeout=connect,
        read_timeout=_number(env, ENV_READ_TIMEOUT, READ_TIMEOUT),
        attempts=int(_number(env, ENV_ATTEMPTS, ATTEMPTS)),
        backoff=backoff,
        max_backoff=backoff,
        max_wait=backoff * 2,
    )
    worst = run_seconds(outputs, options)
    if worst > FUNCTION_TIMEOUT_SECONDS:
        raise ProbeConfigError(
            f"{ENV_CONNECT_TIMEOUT}, {ENV_READ_TIMEOUT}, {ENV_ATTEMPTS} and {ENV_BACKOFF} allow a run of {worst:g} s, "
            f"over the function's {FUNCTION_TIMEOUT_SECONDS} s: it would end without publishing"
        )
    return outputs, options, env[ENV_STACK], env.get(ENV_NAMESPACE) or NAMESPACE


def run_seconds(outputs: StackOutputs, options: ProbeOptions) -> float:
    """The longest a run can take (checks.probe's requests, each bounded in all by checks.http_fetch): CloudFront's
    attempts and the waits between them; with a VPC origin the lookup of its name (bounded_resolver); the direct
    requests (two, three with origin mTLS verified; behind a VPC origin only if its name has a public address);
    publishing."""
    delays = backoff_delays(options)
    cloudfront = (len(delays) + 1) * (options.cloudfront_connect_timeout + options.read_timeout) + sum(delays)
    direct = (3 if outputs.origin_mtls == "verified" else 2) * (options.connect_timeout + options.read_timeout)
    lookup = options.connect_timeout if outputs.vpc_origin else 0.0
    return cloudfront + lookup + direct + PUBLISH_SECONDS


def probe_results(checks: Sequence[CheckResult]) -> dict[str, int]:
    """The value of each ``Check`` dimension this run can vouch for (see the module's docstring); a check it
    cannot vouch for has no entry, and so no datapoint."""
    values: dict[str, int] = {}
    cloudfront = [check for check in checks if check.name == "cloudfront"]
    if cloudfront:
        values[CLOUDFRONT] = 0 if all(check.passed for check in cloudfront) else 1
    origin = [check for check in checks if check.name != "cloudfront"]
    kinds = {check.kind for check in origin}
    if "open" in kinds:
        values[ORIGIN] = 1
    elif origin and kinds == {"ok"}:
        values[ORIGIN] = 0
    reached = [network_reached(check.outcome) for check in origin if check.name in DIRECT_CHECKS]
    if True in reached:
        values[NETWORK] = 1
    elif reached and all(value is False for value in reached):
        values[NETWORK] = 0
    return values


def metric_data(values: Mapping[str, int], stack: str) -> list[dict[str, Any]]:
    """``PutMetricData``'s ``MetricData`` for ``values``, in the order of :data:`CHECKS`."""
    return [
        {
            "MetricName": METRIC,
            "Dimensions": [{"Name": STACK_DIMENSION, "Value": stack}, {"Name": CHECK_DIMENSION, "Value": check}],
            "Value": float(values[check]),
            "Unit": "Count",
        }
        for check in CHECKS
        if check in values
    ]


def cloudwatch_publisher(namespace: str) -> Publish:
    """PutMetricData through boto3, which Lambda's Python runtime ships (imported here: the checks need
    nothing installed). The function's role may put data in ``namespace`` only."""
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    # Bounded, as run_seconds() counts it (boto3's defaults: 60 s to connect, 60 s to answer, retried).
    config = Config(
        connect_timeout=PUBLISH_CONNECT_TIMEOUT,
        read_timeout=PUBLISH_READ_TIMEOUT,
        retries={"total_max_attempts": PUBLISH_ATTEMPTS, "mode": "standard"},
    )
    client = boto3.client("cloudwatch", config=config)

    def publish(data: list[dict[str, Any]]) -> None:
        if data:
            client.put_metric_data(Namespace=namespace, MetricData=data)

    return publish


def handler(
    event: object,
    context: object,
    *,
    env: Mapping[str, str] | None = None,
    fetch: Fetch = http_fetch_ipv4,
    resolve: Resolve | None = None,
    sleep: Callable[[float], None] = time.sleep,
    publish: Publish | None = None,
) -> dict[str, Any]:
    """Lambda's entry point (``origin_probe.lambda_handler.handler``); the keyword arguments replace the
    environment, the network, DNS, the clock and CloudWatch in tests."""
    outputs, options, stack, namespace = config_from_env(os.environ if env is None else env)
    checks = probe(outputs, options, fetch, sleep, resolve or bounded_resolver(options.connect_timeout))
    code = verdict(checks)
    label = f"stack {stack}"
    print(render_text(checks, code, outputs, label), flush=True)
    values = probe_results(checks)
    (publish or cloudwatch_publisher(namespace))(metric_data(values, stack))
    report: dict[str, Any] = json.loads(render_json(checks, code, outputs, label))
    return {"exitCode": code, "published": values, "report": report}

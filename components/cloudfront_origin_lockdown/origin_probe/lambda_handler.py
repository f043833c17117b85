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
  and the alarm's missing data turns into INSUFFICIENT_DATA, which notifies too.
* ``network`` (only for an origin with a public address): 1 when a direct request reached something
  listening at all, even to get a 403: the function runs from AWS's public address space, outside
  CloudFront's origin-facing ranges, so the security groups must drop it; 0 when every direct request timed
  out; no datapoint when inconclusive.

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
    CheckResult,
    Fetch,
    OutputsError,
    ProbeOptions,
    Resolve,
    StackOutputs,
    http_fetch,
    network_reached,
    parse_outputs,
    probe,
    render_json,
    render_text,
    resolve_addresses,
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
# The stack output originMtls (off unless set): as make verify reads it.
ENV_ORIGIN_MTLS = "ORIGIN_PROBE_ORIGIN_MTLS"
# Optional: seconds (the defaults below), and CloudFront attempts.
ENV_CONNECT_TIMEOUT = "ORIGIN_PROBE_CONNECT_TIMEOUT"
ENV_READ_TIMEOUT = "ORIGIN_PROBE_READ_TIMEOUT"
ENV_ATTEMPTS = "ORIGIN_PROBE_ATTEMPTS"
ENV_BACKOFF = "ORIGIN_PROBE_BACKOFF"

# A run within the function's timeout (monitoring.PROBE_TIMEOUT_SECONDS, 90 s) at worst: CloudFront twice
# (5 s to connect, 10 s to answer, 5 s between) = 35 s, then two direct requests of at most 15 s each.
# A locked origin drops the direct requests: a normal run takes about 2 x 5 s.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
ATTEMPTS = 2
BACKOFF = 5.0

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
    try:
        outputs = parse_outputs(
            {
                "url": env[ENV_URL],
                "originUrl": env[ENV_ORIGIN_URL],
                "originHeaderName": env[ENV_HEADER_NAME],
                "architecture": env.get(ENV_ARCHITECTURE, "unknown"),
                "vpcOrigin": vpc_origin == "true",
                "originMtls": env.get(ENV_ORIGIN_MTLS, "off"),
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
    return outputs, options, env[ENV_STACK], env.get(ENV_NAMESPACE) or NAMESPACE


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

    client = boto3.client("cloudwatch")

    def publish(data: list[dict[str, Any]]) -> None:
        if data:
            client.put_metric_data(Namespace=namespace, MetricData=data)

    return publish


def handler(
    event: object,
    context: object,
    *,
    env: Mapping[str, str] | None = None,
    fetch: Fetch = http_fetch,
    resolve: Resolve = resolve_addresses,
    sleep: Callable[[float], None] = time.sleep,
    publish: Publish | None = None,
) -> dict[str, Any]:
    """Lambda's entry point (``origin_probe.lambda_handler.handler``); the keyword arguments replace the
    environment, the network, DNS, the clock and CloudWatch in tests."""
    outputs, options, stack, namespace = config_from_env(os.environ if env is None else env)
    checks = probe(outputs, options, fetch, sleep, resolve)
    code = verdict(checks)
    label = f"stack {stack}"
    print(render_text(checks, code, outputs, label), flush=True)
    values = probe_results(checks)
    (publish or cloudwatch_publisher(namespace))(metric_data(values, stack))
    report: dict[str, Any] = json.loads(render_json(checks, code, outputs, label))
    return {"exitCode": code, "published": values, "report": report}

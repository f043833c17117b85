"""How the audit's time and AWS calls grow with an account: distributions x security groups, against moto.

Builds accounts in a moto server (``python -m moto.server`` on loopback) with D distributions, each with its own
internet-facing ALB (a listener, a header rule, a target group) and its own group, and G security groups in all
(the others unattached, three rules each, as in an account that has grown for years); a tenth of the origin
groups copy CloudFront's ranges by hand and a tenth admit the world. Then runs the audit (the command's own
collector, conversion and checks) and, in the same run, a do-nothing reader as the baseline: the same account's
distributions, load balancers, instances and groups listed with the same paginators and nothing judged.

    .venv/bin/python benchmarks/audit_bench.py                         # 25x250 .. 200x2000
    .venv/bin/python benchmarks/audit_bench.py --sizes 200x2000 --repeat 3

Reports per size: the audit's wall time (best of --repeat), split into reading AWS and judging, its AWS calls
by action, and the ratio to the baseline. moto answers on loopback in a few milliseconds; against AWS each call
costs tens of milliseconds, so the call counts are the figure that carries over.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "components"), str(ROOT / "policy")]

from cloudfront_origin_lockdown.audit import aws  # noqa: E402
from cloudfront_origin_lockdown.audit.checks import run_checks  # noqa: E402
from cloudfront_origin_lockdown.audit.convert import to_catalog  # noqa: E402
from cloudfront_origin_lockdown.audit.ranges import parse_ip_ranges  # noqa: E402
from tests.audit.moto_server import MotoServer, moto_server  # noqa: E402
from tests.audit.world import HAND_KEPT, RANGES, World  # noqa: E402


def build(world: World, distributions: int, groups: int) -> None:
    w = world
    for i in range(distributions):
        if i % 10 == 0:
            perm = w.cidrs(443, *HAND_KEPT)
        elif i % 10 == 5:
            perm = w.cidrs(443, "0.0.0.0/0")
        else:
            perm = w.from_cloudfront(443)
        sg = w.group(f"origin-{i}", perm)
        lb = w.alb(f"origin-{i}", [sg])
        tg = w.target_group(f"origin-{i}", 8080)
        listener = w.listener(lb, 443, w.fixed_403())
        w.header_rule(listener, 10, tg, [f"value-{i}"])
        w.distribution(f"d{i}", lb["DNSName"], header=f"value-{i}")
    for j in range(groups - distributions):
        w.group(
            f"filler-{j}",
            w.cidrs(22, f"10.{j % 250}.0.0/16"),
            w.cidrs(5432, "10.0.0.0/8"),
            w.cidrs(8080, "172.16.0.0/12"),
        )


def baseline(session: aws.Session, region: str) -> float:
    """List what the audit lists, judge nothing."""
    start = time.perf_counter()
    cloudfront = session.client("cloudfront", aws.GLOBAL_REGION)
    for _ in cloudfront.get_paginator("list_distributions").paginate():
        pass
    ec2, elbv2 = session.client("ec2", region), session.client("elbv2", region)
    for client, op in (
        (ec2, "describe_security_groups"),
        (ec2, "describe_instances"),
        (elbv2, "describe_load_balancers"),
    ):
        for _ in client.get_paginator(op).paginate():
            pass
    return time.perf_counter() - start


def audit(session: aws.Session, region: str) -> dict[str, Any]:
    ranges = parse_ip_ranges(json.dumps(RANGES), "bench")
    start = time.perf_counter()
    inventory = aws.Collector(session).collect([region])
    read = time.perf_counter() - start
    result = run_checks(to_catalog(inventory), ranges)
    total = time.perf_counter() - start
    return {"read": read, "judge": total - read, "total": total, "findings": len(result.findings)}


def measure(moto: MotoServer, distributions: int, groups: int, repeat: int) -> dict[str, Any]:
    moto.reset()
    world = World(moto)
    t0 = time.perf_counter()
    build(world, distributions, groups)
    built = time.perf_counter() - t0
    best: dict[str, Any] | None = None
    calls: collections.Counter[str] = collections.Counter()
    base = float("inf")
    for _ in range(repeat):
        session = aws.Session(moto.session())
        run = audit(session, "us-east-1")
        if best is None or run["total"] < best["total"]:
            best = run
            calls = collections.Counter(session.calls)
        base = min(base, baseline(aws.Session(moto.session()), "us-east-1"))
    assert best is not None
    return {"d": distributions, "g": groups, "built": built, "baseline": base, "calls": calls, **best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["25x250", "50x500", "100x1000", "200x2000"])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in s.split("x")) for s in args.sizes]
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    rows = []
    with moto_server() as moto:
        for d, g in sizes:
            row = measure(moto, d, g, args.repeat)
            rows.append(row)
            print(
                f"{d}x{g}: built in {row['built']:.1f} s; audit {row['total']:.2f} s (read {row['read']:.2f} s, judge "
                f"{row['judge']:.2f} s), {sum(row['calls'].values())} calls, {row['findings']} findings; baseline "
                f"{row['baseline']:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    print("| distributions x groups | audit (wall) | reading AWS | judging | AWS calls | baseline (list) | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['d']} x {r['g']} | {r['total']:.2f} s | {r['read']:.2f} s | {r['judge']:.3f} s | "
            f"{sum(r['calls'].values())} | {r['baseline']:.2f} s | {r['total'] / r['baseline']:.1f}x |"
        )
    print()
    print("AWS calls by action:")
    actions = sorted({a for r in rows for a in r["calls"]})
    print("| action | " + " | ".join(f"{r['d']}x{r['g']}" for r in rows) + " |")
    print("|---|" + "---:|" * len(rows))
    for action in actions:
        print(f"| {action} | " + " | ".join(str(r["calls"][action]) for r in rows) + " |")


if __name__ == "__main__":
    main()

"""Benchmark the policy pack against a do-nothing pack, in the same run, over the real analyzer protocol.

    .venv/bin/python benchmarks/policy_bench.py                      # 1k, 2k, 4k, 8k resources
    .venv/bin/python benchmarks/policy_bench.py --sizes 2000 4000 --repeat 5
    .venv/bin/python benchmarks/policy_bench.py --no-grpc            # in-process columns only

Three packs run side by side, each started the way the CLI starts a pack (``python -m pulumi.policy``):

* ``pack``: this repository's ``policy/`` (six policies, four of them stack policies);
* ``noop``: a do-nothing pack (one resource policy and one stack policy that return at once), the floor any
  pack pays for the protocol and for pulumi-policy's conversion of the stack;
* ``stock``: this pack's policies served by pulumi-policy's own server (``lockdown.server.install`` not
  called), which converts the whole stack once per stack policy: what the pack cost before.

For each stack size the same requests go to each pack, interleaved, and the best of ``--repeat`` runs is kept:
``AnalyzeStack`` once (what the engine sends after the last step, at preview and at up), and ``Analyze`` for
every resource followed by ``AnalyzeStack`` (the whole of what ``pulumi up`` asks a pack). Ratios are the
pack's time over the do-nothing pack's. ``us/res`` is the pack's full time per resource (flat = linear).
``own`` is the pack's own analysis, in-process, on already converted resources (the part the policies
control). Cells that were not measured say ``skipped (why)``.

Each stack is made of 10-resource units: an origin security group with three rules (one of them opened to
the world in every 50th unit), a load balancer, a CloudFront distribution pointing at it (linked by value in
odd units, by property dependency in even ones), a generated password, two unrelated resources and a route table
(a family type that cannot carry an origin's traffic) or, in every tenth unit, a VPC endpoint service (a type
that fails closed, checked for connections to an origin); every third unit is instead an ordinary public load
balancer that no distribution points at.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The pack's own import names (`lockdown`, the judge), as the CLI puts policy/ on the path.
sys.path.insert(0, str(ROOT / "policy"))

from lockdown import config  # noqa: E402
from lockdown.model import analysis_of  # noqa: E402
from offline.analyzer import AnalyzerProcess  # noqa: E402
from offline.snapshot import ResourceSnapshot, make_secret  # noqa: E402
from origin_lockdown_judge import ingress  # noqa: E402
from tests.policy.stacks import policy_resources  # noqa: E402

STACK = "urn:pulumi:bench::cloudfront-origin-lockdown::"

NOOP_PACK = '''"""A pack that does nothing: the protocol's and pulumi-policy's own cost."""
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

PolicyPack(
    name="do-nothing",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(name="nothing-per-resource", description="Nothing.", validate=lambda a, r: None),
        StackValidationPolicy(name="nothing-per-stack", description="Nothing.", validate=lambda a, r: None),
    ],
)
'''

STOCK_PACK = f'''"""This repository's policies, served by pulumi-policy's stock server (one conversion per policy)."""
import sys

sys.path.insert(0, {str(ROOT / "policy")!r})
from lockdown.policies import PACK_NAME, build_policies
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.ADVISORY, policies=build_policies())
'''


def _snap(rtype: str, name: str, props: dict[str, Any], deps: dict[str, list[str]] | None = None) -> ResourceSnapshot:
    deps = deps or {}
    return ResourceSnapshot(
        urn=f"{STACK}{rtype}::{name}",
        type=rtype,
        name=name,
        custom=True,
        parent="",
        provider="",
        id=str(props.get("id", "")),
        inputs=props,
        outputs=props,
        dependencies=tuple(sorted({u for v in deps.values() for u in v})),
        property_dependencies={k: tuple(v) for k, v in deps.items()},
    )


def synthetic_stack(size: int) -> list[ResourceSnapshot]:
    out: list[ResourceSnapshot] = []
    for i in range(size // 10):
        sg_id = f"sg-{i:08x}"
        sg = _snap("aws:ec2/securityGroup:SecurityGroup", f"sg-{i}", {"id": sg_id, "name": f"sg-{i}", "vpcId": "vpc-1"})
        public = i % 3 == 2
        world = public or i % 50 == 0
        rules = [
            _snap(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                f"in-{i}-{k}",
                {
                    "securityGroupId": sg_id,
                    "ipProtocol": "tcp",
                    "fromPort": port,
                    "toPort": port,
                    **({"cidrIpv4": "0.0.0.0/0"} if world and k == 0 else {"prefixListId": "pl-3b927c52"}),
                },
                {"securityGroupId": [sg.urn]},
            )
            for k, port in enumerate((443, 80))
        ]
        rules.append(
            _snap(
                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                f"out-{i}",
                {"securityGroupId": sg_id, "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"},
                {"securityGroupId": [sg.urn]},
            )
        )
        dns = f"lb-{i}.us-east-1.elb.amazonaws.com"
        lb = _snap(
            "aws:lb/loadBalancer:LoadBalancer",
            f"lb-{i}",
            {"id": f"arn:lb/{i}", "arn": f"arn:lb/{i}", "dnsName": dns, "securityGroups": [sg_id]},
            {"securityGroups": [sg.urn]},
        )
        pw = _snap("random:index/randomPassword:RandomPassword", f"pw-{i}", {"result": make_secret(f"secret-{i:024d}")})
        fillers = [
            _snap("aws:s3/bucket:Bucket", f"bucket-{i}", {"bucket": f"b-{i}", "tags": {"n": str(i)}}),
            _snap("aws:iam/role:Role", f"role-{i}", {"name": f"r-{i}", "assumeRolePolicy": "{}" * 20}),
            # The closed world: a family type that cannot carry traffic (skipped), and in every tenth unit one that
            # fails closed (checked for connections to an origin; it names no origin's resource).
            _snap(
                "aws:ec2/routeTable:RouteTable",
                f"routes-{i}",
                {"vpcId": "vpc-1", "routes": [{"cidrBlock": "0.0.0.0/0"}]},
            )
            if i % 10
            else _snap(
                "aws:ec2/vpcEndpointService:VpcEndpointService",
                f"svc-{i}",
                {"networkLoadBalancerArns": [f"arn:nlb/{i}"], "acceptanceRequired": True, "tags": {"n": str(i)}},
            ),
        ]
        out.extend([sg, *rules, lb, pw, *fillers])
        if public:
            out.append(_snap("aws:lb/targetGroup:TargetGroup", f"tg-{i}", {"port": 80, "protocol": "HTTP"}))
        else:
            deps = {"origins": [lb.urn, pw.urn]} if i % 2 == 0 else {}
            out.append(
                _snap(
                    "aws:cloudfront/distribution:Distribution",
                    f"cdn-{i}",
                    {
                        "origins": [
                            {
                                "originId": "o",
                                "domainName": dns,
                                "customOriginConfig": {
                                    "originProtocolPolicy": "https-only",
                                    "httpPort": 80,
                                    "httpsPort": 443,
                                },
                                "customHeaders": [
                                    {"name": "X-Origin-Verify", "value": make_secret(f"secret-{i:024d}")}
                                ],
                            }
                        ]
                    },
                    deps,
                )
            )
    return out


def server_cpu(pack: AnalyzerProcess | None) -> float | None:
    """CPU seconds the pack's process has used so far (every thread), or None where Linux's schedstat is absent.

    The CPU a request costs the pack, unlike wall-clock time, does not grow when other processes share the
    cores: on a busy machine it is the fairer measure of what the pack itself adds.
    """
    proc = getattr(pack, "_proc", None)
    if proc is None:
        return None
    total = 0
    try:
        for task in Path(f"/proc/{proc.pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


def best_of(fn: Callable[[], Any], repeat: int, pack: AnalyzerProcess | None = None) -> tuple[float, float | None]:
    """The best wall-clock time and the best server CPU time of ``repeat`` runs of ``fn``."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        gc.collect()
        cpu = server_cpu(pack)
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
        after = server_cpu(pack)
        if cpu is not None and after is not None:
            best_cpu = min(best_cpu, after - cpu)
    return best, (None if best_cpu == float("inf") else best_cpu)


def full_run(pack: AnalyzerProcess, snaps: list[ResourceSnapshot]) -> None:
    """What ``pulumi up`` asks a pack: ``Analyze`` per resource (inputs), then ``AnalyzeStack`` (outputs)."""
    for snap in snaps:
        pack.analyze(snap)
    pack.analyze_stack(snaps)


Timing = tuple[float | None, float | None]  # best wall-clock seconds, best server CPU seconds


def measure(
    packs: dict[str, AnalyzerProcess], names: tuple[str, ...], call: Callable[[AnalyzerProcess], Any], repeat: int
) -> dict[str, Timing]:
    """Best wall and CPU time of ``call`` on each pack; runs interleaved, so a busy moment hits every pack alike."""
    chosen = [name for name in names if name in packs]
    walls: dict[str, list[float]] = {name: [] for name in chosen}
    cpus: dict[str, list[float]] = {name: [] for name in chosen}
    for _ in range(repeat):
        for name in chosen:
            wall, cpu = best_of(lambda p=packs[name]: call(p), 1, packs[name])
            walls[name].append(wall)
            if cpu is not None:
                cpus[name].append(cpu)
    return {name: (min(walls[name]), min(cpus[name]) if cpus[name] else None) for name in chosen}


def fmt(value: float | None, why: str, kind: str = "s") -> str:
    """A table cell: seconds, a ratio, or why it was not measured (never ``nan``)."""
    if value is None:
        return f"skipped ({why})"
    return f"{value:.3f} s" if kind == "s" else f"{value:.2f}x" if kind == "x" else f"{value:.0f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


COLUMNS = (
    "resources",
    "own (in-process)",
    "AnalyzeStack: pack",
    "noop",
    "stock",
    "pack/noop",
    "pack/noop CPU",
    "stock/noop CPU",
    "full run: pack",
    "noop",
    "pack/noop",
    "pack/noop CPU",
    "us/resource",
    "findings",
)


def row(size: int, own: float, stack: dict[str, Timing], full: dict[str, Timing], why: dict[str, str]) -> list[str]:
    """One table row; every cell not measured says why (``why`` per measurement: "stack", "full", "cpu")."""
    none: Timing = (None, None)

    def wall(table: dict[str, Timing], name: str) -> float | None:
        return table.get(name, none)[0]

    def cpu(table: dict[str, Timing], name: str) -> float | None:
        return table.get(name, none)[1]

    stack_cpu_why = why["cpu"] if stack else why["stack"]
    full_cpu_why = why["cpu"] if full else why["full"]
    return [
        str(size),
        fmt(own, ""),
        fmt(wall(stack, "pack"), why["stack"]),
        fmt(wall(stack, "noop"), why["stack"]),
        fmt(wall(stack, "stock"), why["stack"]),
        fmt(ratio(wall(stack, "pack"), wall(stack, "noop")), why["stack"], "x"),
        fmt(ratio(cpu(stack, "pack"), cpu(stack, "noop")), stack_cpu_why, "x"),
        fmt(ratio(cpu(stack, "stock"), cpu(stack, "noop")), stack_cpu_why, "x"),
        fmt(wall(full, "pack"), why["full"]),
        fmt(wall(full, "noop"), why["full"]),
        fmt(ratio(wall(full, "pack"), wall(full, "noop")), why["full"], "x"),
        fmt(ratio(cpu(full, "pack"), cpu(full, "noop")), full_cpu_why, "x"),
        fmt(ratio(wall(full, "pack"), size / 1e6), why["full"], "n"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per cell")
    parser.add_argument("--no-grpc", action="store_true", help="in-process columns only")
    parser.add_argument("--full-limit", type=int, default=8000, help="skip the full (per-resource) run above this")
    args = parser.parse_args(argv)

    main_cfg = config.settings(config.ORIGIN_INGRESS, None)
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---:" for _ in COLUMNS) + "|", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        noop_dir, stock_dir = Path(tmp, "noop"), Path(tmp, "stock")
        for directory, text in ((noop_dir, NOOP_PACK), (stock_dir, STOCK_PACK)):
            directory.mkdir()
            (directory / "__main__.py").write_text(text)
        packs: dict[str, AnalyzerProcess] = {}
        try:
            if not args.no_grpc:
                packs["pack"] = AnalyzerProcess(call_timeout=600).start()
                packs["noop"] = AnalyzerProcess(policy_dir=noop_dir, call_timeout=600).start()
                packs["stock"] = AnalyzerProcess(policy_dir=stock_dir, call_timeout=600).start()
            cpu_why = "no /proc/<pid>/task/*/schedstat on this system"
            for size in args.sizes:
                snaps = synthetic_stack(size)
                resources = policy_resources(snaps)
                own, _ = best_of(lambda r=resources: ingress.analyze(analysis_of(list(r)), main_cfg), args.repeat)
                findings = len(ingress.analyze(analysis_of(list(resources)), main_cfg))
                stack = measure(packs, ("pack", "noop", "stock"), lambda p, s=snaps: p.analyze_stack(s), args.repeat)
                too_big = len(snaps) > args.full_limit
                full = (
                    {} if too_big else measure(packs, ("pack", "noop"), lambda p, s=snaps: full_run(p, s), args.repeat)
                )
                why = {
                    "stack": "--no-grpc",
                    "full": "--no-grpc" if args.no_grpc else f"above --full-limit {args.full_limit}",
                    "cpu": cpu_why,
                }
                print("| " + " | ".join([*row(len(snaps), own, stack, full, why), str(findings)]) + " |", flush=True)
        finally:
            for process in packs.values():
                process.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

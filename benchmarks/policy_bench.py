"""Benchmark the policy pack on synthetic stacks of 1k, 10k and 50k resources.

    .venv/bin/python -m benchmarks.policy_bench            # 1k, 10k, 50k; in-process and over gRPC
    .venv/bin/python -m benchmarks.policy_bench --sizes 1000 10000 --no-grpc

Each stack is made of 10-resource units: an origin security group with three rules (one of them opened to
the world in every 50th unit), a load balancer, a CloudFront distribution pointing at it (linked by value in
odd units, by property dependency in even ones), a generated password, and three unrelated resources; every
third unit is instead an ordinary public load balancer that no distribution points at.

Columns:
  own        the main stack policy's own time: PolicyResource objects -> findings (what the policy author controls)
  all-stack  all four stack policies' own time, in-process
  deser      pulumi-policy's deserialisation of the stack into PolicyResource objects (once per stack policy)
  grpc-main  one AnalyzeStack call over gRPC with only the main policy enabled (the others disabled by Configure)
  grpc-stack one AnalyzeStack call over gRPC (protobuf, deserialisation per stack policy, every stack policy)
  grpc-each  Analyze for every resource over gRPC (the per-resource path the CLI also takes)
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offline.analyzer import AnalyzerProcess
from offline.snapshot import ResourceSnapshot, make_secret
from policy.lockdown import companions, config, origin_ingress
from policy.lockdown.graph import RELEVANT_TYPES
from policy.lockdown.model import from_policy_resources
from tests.policy.stacks import policy_resources

STACK = "urn:pulumi:bench::cloudfront-origin-lockdown::"


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
            _snap("aws:cloudwatch/logGroup:LogGroup", f"logs-{i}", {"name": f"/app/{i}", "retentionInDays": 30}),
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


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--no-grpc", action="store_true")
    parser.add_argument("--each-limit", type=int, default=10000, help="skip grpc-each above this size")
    args = parser.parse_args()

    main_cfg = config.settings(config.ORIGIN_INGRESS, None)
    stack_policies = [
        (config.ORIGIN_INGRESS, lambda rs, c: origin_ingress.analyze(from_policy_resources(rs, RELEVANT_TYPES), c)),
        (
            config.LITERAL_HEADER,
            lambda rs, c: companions.literal_header_problems(
                from_policy_resources(
                    rs, frozenset({"aws:cloudfront/distribution:Distribution", *c["generatorTypes"]})
                ),
                c,
            ),
        ),
        (
            config.SSH_ALL_PORTS,
            lambda rs, c: companions.admin_port_problems(from_policy_resources(rs, RELEVANT_TYPES), c),
        ),
        (
            config.PREFIX_QUOTA,
            lambda rs, c: companions.prefix_quota_problems(from_policy_resources(rs, RELEVANT_TYPES), c),
        ),
    ]
    header = (
        f"{'resources':>9} {'own':>9} {'all-stack':>10} {'deser':>9} {'grpc-main':>10} {'grpc-stack':>11} "
        f"{'grpc-each':>10} "
        f"{'findings':>8}"
    )
    print(header)
    print("-" * len(header))
    pack = None if args.no_grpc else AnalyzerProcess(call_timeout=600).start()
    try:
        for size in args.sizes:
            snaps = synthetic_stack(size)
            deser, resources = timed(lambda snaps=snaps: policy_resources(snaps), repeat=1)
            own, findings = timed(
                lambda resources=resources: origin_ingress.analyze(
                    from_policy_resources(resources, RELEVANT_TYPES), main_cfg
                )
            )
            all_stack, _ = timed(
                lambda resources=resources: [fn(resources, config.settings(name, None)) for name, fn in stack_policies],
                repeat=1,
            )
            grpc_main = grpc_stack = grpc_each = float("nan")
            if pack is not None:
                others = {name: "disabled" for name in config.SCHEMAS if name != config.ORIGIN_INGRESS}
                pack.configure(others)
                grpc_main, _ = timed(lambda snaps=snaps: pack.analyze_stack(snaps), repeat=1)
                pack.configure({})
                grpc_stack, _ = timed(lambda snaps=snaps: pack.analyze_stack(snaps), repeat=1)
                if len(snaps) <= args.each_limit:
                    grpc_each, _ = timed(lambda snaps=snaps: [pack.analyze(s) for s in snaps], repeat=1)
            print(
                f"{len(snaps):>9} {own:>8.3f}s {all_stack:>9.3f}s {deser:>8.3f}s {grpc_main:>9.3f}s "
                f"{grpc_stack:>10.3f}s {grpc_each:>9.3f}s {len(findings):>8}",
                flush=True,
            )
    finally:
        if pack is not None:
            pack.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

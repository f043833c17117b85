"""How long the program takes to run in-process under the mocks (what `make check` and the tests pay).

Usage: .venv/bin/python benchmarks/program_bench.py [--repeat N]

Prints, per architecture and mode, the number of resources registered and the median / min wall time
of N runs. Not a test: timings depend on the machine; run it before and after a change.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offline.mocks import run_program


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    run_program({"architecture": "alb"})  # warm imports (pulumi_aws is large)
    print(f"{'case':<28}{'resources':>10}{'median ms':>12}{'min ms':>10}")
    for architecture in ("alb", "direct"):
        for extra, label in (
            ({}, ""),
            ({"originIpv6": True, "waf": True} if architecture == "alb" else {"secretSlots": ["v1", "v2"]}, "+extras"),
        ):
            for preview in (False, True):
                timings = []
                count = 0
                for _ in range(options.repeat):
                    started = time.perf_counter()
                    program = run_program({"architecture": architecture, **extra}, preview=preview)
                    timings.append((time.perf_counter() - started) * 1000)
                    count = len(program.resources)
                case = f"{architecture}{label} {'preview' if preview else 'up'}"
                print(f"{case:<28}{count:>10}{statistics.median(timings):>12.1f}{min(timings):>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The main policy, ``origin-sg-no-world-ingress``: the judge's ingress check over the stack.

A stack policy, because whether a group guards a CloudFront origin is a property of the graph. It runs at
preview and at up; at preview it reads values that may not be known yet *without* letting pulumi-policy's
``UnknownValueError`` escape (which would downgrade it to an advisory "can't run during preview" note), and
decides about every unknown explicitly (setting ``unknownValues``).
"""

from __future__ import annotations

from typing import Any

from origin_lockdown_judge.ingress import analyze

from .config import ORIGIN_INGRESS, settings
from .model import analysis_of


def validate(args: Any, report_violation: Any) -> None:
    cfg = settings(ORIGIN_INGRESS, args.get_config())
    for finding in analyze(analysis_of(args.resources), cfg):
        report_violation(finding.message, finding.urn)

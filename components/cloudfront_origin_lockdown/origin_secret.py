"""Layer 2's shared secret: one generated value per rotation slot.

The origin accepts the values of every slot in ``secret_slots``; CloudFront sends the value of
``active_secret_slot``. Adding a slot creates a new value without touching the others, removing a
slot deletes only that value: this is what makes the rotation in the README zero-downtime.

Value shape: alphanumeric only, because an ALB compares header values case-insensitively and treats
``*`` and ``?`` as wildcards (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HttpHeaderConditionConfig.html),
and nginx matches them inside a regular expression. With 62 symbols, 48 characters carry about 285
bits; the minimum of 32 still carries about 190.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_random as random

# RandomPassword inputs that only shape a value; changing one would replace (regenerate) the value.
VALUE_SHAPE_INPUTS = ("length", "special", "upper", "lower", "numeric", "min_upper", "min_lower", "min_numeric")


@dataclass(frozen=True)
class OriginSecrets:
    """The generated values. Every output here is a Pulumi secret."""

    by_slot: Mapping[str, pulumi.Output[str]]
    active_slot: str

    @property
    def active(self) -> pulumi.Output[str]:
        """The value CloudFront sends."""
        return self.by_slot[self.active_slot]

    @property
    def accepted(self) -> pulumi.Output[list[str]]:
        """Every value the origin accepts, in slot order."""
        return pulumi.Output.secret(pulumi.Output.all(*self.by_slot.values()))

    def accepted_json(self) -> pulumi.Output[str]:
        """The accepted values as a JSON list: the SSM parameter's format, read by the instance's guard."""
        return pulumi.Output.secret(self.accepted.apply(lambda values: json.dumps(list(values))))


def reported_parameter_values(value: str | None) -> set[str]:
    """The values the SSM parameter reports holding (its ``value`` output, the JSON list the guard reads)."""
    try:
        values = json.loads(value or "[]")
    except json.JSONDecodeError:
        return set()
    return {str(item) for item in values} if isinstance(values, list) else set()


def generate_secrets(
    name: str, slots: Sequence[str], active_slot: str, length: int, parent: pulumi.Resource
) -> OriginSecrets:
    by_slot: dict[str, pulumi.Output[str]] = {}
    for slot in slots:
        password = random.RandomPassword(
            f"{name}-secret-{slot}",
            length=length,
            special=False,
            upper=True,
            lower=True,
            numeric=True,
            # At least a few of each class, so no value is accidentally all digits.
            min_upper=4,
            min_lower=4,
            min_numeric=4,
            # A new secretLength (or character rule) shapes the values generated from then on. Applied to the
            # existing ones it would replace every value in one deploy, the one CloudFront sends included,
            # refusing requests until the distribution had deployed; rotation phases it in instead.
            opts=pulumi.ResourceOptions(parent=parent, ignore_changes=list(VALUE_SHAPE_INPUTS)),
        )
        by_slot[slot] = pulumi.Output.secret(password.result)
    return OriginSecrets(by_slot=by_slot, active_slot=active_slot)

"""cloudfront-origin-lockdown: read the stack's settings once, build the origin, export what to probe."""

import dataclasses
import sys
from pathlib import Path

import pulumi

PROJECT_DIR = Path(__file__).resolve().parent
# This program is one user of the component package in components/: import it from this checkout (not
# a copy that may be installed in the virtualenv), so a change to the component is what `pulumi up` runs.
sys.path.insert(0, str(PROJECT_DIR / "components"))

from cloudfront_origin_lockdown.auto_rotation import (
    ROTATION_OUTPUT,
    RotationPlan,
    clock_override_warning,
    deploy_time,
    plan_automatic_rotation,
    requires_guard_problem,
)
from cloudfront_origin_lockdown.config import load_settings
from cloudfront_origin_lockdown.origin_lockdown import OriginLockdown
from cloudfront_origin_lockdown.preflight import run_preflight
from cloudfront_origin_lockdown.rotation import (
    ACCEPTED_OUTPUT,
    ACTIVE_OUTPUT,
    read_deployed_state,
    rotation_step_problem,
    takeover_hint,
)
from cloudfront_origin_lockdown.settings import SettingError


def _namespace_keys() -> list[str]:
    """Keys set in this project's config namespace (to reject typos such as `archtecture`)."""
    prefix = f"{pulumi.get_project()}:"
    present = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return [key[len(prefix) :] for key in present if key.startswith(prefix)]


NAME = "origin"
config = pulumi.Config()
automatic: RotationPlan | None = None
try:
    settings = load_settings(config.get, present_keys=_namespace_keys(), project_dir=PROJECT_DIR)
    args = settings.args
    guard_on = settings.rotation_guard
    problem = requires_guard_problem(args.secret_rotation_days, guard_on)
    if problem is not None:
        raise problem
    # Names, region, boot script size, policy lookups: before the rotation guard's read of the stack (a
    # StackReference is a registered resource). None of them depends on the rotation slots.
    preflight = run_preflight(NAME, args)
    if guard_on:
        deployed = read_deployed_state(ROTATION_OUTPUT)
        if args.secret_rotation_days:
            # Automatic rotation: the slots come from the deployed record and the clock, not from the config.
            automatic = plan_automatic_rotation(
                args.secret_rotation_days,
                args.secret_slots,
                args.active_secret_slot,
                deployed.rotation,
                deployed.automatic,
                deploy_time(),
            )
            args = dataclasses.replace(args, secret_slots=automatic.slots, active_secret_slot=automatic.active)
            preflight = dataclasses.replace(preflight, args=args)
        problem = rotation_step_problem(deployed.rotation, args.secret_slots, args.active_secret_slot)
        if problem is not None:
            raise problem if automatic is not None else takeover_hint(problem, deployed)
except SettingError as error:
    # Raised before any resource is registered: `pulumi preview` stops here with this one line.
    raise pulumi.RunError(str(error)) from None

if automatic is not None:
    # Shown by `pulumi preview` and `pulumi up` alike: the step this deploy takes, or why none.
    pulumi.log.info(automatic.summary)
    for warning in (automatic.warning, clock_override_warning()):
        if warning:
            pulumi.log.warn(warning)

origin = OriginLockdown(NAME, args, preflight=preflight)

pulumi.export("architecture", origin.architecture)
# Whether CloudFront reaches the origin through a VPC origin (then the origin has no public address).
pulumi.export("vpcOrigin", origin.vpc_origin)
pulumi.export("url", origin.url)
pulumi.export("distributionDomainName", origin.distribution_domain_name)
pulumi.export("distributionId", origin.distribution_id)
pulumi.export("originAddress", origin.origin_address)
pulumi.export("originUrl", origin.origin_url)
pulumi.export("originHeaderName", origin.header_name)
pulumi.export("securityGroupIds", origin.security_group_ids)
# Slot names, never values, as the deployed resources report them: the next run reads them back to refuse
# a skipped step, and (automatic rotation) to plan the next one.
pulumi.export(ACCEPTED_OUTPUT, origin.accepted_slots)
pulumi.export(ACTIVE_OUTPUT, origin.active_slot)
if automatic is not None:
    plan = automatic
    pulumi.export(
        ROTATION_OUTPUT,
        pulumi.Output.all(origin.accepted_slots, origin.active_slot).apply(
            lambda reported: plan.record_to_export(reported[0], reported[1])
        ),
    )

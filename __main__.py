"""cloudfront-origin-lockdown: read the stack's settings once, build the origin, export what to probe."""

import sys
from pathlib import Path

import pulumi

PROJECT_DIR = Path(__file__).resolve().parent
# This program is one user of the component package in components/: import it from this checkout (not
# a copy that may be installed in the virtualenv), so a change to the component is what `pulumi up` runs.
sys.path.insert(0, str(PROJECT_DIR / "components"))

from cloudfront_origin_lockdown.config import load_settings
from cloudfront_origin_lockdown.origin_lockdown import OriginLockdown
from cloudfront_origin_lockdown.preflight import run_preflight
from cloudfront_origin_lockdown.rotation import (
    ACCEPTED_OUTPUT,
    ACTIVE_OUTPUT,
    read_deployed_rotation,
    rotation_step_problem,
)
from cloudfront_origin_lockdown.settings import SettingError


def _namespace_keys() -> list[str]:
    """Keys set in this project's config namespace (to reject typos such as `archtecture`)."""
    prefix = f"{pulumi.get_project()}:"
    present = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return [key[len(prefix) :] for key in present if key.startswith(prefix)]


NAME = "origin"
config = pulumi.Config()
try:
    settings = load_settings(config.get, present_keys=_namespace_keys(), project_dir=PROJECT_DIR)
    args = settings.args
    # Names, region, boot script size, policy lookups: before the rotation guard's read of the stack.
    preflight = run_preflight(NAME, args)
    if settings.rotation_guard:
        problem = rotation_step_problem(read_deployed_rotation(), args.secret_slots, args.active_secret_slot)
        if problem is not None:
            raise problem
except SettingError as error:
    # Raised before any resource is registered: `pulumi preview` stops here with this one line.
    raise pulumi.RunError(str(error)) from None

origin = OriginLockdown(NAME, args, preflight=preflight)

pulumi.export("architecture", origin.architecture)
pulumi.export("url", origin.url)
pulumi.export("distributionDomainName", origin.distribution_domain_name)
pulumi.export("distributionId", origin.distribution_id)
pulumi.export("originAddress", origin.origin_address)
pulumi.export("originUrl", origin.origin_url)
pulumi.export("originHeaderName", origin.header_name)
pulumi.export("securityGroupIds", origin.security_group_ids)
# Slot names, never values, recorded once deployed: the next run reads them back to refuse a skipped step.
pulumi.export(ACCEPTED_OUTPUT, origin.accepted_slots)
pulumi.export(ACTIVE_OUTPUT, origin.active_slot)

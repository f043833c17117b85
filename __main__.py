"""cloudfront-origin-lockdown: read the stack's settings once, build the origin, export what to probe."""

from pathlib import Path

import pulumi

from components.config import load_args
from components.origin_lockdown import OriginLockdown
from components.rotation import ACCEPTED_OUTPUT, ACTIVE_OUTPUT, read_deployed_rotation, rotation_step_problem
from components.settings import SettingError

PROJECT_DIR = Path(__file__).resolve().parent


def _namespace_keys() -> list[str]:
    """Keys set in this project's config namespace (to reject typos such as `archtecture`)."""
    prefix = f"{pulumi.get_project()}:"
    present = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return [key[len(prefix) :] for key in present if key.startswith(prefix)]


config = pulumi.Config()
try:
    args = load_args(config.get, present_keys=_namespace_keys(), project_dir=PROJECT_DIR)
    if config.get_bool("rotationGuard") is not False:
        problem = rotation_step_problem(read_deployed_rotation(), args.secret_slots, args.active_secret_slot)
        if problem is not None:
            raise problem
except SettingError as error:
    # Raised before any resource is registered: `pulumi preview` stops here with this one line.
    raise pulumi.RunError(str(error)) from None

origin = OriginLockdown("origin", args)

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

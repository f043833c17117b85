"""cloudfront-origin-lockdown: a web origin on AWS that only CloudFront can reach, as a Pulumi component.

    from cloudfront_origin_lockdown import OriginLockdown, OriginLockdownArgs

    site = OriginLockdown("shop", OriginLockdownArgs(
        architecture="alb", vpc_id=vpc.id,
        public_subnet_ids=[s.id for s in public], private_subnet_ids=[s.id for s in private]))

A bad argument raises :class:`SettingError` (``invalid setting KEY: VALUE is not allowed; ...``) before any
resource is registered, or, for an argument given as an Output, fails the deployment with the same message.
Automatic rotation (``secret_rotation_days``) and the rotation guard (``rotation_guard``) are arguments; each
component keeps its rotation record in AWS. (``origin_lockdown_with_rotation`` is 0.2.0's way, deprecated.)
See the README ("Using the component") for the other ways to use it.
"""

# The one place the version is written: setuptools reads it for the package metadata (pyproject.toml), the
# component provider reports it (components/__main__.py), and a release is tagged v<this>.
__version__ = "0.2.0"

from .args import OriginLockdownArgs, settings_from_args
from .origin_lockdown import COMPONENT_TYPE, PACKAGE_NAME, OriginLockdown
from .settings import SettingError
from .stack_rotation import origin_lockdown_with_rotation

__all__ = [
    "COMPONENT_TYPE",
    "PACKAGE_NAME",
    "OriginLockdown",
    "OriginLockdownArgs",
    "SettingError",
    "__version__",
    "origin_lockdown_with_rotation",
    "settings_from_args",
]

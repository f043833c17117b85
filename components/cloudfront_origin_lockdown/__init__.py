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

import importlib
from typing import TYPE_CHECKING, Any

# The public names are imported on first use (PEP 562), not when the package is imported: the audit
# (``python -m cloudfront_origin_lockdown.audit``) lives in this package and must start without pulumi or
# pulumi_aws, which the component's modules import. ``from cloudfront_origin_lockdown import OriginLockdown``
# works as before: it triggers ``__getattr__`` below.
_LAZY = {
    "COMPONENT_TYPE": ".origin_lockdown",
    "PACKAGE_NAME": ".origin_lockdown",
    "OriginLockdown": ".origin_lockdown",
    "OriginLockdownArgs": ".args",
    "settings_from_args": ".args",
    "SettingError": ".settings",
    "origin_lockdown_with_rotation": ".stack_rotation",
}

if TYPE_CHECKING:  # type checkers and editors see the names as plain imports
    from .args import OriginLockdownArgs, settings_from_args
    from .origin_lockdown import COMPONENT_TYPE, PACKAGE_NAME, OriginLockdown
    from .settings import SettingError
    from .stack_rotation import origin_lockdown_with_rotation


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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

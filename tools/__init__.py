"""Command-line tools of the repository (the post-deploy probe, the CloudFront stand-in, README drift)."""

import sys
from pathlib import Path

# The component package's source root: the tools import cloudfront_origin_lockdown from this checkout,
# as the program does, without installing it.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1] / "components")
if _PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, _PACKAGE_ROOT)

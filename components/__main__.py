"""Host OriginLockdown as a Pulumi component provider (`pulumi package add <repository>/components@<tag>`).

The Python language host runs this file with components/ as the first entry of ``sys.path``, so the
package next to it is what gets served. The provider's schema is inferred from the type annotations and
docstrings of ``OriginLockdownArgs`` and of ``OriginLockdown``'s outputs.
"""

from pulumi.provider.experimental import component_provider_host

from cloudfront_origin_lockdown import PACKAGE_NAME, OriginLockdown, __version__

if __name__ == "__main__":
    component_provider_host([OriginLockdown], name=PACKAGE_NAME, version=__version__)

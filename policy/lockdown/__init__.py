"""The rules of the ``cloudfront-origin-lockdown`` policy pack.

Nothing in this package starts a server: ``policy/__main__.py`` is the only module that constructs the
``PolicyPack`` (which serves gRPC and blocks). Modules import each other relatively, so the package works
both as ``lockdown`` (the CLI runs ``python __main__.py`` from ``policy/``) and as ``policy.lockdown`` (tests
and tools import it from the repository root).
"""

"""The ``cloudfront-origin-lockdown`` policy pack: pulumi-policy's side of the judge.

The judgement itself is the pure package ``origin_lockdown_judge`` beside this one (shared with the audit);
this package turns pulumi-policy's requests into the judge's resources (``model``, ``values``, ``server``) and
its findings into policies (``policies``, ``origin_ingress``, ``companions``, ``config``).

Nothing in this package starts a server: ``policy/__main__.py`` is the only module that constructs the
``PolicyPack`` (which serves gRPC and blocks). It is imported as ``lockdown`` with ``policy/`` on the path,
by the CLI (which runs the pack from ``policy/``) as by the tests and tools (pyproject.toml's pythonpath).
"""

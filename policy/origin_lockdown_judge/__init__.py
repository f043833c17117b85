"""The judge of cloudfront-origin-lockdown: can the internet reach a CloudFront origin around CloudFront?

One judge for every front end. The policy pack (``policy/lockdown``) hands it the resources of a Pulumi stack,
the audit (``cloudfront_origin_lockdown.audit``) the resources of an AWS account as the AWS APIs describe them;
both become :class:`~origin_lockdown_judge.model.Res` objects with pulumi-aws's type tokens and property names,
and the same code follows every chain from a distribution to the interfaces behind it and judges the union of
their rules (``scope.analyse``, then ``ingress.analyze``).

Pure Python, standard library only: importable without pulumi, pulumi-policy or boto3. It lives inside
``policy/`` because ``pulumi policy publish`` uploads that directory alone; the component's wheel carries it
too (``pyproject.toml``). Modules import each other relatively, so it works under any import name.
"""

"""The audit of existing AWS accounts: every origin that can be reached around CloudFront.

``python -m cloudfront_origin_lockdown.audit`` (console script ``origin-lockdown-audit``). The AWS APIs'
answers become the judge's :class:`~origin_lockdown_judge.model.Res` objects, with pulumi-aws's type tokens
and property names (:mod:`.convert`), and the policy pack's judge decides ``origin-open-to-world``
(``origin_lockdown_judge.scope.analyse`` then ``ingress.exposures``). What only the audit can see lives in
pure modules here: CloudFront's published ranges against hand-kept CIDRs (:mod:`.ranges`), the header check of
an ALB's listeners and web ACL (:mod:`.listeners`), the legacy updater's tags and the migration plans
(:mod:`.migration`). boto3 is imported by :mod:`.aws` alone, and neither pulumi nor pulumi_aws by any module
of this package.
"""

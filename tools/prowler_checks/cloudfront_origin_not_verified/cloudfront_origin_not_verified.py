"""A Prowler custom check of cloudfront-origin-lockdown (see ``cloudfront_origin_lockdown.audit.prowler``)."""

from prowler.lib.check.models import Check

from cloudfront_origin_lockdown.audit.prowler import reports


class cloudfront_origin_not_verified(Check):
    def execute(self) -> list:
        return reports(self)

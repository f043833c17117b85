"""A Prowler AWS provider for tests, set up the way Prowler's own check tests set theirs (its
``tests/providers/aws/utils.py`` is not part of the prowler package): a real ``AwsProvider`` built under moto,
with the identity, regions and session the test names."""

from __future__ import annotations

import boto3
from botocore.config import Config
from moto import mock_aws
from prowler.providers.aws.aws_provider import AwsProvider
from prowler.providers.common.models import Audit_Metadata

ACCOUNT = "123456789012"
REGION = "us-east-1"


@mock_aws
def mocked_aws_provider(regions: list[str], account: str = ACCOUNT) -> AwsProvider:
    provider = AwsProvider(regions=set(regions))
    provider._session.original_session = None
    provider._session.current_session = boto3.session.Session()
    provider._session.session_config = Config()
    provider._identity.account = account
    provider._identity.account_arn = f"arn:aws:iam::{account}:root"
    provider._identity.partition = "aws"
    provider._identity.audited_regions = regions
    provider._enabled_regions = set(regions)
    provider._organizations_metadata = None
    provider._audit_resources = []
    provider._audit_config = {}
    provider.audit_metadata = Audit_Metadata(
        services_scanned=0, expected_checks=[], completed_checks=0, audit_progress=0
    )
    return provider

"""Real keys and certificates for the mocks: the package's table (cloudfront_origin_lockdown.mock_certificates), which
the package's testing helper shares with offline/mocks.py."""

from cloudfront_origin_lockdown.mock_certificates import (
    CLOCK_VARIABLE,
    MOCK_OTHER_PRIVATE_CA_ARN,
    MOCK_PRIVATE_CA_ARN,
    MOCK_RSA_PRIVATE_CA_ARN,
    MOCK_SHORT_LIVED_CA_ARN,
    PCA_CERTIFICATE,
    PRIVATE_KEY,
    TYPES,
    mock_private_ca,
    outputs,
    program_now,
)

__all__ = [
    "CLOCK_VARIABLE",
    "MOCK_OTHER_PRIVATE_CA_ARN",
    "MOCK_PRIVATE_CA_ARN",
    "MOCK_RSA_PRIVATE_CA_ARN",
    "MOCK_SHORT_LIVED_CA_ARN",
    "PCA_CERTIFICATE",
    "PRIVATE_KEY",
    "TYPES",
    "mock_private_ca",
    "outputs",
    "program_now",
]

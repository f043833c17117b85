"""Real keys and certificates for the mocks: the package's table (cloudfront_origin_lockdown.mock_certificates), which
the package's testing helper shares with offline/mocks.py."""

from cloudfront_origin_lockdown.mock_certificates import (
    CLOCK_VARIABLE,
    PCA_CERTIFICATE,
    PRIVATE_KEY,
    TYPES,
    mock_private_ca,
    outputs,
    program_now,
)

__all__ = ["CLOCK_VARIABLE", "PCA_CERTIFICATE", "PRIVATE_KEY", "TYPES", "mock_private_ca", "outputs", "program_now"]

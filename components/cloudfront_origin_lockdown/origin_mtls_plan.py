"""Origin mutual TLS: which CAs the listener trusts and which client certificate CloudFront presents, per deploy.

Pure functions of the deploy's clock (``now``, read once per run: :func:`deploy_clock`) and of what this component
recorded in AWS about the certificates it imported (origin_mtls_record.py, read before any resource is registered):
the certificate ACM holds (or was last asked to hold), whether CloudFront has been seen presenting it, and every
certificate CloudFront may still present. Never the provider's clock (pulumi-tls's ``early_renewal_hours`` reads
the machine's clock at refresh time, so a preview and its update could disagree).

The lifetimes, and why:

* **Client certificate: 90 days, renewed once it has 60 days or fewer left** (30 days after issue), at the next
  deploy. Re-issued from the same CA and re-imported into the *same* ACM certificate (terraform-provider-aws
  internal/service/acm/certificate.go: ``certificate_body``, ``private_key`` and ``certificate_chain`` are not
  ForceNew; Update calls ImportCertificate with the existing ARN), so neither the distribution nor the trust store
  changes. A re-import keeps the key type ("the key type and size cannot be changed", API ImportCertificate): a
  certificate of another key type goes to another ACM certificate (origin_mtls.py names it by key type). ACM does
  not renew imported certificates: a stack that is not deployed for 60 days after a renewal fell due presents an
  expired certificate, and the listener refuses CloudFront (the weekly workflow deploys; a lapse shows as CloudFront
  failing: ``make verify`` exit 4, and with monitoring the probe's and the 5xx alarms).
* **CA: 5 years, one generation per 360-day period of the calendar** (:data:`EPOCH`). Three generations are in
  the trust store, as three secret values are live during rotation: the one whose certificate CloudFront
  presents (``g``), the one before (``g-1``) and the next (``g+1``: trusted a whole period before CloudFront
  presents one of its certificates). Besides them the trust store keeps the CA of *every* certificate CloudFront may
  still present (the record's list: a re-import reaches CloudFront's edges without a signal, assumed within
  :data:`CA_SETTLE`), whichever CA source the settings name now; and the trust store is updated before the import
  (an explicit dependency), so whatever ACM holds is trusted before CloudFront can present it.
* **At most one CA step per deploy, from what is recorded**: the generation CloudFront's certificate comes from,
  never the calendar alone, and only once that certificate has been seen deployed for :data:`CA_SETTLE` (the
  previous switch has propagated). So a deploy after a long pause, or with the clock set ahead, takes one step.

With an AWS Private CA (``originMtlsPrivateCaArn``) there is one CA, the user's; only the client certificate is
renewed here (same rule), with a key of the CA's type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .auto_rotation import format_time, read_clock

# The calendar both periods count from (UTC).
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
CLIENT_VALIDITY = timedelta(days=90)
CLIENT_RENEW_WITHIN = timedelta(days=60)
# Renewal tokens change every such period (a renewal in the same period as the last reuses nothing: see _token).
CLIENT_PERIOD = timedelta(days=30)
CA_PERIOD = timedelta(days=360)
CA_VALIDITY = timedelta(days=5 * 365)
# How long CloudFront's edges may go on presenting a certificate after ACM's was re-imported (no signal says when
# they have all picked it up): an assumption, the review of issue 22 could not check it either.
CA_SETTLE = timedelta(days=1)

CLIENT_VALIDITY_HOURS = int(CLIENT_VALIDITY.total_seconds() // 3600)
CA_VALIDITY_HOURS = int(CA_VALIDITY.total_seconds() // 3600)

# Subjects: the organization marks the stack's own certificates; the CA's common name carries its generation, the
# client certificate's serialNumber attribute the renewal token.
ORGANIZATION = "cloudfront-origin-lockdown"
CLIENT_COMMON_NAME = "cloudfront-origin-mtls-client"
TOKEN = re.compile(r"(ca(0|[1-9][0-9]{0,5})|pca)-p(0|[1-9][0-9]{0,6})(-r)?")

# The key types CloudFront presents, by ACM's names (KeyAlgorithm in the ACM API: the record and the mocks use them):
# RSA 2048 or ECDSA P-256
# (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-certificate-management-certificate-manager.html).
ECDSA_P256 = "EC_prime256v1"
RSA_2048 = "RSA_2048"
KEY_TYPES = (ECDSA_P256, RSA_2048)


def ca_common_name(generation: int) -> str:
    return f"origin-mtls-ca-{generation}"


def deploy_clock() -> datetime:
    """The one place origin mTLS reads the clock: the deploy's clock, pinned for a deploy's preview and update
    alike (auto_rotation.read_clock: ORIGIN_LOCKDOWN_DEPLOY_TIME), as the secret rotation reads it."""
    return read_clock().now


def ca_generation_at(now: datetime) -> int:
    """The CA generation the calendar names at ``now`` (0 before the epoch)."""
    return max(0, math.floor((now - EPOCH) / CA_PERIOD))


def client_period_at(now: datetime) -> int:
    return max(0, math.floor((now - EPOCH) / CLIENT_PERIOD))


@dataclass(frozen=True)
class ClientCertificate:
    """One client certificate this component imported into ACM (what CloudFront may present): facts, never a key."""

    # Its renewal token (the subject's serialNumber attribute; it names the key, request and certificate resources).
    token: str
    not_before: datetime
    not_after: datetime
    # ACM's name of its key type (ECDSA_P256 or RSA_2048): a re-import must keep it.
    key_type: str
    # The stack CA generation that issued it, or the AWS Private CA (its ARN); exactly one is set.
    ca_generation: int | None = None
    private_ca_arn: str | None = None

    @property
    def issuer(self) -> str:
        return ca_common_name(self.ca_generation) if self.ca_generation is not None else f"{self.private_ca_arn}"


@dataclass(frozen=True)
class MtlsPlan:
    """What this deploy builds: the CAs (stack mode), the client certificate's token, what the trust store holds."""

    # The generation whose certificate CloudFront presents after this deploy (None with a Private CA).
    ca_generation: int | None
    # The generations of the stack's CA this deploy plans (g-1, g, g+1; none with a Private CA), oldest first.
    ca_window: tuple[int, ...]
    # Names the client certificate: a new token is a new key, request and certificate.
    client_token: str
    # The key type of the certificate this deploy imports (ECDSA_P256, or the Private CA's).
    key_type: str
    renews: bool
    ca_step: bool
    # Every stack CA generation the trust store holds: the window and the issuer of any certificate CloudFront may
    # still present (a switch to a Private CA keeps the stack's CA until CloudFront has moved), oldest first.
    trusted_generations: tuple[int, ...]
    # Private CAs (ARNs) the trust store keeps besides the configured one: issuers of certificates CloudFront may
    # still present (a switch between CA sources).
    kept_private_cas: tuple[str, ...]
    summary: str
    warning: str | None = None


def key_type_of(certificate_pem: str) -> str:
    """ACM's name of a certificate's key type (raises ValueError for one CloudFront does not present)."""
    key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048:
        return RSA_2048
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1":
        return ECDSA_P256
    raise ValueError(f"a client key of type {type(key).__name__}: CloudFront presents RSA 2048 or ECDSA P-256")


def client_certificate(
    certificate_pem: str, token: str, ca_generation: int | None, private_ca_arn: str | None
) -> ClientCertificate:
    """The facts of a client certificate this deploy built (its PEM, once issued)."""
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    return ClientCertificate(
        token=token,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        key_type=key_type_of(certificate_pem),
        ca_generation=ca_generation,
        private_ca_arn=private_ca_arn,
    )


def key_algorithm_of(ca_certificate_pem: str) -> tuple[str, str]:
    """(pulumi-tls algorithm, ACM PCA signing algorithm) of the client key a Private CA of this key type certifies:
    the client key follows the CA's type (an RSA CA signs with SHA256WITHRSA, an ECDSA CA with SHA256WITHECDSA,
    https://docs.aws.amazon.com/privateca/latest/APIReference/API_IssueCertificate.html: SigningAlgorithm must match
    the CA's key algorithm family), and CloudFront presents RSA 2048 or ECDSA P-256."""
    key = x509.load_pem_x509_certificate(ca_certificate_pem.encode()).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", "SHA256WITHRSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ECDSA", "SHA256WITHECDSA"
    raise ValueError(f"a CA key of type {type(key).__name__}: CloudFront presents RSA or ECDSA client certificates")


def key_type_for(algorithm: str) -> str:
    """ACM's key type of the client key pulumi-tls makes for ``algorithm`` (origin_mtls._client_key)."""
    return RSA_2048 if algorithm == "RSA" else ECDSA_P256


def plan_origin_mtls(
    now: datetime,
    deployed: ClientCertificate | None,
    private_ca_arn: str | None = None,
    key_type: str = ECDSA_P256,
    settled_since: datetime | None = None,
    may_be_presenting: Iterable[ClientCertificate] = (),
) -> MtlsPlan:
    """This deploy's CAs and client certificate (see the module's docstring for the rules).

    ``deployed``: the certificate ACM holds, or was last asked to hold (the record's latest import); ``private_ca_arn``
    the Private CA the settings name (None: the stack's CA), ``key_type`` the key type of a certificate issued now;
    ``settled_since``: since when CloudFront is known to present ``deployed`` at every edge (None: not known);
    ``may_be_presenting``: every certificate CloudFront may still present (their CAs stay trusted)."""
    period = client_period_at(now)
    presenting = tuple(may_be_presenting)
    warning = None
    if deployed is not None and now < deployed.not_before:
        warning = (
            f"origin mTLS: the clock ({format_time(now)}) is before the deployed client certificate was issued "
            f"({format_time(deployed.not_before)}): no CA step"
        )
    if private_ca_arn is not None:
        generation: int | None = None
        window: tuple[int, ...] = ()
        step = False
        prefix = "pca"
        same_source = deployed is not None and deployed.private_ca_arn == private_ca_arn
    else:
        generation, step = _generation(now, deployed, settled_since)
        window = tuple(g for g in (generation - 1, generation, generation + 1) if g >= 0)
        prefix = f"ca{generation}"
        same_source = deployed is not None and deployed.ca_generation == generation
    renews = (
        deployed is None
        or not same_source
        or deployed.key_type != key_type
        or deployed.not_after - now <= CLIENT_RENEW_WITHIN
        or not deployed.token.startswith(prefix + "-")
    )
    if renews:
        token = f"{prefix}-p{period}"
        if deployed is not None and deployed.token == token:
            token += "-r"
    else:
        assert deployed is not None
        token = deployed.token
    trusted = tuple(sorted({*window, *(c.ca_generation for c in presenting if c.ca_generation is not None)}))
    kept = tuple(
        sorted({c.private_ca_arn for c in presenting if c.private_ca_arn and c.private_ca_arn != private_ca_arn})
    )
    return MtlsPlan(
        ca_generation=generation,
        ca_window=window,
        client_token=token,
        key_type=key_type,
        renews=renews,
        ca_step=step,
        trusted_generations=trusted,
        kept_private_cas=kept,
        summary=_summary(now, deployed, generation, trusted, token, renews, step),
        warning=warning,
    )


def _generation(now: datetime, deployed: ClientCertificate | None, settled_since: datetime | None) -> tuple[int, bool]:
    """The generation to present: the calendar's, but at most one step past the deployed one, and only once
    CloudFront has been seen presenting the deployed certificate for CA_SETTLE."""
    calendar = ca_generation_at(now)
    if deployed is None or deployed.ca_generation is None:
        return calendar, False
    current = deployed.ca_generation
    if calendar > current and settled_since is not None and now - settled_since >= CA_SETTLE:
        return current + 1, True
    return current, False


def _summary(
    now: datetime,
    deployed: ClientCertificate | None,
    generation: int | None,
    trusted: Sequence[int],
    token: str,
    renews: bool,
    step: bool,
) -> str:
    source = "the AWS Private CA" if generation is None else f"CA generation {generation}"
    trust = f"; the listener trusts CA generations {', '.join(map(str, trusted))}" if trusted else ""
    if deployed is None:
        what = f"a client certificate from {source} is issued ({token})"
    elif renews:
        age = (now - deployed.not_before).total_seconds() / 86400
        why = "CA step" if step else f"{age:.0f} days old, expires {format_time(deployed.not_after)}"
        what = f"the client certificate is renewed from {source} ({token}; the deployed one: {why})"
    else:
        due = deployed.not_after - CLIENT_RENEW_WITHIN
        what = f"the client certificate from {source} is kept ({token}); renewal after {format_time(due)}"
    return f"origin mTLS: {what}{trust}"


def ca_pem_bundle(pems: Sequence[str]) -> str:
    """The trust store's CA bundle: each certificate once (by its DER), in order."""
    seen: set[bytes] = set()
    parts = []
    for pem in pems:
        for certificate in x509.load_pem_x509_certificates(pem.encode()):
            der = certificate.public_bytes(serialization.Encoding.DER)
            if der not in seen:
                seen.add(der)
                parts.append(certificate.public_bytes(serialization.Encoding.PEM).decode())
    return "".join(parts)

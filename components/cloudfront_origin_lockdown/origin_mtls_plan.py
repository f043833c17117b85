"""Origin mutual TLS: which CAs the listener trusts and which client certificate CloudFront presents, per deploy.

Pure functions of the deploy's clock (``now``, read once per run: :func:`deploy_clock`) and of what is deployed:
the client certificate ACM holds in us-east-1, which is what CloudFront presents (read before any resource is
registered, preflight.py; parsed here by :func:`read_deployed`). Never the provider's clock (pulumi-tls's
``early_renewal_hours`` reads the machine's clock at refresh time, so a preview and its update could disagree).

The lifetimes, and why:

* **Client certificate: 90 days, renewed once it has 60 days or fewer left** (30 days after issue), at the next
  deploy. Re-issued from the same CA and re-imported into the *same* ACM certificate (terraform-provider-aws
  internal/service/acm/certificate.go: ``certificate_body``, ``private_key`` and ``certificate_chain`` are not
  ForceNew; Update calls ImportCertificate with the existing ARN), so neither the distribution nor the trust store
  changes. ACM does not renew imported certificates: a stack that is not deployed for 60 days after a renewal
  fell due presents an expired certificate, and the listener refuses CloudFront (the weekly workflow deploys; a lapse
  shows as CloudFront failing: ``make verify`` exit 4, and with monitoring the probe's and the 5xx alarms).
* **CA: 5 years, one generation per 360-day period of the calendar** (:data:`EPOCH`). Three generations are in
  the trust store, as three secret values are live during rotation: the one whose certificate CloudFront
  presents (``g``), the one before (``g-1``: CloudFront may still present its certificate while the re-import
  propagates, which has no completion signal) and the next (``g+1``: trusted a whole period before CloudFront
  presents one of its certificates). A CA step moves the window by one: the trust store and the client
  certificate change in either order, each state trusts what CloudFront may present.
* **At most one CA step per deploy, from what is deployed**: the generation CloudFront's certificate comes from
  (its issuer), never the calendar alone, and only once that certificate is at least :data:`CA_SETTLE` old
  (the previous switch has propagated). So a deploy after a long pause, or with the clock set ahead, takes one
  step, and the generation CloudFront presents is always in the window.

With an AWS Private CA (``originMtlsPrivateCaArn``) there is one CA, the user's; only the client certificate is
renewed here (same rule). The certificate chain ACM holds is kept in the trust store whenever it is not one of the
CAs planned (a switch between CA sources, or a CA the window no longer holds): the listener keeps trusting what
CloudFront presents until the deploy after the switch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from .auto_rotation import format_time, read_clock

# The calendar both periods count from (UTC).
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
CLIENT_VALIDITY = timedelta(days=90)
CLIENT_RENEW_WITHIN = timedelta(days=60)
# Renewal tokens change every such period (a renewal in the same period as the last reuses nothing: see _token).
CLIENT_PERIOD = timedelta(days=30)
CA_PERIOD = timedelta(days=360)
CA_VALIDITY = timedelta(days=5 * 365)
CA_SETTLE = timedelta(days=1)

CLIENT_VALIDITY_HOURS = int(CLIENT_VALIDITY.total_seconds() // 3600)
CA_VALIDITY_HOURS = int(CA_VALIDITY.total_seconds() // 3600)

# Subjects: the organization marks the stack's own certificates; the CA's common name carries its generation, the
# client certificate's serialNumber attribute the renewal token (the lookup reads both back from ACM).
ORGANIZATION = "cloudfront-origin-lockdown"
CLIENT_COMMON_NAME = "cloudfront-origin-mtls-client"
_CA_COMMON_NAME = re.compile(r"origin-mtls-ca-(0|[1-9][0-9]{0,5})")
_TOKEN = re.compile(r"(ca(0|[1-9][0-9]{0,5})|pca)-p(0|[1-9][0-9]{0,6})(-r)?")


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
class DeployedClientCertificate:
    """The client certificate ACM holds (what CloudFront presents), as read back before this deploy."""

    not_before: datetime
    not_after: datetime
    # The renewal token of one of this stack's certificates (its serialNumber attribute); None for any other.
    token: str | None
    # The generation of the stack's CA that issued it; None when another CA did (a Private CA).
    ca_generation: int | None
    # The CA certificates of its chain (PEM), as ACM holds them.
    chain: tuple[str, ...] = ()


@dataclass(frozen=True)
class MtlsPlan:
    """What this deploy builds: the CAs (stack mode), the client certificate's token, what the trust store holds."""

    # The generation whose certificate CloudFront presents after this deploy (None with a Private CA).
    ca_generation: int | None
    # Every generation of the stack's CA this deploy keeps (and trusts), oldest first.
    ca_window: tuple[int, ...]
    # Names the client certificate: a new token is a new key, request and certificate.
    client_token: str
    renews: bool
    ca_step: bool
    # CA certificates (PEM) the listener must keep trusting besides the planned ones: the deployed chain when it is
    # not one of them.
    kept_chain: tuple[str, ...]
    summary: str
    warning: str | None = None


def read_deployed(certificate_pem: str, chain_pem: str | None) -> DeployedClientCertificate:
    """Parse what ACM returns for the deployed client certificate (raises ValueError when it is not a certificate)."""
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    chain = tuple(
        c.public_bytes(serialization.Encoding.PEM).decode()
        for c in (x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem and chain_pem.strip() else [])
    )
    token = _attribute(certificate.subject, NameOID.SERIAL_NUMBER)
    ours = _attribute(certificate.subject, NameOID.ORGANIZATION_NAME) == ORGANIZATION
    issuer_ours = _attribute(certificate.issuer, NameOID.ORGANIZATION_NAME) == ORGANIZATION
    issuer_name = _attribute(certificate.issuer, NameOID.COMMON_NAME) or ""
    match = _CA_COMMON_NAME.fullmatch(issuer_name)
    return DeployedClientCertificate(
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        token=token if ours and token is not None and _TOKEN.fullmatch(token) else None,
        ca_generation=int(match.group(1)) if issuer_ours and match else None,
        chain=chain,
    )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    value = values[0].value if values else None
    return value if isinstance(value, str) else None


def key_algorithm_of(ca_certificate_pem: str) -> tuple[str, str]:
    """(pulumi-tls algorithm, ACM PCA signing algorithm) for a client key a CA of this key type may certify: ACM
    imports a certificate only when its key algorithm matches the signing CA's, and CloudFront presents RSA 2048 or
    ECDSA P-256 (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-certificate-management-certificate-manager.html)."""
    key = x509.load_pem_x509_certificate(ca_certificate_pem.encode()).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", "SHA256WITHRSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ECDSA", "SHA256WITHECDSA"
    raise ValueError(f"a CA key of type {type(key).__name__}: CloudFront presents RSA or ECDSA client certificates")


def plan_origin_mtls(
    now: datetime,
    deployed: DeployedClientCertificate | None,
    private_ca: bool,
    private_ca_certificate: str | None = None,
) -> MtlsPlan:
    """This deploy's CAs and client certificate (see the module's docstring for the rules). With a Private CA,
    ``private_ca_certificate`` is its certificate: a deployed certificate whose chain lacks it came from another CA
    and is renewed from this one."""
    period = client_period_at(now)
    warning = None
    if deployed is not None and now < deployed.not_before:
        warning = (
            f"origin mTLS: the clock ({format_time(now)}) is before the deployed client certificate was issued "
            f"({format_time(deployed.not_before)}): no CA step"
        )
    if private_ca:
        generation: int | None = None
        window: tuple[int, ...] = ()
        step = False
        prefix = "pca"
        same_source = (
            deployed is not None
            and deployed.token is not None
            and deployed.token.startswith("pca-")
            and (private_ca_certificate is None or _same_ca(private_ca_certificate, deployed.chain))
        )
    else:
        generation, step = _generation(now, deployed)
        window = tuple(g for g in (generation - 1, generation, generation + 1) if g >= 0)
        prefix = f"ca{generation}"
        same_source = deployed is not None and deployed.ca_generation == generation and deployed.token is not None
    renews = (
        deployed is None
        or not same_source
        or deployed.not_after - now <= CLIENT_RENEW_WITHIN
        or (deployed.token is not None and not deployed.token.startswith(prefix + "-"))
    )
    if renews:
        token = f"{prefix}-p{period}"
        if deployed is not None and deployed.token == token:
            token += "-r"
    else:
        assert deployed is not None and deployed.token is not None
        token = deployed.token
    kept: tuple[str, ...] = ()
    if deployed is not None and (private_ca or deployed.ca_generation not in window):
        # Another CA issued what CloudFront presents (a Private CA, the stack's CA before a switch, a generation
        # outside the window): keep trusting its chain until CloudFront presents the new certificate.
        kept = deployed.chain
    return MtlsPlan(
        ca_generation=generation,
        ca_window=window,
        client_token=token,
        renews=renews,
        ca_step=step,
        kept_chain=kept,
        summary=_summary(now, deployed, generation, window, token, renews, step),
        warning=warning,
    )


def _same_ca(ca_certificate: str, chain: Sequence[str]) -> bool:
    """Whether ``chain`` (PEM certificates) holds ``ca_certificate``."""
    wanted = x509.load_pem_x509_certificate(ca_certificate.encode()).public_bytes(serialization.Encoding.DER)
    return any(
        c.public_bytes(serialization.Encoding.DER) == wanted
        for pem in chain
        for c in x509.load_pem_x509_certificates(pem.encode())
    )


def _generation(now: datetime, deployed: DeployedClientCertificate | None) -> tuple[int, bool]:
    """The generation to present: the calendar's, but at most one step past the deployed one, and only once the
    deployed certificate has settled."""
    calendar = ca_generation_at(now)
    if deployed is None or deployed.ca_generation is None:
        return calendar, False
    current = deployed.ca_generation
    if calendar > current and now - deployed.not_before >= CA_SETTLE:
        return current + 1, True
    return current, False


def _summary(
    now: datetime,
    deployed: DeployedClientCertificate | None,
    generation: int | None,
    window: Sequence[int],
    token: str,
    renews: bool,
    step: bool,
) -> str:
    source = "the AWS Private CA" if generation is None else f"CA generation {generation}"
    trust = "" if generation is None else f"; the listener trusts CA generations {', '.join(map(str, window))}"
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

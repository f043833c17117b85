"""Real keys and certificates for mocks: what pulumi-tls and AWS Private CA answer, made with ``cryptography``.

The package's testing helper (testing.py) and this repository's engine-like mocks (offline/mocks.py) hand these
out as the outputs of ``tls:index/privateKey:PrivateKey``, ``selfSignedCert``, ``certRequest``,
``locallySignedCert`` and ``aws:acmpca/certificate:Certificate`` (mock_outputs.py), so a test can load the CA
bundle into a real TLS server and connect with the client certificate the program built.

They honour what the program asks for: the key algorithm and size, the subject, the validity in hours (from the
program's clock, ``ORIGIN_LOCKDOWN_NOW``, the way the provider starts it at its own now), CA basic constraints, the
key usages and extended key usages (pulumi-tls's ``allowed_uses`` names). They are deterministic: an ECDSA key is
derived from the resource's name (and how many resources the engine created before, as a replaced password gets a
new value), and certificates are signed deterministically (RFC 6979), so two runs of the program agree where the
engine would keep the state. RSA keys (a Private CA with an RSA key) are random but cached by name in the process.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pulumi.runtime.rpc import UNKNOWN

PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
CERT_REQUEST = "tls:index/certRequest:CertRequest"
LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
PCA_CERTIFICATE = "aws:acmpca/certificate:Certificate"
TYPES = frozenset({PRIVATE_KEY, SELF_SIGNED, CERT_REQUEST, LOCALLY_SIGNED, PCA_CERTIFICATE})
CLOCK_VARIABLE = "ORIGIN_LOCKDOWN_NOW"

_Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
_RSA_CACHE: dict[str, rsa.RSAPrivateKey] = {}

# pulumi-tls's allowed_uses -> key usage flags / extended key usages
# (https://registry.terraform.io/providers/hashicorp/tls/latest/docs/resources/self_signed_cert#allowed_uses).
_KEY_USAGES = {
    "digital_signature": "digital_signature",
    "content_commitment": "content_commitment",
    "key_encipherment": "key_encipherment",
    "data_encipherment": "data_encipherment",
    "key_agreement": "key_agreement",
    "cert_signing": "key_cert_sign",
    "crl_signing": "crl_sign",
    "encipher_only": "encipher_only",
    "decipher_only": "decipher_only",
}
_EXTENDED = {
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code_signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email_protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp_signing": ExtendedKeyUsageOID.OCSP_SIGNING,
}
_SUBJECT_FIELDS = {
    "commonName": NameOID.COMMON_NAME,
    "organization": NameOID.ORGANIZATION_NAME,
    "organizationalUnit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "country": NameOID.COUNTRY_NAME,
    "locality": NameOID.LOCALITY_NAME,
    "province": NameOID.STATE_OR_PROVINCE_NAME,
}
# The mocks' AWS Private CAs, by ARN: general-purpose roots, the same in every run of a process (an ECDSA key is
# derived from its seed; an RSA key is generated once per process). Two ECDSA ones (a switch from one Private CA to
# another) and an RSA one (a switch of key type: ACM re-imports only the same key type).
MOCK_PRIVATE_CA_ARN = (
    "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555"
)
MOCK_OTHER_PRIVATE_CA_ARN = (
    "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/22222222-3333-4444-5555-666666666666"
)
MOCK_RSA_PRIVATE_CA_ARN = (
    "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/33333333-4444-5555-6666-777777777777"
)
MOCK_SHORT_LIVED_CA_ARN = (
    "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/66666666-7777-8888-9999-000000000000"
)
# ARN -> (key seed, key algorithm, common name).
_PRIVATE_CAS: Mapping[str, tuple[str, str, str]] = {
    MOCK_PRIVATE_CA_ARN: ("mock-private-ca", "ECDSA", "Mock Private CA"),
    MOCK_OTHER_PRIVATE_CA_ARN: ("mock-private-ca-2", "ECDSA", "Mock Private CA 2"),
    MOCK_RSA_PRIVATE_CA_ARN: ("mock-private-ca-rsa", "RSA", "Mock RSA Private CA"),
    MOCK_SHORT_LIVED_CA_ARN: ("mock-private-ca-short-lived", "ECDSA", "Mock short-lived CA"),
}
MOCK_PRIVATE_CA_SEED = _PRIVATE_CAS[MOCK_PRIVATE_CA_ARN][0]


def program_now() -> datetime:
    """The program's clock as the provider would see it (whole seconds, so that two runs agree)."""
    raw = os.environ.get(CLOCK_VARIABLE, "").strip()
    if raw:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _known(*values: Any) -> bool:
    return all(value not in (None, "", UNKNOWN) for value in values)


def ecdsa_key(seed: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big") % (2**255 - 19) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def _pem(key: _Key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def _load_key(pem: str) -> _Key:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError("the mocks sign with ECDSA or RSA keys")
    return key


def _sign(builder: Any, key: _Key) -> Any:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    return builder.sign(key, hashes.SHA256())


def _subject(subject: Any) -> x509.Name:
    fields = subject[0] if isinstance(subject, list) and subject else subject
    attributes = []
    for key, oid in _SUBJECT_FIELDS.items():
        value = (fields or {}).get(key) if isinstance(fields, Mapping) else None
        if isinstance(value, str) and value:
            attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


def _serial(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:16], "big") >> 1


def _usages(builder: x509.CertificateBuilder, allowed: Any, is_ca: bool) -> x509.CertificateBuilder:
    uses = [str(u) for u in allowed or []]
    flags = {value: False for value in _KEY_USAGES.values()}
    for use in uses:
        if use in _KEY_USAGES:
            flags[_KEY_USAGES[use]] = True
    if any(flags.values()):
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    extended = [_EXTENDED[use] for use in uses if use in _EXTENDED]
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    return builder.add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)


def _validity(builder: x509.CertificateBuilder, hours: Any) -> tuple[x509.CertificateBuilder, datetime, datetime]:
    start = program_now()
    end = start + timedelta(hours=int(hours or 0))
    return builder.not_valid_before(start).not_valid_after(end), start, end


def _times(start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "validityStartTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validityEndTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "readyForRenewal": False,
    }


def private_key(name: str, inputs: Mapping[str, Any], salt: str) -> dict[str, Any]:
    algorithm = inputs.get("algorithm") or "RSA"
    key: _Key
    if algorithm == "ECDSA":
        if (inputs.get("ecdsaCurve") or "P224") != "P256":
            raise ValueError("the mocks make P256 ECDSA keys only (CloudFront's origin mTLS takes P-256)")
        key = ecdsa_key(f"tls-key/{name}{salt}")
    elif algorithm == "RSA":
        cache = f"{name}{salt}/{inputs.get('rsaBits') or 2048}"
        if cache not in _RSA_CACHE:
            _RSA_CACHE[cache] = rsa.generate_private_key(65537, int(inputs.get("rsaBits") or 2048))
        key = _RSA_CACHE[cache]
    else:
        raise ValueError(f"the mocks make ECDSA and RSA keys, not {algorithm}")
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "privateKeyPem": _pem(key),
        "privateKeyPemPkcs8": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "publicKeyPem": public.decode(),
        "publicKeyFingerprintSha256": "SHA256:" + hashlib.sha256(public).hexdigest(),
    }


def self_signed(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    if not _known(inputs.get("privateKeyPem")):
        return {}
    key = _load_key(str(inputs["privateKeyPem"]))
    subject = _subject(inputs.get("subject"))
    builder = x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
    builder, start, end = _validity(
        builder.serial_number(_serial(name, str(inputs["privateKeyPem"]))), inputs.get("validityPeriodHours")
    )
    is_ca = bool(inputs.get("isCaCertificate"))
    builder = _usages(builder, inputs.get("allowedUses"), is_ca)
    if inputs.get("setSubjectKeyId"):
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    certificate = _sign(builder, key)
    return {"certPem": certificate.public_bytes(serialization.Encoding.PEM).decode(), **_times(start, end)}


def cert_request(inputs: Mapping[str, Any]) -> dict[str, Any]:
    if not _known(inputs.get("privateKeyPem")):
        return {}
    key = _load_key(str(inputs["privateKeyPem"]))
    request = _sign(x509.CertificateSigningRequestBuilder().subject_name(_subject(inputs.get("subject"))), key)
    return {"certRequestPem": request.public_bytes(serialization.Encoding.PEM).decode()}


def _issue(
    name: str, request_pem: str, ca_pem: str, ca_key: _Key, hours: Any, allowed: Any, is_ca: bool
) -> tuple[x509.Certificate, datetime, datetime]:
    request = x509.load_pem_x509_csr(request_pem.encode())
    issuer = x509.load_pem_x509_certificate(ca_pem.encode())
    builder = (
        x509.CertificateBuilder()
        .subject_name(request.subject)
        .issuer_name(issuer.subject)
        .public_key(request.public_key())
        .serial_number(_serial(name, request_pem))
    )
    builder, start, end = _validity(builder, hours)
    builder = _usages(builder, allowed, is_ca)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
    )
    return _sign(builder, ca_key), start, end


def locally_signed(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    needed = (inputs.get("certRequestPem"), inputs.get("caCertPem"), inputs.get("caPrivateKeyPem"))
    if not _known(*needed):
        return {}
    certificate, start, end = _issue(
        name,
        str(inputs["certRequestPem"]),
        str(inputs["caCertPem"]),
        _load_key(str(inputs["caPrivateKeyPem"])),
        inputs.get("validityPeriodHours"),
        inputs.get("allowedUses"),
        bool(inputs.get("isCaCertificate")),
    )
    return {"certPem": certificate.public_bytes(serialization.Encoding.PEM).decode(), **_times(start, end)}


def mock_private_ca(arn: str = MOCK_PRIVATE_CA_ARN) -> tuple[_Key, str]:
    """One of the mocks' AWS Private CAs: its key and self-signed certificate (a general-purpose root)."""
    if arn not in _PRIVATE_CAS:
        raise ValueError(f"the mocks know no Private CA {arn}")
    seed, algorithm, common_name = _PRIVATE_CAS[arn]
    key: _Key
    if algorithm == "RSA":
        if seed not in _RSA_CACHE:
            _RSA_CACHE[seed] = rsa.generate_private_key(65537, 2048)
        key = _RSA_CACHE[seed]
    else:
        key = ecdsa_key(seed)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
    )
    builder = _usages(builder, ["cert_signing", "crl_signing"], True)
    return key, _sign(builder, key).public_bytes(serialization.Encoding.PEM).decode()


def private_ca_certificate(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``aws.acmpca.Certificate``: the mock Private CA signs the request with the template's client-auth usages."""
    if not _known(inputs.get("certificateSigningRequest")):
        return {}
    key, ca_pem = mock_private_ca(str(inputs.get("certificateAuthorityArn")))
    validity = inputs.get("validity") or {}
    days = int(validity.get("value") or 0) if validity.get("type") == "DAYS" else 0
    template = str(inputs.get("templateArn") or "")
    uses = ["digital_signature", "client_auth"] if "EndEntityClientAuthCertificate" in template else ["server_auth"]
    certificate, _, _ = _issue(
        name, str(inputs["certificateSigningRequest"]), ca_pem, key, days * 24, uses, is_ca=False
    )
    return {"certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(), "certificateChain": ca_pem}


# What each type computes (unknown at preview, as before the provider ran).
COMPUTED = {
    PRIVATE_KEY: ("privateKeyPem", "privateKeyPemPkcs8", "publicKeyPem", "publicKeyFingerprintSha256"),
    SELF_SIGNED: ("certPem", "validityStartTime", "validityEndTime", "readyForRenewal"),
    CERT_REQUEST: ("certRequestPem",),
    LOCALLY_SIGNED: ("certPem", "validityStartTime", "validityEndTime", "readyForRenewal"),
    PCA_CERTIFICATE: ("certificate", "certificateChain"),
}


def outputs(typ: str, name: str, inputs: Mapping[str, Any], salt: str) -> dict[str, Any]:
    """The outputs the provider computes for one of :data:`TYPES` (unknown while an input is not known yet)."""
    if typ == PRIVATE_KEY:
        found = private_key(name, inputs, salt)
    elif typ == SELF_SIGNED:
        found = self_signed(name, inputs)
    elif typ == CERT_REQUEST:
        found = cert_request(inputs)
    elif typ == LOCALLY_SIGNED:
        found = locally_signed(name, inputs)
    else:
        found = private_ca_certificate(name, inputs)
    return found or dict.fromkeys(COMPUTED[typ], UNKNOWN)

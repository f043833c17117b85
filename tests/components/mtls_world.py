"""Helpers for the origin mTLS tests: the program's runs with origin mTLS, and a real TLS server on loopback that
verifies client certificates against a CA bundle, as the ALB's listener in verify mode does."""

from __future__ import annotations

import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from offline.mocks import EngineState, operate
from offline.snapshot import ProgramRun, reveal

TLS: dict[str, Any] = {"architecture": "alb", "originDomain": "origin.example.com", "hostedZoneId": "Z0123456789ABC"}
MTLS: dict[str, Any] = {**TLS, "originMtls": True}
LISTENER = "aws:lb/listener:Listener"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
ACM = "aws:acm/certificate:Certificate"
CLIENT_CERTIFICATE = "origin-mtls-client"
TRUST_STORE = "aws:lb/trustStore:TrustStore"
BUCKET = "aws:s3/bucket:Bucket"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
# The deploys' clock: yesterday, so that the certificates they issue are valid for a real TLS server (which checks
# them against the machine's clock, as the listener does); tests that depend on the calendar compute it.
NOW = datetime.now(timezone.utc).replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=1)

_runs: dict[str, tuple[ProgramRun, ProgramRun, EngineState]] = {}


def deploys(config: dict[str, Any] | None = None, now: datetime = NOW) -> tuple[ProgramRun, ProgramRun, EngineState]:
    """Two `pulumi up` with the engine's state between them: the first with origin mTLS (CloudFront presents) and
    the next a day later (the listener verifies); and the state after them."""
    config = config or MTLS
    key = repr(sorted(config.items())) + now.isoformat()
    if key not in _runs:
        first = operate("up", config, now=now)
        assert first.error is None, first.error
        second = operate("up", config, first.after, now=now + timedelta(days=1))
        assert second.error is None, second.error
        _runs[key] = (first.run, second.run, second.after)
    return _runs[key]


def deployed_pair(config: dict[str, Any] | None = None, now: datetime = NOW) -> tuple[ProgramRun, ProgramRun]:
    first, second, _ = deploys(config, now)
    return first, second


def inputs(run: ProgramRun, type_token: str, name: str | None = None) -> dict[str, Any]:
    found = [r for r in run.of_type(type_token) if name is None or r.name == name]
    assert len(found) == 1, [r.name for r in run.of_type(type_token)]
    return dict(reveal(dict(found[0].inputs)))


def outputs(run: ProgramRun, type_token: str, name: str | None = None) -> dict[str, Any]:
    found = [r for r in run.of_type(type_token) if name is None or r.name == name]
    assert len(found) == 1, [r.name for r in run.of_type(type_token)]
    return dict(reveal(dict(found[0].outputs)))


@dataclass(frozen=True)
class Identity:
    """A certificate and its key, as PEM files for ssl."""

    certificate: Path
    key: Path


def write_identity(directory: Path, name: str, certificate_pem: str, key_pem: str) -> Identity:
    certificate, key = directory / f"{name}.pem", directory / f"{name}.key"
    certificate.write_text(certificate_pem)
    key.write_text(key_pem)
    return Identity(certificate, key)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issue(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, common_name: str, usage: x509.ObjectIdentifier
) -> tuple[str, str]:
    """(certificate PEM, key PEM) of a leaf signed by ``ca`` with extended key usage ``usage``."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if usage == ExtendedKeyUsageOID.SERVER_AUTH:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
    certificate = builder.sign(ca_key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem


@dataclass(frozen=True)
class LoopbackServer:
    port: int
    # The CA that signed the server's own certificate (clients verify the server against it).
    server_ca: Path


def _linger(raw: socket.socket) -> None:
    """Close after a refused handshake the way a careful server does: read what the client already sent (its
    request) until it closes, so the kernel does not answer unread data with a reset that would discard the alert."""
    try:
        socket.socket.shutdown(raw, socket.SHUT_WR)
        raw.settimeout(0.5)
        while socket.socket.recv(raw, 4096):
            pass
    except OSError:
        pass
    finally:
        socket.socket.close(raw)


@contextmanager
def mtls_server(
    client_ca_bundle: str | None, maximum_version: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED
) -> Iterator[LoopbackServer]:
    """An HTTPS server on 127.0.0.1 that requires a client certificate chaining to ``client_ca_bundle`` (the trust
    store's CA bundle), as an ALB listener in verify mode; ``None``: no client certificate asked (mTLS off). It
    answers 200 to any request that got through the handshake. ``maximum_version``: TLS 1.2 for a listener whose
    policy offers no TLS 1.3 (a refusal is then a handshake_failure alert, not certificate_required)."""
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        ca_key, ca = make_ca("loopback server CA")
        server_ca = directory / "server-ca.pem"
        server_ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        certificate, key = issue(ca_key, ca, "localhost", ExtendedKeyUsageOID.SERVER_AUTH)
        identity = write_identity(directory, "server", certificate, key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.maximum_version = maximum_version
        context.load_cert_chain(identity.certificate, identity.key)
        if client_ca_bundle is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=client_ca_bundle)
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.2)
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    raw, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                raw.settimeout(2)
                connection = context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
                try:
                    connection.do_handshake()
                    connection.recv(4096)
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    connection.close()
                except (OSError, ssl.SSLError):
                    _linger(connection)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield LoopbackServer(listener.getsockname()[1], server_ca)
        finally:
            stop.set()
            thread.join(timeout=5)
            listener.close()


def request(server: LoopbackServer, client: Identity | None) -> int | str:
    """GET / over TLS with ``client``'s certificate (or none): the status, or what refused it."""
    context = ssl.create_default_context(cafile=str(server.server_ca))
    if client is not None:
        context.load_cert_chain(client.certificate, client.key)
    try:
        with (
            socket.create_connection(("127.0.0.1", server.port), timeout=3) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as connection,
        ):
            connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = connection.recv(4096)
            if not answer:
                return "closed without an answer"
            return int(answer.split(b" ", 2)[1])
    except ssl.SSLError as error:
        return f"TLS: {error.reason}"
    except OSError as error:
        return f"connection: {type(error).__name__}"

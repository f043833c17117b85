"""The origin probe: is the origin reachable only through CloudFront? One logic, two shells.

``make verify`` (tools/verify_origin.py, after a deploy, from the operator's machine) and the continuous probe
(lambda_handler.py, every few minutes inside the stack's account) run the same checks from this module:

1. ``cloudfront``: GET ``url`` (through CloudFront) answers 2xx/3xx; retried with bounded backoff,
   since a freshly deployed distribution can take a while to answer.
2. ``origin-no-header``: GET ``originUrl`` directly, without the secret header: locked when the origin
   answers 403 or does not answer at all (timeout, refused, reset: the security group drops traffic
   that is not from CloudFront, the common case).
3. ``origin-wrong-header``: the same with a random, clearly fake value of ``originHeaderName``.

With origin mutual TLS verified (stack output ``originMtls``: ``verified``) a fourth check runs,
``origin-no-client-certificate``: a direct request without CloudFront's client certificate must be refused at the TLS
handshake. Only a refusal that can be put down to the missing certificate counts: TLS 1.3's ``certificate_required``
alert (RFC 8446 section 4.4.2.4: sent by a server that wanted a certificate and got none), or, after the server was
seen asking for one (a CertificateRequest in the handshake, observed through the ssl module's message callback), a
``handshake_failure`` or ``bad_certificate`` alert (TLS 1.2's way, RFC 5246 section 7.4.6) or the session closed.
A handshake that completes without a certificate fails the check, whatever the answer (a 403 from the header check
too): the listener did not ask for the certificate, or went on without one. No connection at all (a security group
dropping this probe) passes, as in the other direct checks. In checks 2 and 3 such a refusal counts as locked only
when the stack says the listener verifies; otherwise it is inconclusive (the header check was never reached), and a
handshake failure the probe cannot attribute (no CertificateRequest seen: a cipher or protocol mismatch) is a TLS
error, inconclusive, never "locked".

With ``vpcOrigin`` (the origin sits in private subnets behind a CloudFront VPC origin) checks 2 and 3 are
replaced by ``origin-no-public-address``: the origin's host name must not resolve to any public address
(private addresses only, or no answer from public DNS at all). The probe never connects to a private
address: from here that would reach this machine's own network, not the VPC. If the name does resolve to
a public address, that is a failure and checks 2 and 3 run against it as usual.

It never needs the secret and never sends it. The verdict logic is pure (``classify_*``, ``verdict``);
the network shell (``http_fetch``) is thin: http.client with a separate connect timeout, certificates
verified against the URL's host name for https.

Standard library only, and no import of the rest of the package: the Lambda function's code is this folder
(monitoring.py packages it), and it runs on Lambda's Python runtime without any dependency.

Exit codes (the verdict): 0 locked and CloudFront works; 3 origin open; 4 CloudFront failing; 5 could not
read the outputs; 6 origin could not be probed (DNS, TLS or protocol error; inconclusive); 2 usage.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import ipaddress
import json
import os
import re
import secrets
import selectors
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_ORIGIN_OPEN = 3
EXIT_CLOUDFRONT_FAILING = 4
EXIT_OUTPUTS_UNREADABLE = 5
EXIT_INCONCLUSIVE = 6

VERDICTS = {
    EXIT_OK: "LOCKED: the origin answers only through CloudFront",
    EXIT_ORIGIN_OPEN: "OPEN: the origin is reachable without the secret",
    EXIT_CLOUDFRONT_FAILING: "BROKEN: the origin is locked but CloudFront does not serve it",
    EXIT_OUTPUTS_UNREADABLE: "UNKNOWN: could not read the stack outputs",
    EXIT_INCONCLUSIVE: "UNKNOWN: the origin could not be probed",
}

# Outcome kinds of a request that got no HTTP response.
TIMEOUT, REFUSED, RESET, UNREACHABLE = "timeout", "refused", "reset", "unreachable"
DNS, TLS, PROTOCOL, OTHER = "dns", "tls", "protocol", "other"
# The origin ended the TLS handshake because the client presented no (acceptable) certificate: mutual TLS refused it.
CLIENT_CERTIFICATE = "client-certificate"
NO_CONNECTION = frozenset({TIMEOUT, REFUSED, RESET, UNREACHABLE})
ERROR_KINDS = NO_CONNECTION | {DNS, TLS, PROTOCOL, OTHER, CLIENT_CERTIFICATE}
# OpenSSL's names for the alerts a server sends when it wants a client certificate it did not get: TLS 1.3's
# certificate_required (RFC 8446 section 4.4.2.4: that reason only), and TLS 1.2's handshake_failure or
# bad_certificate, which other failures send too (a cipher or protocol mismatch): those count only after the server
# was seen asking for a certificate.
CERTIFICATE_REQUIRED_ALERT = "TLSV13_ALERT_CERTIFICATE_REQUIRED"
AMBIGUOUS_ALERTS = frozenset({"SSLV3_ALERT_HANDSHAKE_FAILURE", "SSLV3_ALERT_BAD_CERTIFICATE"})
CLIENT_CERTIFICATE_ALERTS = AMBIGUOUS_ALERTS | {CERTIFICATE_REQUIRED_ALERT}
# The handshake message a server asks for a client certificate with: certificate_request(13) (RFC 8446 section 4,
# RFC 5246 section 7.4), and the record type of handshake messages, handshake(22).
CERTIFICATE_REQUEST = 13
HANDSHAKE_RECORD = 22
# The stack output originMtls: off, presented (CloudFront presents, the listener does not verify yet), verified.
MTLS_STATES = ("off", "presented", "verified")

REQUIRED_OUTPUTS = ("url", "originUrl", "originHeaderName")
HEADER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,254}[A-Za-z0-9])?")
USER_AGENT = "cloudfront-origin-lockdown-verify/1"
SECRET_PLACEHOLDER = "[secret]"


class OutputsError(Exception):
    """The stack outputs are missing, unreadable or do not hold what the probe needs."""


@dataclass(frozen=True)
class StackOutputs:
    """The part of the stack outputs contract the probe uses."""

    url: str
    origin_url: str
    header_name: str
    architecture: str = "unknown"
    origin_address: str = ""
    vpc_origin: bool = False
    origin_mtls: str = "off"


@dataclass(frozen=True)
class Outcome:
    """What one request got: an HTTP status, or an error kind (one of ERROR_KINDS) and a detail."""

    status: int | None = None
    error: str | None = None
    detail: str = ""
    server: str = ""
    # The TCP connection was established before the error (e.g. a TLS error, or no answer in time).
    connected: bool = False
    # Whether the server asked for a client certificate during the TLS handshake (a CertificateRequest seen); None
    # when that could not be observed (no TLS, or no message callback in this Python).
    certificate_requested: bool | None = None

    def describe(self) -> str:
        if self.status is not None:
            reason = http.client.responses.get(self.status, "")
            text = f"answered {self.status} {reason}".rstrip()
            return f"{text} (server: {self.server})" if self.server else text
        return f"{self.error}: {self.detail}" if self.detail else str(self.error)


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    name: str
    url: str
    passed: bool
    reason: str
    kind: str  # "ok", "open", "cloudfront", "inconclusive"
    outcome: Outcome = field(default_factory=Outcome)
    attempts: int = 1
    note: str = ""


@dataclass(frozen=True)
class ProbeOptions:
    connect_timeout: float = 5.0  # direct origin probe: a dropped SYN should not hold us long
    cloudfront_connect_timeout: float = 10.0
    read_timeout: float = 15.0
    attempts: int = 6  # CloudFront tries
    backoff: float = 2.0  # first wait; doubles, capped by max_backoff
    max_backoff: float = 30.0
    max_wait: float = 180.0  # total budget for the CloudFront retries
    ca_file: str | None = None


# --- pure verdict logic ------------------------------------------------------------------------


def classify_cloudfront(outcome: Outcome) -> tuple[bool, str]:
    """(passed, why) for the request through CloudFront."""
    status = outcome.status
    if status is not None:
        if 200 <= status < 400:
            return True, f"CloudFront {outcome.describe()}"
        if status == 403:
            return False, (
                f"CloudFront {outcome.describe()}: the origin (or a WAF) refused CloudFront's request; "
                "is CloudFront sending a secret the origin accepts?"
            )
        if status in (502, 504):
            return False, (
                f"CloudFront {outcome.describe()}: it could not reach the origin; do the security groups "
                "admit CloudFront's prefix list on the origin port, and is the app up?"
            )
        return False, f"CloudFront {outcome.describe()}; expected 2xx or 3xx"
    return False, f"no answer through CloudFront ({outcome.describe()})"


def classify_origin(outcome: Outcome, mtls: bool = False) -> tuple[str, str, str]:
    """(kind, why, note) for a direct request without the right secret.

    kind is "ok" (locked), "open" (served without the secret) or "inconclusive". A refusal at the TLS handshake for
    want of a client certificate is "ok" only with ``mtls`` (the stack says the listener verifies client
    certificates): then it is what locks the origin. Without it the header check was never reached: inconclusive.
    """
    refused = refused_for_want_of_a_certificate(outcome)
    if refused is not None:
        if mtls:
            return "ok", f"refused at the TLS handshake without a client certificate ({refused})", ""
        return (
            "inconclusive",
            f"the origin refused the TLS handshake for want of a client certificate ({refused}), but the stack does "
            "not say origin mTLS is verified: the header check was not reached",
            "",
        )
    if outcome.status == 403:
        return (
            "ok",
            f"origin {outcome.describe()}: the header check refused it",
            "the network let this probe reach the origin, so only the header check protects it "
            "(check the security groups unless you probe from inside an allowed range)",
        )
    if outcome.status is not None:
        return "open", f"origin reachable without the secret: {outcome.describe()}", ""
    if outcome.error in NO_CONNECTION:
        return "ok", f"no connection ({outcome.describe()}): not reachable from here", ""
    return "inconclusive", f"could not probe the origin ({outcome.describe()})", ""


def refused_for_want_of_a_certificate(outcome: Outcome) -> str | None:
    """Why ``outcome`` is a TLS handshake the origin refused because no client certificate came, or None when it is
    not, or cannot be told apart from another failure: TLS 1.3's certificate_required alert, or an alert or a closed
    session after the server was seen asking for a certificate."""
    if outcome.error == CLIENT_CERTIFICATE:
        return outcome.detail
    after_a_request = outcome.certificate_requested and outcome.status is None and outcome.connected
    if after_a_request and outcome.error in (TLS, RESET, PROTOCOL):
        return f"the server asked for a client certificate, then {outcome.describe()}"
    return None


def client_certificate_check(url: str, outcome: Outcome) -> CheckResult:
    """``origin-no-client-certificate``: with origin mTLS verified, a request without CloudFront's certificate must
    be refused at the handshake for want of it. A completed handshake fails the check whatever the answer: a 403 from
    the header check means the listener did not ask for the certificate (or went on without it)."""
    name = "origin-no-client-certificate"
    if outcome.status is not None:
        if outcome.certificate_requested:
            why = "the listener asked for a client certificate but went on without one"
        else:
            why = "the listener did not ask for a client certificate"
        return CheckResult(
            name,
            url,
            False,
            f"the TLS handshake completed without a client certificate and the origin {outcome.describe()}: {why}",
            "open",
            outcome,
            1,
            "origin mTLS is not enforced (the stack output says verified): is the HTTPS listener's mutual "
            "authentication in verify mode with the stack's trust store?",
        )
    kind, reason, note = classify_origin(outcome, mtls=True)
    return CheckResult(name, url, kind == "ok", reason, kind, outcome, 1, note)


def network_reached(outcome: Outcome) -> bool | None:
    """Whether a direct request got through the network to something listening on the origin's address.

    True for any HTTP answer, for a connection established before an error (a TLS error, no answer in
    time), and for a refused or reset connection (the host answered: a security group never answers for a
    port it does not admit, it drops the packets); False for a timeout while connecting or an unreachable
    host (what a security group's drop looks like); None when the outcome says neither (the name did not
    resolve, or an unexpected error).
    """
    if outcome.status is not None or outcome.connected or outcome.error in (REFUSED, RESET):
        return True
    if outcome.error in (TIMEOUT, UNREACHABLE):
        return False
    return None


def origin_check(name: str, url: str, outcome: Outcome, mtls: bool = False) -> CheckResult:
    kind, reason, note = classify_origin(outcome, mtls)
    return CheckResult(name, url, kind == "ok", reason, kind, outcome, 1, note)


def cloudfront_check(url: str, outcome: Outcome, attempts: int) -> CheckResult:
    passed, reason = classify_cloudfront(outcome)
    if attempts > 1:
        reason += f" (after {attempts} attempts)"
    return CheckResult("cloudfront", url, passed, reason, "ok" if passed else "cloudfront", outcome, attempts)


def verdict(checks: Sequence[CheckResult]) -> int:
    """The exit code: an open origin outranks a failing CloudFront, which outranks an inconclusive probe."""
    if not checks:
        return EXIT_INCONCLUSIVE  # nothing was checked: never "locked" by default
    kinds = {check.kind for check in checks}
    for kind, code in (("open", EXIT_ORIGIN_OPEN), ("cloudfront", EXIT_CLOUDFRONT_FAILING)):
        if kind in kinds:
            return code
    if "inconclusive" in kinds:
        return EXIT_INCONCLUSIVE
    return EXIT_OK


def backoff_delays(options: ProbeOptions) -> list[float]:
    """Waits between CloudFront attempts: backoff, doubled each time, capped, within max_wait."""
    delays: list[float] = []
    delay, total = options.backoff, 0.0
    for _ in range(max(options.attempts, 1) - 1):
        step = min(delay, options.max_backoff)
        if total + step > options.max_wait:
            break
        delays.append(step)
        total += step
        delay *= 2
    return delays


def wrong_header_value() -> str:
    """A random value that can never be a real secret (those are letters and digits only)."""
    return f"not-the-secret-{secrets.token_hex(8)}"


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise OutputsError(f"output {key!r} is missing or not a string")
    if value == SECRET_PLACEHOLDER:
        raise OutputsError(f"output {key!r} is a secret; the probe needs it in plain text")
    return value


def _http_url(value: str, key: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutputsError(f"output {key!r} = {value!r} is not an http(s) URL")
    try:
        _ = parts.port
    except ValueError:
        raise OutputsError(f"output {key!r} = {value!r} has an invalid port") from None
    return value


def parse_outputs(data: str | Mapping[str, Any]) -> StackOutputs:
    """The outputs JSON (``pulumi stack output --json``) checked against the contract."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise OutputsError(f"stack outputs are not JSON: {error}") from None
    if not isinstance(data, Mapping):
        raise OutputsError("stack outputs are not a JSON object")
    missing = [key for key in REQUIRED_OUTPUTS if key not in data]
    if missing:
        raise OutputsError(f"stack outputs lack {', '.join(missing)} (is the stack deployed?)")
    header = _text(data["originHeaderName"], "originHeaderName")
    if not HEADER_NAME.fullmatch(header):
        raise OutputsError(f"output 'originHeaderName' = {header!r} is not a header name")
    architecture = data.get("architecture", "unknown")
    address = data.get("originAddress", "")
    vpc_origin = data.get("vpcOrigin", False)
    if not isinstance(vpc_origin, bool):
        raise OutputsError(f"output 'vpcOrigin' = {vpc_origin!r} is not true or false")
    mtls = data.get("originMtls", "off")
    if mtls not in MTLS_STATES:
        raise OutputsError(f"output 'originMtls' = {mtls!r} is not one of {', '.join(MTLS_STATES)}")
    return StackOutputs(
        url=_http_url(_text(data["url"], "url"), "url"),
        origin_url=_http_url(_text(data["originUrl"], "originUrl"), "originUrl"),
        header_name=header,
        architecture=architecture if isinstance(architecture, str) else "unknown",
        origin_address=address if isinstance(address, str) else "",
        vpc_origin=vpc_origin,
        origin_mtls=mtls,
    )


# --- network shell -----------------------------------------------------------------------------


def classify_exception(error: BaseException, certificate_requested: bool | None = None) -> Outcome:
    """The outcome kind of a request that raised ``error`` (order matters: subclasses first). A TLS alert counts as a
    refusal for want of a client certificate only when it can mean nothing else: certificate_required, or
    handshake_failure and bad_certificate once the server was seen asking for one (``certificate_requested``)."""
    detail = str(error) or type(error).__name__
    reason = getattr(error, "reason", None)
    if isinstance(error, ssl.SSLError) and (
        reason == CERTIFICATE_REQUIRED_ALERT or (reason in AMBIGUOUS_ALERTS and certificate_requested)
    ):
        return Outcome(error=CLIENT_CERTIFICATE, detail=f"the origin's TLS alert {reason}")
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return Outcome(error=TLS, detail=detail)
    if isinstance(error, socket.gaierror):
        return Outcome(error=DNS, detail=f"cannot resolve the host name ({detail})")
    if isinstance(error, TimeoutError):
        return Outcome(error=TIMEOUT, detail="timed out")
    if isinstance(error, ConnectionRefusedError):
        return Outcome(error=REFUSED, detail="connection refused")
    if isinstance(error, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
        return Outcome(error=RESET, detail=f"connection closed without an answer ({detail})")
    if isinstance(error, http.client.HTTPException):
        return Outcome(error=PROTOCOL, detail=f"not an HTTP answer ({type(error).__name__})")
    if isinstance(error, OSError) and error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return Outcome(error=UNREACHABLE, detail=detail)
    return Outcome(error=OTHER, detail=f"{type(error).__name__}: {detail}")


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """The probe's TLS context: it verifies the server's chain and name (the real origin name), and notes whether the
    server asks for a client certificate (:func:`certificate_requested`), through the ssl module's message callback
    (``SSLContext._msg_callback``, CPython's, which Lambda's runtime is; without it nothing is noted and only TLS
    1.3's certificate_required alert counts)."""
    context = ssl.create_default_context(cafile=ca_file)
    seen: list[int] = []

    def note(
        _connection: object, direction: str, _version: object, content_type: object, kind: object, _data: object
    ) -> None:
        if direction == "read" and content_type == HANDSHAKE_RECORD and kind == CERTIFICATE_REQUEST:
            seen.append(CERTIFICATE_REQUEST)

    try:
        context._msg_callback = note  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # another Python: nothing observed
        return context
    context.certificate_requests = seen  # type: ignore[attr-defined]
    return context


def certificate_requested(context: ssl.SSLContext | None) -> bool | None:
    """Whether a server asked a connection made with ``context`` (one per request) for a client certificate (None:
    not observable)."""
    seen = getattr(context, "certificate_requests", None)
    return None if seen is None else bool(seen)


# At most this many of a name's addresses are tried (an ALB's name answers with up to 8; more would be a DNS answer
# no origin of this stack gives, and each try holds a socket).
MAX_ADDRESSES = 16
# A non-blocking connect() that is under way.
_CONNECTING = frozenset({errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY})
# When no address connected, the outcome reported is the most telling one: a host that answered (refused, reset:
# something is there, a security group never answers) before silence (a drop) before no route.
_FAILURE_RANK = {REFUSED: 0, RESET: 0, TIMEOUT: 1, UNREACHABLE: 2}


def _os_error(code: int) -> OSError:
    """The exception a blocking connect() would have raised for ``code`` (OSError picks the subclass)."""
    return OSError(code, os.strerror(code))


def _failed_everywhere(failures: Sequence[Outcome], tried: int, resolved: int) -> Outcome:
    """One outcome for a name none of whose addresses connected (see _FAILURE_RANK)."""
    chosen = min(failures, key=lambda outcome: _FAILURE_RANK.get(outcome.error or "", 3))
    if resolved > 1:
        counts = Counter(str(outcome.error) for outcome in failures)
        summary = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
        of = f"the first {tried} of {resolved}" if tried < resolved else f"all {tried}"
        chosen = replace(chosen, detail=f"{chosen.detail} ({of} addresses: {summary})")
    return chosen


def connect_first(targets: Sequence[tuple[int, Any]], deadline: float) -> socket.socket | Outcome:
    """A TCP connection to the first of ``targets`` (family, address; the first MAX_ADDRESSES) to accept one, all
    tried at once until ``deadline`` (time.monotonic()); or the outcome when none did. At once, not in turn as
    http.client does: in turn, a name with N addresses that all drop packets (every ALB's, to anyone but CloudFront)
    takes N connect timeouts."""
    tried = targets[:MAX_ADDRESSES]
    selector = selectors.DefaultSelector()
    failures: list[Outcome] = []
    winner: socket.socket | None = None
    try:
        for family, address in tried:
            try:
                candidate = socket.socket(family, socket.SOCK_STREAM)
            except OSError as error:  # e.g. no IPv6 on this host
                failures.append(classify_exception(error))
                continue
            candidate.setblocking(False)
            code = candidate.connect_ex(address)
            if code == 0:
                winner = candidate
                break
            if code in _CONNECTING:
                selector.register(candidate, selectors.EVENT_WRITE)
            else:
                candidate.close()
                failures.append(classify_exception(_os_error(code)))
        while winner is None and selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for key, _ in selector.select(remaining):
                candidate = key.fileobj  # type: ignore[assignment]
                selector.unregister(candidate)
                code = candidate.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code == 0:
                    winner = candidate
                    break
                candidate.close()
                failures.append(classify_exception(_os_error(code)))
        if winner is None:
            failures += [Outcome(error=TIMEOUT, detail="timed out")] * len(selector.get_map())
    finally:
        for key in list(selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        selector.close()
    if winner is not None:
        winner.setblocking(True)
        return winner
    return _failed_everywhere(failures, len(tried), len(targets))


def _shut(connection: socket.socket) -> None:
    """End whatever blocks on ``connection`` in another thread (its read returns): the socket's own shutdown, also
    for a TLS socket, whose shutdown() would first drop its TLS state under the reader's feet."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(connection, socket.SHUT_RDWR)


class _Request:
    """One GET on a worker thread (http_fetch), and what the caller gets if it gives up first."""

    def __init__(
        self, url: str, headers: Mapping[str, str], connect_timeout: float, read_timeout: float, ca_file: str | None
    ) -> None:
        self.url, self.headers, self.ca_file = url, headers, ca_file
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.family: int = socket.AF_UNSPEC
        self._lock = threading.Lock()
        self._phase = "resolving"
        self._socket: socket.socket | None = None
        self._outcome: Outcome | None = None
        # One context per request: it notes whether the server asked for a client certificate (tls_context).
        self.context: ssl.SSLContext | None = None

    def run(self) -> None:
        try:
            outcome = self._fetch()
        except Exception as error:  # a bug is reported as a result, never lost in a thread
            outcome = Outcome(error=OTHER, detail=f"{type(error).__name__}: {error}")
        with self._lock:
            if self._outcome is None:
                self._outcome = outcome

    def result(self) -> Outcome:
        """The outcome, or (the worker still busy at the caller's deadline) a timeout, and the worker woken."""
        budget = self.connect_timeout + self.read_timeout
        with self._lock:
            busy = self._socket if self._outcome is None else None
            if self._outcome is None:
                if self._phase == "resolving":
                    self._outcome = Outcome(error=DNS, detail=f"no answer from DNS within {budget:g} s")
                elif self._phase == "connecting":
                    self._outcome = Outcome(error=TIMEOUT, detail="timed out")
                else:
                    self._outcome = Outcome(
                        error=TIMEOUT, detail=f"no complete answer within {budget:g} s", connected=True
                    )
            outcome = self._outcome
        if busy is not None:
            _shut(busy)
        return outcome

    def _holding(self, phase: str, connection: socket.socket | None) -> bool:
        """Record what the worker is doing; False once the caller has given up (the worker then stops)."""
        with self._lock:
            self._phase, self._socket = phase, connection
            return self._outcome is None

    def _fetch(self) -> Outcome:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        start = time.monotonic()
        try:
            found = socket.getaddrinfo(host, port, self.family, socket.SOCK_STREAM)
        except OSError as error:
            return classify_exception(error)
        targets = list(dict.fromkeys((info[0], info[4]) for info in found))
        if not targets:
            return Outcome(error=DNS, detail=f"cannot resolve the host name ({host} has no address)")
        if not self._holding("connecting", None):
            return Outcome(error=TIMEOUT, detail="timed out")
        # Within the caller's deadline even after a slow DNS answer.
        deadline = min(time.monotonic() + self.connect_timeout, start + self.connect_timeout + self.read_timeout)
        connected = connect_first(targets, deadline)
        if isinstance(connected, Outcome):
            return connected
        raw: socket.socket = connected
        try:
            if not self._holding("connected", raw):
                return Outcome(error=TIMEOUT, detail="timed out", connected=True)
            raw.settimeout(self.read_timeout)
            connection: http.client.HTTPConnection
            if parts.scheme == "https":
                # Verifies the chain and that the certificate names `host` (the real origin name).
                context = self.context = tls_context(self.ca_file)
                tls = context.wrap_socket(raw, server_hostname=host, do_handshake_on_connect=False)
                raw = tls
                if not self._holding("connected", tls):
                    return Outcome(error=TIMEOUT, detail="timed out", connected=True)
                tls.do_handshake()
                connection = http.client.HTTPSConnection(host, port, timeout=self.read_timeout, context=context)
            else:
                connection = http.client.HTTPConnection(host, port, timeout=self.read_timeout)
            connection.sock = raw
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, **self.headers})
            response = connection.getresponse()
            response.read(65536)
            return Outcome(status=response.status, server=response.getheader("Server", "") or "")
        except (OSError, http.client.HTTPException) as error:
            return replace(classify_exception(error, certificate_requested(self.context)), connected=True)
        finally:
            raw.close()


def http_fetch(
    url: str,
    headers: Mapping[str, str],
    connect_timeout: float,
    read_timeout: float,
    ca_file: str | None = None,
    *,
    family: int = socket.AF_UNSPEC,
) -> Outcome:
    """One GET, no redirects followed; never raises for network errors, and never takes longer than
    ``connect_timeout + read_timeout`` in all, whatever blocks: the name resolved once, its addresses (up to
    MAX_ADDRESSES) tried at once within ``connect_timeout`` (:func:`connect_first`), then the TLS handshake, the
    request and the answer within the rest. The work runs on a thread of its own that the caller leaves at the
    deadline (its socket shut, so it ends too): a socket timeout alone bounds each read, not an answer that trickles.
    ``family`` AF_INET: IPv4 addresses only (the Lambda probe, which has no IPv6 route)."""
    request = _Request(url, headers, connect_timeout, read_timeout, ca_file)
    request.family = family
    worker = threading.Thread(target=request.run, name="origin-probe-request", daemon=True)
    worker.start()
    worker.join(connect_timeout + read_timeout)
    return replace(request.result(), certificate_requested=certificate_requested(request.context))


def http_fetch_ipv4(
    url: str, headers: Mapping[str, str], connect_timeout: float, read_timeout: float, ca_file: str | None = None
) -> Outcome:
    """:func:`http_fetch` over IPv4 only: what the Lambda probe can reach (README "Monitoring": outside a VPC a
    function has no IPv6 route, so an IPv6 address would only ever look "unreachable", a false "dropped")."""
    return http_fetch(url, headers, connect_timeout, read_timeout, ca_file, family=socket.AF_INET)


# --- no public address (VPC origins) -------------------------------------------------------------

Resolve = Callable[[str], list[str]]
# getaddrinfo's "this name does not exist / has no address": the answer public DNS gives for an
# instance's private name (ip-10-0-1-5.ec2.internal). Anything else (EAI_AGAIN: no answer) is not an answer.
_NO_SUCH_NAME = frozenset(
    code for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None)) if code is not None
)


def resolve_addresses(host: str) -> list[str]:
    """Every address ``host`` resolves to from here (raises socket.gaierror)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})


def bounded_resolver(seconds: float) -> Resolve:
    """:func:`resolve_addresses` that gives up after ``seconds`` (getaddrinfo itself cannot be interrupted: it is left
    to finish on its own thread) with the error of a resolver that got no answer, which the check calls inconclusive."""

    def resolve(host: str) -> list[str]:
        found: list[list[str] | BaseException] = []

        def lookup() -> None:
            try:
                found.append(resolve_addresses(host))
            except BaseException as error:  # handed to the caller as it is
                found.append(error)

        worker = threading.Thread(target=lookup, name="origin-probe-resolve", daemon=True)
        worker.start()
        worker.join(seconds)
        if not found:
            raise socket.gaierror(socket.EAI_AGAIN, f"no answer from DNS within {seconds:g} s")
        if isinstance(found[0], BaseException):
            raise found[0]
        return found[0]

    return resolve


def public_address_check(host: str, resolve: Resolve) -> CheckResult:
    """``origin-no-public-address``: a VPC origin's host must have no public (globally routable) address."""
    name = "origin-no-public-address"
    try:
        addresses = resolve(host)
    except socket.gaierror as error:
        if error.errno in _NO_SUCH_NAME:
            return CheckResult(name, host, True, f"{host} does not resolve from here: no public address", "ok")
        return CheckResult(
            name, host, False, f"could not resolve {host} ({error}); no verdict on its addresses", "inconclusive"
        )
    except OSError as error:
        return CheckResult(name, host, False, f"could not resolve {host} ({error})", "inconclusive")
    public = [a for a in addresses if ipaddress.ip_address(a.split("%")[0]).is_global]
    if public:
        return CheckResult(
            name,
            host,
            False,
            f"{host} resolves to public address(es) {', '.join(public)}: a VPC origin should have none",
            "open",
        )
    if not addresses:
        return CheckResult(name, host, False, f"{host} resolved to no address at all", "inconclusive")
    return CheckResult(
        name,
        host,
        True,
        f"{host} resolves only to private address(es) {', '.join(addresses)}: no public address "
        "(not probed: from here a private address is this network, not the VPC)",
        "ok",
    )


Fetch = Callable[[str, Mapping[str, str], float, float, str | None], Outcome]


def probe(
    outputs: StackOutputs,
    options: ProbeOptions | None = None,
    fetch: Fetch = http_fetch,
    sleep: Callable[[float], None] = time.sleep,
    resolve: Resolve = resolve_addresses,
) -> list[CheckResult]:
    """Run the checks: CloudFront with retries, then the two direct origin requests, or for a VPC origin
    the public-address check (and the direct requests only if it finds a public address)."""
    opts = options or ProbeOptions()
    delays = backoff_delays(opts)
    attempts = 0
    while True:
        attempts += 1
        outcome = fetch(outputs.url, {}, opts.cloudfront_connect_timeout, opts.read_timeout, opts.ca_file)
        if classify_cloudfront(outcome)[0] or attempts > len(delays):
            break
        sleep(delays[attempts - 1])
    checks = [cloudfront_check(outputs.url, outcome, attempts)]
    if outputs.vpc_origin:
        host = urlsplit(outputs.origin_url).hostname or ""
        address = public_address_check(host, resolve)
        checks.append(address)
        if address.kind != "open":
            return checks
    for name, headers in (
        ("origin-no-header", {}),
        ("origin-wrong-header", {outputs.header_name: wrong_header_value()}),
    ):
        outcome = fetch(outputs.origin_url, headers, opts.connect_timeout, opts.read_timeout, opts.ca_file)
        checks.append(origin_check(name, outputs.origin_url, outcome, outputs.origin_mtls == "verified"))
    if outputs.origin_mtls == "verified":
        headers = {outputs.header_name: wrong_header_value()}
        outcome = fetch(outputs.origin_url, headers, opts.connect_timeout, opts.read_timeout, opts.ca_file)
        checks.append(client_certificate_check(outputs.origin_url, outcome))
    return checks


# --- report ------------------------------------------------------------------------------------


def render_text(checks: Sequence[CheckResult], code: int, outputs: StackOutputs | None, label: str) -> str:
    lines = []
    if outputs is not None:
        lines.append(f"verify-origin {label}: architecture {outputs.architecture}")
        lines.append(f"  through CloudFront: {outputs.url}")
        if outputs.vpc_origin:
            lines.append(f"  origin (VPC origin): {outputs.origin_url} (must have no public address)")
        else:
            lines.append(f"  origin directly:    {outputs.origin_url} (header {outputs.header_name})")
        if outputs.origin_mtls != "off":
            lines.append(f"  origin mutual TLS:  {outputs.origin_mtls}")
    for check in checks:
        lines.append(f"{'PASS' if check.passed else 'FAIL'} {check.name:<20} {check.reason}")
        if check.note:
            lines.append(f"     {'':<20} note: {check.note}")
    lines.append(f"verdict: {VERDICTS[code]} (exit {code})")
    return "\n".join(lines)


def _contract(outputs: StackOutputs) -> dict[str, str | bool]:
    """The outputs the probe used, under their stack-output names."""
    return {
        "architecture": outputs.architecture,
        "url": outputs.url,
        "originUrl": outputs.origin_url,
        "originAddress": outputs.origin_address,
        "originHeaderName": outputs.header_name,
        "vpcOrigin": outputs.vpc_origin,
        "originMtls": outputs.origin_mtls,
    }


def render_json(
    checks: Sequence[CheckResult], code: int, outputs: StackOutputs | None, label: str, error: str = ""
) -> str:
    document: dict[str, Any] = {
        "target": label,
        "exitCode": code,
        "verdict": VERDICTS[code],
        "locked": code == EXIT_OK,
        "outputs": _contract(outputs) if outputs is not None else None,
        "checks": [asdict(check) for check in checks],
    }
    if error:
        document["error"] = error
    return json.dumps(document, indent=2)

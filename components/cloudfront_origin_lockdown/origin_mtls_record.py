"""The record of what CloudFront presents to the origin, kept in AWS (SSM Parameter Store), one per component.

Origin mTLS decides two things from what is deployed, and neither may be guessed: whether the listener may verify
client certificates (only once CloudFront presents this stack's certificate at every edge), and which CAs the trust
store must hold (the issuer of every certificate CloudFront may still present). ACM cannot be asked: the
``aws_acm_certificate`` data source lists certificates (ListCertificates, whose default filter returns "only RSA_1024
and RSA_2048 certificates that have at least one domain",
https://docs.aws.amazon.com/acm/latest/APIReference/API_Filters.html, so an ECDSA client certificate is never
listed without ``key_types``) and matches nothing at all when given both tags and types
(terraform-provider-aws internal/service/acm/certificate_data_source.go resets its match in that branch); there is
no lookup by ARN. And ACM holding a certificate says nothing about the distribution presenting it. So, as the
secret rotation does (rotation_record.py), each component keeps two String parameters under
``/cloudfront-origin-lockdown/[<organization>/]<project>/<stack>/<component>/origin-mtls/`` (record_names: next to
the rotation record, scoped as it is), facts only (tokens, key types, issuers, dates, ARNs; never a key
or a certificate):

``intent``
    written **before** the client certificate is imported (the ACM certificate waits for it, and for the trust
    store): the certificate this deploy puts into ACM (``imports``) and every certificate CloudFront may present from
    then until it is settled (``mayBePresenting``: the ones it may have been presenting before, and the new one). A
    generation number counts its changes.
``settled``
    written **after** the distribution, and only when CloudFront reports it ``Deployed`` (read live, as the rotation's
    settled record: "Deployed" means the configuration has reached every edge location,
    https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Distribution.html) with its origin naming the
    client certificate: the distribution's id and ETag then, the certificate's ARN, the certificate it presents and
    since when this record has seen it (``since``), and the certificates it may still be presenting besides
    (``previous``: CloudFront picks up a re-import without a signal, assumed within ``CA_SETTLE``).

The next run reads both with one lookup (``aws.ssm.get_parameters_by_path``, empty for a new stack, at preview as at
update) and, with a settled record, the distribution (``aws.cloudfront.get_distribution``): **the listener verifies
only when the distribution still has the ETag the settled record saw it Deployed with** (any change to its
configuration changes the ETag, and CloudFront refuses an update that does not name the current one, API
UpdateDistribution's If-Match) and reads ``Deployed``. A failed deploy, a distribution change not seen deployed,
origin mTLS turned off and on again: each leaves a record that no longer matches, and the listener does not verify
until a deploy has seen CloudFront present the certificate everywhere. A settled record is trusted only for this
component's own distribution (it carries the component's rotation record tag: :func:`owned`), and every new intent
is stamped into the distribution's comment (:func:`mtls_stamp`), so its whole configuration is sent and waited for.
The trust store holds the issuer of every certificate the record says CloudFront may present, whatever the settings
say now.

Names: at most 1011 characters and 15 levels, checked with the component's other names. Standard parameters cost
nothing and hold 4 KB; a record is a few hundred bytes (a component imports one certificate a month).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pulumi
from pulumi_aws import _utilities as aws_utilities

from . import aws_limits
from .auto_rotation import format_time
from .origin_mtls_plan import CA_SETTLE, KEY_TYPES, TOKEN, ClientCertificate
from .rotation_record import (
    DEPLOYED,
    INTENT,
    PARAMETERS_LOOKUP,
    RECORD_TAG_KEY,
    SETTLED,
    RecordNames,
    component_record,
)
from .settings import SettingError

RECORD_FORMAT = 1
DISTRIBUTION_LOOKUP = "aws:cloudfront/getDistribution:getDistribution"
_README = "(README: Origin mutual TLS, What survives a failed deploy)"


def record_names(project: str, stack: str, name: str, organization: str | None = None) -> RecordNames:
    """``/cloudfront-origin-lockdown/[<organization>/]<project>/<stack>/<component>/origin-mtls``: next to the
    rotation record, scoped as it is (rotation_record.record_names: the Pulumi organization when there is one, so two
    organizations' stacks of the same names in one account and region keep their own records; the IAM statement on
    ``parameter/cloudfront-origin-lockdown/*`` covers both)."""
    return component_record(project, stack, name, organization, "origin-mtls")


class RecordError(ValueError):
    """The record in AWS cannot be read as this version wrote it."""


@dataclass(frozen=True)
class Intent:
    """Written before the import: what ACM holds once it is done, and what CloudFront may present meanwhile."""

    generation: int
    imports: ClientCertificate
    may_be_presenting: tuple[ClientCertificate, ...]

    def to_json(self) -> str:
        return _dump(
            {
                "format": RECORD_FORMAT,
                "generation": self.generation,
                "imports": _certificate_json(self.imports),
                "mayBePresenting": [_certificate_json(c) for c in self.may_be_presenting],
            }
        )


@dataclass(frozen=True)
class Settled:
    """Written after the distribution, once seen Deployed presenting ``certificate_arn``: the intent it settles."""

    generation: int
    distribution_id: str
    etag: str
    certificate_arn: str
    presenting: ClientCertificate
    since: datetime
    previous: tuple[ClientCertificate, ...]

    def to_json(self) -> str:
        return _dump(
            {
                "format": RECORD_FORMAT,
                "generation": self.generation,
                "distributionId": self.distribution_id,
                "etag": self.etag,
                "certificateArn": self.certificate_arn,
                "presenting": _certificate_json(self.presenting),
                "since": format_time(self.since),
                "previous": [_certificate_json(c) for c in self.previous],
            }
        )


# The settled record's value while nothing has been seen deployed (the parameter exists as long as origin mTLS is on).
NOTHING_SETTLED = json.dumps({"format": RECORD_FORMAT, "generation": 0}, sort_keys=True)


@dataclass(frozen=True)
class MtlsRecord:
    """Both parts as read before this deploy (either may be missing)."""

    intent: Intent | None = None
    settled: Settled | None = None

    @property
    def is_settled(self) -> bool:
        """The last intent has been seen deployed (or there is none)."""
        return self.settled is not None and (self.intent is None or self.intent.generation == self.settled.generation)

    def deployed(self) -> ClientCertificate | None:
        """The certificate ACM holds, or was last asked to hold: what this deploy plans from."""
        if self.intent is not None:
            return self.intent.imports
        return self.settled.presenting if self.settled is not None else None

    def settled_since(self) -> datetime | None:
        """Since when CloudFront is known to present :meth:`deployed` at every edge (None: not known)."""
        if self.is_settled and self.settled is not None and self.settled.presenting == self.deployed():
            return self.settled.since
        return None

    def may_be_presenting(self, now: datetime) -> tuple[ClientCertificate, ...]:
        """Every certificate CloudFront may present now: the settled one and, within CA_SETTLE of it, those before;
        while the last intent is not settled, its worst case."""
        if self.is_settled and self.settled is not None:
            settled = self.settled
            recent = now - settled.since < CA_SETTLE
            return _unique((settled.presenting, *(settled.previous if recent else ())))
        if self.intent is not None:
            return self.intent.may_be_presenting
        return ()


def next_intent(read: MtlsRecord, now: datetime, imports: ClientCertificate, everywhere: bool = True) -> Intent:
    """This deploy's intent: unchanged (same generation, no update) when it imports what the last one did,
    CloudFront may present the same certificates and the distribution is still the one the settled record saw
    Deployed presenting it (``everywhere``: origin_mtls_record.presents_everywhere); otherwise the next generation.
    A new generation changes the distribution's stamp (:func:`mtls_stamp`), so the whole configuration is sent and
    waited for again: after a killed `pulumi up` (or origin mTLS turned off and on) the checkpoint may show the
    client certificate on a distribution that does not present it."""
    presenting = _unique((*read.may_be_presenting(now), imports))
    previous = read.intent
    if (
        everywhere
        and read.is_settled
        and previous is not None
        and previous.imports == imports
        and set(previous.may_be_presenting) == set(presenting)
    ):
        return previous
    generation = max(previous.generation if previous is not None else 0, read.settled.generation if read.settled else 0)
    return Intent(generation + 1, imports, presenting)


def settle(
    intent: Intent,
    previous: Settled | None,
    now: datetime,
    status: str | None,
    distribution_id: str,
    etag: str | None,
    certificate_arn: str | None,
) -> Settled | None:
    """The settled record after the distribution: this intent's when CloudFront reports the distribution Deployed
    with its origin naming the certificate; otherwise the previous one unchanged (which no longer matches the
    distribution's ETag if the distribution changed: the next deploy then does not verify)."""
    if status != DEPLOYED or not certificate_arn or not etag:
        return previous
    # When CloudFront is known to present it: no earlier than now (the import came before this record), and no
    # earlier than the certificate's issue on the machine's clock either (a deploy's clock set behind must not make
    # an import look settled sooner than it is).
    since = max(now, intent.imports.not_before)
    if previous is not None and previous.presenting == intent.imports:
        since = previous.since
    others = tuple(c for c in intent.may_be_presenting if c != intent.imports)
    return Settled(intent.generation, distribution_id, etag, certificate_arn, intent.imports, since, others)


def mtls_stamp(intent: Intent) -> str:
    """A short mark of the intent (its generation and a digest of the record), written into the distribution's
    comment next to the rotation's (rotation_record.rotation_stamp): each new intent sends the distribution's whole
    configuration (UpdateDistribution sends every field on any change but tags, terraform-provider-aws
    internal/service/cloudfront/distribution.go) and waits for Deployed, even where the checkpoint shows it."""
    digest = hashlib.sha256(intent.to_json().encode()).hexdigest()[:8]
    return f"mtls {intent.generation}-{digest}"


# The longest stamp (a generation of up to 12 digits), for the comment's 128 characters (cdn.distribution_comment).
MTLS_STAMP_MAX = len("mtls 999999999999-01234567")


def owned(live: Mapping[str, Any] | None, record_tag: str) -> bool:
    """Whether a distribution (as the data source reports it) is this component's own: it carries the tag naming
    this component's rotation record (cdn.py ``own_tags``, rotation_record.RecordNames.tag_value), which no other
    component's distribution carries. A record naming another distribution (written by a stack of the same names,
    or edited) is not trusted."""
    tags = (live or {}).get("tags") or {}
    return isinstance(tags, Mapping) and tags.get(RECORD_TAG_KEY) == record_tag


def presents_everywhere(settled: Settled | None, live: Mapping[str, Any] | None, record_tag: str | None = None) -> bool:
    """Whether the distribution the settled record names still has the configuration that record saw Deployed (its
    ETag) and reads Deployed: then CloudFront presents this component's certificate at every edge. With
    ``record_tag``, the distribution must also be this component's own (:func:`owned`)."""
    if settled is None or live is None:
        return False
    if record_tag is not None and not owned(live, record_tag):
        return False
    return live.get("status") == DEPLOYED and live.get("etag") == settled.etag and bool(settled.certificate_arn)


def encoded(value: str) -> str:
    """A record's value, refused when it would not fit a Standard parameter (it takes a long series of failed
    deploys that each import another certificate within a day to get there)."""
    size = len(value.encode())
    if size > aws_limits.SSM_STANDARD_VALUE_MAX_BYTES:
        raise SettingError(
            "originMtls",
            True,
            f"the origin mTLS record would hold {size} bytes, over a Standard SSM parameter's "
            f"{aws_limits.SSM_STANDARD_VALUE_MAX_BYTES}: too many certificates CloudFront may still present; deploy "
            f"again a day after the last successful one {_README}",
        )
    return value


# --- text ---------------------------------------------------------------------------------------------------


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _unique(certificates: Iterable[ClientCertificate]) -> tuple[ClientCertificate, ...]:
    return tuple(dict.fromkeys(certificates))


def _certificate_json(certificate: ClientCertificate) -> dict[str, Any]:
    found: dict[str, Any] = {
        "token": certificate.token,
        "keyType": certificate.key_type,
        "notBefore": format_time(certificate.not_before),
        "notAfter": format_time(certificate.not_after),
    }
    if certificate.ca_generation is not None:
        found["caGeneration"] = certificate.ca_generation
    if certificate.private_ca_arn is not None:
        found["privateCaArn"] = certificate.private_ca_arn
    return found


def _time(raw: Any, what: str) -> datetime:
    if not isinstance(raw, str):
        raise RecordError(f"{what} is not a time")
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise RecordError(f"{what} {raw!r} is not a UTC time") from None
    return moment.replace(tzinfo=timezone.utc)


def _parse_certificate(raw: Any) -> ClientCertificate:
    if not isinstance(raw, Mapping):
        raise RecordError("a certificate is not an object")
    token, key_type = raw.get("token"), raw.get("keyType")
    if not isinstance(token, str) or TOKEN.fullmatch(token) is None:
        raise RecordError(f"token {token!r} is not one this component makes")
    if key_type not in KEY_TYPES:
        raise RecordError(f"key type {key_type!r} is not one CloudFront presents")
    generation, arn = raw.get("caGeneration"), raw.get("privateCaArn")
    if (generation is None) == (arn is None):
        raise RecordError("a certificate names neither or both of a stack CA generation and a Private CA")
    if generation is not None and (not isinstance(generation, int) or isinstance(generation, bool) or generation < 0):
        raise RecordError(f"CA generation {generation!r} is not a generation")
    if arn is not None and not (isinstance(arn, str) and arn.startswith("arn:")):
        raise RecordError(f"Private CA {arn!r} is not an ARN")
    return ClientCertificate(
        token=token,
        not_before=_time(raw.get("notBefore"), "notBefore"),
        not_after=_time(raw.get("notAfter"), "notAfter"),
        key_type=str(key_type),
        ca_generation=generation,
        private_ca_arn=arn,
    )


def _document(text: str, what: str) -> Mapping[str, Any]:
    try:
        found = json.loads(text)
    except ValueError as error:
        raise RecordError(f"the {what} record is not JSON ({error})") from None
    if not isinstance(found, Mapping) or found.get("format") != RECORD_FORMAT:
        raise RecordError(f"the {what} record is not of format {RECORD_FORMAT}")
    generation = found.get("generation")
    if not isinstance(generation, int) or isinstance(generation, bool) or generation < 0:
        raise RecordError(f"the {what} record's generation {generation!r} is not a count")
    return found


def _certificates(raw: Any, what: str) -> tuple[ClientCertificate, ...]:
    if not isinstance(raw, list):
        raise RecordError(f"{what} is not a list")
    return tuple(_parse_certificate(item) for item in raw)


def parse_record(intent_text: str | None, settled_text: str | None) -> MtlsRecord:
    """Both parts as stored (raises RecordError for a part this version did not write)."""
    intent = None
    if intent_text is not None:
        found = _document(intent_text, INTENT)
        intent = Intent(
            generation=int(found["generation"]),
            imports=_parse_certificate(found.get("imports")),
            may_be_presenting=_certificates(found.get("mayBePresenting"), "mayBePresenting"),
        )
    settled = None
    if settled_text is not None:
        found = _document(settled_text, SETTLED)
        if found.get("presenting") is not None:
            texts = [found.get(key) for key in ("distributionId", "etag", "certificateArn")]
            if not all(isinstance(text, str) and text for text in texts):
                raise RecordError("the settled record lacks the distribution, its ETag or the certificate's ARN")
            settled = Settled(
                generation=int(found["generation"]),
                distribution_id=str(texts[0]),
                etag=str(texts[1]),
                certificate_arn=str(texts[2]),
                presenting=_parse_certificate(found.get("presenting")),
                since=_time(found.get("since"), "since"),
                previous=_certificates(found.get("previous"), "previous"),
            )
    return MtlsRecord(intent, settled)


# --- the lookups ----------------------------------------------------------------------------------------------


def read_record(names: RecordNames, invoke: pulumi.InvokeOptions) -> MtlsRecord:
    """The record as stored in AWS, read before any resource is registered: one GetParametersByPath call, which
    answers an empty list where nothing exists yet. An unreadable record stops the program: a plan from a record
    that could not be read would guess."""
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    found = pulumi.runtime.invoke(
        PARAMETERS_LOOKUP, {"path": names.path, "recursive": False, "withDecryption": False}, opts=opts
    ).value
    listed = dict(zip((found or {}).get("names") or [], (found or {}).get("values") or [], strict=False))

    def text(name: str) -> str | None:
        value = listed.get(name)
        return value if value is None or isinstance(value, str) else repr(value)

    try:
        return parse_record(text(names.intent), text(names.settled))
    except RecordError as error:
        raise SettingError(
            "originMtls",
            True,
            f"the origin mTLS record in AWS ({names.intent}, {names.settled}) is unreadable: {error}. Delete both "
            f"parameters: the next deploy then presents first and verifies from the deploy after {_README}",
        ) from None


# The data source's answer for a distribution that no longer exists (CloudFront's NoSuchDistribution).
_GONE = ("nosuchdistribution", "notfound")


def read_distribution(distribution_id: str, invoke: pulumi.InvokeOptions) -> Mapping[str, Any] | None:
    """The distribution the settled record names as CloudFront reports it now (status, ETag), or None when it is
    gone. Any other failure stops the program."""
    opts = pulumi.InvokeOptions.merge(aws_utilities.get_invoke_opts_defaults(), invoke)
    try:
        return dict(pulumi.runtime.invoke(DISTRIBUTION_LOOKUP, {"id": distribution_id}, opts=opts).value or {})
    except Exception as error:
        if not any(word in str(error).lower().replace(" ", "") for word in _GONE):
            raise
        return None


def names_of(certificates: Sequence[ClientCertificate]) -> str:
    return ", ".join(f"{c.token} ({c.issuer})" for c in certificates) or "none"

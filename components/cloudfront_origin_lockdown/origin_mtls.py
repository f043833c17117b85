"""Origin mutual TLS: CloudFront proves who it is with a client certificate, the ALB's listener verifies it.

Built when ``originMtls`` is on (``alb`` with ``originDomain``, a public origin), from the plan of this deploy
(origin_mtls_plan.py: which CA generations, which client certificate, planned from the component's record in AWS,
origin_mtls_record.py):

* **the stack's CA** (pulumi-tls, ECDSA P-256, 5 years): three generations as the plan says, each a
  ``tls.PrivateKey`` and a self-signed ``tls.SelfSignedCert`` (basic constraints CA, key usage certSign and
  cRLSign). Private keys are Pulumi secrets in the state (pulumi-tls marks them secret outputs) and go nowhere
  else: never an output, a tag or a log line;
* **CloudFront's client certificate**: a key, a request and a certificate named by the plan's renewal token
  (a renewal is a new key too), signed by the CA generation CloudFront presents (``tls.LocallySignedCert``, Extended
  Key Usage TLS client authentication, 90 days), or by the AWS Private CA ``originMtlsPrivateCaArn`` names
  (``aws.acmpca.Certificate`` with the EndEntityClientAuthCertificate/V1 template, in the CA's region);
* **its import into ACM in us-east-1** (CloudFront takes origin mTLS certificates from there only,
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-enable-mtls-distributions.html), through
  the certificate's own ``region`` argument (pulumi-aws 7), with the provider the component was given, as
  monitoring.py does for CloudFront's alarms: a second provider would not carry the caller's credentials or assumed
  role. One ACM certificate per key type (``<name>-mtls-client`` for ECDSA P-256, ``<name>-mtls-client-rsa`` for
  RSA 2048): a renewal re-imports into the same one (same ARN: the distribution does not change), and ACM refuses a
  re-import of another key type ("The key type and size cannot be changed", API ImportCertificate), so a change of
  key type (a switch to or from an RSA Private CA) creates the other certificate first, the distribution moves to it,
  and the old one is deleted last. The import waits for the trust store (an explicit dependency): whatever ACM holds,
  and so whatever CloudFront may present, is trusted first; and for the record of intent (origin_mtls_record.py);
* **the record** of what CloudFront presents (origin_mtls_record.py): the intent before the import, the settled
  record after the distribution, once seen Deployed; the listener verifies only when the settled record still
  matches the distribution;
* **the trust store**: a private bucket of the stack's own (public access blocked, ACLs disabled, encrypted,
  versioned, TLS-only policy) holding one object, the CA bundle (certificates only, never a key), and an
  ``aws.lb.TrustStore`` pinned to that object's version: a new bundle is a new version and an in-place
  ModifyTrustStore (terraform-provider-aws internal/service/elbv2/trust_store.go), the store keeps its ARN.

The listener's ``mutual_authentication`` (verify) and the distribution's ``origin_mtls_config`` are set by
load_balancer.py and cdn.py from what this module returns. The secret header stays as a second factor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_tls as tls

from . import aws_limits
from .inputs import Tags, tagged
from .origin_mtls_plan import (
    CA_VALIDITY_HOURS,
    CLIENT_COMMON_NAME,
    CLIENT_VALIDITY,
    CLIENT_VALIDITY_HOURS,
    ECDSA_P256,
    ORGANIZATION,
    MtlsPlan,
    ca_common_name,
    ca_pem_bundle,
    client_certificate,
)
from .origin_mtls_record import (
    NOTHING_SETTLED,
    Intent,
    MtlsRecord,
    RecordNames,
    encoded,
    mtls_stamp,
    next_intent,
    settle,
)
from .settings import DeferredSettingError, SettingError

# A tag on the ACM certificate naming the component that imported it (<project>/<stack>/<name>), for people and
# audits; nothing looks the certificate up by it (origin_mtls_record.py says why).
MTLS_TAG = "origin-lockdown:mtls-client"
BUNDLE_KEY = "trust-store/ca-bundle.pem"
_README = "(README: Origin mutual TLS, What survives a failed deploy)"
# AWS Private CA's template for TLS client certificates
# (https://docs.aws.amazon.com/privateca/latest/userguide/template-definitions.html).
CLIENT_AUTH_TEMPLATE = "template/EndEntityClientAuthCertificate/V1"
# The listener states: CloudFront presents its certificate, and the listener verifies it or not yet.
OFF, PRESENTED, VERIFIED = "off", "presented", "verified"


@dataclass(frozen=True)
class PrivateCa:
    """An AWS Private CA that issues CloudFront's client certificate (looked up before anything is registered)."""

    arn: str
    region: str
    partition: str
    # Its certificate and chain (PEM): what the trust store holds.
    certificate: str
    chain: str
    # The client key's algorithm (pulumi-tls) and the signing algorithm, from the CA's key type.
    key_algorithm: str
    signing_algorithm: str

    @property
    def bundle(self) -> str:
        return self.certificate + "\n" + self.chain


@dataclass(frozen=True)
class MtlsPreflight:
    """What the lookups before registration decided for origin mTLS."""

    plan: MtlsPlan
    # The component's identity in the ACM certificate's tag: <project>/<stack>/<name>.
    identity: str
    # The listener verifies only when the record shows CloudFront presenting this component's certificate at every
    # edge, and the trust store holds the issuer of every certificate CloudFront may present (a switch on takes two
    # deploys; see README "Origin mutual TLS").
    verify: bool
    # The deploy's clock, the record as read, and where it lives (origin_mtls_record.py).
    now: datetime
    record: MtlsRecord
    names: RecordNames
    private_ca: PrivateCa | None = None
    # CloudFront presents the recorded certificate everywhere (the settled record matches the live distribution): only
    # then may this deploy keep the last intent (origin_mtls_record.next_intent), else its new stamp resends the
    # distribution.
    presenting: bool = False
    # Private CAs of certificates CloudFront may still present (a switch between CA sources): their certificates stay
    # in the trust store.
    kept_private_cas: tuple[PrivateCa, ...] = ()


@dataclass(frozen=True)
class BuiltMtls:
    """What the listener and the distribution use."""

    client_certificate: aws.acm.Certificate
    trust_store: aws.lb.TrustStore
    # The listener verifies (VERIFIED) or not yet (PRESENTED).
    state: str
    # The CA bundle the trust store holds (PEM certificates, not secret).
    bundle: pulumi.Output[str]
    # This deploy's record of intent (origin_mtls_record.Intent), written before the import.
    intent: pulumi.Output[Any]
    # Its mark (origin_mtls_record.mtls_stamp), in the distribution's comment: a new intent resends the distribution.
    stamp: pulumi.Output[str]


def client_certificate_name(name: str, private_ca: bool, key_type: str) -> str:
    """The ACM certificate a client certificate is imported into: one per CA source kind and key type. ACM re-imports
    into the same ARN only a certificate of the same key type and without fewer key usages or extended key usages
    than the one before (https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html): the stack's CA and a
    Private CA's template need not give the same, so a switch between them, or to a CA of another key type, imports
    into another certificate, created first; the distribution moves to it and the old one is deleted last."""
    if not private_ca:
        return f"{name}-mtls-client"
    return f"{name}-mtls-client-pca" if key_type == ECDSA_P256 else f"{name}-mtls-client-pca-rsa"


def build_origin_mtls(name: str, preflight: MtlsPreflight, tags: Tags, parent: pulumi.Resource) -> BuiltMtls:
    opts = pulumi.ResourceOptions(parent=parent)
    plan = preflight.plan
    # Every stack CA generation the trust store holds: the plan's window, and (with a Private CA too) the issuer of any
    # certificate CloudFront may still present.
    cas = {generation: _ca(name, generation, opts) for generation in plan.trusted_generations}
    trusted: list[pulumi.Input[str]] = [certificate.cert_pem for _, certificate in cas.values()]
    trusted += [ca.bundle for ca in preflight.kept_private_cas]
    token = plan.client_token
    if preflight.private_ca is None:
        assert plan.ca_generation is not None
        ca_key, ca_certificate = cas[plan.ca_generation]
        key = _client_key(name, token, "ECDSA", opts)
        request = _request(name, token, key, opts)
        signed = tls.LocallySignedCert(
            f"{name}-mtls-client-{token}",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca_certificate.cert_pem,
            validity_period_hours=CLIENT_VALIDITY_HOURS,
            allowed_uses=["digital_signature", "client_auth"],
            set_subject_key_id=True,
            opts=opts,
        )
        body: pulumi.Output[str] = signed.cert_pem
        chain: pulumi.Output[str] = ca_certificate.cert_pem
        generation, issuer_arn = plan.ca_generation, None
    else:
        ca = preflight.private_ca
        key = _client_key(name, token, ca.key_algorithm, opts)
        request = _request(name, token, key, opts)
        issued = aws.acmpca.Certificate(
            f"{name}-mtls-client-{token}",
            certificate_authority_arn=ca.arn,
            certificate_signing_request=request.cert_request_pem,
            signing_algorithm=ca.signing_algorithm,
            template_arn=f"arn:{ca.partition}:acm-pca:::{CLIENT_AUTH_TEMPLATE}",
            validity=aws.acmpca.CertificateValidityArgs(type="DAYS", value=str(CLIENT_VALIDITY.days)),
            region=ca.region,
            # Each renewal replaces this resource, and the provider's delete revokes the certificate
            # (terraform-provider-aws internal/service/acmpca/certificate.go). Harmless: the trust store holds no
            # revocation list; adding the CA's CRL to it would refuse the previous certificate while edges may still
            # present it (README "Origin mutual TLS": limits).
            opts=opts,
        )
        body = issued.certificate
        chain = issued.certificate_chain
        trusted.append(ca.bundle)
        generation, issuer_arn = None, ca.arn
    bundle = pulumi.Output.all(*trusted).apply(ca_pem_bundle)
    trust_store = _trust_store(name, bundle, tags, opts)
    # The record of intent, before the import: what ACM will hold, and everything CloudFront may present meanwhile.
    record, now = preflight.record, preflight.now
    intent: pulumi.Output[Intent] = body.apply(
        lambda pem: next_intent(
            record, now, client_certificate(pem, token, generation, issuer_arn), preflight.presenting
        )
    )
    intent_parameter = _record_parameter(
        name, "intent", preflight.names.intent, intent.apply(lambda i: encoded(i.to_json())), tags, opts
    )
    acm_name = client_certificate_name(name, preflight.private_ca is not None, plan.key_type)
    certificate = aws.acm.Certificate(
        acm_name,
        certificate_body=body,
        private_key=key.private_key_pem,
        certificate_chain=chain,
        region=aws_limits.CLOUDFRONT_MTLS_REGION,
        tags=tagged(tags, {"Name": acm_name, MTLS_TAG: preflight.identity}),
        # The import waits for the trust store (the CA of what ACM will hold is trusted before CloudFront can present
        # it: a re-import reaches CloudFront without the distribution changing) and for the record of intent.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[trust_store, intent_parameter]),
    )
    return BuiltMtls(
        client_certificate=certificate,
        trust_store=trust_store,
        state=VERIFIED if preflight.verify else PRESENTED,
        bundle=bundle,
        intent=intent,
        stamp=intent.apply(mtls_stamp),
    )


def build_settled_record(
    name: str,
    preflight: MtlsPreflight | None,
    built: BuiltMtls | None,
    distribution: aws.cloudfront.Distribution,
    tags: Tags,
    parent: pulumi.Resource,
) -> aws.ssm.Parameter | None:
    """The settled record, written after the distribution: this deploy's intent, once CloudFront reports the
    distribution Deployed (read live, after its update) with its origin naming the client certificate, with the
    distribution's ETag then (origin_mtls_record.py). None while origin mTLS is off."""
    if preflight is None or built is None:
        return None
    live = aws.cloudfront.get_distribution_output(id=distribution.id, opts=pulumi.InvokeOptions(parent=parent))
    previous, now = preflight.record.settled, preflight.now

    def value(parts: list[Any]) -> str:
        intent, status, etag, distribution_id, origins, arn = parts
        named = presented_certificate_arn(origins)
        found = settle(intent, previous, now, status, distribution_id, etag, arn if named == arn else None)
        return encoded(found.to_json()) if found is not None else NOTHING_SETTLED

    settled = pulumi.Output.all(
        built.intent, live.status, live.etag, distribution.id, distribution.origins, built.client_certificate.arn
    ).apply(value)
    return _record_parameter(
        name,
        "settled",
        preflight.names.settled,
        settled,
        tags,
        pulumi.ResourceOptions(parent=parent, depends_on=[distribution]),
    )


def presented_certificate_arn(origins: Any) -> str | None:
    """The client certificate the distribution's (one) custom origin presents, as the provider reports it."""
    for origin in origins or []:
        custom = _field(origin, "custom_origin_config") or {}
        config = _field(custom, "origin_mtls_config") or {}
        arn = _field(config, "client_certificate_arn")
        if isinstance(arn, str) and arn:
            return arn
    return None


def _field(value: Any, key: str) -> Any:
    """A field of an output object (a typed output, or a plain dict by the provider's camelCase name)."""
    if isinstance(value, dict):
        camel = key.split("_", maxsplit=1)[0] + "".join(part.title() for part in key.split("_")[1:])
        return value.get(key, value.get(camel))
    return getattr(value, key, None)


def _record_parameter(
    name: str, what: str, parameter_name: str, value: pulumi.Input[str], tags: Tags, opts: pulumi.ResourceOptions
) -> aws.ssm.Parameter:
    """A part of the origin mTLS record: facts only (tokens, dates, issuers, ARNs), so a plain String."""
    return aws.ssm.Parameter(
        f"{name}-mtls-record-{what}",
        name=parameter_name,
        description=f"Origin mTLS record ({what}) of {name}: what CloudFront may present, never a key (README: "
        "Origin mutual TLS)",
        type="String",
        tier="Standard",
        insecure_value=value,
        tags=tagged(tags),
        opts=opts,
    )


def _ca(name: str, generation: int, opts: pulumi.ResourceOptions) -> tuple[tls.PrivateKey, tls.SelfSignedCert]:
    key = tls.PrivateKey(f"{name}-mtls-ca-{generation}-key", algorithm="ECDSA", ecdsa_curve="P256", opts=opts)
    certificate = tls.SelfSignedCert(
        f"{name}-mtls-ca-{generation}",
        private_key_pem=key.private_key_pem,
        subject=tls.SelfSignedCertSubjectArgs(
            common_name=ca_common_name(generation), organization=ORGANIZATION, organizational_unit=name
        ),
        is_ca_certificate=True,
        validity_period_hours=CA_VALIDITY_HOURS,
        allowed_uses=["cert_signing", "crl_signing"],
        set_subject_key_id=True,
        opts=opts,
    )
    return key, certificate


def _client_key(name: str, token: str, algorithm: str, opts: pulumi.ResourceOptions) -> tls.PrivateKey:
    # CloudFront presents RSA 2048 or ECDSA P-256 client certificates only.
    if algorithm == "RSA":
        return tls.PrivateKey(f"{name}-mtls-client-{token}-key", algorithm="RSA", rsa_bits=2048, opts=opts)
    return tls.PrivateKey(f"{name}-mtls-client-{token}-key", algorithm="ECDSA", ecdsa_curve="P256", opts=opts)


def _request(name: str, token: str, key: tls.PrivateKey, opts: pulumi.ResourceOptions) -> tls.CertRequest:
    return tls.CertRequest(
        f"{name}-mtls-client-{token}-csr",
        private_key_pem=key.private_key_pem,
        subject=tls.CertRequestSubjectArgs(
            common_name=CLIENT_COMMON_NAME, organization=ORGANIZATION, serial_number=token
        ),
        opts=opts,
    )


def _trust_store(name: str, bundle: pulumi.Output[str], tags: Tags, opts: pulumi.ResourceOptions) -> aws.lb.TrustStore:
    """A bucket of the stack's own for the CA bundle, and the trust store pinned to the bundle's version."""
    bucket = aws.s3.Bucket(
        f"{name}-mtls-ca-bundle",
        # Lowercase: S3 refuses upper-case bucket names (the component's name may have some).
        bucket_prefix=f"{name.lower()}-mtls-",
        # It holds only the stack's CA certificates: `pulumi destroy` empties it (object versions included).
        force_destroy=True,
        tags=tagged(tags, {"Name": f"{name}-mtls-ca-bundle"}),
        opts=opts,
    )
    child = pulumi.ResourceOptions(parent=opts.parent)
    guards: list[pulumi.Resource] = [
        aws.s3.BucketPublicAccessBlock(
            f"{name}-mtls-ca-bundle",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        ),
        aws.s3.BucketOwnershipControls(
            f"{name}-mtls-ca-bundle",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        ),
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-mtls-ca-bundle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        ),
        aws.s3.BucketVersioning(
            f"{name}-mtls-ca-bundle",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        ),
        aws.s3.BucketPolicy(
            f"{name}-mtls-ca-bundle",
            bucket=bucket.id,
            policy=bucket.arn.apply(tls_only_policy),
            opts=child,
        ),
    ]
    bundle_object = aws.s3.BucketObjectv2(
        f"{name}-mtls-ca-bundle",
        bucket=bucket.id,
        key=BUNDLE_KEY,
        content=bundle,
        content_type="application/x-pem-file",
        tags=tagged(tags, {"Name": f"{name}-mtls-ca-bundle"}),
        # Versioned and locked down before the first version is written.
        opts=pulumi.ResourceOptions(parent=opts.parent, depends_on=guards),
    )
    return aws.lb.TrustStore(
        f"{name}-ts",
        ca_certificates_bundle_s3_bucket=bucket.id,
        ca_certificates_bundle_s3_key=bundle_object.key,
        # A new bundle is a new version: the store is modified in place to read it (a key alone would not change).
        ca_certificates_bundle_s3_object_version=bundle_object.version_id,
        tags=tagged(tags, {"Name": f"{name}-ts"}),
        opts=opts,
    )


def tls_only_policy(bucket_arn: str) -> str:
    """Deny any request to the bucket that does not use TLS (scanners flag buckets without it)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def checked_listener_mode(
    listener: aws.lb.Listener, built: BuiltMtls | None, origin_mtls: bool, parent: pulumi.Resource
) -> pulumi.Output[str]:
    """The listener's client certificate check as AWS holds it, read back once the listener is updated
    (DescribeListeners by ARN, the ``aws.lb.get_listener`` data source), and refused when it is not the one this
    deploy plans. The provider sends ``mutual_authentication`` only when it differs from the checkpoint, which a
    killed `pulumi up` leaves behind AWS (a listener in AWS that verifies while the checkpoint says off: turning
    origin mTLS off would then leave it verifying a certificate CloudFront no longer presents). The distribution's
    comment waits for this check, so a refused deploy does not change what CloudFront presents."""
    expected = listener_mutual_authentication(built).mode
    live = aws.lb.get_listener_output(arn=listener.arn, opts=pulumi.InvokeOptions(parent=parent))

    def check(found: Any) -> str:
        modes = [str(_field(item, "mode") or "off") for item in found or []]
        mode = modes[0] if modes else "off"
        if mode != expected:
            raise DeferredSettingError(
                SettingError(
                    "originMtls",
                    origin_mtls,
                    f"the HTTPS listener in AWS has client certificate mode {mode!r} where Pulumi's state and this "
                    f"deploy say {expected!r}: a `pulumi up` interrupted earlier left AWS and Pulumi's state apart, "
                    "and this one would not send the listener again; run `pulumi refresh`, then `pulumi up` "
                    f"{_README}",
                )
            )
        return mode

    return live.mutual_authentications.apply(check)


def listener_mutual_authentication(built: BuiltMtls | None) -> aws.lb.ListenerMutualAuthenticationArgs:
    """The HTTPS listener's client certificate check: verify against the trust store (expired certificates refused),
    or ``off``, written out: the provider keeps a ``mutual_authentication`` block that is left out (Optional and
    Computed in terraform-provider-aws internal/service/elbv2/listener.go), so turning origin mTLS off must say so,
    or the listener would go on verifying a certificate CloudFront no longer presents."""
    if built is None or built.state != VERIFIED:
        return aws.lb.ListenerMutualAuthenticationArgs(mode="off")
    return aws.lb.ListenerMutualAuthenticationArgs(
        mode="verify", trust_store_arn=built.trust_store.arn, ignore_client_certificate_expiry=False
    )

"""Origin mutual TLS: CloudFront proves who it is with a client certificate, the ALB's listener verifies it.

Built when ``originMtls`` is on (``alb`` with ``originDomain``, a public origin), from the plan of this deploy
(origin_mtls_plan.py: which CA generations, which client certificate, read against what ACM holds):

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
  role, and one ACM resource keeps one ARN across renewals (a re-import updates it in place, so the distribution
  never changes for a renewal);
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
    ORGANIZATION,
    MtlsPlan,
    ca_common_name,
    ca_pem_bundle,
)

# The tag the deployed client certificate is looked up by (preflight.py), with the component's identity.
MTLS_TAG = "origin-lockdown:mtls-client"
BUNDLE_KEY = "trust-store/ca-bundle.pem"
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


@dataclass(frozen=True)
class MtlsPreflight:
    """What the lookups before registration decided for origin mTLS."""

    plan: MtlsPlan
    # The component's identity in the lookup tag: <project>/<stack>/<name>.
    identity: str
    # The listener verifies only once ACM holds a certificate of this stack, so CloudFront presents one before the
    # listener asks for it (a switch on takes two deploys; see README "Origin mutual TLS").
    verify: bool
    private_ca: PrivateCa | None = None


@dataclass(frozen=True)
class BuiltMtls:
    """What the listener and the distribution use."""

    client_certificate: aws.acm.Certificate
    trust_store: aws.lb.TrustStore
    # The listener verifies (VERIFIED) or not yet (PRESENTED).
    state: str
    # The CA bundle the trust store holds (PEM certificates, not secret).
    bundle: pulumi.Output[str]


def build_origin_mtls(name: str, preflight: MtlsPreflight, tags: Tags, parent: pulumi.Resource) -> BuiltMtls:
    opts = pulumi.ResourceOptions(parent=parent)
    plan = preflight.plan
    if preflight.private_ca is None:
        cas = {generation: _ca(name, generation, opts) for generation in plan.ca_window}
        assert plan.ca_generation is not None
        ca_key, ca_certificate = cas[plan.ca_generation]
        key = _client_key(name, plan.client_token, "ECDSA", opts)
        request = _request(name, plan.client_token, key, opts)
        signed = tls.LocallySignedCert(
            f"{name}-mtls-client-{plan.client_token}",
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
        planned = [certificate.cert_pem for _, certificate in cas.values()]
    else:
        ca = preflight.private_ca
        key = _client_key(name, plan.client_token, ca.key_algorithm, opts)
        request = _request(name, plan.client_token, key, opts)
        issued = aws.acmpca.Certificate(
            f"{name}-mtls-client-{plan.client_token}",
            certificate_authority_arn=ca.arn,
            certificate_signing_request=request.cert_request_pem,
            signing_algorithm=ca.signing_algorithm,
            template_arn=f"arn:{ca.partition}:acm-pca:::{CLIENT_AUTH_TEMPLATE}",
            validity=aws.acmpca.CertificateValidityArgs(type="DAYS", value=str(CLIENT_VALIDITY.days)),
            region=ca.region,
            opts=opts,
        )
        body = issued.certificate
        chain = issued.certificate_chain
        planned = [pulumi.Output.from_input(ca.certificate + "\n" + ca.chain)]
    certificate = aws.acm.Certificate(
        f"{name}-mtls-client",
        certificate_body=body,
        private_key=key.private_key_pem,
        certificate_chain=chain,
        region=aws_limits.CLOUDFRONT_MTLS_REGION,
        tags=tagged(tags, {"Name": f"{name}-mtls-client", MTLS_TAG: preflight.identity}),
        opts=opts,
    )
    kept = list(plan.kept_chain)
    bundle = pulumi.Output.all(*planned).apply(lambda pems: ca_pem_bundle([*pems, *kept]))
    trust_store = _trust_store(name, bundle, tags, opts)
    return BuiltMtls(
        client_certificate=certificate,
        trust_store=trust_store,
        state=VERIFIED if preflight.verify else PRESENTED,
        bundle=bundle,
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

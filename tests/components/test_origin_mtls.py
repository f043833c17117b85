"""Origin mutual TLS under the mocks: the certificate chain (CA -> client certificate -> ACM import in us-east-1 ->
distribution) and the trust store (the same CA -> S3 object -> trust store -> listener in verify mode), each link
pinned; then the same PEMs in a real TLS server on loopback that verifies client certificates as the listener does."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cloudfront_origin_lockdown.origin_mtls import MTLS_TAG
from cloudfront_origin_lockdown.origin_mtls_plan import ORGANIZATION, plan_origin_mtls
from offline.mocks import MOCK_PRIVATE_CA_ARN, MOCK_SHORT_LIVED_CA_ARN, ProgramError, run_program
from offline.snapshot import UNKNOWN, ProgramRun, is_secret, reveal
from offline.tls_mocks import mock_private_ca
from tests.components.mtls_world import (
    ACM,
    BUCKET,
    CLIENT_CERTIFICATE,
    DISTRIBUTION,
    LISTENER,
    LOCALLY_SIGNED,
    MTLS,
    NOW,
    OBJECT,
    PRIVATE_KEY,
    SELF_SIGNED,
    TRUST_STORE,
    deployed_pair,
    inputs,
    issue,
    make_ca,
    mtls_server,
    outputs,
    request,
    write_identity,
)


def certificates(bundle: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(bundle.encode())


def verifies(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):
        return False
    return True


def test_the_client_certificate_chain_from_the_stacks_ca_to_the_distribution() -> None:
    _, run = deployed_pair()
    signed = run.one(LOCALLY_SIGNED)
    client = x509.load_pem_x509_certificate(reveal(signed.outputs)["certPem"].encode())
    cas = {
        r.urn: x509.load_pem_x509_certificate(reveal(r.outputs)["certPem"].encode()) for r in run.of_type(SELF_SIGNED)
    }
    # The CA that signed it is the one the request names, and it is a CA.
    (ca_urn,) = signed.property_dependencies["caCertPem"]
    assert verifies(client, cas[ca_urn])
    assert cas[ca_urn].extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # A client certificate CloudFront can present: EKU client authentication, P-256, not a CA, 90 days.
    assert client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    assert not client.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    public_key = client.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    assert client.not_valid_after_utc - client.not_valid_before_utc == timedelta(days=90)
    assert client.not_valid_before_utc == NOW  # issued by the first deploy, kept by the second
    assert client.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == ORGANIZATION
    # Imported into ACM in us-east-1: the body, its key (a secret), the CA as the chain.
    certificate = run.by_name(CLIENT_CERTIFICATE)
    imported = reveal(certificate.inputs)
    assert imported["region"] == "us-east-1"
    assert imported["certificateBody"] == reveal(signed.outputs)["certPem"]
    assert imported["certificateChain"] == cas[ca_urn].public_bytes(serialization.Encoding.PEM).decode()
    assert is_secret(certificate.inputs["privateKey"])
    key = serialization.load_pem_private_key(imported["privateKey"].encode(), password=None)
    assert key.public_key() == client.public_key()
    assert imported["tags"][MTLS_TAG] == "cloudfront-origin-lockdown/dev/origin"
    # The distribution presents that certificate to the custom origin.
    distribution = run.one(DISTRIBUTION)
    (origin,) = reveal(distribution.inputs)["origins"]
    assert origin["customOriginConfig"]["originMtlsConfig"] == {
        "clientCertificateArn": reveal(certificate.outputs)["arn"]
    }
    assert certificate.urn in distribution.property_dependencies["origins"]


def test_the_trust_store_holds_the_same_cas_and_nothing_else_and_the_listener_verifies_against_it() -> None:
    _, run = deployed_pair()
    bundle_object = inputs(run, OBJECT)
    bundle = bundle_object["content"]
    assert "PRIVATE KEY" not in bundle
    trusted = {c.public_bytes(serialization.Encoding.DER) for c in certificates(bundle)}
    cas = {
        x509.load_pem_x509_certificate(reveal(r.outputs)["certPem"].encode()).public_bytes(serialization.Encoding.DER)
        for r in run.of_type(SELF_SIGNED)
    }
    assert trusted == cas
    # The presented generation, the one before (none before 0) and the next.
    assert len(cas) == len(plan_origin_mtls(NOW, None).ca_window)
    store = run.one(TRUST_STORE)
    held = reveal(store.inputs)
    assert held["caCertificatesBundleS3Bucket"] == run.one(BUCKET).id
    assert held["caCertificatesBundleS3Key"] == bundle_object["key"]
    assert held["caCertificatesBundleS3ObjectVersion"] == outputs(run, OBJECT)["versionId"]
    listener = inputs(run, LISTENER)
    assert listener["protocol"] == "HTTPS"
    assert listener["mutualAuthentication"] == {
        "mode": "verify",
        "trustStoreArn": reveal(store.outputs)["arn"],
        "ignoreClientCertificateExpiry": False,
    }
    assert run.stack_outputs["originMtls"] == "verified"


def test_the_bundles_bucket_is_private_encrypted_versioned_and_tls_only() -> None:
    _, run = deployed_pair()
    assert inputs(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") | {"bucket": None} == {
        "bucket": None,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert inputs(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"
    }
    (rule,) = inputs(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[
        "rules"
    ]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert inputs(run, "aws:s3/bucketVersioning:BucketVersioning")["versioningConfiguration"]["status"] == "Enabled"
    (statement,) = json.loads(inputs(run, "aws:s3/bucketPolicy:BucketPolicy")["policy"])["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # The object is written only once the bucket is locked down.
    guards = {r.urn for r in run.resources if r.type.startswith("aws:s3/bucket") and r.type not in (BUCKET, OBJECT)}
    assert guards <= set(run.one(OBJECT).dependencies)


def test_no_private_key_leaves_the_state_as_anything_but_a_secret() -> None:
    first, run = deployed_pair()
    for program in (first, run):
        assert "PRIVATE KEY" not in json.dumps(program.stack_outputs)
        assert all("PRIVATE KEY" not in message for _, message in program.logs)
        for resource in program.resources:
            for key, value in resource.inputs.items():
                if "PRIVATE KEY" in json.dumps(reveal(value)):
                    assert is_secret(value), (resource.name, key)
            for key, value in resource.outputs.items():
                if "PRIVATE KEY" in json.dumps(reveal(value)):
                    assert is_secret(value), (resource.name, key)
            assert "PRIVATE KEY" not in json.dumps(reveal(resource.inputs).get("tags") or {})
    keys = run.of_type(PRIVATE_KEY)
    assert keys and all(is_secret(k.outputs["privateKeyPem"]) for k in keys)


def test_the_first_deploy_presents_the_certificate_and_the_next_verifies_it() -> None:
    """Turning mTLS on never refuses CloudFront: the listener asks for a certificate only once ACM holds one."""
    first, second = deployed_pair()
    assert first.stack_outputs["originMtls"] == "presented"
    assert inputs(first, LISTENER)["mutualAuthentication"] == {"mode": "off"}
    (origin,) = inputs(first, DISTRIBUTION)["origins"]
    assert origin["customOriginConfig"]["originMtlsConfig"]["clientCertificateArn"]
    assert any("the listener verifies it from the next `pulumi up`" in m for _, m in first.logs)
    assert inputs(second, LISTENER)["mutualAuthentication"]["mode"] == "verify"
    # A day later the same certificate: nothing renewed, the ACM certificate and the distribution unchanged.
    assert inputs(second, ACM, CLIENT_CERTIFICATE) == inputs(first, ACM, CLIENT_CERTIFICATE)
    assert inputs(second, DISTRIBUTION) == inputs(first, DISTRIBUTION)


def test_without_origin_mtls_an_https_listener_says_off_and_nothing_else_is_built() -> None:
    run = run_program({"architecture": "alb", "originDomain": "origin.example.com", "hostedZoneId": "Z0123456789ABC"})
    assert inputs(run, LISTENER)["mutualAuthentication"] == {"mode": "off"}
    assert [r.name for r in run.resources if r.type.startswith(("tls:", "aws:s3/")) or r.type == TRUST_STORE] == []
    assert [r.name for r in run.of_type(ACM)] == ["origin-origin-cert"]  # the origin's own, issued through DNS
    assert run.stack_outputs["originMtls"] == "off"
    assert run.stack_outputs.get("originMtlsClientCertificateArn") is None
    (origin,) = inputs(run, DISTRIBUTION)["origins"]
    assert "originMtlsConfig" not in origin["customOriginConfig"]


@pytest.mark.parametrize(
    ("config", "key", "fragment"),
    [
        ({"architecture": "direct", "originMtls": True}, "originMtls", "needs architecture alb"),
        ({"architecture": "alb", "originMtls": True}, "originMtls", "needs HTTPS to the origin"),
        ({**MTLS, "vpcOrigin": True}, "originMtls", "does not support origin mutual TLS with VPC origins"),
        ({"originMtlsPrivateCaArn": MOCK_PRIVATE_CA_ARN}, "originMtlsPrivateCaArn", "only used with originMtls"),
        ({**MTLS, "originMtlsPrivateCaArn": "arn:aws:acm:us-east-1:1:x"}, "originMtlsPrivateCaArn", "ARN of an AWS"),
        ({**MTLS, "originMtlsPrivateCaArn": MOCK_SHORT_LIVED_CA_ARN}, "originMtlsPrivateCaArn", "at most 7 days"),
        (
            {**MTLS, "originMtlsPrivateCaArn": MOCK_PRIVATE_CA_ARN.replace("1111", "9999")},
            "originMtlsPrivateCaArn",
            "a Private CA this account can use",
        ),
        ({**MTLS, "originMtls": "yes"}, "originMtls", "expected true or false"),
    ],
)
def test_an_unsupported_combination_is_refused_before_any_resource(config: dict, key: str, fragment: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program(config)
    assert f"invalid setting {key}: " in str(caught.value)
    assert fragment in str(caught.value)
    assert [r for r in caught.value.run.resources if r.custom] == []


def test_a_private_ca_issues_the_client_certificate_in_its_own_region_with_the_client_auth_template() -> None:
    config = {**MTLS, "originMtlsPrivateCaArn": MOCK_PRIVATE_CA_ARN}
    _, run = deployed_pair(config)
    assert not run.of_type(SELF_SIGNED) and not run.of_type(LOCALLY_SIGNED)
    issued = run.one("aws:acmpca/certificate:Certificate")
    issue_inputs = reveal(issued.inputs)
    assert issue_inputs["region"] == "eu-west-1"
    assert issue_inputs["templateArn"] == "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1"
    assert issue_inputs["signingAlgorithm"] == "SHA256WITHECDSA"
    assert issue_inputs["validity"] == {"type": "DAYS", "value": "90"}
    imported = inputs(run, ACM, CLIENT_CERTIFICATE + "-pca")
    assert imported["certificateBody"] == reveal(issued.outputs)["certificate"]
    _, ca_pem = mock_private_ca()
    client = x509.load_pem_x509_certificate(imported["certificateBody"].encode())
    assert verifies(client, x509.load_pem_x509_certificate(ca_pem.encode()))
    assert inputs(run, OBJECT)["content"] == ca_pem
    assert inputs(run, LISTENER)["mutualAuthentication"]["mode"] == "verify"


def _program_identities(run: ProgramRun, directory: Path) -> tuple[str, object]:
    imported = inputs(run, ACM, CLIENT_CERTIFICATE)
    client = write_identity(directory, "cloudfront", imported["certificateBody"], imported["privateKey"])
    return inputs(run, OBJECT)["content"], client


def test_a_real_tls_server_with_the_trust_stores_bundle_accepts_cloudfronts_certificate_and_nothing_else(
    tmp_path: Path,
) -> None:
    """The listener's side rendered from the same PEMs: the bundle the trust store reads, the certificate ACM holds.
    Deployed at the real time: the server checks validity against the machine's clock, as the listener does."""
    _, run = deployed_pair(
        now=datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    )
    bundle, cloudfront = _program_identities(run, tmp_path)
    other_key, other_ca = make_ca("someone else's CA")
    stranger = write_identity(
        tmp_path, "stranger", *issue(other_key, other_ca, "stranger", ExtendedKeyUsageOID.CLIENT_AUTH)
    )
    with mtls_server(bundle) as server:
        assert request(server, cloudfront) == 200  # type: ignore[arg-type]
        refused_stranger = request(server, stranger)
        refused_nobody = request(server, None)
    assert refused_stranger != 200 and str(refused_stranger).startswith(("TLS", "connection", "closed"))
    assert refused_nobody != 200 and str(refused_nobody).startswith(("TLS", "connection", "closed"))


def test_a_preview_of_a_new_stack_shows_what_is_known_after_apply() -> None:
    """At preview nothing is issued yet: the certificate, the bundle's version and the bucket are unknown, the plan
    (which CA, which token, listener not verifying yet) is known."""
    run = run_program(MTLS, preview=True)
    assert run.stack_outputs["originMtls"] == "presented"
    assert inputs(run, ACM, CLIENT_CERTIFICATE)["certificateBody"] == UNKNOWN
    store = inputs(run, TRUST_STORE)
    assert store["caCertificatesBundleS3ObjectVersion"] == UNKNOWN and store["caCertificatesBundleS3Key"]
    assert inputs(run, LISTENER)["mutualAuthentication"] == {"mode": "off"}


def test_the_program_waits_as_the_plans_model_assumes() -> None:
    """test_origin_mtls_plan.py's model runs a deploy's steps in any order its WAITS allow: the program must have each
    of those dependencies (above all, the import waits for the trust store and the record of intent: issue 22's
    review, findings 3 and 4)."""
    from offline.steps import custom_resources, dependencies_of
    from tests.components.test_origin_mtls_plan import STEP_RESOURCES, WAITS

    _, run = deployed_pair()
    resources = custom_resources(run)
    urns = {step: run.by_name(name).urn for step, name in STEP_RESOURCES.items()}

    def ancestors(urn: str) -> set[str]:
        pending: list[str] = [urn]
        seen: set[str] = set()
        while pending:
            for dependency in dependencies_of(resources[pending.pop()], run) - seen:
                seen.add(dependency)
                pending.append(dependency)
        return seen

    for step, waits in WAITS.items():
        found = ancestors(urns[step])
        assert {urns[before] for before in waits} <= found, (step, sorted(w for w in waits if urns[w] not in found))
    # The trust store is an explicit dependency of the import (it shares no property with it).
    assert urns["trust"] in run.by_name(STEP_RESOURCES["import"]).dependencies


def test_the_monitoring_probe_learns_whether_the_listener_verifies() -> None:
    """The probe function reads the stack's origin mTLS state as `make verify` reads the stack output: only with
    `verified` does it count a refusal for want of a client certificate as locked and run the fourth check."""
    first, second = deployed_pair({**MTLS, "monitoring": True})
    states = [
        inputs(run, "aws:lambda/function:Function")["environment"]["variables"].get("ORIGIN_PROBE_ORIGIN_MTLS")
        for run in (first, second)
    ]
    assert states == ["presented", "verified"]
    assert [run.stack_outputs["originMtls"] for run in (first, second)] == states

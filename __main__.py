"""cloudfront-origin-lockdown: read the stack's settings once, build the origin, export what to probe."""

import sys
from pathlib import Path

import pulumi

PROJECT_DIR = Path(__file__).resolve().parent
# This program is one user of the component package in components/: import it from this checkout (not
# a copy that may be installed in the virtualenv), so a change to the component is what `pulumi up` runs.
sys.path.insert(0, str(PROJECT_DIR / "components"))

from cloudfront_origin_lockdown import OriginLockdown, SettingError
from cloudfront_origin_lockdown.config import KNOWN_KEYS, check_namespaces, load_settings, without_secrets
from cloudfront_origin_lockdown.stack_rotation import export_rotation_outputs, stack_outputs_record


def _namespace_keys() -> list[str]:
    """Keys set in this project's config namespace (to reject typos such as `archtecture`, and a namespace
    spelled another way, such as `Cloudfront-Origin-Lockdown:waf`)."""
    prefix = f"{pulumi.get_project()}:"
    present = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    check_namespaces(pulumi.get_project(), present)
    return [key[len(prefix) :] for key in present if key.startswith(prefix)]


def _secret_keys() -> list[str]:
    """Settings this stack stores encrypted: a refused one is never shown in clear."""
    return [key for key in KNOWN_KEYS if pulumi.runtime.is_config_secret(f"{pulumi.get_project()}:{key}")]


NAME = "origin"
SECRET_KEYS = _secret_keys()
try:
    stack = load_settings(
        pulumi.Config().get, present_keys=_namespace_keys(), project_dir=PROJECT_DIR, secret_keys=SECRET_KEYS
    )
    # Every check of the settings, then the rotation guard and automatic rotation against the component's
    # record in AWS, then the component. A stack deployed by 0.2.0 has no record yet: its own outputs are read
    # once instead (stack_outputs_record), and that deploy writes the record.
    origin = OriginLockdown(NAME, stack.args, legacy_record=stack_outputs_record)
except SettingError as error:
    # Raised before any resource is registered: `pulumi preview` stops here with this one line.
    raise pulumi.RunError(str(without_secrets(error, SECRET_KEYS))) from None

pulumi.export("architecture", origin.architecture)
# Whether CloudFront reaches the origin through a VPC origin (then the origin has no public address).
pulumi.export("vpcOrigin", origin.vpc_origin)
pulumi.export("url", origin.url)
pulumi.export("distributionDomainName", origin.distribution_domain_name)
pulumi.export("distributionId", origin.distribution_id)
pulumi.export("originAddress", origin.origin_address)
pulumi.export("originUrl", origin.origin_url)
pulumi.export("originHeaderName", origin.origin_header_name)
pulumi.export("securityGroupIds", origin.security_group_ids)
# Monitoring (README "Monitoring"): the dashboard (null while off) and the alarm topics by region.
pulumi.export("dashboardUrl", origin.dashboard_url)
pulumi.export("alarmTopicArns", origin.alarm_topic_arns)
# Origin mutual TLS (README "Origin mutual TLS"): off, presented or verified; the certificate CloudFront presents.
pulumi.export("originMtls", origin.origin_mtls)
pulumi.export("originMtlsClientCertificateArn", origin.origin_mtls_client_certificate_arn)
# Informational (never read back for safety): the slots the resources report, and automatic rotation's step.
export_rotation_outputs(origin)

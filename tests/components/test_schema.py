"""The package schema other languages get (`pulumi package add`): what Pulumi's component analyzer infers from
OriginLockdownArgs and OriginLockdown's outputs, and what the plugin entry point (components/__main__.py)
serves over the provider protocol.

One vocabulary: the schema's inputs are the stack settings of the component (``Pulumi.yaml``), its outputs
the stack outputs of this repository's program (but the informational rotation outputs, which are the
program's). Every setting is an input, rotation's too since 0.3.0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from cloudfront_origin_lockdown import COMPONENT_TYPE, PACKAGE_NAME, OriginLockdown, __version__
from cloudfront_origin_lockdown.args import ARG_NAMES, INPUT_ARGS, setting_key
from offline.mocks import run_program

ROOT = Path(__file__).resolve().parents[2]
# (type, item type) of every input; None: no items. Plain unless listed in INPUT_ARGS.
INPUT_TYPES: dict[str, tuple[str, str | None]] = {
    "architecture": ("string", None),
    "vpcOrigin": ("boolean", None),
    "instanceType": ("string", None),
    "instanceCount": ("integer", None),
    "appPort": ("integer", None),
    "appBootScript": ("string", None),
    "healthCheckPath": ("string", None),
    "originHeaderName": ("string", None),
    "secretLength": ("integer", None),
    "secretSlots": ("array", "string"),
    "activeSecretSlot": ("string", None),
    "secretRotationDays": ("integer", None),
    "rotationGuard": ("boolean", None),
    "originDomain": ("string", None),
    "hostedZoneId": ("string", None),
    "certificateArn": ("string", None),
    "originIpv6": ("boolean", None),
    "priceClass": ("string", None),
    "cachePolicy": ("string", None),
    "originRequestPolicy": ("string", None),
    "vpcId": ("string", None),
    "publicSubnetIds": ("array", "string"),
    "privateSubnetIds": ("array", "string"),
    "vpcCidr": ("string", None),
    "vpcEndpoints": ("boolean", None),
    "amiId": ("string", None),
    "waf": ("boolean", None),
    "wafRateLimit": ("integer", None),
    "tags": ("object", "string"),
    "monitoring": ("boolean", None),
    "alarmEmail": ("string", None),
    "cloudfrontAdditionalMetrics": ("boolean", None),
    "deployRoleArn": ("string", None),
    "originMtls": ("boolean", None),
    "originMtlsPrivateCaArn": ("string", None),
}
OUTPUT_TYPES: dict[str, tuple[str, str | None]] = {
    "url": ("string", None),
    "distributionDomainName": ("string", None),
    "distributionId": ("string", None),
    "originAddress": ("string", None),
    "originUrl": ("string", None),
    "originHeaderName": ("string", None),
    "securityGroupIds": ("object", "string"),
    "acceptedSecretSlots": ("array", "string"),
    "activeSecretSlot": ("string", None),
    "architecture": ("string", None),
    "vpcOrigin": ("boolean", None),
    "dashboardUrl": ("string", None),
    "alarmTopicArns": ("object", "string"),
    "originMtls": ("string", None),
    "originMtlsClientCertificateArn": ("string", None),
}
# Outputs that may be null (dashboardUrl while monitoring is off, the client certificate while origin mTLS is).
OPTIONAL_OUTPUTS = {"dashboardUrl", "originMtlsClientCertificateArn"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """What the provider serves for GetSchema: the analyzer's inference, as the plugin host builds it."""
    provider = ComponentProvider([OriginLockdown], PACKAGE_NAME, version=__version__)
    assert provider.schema is not None
    parsed: dict[str, Any] = json.loads(provider.schema)
    return parsed


@pytest.fixture(scope="module")
def resource(schema: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = schema["resources"][COMPONENT_TYPE]
    return spec


def _type_of(spec: dict[str, Any]) -> tuple[str, str | None]:
    inner = spec.get("items") or spec.get("additionalProperties")
    return spec["type"], inner["type"] if inner else None


def test_the_package_and_its_one_component(schema: dict[str, Any], resource: dict[str, Any]) -> None:
    assert COMPONENT_TYPE == "cloudfront-origin-lockdown:index:OriginLockdown"
    assert (schema["name"], schema["version"]) == (PACKAGE_NAME, __version__)
    assert list(schema["resources"]) == [COMPONENT_TYPE]
    assert resource["isComponent"] is True
    assert resource["description"].startswith("A CloudFront distribution and an origin on AWS")
    # Every argument is a plain type of the schema: no complex types to generate.
    assert not schema.get("types")


def test_every_input_is_a_stack_setting_typed_documented_and_optional(resource: dict[str, Any]) -> None:
    inputs = resource["inputProperties"]
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert set(inputs) == set(declared) == set(INPUT_TYPES)
    assert list(inputs) == [setting_key(name) for name in ARG_NAMES]
    for name, spec in inputs.items():
        assert _type_of(spec) == INPUT_TYPES[name], name
        # Described in one paragraph (no source indentation in other languages' docs).
        assert len(spec["description"]) > 30 and "\n" not in spec["description"], name
        # The config key's type is the argument's (tags: Key=Value strings in config, a map here).
        if name != "tags":
            assert declared[name]["type"] == spec["type"], name
    assert not resource.get("requiredInputs")


def test_only_values_from_other_resources_may_be_outputs(resource: dict[str, Any]) -> None:
    """Plain where the value decides which resources exist; Input for ids, ARNs and tags."""
    for name, spec in resource["inputProperties"].items():
        may_be_output = name in {setting_key(arg) for arg in INPUT_ARGS}
        assert spec.get("plain") is (None if may_be_output else True), name
        inner = spec.get("items") or spec.get("additionalProperties")
        if inner is not None:
            assert inner.get("plain") is (None if may_be_output else True), name
    assert {setting_key(arg) for arg in INPUT_ARGS} == {
        "vpcId",
        "publicSubnetIds",
        "privateSubnetIds",
        "certificateArn",
        "hostedZoneId",
        "amiId",
        "tags",
    }


def test_every_output_is_typed_documented_and_one_the_program_exports(resource: dict[str, Any]) -> None:
    outputs = resource["properties"]
    assert set(outputs) == set(OUTPUT_TYPES)
    assert set(resource["required"]) == set(OUTPUT_TYPES) - OPTIONAL_OUTPUTS
    for name, spec in outputs.items():
        assert _type_of(spec) == OUTPUT_TYPES[name], name
        assert len(spec["description"]) > 20 and "\n" not in spec["description"], name
        assert "plain" not in spec, name
    exported = run_program({}).stack_outputs
    # A null output is not exported: dashboardUrl only with monitoring on.
    assert set(exported) == set(OUTPUT_TYPES) - OPTIONAL_OUTPUTS
    assert set(run_program({"monitoring": True}).stack_outputs) == set(OUTPUT_TYPES) - {
        "originMtlsClientCertificateArn"
    }
    mtls = {"originDomain": "origin.example.com", "hostedZoneId": "Z0123456789ABC", "originMtls": True}
    assert set(run_program(mtls).stack_outputs) == set(OUTPUT_TYPES) - {"dashboardUrl"}


def test_python_names_map_to_the_schema_names_one_to_one() -> None:
    (definition,) = Analyzer(PACKAGE_NAME).analyze([OriginLockdown])["component_definitions"].values()
    assert definition.inputs_mapping == {setting_key(name): name for name in ARG_NAMES}
    assert set(definition.outputs_mapping.values()) == {
        "url",
        "distribution_domain_name",
        "distribution_id",
        "origin_address",
        "origin_url",
        "origin_header_name",
        "security_group_ids",
        "accepted_secret_slots",
        "active_secret_slot",
        "architecture",
        "vpc_origin",
        "dashboard_url",
        "alarm_topic_arns",
        "origin_mtls",
        "origin_mtls_client_certificate_arn",
    }


# --- the plugin entry point, as `pulumi package add` runs it ------------------------------------------------


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """``python components/__main__.py ENGINE`` (how the Python language host starts a plugin), from a
    folder outside the repository and without PYTHONPATH: it finds the package next to it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PULUMI_")}
    proc = subprocess.Popen(
        # The engine address is only dialled for Construct; nothing listens there.
        [sys.executable, "-u", str(ROOT / "components" / "__main__.py"), "127.0.0.1:9"],
        cwd=tmp_path_factory.mktemp("plugin-cwd"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline() if proc.stdout else b""))
    reader.start()
    reader.join(60)
    channel = None
    try:
        if not lines or not lines[0].strip().isdigit():
            proc.kill()
            _, stderr = proc.communicate(timeout=10)
            pytest.fail(f"the plugin printed {lines!r} instead of its port: {stderr.decode(errors='replace')[-3000:]}")
        channel = grpc.insecure_channel(f"127.0.0.1:{int(lines[0])}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        if channel is not None:
            channel.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_the_plugin_serves_the_schema_and_version_of_the_package(
    plugin: provider_pb2_grpc.ResourceProviderStub, schema: dict[str, Any]
) -> None:
    served = json.loads(plugin.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30).schema)
    assert served == schema
    assert plugin.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == __version__


def test_the_plugin_folder_has_what_pulumi_package_add_needs() -> None:
    folder = ROOT / "components"
    manifest = yaml.safe_load((folder / "PulumiPlugin.yaml").read_text())
    assert manifest == {"runtime": "python"}
    assert (folder / "__main__.py").is_file() and (folder / "requirements.txt").is_file()
    # The package the plugin serves sits next to its entry point (the language host puts that folder first).
    assert (folder / "cloudfront_origin_lockdown" / "__init__.py").is_file()

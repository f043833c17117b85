"""What only the name, the region, the rendered boot script or the account can refuse: checked before the
component registers anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from cloudfront_origin_lockdown import preflight
from cloudfront_origin_lockdown.aws_limits import USER_DATA_MAX_BYTES
from cloudfront_origin_lockdown.boot import render_user_data
from cloudfront_origin_lockdown.preflight import boot_settings, check_user_data, invoke_options, secrets_parameter_name
from cloudfront_origin_lockdown.settings import SettingError, Settings
from offline.mocks import ProgramError, run_program

PARAMETER = "/cloudfront-origin-lockdown/dev/origin/accepted-origin-secrets"


def script_rendering_to(architecture: str, size: int) -> Settings:
    """Args whose boot script renders to exactly ``size`` bytes of user data (the script is pasted verbatim)."""
    probe = Settings(architecture=architecture, app_boot_script="#!/bin/bash\n")  # type: ignore[arg-type]
    overhead = len(render_user_data(boot_settings(probe, "us-east-1", PARAMETER)).encode()) - len("#!/bin/bash\n")
    script = "#!/bin/bash\n" + "#" * (size - overhead - len("#!/bin/bash\n") - 1) + "\n"
    return Settings(architecture=architecture, app_boot_script=script)  # type: ignore[arg-type]


@pytest.mark.parametrize("architecture", ["alb", "direct"])
def test_user_data_holds_16_kb_and_refuses_one_byte_more(architecture: str) -> None:
    at_limit = script_rendering_to(architecture, USER_DATA_MAX_BYTES)
    rendered = check_user_data(at_limit, boot_settings(at_limit, "us-east-1", PARAMETER))
    assert len(rendered.encode()) == USER_DATA_MAX_BYTES == 16384
    past = script_rendering_to(architecture, USER_DATA_MAX_BYTES + 1)
    with pytest.raises(SettingError) as caught:
        check_user_data(past, boot_settings(past, "us-east-1", PARAMETER))
    size = len((past.app_boot_script or "").encode())
    assert caught.value.key == "appBootScript"
    assert caught.value.value == f"<a script of {size} bytes>"
    assert caught.value.allowed == (
        "EC2 user data is limited to 16384 bytes (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html); "
        f"keep the boot script to at most {size - 1} bytes, e.g. by having it download the app"
    )


def test_a_boot_script_refused_for_its_size_stops_the_program_before_any_resource(tmp_path: Path) -> None:
    script = tmp_path / "big.sh"
    script.write_text("#!/bin/bash\n" + "# padding\n" * 2000)
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "direct", "appBootScript": str(script)})
    assert str(caught.value).startswith("invalid setting appBootScript: '<a script of 20012 bytes>' is not allowed; ")
    assert caught.value.run.resources == []


def test_the_sample_apps_own_boot_script_is_named_after_the_architecture(monkeypatch: pytest.MonkeyPatch) -> None:
    args = Settings(architecture="direct")

    def too_big(_: Any) -> str:
        raise ValueError("invalid boot setting architecture: '<17000 bytes of user data>' is not allowed; too big")

    monkeypatch.setattr(preflight, "render_user_data", too_big)
    with pytest.raises(SettingError) as caught:
        check_user_data(args, boot_settings(args, "us-east-1", PARAMETER))
    assert str(caught.value) == "invalid setting architecture: 'direct' is not allowed; too big"


def test_boot_settings_are_the_instances_own() -> None:
    direct = boot_settings(Settings(architecture="direct", app_port=9000), "eu-west-1", PARAMETER)
    assert (direct.architecture, direct.app_port, direct.region, direct.listen_port) == (
        "direct",
        9000,
        "eu-west-1",
        80,
    )
    assert (direct.header_name, direct.secrets_parameter_name, direct.app_boot_script) == (
        "X-Origin-Verify",
        PARAMETER,
        None,
    )
    alb = boot_settings(Settings(app_boot_script="run"), "eu-west-1", PARAMETER)
    assert (alb.architecture, alb.app_port, alb.region, alb.app_boot_script) == ("alb", 8080, "eu-west-1", "run")
    assert alb.secrets_parameter_name is None
    assert secrets_parameter_name("p", "s", "n") == "/p/s/n/accepted-origin-secrets"


class FakeProvider:
    def __init__(self, package: str) -> None:
        self.package = package


def test_invokes_reach_the_provider_the_children_will_use() -> None:
    aws, other = FakeProvider("aws"), FakeProvider("random")
    parent: Any = object()
    assert invoke_options(None).provider is None
    assert invoke_options(pulumi.ResourceOptions(provider=aws)).provider is aws  # type: ignore[arg-type]
    assert invoke_options(pulumi.ResourceOptions(provider=other)).provider is None  # type: ignore[arg-type]
    assert invoke_options(pulumi.ResourceOptions(providers={"aws": aws})).provider is aws  # type: ignore[dict-item]
    assert invoke_options(pulumi.ResourceOptions(providers=[other, aws])).provider is aws  # type: ignore[list-item]
    assert invoke_options(pulumi.ResourceOptions(providers=[other])).provider is None  # type: ignore[list-item]
    assert invoke_options(pulumi.ResourceOptions(provider=other, providers={"aws": aws})).provider is aws  # type: ignore[arg-type,dict-item]
    assert invoke_options(pulumi.ResourceOptions(parent=parent)).parent is parent


def test_a_missing_custom_policy_is_a_setting_error_and_a_managed_one_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_: Any, **__: Any) -> Any:
        raise RuntimeError("no cache policy found")

    monkeypatch.setattr(pulumi.runtime, "invoke", failing)
    with pytest.raises(SettingError) as caught:
        preflight._policy_id("cachePolicy", "my-policy", preflight.CACHE_POLICY_LOOKUP, pulumi.InvokeOptions())
    assert str(caught.value) == (
        "invalid setting cachePolicy: 'my-policy' is not allowed; expected the name of a CloudFront policy in this "
        "account; looking it up failed: no cache policy found"
    )
    with pytest.raises(RuntimeError, match="no cache policy found"):
        preflight._policy_id(
            "cachePolicy", "Managed-CachingDisabled", preflight.CACHE_POLICY_LOOKUP, pulumi.InvokeOptions()
        )


NAMED_PROGRAM = """
import sys
sys.path.insert(0, {components!r})
from cloudfront_origin_lockdown import OriginLockdown, OriginLockdownArgs
OriginLockdown({name!r}, OriginLockdownArgs(architecture={architecture!r}))
"""


@pytest.mark.parametrize(("name", "architecture"), [("a" * 21, "alb"), ("a" * 43, "direct")])
def test_the_component_name_is_checked_before_the_component_registers(
    name: str, architecture: str, tmp_path: Path
) -> None:
    """One character past the limit (the limit itself: test_settings) stops the program before anything."""
    program = tmp_path / "__main__.py"
    components = str(Path(__file__).resolve().parents[2] / "components")
    program.write_text(NAMED_PROGRAM.format(components=components, name=name, architecture=architecture))
    with pytest.raises(ProgramError) as caught:
        run_program({}, program=program, preview=True)
    assert str(caught.value).startswith(f"invalid setting name: {name!r} is not allowed; expected a component name")
    assert caught.value.run.resources == []


REUSED_PROGRAM = """
import sys
sys.path.insert(0, {components!r})
import dataclasses
import cloudfront_origin_lockdown.origin_lockdown as component
from cloudfront_origin_lockdown import OriginLockdownArgs, settings_from_args
from cloudfront_origin_lockdown.preflight import run_preflight

class Checked(Exception):
    pass

calls = []
def counting(name, args, opts=None):
    calls.append(name)
    raise Checked()  # stop before registering: only whether it ran matters

component.run_preflight = counting
try:
    args = OriginLockdownArgs(architecture="direct")
    checked = dataclasses.replace(run_preflight("first", settings_from_args(args)), args=args)
    component.OriginLockdown("first", args, preflight=checked)  # reused: no second check
    # Another name, or other (even equal) args: checked again.
    for name, other_args in (("second", args), ("first", OriginLockdownArgs(architecture="direct"))):
        try:
            component.OriginLockdown(name, other_args, preflight=checked)
        except Checked:
            pass
finally:
    component.run_preflight = run_preflight  # the module is shared with every later test in this process
assert calls == ["second", "first"], calls
"""


def test_a_preflight_is_reused_only_for_the_name_and_args_it_checked(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    components = str(Path(__file__).resolve().parents[2] / "components")
    program.write_text(REUSED_PROGRAM.format(components=components))
    run = run_program({}, program=program, preview=True)
    assert [r.name for r in run.resources if r.type.endswith("OriginLockdown")] == ["first"]


# -- lookups that refuse a stack AWS would refuse part-way through ---------------------------------------------------

EXISTING_NETWORK = {
    "vpcId": "vpc-0123456789abcdef0",
    "publicSubnetIds": ["subnet-0000000a", "subnet-0000000b"],
    "privateSubnetIds": ["subnet-0000000c", "subnet-0000000d"],
}
ZONE_OF_EXAMPLE_COM = "Z0123456789ABC"  # example.com in the mocks


@pytest.mark.parametrize(
    ("domain", "zone", "error"),
    [
        ("origin.example.com", ZONE_OF_EXAMPLE_COM, None),
        ("a.b.example.com", ZONE_OF_EXAMPLE_COM, None),
        ("example.com", ZONE_OF_EXAMPLE_COM, None),
        ("origin.other.org", "Z0AAAAAAAAAAAA", None),  # a zone of the user's account: its name is AWS's to know
        (
            "origin.other.org",
            ZONE_OF_EXAMPLE_COM,
            "invalid setting originDomain: 'origin.other.org' is not allowed; expected a name in hosted zone "
            "Z0123456789ABC (example.com), such as origin.example.com: Route 53 keeps a zone's records inside it",
        ),
        (
            "origin.notexample.com",
            ZONE_OF_EXAMPLE_COM,
            "invalid setting originDomain: 'origin.notexample.com' is not allowed; expected a name in hosted zone",
        ),
        (
            "origin.example.com",
            "Z00000000000000BAD",
            "invalid setting hostedZoneId: 'Z00000000000000BAD' is not allowed; expected a Route 53 hosted zone of "
            "this account; AWS says:",
        ),
    ],
)
def test_the_origin_domain_must_be_in_the_hosted_zone(domain: str, zone: str, error: str | None) -> None:
    """Route 53 refuses a record outside its zone: caught before any resource, not after the VPC and ALB exist."""
    config = {"architecture": "alb", "originDomain": domain, "hostedZoneId": zone}
    if error is None:
        assert run_program(config, preview=True).resources
        return
    with pytest.raises(ProgramError) as caught:
        run_program(config, preview=True)
    assert str(caught.value).startswith(error), str(caught.value)
    assert caught.value.run.resources == []


@pytest.mark.parametrize("network", [{}, EXISTING_NETWORK], ids=["created VPC", "existing VPC"])
def test_an_instance_type_no_zone_offers_is_refused_before_any_resource(network: dict[str, Any]) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", "instanceType": "t3.micrp", **network}, preview=True)
    assert str(caught.value).startswith("invalid setting instanceType: 't3.micrp' is not allowed; expected a")
    assert caught.value.run.resources == []
    assert run_program({"architecture": "alb", "instanceType": "t3.small", **network}, preview=True).resources


@pytest.mark.parametrize(
    ("config", "secret"),
    [
        ({"originDomain": "origin.other.org", "hostedZoneId": ZONE_OF_EXAMPLE_COM}, "originDomain"),
        ({"instanceType": "t3.micrp", **EXISTING_NETWORK}, "instanceType"),
        ({**EXISTING_NETWORK, "vpcId": "vpc-00000000000000bad"}, "vpcId"),
    ],
)
def test_a_setting_stored_encrypted_and_refused_by_a_lookup_is_never_shown(config: dict[str, Any], secret: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program({"architecture": "alb", **config}, preview=True, secret_keys=[secret])
    assert str(caught.value).startswith(f"invalid setting {secret}: [secret] is not allowed; expected ")
    assert str(config[secret]) not in str(caught.value) and caught.value.run.resources == []

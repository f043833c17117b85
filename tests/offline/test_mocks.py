"""The engine-like mocks behave like the engine where the tests rely on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudfront_origin_lockdown.mock_outputs import fake_password
from offline.mocks import ProgramError, run_program
from offline.snapshot import UNKNOWN, is_secret, reveal

PROGRAM = """
import pulumi
import pulumi_aws as aws

group = aws.ec2.SecurityGroup(
    "probe-group",
    description="plain input",
    vpc_id="vpc-0123456789abcdef0",
    opts=pulumi.ResourceOptions(additional_secret_outputs=["arn"]),
)
secret_tags = aws.ec2.SecurityGroup(
    "probe-secret-input",
    description=pulumi.Output.secret("secret input"),
    vpc_id="vpc-0123456789abcdef0",
)
pulumi.export("arn", group.arn)
pulumi.export("id", group.id)
pulumi.export("description", group.description)
pulumi.export("secretDescription", secret_tags.description)
"""


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mocks") / "__main__.py"
    path.write_text(PROGRAM)
    return path


def test_additional_secret_outputs_come_back_secret(program: Path) -> None:
    run = run_program({}, program=program)
    assert is_secret(run.stack_outputs["arn"])
    assert not is_secret(run.stack_outputs["id"])
    assert run.stack_outputs["description"] == "plain input"
    assert is_secret(run.by_name("probe-group").outputs["arn"])
    assert not is_secret(run.by_name("probe-group").outputs["description"])


def test_a_secret_input_makes_the_same_output_secret(program: Path) -> None:
    run = run_program({}, program=program)
    assert is_secret(run.stack_outputs["secretDescription"])
    assert reveal(run.stack_outputs["secretDescription"]) == "secret input"
    snapshot = run.by_name("probe-secret-input")
    assert is_secret(snapshot.inputs["description"]) and is_secret(snapshot.outputs["description"])


def test_preview_knows_inputs_but_not_computed_outputs(program: Path) -> None:
    run = run_program({}, program=program, preview=True)
    assert run.stack_outputs["id"] == UNKNOWN
    assert reveal(run.stack_outputs["arn"]) == UNKNOWN and is_secret(run.stack_outputs["arn"])
    assert run.stack_outputs["description"] == "plain input"
    assert run.by_name("probe-group").id == UNKNOWN


def test_up_knows_computed_outputs(program: Path) -> None:
    run = run_program({}, program=program)
    assert str(run.stack_outputs["id"]).startswith("sg-")
    assert reveal(run.stack_outputs["arn"]).startswith("arn:aws:ec2:us-east-1:")


def test_unknown_data_sources_fail_loudly(tmp_path: Path) -> None:
    path = tmp_path / "__main__.py"
    path.write_text("import pulumi_aws as aws\naws.s3.get_bucket(bucket='anything')\n")
    with pytest.raises(ProgramError, match="the mocks do not answer data source aws:s3/getBucket:getBucket"):
        run_program({}, program=path)


def test_fake_passwords_are_deterministic_alphanumeric() -> None:
    value = fake_password("origin-secret-v1", 48)
    assert value == fake_password("origin-secret-v1", 48)
    assert value != fake_password("origin-secret-v2", 48)
    assert len(value) == 48 and value.isalnum()

"""The EC2 side: an instance role for Session Manager (no SSH anywhere), the instances themselves.

Hardening that applies to every instance: IMDSv2 required (``http_tokens=required``) with a hop
limit of 1 so a container on the host cannot reach the metadata service, an encrypted gp3 root
volume, no key pair, and no user data secret (the direct origin's guard reads the accepted values
from SSM Parameter Store through this role at boot and on a timer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .boot import BootSettings, render_user_data
from .inputs import SubnetIds, Tags, subnet_at, tagged
from .settings import Settings

# AWS's public SSM parameters for the newest Amazon Linux 2023 AMI, per CPU architecture:
# https://docs.aws.amazon.com/linux/al2023/ug/ec2.html#launch-via-aws-cli
AL2023_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
# Graviton (arm64) families carry a "g" right after the generation digit: t4g, c7gn, m6gd, r8g, x2gd,
# im4gn, hpc7g, g5g; plus the first Graviton family, a1.
# https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html
_GRAVITON_FAMILY = re.compile(r"^(?:a1|[a-z]+\d+g[a-z]*)$")


def ami_parameter(instance_type: str) -> str:
    """The AL2023 AMI parameter matching the instance type's CPU architecture."""
    family = instance_type.split(".", 1)[0]
    return AL2023_AMI_PARAMETER.format(arch="arm64" if _GRAVITON_FAMILY.match(family) else "x86_64")


SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


@dataclass(frozen=True)
class InstanceIdentity:
    """The instances' role, its profile, and every resource that grants the role a permission."""

    role: aws.iam.Role
    profile: aws.iam.InstanceProfile
    grants: tuple[pulumi.Resource, ...]

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What an instance must wait for: it reads the parameter at first boot, so the role must already
        hold the permission (the profile alone exists as soon as the role does)."""
        return [self.profile, *self.grants]


def instance_role(
    name: str,
    secrets_parameter_arn: pulumi.Input[str] | None,
    tags: Tags,
    parent: pulumi.Resource,
) -> InstanceIdentity:
    """A role with Session Manager access and, for the direct origin, read access to one parameter."""
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-instance-role",
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        description="Origin instances: SSM Session Manager instead of SSH",
        tags=tagged(tags),
        opts=opts,
    )
    grants: list[pulumi.Resource] = [
        aws.iam.RolePolicyAttachment(f"{name}-ssm-core", role=role.name, policy_arn=SSM_CORE_POLICY, opts=opts)
    ]
    if secrets_parameter_arn is not None:
        # Only this parameter. SecureStrings under the AWS managed key aws/ssm decrypt through SSM
        # without a kms:Decrypt grant in the role (the key policy allows use via SSM in the account).
        policy = aws.iam.RolePolicy(
            f"{name}-read-origin-secrets",
            role=role.id,
            policy=pulumi.Output.from_input(secrets_parameter_arn).apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": arn}],
                    }
                )
            ),
            opts=opts,
        )
        grants.append(policy)
    profile = aws.iam.InstanceProfile(f"{name}-instance-profile", role=role.name, tags=tagged(tags), opts=opts)
    return InstanceIdentity(role=role, profile=profile, grants=tuple(grants))


def build_instances(
    name: str,
    args: Settings,
    boot: BootSettings,
    subnet_ids: SubnetIds,
    security_group_ids: Sequence[pulumi.Input[str]],
    identity: InstanceIdentity,
    tags: Tags,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> list[aws.ec2.Instance]:
    """The origin instances. Only the direct origin without a VPC origin gets a public address;
    ``depends_on`` holds what the boot script needs first (e.g. the endpoints it installs and reads through)."""
    public = args.architecture == "direct" and not args.vpc_origin
    ami_id: pulumi.Input[str]
    ignore: list[str] = []
    if args.ami_id is not None:
        ami_id = args.ami_id
    else:
        ami_id = aws.ssm.get_parameter(
            name=ami_parameter(args.instance_type), opts=pulumi.InvokeOptions(parent=parent)
        ).value
        # A newer AMI must not replace running instances on the next `pulumi up`; pin amiId to move.
        ignore.append("ami")
    user_data = render_user_data(boot)
    instances = []
    for index in range(args.instances):
        instances.append(
            aws.ec2.Instance(
                f"{name}-instance-{index + 1}",
                ami=ami_id,
                instance_type=args.instance_type,
                subnet_id=subnet_at(subnet_ids, index),
                vpc_security_group_ids=list(security_group_ids),
                associate_public_ip_address=public,
                iam_instance_profile=identity.profile.name,
                metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                    http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
                ),
                root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                    volume_type="gp3", volume_size=8, encrypted=True, delete_on_termination=True
                ),
                user_data=user_data,
                # cloud-init runs user data once per instance, so a changed boot script (app port, your
                # script, the header name) only takes effect on a new instance: replace, don't restart.
                # Rotation never changes user data (it carries no secret), so it never replaces.
                user_data_replace_on_change=True,
                monitoring=False,
                tags=tagged(tags, {"Name": f"{name}-{index + 1}"}),
                # IAM is eventually consistent, and the guard retries on its timer; but an instance created
                # before its role may read the parameter boots into deny-all for no reason. With a VPC
                # origin it also waits for the endpoint it reads the parameter through.
                # A new instance type replaces the instance, a new one first (the provider would stop and start
                # it in place: every instance at once behind the ALB, the one origin with direct); the old one
                # keeps serving until the end of the update (offline/switches.py).
                opts=pulumi.ResourceOptions(
                    parent=parent,
                    ignore_changes=ignore,
                    depends_on=[*identity.ready, *depends_on],
                    replace_on_changes=["instanceType"],
                ),
            )
        )
    return instances

"""Assemble and serve the policy pack (the Pulumi CLI runs ``python __main__.py <engine address>`` here)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from lockdown import server
from lockdown.policies import PACK_NAME, build_policies

server.install()  # one conversion of the stack per AnalyzeStack request, shared by the stack policies
PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=build_policies(),
    description="CloudFront origin lockdown: only CloudFront may reach an origin, and the secret header stays secret.",
)

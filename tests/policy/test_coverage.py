"""The closed world: every family type of the providers is modelled, cannot carry an origin's traffic, or fails closed.

The table (``policy/origin_lockdown_judge/provider_types.json``) is generated from the installed SDKs by
``tools/provider_types.py``; these tests fail when the installed pulumi-aws has a family type the lists do not
classify, when the table is stale for it, when a list names a type that does not exist, and when the judge reads
a property a type does not have.
"""

from __future__ import annotations

from importlib import metadata

import pytest

from origin_lockdown_judge import catalog, closed_world, coverage, shapes
from origin_lockdown_judge import kinds as k
from origin_lockdown_judge.graph import REFERENCE_KEYS
from tools import provider_types

MODELLED = {catalog.canonical(t) for t in k.RELEVANT_TYPES}


def classes(provider: str) -> set[str]:
    """Every family type of ``provider`` in the table (classes only, not legacy aliases)."""
    return set(catalog.types_of(provider))


def unclassified(tokens: set[str]) -> list[str]:
    problems = []
    for token in sorted(tokens):
        places = [name for name, where in (("modelled", MODELLED), ("cannot carry", coverage.CANNOT_CARRY),
                  ("fails closed", coverage.FAILS_CLOSED)) if token in where]  # fmt: skip
        if len(places) != 1:
            problems.append(f"{token}: {' and '.join(places) or 'in no list'}")
    return problems


def test_the_table_is_the_installed_pulumi_aws() -> None:
    """The checked-in table's pulumi-aws part is the installed SDK's: the same version, the same family types, and
    for every type the judge reads, the same properties (all of them: `python -m tools.provider_types --check`)."""
    table = catalog.table()
    aws = table["providers"]["aws"]
    assert aws["version"] == metadata.version("pulumi-aws")
    assert set(provider_types.registered("aws")) == set(aws["types"]), (
        "stale: run .venv/bin/python -m tools.provider_types"
    )
    modelled = {t for t in aws["types"] if t in MODELLED}
    assert provider_types.read_provider("aws", only=modelled)["types"] == {t: aws["types"][t] for t in modelled}
    assert table["families"] == {f: {p: list(m) for p, m in ms.items()} for f, ms in catalog.FAMILIES.items()}


def test_every_installed_pulumi_aws_family_type_is_classified() -> None:
    installed = set(provider_types.registered("aws"))
    assert len(installed) > 200  # the families hold hundreds of types: a broken reader finds none
    assert unclassified(installed) == []


def test_the_types_document_is_fresh() -> None:
    """policy/TYPES.md (every family type, what the pack does with it and why) is what the generator writes."""
    text = provider_types.TYPES_DOC.read_text()
    assert text == provider_types.render_types(catalog.table()), "stale: run .venv/bin/python -m tools.provider_types"
    assert "not classified" not in text
    assert "| `aws:ec2/vpcEndpointService:VpcEndpointService` | fails closed | PrivateLink: every VPC" in text
    assert "| interfaces and groups | aws | 16 | 1 | 95 |" in text


def test_every_aws_native_family_type_of_the_table_is_classified() -> None:
    native = classes("aws-native")
    assert catalog.table()["providers"]["aws-native"]["version"] == "1.84.0"
    assert len(native) > 150
    assert unclassified(native) == []


def test_the_lists_as_built_now() -> None:
    """The lists rebuilt (not read from their cache) are the ones the judge uses, and a module attribute other than
    the two lists is refused by name."""
    assert coverage.cannot_carry.__wrapped__() == coverage.CANNOT_CARRY
    assert coverage.fails_closed.__wrapped__() == coverage.FAILS_CLOSED
    assert unclassified(set(coverage.cannot_carry.__wrapped__())) == []
    with pytest.raises(AttributeError, match="NOTHING_HERE"):
        _ = coverage.NOTHING_HERE


def test_the_lists_and_the_judge_name_only_real_types() -> None:
    real = classes("aws") | classes("aws-native")
    aliases = set(catalog.aliases())
    named = set(coverage.CANNOT_CARRY) | set(coverage.FAILS_CLOSED)
    assert sorted(named - real) == []
    assert sorted(t for t in k.RELEVANT_TYPES if t not in real and t not in aliases) == []
    reasons = [*coverage.CANNOT_CARRY.values(), *coverage.FAILS_CLOSED.values()]
    assert all(
        len(reason) > 20 and not reason.endswith(".") for reason in reasons
    )  # a reason, worded to follow "because"


def test_the_judge_reads_properties_the_types_have() -> None:
    """Every property a modelled type is indexed by is one of its inputs or outputs (or the engine's ``id``)."""
    missing = []
    for rtype, keys in REFERENCE_KEYS.items():
        entry = {**catalog.types_of("aws"), **catalog.types_of("aws-native")}.get(catalog.canonical(rtype))
        assert entry is not None, rtype
        known = {*entry["inputs"], *entry["outputs"], "id", *shapes.added_properties(rtype)}
        missing += [f"{rtype}.{key}" for key in keys if key not in known]
    assert missing == []


def test_families_are_modules_and_ec2_splits_by_launch_inputs() -> None:
    assert catalog.split_token("aws:ec2/instance:Instance") == ("aws", "ec2")
    assert catalog.split_token("aws:ec2/a/b:C") == ("aws", "ec2")
    assert catalog.in_closed_world("aws:ec2/anything:Anything") is True
    assert catalog.in_closed_world("aws:s3/bucket:Bucket") is False
    assert catalog.in_closed_world("aws-native:globalaccelerator:Listener") is True
    assert catalog.in_closed_world("not a token") is False
    assert catalog.split_token("aws-native:ec2:Instance") == ("aws-native", "ec2")
    assert catalog.split_token("kubernetes:core/v1:Service:x") is None
    assert catalog.family_of_module("aws", "ec2", {"ami"}) == "compute"
    assert catalog.family_of_module("aws", "ec2", {"vpcId"}) == "interfaces and groups"
    assert catalog.family_of_module("aws", "s3") is None
    entry = catalog.types_of("aws")["aws:ec2/spotInstanceRequest:SpotInstanceRequest"]
    assert entry["family"] == "compute" and "vpcSecurityGroupIds" in entry["inputs"]
    assert catalog.canonical("aws:elasticloadbalancingv2/listenerCertificate:ListenerCertificate") == (
        "aws:lb/listenerCertificate:ListenerCertificate"
    )


@pytest.mark.parametrize(
    ("token", "looked_at"),
    [
        ("aws:ec2/vpcEndpointService:VpcEndpointService", True),  # fails closed
        ("aws:ec2/someTypeOfANewerProvider:SomeTypeOfANewerProvider", True),  # a family module, not in the table
        ("aws-native:elasticloadbalancingv2:SomethingNew", True),
        ("aws:applicationloadbalancing/somethingOld:SomethingOld", True),  # a legacy module of the family
        ("aws:ec2/route:Route", False),  # cannot carry
        ("aws:elasticloadbalancingv2/listenerCertificate:ListenerCertificate", False),  # an alias of one that cannot
        ("aws:ec2/instance:Instance", False),  # modelled
        ("aws:elasticloadbalancingv2/loadBalancer:LoadBalancer", False),  # modelled (legacy token)
        ("aws:s3/bucket:Bucket", False),  # outside the families
        ("random:index/randomPet:RandomPet", False),
    ],
)
def test_which_types_are_looked_at(token: str, looked_at: bool) -> None:
    assert closed_world.looked_at(token) is looked_at
    assert (token in closed_world.WANTED) is (looked_at or token in k.RELEVANT_TYPES)


def test_the_generator_refuses_a_class_whose_inputs_disagree() -> None:
    class Args:
        pass

    class Broken:
        def _internal_init(__self__, resource_name, opts=None, a=None, __props__=None):
            __props__ = Args.__new__(Args)
            return __props__

    args, params, aliases = provider_types._internal_init_facts(Broken)
    assert (args, params, aliases) == ("Args", ["a"], [])

"""The shared servicer answers exactly what pulumi-policy's own servicer answers, converting each request once.

Both servicers run in this process on the same requests, with probe policies that report everything a
validation can see (properties, options, provider, parent, dependencies, configuration, stack tags) and that
exercise every outcome (violations at each enforcement level, disabled, remediate, not applicable with and
without a reason, a value not known at preview, async validations, remediation-only policies).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy import policy as pp

from lockdown import server
from lockdown.model import CACHE_ATTRIBUTE, INPUT_KEYS_ATTRIBUTE, analysis_of, from_policy_resources
from lockdown.values import LazyProps, plain
from offline.snapshot import UNKNOWN
from origin_lockdown_judge.scope import Analysis

STOCK: type = server.SharedStackServicer.__mro__[1]  # pulumi-policy's own, whatever install() did since
assert STOCK.__name__ == "_PolicyAnalyzerServicer" and STOCK.__module__ == "pulumi_policy.policy"

A, M, D, R = (
    EnforcementLevel.ADVISORY,
    EnforcementLevel.MANDATORY,
    EnforcementLevel.DISABLED,
    EnforcementLevel.REMEDIATE,
)
SCHEMA = PolicyConfigSchema(properties={"flag": {"type": "string"}})


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    json_format.ParseDict(values, s)
    return s


def _describe_res(res: Any) -> dict[str, Any]:
    o = res.opts
    provider = res.provider
    return {
        "type": res.resource_type,
        "urn": res.urn,
        "name": res.name,
        "props": plain(res.props),
        "opts": [
            o.protect,
            list(o.ignore_changes),
            o.delete_before_replace,
            list(o.aliases),
            [o.custom_timeouts.create_seconds, o.custom_timeouts.update_seconds, o.custom_timeouts.delete_seconds],
            list(o.additional_secret_outputs),
            o.parent,
        ],
        "provider": None
        if provider is None
        else [provider.resource_type, plain(provider.props), provider.urn, provider.name],
        "parent": None if res.parent is None else res.parent.urn,
        "dependencies": [d.urn for d in res.dependencies],
        "property_dependencies": {key: [d.urn for d in value] for key, value in res.property_dependencies.items()},
    }


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# -- probe policies ------------------------------------------------------------------------------------------------

SEEN: list[tuple[str, Any]] = []  # (policy, what it was handed), in call order


def stack_probe(args: Any, report: Callable[..., None]) -> None:
    SEEN.append(("stack-probe", args.resources))
    report(_text({"config": dict(args.get_config() or {}), "tags": dict(args.stack_tags or {})}), None)
    for res in args.resources:
        report(_text(_describe_res(res)), res.urn)


def stack_unknown(args: Any, report: Callable[..., None]) -> None:
    SEEN.append(("stack-unknown", args.resources))
    for res in args.resources:
        report(str(res.props["later"]), res.urn)  # not known at preview: raises UnknownValueError


def stack_not_applicable(args: Any, report: Callable[..., None]) -> None:
    report("before", None)
    args.not_applicable("nothing to check here")


def stack_not_applicable_bare(args: Any, report: Callable[..., None]) -> None:
    args.not_applicable()


async def stack_async(args: Any, report: Callable[..., None]) -> None:
    report(f"async saw {len(args.resources)} resources", None)


def stack_must_not_run(args: Any, report: Callable[..., None]) -> None:
    raise AssertionError("a disabled policy ran")


def resource_probe(args: Any, report: Callable[..., None]) -> None:
    SEEN.append(("resource-probe", args.props))
    o = args.opts
    provider = args.provider
    report(
        _text(
            {
                "type": args.resource_type,
                "urn": args.urn,
                "name": args.name,
                "props": plain(args.props),
                "opts": [o.protect, list(o.ignore_changes), o.delete_before_replace, o.parent],
                "provider": None if provider is None else [provider.resource_type, plain(provider.props)],
                "config": dict(args.get_config() or {}),
                "tags": dict(args.stack_tags or {}),
            }
        ),
        None,
    )


def resource_second(args: Any, report: Callable[..., None]) -> None:
    SEEN.append(("resource-second", args.props))
    report(f"second: {args.props['known']}", args.urn)


def resource_unknown(args: Any, report: Callable[..., None]) -> None:
    report(str(args.props["later"]), None)


def resource_not_applicable(args: Any, report: Callable[..., None]) -> None:
    args.not_applicable("not for this type")


async def resource_async(args: Any, report: Callable[..., None]) -> None:
    report(f"async {args.name}", None)


def policies() -> list[Any]:
    def stack(name: str, validate: Any, level: EnforcementLevel | None = A, **more: Any) -> StackValidationPolicy:
        return StackValidationPolicy(
            name=name, description=f"{name} checks", validate=validate, enforcement_level=level, **more
        )

    def resource(name: str, validate: Any, level: EnforcementLevel | None = A, **more: Any) -> ResourceValidationPolicy:
        return ResourceValidationPolicy(
            name=name, description=f"{name} checks", validate=validate, enforcement_level=level, **more
        )

    return [
        stack("stack-probe", stack_probe, M, config_schema=SCHEMA),
        resource("resource-probe", resource_probe, M, config_schema=SCHEMA),
        ResourceValidationPolicy(name="remediation-only", description="fixes", remediate=lambda args: None),
        stack("stack-unknown", stack_unknown),
        stack("stack-disabled", stack_must_not_run, D),
        stack("stack-remediate", stack_async, R),
        stack("stack-na", stack_not_applicable),
        stack("stack-na-bare", stack_not_applicable_bare),
        stack("stack-default-level", stack_async, None),
        stack("stack-configured-off", stack_must_not_run, M),
        resource("resource-second", resource_second),
        resource("resource-unknown", resource_unknown),
        resource("resource-na", resource_not_applicable),
        resource("resource-async", resource_async, R),
        resource("resource-disabled", stack_must_not_run, D),
        resource("resource-configured-off", stack_must_not_run),
        resource("resource-na-bare", stack_not_applicable_bare),
    ]


def servicer(kind: type) -> Any:
    s = kind("probe-pack", "1.2.3", policies(), EnforcementLevel.ADVISORY)
    config = proto.ConfigureAnalyzerRequest()
    for name, level, props in [
        ("stack-probe", proto.EnforcementLevel.ADVISORY, {"flag": "on"}),
        ("resource-probe", proto.EnforcementLevel.MANDATORY, {"flag": "off"}),
        ("stack-configured-off", proto.EnforcementLevel.DISABLED, {}),
        ("resource-configured-off", proto.EnforcementLevel.DISABLED, {}),
    ]:
        entry = proto.PolicyConfig(enforcementLevel=level)
        entry.properties.CopyFrom(_struct(props))
        config.policyConfig[name].CopyFrom(entry)
    s.Configure(config, None)
    s.ConfigureStack(proto.AnalyzerStackConfigureRequest(tags={"team": "edge"}), None)
    return s


def _options(parent: str = "", **more: Any) -> Any:
    return proto.AnalyzerResourceOptions(
        protect=True,
        ignoreChanges=["tags"],
        deleteBeforeReplace=True,
        deleteBeforeReplaceDefined=True,
        additionalSecretOutputs=["password"],
        parent=parent,
        **more,
    )


URN = "urn:pulumi:dev::p::aws:ec2/securityGroup:SecurityGroup::"


def stack_request(later: Any = "now") -> Any:
    request = proto.AnalyzeStackRequest()
    for i, name in enumerate(["a", "b", "c"]):
        r = request.resources.add()
        r.type, r.urn, r.name = "aws:ec2/securityGroup:SecurityGroup", URN + name, name
        r.properties.CopyFrom(_struct({"known": name, "later": later, "nested": {"list": [i, "x"]}}))
        r.options.CopyFrom(_options(parent=URN + "a" if i else ""))
        if i:
            r.parent = URN + "a"
            r.dependencies.extend([URN + "a", URN + "gone"])
            r.propertyDependencies["known"].urns.extend([URN + "a", URN + "gone"])
            r.propertyDependencies["empty"].urns.extend([])
        if i == 2:
            r.provider.CopyFrom(
                proto.AnalyzerProviderResource(
                    type="pulumi:providers:aws",
                    properties=_struct({"region": "eu-west-1"}),
                    urn="urn:prov",
                    name="prov",
                )
            )
            r.options.customTimeouts.CopyFrom(
                proto.AnalyzerResourceOptions.CustomTimeouts(create=1, update=2, delete=3)
            )
            r.options.aliases.extend(["urn:old"])
    return request


def resource_request(later: Any = "now", provider: bool = True) -> Any:
    request = proto.AnalyzeRequest(
        type="aws:ec2/securityGroup:SecurityGroup",
        properties=_struct({"known": "k", "later": later}),
        urn=URN + "one",
        name="one",
        options=_options(),
    )
    if provider:
        request.provider.CopyFrom(
            proto.AnalyzerProviderResource(
                type="pulumi:providers:aws", properties=_struct({"region": "x"}), urn="u", name="p"
            )
        )
    return request


def answer(kind: type, method: str, request: Any) -> dict[str, Any]:
    return json_format.MessageToDict(getattr(servicer(kind), method)(request, None))


@pytest.fixture(autouse=True)
def _clear_seen() -> Iterator[None]:
    SEEN.clear()
    yield
    SEEN.clear()


# -- the same answers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("later", ["now", UNKNOWN])
def test_analyze_stack_answers_as_pulumi_policy_does(later: str) -> None:
    stock = answer(STOCK, "AnalyzeStack", stack_request(later))
    shared = answer(server.SharedStackServicer, "AnalyzeStack", stack_request(later))
    assert shared == stock
    names = [d["policyName"] for d in stock["diagnostics"]]
    assert "stack-disabled" not in names and "stack-configured-off" not in names
    assert {d["policyName"]: d.get("enforcementLevel") for d in stock["diagnostics"]}["stack-remediate"] == "MANDATORY"
    assert [n["policyName"] for n in stock["notApplicable"]] == ["stack-na", "stack-na-bare"]
    if later == UNKNOWN:
        assert any(
            "during preview" in d["message"] and d["policyName"] == "stack-unknown" for d in stock["diagnostics"]
        )


@pytest.mark.parametrize("later", ["now", UNKNOWN])
@pytest.mark.parametrize("provider", [True, False])
def test_analyze_answers_as_pulumi_policy_does(later: str, provider: bool) -> None:
    stock = answer(STOCK, "Analyze", resource_request(later, provider))
    shared = answer(server.SharedStackServicer, "Analyze", resource_request(later, provider))
    assert shared == stock
    assert [n["policyName"] for n in stock["notApplicable"]] == ["remediation-only", "resource-na", "resource-na-bare"]
    assert "resource-configured-off" not in _text(stock)


@pytest.mark.parametrize("preview", [False, True])
def test_answers_of_the_real_pack_are_the_same(preview: bool) -> None:
    from lockdown.policies import build_policies
    from tests.policy.stacks import at_preview, origin_stack

    stack = origin_stack()
    stack["origin-in-v4"].props["cidrIpv4"] = "0.0.0.0/0"
    del stack["cdn"].props["origins"][0]["customHeaders"]
    if preview:
        stack = at_preview(stack)
    request = proto.AnalyzeStackRequest()
    for snap in stack.snapshots():
        r = request.resources.add()
        r.type, r.urn, r.name = snap.type, snap.urn, snap.name
        r.properties.CopyFrom(_struct(dict(snap.outputs)))
        for key, urns in snap.property_dependencies.items():
            r.propertyDependencies[key].urns.extend(urns)
    out = []
    for kind in (STOCK, server.SharedStackServicer):
        s = kind("cloudfront-origin-lockdown", "0.0.1", build_policies(), EnforcementLevel.ADVISORY)
        stack_answer = json_format.MessageToDict(s.AnalyzeStack(request, None))
        cdn = next(r for r in request.resources if r.name == "cdn")
        one = proto.AnalyzeRequest(type=cdn.type, properties=cdn.properties, urn=cdn.urn, name=cdn.name)
        out.append((stack_answer, json_format.MessageToDict(s.Analyze(one, None))))
    assert out[0] == out[1]
    assert "origin-sg-no-world-ingress" in _text(out[0][0]) and "cloudfront-origin-secret-header" in _text(out[0][1])


# -- converted once ------------------------------------------------------------------------------------------------


def test_analyze_stack_converts_once_for_every_stack_policy() -> None:
    s = servicer(server.SharedStackServicer)
    calls = []
    real = server.stack_resources

    def counting(servicer_: Any, request: Any) -> server.SharedResources:
        calls.append(request)
        return real(servicer_, request)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server, "stack_resources", counting)
        s.AnalyzeStack(stack_request(), None)
    assert len(calls) == 1
    handed = [resources for name, resources in SEEN if name.startswith("stack-")]
    assert len(handed) == 2 and handed[0] is handed[1] and isinstance(handed[0], server.SharedResources)


def test_analyze_stack_without_stack_policies_converts_nothing() -> None:
    s = server.SharedStackServicer(
        "p", "1", [ResourceValidationPolicy("r", "d", resource_second)], EnforcementLevel.ADVISORY
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(server, "stack_resources", lambda *_: pytest.fail("converted"))
        assert json_format.MessageToDict(s.AnalyzeStack(stack_request(), None)) == {}


def test_stack_resources_are_read_lazily_and_linked() -> None:
    s = servicer(server.SharedStackServicer)
    resources = server.stack_resources(s, stack_request())
    assert [r.urn for r in resources] == [URN + "a", URN + "b", URN + "c"]
    assert all(isinstance(r.props, LazyProps) and r.props.unread for r in resources)
    a, b, c = resources
    assert a.parent is None and b.parent is a and c.parent is a
    assert b.dependencies == [a] and b.property_dependencies == {"known": [a], "empty": []}
    assert c.provider is not None and c.provider.urn == "urn:prov" and b.provider is None
    assert b.props["known"] == "b" and not b.props.unread and a.props.unread


def test_the_analysis_rides_on_the_shared_list() -> None:
    resources = server.stack_resources(servicer(server.SharedStackServicer), stack_request())
    first = analysis_of(resources)
    assert isinstance(first, Analysis) and getattr(resources, CACHE_ATTRIBUTE) is first
    assert analysis_of(resources) is first


def test_analyze_shares_one_conversion_between_resource_policies() -> None:
    s = servicer(server.SharedStackServicer)
    s.Analyze(resource_request(), None)
    props = [p for name, p in SEEN if name.startswith("resource-")]
    assert len(props) == 2 and props[0] is props[1] and isinstance(props[0], LazyProps)


def test_analyze_without_resource_policies_converts_nothing() -> None:
    s = server.SharedStackServicer("p", "1", [StackValidationPolicy("s", "d", stack_async)], EnforcementLevel.ADVISORY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(s, "_get_resource_options", lambda *_: pytest.fail("converted"))
        assert json_format.MessageToDict(s.Analyze(resource_request(), None)) == {}


@pytest.mark.parametrize("method", ["Analyze", "AnalyzeStack"])
def test_runtime_settings_are_configured_per_request(method: str) -> None:
    s = servicer(server.SharedStackServicer)
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(s, "_configure_runtime_settings", lambda: calls.append(1))
        getattr(s, method)(resource_request() if method == "Analyze" else stack_request(), None)
    assert calls == [1]


# -- the garbage collector -----------------------------------------------------------------------------------------


def test_gc_is_paused_during_analyze_stack_and_restored() -> None:
    during = []

    def probe(args: Any, report: Any) -> None:
        during.append(gc.isenabled())

    def boom(args: Any, report: Any) -> None:
        during.append(gc.isenabled())
        raise RuntimeError("validation failed")

    was = gc.isenabled()
    try:
        gc.enable()
        s = server.SharedStackServicer("p", "1", [StackValidationPolicy("s", "d", probe)], EnforcementLevel.ADVISORY)
        s.AnalyzeStack(stack_request(), None)
        assert during == [False] and gc.isenabled()
        failing = server.SharedStackServicer(
            "p", "1", [StackValidationPolicy("s", "d", boom)], EnforcementLevel.ADVISORY
        )
        with pytest.raises(RuntimeError):
            failing.AnalyzeStack(stack_request(), None)
        assert gc.isenabled()
        gc.disable()
        s.AnalyzeStack(stack_request(), None)
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        (gc.enable if was else gc.disable)()


# -- install -------------------------------------------------------------------------------------------------------


@pytest.fixture
def restore_servicer(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(pp, "_PolicyAnalyzerServicer", STOCK)
    return monkeypatch


def test_install_over_the_pinned_version(
    restore_servicer: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    restore_servicer.setattr(metadata, "version", lambda name: server.PINNED if name == "pulumi-policy" else "0")
    assert server.installable() == ""
    assert server.install() is True
    assert pp._PolicyAnalyzerServicer is server.SharedStackServicer
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("version", "needed", "why"),
    [
        ("1.22.0", None, f"pulumi-policy is 1.22.0, the shared servicer was written against {server.PINNED}"),
        (None, None, "pulumi-policy is not installed as a distribution"),
        (
            server.PINNED,
            ("_get_policy_config", "_gone", "_also_gone"),
            "pulumi-policy's servicer lacks _gone, _also_gone",
        ),
    ],
)
def test_install_elsewhere_keeps_the_stock_server(
    restore_servicer: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    version: str | None,
    needed: tuple[str, ...] | None,
    why: str,
) -> None:
    def fake_version(name: str) -> str:
        assert name == "pulumi-policy"
        if version is None:
            raise metadata.PackageNotFoundError(name)
        return version

    restore_servicer.setattr(metadata, "version", fake_version)
    if needed is not None:
        restore_servicer.setattr(server, "_NEEDED", needed)
    assert server.installable() == why
    assert server.install() is False
    assert pp._PolicyAnalyzerServicer is STOCK
    assert (
        capsys.readouterr().err
        == f"cloudfront-origin-lockdown: stock pulumi-policy server ({why}); results are the same, slower\n"
    )


def test_the_installed_version_is_the_pinned_one() -> None:
    assert metadata.version("pulumi-policy") == server.PINNED
    assert server.installable() == ""
    with open("policy/requirements.txt") as f:
        assert f"pulumi-policy=={server.PINNED}" in f.read()


# -- what the engine's Analyze calls showed --------------------------------------------------------------------------


def test_the_input_keys_of_analyze_reach_the_stack_policies() -> None:
    """The engine sends each resource's inputs to Analyze before its step, and the outputs to AnalyzeStack:
    the stack policies learn which inputs the program set (``set_by_program``), and nothing for the others."""
    s = servicer(server.SharedStackServicer)
    one = resource_request()
    one.urn = URN + "b"
    s.Analyze(one, None)
    resources = server.stack_resources(s, stack_request())
    keys = {r.urn: getattr(r, INPUT_KEYS_ATTRIBUTE, None) for r in resources}
    assert keys == {URN + "a": None, URN + "b": frozenset({"known", "later"}), URN + "c": None}
    [res_b] = [r for r in from_policy_resources(resources) if r.urn == URN + "b"]
    assert res_b.set_by_program("later") and not res_b.set_by_program("nested")
    [res_a] = [r for r in from_policy_resources(resources) if r.urn == URN + "a"]
    assert res_a.inputs is None and not res_a.set_by_program("known")
    again = resource_request()
    again.urn = URN + "b"
    again.properties.CopyFrom(_struct({"known": "k", "later": "now", "more": 1}))  # the latest call wins
    s.Analyze(again, None)
    [b] = [r for r in server.stack_resources(s, stack_request()) if r.urn == URN + "b"]
    assert getattr(b, INPUT_KEYS_ATTRIBUTE) == frozenset({"known", "later", "more"})

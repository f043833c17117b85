"""Reading pulumi-policy's property proxies and the wire: plain values, unknowns kept, secrets unwrapped."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UnknownValueError, _DictProxy, unknown_checking_proxy
from pulumi_policy.secret import Secret

from lockdown.model import from_policy_resources
from lockdown.values import LazyProps, Props, from_wire, plain
from offline.snapshot import UNKNOWN, make_secret
from origin_lockdown_judge.model import Res
from origin_lockdown_judge.values import as_list, get, is_unknown, strings
from tests.policy.stacks import policy_resources


def wire(values: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    json_format.ParseDict(values, s)
    return s


def proxied(values: dict[str, Any]) -> Any:
    """What pulumi-policy hands a policy for these wire values."""
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(wire(values))))


SAMPLE = {
    "name": "web",
    "port": 443,
    "enabled": True,
    "nothing": None,
    "unknown": UNKNOWN,
    "list": ["a", UNKNOWN, {"x": [1, 2]}],
    "secret": make_secret("s3cr3t"),
    "nested": {"secret": make_secret({"k": "v"}), "deep": {"unknown": UNKNOWN}},
}
PLAIN = {
    "name": "web",
    "port": 443.0,
    "enabled": True,
    "nothing": None,
    "unknown": UNKNOWN,
    "list": ["a", UNKNOWN, {"x": [1.0, 2.0]}],
    "secret": "s3cr3t",
    "nested": {"secret": {"k": "v"}, "deep": {"unknown": UNKNOWN}},
}


def test_proxies_raise_on_unknowns_and_plain_does_not() -> None:
    props = proxied(SAMPLE)
    with pytest.raises(UnknownValueError):
        props["unknown"]
    assert plain(props) == PLAIN


def test_plain_unwraps_secrets_and_leaves_scalars() -> None:
    assert plain(Secret("x")) == "x"
    assert plain(Secret({"a": [Secret(1)]})) == {"a": [1]}
    assert plain([Secret("a"), {"b": Secret("c")}]) == ["a", {"b": "c"}]
    for scalar in ("s", 1, 1.5, True, None):
        assert plain(scalar) is scalar


def test_plain_handles_subclasses_through_the_general_path() -> None:
    class Dict(dict):
        pass

    class List(list):
        pass

    assert plain(Dict(a=List([Secret("x")]))) == {"a": ["x"]}
    assert type(plain(Dict(a=1))) is dict

    class Proxy(_DictProxy):
        pass

    class Hidden(Secret):
        pass

    assert plain(Proxy({"a": Hidden([1])}, [])) == {"a": [1]}


def test_from_wire_reads_the_struct_like_pulumi_policy() -> None:
    s = wire(SAMPLE)
    assert {key: from_wire(value) for key, value in s.fields.items()} == PLAIN
    assert (
        from_wire(wire({"v": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}}).fields["v"])
        is None
    )
    assert from_wire(struct_pb2.Value()) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=5) | st.just(UNKNOWN),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(min_size=1, max_size=4), children, max_size=3)
        | children.map(make_secret)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), json_values, max_size=5))
def test_wire_and_proxy_readings_agree(values: dict[str, Any]) -> None:
    expected = plain(proxied(values))
    assert {key: from_wire(value) for key, value in wire(values).fields.items()} == expected
    assert dict(Props(LazyProps(wire(values)))) == expected
    assert dict(Props(proxied(values))) == expected


def test_lazy_props_is_what_pulumi_policy_would_build_and_only_when_read() -> None:
    lazy = LazyProps(wire(SAMPLE))
    assert lazy.unread
    props = Props(lazy)
    assert props["name"] == "web" and lazy.unread  # read straight from the wire
    assert lazy["name"] == "web" and not lazy.unread
    with pytest.raises(UnknownValueError):
        lazy["unknown"]
    assert set(lazy) == set(SAMPLE) and len(lazy) == len(SAMPLE)
    assert lazy["__target"]["port"] == 443.0
    assert plain(lazy) == PLAIN
    assert Props(lazy)["list"] == PLAIN["list"]  # once built, read through the proxy


@pytest.mark.parametrize("source", ["wire", "proxy", "dict"])
def test_props_mapping(source: str) -> None:
    raw = {"wire": LazyProps(wire(SAMPLE)), "proxy": proxied(SAMPLE), "dict": dict(PLAIN)}[source]
    props = Props(raw)
    assert props.get("missing") is None and props.get("missing", 7) == 7
    assert "name" in props and "missing" not in props
    assert props.get("port") == 443.0 and props["port"] == 443.0
    assert props.get("nested") == PLAIN["nested"]
    with pytest.raises(KeyError, match="missing"):
        props["missing"]
    assert "missing" not in props  # reading a missing key adds nothing
    assert props.get("nested") is props.get("nested")  # converted once, then kept
    assert len(props) == len(SAMPLE) and set(props) == set(SAMPLE)
    assert props["secret"] is props["secret"]  # converted once


def test_props_of_something_else_is_empty() -> None:
    assert dict(Props(None)) == {}
    assert dict(Props(["not", "a", "mapping"])) == {}


def test_is_unknown() -> None:
    assert is_unknown(UNKNOWN) and is_unknown(UNKNOWN_NUMBER_VALUE)
    assert not is_unknown("04da6b54") and not is_unknown(None) and not is_unknown([UNKNOWN])


@pytest.mark.parametrize(
    ("obj", "path", "expected"),
    [
        ({"a": {"b": [1, {"c": 2}]}}, ("a", "b", 1, "c"), 2),
        ({"a": {"b": [1]}}, ("a", "b", 5), None),
        ({"a": {"b": [1]}}, ("a", "b", 1), None),  # one past the end
        (MappingProxyType({"a": 1}), ("a",), 1),  # any mapping
        ({"a": {"b": [1]}}, ("a", "b", 0, "c"), None),
        ({"a": UNKNOWN}, ("a", "b", "c"), UNKNOWN),
        ({"a": "text"}, ("a", "b"), None),
        ({"a": "text"}, ("a", 0), None),
        ({"a": ("x", "y")}, ("a", 1), "y"),
        ({"a": [UNKNOWN]}, ("a", 0, "b"), UNKNOWN),
        ({"a": 3}, ("a", "b"), None),
        ({"a": 3}, ("a", 0), None),
        ({}, ("a",), None),
        ([{"a": 1}], (0, "a"), 1),
    ],
)
def test_get(obj: Any, path: tuple[str | int, ...], expected: Any) -> None:
    assert get(obj, *path) == expected


def test_get_through_props() -> None:
    props = Props(LazyProps(wire({"a": {"b": ["x"]}})))
    assert get(props, "a", "b", 0) == "x"
    assert get(props, "z") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, []), (UNKNOWN, None), ([1, 2], [1, 2]), ((1, 2), [1, 2]), ("a", ["a"]), (3, [3]), ({"a": 1}, [{"a": 1}])],
)
def test_as_list(value: Any, expected: Any) -> None:
    assert as_list(value) == expected


def test_as_list_copies() -> None:
    original = [1]
    assert as_list(original) is not original


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sg-1", ["sg-1"]),
        ("", []),
        (UNKNOWN, []),
        (None, []),
        (["a", "", UNKNOWN, 3, None, "b"], ["a", "b"]),
        (("a",), ["a"]),
    ],
)
def test_strings(value: Any, expected: list[str]) -> None:
    assert strings(value) == expected


def test_res_dep_keeps_order_without_repeats() -> None:
    r = Res("urn:a", "t", "a", {}, {"x": ("u1", "u2"), "y": ("u2", "u3"), "z": ()})
    assert r.dep("x", "y") == ("u1", "u2", "u3")
    assert r.dep("y", "missing") == ("u2", "u3")
    assert r.dep() == ()
    assert Res("urn:b", "t", "b", {}).dep("x") == ()


def test_res_is_compared_by_identity() -> None:
    a = Res("urn:a", "t", "a", {})
    b = Res("urn:a", "t", "a", {})
    assert a != b and [a].count(a) == 1 and len({a, b}) == 2


def test_from_policy_resources_reads_only_wanted_types() -> None:
    from tests.policy.stacks import origin_stack

    snaps = origin_stack().snapshots()
    resources = policy_resources(snaps)
    every = from_policy_resources(resources)
    assert [r.urn for r in every] == [s.urn for s in snaps]
    sg = next(r for r in every if r.name == "origin-sg")
    assert (sg.type, sg.props["id"], sg.props.get("vpcId")) == (
        "aws:ec2/securityGroup:SecurityGroup",
        "sg-0origin",
        "vpc-1",
    )
    rule = next(r for r in every if r.name == "origin-in-v4")
    assert rule.deps == {"securityGroupId": (sg.urn,)}
    only = from_policy_resources(resources, frozenset({"aws:ec2/securityGroup:SecurityGroup"}))
    assert [r.name for r in only] == ["origin-sg", "public-sg"]

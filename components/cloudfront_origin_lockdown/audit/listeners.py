"""Does an ALB origin check the header CloudFront sends? Its listener rules, and a web ACL in front of it.

The managed prefix list admits every CloudFront distribution, an attacker's included; what tells this
distribution's requests apart is the custom header it adds, and only if the origin refuses requests without
it. AWS's recipe: the listener's default action answers 403 and a rule forwards only when an ``http-header``
condition matches (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html).
An ALB compares header values case-insensitively and reads ``*`` and ``?`` as wildcards
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_HttpHeaderConditionConfig.html),
so a condition whose values hold a wildcard admits values other than the secret.

Everything here works on names, never prints a value: the reasons say *which* rule forwards without a check,
not what the header holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from origin_lockdown_judge.model import Res

Header = tuple[str, str]  # (name, value) the distribution sends

_WILDCARDS = ("*", "?")
# Actions that send the request on to targets (authenticate-* only precede one of these).
_FORWARDING = frozenset({"forward"})


def _forwards(actions: Any) -> bool:
    return any(isinstance(a, Mapping) and a.get("type") in _FORWARDING for a in actions or [])


def condition_checks(condition: Mapping[str, Any], headers: Sequence[Header]) -> bool:
    """Whether an ``httpHeader`` condition requires a header the distribution sends, with its value, no wildcard."""
    config = condition.get("httpHeader")
    if not isinstance(config, Mapping):
        return False
    name = str(config.get("httpHeaderName", "")).lower()
    values = [str(v) for v in config.get("values") or []]
    if not values or any(w in v for v in values for w in _WILDCARDS):
        return False
    sent = {value.lower() for header, value in headers if header.lower() == name and value}
    return any(v.lower() in sent for v in values)


def _rule_checks(rule: Res, headers: Sequence[Header]) -> bool:
    return any(isinstance(c, Mapping) and condition_checks(c, headers) for c in rule.props.get("conditions") or [])


def listener_gaps(listener: Res, rules: Sequence[Res], headers: Sequence[Header]) -> list[str]:
    """Why ``listener`` forwards some request without the distribution's header (empty: it never does)."""
    names = ", ".join(dict.fromkeys(h for h, _ in headers))
    gaps = []
    for rule in sorted(rules, key=lambda r: _priority(r.props.get("priority"))):
        if _forwards(rule.props.get("actions")) and not _rule_checks(rule, headers):
            gaps.append(
                f"rule {rule.props.get('priority')} ({rule.props.get('arn', rule.urn)}) forwards without an "
                f"http-header condition that requires {names} with the value CloudFront sends and no wildcard"
            )
    if _forwards(listener.props.get("defaultActions")):
        gaps.append("its default action forwards every request no rule takes (AWS's recipe: a fixed 403)")
    return gaps


def _priority(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1 << 30


# -- WAF -------------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value or "")


def _transform(value: str, transformations: Any) -> str | None:
    """``value`` after the rule's text transformations; ``None`` for one that could make other values equal."""
    for t in sorted(transformations or [], key=lambda t: t.get("Priority", 0)):
        kind = t.get("Type", "NONE")
        if kind == "NONE":
            continue
        if kind == "LOWERCASE":
            value = value.lower()
        else:  # URL/HTML decoding, whitespace compression, ...: two different headers may then match
            return None
    return value


def requires_header(statement: Any, headers: Sequence[Header]) -> bool:
    """Whether a WAF statement matches only requests that carry a header the distribution sends, with its value.

    A ``ByteMatchStatement`` on that single header whose search string is the whole value sent (the request's
    header then holds the secret), ``AndStatement`` with such a part, ``OrStatement`` made only of such parts.
    """
    if not isinstance(statement, Mapping):
        return False
    byte_match = statement.get("ByteMatchStatement")
    if isinstance(byte_match, Mapping):
        single = (byte_match.get("FieldToMatch") or {}).get("SingleHeader") or {}
        name = str(single.get("Name", "")).lower()
        search = _text(byte_match.get("SearchString"))
        if not name or not search:
            return False
        transformations = byte_match.get("TextTransformations")
        for header, value in headers:
            expected = _transform(value, transformations)
            if header.lower() == name and expected is not None and search == expected:
                return True
        return False
    if isinstance(statement.get("AndStatement"), Mapping):
        return any(requires_header(s, headers) for s in statement["AndStatement"].get("Statements") or [])
    if isinstance(statement.get("OrStatement"), Mapping):
        parts = statement["OrStatement"].get("Statements") or []
        return bool(parts) and all(requires_header(s, headers) for s in parts)
    return False


def _blocks_without(statement: Any, headers: Sequence[Header]) -> bool:
    """A statement that matches every request without the header: ``NOT (requires the header)``."""
    return isinstance(statement, Mapping) and requires_header(
        (statement.get("NotStatement") or {}).get("Statement"), headers
    )


def waf_requires_header(web_acl: Mapping[str, Any] | None, headers: Sequence[Header]) -> bool:
    """Whether a web ACL lets no request through to the ALB without the distribution's header.

    Rules run by priority (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html):
    any Allow (or CAPTCHA/challenge, which a person passes) before the header is required lets a request
    without it through; a Block of ``NOT header`` closes the path; the default action decides the rest. A
    reference to a rule group other than AWS's managed ones may allow anything: not proven.
    """
    if not web_acl or not headers:
        return False
    for rule in sorted(web_acl.get("Rules") or [], key=lambda r: r.get("Priority", 0)):
        statement = rule.get("Statement") or {}
        action = rule.get("Action") or {}
        if "RuleGroupReferenceStatement" in statement:
            return False
        managed = statement.get("ManagedRuleGroupStatement")
        if isinstance(managed, Mapping) and managed.get("VendorName") != "AWS":
            return False
        if any(key in action for key in ("Allow", "Captcha", "Challenge")):
            if not requires_header(statement, headers):
                return False
        elif "Block" in action and _blocks_without(statement, headers):
            return True
    return "Block" in (web_acl.get("DefaultAction") or {})

"""Serve the pack with the stack deserialised once per ``AnalyzeStack`` request, not once per stack policy.

pulumi-policy's server (``_PolicyAnalyzerServicer.AnalyzeStack``) converts every resource of the request
(protobuf to dict, secrets, unknown-checking proxies, options, parents, dependencies) inside its loop over
policies: a pack with four stack policies pays that four times, which is most of its cost on a large stack.
:class:`SharedStackServicer` does the same work once and hands every stack policy the same resources, in a
list that also carries the pack's own analysis (:data:`.scope.CACHE_ATTRIBUTE`), so the graph is built once
too. Everything else (enforcement levels and their overrides, ``remediate`` read as ``mandatory``,
configuration copies, async validations, ``UnknownValueError`` and not-applicable handling, the
diagnostics' fields) is what the stock method does, in the same order.

It relies on the server's private members, so it is installed only over the pulumi-policy version it was
written against (:data:`PINNED`, the pin in ``policy/requirements.txt``); over any other version the stock
server runs, the results are the same, and the pack is only slower (``install`` says so on stderr).
"""

from __future__ import annotations

import asyncio
import gc
import sys
from importlib import metadata
from inspect import isawaitable
from typing import Any

from pulumi.runtime import proto
from pulumi_policy import policy as pp
from pulumi_policy.proxy import UnknownValueError

from .model import INPUT_KEYS_ATTRIBUTE
from .values import LazyProps

PINNED = "1.21.0"

_NEEDED = (
    "_configure_runtime_settings",
    "_get_enforcement_level",
    "_create_report_violation",
    "_get_resource_options",
    "_get_provider_resource",
    "_get_policy_config",
    "_map_enforcement_level",
)


class SharedResources(list):
    """The stack's ``PolicyResource`` objects; a list that can carry the pack's analysis of them."""


def stack_resources(servicer: Any, request: Any) -> SharedResources:
    """Every resource of an ``AnalyzeStackRequest``, converted as pulumi-policy converts them, each with the
    input keys its ``Analyze`` call showed (:data:`.model.INPUT_KEYS_ATTRIBUTE`), where there was one."""
    input_keys: dict[str, frozenset[str]] = getattr(servicer, "input_keys", {})
    resources = SharedResources()
    links: list[tuple[pp.PolicyResource, str, list[str], dict[str, list[str]]]] = []
    for r in request.resources:
        props = LazyProps(r.properties)
        opts = servicer._get_resource_options(r)
        provider = servicer._get_provider_resource(r)
        resource = pp.PolicyResource(r.type, props, r.urn, r.name, opts, provider, None, [], {})
        if r.urn in input_keys:
            setattr(resource, INPUT_KEYS_ATTRIBUTE, input_keys[r.urn])
        deps = {key: list(value.urns) for key, value in r.propertyDependencies.items()}
        links.append((resource, r.parent, list(r.dependencies), deps))
        resources.append(resource)
    by_urn = {res.urn: res for res in resources}
    for resource, parent, dependencies, property_dependencies in links:
        if parent in by_urn:
            resource.parent = by_urn[parent]
        resource.dependencies.extend(by_urn[d] for d in dependencies if d in by_urn)
        for key, urns in property_dependencies.items():
            resource.property_dependencies[key] = [by_urn[u] for u in urns if u in by_urn]
    return resources


def _run(result: Any) -> None:
    """Wait for an async validation, as pulumi-policy does."""
    if isawaitable(result):
        loop = asyncio.new_event_loop()
        loop.run_until_complete(asyncio.Task(result, loop=loop))  # type: ignore[arg-type]
        loop.close()


class SharedStackServicer(pp._PolicyAnalyzerServicer):
    """pulumi-policy's servicer; each request's resources are converted once, and only as far as read."""

    def _cannot_run(self, response: Any, policy: Any, error: UnknownValueError) -> None:
        """The advisory pulumi-policy reports when a validation reads a value not known at preview."""
        name = self._PolicyAnalyzerServicer__policy_pack_name  # type: ignore[attr-defined]
        version = self._PolicyAnalyzerServicer__policy_pack_version  # type: ignore[attr-defined]
        response.diagnostics.append(
            proto.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=name,
                policyPackVersion=version,
                message=f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview: "
                f"{error.message}",
                urn="",
                description=policy.description,
                enforcementLevel=self._map_enforcement_level(pp.EnforcementLevel.ADVISORY),
            )
        )

    def Analyze(self, request: Any, _context: Any) -> Any:
        # The engine sends every resource's inputs here before its step, and the whole stack's outputs to
        # AnalyzeStack after the last one: which inputs the program set is kept for the stack policies.
        self.__dict__.setdefault("input_keys", {})[request.urn] = frozenset(request.properties.fields)
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        shared: tuple[LazyProps, Any, Any] | None = None
        tags = self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined]
        for policy in self._PolicyAnalyzerServicer__policies:  # type: ignore[attr-defined]
            level = self._get_enforcement_level(policy)
            if level == pp.EnforcementLevel.DISABLED or not isinstance(policy, pp.ResourceValidationPolicy):
                continue
            if not policy.has_validation():  # a remediation-only policy
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason="Policy does not implement validate")
                )
                continue
            if level == pp.EnforcementLevel.REMEDIATE:  # a violation left after remediation reads as mandatory
                level = pp.EnforcementLevel.MANDATORY
            report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
            if shared is None:
                shared = (
                    LazyProps(request.properties),
                    self._get_resource_options(request),
                    self._get_provider_resource(request),
                )
            props, opts, provider = shared
            config = self._get_policy_config(policy.name)
            args = pp.ResourceValidationArgs(
                request.type, props, request.urn, request.name, opts, provider, config, tags
            )
            try:
                _run(policy.validate(args, report))
            except UnknownValueError as error:
                self._cannot_run(response, policy, error)
            except pp._NotApplicableError as error:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
                )
        return response

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:
        # The request builds a large, short-lived, acyclic object graph (the stack's resources, then the
        # analysis of them): the cyclic collector would scan it again and again for nothing, which costs
        # as much as the analysis itself. It is paused for the request and resumed after it, as it was.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._analyze_stack(request)
        finally:
            if enabled:
                gc.enable()

    def _analyze_stack(self, request: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        resources: SharedResources | None = None
        for policy in self._PolicyAnalyzerServicer__policies:  # type: ignore[attr-defined]
            level = self._get_enforcement_level(policy)
            if level == pp.EnforcementLevel.DISABLED or not isinstance(policy, pp.StackValidationPolicy):
                continue
            if level == pp.EnforcementLevel.REMEDIATE:  # stack policies cannot remediate: read as mandatory
                level = pp.EnforcementLevel.MANDATORY
            report = self._create_report_violation(response, policy.name, policy.description, level, policy.severity)
            if resources is None:
                resources = stack_resources(self, request)
            tags = self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined]
            args = pp.StackValidationArgs(resources, self._get_policy_config(policy.name), tags)
            try:
                _run(policy.validate(args, report))
            except UnknownValueError as error:
                self._cannot_run(response, policy, error)
            except pp._NotApplicableError as error:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
                )
        return response


def installable() -> str:
    """Why the shared servicer cannot be installed (``""`` when it can)."""
    try:
        version = metadata.version("pulumi-policy")
    except metadata.PackageNotFoundError:
        return "pulumi-policy is not installed as a distribution"
    if version != PINNED:
        return f"pulumi-policy is {version}, the shared servicer was written against {PINNED}"
    missing = [name for name in _NEEDED if not hasattr(pp._PolicyAnalyzerServicer, name)]
    if missing:
        return f"pulumi-policy's servicer lacks {', '.join(missing)}"
    return ""


def install() -> bool:
    """Make ``PolicyPack`` serve with :class:`SharedStackServicer` (call before constructing it)."""
    why = installable()
    if why:
        print(
            f"cloudfront-origin-lockdown: stock pulumi-policy server ({why}); results are the same, slower",
            file=sys.stderr,
        )
        return False
    pp._PolicyAnalyzerServicer = SharedStackServicer  # type: ignore[misc]
    return True

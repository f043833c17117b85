"""Run the policy pack the way the Pulumi CLI does, over the real analyzer gRPC protocol.

The CLI starts a Python policy pack through ``pulumi-analyzer-policy-python``, which runs
``python -u -m pulumi.policy <engine address> <pack directory>`` in the pack's directory (with the pack's
virtualenv); ``pulumi.policy`` runs the directory's ``__main__.py`` with ``runpy.run_path`` (so ``policy/`` is
on ``sys.path``), and ``PolicyPack(...)`` starts a gRPC server on ``127.0.0.1:0`` and prints the chosen
port on stdout. The CLI then calls ``GetAnalyzerInfo``, ``Configure`` (policy config and enforcement levels),
``Analyze`` once per resource (its *inputs*, before the step runs) and, once every step is done,
``AnalyzeStack`` with every resource's *outputs*, dependencies and property dependencies. The engine does
the same at preview (``deploymentExecutor.Execute`` calls ``AnalyzeResources`` whether or not it is a dry
run), with the outputs the providers predicted: unknowns are the ``UNKNOWN`` string.

:class:`AnalyzerProcess` does exactly that for a list of :class:`~offline.snapshot.ResourceSnapshot`::

    with AnalyzerProcess(config={"origin-sg-no-world-ingress": {"unknownValues": "deny"}}) as pack:
        violations = pack.analyze_resources(run.resources, preview=run.preview)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from offline.snapshot import ResourceSnapshot

PROJECT_DIR = Path(__file__).resolve().parent.parent
POLICY_DIR = PROJECT_DIR / "policy"
_MAX_MESSAGE = 1024 * 1024 * 400  # as pulumi-policy's server accepts
_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {v: k for k, v in _LEVELS.items()}


class AnalyzerStartError(RuntimeError):
    """The policy pack did not start (its stderr is in the message)."""


@dataclass(frozen=True)
class Violation:
    policy_name: str
    enforcement_level: str  # "advisory" | "mandatory" | ...
    message: str
    urn: str  # "" for a violation of the stack as a whole
    stage: str  # "analyze" (a resource's inputs) or "analyze-stack" (outputs and graph)

    @property
    def policy(self) -> str:
        return self.policy_name

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level == "mandatory"


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    json_format.ParseDict(dict(values), s)
    return s


def _default_python() -> str:
    own = POLICY_DIR / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


class AnalyzerProcess:
    """The policy pack as a child process, and a client that talks to it like the CLI.

    ``config`` maps a policy name to ``{"enforcementLevel": ..., <property>: ...}`` (the shape of
    ``policy-config.json``) or to a bare enforcement level string.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        policy_dir: Path | str = POLICY_DIR,
        python: str | None = None,
        start_timeout: float = 30.0,
        call_timeout: float = 120.0,
        project: str = "cloudfront-origin-lockdown",
        stack: str = "dev",
    ) -> None:
        self.config = dict(config or {})
        self.policy_dir = Path(policy_dir)
        self.python = python or _default_python()
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.project = project
        self.stack = stack
        self.port: int | None = None
        self.info: analyzer_pb2.AnalyzerInfo | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: list[bytes] = []

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> AnalyzerProcess:
        env = dict(os.environ)
        env.update({"PULUMI_PROJECT": self.project, "PULUMI_STACK": self.stack, "PYTHONUNBUFFERED": "1"})
        env.pop("PULUMI_DRY_RUN", None)
        self._proc = subprocess.Popen(
            # As pulumi-analyzer-policy-python does: the engine address, then the pack's directory.
            [self.python, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(self.policy_dir)],
            cwd=self.policy_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        port_line = self._read_port_line()
        try:
            self.port = int(port_line.strip())
        except ValueError as error:
            self.close()
            raise AnalyzerStartError(self._failure(f"printed {port_line!r} instead of a port")) from error
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{self.port}",
            options=[("grpc.max_send_message_length", _MAX_MESSAGE), ("grpc.max_receive_message_length", _MAX_MESSAGE)],
        )
        try:
            grpc.channel_ready_future(self._channel).result(timeout=self.start_timeout)
        except grpc.FutureTimeoutError as error:
            self.close()
            raise AnalyzerStartError(self._failure("its gRPC server never became ready")) from error
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self.info = self._stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=self.call_timeout)
        if self.config:
            self.configure(self.config)
        return self

    def _drain_stderr(self) -> None:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return
        for line in proc.stderr:
            self._stderr.append(line)

    def _read_port_line(self) -> str:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        result: list[str] = []

        def read() -> None:
            assert proc.stdout is not None
            result.append(proc.stdout.readline().decode(errors="replace"))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        if not result or not result[0]:
            alive = proc.poll() is None
            self.close()
            what = "did not print its port in time" if alive else f"exited with code {proc.returncode}"
            raise AnalyzerStartError(self._failure(what))
        return result[0]

    def _failure(self, what: str) -> str:
        time.sleep(0.2)  # let the stderr reader catch up
        stderr = b"".join(self._stderr).decode(errors="replace").strip()
        return (
            f"policy pack in {self.policy_dir} ({self.python} -m pulumi.policy) {what}.\n"
            f"--- its stderr ---\n{stderr or '(empty)'}"
        )

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc is not None:
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()

    def __enter__(self) -> AnalyzerProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the protocol ----------------------------------------------------------------------------------------

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise RuntimeError("AnalyzerProcess is not started (use it as a context manager)")
        return self._stub

    def configure(self, config: Mapping[str, Any]) -> None:
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, value in config.items():
            entry = analyzer_pb2.PolicyConfig()
            if isinstance(value, str):
                entry.enforcementLevel = _LEVEL_VALUES[value]
            else:
                props = dict(value)
                level = props.pop("enforcementLevel", None)
                if level is None:
                    level = self.default_level(name)
                entry.enforcementLevel = _LEVEL_VALUES[level]
                entry.properties.CopyFrom(_struct(props))
            request.policyConfig[name].CopyFrom(entry)
        self.stub.Configure(request, timeout=self.call_timeout)

    def default_level(self, policy: str) -> str:
        for p in self.info.policies if self.info else ():
            if p.name == policy:
                return _LEVELS[p.enforcementLevel]
        return "advisory"

    @staticmethod
    def _options(snap: ResourceSnapshot) -> analyzer_pb2.AnalyzerResourceOptions:
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=snap.protect,
            ignoreChanges=list(snap.ignore_changes),
            deleteBeforeReplace=snap.delete_before_replace,
            deleteBeforeReplaceDefined=True,
            additionalSecretOutputs=list(snap.additional_secret_outputs),
            parent=snap.parent,
        )

    @staticmethod
    def _violations(response: analyzer_pb2.AnalyzeResponse, stage: str) -> list[Violation]:
        return [
            Violation(d.policyName, _LEVELS.get(d.enforcementLevel, str(d.enforcementLevel)), d.message, d.urn, stage)
            for d in response.diagnostics
        ]

    def analyze(self, snap: ResourceSnapshot) -> list[Violation]:
        """``Analyze``: one resource's inputs, as the engine sends them before the step runs."""
        request = analyzer_pb2.AnalyzeRequest(
            type=snap.type,
            properties=_struct(snap.inputs),
            urn=snap.urn,
            name=snap.name,
            options=self._options(snap),
        )
        response = self.stub.Analyze(request, timeout=self.call_timeout)
        return [
            v if v.urn else Violation(v.policy_name, v.enforcement_level, v.message, snap.urn, v.stage)
            for v in self._violations(response, "analyze")
        ]

    def analyze_stack(self, snaps: Sequence[ResourceSnapshot]) -> list[Violation]:
        """``AnalyzeStack``: every resource's outputs plus the graph, once all steps are done."""
        request = analyzer_pb2.AnalyzeStackRequest()
        for snap in snaps:
            resource = request.resources.add()
            resource.type = snap.type
            resource.urn = snap.urn
            resource.name = snap.name
            resource.properties.CopyFrom(_struct(snap.outputs))
            resource.options.CopyFrom(self._options(snap))
            resource.parent = snap.parent
            resource.dependencies.extend(snap.dependencies)
            for key, urns in snap.property_dependencies.items():
                resource.propertyDependencies[key].urns.extend(urns)
        response = self.stub.AnalyzeStack(request, timeout=self.call_timeout)
        return self._violations(response, "analyze-stack")

    def analyze_resources(self, snaps: Iterable[ResourceSnapshot], preview: bool = False) -> list[Violation]:
        """What ``pulumi preview`` (``preview=True``) or ``pulumi up`` reports for these resources.

        Both call ``Analyze`` for every custom resource and then ``AnalyzeStack`` once; the snapshots of a
        preview run carry the unknowns themselves, so ``preview`` only documents the intent (and is kept so
        that callers say which one they mean).
        """
        del preview  # the snapshots' values already say what is known
        snaps = list(snaps)
        out: list[Violation] = []
        for snap in snaps:
            if snap.custom:
                out.extend(self.analyze(snap))
        out.extend(self.analyze_stack(snaps))
        return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m offline.analyzer snapshot.json [policy-config.json]``: print the violations as JSON lines."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(__doc__)
        return 2
    data = json.loads(Path(args[0]).read_text())
    config = json.loads(Path(args[1]).read_text()) if len(args) > 1 else None
    snaps = [ResourceSnapshot(**{**r, "dependencies": tuple(r.get("dependencies", ()))}) for r in data["resources"]]
    with AnalyzerProcess(config=config) as pack:
        violations = pack.analyze_resources(snaps, preview=bool(data.get("preview")))
    for v in violations:
        print(json.dumps(v.__dict__))
    return 1 if any(v.mandatory for v in violations) else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A real moto server on loopback for the audit's tests, and accounts built in it through boto3.

The server is moto's own (``python -m moto.server``, pip ``moto[server]``): a real HTTP endpoint that boto3
reaches through ``AWS_ENDPOINT_URL``, exactly as the audit reaches AWS. One server per test process; each
world starts from a reset (``POST /moto-api/reset``), so a world is one fresh account.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen[bytes]
    # One botocore session for every client of the tests and of the audit runs: its loader keeps the service
    # models parsed (a new session re-reads EC2's model, a tenth of a second each time).
    botocore: Any

    def env(self) -> dict[str, str]:
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def session(self) -> boto3.session.Session:
        return boto3.session.Session(botocore_session=self.botocore, region_name=REGION)

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.url)


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    port = free_port()
    env = {**os.environ, **CREDENTIALS, "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.05)
        saved = {k: os.environ.get(k) for k in (*CREDENTIALS, "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION")}
        url = f"http://127.0.0.1:{port}"
        os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION})
        try:
            yield MotoServer(url, process, botocore.session.get_session())
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    finally:
        process.kill()  # it keeps nothing worth a graceful stop
        process.wait(timeout=10)

"""A local stand-in for CloudFront: a reverse proxy that adds the secret origin header.

For tests and demos on loopback only: it forwards each request to an http origin, replacing any
viewer-sent copy of the header with the secret (as CloudFront's custom origin headers do), and answers
502 when the origin cannot be reached and 504 when it times out, like CloudFront. The secret comes
from an environment variable (never the command line, where `ps` would show it) and is never printed.

    ORIGIN_VERIFY_SECRET=... python -m tools.cloudfront_stand_in --origin http://127.0.0.1:8081 \\
        --header-name X-Origin-Verify --port 8080

    with CloudFrontStandIn("http://127.0.0.1:8081", "X-Origin-Verify", secret) as proxy:
        proxy.url  # http://127.0.0.1:PORT/
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
# Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"}
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    origin_host: str
    origin_port: int
    header_name: str
    secret: str
    timeout_seconds: float
    verbose: bool = False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "CloudFront-stand-in"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        secret_header = server.header_name.lower()
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() not in HOP_BY_HOP and name.lower() != secret_header
        }
        headers["Host"] = f"{server.origin_host}:{server.origin_port}"
        headers["Via"] = "1.1 cloudfront-stand-in"
        headers["X-Forwarded-For"] = self.client_address[0]
        headers[server.header_name] = server.secret
        origin = http.client.HTTPConnection(server.origin_host, server.origin_port, timeout=server.timeout_seconds)
        try:
            origin.request(self.command, self.path, body=body, headers=headers)
            response = origin.getresponse()
            data = response.read()
        except TimeoutError:
            self._reply(504, b"504 Gateway Timeout: the origin did not answer in time\n")
            return
        except (OSError, http.client.HTTPException):
            self._reply(502, b"502 Bad Gateway: cannot connect to the origin\n")
            return
        finally:
            origin.close()
        # The origin's own headers (Server included), plus CloudFront-like ones.
        self.log_request(response.status)
        self.send_response_only(response.status, response.reason)
        self.send_header("Date", self.date_time_string())
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Cache", "Miss from cloudfront-stand-in")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _forward

    def log_message(self, format: str, *args: object) -> None:
        # Quiet by default; the request line never holds the secret (it travels in a header).
        if self.server.verbose:
            sys.stderr.write(f"stand-in: {self.address_string()} {format % args}\n")


class CloudFrontStandIn:
    """Run the stand-in in a background thread; use as a context manager so it always stops."""

    def __init__(
        self,
        origin_url: str,
        header_name: str,
        secret: str,
        host: str = LOOPBACK,
        port: int = 0,
        timeout: float = 10.0,
        verbose: bool = False,
    ) -> None:
        parts = urlsplit(origin_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"origin {origin_url!r}: expected http://HOST[:PORT]")
        self.host = host
        self._server = _Server((host, port), _Handler)
        self._server.origin_host = parts.hostname
        self._server.origin_port = parts.port or 80
        self._server.header_name = header_name
        self._server.secret = secret
        self._server.timeout_seconds = timeout
        self._server.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def serve_forever(self) -> None:
        """Serve in this thread (the command line) until interrupted."""
        self._server.serve_forever()

    def start(self) -> CloudFrontStandIn:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="cloudfront-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> CloudFrontStandIn:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local CloudFront stand-in: a proxy that adds the origin header.")
    parser.add_argument("--origin", required=True, help="http://HOST:PORT of the origin (e.g. the local nginx)")
    parser.add_argument("--header-name", default="X-Origin-Verify")
    parser.add_argument("--secret-env", default="ORIGIN_VERIFY_SECRET", help="environment variable with the secret")
    parser.add_argument("--host", default=LOOPBACK)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="log one line per request (never the secret)")
    args = parser.parse_args(argv)
    secret = os.environ.get(args.secret_env, "")
    if not secret:
        parser.error(f"set the secret in ${args.secret_env}")
    proxy = CloudFrontStandIn(args.origin, args.header_name, secret, args.host, args.port, verbose=args.verbose)
    print(f"listening on {args.host}:{proxy.port}, forwarding to {args.origin} with {args.header_name}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        proxy.serve_forever()
    proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

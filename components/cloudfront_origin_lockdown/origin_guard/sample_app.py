#!/usr/bin/env python3
"""Sample app for the origin: GET / says it was served through CloudFront, GET /healthz says ok.

Stdlib only, python3 3.9. Binds to --host/--port, else $APP_BIND_ADDRESS/$APP_PORT, else
127.0.0.1:8080; port 0 picks a free port. Prints "listening on HOST:PORT" once bound. The tests add
endpoints of their own through `main`'s `handler` (tests/sample_app_test_endpoints.py): nothing
test-only ships to an instance.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import socket
import sys
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>cloudfront-origin-lockdown</title></head>
<body><h1>Served through CloudFront</h1>
<p>This page comes from the origin instance <code>{host}</code>, which only answers CloudFront.</p>
</body></html>
"""


class Handler(BaseHTTPRequestHandler):
    server_version = "sample-app"
    sys_version = ""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.reply(200, "text/plain; charset=utf-8", "ok\n")
        elif url.path == "/":
            self.reply(200, "text/html; charset=utf-8", PAGE.format(host=html.escape(socket.gethostname())))
        else:
            self.reply(404, "text/plain; charset=utf-8", "not found\n")

    def reply(self, status: int, content_type: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        # One line per request on stdout (the journal); request headers are never logged.
        print(f"{self.address_string()} {format % args}", flush=True)


def main(argv: Sequence[str] | None = None, handler: type[Handler] = Handler) -> int:
    parser = argparse.ArgumentParser(description="Sample app behind CloudFront.")
    parser.add_argument("--host", default=os.environ.get("APP_BIND_ADDRESS", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("APP_PORT", "8080")))
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), handler)
    server.daemon_threads = True
    print(f"listening on {args.host}:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

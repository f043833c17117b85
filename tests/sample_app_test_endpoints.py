"""The sample app plus two endpoints the live tests need (run as a script by tests.nginx_server.SampleApp):
/_test/headers (the request's headers as a JSON list of [name, value]) and /_test/slow?seconds=N
(answers after N seconds, at most 10). They live here so that nothing test-only ships to an instance.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "components"))

from cloudfront_origin_lockdown.origin_guard import sample_app


class TestEndpoints(sample_app.Handler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_test/headers":
            self.reply(200, "application/json", json.dumps([[name, value] for name, value in self.headers.items()]))
        elif url.path == "/_test/slow":
            seconds = float(parse_qs(url.query).get("seconds", ["1"])[0])
            time.sleep(max(0.0, min(seconds, 10.0)))
            self.reply(200, "text/plain; charset=utf-8", "slow ok\n")
        else:
            super().do_GET()


if __name__ == "__main__":
    sys.exit(sample_app.main(handler=TestEndpoints))

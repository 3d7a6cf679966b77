"""gunicorn's own refusals (a 10 kB request line, too many header bytes) answer in kb's one JSON error shape,
not an HTML page (hardening finding 4)."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request

import pytest

from tests.fixtures.servers import wait_until_up

pytestmark = pytest.mark.serve


def fetch(url: str, headers: dict | None = None) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], json.loads(e.read())


def test_a_request_line_or_headers_over_gunicorns_limits_get_json_errors(tmp_path, kb_serve):
    server, url = kb_serve(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    try:
        wait_until_up(url, server)
        status, kind, body = fetch(f"{url}/api/v1/search?q={'a' * 10_000}")
        assert (status, kind, body["error"]["code"]) == (414, "application/json", "uri_too_long")
        status, kind, body = fetch(f"{url}/api/v1/search?q=x", {f"X-Filler-{n}": "y" * 100 for n in range(120)})
        assert status == 431 and kind == "application/json"
        assert body["error"]["code"] == "request_header_fields_too_large"
        status, _, body = fetch(f"{url}/api/v1/search?q={'a' * 1001}")  # past gunicorn's limits, kb's own
        assert status == 400 and body["error"]["code"] == "query_too_long"
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)

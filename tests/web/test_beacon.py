"""GET /beacon.js: served with caching headers, loadable from any origin, and small."""

from __future__ import annotations

import gzip
import re

from kb.config import PROJECT_ROOT
from kb.web import beacon
from tests.fixtures.app import make_app, make_config

STATIC = PROJECT_ROOT / "kb" / "static"
SCRIPT = STATIC / "beacon.js"

# What the customer's site pays is the transfer: gzip, as served with compression on every page that embeds it.
BUDGET = 10 * 1024  # bytes gzipped, with one locale; about 8.1 kB today (8.7 kB with the pt-BR strings too)


def test_beacon_is_javascript_cached_for_an_hour(client):
    response = client.get("/beacon.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=3600"  # werkzeug writes them in the order set
    assert response.headers["ETag"]
    assert response.data == beacon.body(STATIC)  # the shared send.js and beacon.js in one closure


def test_beacon_loads_from_any_origin(client):
    response = client.get("/beacon.js", headers={"Origin": "https://shop.example.net"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers


def test_beacon_conditional_get_answers_304(client):
    etag = client.get("/beacon.js").headers["ETag"]
    again = client.get("/beacon.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/beacon.js", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_beacon_head(client):
    response = client.head("/beacon.js")
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(beacon.body(STATIC))


def test_beacon_is_small(client):
    body = client.get("/beacon.js").data
    zipped = len(gzip.compress(body, 9))
    print(f"beacon.js: {len(body)} bytes, {zipped} gzipped")
    assert zipped < BUDGET, f"beacon.js is {zipped} bytes gzipped; the budget is {BUDGET}"


def test_beacon_is_outside_the_api_rate_limit(built_data_dir, tmp_path):
    """A public static script, cached by browsers: the API's per-client limit does not apply to it."""
    app = make_app(make_config(built_data_dir, RATE_LIMIT="2/minute", DATABASE_URL=f"sqlite:///{tmp_path / 'db'}"))
    client = app.test_client()
    assert [client.get("/beacon.js").status_code for _ in range(4)] == [200] * 4
    assert [client.get("/api/v1/search?q=x").status_code for _ in range(3)] == [200, 200, 429]  # the API's is on


def test_beacon_builds_its_dom_without_html_strings():
    """HTML is parsed only from the server's sanitized fields (suggestion snippets, article html)."""
    source = SCRIPT.read_text("utf-8")
    assert re.findall(r"([\w.]+)\.innerHTML = ([\w.]+);", source) == [("snip", "s.snippet"), ("art.body", "a.html")]
    assert source.count("innerHTML") == 2
    for sink in ("outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source

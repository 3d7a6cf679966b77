"""The analytics helper ``kbSend`` lives once, in kb/static/send.js: the help-center pages load it before their own
scripts, and /beacon.js serves it inside the beacon's closure. A second copy of it anywhere under kb/static/ fails
here."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "kb" / "static"
SHARED = STATIC / "send.js"
# The scripts that report analytics events, each through kbSend.
USERS = ("agent.js", "beacon.js", "contact.js", "search.js")
# What only a sender of events does: name the endpoint, or queue a beacon.
SENDING = re.compile(r"sendBeacon|/api/v1/events")
DEFINES = re.compile(r"\bfunction\s+(?:send|kbSend)\b|\b(?:send|kbSend)\s*=[^=]")


def scripts() -> dict[str, str]:
    return {path.name: path.read_text("utf-8") for path in sorted(STATIC.glob("*.js"))}


def code(source: str) -> str:
    """``source`` without its comments (enough for these scripts: no ``//`` or ``/*`` inside their strings)."""
    return re.sub(r"/\*.*?\*/|(?<![:\"'])//[^\n]*", "", source, flags=re.S)


def test_the_helper_is_defined_once():
    defined = {name for name, source in scripts().items() if DEFINES.search(code(source))}
    assert defined == {"send.js"}, f"a send helper is defined in {sorted(defined)}; use kbSend from send.js"
    assert len(DEFINES.findall(code(SHARED.read_text("utf-8")))) == 2  # `var kbSend =` and its `function send`


def test_only_the_helper_sends_events_and_every_reporter_uses_it():
    senders = {name for name, source in scripts().items() if SENDING.search(code(source))}
    assert senders == {"send.js"}, f"{sorted(senders - {'send.js'})} send events themselves; call kbSend instead"
    for name in USERS:
        assert "kbSend(" in code((STATIC / name).read_text("utf-8")), f"{name} no longer reports through kbSend"


def test_pages_load_the_helper_before_their_scripts(client):
    """Deferred scripts run in document order: send.js must come first on every page (search.js is on all)."""
    for path, script in (("/", "search.js"), ("/contact", "contact.js")):
        html = client.get(path).get_data(as_text=True)
        sources = re.findall(r'<script src="[^"]*/static/([\w.]+)[^"]*"', html)
        assert sources.count("send.js") == 1, (path, sources)
        assert sources.index("send.js") < sources.index(script), (path, sources)
        assert re.search(r'<script src="[^"]*/static/send\.js[^"]*" defer>', html), "send.js is not deferred"


def test_the_beacon_is_served_with_the_helper_once(client):
    response = client.get("/beacon.js")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    shared, beacon = SHARED.read_text("utf-8").rstrip(), (STATIC / "beacon.js").read_text("utf-8").rstrip()
    assert body.count(shared) == 1 and body.count(beacon) == 1
    assert body.index(shared) < body.index(beacon)
    assert body.count("sendBeacon(") == 1 and len(DEFINES.findall(code(body))) == 2
    # one closure around both: the helper's `var kbSend` is not a global of the host page
    assert body.lstrip().split("\n", 2)[1] == "(function () {" and body.rstrip().endswith("})();\n})();")
    # caching covers the combined body
    assert response.headers["ETag"] == '"' + hashlib.sha256(response.data).hexdigest()[:32] + '"'
    assert int(client.head("/beacon.js").headers["Content-Length"]) == len(response.data)
    assert client.get("/beacon.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.browser
def test_the_helper_is_a_page_global_but_not_the_beacons(live_server, host, open_page):
    host.pages["/embed.html"] = (
        "<!doctype html><html><head><title>Host</title></head><body><h1>Host</h1>"
        f'<script src="{live_server.url}/beacon.js"></script></body></html>'
    )
    page = open_page()
    page.goto(host.origin + "/embed.html")
    page.wait_for_function("() => window.KB && window.KB.beacon === 1")
    assert page.evaluate("() => typeof window.kbSend") == "undefined"
    assert page.evaluate("() => Object.keys(window).filter((k) => /kb|send/i.test(k))") == ["KB"]
    assert page.errors == []

    page.goto(live_server.url + "/contact")
    page.wait_for_load_state("load")
    assert page.evaluate("() => typeof window.kbSend") == "function"
    assert page.errors == []

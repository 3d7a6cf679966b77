"""Serve first, embed after: `kb serve` on a fresh data folder answers in full-text mode at once, says that
semantic search is being built, and switches to hybrid without a restart when the background build is done.
The int8 query model exported earlier is reused (copied from the session's export), not exported again."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request

import pytest

from kb.index import serving
from search import onnx
from tests.fixtures.servers import wait_until_up

pytestmark = [pytest.mark.slow, pytest.mark.serve]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def suggest(url: str, text: str) -> dict:
    data = json.dumps({"text": text}).encode()
    request = urllib.request.Request(f"{url}/api/v1/suggest", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def every_worker_is_hybrid(url: str, answers: int = 6) -> bool:
    """Whether several answers in a row (so from both workers, each of which notices the new build on its own
    within a second or two) rank in hybrid mode."""
    return all(get(f"{url}/api/v1/search?q=password")["mode"] == "hybrid" for _ in range(answers))


def test_a_fresh_install_serves_full_text_first_then_switches_to_hybrid(exported_dir, kb_serve, tmp_path):
    data_dir = tmp_path / "fresh"
    shutil.copytree(onnx.export_dir(exported_dir), onnx.export_dir(data_dir))  # exported once, reused
    started = time.monotonic()
    server, url = kb_serve(f"sqlite:///{tmp_path / 'kb.sqlite3'}", data_dir=data_dir, SEMANTIC_ENABLED="true")
    try:
        wait_until_up(url, server)
        first_page = time.monotonic() - started
        early = get(f"{url}/healthz")
        early_search = get(f"{url}/api/v1/search?q=password")
        early_suggest = suggest(url, "I forgot my password")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not every_worker_is_hybrid(url):
            time.sleep(0.5)
        # Hybrid answers in a row may all have come from one worker: once CHECK_INTERVAL has passed, every
        # worker looks at the index anew on its next request, whichever answers the health check.
        time.sleep(serving.CHECK_INTERVAL + 0.5)
        late = get(f"{url}/healthz")
        late_search = get(f"{url}/api/v1/search?q=unable%20to%20access%20my%20profile")
        late_suggest = suggest(url, "I forgot my password")
        ready = get(f"{url}/readyz")
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=60)
    assert early["mode"] == "fulltext" and early["degraded"] is True, early
    assert early["semantic"]["building"]["step"] in (
        "starting",
        "loading the model",
        "exporting the query model",
        "embedding",
    )
    assert early_search["mode"] == "fulltext" and early_search["degraded"] is True
    assert early_search["results"][0]["slug"] == "reset-password"
    assert early_suggest["mode"] == "fulltext" and early_suggest["degraded"] is True
    log = errors.decode()
    switched = late["mode"] == "hybrid" and late["degraded"] is False and late["index"]["semantic"] is True
    assert switched, f"{json.dumps(late)}\n--- the server's log, last lines:\n{log[-4000:]}"
    assert late_search["mode"] == "hybrid" and late_search["results"][0]["slug"] == "reset-password"
    assert late_suggest["mode"] == "hybrid" and late_suggest["suggestions"][0]["slug"] == "reset-password"
    assert ready["checks"]["model"]["ok"] is True
    assert late["semantic"]["encoder"] == "onnx-int8"  # the workers load the exported model, never torch
    assert "Exported the int8 query model" not in log  # reused
    assert "Traceback" not in log, log[-3000:]
    assert first_page < 60, f"first page after {first_page:.0f} s"

"""kb serve under gunicorn with two workers: analytics events from both reach the database, none lost."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from kb.build import build_index
from tests.conftest import ARTICLES, CUSTOMER_UA

SEARCHES = 120
EVENT_BATCHES = 40  # of 3 events each


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, body: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"User-Agent": CUSTOMER_UA, "Content-Type": "text/plain"}
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=30) as response:
        return response.status


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "kb serve exited"
        try:
            if request(url + "/healthz") == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("kb serve did not start within 60 s")


def start_kb_serve(
    database_url: str, tmp_path: Path, stdout=subprocess.DEVNULL, **settings: str
) -> tuple[subprocess.Popen, str]:
    """`kb serve` with two gunicorn workers on the test articles (full text only) and ``database_url``."""
    data_dir = tmp_path / "data"
    build_index(ARTICLES, data_dir, encoder=None)
    port = free_port()
    env = {
        **os.environ,
        "KB_ARTICLES_DIR": str(ARTICLES),
        "KB_DATA_DIR": str(data_dir),
        "KB_DATABASE_URL": database_url,
        "KB_SEMANTIC_ENABLED": "false",
        "KB_RATE_LIMIT": "off",
        "KB_SECRET_KEY": "test-secret",
        **{f"KB_{name}": value for name, value in settings.items()},
    }
    kb = Path(sys.executable).with_name("kb")
    command = [str(kb), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
    return server, f"http://127.0.0.1:{port}"


def test_two_workers_lose_no_event_under_concurrent_writes(database_url, tmp_path):
    server, url = start_kb_serve(database_url, tmp_path)
    try:
        wait_until_up(url, server)
        batch = {
            "events": [
                {"type": "suggestion_shown", "surface": "beacon", "session": "s", "articles": ["invoices"]},
                {"type": "suggestion_clicked", "surface": "beacon", "session": "s", "article": "invoices"},
                {"type": "search_click", "query": "invoices", "article": "invoices", "position": 1},
            ]
        }
        jobs = [f"{url}/search?q=invoices+{n}" for n in range(SEARCHES)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(request, jobs))
            statuses += list(pool.map(lambda _: request(f"{url}/api/v1/events", batch), range(EVENT_BATCHES)))
        assert statuses.count(200) == SEARCHES and statuses.count(202) == EVENT_BATCHES
    finally:
        server.send_signal(signal.SIGTERM)  # graceful: each worker writes what it still has queued
        _, errors = server.communicate(timeout=60)
    assert server.returncode == 0, errors.decode()[-2000:]
    assert errors.decode().count("Booting worker") >= 2
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.text("SELECT type, count(*) FROM events GROUP BY type")).all())
    engine.dispose()
    assert counts == {
        "search": SEARCHES,
        "suggestion_shown": EVENT_BATCHES,
        "suggestion_clicked": EVENT_BATCHES,
        "search_click": EVENT_BATCHES,
    }


def test_a_worker_killed_under_load_loses_no_ticket(database_url, tmp_path):
    server, url = start_kb_serve(database_url, tmp_path)
    acknowledged, failed = [], []

    def submit(n: int) -> None:
        body = {"name": "Ann", "email": "ann@example.com", "message": f"ticket {n}"}
        try:
            data = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", "User-Agent": CUSTOMER_UA}
            req = urllib.request.Request(f"{url}/api/v1/tickets", data=data, headers=headers)
            with urllib.request.urlopen(req, timeout=30) as response:
                (acknowledged if response.status == 201 else failed).append((n, response.status))
        except urllib.error.HTTPError as e:
            failed.append((n, e.code))
        except OSError as e:  # the connection the killed worker was serving
            failed.append((n, type(e).__name__))

    try:
        wait_until_up(url, server)
        workers = [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(submit, n) for n in range(200)]
            while len(acknowledged) < 40:  # mid-stream: requests are in flight when the worker dies
                time.sleep(0.005)
            os.kill(workers[0], signal.SIGKILL)
            for future in futures:
                future.result()
        assert len(acknowledged) + len(failed) == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert all(not isinstance(code, int) or code < 500 for _, code in failed), failed
    assert len(failed) <= 4  # at most the requests in flight on the killed worker
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        stored = {m for (m,) in conn.execute(sa.text("SELECT message FROM tickets"))}
    engine.dispose()
    assert {f"ticket {n}" for n, _ in acknowledged} <= stored  # every 201 is a stored ticket


def test_json_logs_are_one_object_a_line_with_request_fields(tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    server, url = start_kb_serve(url, tmp_path, stdout=subprocess.PIPE, LOG_FORMAT="json")  # access log: stdout
    try:
        wait_until_up(url, server)
        assert request(f"{url}/search?q=private+words") == 200
    finally:
        server.send_signal(signal.SIGTERM)
        access_log, errors = server.communicate(timeout=60)
    lines = (access_log + errors).decode().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    assert {"time", "level", "logger", "message"} <= set(records[0])
    [access] = [r for r in records if r.get("path") == "/search"]
    assert access["method"] == "GET" and access["status"] == 200 and access["duration_ms"] >= 0
    assert "private" not in json.dumps(access)  # no query string: it holds what customers typed
    assert any("Booting worker" in r["message"] for r in records)

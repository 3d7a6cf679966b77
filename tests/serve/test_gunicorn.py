"""kb serve under gunicorn: events from two workers, a killed worker, a database outage, JSON logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.databases import POSTGRES_URL, prepare_database
from tests.fixtures.servers import CUSTOMER_UA, TcpProxy, request, wait_until_up, worker_pids

pytestmark = pytest.mark.serve  # every test here starts `kb serve` (through the kb_serve fixture)

SEARCHES = 120
EVENT_BATCHES = 40  # of 3 events each


def test_two_workers_lose_no_event_under_concurrent_writes(database_url, kb_serve):
    server, url = kb_serve(database_url)
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


def test_a_worker_killed_under_load_loses_no_ticket(database_url, kb_serve):
    server, url = kb_serve(database_url)
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


def test_json_logs_are_one_object_a_line_with_request_fields(tmp_path, kb_serve):
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    server, url = kb_serve(url, stdout=subprocess.PIPE, LOG_FORMAT="json")  # access log: stdout
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


def test_tickets_during_a_database_outage_are_stored_or_refused_never_lost(tmp_path, kb_serve):
    prepare_database("postgresql", tmp_path)
    link = TcpProxy(("127.0.0.1", 5432))
    proxied = POSTGRES_URL.replace("127.0.0.1:5432", f"127.0.0.1:{link.port}")
    # Errors are logged with tracebacks during the outage: a file, not an undrained pipe that would block.
    with open(tmp_path / "kb.log", "wb") as log:
        server, url = kb_serve(proxied, stderr=log)
    outcomes: dict[int, tuple[object, float]] = {}

    def submit(n: int) -> None:
        body = json.dumps({"name": "Ann", "email": "ann@example.com", "message": f"ticket {n}"}).encode()
        headers = {"Content-Type": "application/json", "User-Agent": CUSTOMER_UA}
        req = urllib.request.Request(f"{url}/api/v1/tickets", data=body, headers=headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                outcomes[n] = (response.status, time.monotonic() - started)
        except urllib.error.HTTPError as e:
            outcomes[n] = (e.code, time.monotonic() - started)
        except OSError as e:
            outcomes[n] = (type(e).__name__, time.monotonic() - started)

    phases: dict[str, range] = {}
    try:
        wait_until_up(url, server)
        n = 0
        for phase, seconds in (("before", 2), ("outage", 10), ("after", 3)):
            if phase == "outage":
                link.cut()
            elif phase == "after":
                link.restore()
            first, deadline = n, time.monotonic() + seconds
            with ThreadPoolExecutor(max_workers=4) as pool:
                while time.monotonic() < deadline:
                    list(pool.map(submit, range(n, n + 4)))
                    n += 4
            phases[phase] = range(first, n)
    finally:
        link.restore()
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert {status for status, _ in outcomes.values()} <= {201, 503}  # stored, or refused: nothing in between
    during = [outcomes[i] for i in phases["outage"]]
    assert {status for status, _ in during} == {503}  # the outage was felt, by every request...
    assert max(seconds for _, seconds in during) < 1  # ...and answered at once, not after a timeout
    assert all(outcomes[i][0] == 201 for i in list(phases["after"])[-8:])  # recovered without a restart
    engine = sa.create_engine(POSTGRES_URL)
    with engine.connect() as conn:
        stored = {m for (m,) in conn.execute(sa.text("SELECT message FROM tickets"))}
    engine.dispose()
    assert {f"ticket {i}" for i, (status, _) in outcomes.items() if status == 201} <= stored


def test_sighup_replaces_the_workers_without_failing_a_request(tmp_path, kb_serve):
    server, url = kb_serve(f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    statuses: list[object] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                statuses.append(request(f"{url}/api/v1/search?q=invoice&record=0"))
            except urllib.error.HTTPError as e:
                statuses.append(e.code)
            except OSError as e:
                statuses.append(type(e).__name__)

    try:
        wait_until_up(url, server)
        before = set(worker_pids(server))
        clients = [threading.Thread(target=keep_searching) for _ in range(3)]
        for client in clients:
            client.start()
        time.sleep(0.5)
        server.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (set(worker_pids(server)) and before.isdisjoint(worker_pids(server))):
            time.sleep(0.1)
        time.sleep(0.5)  # the new workers answer too
        stop.set()
        for client in clients:
            client.join(30)
        after = set(worker_pids(server))
        assert server.poll() is None  # the master stays
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert len(after) == 2 and before.isdisjoint(after)  # every worker replaced
    assert len(statuses) > 20 and set(statuses) == {200}, [s for s in statuses if s != 200][:5]

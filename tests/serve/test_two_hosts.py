"""Two kb hosts on one PostgreSQL and one Redis, the index built once and copied to both, load on both, one host
killed mid-load: no acknowledged ticket lost, none delivered twice, rate limits and agent sessions shared by
both hosts, and the surviving host's analytics complete (the set-up of the "Several hosts" article).

The hosts are two `kb serve` processes on two ports of 127.0.0.1, each with its own data folder: network
namespaces would need PostgreSQL and Redis listening beyond the loopback address, which they do not here.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import sqlalchemy as sa

from kb.index.build import build_index
from tests.fixtures.app import ARTICLES
from tests.fixtures.databases import prepare_database
from tests.fixtures.servers import CUSTOMER_UA, wait_until_up, worker_pids

pytestmark = pytest.mark.serve
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LOAD_SECONDS = 8
CLIENTS = 6


def post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode()
    headers = {"User-Agent": CUSTOMER_UA, "Content-Type": "application/json", **(headers or {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get(url: str, cookie: str | None = None) -> int:
    headers = {"User-Agent": CUSTOMER_UA, **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def kill_host(server) -> None:
    """kill -9 of the master and every worker: the host is gone, mid-request and mid-delivery."""
    for pid in worker_pids(server):
        os.kill(pid, signal.SIGKILL)
    server.kill()
    server.wait(10)


def sign_in_cookie(url: str) -> str:
    """A signed-in agent session from one host (the form's CSRF token read from the page)."""
    import http.cookiejar
    import re

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{url}/agent/sign-in", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = f"email=dana%40example.com&password=correct+horse+battery&csrf_token={token}".encode()
    opener.open(urllib.request.Request(f"{url}/agent/sign-in", data=form), timeout=10)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


@pytest.fixture
def stack():
    with contextlib.ExitStack() as opened:
        yield opened


def test_two_hosts_lose_nothing_and_share_limits_sessions_and_analytics(tmp_path, kb_serve, receiver, stack):
    database = prepare_database("postgresql", tmp_path)
    redis.Redis.from_url(REDIS_URL).flushdb()
    build_index(ARTICLES, tmp_path / "a", encoder=None)  # built once ...
    shutil.copytree(tmp_path / "a" / "index", tmp_path / "b" / "index")  # ... and copied to the other host
    settings = {
        "SEMANTIC_ENABLED": "false",
        "REDIS_URL": REDIS_URL,
        "TICKET_WEBHOOK_URL": receiver.url,
        "RATE_LIMIT": "100000/minute",
        "AGENTS": "dana@example.com=" + __import__("kb.auth", fromlist=["x"]).hash_password("correct horse battery"),
    }
    logs = [stack.enter_context(open(tmp_path / f"{name}.log", "wb")) for name in "ab"]
    host_a, url_a = kb_serve(database, data_dir=tmp_path / "a", stderr=logs[0], **settings)
    host_b, url_b = kb_serve(database, data_dir=tmp_path / "b", stderr=logs[1], **settings)
    wait_until_up(url_a, host_a)
    wait_until_up(url_b, host_b)

    # Agent sessions: signed in on one host, valid on the other
    cookie = sign_in_cookie(url_a)
    assert get(f"{url_b}/agent/", cookie) == 200

    # Rate limits: sign-in attempts spread over both hosts are counted together, 10 a minute (the one above too)
    statuses = [get_status_of_bad_sign_in((url_a, url_b)[n % 2]) for n in range(12)]
    assert statuses == [401] * 9 + [429] * 3

    # Load on both; host B killed -9 halfway
    acknowledged: list[int] = []
    searches = {"a": 0, "b": 0}
    failures = {"refused": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + LOAD_SECONDS

    def client(n: int) -> None:
        i = 0
        while time.monotonic() < stop_at:
            name, url = ("a", url_a) if (n + i) % 2 == 0 else ("b", url_b)
            i += 1
            try:
                status, body = post(f"{url}/api/v1/tickets", {**TICKET, "message": f"{name} {n} {i}: my invoice?"})
                search = get(f"{url}/api/v1/search?q=invoice+{name}host{n}x{i}")
            except OSError:  # the killed host: nothing was acknowledged, so nothing may be lost
                with lock:
                    failures["refused"] += 1
                continue
            with lock:
                if status == 201:
                    acknowledged.append(body["id"])
                if search == 200:
                    searches[name] += 1

    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(client, n) for n in range(CLIENTS)]
        time.sleep(LOAD_SECONDS / 2)
        kill_host(host_b)
        for future in futures:
            future.result()

    # Every acknowledged ticket delivered exactly once (by key), B's pending ones by A (after B's leases expire)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not keys(acknowledged) <= {r["key"] for r in receiver.received}:
        time.sleep(0.5)
    delivered = [r["key"] for r in receiver.received]
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT id FROM tickets")).scalars())
        not_delivered = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE status != 'delivered'")).scalar()
    host_a.send_signal(signal.SIGTERM)  # a graceful stop writes the events still queued
    host_a.wait(60)
    with engine.connect() as conn:
        recorded_a = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE type = 'search' AND query LIKE 'invoice ahost%'")
        ).scalar()
        recorded_b = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE type = 'search' AND query LIKE 'invoice bhost%'")
        ).scalar()
    engine.dispose()
    print(
        f"\ntwo hosts: {len(acknowledged)} tickets acknowledged, {len(stored)} stored, {len(set(delivered))} delivered"
        f" ({len(delivered) - len(set(delivered))} sent twice, {len(keys(acknowledged) - set(delivered))} lost), "
        f"{failures['refused']} requests refused by the killed host; searches answered {searches}, "
        f"recorded a={recorded_a} b={recorded_b}"
    )
    assert acknowledged and set(acknowledged) <= stored
    assert keys(acknowledged) <= set(delivered) and not_delivered == 0
    assert len(delivered) == len(set(delivered)) or receiver_dropped_repeats(receiver)
    assert recorded_a == searches["a"]  # the surviving host's analytics are complete
    assert recorded_b <= searches["b"]  # the killed host loses at most what it had queued (< 1 s)


TICKET = {"name": "Ann", "email": "ann@example.com", "subject": "Invoice"}


def keys(ids) -> set[str]:
    return {f"kb-ticket-{i}" for i in ids}


def receiver_dropped_repeats(receiver) -> bool:
    """A repeat is allowed only as the same Idempotency-Key, which a receiver honouring it drops."""
    return all(r["key"].startswith("kb-ticket-") for r in receiver.received)


def get_status_of_bad_sign_in(url: str) -> int:
    import http.cookiejar
    import re

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{url}/agent/sign-in", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = f"email=dana%40example.com&password=wrong+password&csrf_token={token}".encode()
    try:
        with opener.open(urllib.request.Request(f"{url}/agent/sign-in", data=form), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code

"""Two kb hosts on one PostgreSQL and one Redis, the index built once and copied to both, load on both, one host
killed mid-load: no acknowledged ticket lost, none delivered twice, rate limits and agent sessions shared by
both hosts, and the surviving host's analytics complete (the set-up of the "Several hosts" article).

Each host is `kb serve` in a network namespace of its own, with its own address and data folder; it reaches
PostgreSQL, Redis and the webhook through proxies on its link (they listen on 127.0.0.1 only). Clients come
"through a load balancer": kb trusts one proxy hop and reads the client's address from X-Forwarded-For. Without
root or `ip`, the two hosts are two ports of 127.0.0.1 instead.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from kb.auth import hash_password
from kb.desk import outbox
from kb.index.build import build_index
from tests.fixtures.app import ARTICLES
from tests.fixtures.databases import prepare_database
from tests.fixtures.servers import CUSTOMER_UA, TcpProxy, wait_until_up, worker_pids

pytestmark = pytest.mark.serve
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLIENT = {"User-Agent": CUSTOMER_UA, "X-Forwarded-For": "203.0.113.7"}  # one customer, as the balancer says
LOAD_SECONDS = 8
CLIENTS = 6


def post(url: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode()
    headers = {**CLIENT, "Content-Type": "application/json", **(headers or {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get(url: str, cookie: str | None = None) -> int:
    headers = {**CLIENT, **({"Cookie": cookie} if cookie else {})}
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


def reach(namespace, database: str, receiver, stack) -> dict[str, str]:
    """Where a host finds PostgreSQL, Redis and the webhook: directly on 127.0.0.1, or through proxies on its
    namespace's link."""
    urls = {"database": database, "redis": REDIS_URL, "webhook": receiver.url}
    if namespace is None:
        return urls
    for name, url in urls.items():
        where = sa.engine.make_url(url) if name == "database" else urllib.parse.urlsplit(url)
        proxy = TcpProxy((where.host if name == "database" else where.hostname, where.port), (namespace.gateway, 0))
        stack.callback(proxy.close)
        urls[name] = url.replace(f"127.0.0.1:{where.port}", f"{namespace.gateway}:{proxy.port}")
    return urls


def kill_host(server) -> None:
    """kill -9 of the master and every worker: the host is gone, mid-request and mid-delivery. The master goes
    first, or it would start a new worker in place of a killed one."""
    workers = worker_pids(server)
    server.kill()
    server.wait(10)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)


def sign_in_cookie(url: str) -> str:
    """A signed-in agent session from one host (the form's CSRF token read from the page)."""
    import http.cookiejar
    import re

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(urllib.request.Request(f"{url}/agent/sign-in", headers=CLIENT), timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = f"email=dana%40example.com&password=correct+horse+battery&csrf_token={token}".encode()
    opener.open(urllib.request.Request(f"{url}/agent/sign-in", data=form, headers=CLIENT), timeout=10)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


@pytest.fixture
def stack():
    with contextlib.ExitStack() as opened:
        yield opened


def test_two_hosts_lose_nothing_and_share_limits_sessions_and_analytics(
    tmp_path, kb_serve, receiver, stack, namespaces
):
    # the hosts' sessions are named, so that only theirs are counted below (the server may have other clients)
    plain = prepare_database("postgresql", tmp_path)
    database = named_sessions(plain)
    redis.Redis.from_url(REDIS_URL).flushdb()
    build_index(ARTICLES, tmp_path / "a", encoder=None)  # built once ...
    shutil.copytree(tmp_path / "a" / "index", tmp_path / "b" / "index")  # ... and copied to the other host
    settings = {
        "SEMANTIC_ENABLED": "false",
        "RATE_LIMIT": "100000/minute",
        "PROXY_HOPS": "1",
        "AGENTS": "dana@example.com=" + hash_password("correct horse battery"),
    }
    logs = [stack.enter_context(open(tmp_path / f"{name}.log", "wb")) for name in "ab"]
    hosts = namespaces(2) or [None, None]
    started = []
    for name, namespace, log in zip("ab", hosts, logs, strict=True):
        links = reach(namespace, database, receiver, stack)
        started.append(
            kb_serve(
                links["database"],
                data_dir=tmp_path / name,
                stderr=log,
                namespace=namespace,
                REDIS_URL=links["redis"],
                TICKET_WEBHOOK_URL=links["webhook"],
                **settings,
            )
        )
    (host_a, url_a), (host_b, url_b) = started
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
            except (OSError, http.client.HTTPException):  # the killed host: no answer, so nothing acknowledged
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

    # Every stored ticket delivered; those the dead host had under way are sent by the survivor once their lease
    # expires (a minute), with the same Idempotency-Key: a receiver that honours it sees each ticket once.
    engine = sa.create_engine(plain)
    stack.callback(engine.dispose)  # even when an assertion fails: a connection left open fails a later test
    stack.callback(end_sessions, engine)  # first: a session left open would lock the schema the next test drops
    stack.callback(print_tail, tmp_path / "a.log", tmp_path / "b.log")  # shown when the test fails
    deadline = time.monotonic() + outbox.LEASE_SECONDS + 60
    while time.monotonic() < deadline and undelivered(engine):
        time.sleep(0.5)
    delivered = [r["key"] for r in receiver.received]
    with engine.connect() as conn:
        stored = set(conn.execute(sa.text("SELECT id FROM tickets")).scalars())
    not_delivered = undelivered(engine)
    host_a.send_signal(signal.SIGTERM)  # a graceful stop writes the events still queued
    host_a.wait(60)
    # and nothing of the dead host holds a lock for long: PostgreSQL ends its abandoned transactions
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and abandoned(engine):
        time.sleep(0.5)
    assert abandoned(engine) == 0, sessions_report(engine)
    with engine.connect() as conn:
        recorded_a = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE type = 'search' AND query LIKE 'invoice ahost%'")
        ).scalar()
        recorded_b = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE type = 'search' AND query LIKE 'invoice bhost%'")
        ).scalar()
    print(
        f"\ntwo hosts: {len(acknowledged)} tickets acknowledged, {len(stored)} stored, {len(set(delivered))} delivered"
        f" ({len(delivered) - len(set(delivered))} sent again with the same key after the crash, "
        f"{len(keys(acknowledged) - set(delivered))} lost), "
        f"{failures['refused']} requests refused by the killed host; searches answered {searches}, "
        f"recorded a={recorded_a} b={recorded_b}; hosts in {'network namespaces' if hosts[0] else 'ports'}"
    )
    assert acknowledged and set(acknowledged) <= stored
    assert not_delivered == 0 and set(delivered) == keys(stored)  # each stored ticket, by its key
    assert len(delivered) - len(set(delivered)) <= 2 * CLIENTS  # sent again: only what the dead host had under way
    assert recorded_a == searches["a"]  # the surviving host's analytics are complete
    assert recorded_b <= searches["b"]  # the killed host loses at most what it had queued (< 1 s)


TICKET = {"name": "Ann", "email": "ann@example.com", "subject": "Invoice"}


def keys(ids) -> set[str]:
    return {f"kb-ticket-{i}" for i in ids}


SESSIONS = f"kb-two-hosts-{os.getpid()}"


def named_sessions(database: str) -> str:
    return (
        sa.engine.make_url(database)
        .update_query_dict({"application_name": SESSIONS})
        .render_as_string(hide_password=False)
    )


def abandoned(engine) -> int:
    """Transactions the hosts opened and left idle (the killed host's, until PostgreSQL ends them)."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
        " AND application_name = :name"
    )
    with engine.connect() as conn:
        return conn.execute(sa.text(query), {"name": SESSIONS}).scalar()


def sessions_report(engine) -> str:
    """The hosts' sessions as PostgreSQL sees them, for a failure message."""
    query = (
        "SELECT pid, state, now() - state_change AS idle_for, now() - backend_start AS age, client_port, query"
        " FROM pg_stat_activity WHERE application_name = :name ORDER BY backend_start"
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(query), {"name": SESSIONS}).all()
    return "the hosts' sessions:\n" + "\n".join(" | ".join(str(v) for v in row) for row in rows)


def end_sessions(engine) -> None:
    """End what is left of the hosts' sessions (the test has asserted on them already)."""
    query = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"
    with engine.connect() as conn:
        conn.execute(sa.text(query), {"name": SESSIONS})


def print_tail(*logs: Path) -> None:
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        print(f"--- the last lines of {log.name}:", *lines[-40:], sep="\n")


def undelivered(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM outbox WHERE status != 'delivered'")).scalar()


def get_status_of_bad_sign_in(url: str) -> int:
    import http.cookiejar
    import re

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(urllib.request.Request(f"{url}/agent/sign-in", headers=CLIENT), timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = f"email=dana%40example.com&password=wrong+password&csrf_token={token}".encode()
    request = urllib.request.Request(f"{url}/agent/sign-in", data=form, headers=CLIENT)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code

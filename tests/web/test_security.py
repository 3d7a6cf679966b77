"""What protects every request (kb.web.security): rate limits shared between workers, the client's address from
a trusted proxy only, and session cookies that stay on HTTPS."""

from __future__ import annotations

import uuid

import redis

from tests.fixtures.app import make_app, make_config


def test_rate_limits_shared_through_redis(built_data_dir, tmp_path, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    config = make_config(
        built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db", RATE_LIMIT="3/minute", REDIS_URL=redis_url
    )
    first, second = make_app(config), make_app(config)  # two workers, or two hosts
    address = {"REMOTE_ADDR": f"192.0.2.{uuid.uuid4().int % 250}"}
    statuses = [
        app.test_client().get("/api/v1/search?q=invoice", environ_base=address).status_code
        for app in (first, second, first, second)
    ]
    assert statuses == [200, 200, 200, 429]


def test_client_address_from_a_trusted_proxy_only(built_data_dir, tmp_path):
    config = make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db", RATE_LIMIT="1/minute")
    behind = make_app({**config, "PROXY_HOPS": 1}).test_client()
    direct = make_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path}/y.db"}).test_client()
    for n in (1, 2):  # through the proxy: two customers, two limits
        headers = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert behind.get("/api/v1/search?q=invoice", headers=headers).status_code == 200
    for n in (1, 2):  # no trusted proxy: the header is ignored, one client
        headers = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert direct.get("/api/v1/search?q=invoice", headers=headers).status_code == (200 if n == 1 else 429)


def test_sessions_use_secure_cookies_on_https(built_data_dir, tmp_path):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db", BASE_URL="https://help.example.com")
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"

"""Rate limits are counted by every worker together (one shared store per host without Redis, Redis across
hosts) and apply to every public form and page that writes or searches (hardening finding 7)."""

from __future__ import annotations

import pytest

from kb import auth
from kb.state import state_of
from tests.fixtures.app import csrf_token, make_app, make_config, shut_down

PASSWORD = "correct horse battery"
TICKET = {"name": "Ann", "email": "ann@example.com", "subject": "Invoice", "message": "Where is my invoice?"}


@pytest.fixture
def workers(built_data_dir, tmp_path):
    """Two apps on one data folder and database: two gunicorn workers of one host, as far as limits go."""
    config = make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", RATE_LIMIT="5/minute")
    apps = [make_app(config), make_app(config)]
    state_of(apps[0]).limiter.reset()  # the counters live in the (session-wide) data folder
    with apps[0].app_context():
        auth.add_agent("dana@example.com", PASSWORD, name="Dana")
    yield apps
    for app in apps:
        shut_down(app)


def sign_in(client):
    token = csrf_token(client.get("/agent/sign-in").get_data(as_text=True))
    return client.post("/agent/sign-in", data={"email": "dana@example.com", "password": "wrong!", "csrf_token": token})


def test_sign_in_attempts_are_counted_across_workers(workers):
    clients = [app.test_client() for app in workers]
    statuses = [sign_in(clients[n % 2]).status_code for n in range(12)]
    assert statuses == [401] * 10 + [429, 429]  # 10 a minute in all, not 10 per worker


def test_the_contact_form_is_limited(workers):
    clients = [app.test_client() for app in workers]
    token = csrf_token(clients[0].get("/contact").get_data(as_text=True))
    statuses = []
    for n in range(12):
        client = clients[n % 2]
        if n % 2:
            token_n = csrf_token(client.get("/contact").get_data(as_text=True))
        else:
            token_n = token
        statuses.append(client.post("/contact", data={**TICKET, "csrf_token": token_n}).status_code)
    assert statuses == [303] * 10 + [429, 429]


def test_helpfulness_votes_are_limited(workers):
    clients = [app.test_client() for app in workers]
    statuses = []
    for n in range(12):
        client = clients[n % 2]
        token = csrf_token(client.get("/articles/reset-password").get_data(as_text=True))
        response = client.post("/articles/reset-password/feedback", data={"helpful": "yes", "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses == [303] * 10 + [429, 429]


def test_the_search_page_is_limited_like_the_api(workers):
    clients = [app.test_client() for app in workers]
    statuses = [clients[n % 2].get(f"/search?q=password+{n}").status_code for n in range(7)]
    assert statuses == [200] * 5 + [429, 429]
    refused = clients[0].get("/search?q=again")
    assert "text/html" in refused.content_type and refused.headers["Retry-After"]

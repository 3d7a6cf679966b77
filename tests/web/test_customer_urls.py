"""Every URL a customer gives is an http(s) address or refused, and never becomes a javascript: link in the
agent's ticket page (hardening finding 3), nor a 500 (finding 4: ``?url=http://%5B::1``)."""

from __future__ import annotations

import pytest

from kb.query.suggest import customer_url
from tests.fixtures.agents import signed_in
from tests.fixtures.app import csrf_token

TICKET = {"name": "Ann", "email": "ann@example.com", "subject": "Invoice", "message": "Where is my invoice?"}
HOSTILE = [
    "javascript:alert(300)",
    "JavaScript:alert(300)",
    " javascript:alert(300)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "http://[::1",
    "http://exa mple.com/",
    "https://",
    "//example.com/path",
    "ftp://example.com/file",
]


@pytest.mark.parametrize("url", [*HOSTILE, "http://example.com/\x00", "http://example.com/\x7f"])
def test_customer_url_refuses_anything_but_a_web_address(url):
    with pytest.raises(ValueError):
        customer_url(url)


@pytest.mark.parametrize("url", ["https://app.example.com/billing/", "http://localhost:8000/a?b=c#d", "HTTPS://X.IO"])
def test_customer_url_keeps_web_addresses(url):
    assert customer_url(url) == url


@pytest.mark.parametrize("url", HOSTILE)  # (a NUL never gets this far: requests are cleaned where they enter)
def test_a_ticket_with_a_hostile_url_is_refused_with_the_field_named(agent_app, url):
    response = agent_app.test_client().post("/api/v1/tickets", json={**TICKET, "url": url})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_ticket" and "url" in error["fields"]


@pytest.mark.parametrize("path", ["/api/v1/suggest?q=invoice&url=http://%5B::1", "/api/v1/suggest?url=javascript:x"])
def test_suggest_refuses_a_hostile_url_with_400_json(agent_app, path):
    response = agent_app.test_client().get(path)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_field"


def test_a_hostile_referer_never_becomes_a_link_and_never_costs_the_message(agent_app):
    client = agent_app.test_client()
    page = client.get("/contact").get_data(as_text=True)
    form = {**TICKET, "csrf_token": csrf_token(page)}
    response = client.post("/contact", data=form, headers={"Referer": "javascript:alert(300)"})
    assert response.status_code == 303  # the ticket is stored, without the Referer
    agent = signed_in(agent_app, "dana@example.com")
    html = agent.get("/agent/tickets/1").get_data(as_text=True)
    assert "Where is my invoice?" in html
    assert "javascript:" not in html and "Written on" not in html


def test_a_web_referer_is_kept_as_the_page_written_on(agent_app):
    client = agent_app.test_client()
    form = {**TICKET, "csrf_token": csrf_token(client.get("/contact").get_data(as_text=True))}
    client.post("/contact", data=form, headers={"Referer": "https://app.example.com/billing/"})
    html = signed_in(agent_app, "dana@example.com").get("/agent/tickets/1").get_data(as_text=True)
    assert 'Written on <a href="https://app.example.com/billing/" rel="noopener noreferrer">' in html

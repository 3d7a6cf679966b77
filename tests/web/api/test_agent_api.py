"""The agent API (/api/v1/agent/): bearer tokens only, suggestions with excerpts, and the ticket inbox as JSON."""

from __future__ import annotations

import pytest

from tests.fixtures.agents import ADMIN, BEARER, TOKEN, submit
from tests.fixtures.databases import BOTH_DATABASES

AGENT_API = [
    ("post", "/api/v1/agent/suggest", {"subject": "invoice"}),
    ("get", "/api/v1/agent/tickets", None),
    ("get", "/api/v1/agent/tickets/1", None),
]


@pytest.mark.parametrize("method,path,body", AGENT_API)
@pytest.mark.parametrize(
    "headers,code",
    [
        ({}, "unauthorized"),
        ({"Authorization": "Bearer wrong-token-xxxxxxxx"}, "invalid_token"),
        ({"Authorization": f"Basic {TOKEN}"}, "unauthorized"),
        ({"Authorization": "Bearer " + "x" * 500}, "invalid_token"),
    ],
)
def test_agent_api_refuses_missing_and_wrong_tokens(anon, method, path, body, headers, code):
    submit(anon)
    response = getattr(anon, method)(path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"ann@example.com" not in response.data


def test_agent_session_cookie_does_not_open_the_agent_api(agent):
    assert agent.get("/api/v1/agent/tickets").status_code == 401


@pytest.mark.parametrize("token", [TOKEN, ADMIN])
def test_configured_tokens_open_the_agent_api(anon, token):
    response = anon.get("/api/v1/agent/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_agent_suggest_has_the_suggest_shape_plus_excerpts(anon):
    body = {"subject": "Invoice", "body": "How do I download invoices?", "customer_email": "x@example.com", "url": None}
    answer = anon.post("/api/v1/agent/suggest", json=body, headers=BEARER)
    assert answer.status_code == 200
    suggestion = answer.get_json()["suggestions"][0]
    assert suggestion["slug"] == "invoices"
    assert {"slug", "title", "url", "section", "snippet", "score", "reasons", "category", "excerpt"} <= set(suggestion)
    assert "<" not in suggestion["excerpt"] and 0 < len(suggestion["excerpt"]) <= 301


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({}, 400, "missing_field"),
        ({"subject": 42}, 400, "invalid_field"),
        ({"subject": "x", "limit": 0}, 400, "invalid_field"),
        ({"subject": "x", "shown": "invoices"}, 400, "invalid_field"),
        ({"subject": "x", "shown": ["a"] * 51}, 400, "invalid_field"),
        ({"subject": "x" * 20_001}, 413, "text_too_long"),
    ],
)
def test_agent_suggest_bad_requests(anon, body, status, code):
    response = anon.post("/api/v1/agent/suggest", json=body, headers=BEARER)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def marks_of(answer: dict) -> dict[str, list[str]]:
    return {s["slug"]: s.get("marks", []) for s in answer["suggestions"]}


def test_articles_already_shown_are_ranked_with_the_rest_and_marked_shown(anon):
    fresh = anon.post("/api/v1/agent/suggest", json={"subject": "download invoice pdf"}, headers=BEARER).get_json()
    assert marks_of(fresh)["invoices"] == []
    assert fresh["already_shown"] == []
    seen = anon.post(
        "/api/v1/agent/suggest", json={"subject": "download invoice pdf", "shown": ["invoices"]}, headers=BEARER
    ).get_json()
    assert marks_of(seen)["invoices"] == ["shown"]
    assert seen["already_shown"] == ["invoices"]


@BOTH_DATABASES
def test_what_a_customer_saw_before_earlier_tickets_is_marked_too(anon):
    submit(anon, shown=["invoices"], source="beacon")
    body = {"subject": "download invoice pdf", "customer_email": "ANN@example.com"}
    answer = anon.post("/api/v1/agent/suggest", json=body, headers=BEARER).get_json()
    assert answer["already_shown"] == ["invoices"]
    assert marks_of(answer)["invoices"] == ["shown"]


@BOTH_DATABASES
def test_agent_ticket_api(anon):
    ticket_id = submit(anon, shown=["reset-password"])
    listing = anon.get("/api/v1/agent/tickets?status=open", headers=BEARER).get_json()
    assert [t["id"] for t in listing["tickets"]] == [ticket_id] and listing["counts"]["open"] == 1
    detail = anon.get(f"/api/v1/agent/tickets/{ticket_id}", headers=BEARER).get_json()
    assert detail["ticket"]["email"] == "ann@example.com" and detail["already_shown"] == ["reset-password"]
    assert "invoices" in [s["slug"] for s in detail["suggestions"]]
    assert anon.get("/api/v1/agent/tickets?status=lost", headers=BEARER).status_code == 400
    assert anon.get("/api/v1/agent/tickets/999", headers=BEARER).status_code == 404

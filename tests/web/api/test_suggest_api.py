"""POST and GET /api/v1/suggest: articles for what a customer writes, bounded inputs, CORS and rate limits."""

from __future__ import annotations

import pytest

from tests.fixtures.app import make_app, make_config


def suggest(client, **body):
    return client.post("/api/v1/suggest", json=body)


def slugs(response) -> list[str]:
    return [s["slug"] for s in response.get_json()["suggestions"]]


def test_suggest_shape(client):
    response = suggest(client, text="How do I download my invoices?")
    assert response.status_code == 200
    first = response.get_json()["suggestions"][0]
    assert first["slug"] == "invoices"
    assert set(first) >= {"slug", "title", "url", "snippet", "score", "reasons"}
    assert first["url"].startswith("/articles/invoices")
    assert 0 <= first["score"] <= 1
    assert set(first["reasons"]) <= {"semantic", "keywords", "page rule"} and first["reasons"]


def test_a_message_quoting_words_is_read_as_its_words(client, monkeypatch):
    """A ticket quoting an error message means its words: no phrase search, which took seconds on a large help
    center for a long message."""
    from whoosh.searching import Searcher

    plain = suggest(client, text="I get an error saying billing address invalid when I download my invoice").get_json()
    monkeypatch.setattr(Searcher, "search", lambda *a, **k: pytest.fail("a phrase query ran"))
    quoted = suggest(client, text='I get an error saying "billing address invalid" when I download my invoice')
    assert quoted.status_code == 200
    assert quoted.get_json()["suggestions"] == plain["suggestions"] != []


def test_get_suggest_works_too(client):
    assert slugs(client.get("/api/v1/suggest?q=reset+my+password"))[0] == "reset-password"


def test_page_rule_puts_its_article_first(client):
    response = suggest(client, text="reset my password", url="https://app.example.com/billing/plans")
    assert slugs(response)[0] == "invoices"
    assert "page rule" in response.get_json()["suggestions"][0]["reasons"]


def test_page_url_alone_gives_page_rule_suggestions(client):
    assert slugs(suggest(client, url="https://app.example.com/billing/invoices")) == ["invoices"]


def test_internal_and_draft_articles_are_never_suggested_to_customers(client):
    for text in ("When may agents approve a refund without a manager?", "new pricing next year"):
        found = slugs(suggest(client, text=text))
        assert "internal-refund-policy" not in found and "draft-pricing" not in found


def test_nothing_rather_than_junk(client, app):
    app.config["SUGGEST_MIN_SCORE"] = 0.5
    assert slugs(suggest(client, text="zebra quantum marmalade")) == []


def test_limit(client):
    assert len(slugs(suggest(client, text="account password invoice billing security", limit=1))) == 1


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
        ({"data": "text=hi", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        ({"json": ["a list"]}, 400, "invalid_json"),
        ({"json": {"text": 42}}, 400, "invalid_field"),
        ({"json": {"text": "hi", "limit": "5"}}, 400, "invalid_field"),
        ({"json": {"text": "hi", "limit": True}}, 400, "invalid_field"),
        ({"json": {"text": "hi", "limit": 0}}, 400, "invalid_field"),
        ({"json": {"text": "hi", "url": ["x"]}}, 400, "invalid_field"),
        ({"json": {}}, 400, "missing_field"),
        ({"json": {"text": "x" * 20_001}}, 413, "text_too_long"),
        ({"data": "x" * 70_000, "content_type": "application/json"}, 413, "request_entity_too_large"),
    ],
)
def test_bad_requests_get_a_json_error(client, kwargs, status, code):
    response = client.post("/api/v1/suggest", **kwargs)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_cors_allows_listed_origins_only(built_data_dir, tmp_path):
    app = make_app(
        make_config(
            built_data_dir, BEACON_ORIGINS="https://shop.example.com", DATABASE_URL=f"sqlite:///{tmp_path}/x.db"
        )
    )
    client = app.test_client()
    allowed = client.post("/api/v1/suggest", json={"text": "invoice"}, headers={"Origin": "https://shop.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    preflight = client.options(
        "/api/v1/suggest", headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    refused = client.post("/api/v1/suggest", json={"text": "invoice"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_rate_limit_answers_429_with_retry_after(client, app):
    app.config["RATE_LIMIT"] = "3/minute"
    codes = [suggest(client, text="invoice").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = suggest(client, text="invoice")
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["error"]["code"] == "too_many_requests"

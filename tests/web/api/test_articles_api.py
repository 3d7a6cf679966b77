"""GET /api/v1/articles/<slug>: a published article's sanitized HTML, for the beacon's panel."""

from __future__ import annotations


def test_article_api_serves_published_articles_only(client):
    article = client.get("/api/v1/articles/invoices").get_json()
    assert article["title"] == "Download invoices" and "<table>" in article["html"]
    for slug in ("internal-refund-policy", "draft-pricing", "nope"):
        response = client.get(f"/api/v1/articles/{slug}")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"

"""The help center's pages (kb.web.help): home, categories, articles, feedback and the search page."""

from __future__ import annotations

import json
import re

import pytest

from kb.analytics import events
from tests.fixtures.app import csrf_token


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/categories/account", 200),
        ("/categories/billing", 200),
        ("/categories/nope", 404),
        ("/articles/reset-password", 200),
        ("/articles/unicode-guide", 200),
        ("/articles/does-not-exist", 404),
        ("/articles/draft-pricing", 404),
        ("/articles/internal-refund-policy", 404),
        ("/articles/..%2F..%2Fetc%2Fpasswd", 404),
        ("/search", 200),
        ("/search?q=password", 200),
        ("/sitemap.xml", 200),
        ("/robots.txt", 200),
        ("/theme.css", 200),
        ("/healthz", 200),
        ("/assets/account/reset-password.md", 404),
        ("/assets/../conftest.py", 404),
        ("/assets/%2e%2e/conftest.py", 404),
    ],
)
def test_status_codes(client, url, status):
    assert client.get(url).status_code == status


def test_home_lists_categories_with_counts(client):
    html = client.get("/").get_data(as_text=True)
    assert "How can we help?" in html
    assert "Your account" in html and "Sign in, passwords and security." in html
    assert re.search(r"Your account.*?2 articles", html, re.S)
    assert re.search(r"Billing.*?1 article<", html, re.S)  # the internal and draft articles are not counted
    assert "Refund policy for agents" not in html


def test_category_lists_articles_in_order(client):
    html = client.get("/categories/account").get_data(as_text=True)
    assert html.index("Reset your password") < html.index("Two-factor authentication")


def test_article_page_has_everything_a_reader_needs(client):
    html = client.get("/articles/reset-password").get_data(as_text=True)
    assert '<h1 id="article-title">Reset your password</h1>' in html
    assert 'aria-label="Breadcrumb"' in html and 'href="/categories/account"' in html
    assert 'href="#request-a-reset-link"' in html  # table of contents
    assert '<h2 id="request-a-reset-link">' in html
    assert 'href="/articles/two-factor-authentication#recovery-codes"' in html  # .md link resolved
    assert '<time datetime="2026-11-01">' in html
    assert "Was this article helpful?" in html and 'name="csrf_token"' in html
    assert 'rel="next"' in html and "/articles/two-factor-authentication" in html
    assert '<link rel="canonical" href="http://localhost/articles/reset-password">' in html
    assert '<meta name="description" content="Get back into your account when you forgot your password.">' in html


def test_article_json_ld(client):
    html = client.get("/articles/reset-password").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    graph = json.loads(block)["@graph"]
    assert graph[0]["@type"] == "Article" and graph[0]["headline"] == "Reset your password"
    assert [i["name"] for i in graph[1]["itemListElement"]] == ["Home", "Your account", "Reset your password"]


def test_related_articles_declared_in_front_matter(client):
    html = client.get("/articles/reset-password").get_data(as_text=True)
    related = html[html.index("Related articles") :]
    assert "Two-factor authentication" in related


def test_related_articles_fall_back_to_nearest_in_semantic_index(client):
    html = client.get("/articles/two-factor-authentication").get_data(as_text=True)
    related = html[html.index("Related articles") :]
    assert "Reset your password" in related
    assert "Refund policy for agents" not in related  # internal articles never shown to the public


def test_code_tables_and_admonitions_render(client):
    html = client.get("/articles/invoices").get_data(as_text=True)
    assert "<table>" in html and '<div class="highlight">' in html
    assert '<div class="admonition note">' in html


def test_feedback_form_records_a_vote(client, app):
    page = client.get("/articles/reset-password").get_data(as_text=True)
    response = client.post(
        "/articles/reset-password/feedback",
        data={"csrf_token": csrf_token(page), "helpful": "no", "reason": "unclear", "comment": "Step 2 is confusing"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/articles/reset-password#feedback")
    assert "Thanks" in client.get("/articles/reset-password").get_data(as_text=True)
    with app.app_context():
        assert events.count("helpful", article="reset-password") == 1


def test_feedback_without_csrf_token_is_refused(client, app):
    response = client.post("/articles/reset-password/feedback", data={"helpful": "yes"})
    assert response.status_code == 400
    with app.app_context():
        assert events.count("helpful") == 0


def test_feedback_needs_a_valid_choice(client):
    page = client.get("/articles/reset-password").get_data(as_text=True)
    response = client.post(
        "/articles/reset-password/feedback", data={"csrf_token": csrf_token(page), "helpful": "maybe"}
    )
    assert response.status_code == 400


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/articles/nope")
    assert "We couldn't find that page" in response.get_data(as_text=True)


def test_search_page_shows_results_with_section_links(client):
    html = client.get("/search?q=reset+link").get_data(as_text=True)
    assert 'href="/articles/reset-password#request-a-reset-link"' in html
    assert "<mark>" in html


def test_search_page_escapes_the_query(client):
    html = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_search_page_paginates_and_filters_by_category(client):
    html = client.get("/search?q=account+password+invoice&category=billing").get_data(as_text=True)
    assert "/articles/invoices" in html and "/articles/reset-password" not in html


def test_search_page_without_results_suggests_next_steps(client):
    html = client.get("/search?q=zzqxvw").get_data(as_text=True)
    assert "No results for" in html
    assert 'href="/contact?subject=zzqxvw"' in html


def test_site_name_accent_and_logo_are_configurable(client, app):
    app.config.update(SITE_NAME="Acme Help", ACCENT_COLOR="#ff0066", LOGO_URL="https://cdn.example.com/logo.svg")
    html = client.get("/").get_data(as_text=True)
    assert "Acme Help" in html and 'src="https://cdn.example.com/logo.svg"' in html
    assert "--accent: #ff0066" in client.get("/theme.css").get_data(as_text=True)

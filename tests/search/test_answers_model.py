"""Instant answers on the shipped help center with the real model: questions in customers' words get the
sentence that answers them, quoted from the article; an off-topic question gets none."""

from __future__ import annotations

import pytest

from kb.config import SHIPPED_ARTICLES


@pytest.mark.parametrize(
    ("question", "article", "sentence"),
    [
        ("where do I paste the beacon script tag?", "chat-beacon", "just before the closing </body> tag"),
        ("how long do you keep search events?", "privacy-and-retention", "365 by default"),
        ("how many results can the search API return at most", "search-api", "from 1 to 50"),
        ("will my website's CSS break the beacon panel?", "chat-beacon", "can't break the panel"),
        ("can I move kb's database to postgres", "postgresql-and-redis", "KB_DATABASE_URL"),
    ],
)
def test_a_customers_question_gets_the_sentence_that_answers_it(shipped_client, question, article, sentence):
    payload = shipped_client.get("/api/v1/search", query_string={"q": question}).get_json()
    answer = payload["answer"]
    assert answer is not None, [(r["slug"], r["score"]) for r in payload["results"][:3]]
    assert answer["slug"] == article and sentence in answer["text"], answer
    source = next(SHIPPED_ARTICLES.glob(f"*/{article}.md")).read_text("utf-8")
    assert answer["text"].split(" ")[0] in source  # the article's own words (Markdown aside)
    suggested = shipped_client.post("/api/v1/suggest", json={"text": question}).get_json()["answer"]
    assert suggested is not None and suggested["slug"] == article


@pytest.mark.parametrize("question", ["what is the airspeed of an unladen swallow", "best pizza recipe with pineapple"])
def test_an_off_topic_question_gets_no_answer(shipped_client, question):
    assert shipped_client.get("/api/v1/search", query_string={"q": question}).get_json()["answer"] is None
    assert shipped_client.post("/api/v1/suggest", json={"text": question}).get_json()["answer"] is None

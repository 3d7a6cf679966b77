"""Ranking feedback (kb.query.boosts): articles customers click and find helpful get a small, bounded boost."""

from __future__ import annotations

import datetime as dt

from kb.db import events as events_table
from kb.db import get_engine
from tests.fixtures.analytics import event
from tests.fixtures.app import make_app, make_config


def clicks_and_votes(query, article, clicks, helpful=2, unhelpful=0):
    return (
        [
            event(
                "suggestion_clicked",
                when=dt.datetime.now(dt.UTC),
                surface="beacon",
                query=query,
                article=article,
                position=2,
            )
            for _ in range(clicks)
        ]
        + [
            event("helpful", when=dt.datetime.now(dt.UTC), article=article, data={"helpful": True})
            for _ in range(helpful)
        ]
        + [
            event("helpful", when=dt.datetime.now(dt.UTC), article=article, data={"helpful": False})
            for _ in range(unhelpful)
        ]
    )


def suggest(client, text):
    from kb.query import boosts

    boosts.forget(client.application)  # as after the periodic relearning
    return client.post("/api/v1/suggest", json={"text": text}).get_json()["suggestions"]


def test_articles_clicked_and_found_helpful_get_a_small_visible_boost(stats_app, visitor):
    question = "password invoices"
    before = suggest(visitor, question)
    target = before[-1]
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), clicks_and_votes(question, target["slug"], clicks=20))
    after = {s["slug"]: s for s in suggest(visitor, question)}
    boosted = after[target["slug"]]
    assert "feedback" in boosted["reasons"]
    assert 0 < boosted["score"] - target["score"] <= 0.05 + 1e-6  # bounded
    others = [s for s in suggest(visitor, "how do I enable two-factor authentication") if "feedback" in s["reasons"]]
    assert others == []  # an unrelated question is not boosted


def test_no_boost_for_few_clicks_or_unhelpful_articles(stats_app, visitor):
    question = "password invoices"
    slug = suggest(visitor, question)[0]["slug"]
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), clicks_and_votes(question, slug, clicks=2))
        conn.execute(
            events_table.insert(), clicks_and_votes("invoices password", slug, clicks=10, helpful=0, unhelpful=5)
        )
    assert all("feedback" not in s["reasons"] for s in suggest(visitor, question))


def test_ranking_feedback_can_be_turned_off(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.db'}", RANKING_FEEDBACK="off"))
    slug = suggest(app.test_client(), "password invoices")[0]["slug"]
    with app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), clicks_and_votes("password invoices", slug, clicks=20))
    assert all("feedback" not in s["reasons"] for s in suggest(app.test_client(), "password invoices"))

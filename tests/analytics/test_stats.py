"""The self-service figures (kb.analytics.stats): every figure on a known event log, content gaps, periods."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.analytics import gaps, stats
from tests.fixtures.analytics import ADMIN_TOKEN, load_synthetic
from tests.fixtures.model import FakeEncoder


def test_every_figure_on_a_known_event_log(stats_app, visitor):
    load_synthetic(stats_app)
    response = visitor.get(
        "/api/v1/admin/stats?from=2026-11-02&to=2026-11-03", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.status_code == 200
    stats = response.get_json()
    assert stats["from"] == "2026-11-02" and stats["to"] == "2026-11-03"
    assert stats["searches"] == 5
    assert stats["searches_per_day"] == [{"date": "2026-11-02", "count": 3}, {"date": "2026-11-03", "count": 2}]
    assert stats["unique_visitors"] == 6  # v1-v4 on day 1 (searches and votes); v1 and v3 on day 2
    assert stats["top_searches"] == [
        {"query": "invoices", "count": 2, "no_results": 0, "clicks": 2},
        {"query": "xylophone warranty", "count": 2, "no_results": 2, "clicks": 0},
        {"query": "reset password", "count": 1, "no_results": 0, "clicks": 1},
    ]
    assert stats["no_result_searches"] == [{"query": "xylophone warranty", "count": 2}]
    assert stats["unconfident_searches"] == []  # the log's searches say nothing about confidence, as old ones
    gap = {"no_results": 2, "no_confident_result": 0}
    assert stats["content_gaps"] == [
        {
            "label": "xylophone warranty",
            "count": 2,
            **gap,
            "queries": [{"query": "xylophone warranty", "count": 2, **gap}],
        }
    ]
    assert stats["article_views"] == 3
    articles = {a["slug"]: a for a in stats["articles"]}
    invoices = articles["invoices"]
    assert (invoices["views"], invoices["helpful"], invoices["not_helpful"], invoices["reasons"]) == (2, 2, 0, {})
    reset = articles["reset-password"]
    assert (reset["views"], reset["helpful"], reset["not_helpful"], reset["helpful_rate"]) == (1, 0, 3, 0.0)
    assert reset["reasons"] == {"outdated": 2} and reset["comments"] == ["no SMS option"] and reset["flagged"]
    assert not articles["invoices"]["flagged"] and reset["title"] == "Reset your password"
    positions = {p["position"]: p for p in stats["ctr_by_position"]}
    assert positions[1] == {"position": 1, "clicks": 2, "rate": round(2 / 3, 4)}  # 3 searches had results
    assert positions[3]["clicks"] == 1 and positions[2]["clicks"] == 0 and positions[2]["rate"] == 0.0
    assert stats["suggestion_ctr"] == {
        "beacon": {"shown": 4, "clicked": 1, "rate": 0.25},
        "contact_form": {"shown": 1, "clicked": 0, "rate": 0.0},
        "agent": {"shown": 2, "clicked": 1, "rate": 0.5},
    }
    # 5 sessions saw suggestions (b0-b3, c1); b1 and c1 still wrote: 3 of 5 deflected
    assert stats["deflection_rate"] == 0.6
    assert stats["deflection"] == {
        "sessions_with_suggestions": 5,
        "sessions_with_ticket": 2,
        "rate": 0.6,
        "resolved_tickets": 2,
        "resolved_with_article_already_shown": 1,
        "answer_already_shown_rate": 0.5,
    }


def test_failed_searches_sharing_words_are_grouped_without_the_model():
    items = [
        {"query": "export invoices csv", "count": 5},
        {"query": "change account owner", "count": 3},
        {"query": "csv export of invoices", "count": 2},
        {"query": "account owner transfer", "count": 1},
    ]
    groups = gaps.cluster_queries(items)
    assert [(g["label"], g["count"], [q["query"] for q in g["queries"]]) for g in groups] == [
        ("export invoices csv", 7, ["export invoices csv", "csv export of invoices"]),
        ("change account owner", 4, ["change account owner", "account owner transfer"]),
    ]


def test_period_parsing():
    today = dt.date(2026, 11, 25)
    assert stats.parse_period(None, None, today=today) == stats.Period(dt.date(2026, 10, 27), today)
    for start, end in [("2026-11-05", "2026-11-01"), ("nope", None), ("2020-01-01", "2026-01-01")]:
        with pytest.raises(stats.PeriodError):
            stats.parse_period(start, end, today=today)


def test_analytics_stats_command(stats_app):
    load_synthetic(stats_app)
    result = stats_app.test_cli_runner().invoke(
        args=["analytics", "stats", "--from", "2026-11-02", "--to", "2026-11-03"]
    )
    assert result.exit_code == 0 and '"searches": 5' in result.output


@pytest.mark.slow
def test_real_model_groups_paraphrased_failed_searches(real_encoder):
    encoder = real_encoder
    items = [
        {"query": "forgot my password", "count": 6},
        {"query": "how do I transfer ownership of my account", "count": 4},
        {"query": "delete my account", "count": 3},
        {"query": "can't log in, need a new password", "count": 3},
        {"query": "make someone else the account owner", "count": 2},
        {"query": "dark mode", "count": 1},
    ]
    groups = [[q["query"] for q in g["queries"]] for g in gaps.cluster_queries(items, encoder)]
    assert groups == [
        ["forgot my password", "can't log in, need a new password"],
        ["how do I transfer ownership of my account", "make someone else the account owner"],
        ["delete my account"],
        ["dark mode"],
    ]


def test_fake_encoder_is_accepted_for_grouping():
    groups = gaps.cluster_queries([{"query": "refund please", "count": 1}], FakeEncoder())
    assert groups[0]["label"] == "refund please"

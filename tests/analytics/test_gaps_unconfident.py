"""Content gaps from searches kb has no good answer for: a search whose results are none of them confident is a gap
beside one that found nothing; a confident search is not; a search recorded before kb noted confidence counts only
when it found nothing. On SQLite and on PostgreSQL (confidence is read from the events' JSON ``data``)."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.db import events as events_table
from kb.db import get_engine
from tests.fixtures.agents import signed_in
from tests.fixtures.analytics import ADMIN_TOKEN, event

# With the fake encoder the shipped test articles score "download invoices" about 0.9 (the invoices article) and
# "cancel my subscription" about 0.2 (only "subscription", in the invoices summary): 0.4 separates them. The
# shared test config's 0.05 would call both confident.
MIN_SCORE = 0.4
CONFIDENT = "download invoices"
UNCONFIDENT = "cancel my subscription"
NOTHING = "xylophone warranty"  # no article has either word


@pytest.fixture
def app(stats_app):
    stats_app.config["SUGGEST_MIN_SCORE"] = MIN_SCORE
    return stats_app


def admin_stats(client) -> dict:
    response = client.get("/api/v1/admin/stats", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200
    return response.get_json()


def gaps_by_label(stats: dict) -> dict[str, dict]:
    return {g["label"]: g for g in stats["content_gaps"]}


def kinds(gap: dict) -> tuple[int, int, int]:
    """(searches, of which found nothing, of which found nothing confident) of a content gap."""
    return gap["count"], gap["no_results"], gap["no_confident_result"]


def dashboard_gaps(app) -> dict[str, str]:
    """The dashboard's content gaps, as an admin sees them: {label: the gap's HTML}."""
    page = signed_in(app, "boss@example.com").get("/admin/").get_data(as_text=True)
    panel = page.split("data-content-gaps", 1)[1].split("</section>", 1)[0]
    items = panel.split("<li data-gap>")[1:]
    return {item.split("<strong>", 1)[1].split("</strong>", 1)[0]: item for item in items}


def test_searches_without_a_confident_result_are_content_gaps_beside_those_that_found_nothing(app, visitor):
    for query in (UNCONFIDENT, CONFIDENT, NOTHING, UNCONFIDENT):
        assert visitor.get("/search", query_string={"q": query}).status_code == 200
    assert visitor.get("/api/v1/search", query_string={"q": UNCONFIDENT, "record": "0"}).get_json()["total"] > 0

    stats = admin_stats(visitor)
    assert stats["no_result_searches"] == [{"query": NOTHING, "count": 1}]
    assert stats["unconfident_searches"] == [{"query": UNCONFIDENT, "count": 2}]
    gaps = gaps_by_label(stats)
    assert set(gaps) == {UNCONFIDENT, NOTHING}  # the confident search is no gap
    assert kinds(gaps[UNCONFIDENT]) == (2, 0, 2) and kinds(gaps[NOTHING]) == (1, 1, 0)

    shown = dashboard_gaps(app)
    assert set(shown) == {UNCONFIDENT, NOTHING}
    assert "2 searches" in shown[UNCONFIDENT] and "data-gap-kind>no confident result<" in shown[UNCONFIDENT]
    assert "1 search<" in shown[NOTHING] and "data-gap-kind>no results<" in shown[NOTHING]


def test_searches_recorded_before_confidence_count_only_when_they_found_nothing(app, visitor):
    now = dt.datetime.now(dt.UTC)
    with app.app_context(), get_engine().begin() as conn:
        conn.execute(
            events_table.insert(),
            [
                event("search", now, query="old weak match", results=4),  # no "confident": recorded before
                event("search", now, query="old empty search", results=0),
                event("search", now, query="new weak match", results=4, data={"confident": False}),
                event("search", now, query="new good match", results=4, data={"confident": True}),
            ],
        )
    gaps = gaps_by_label(admin_stats(visitor))
    assert set(gaps) == {"old empty search", "new weak match"}
    assert gaps["old empty search"]["no_results"] == 1 and gaps["new weak match"]["no_confident_result"] == 1


def test_search_as_you_type_reports_whether_it_showed_a_confident_result(app, visitor):
    reported = [
        {"type": "search", "query": UNCONFIDENT, "results": 1, "confident": False},
        {"type": "search", "query": CONFIDENT, "results": 2, "confident": True},
        {"type": "search", "query": UNCONFIDENT, "results": 0, "confident": False},  # once found nothing at all
    ]
    assert visitor.post("/api/v1/events", json={"events": reported}).status_code == 202

    gaps = gaps_by_label(admin_stats(visitor))
    assert set(gaps) == {UNCONFIDENT}
    assert (gaps[UNCONFIDENT]["no_results"], gaps[UNCONFIDENT]["no_confident_result"]) == (1, 1)
    assert "data-gap-kind>1 no results, 1 no confident result<" in dashboard_gaps(app)[UNCONFIDENT]


@pytest.mark.parametrize(
    "item",
    [
        {"type": "search", "query": UNCONFIDENT, "results": 1, "confident": "no"},
        {"type": "search_click", "query": UNCONFIDENT, "article": "invoices", "position": 1, "confident": True},
    ],
)
def test_confidence_is_a_boolean_on_search_events_only(app, visitor, item):
    response = visitor.post("/api/v1/events", json={"events": [item]})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_event"
    assert "confident" in response.get_json()["error"]["message"]
    assert admin_stats(visitor)["content_gaps"] == []

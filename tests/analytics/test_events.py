"""Analytics events (kb.analytics.events): recorded from each surface, private, never from bots, then purged."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kb.analytics import events
from kb.db import daily_salts, get_engine
from kb.db import events as events_table
from tests.fixtures.agents import signed_in
from tests.fixtures.analytics import BROWSER, event, rows
from tests.fixtures.app import csrf_token

# Each event from its surface


def test_help_center_search_is_recorded_once_with_its_result_count(stats_app, visitor):
    visitor.get("/search?q=invoices")
    visitor.get("/search?q=invoices&page=2")  # paging is not a new search
    visitor.get("/search?q=xylophone+warranty")
    recorded = rows(stats_app, "search")
    assert [(r["query"], r["surface"], r["results"] > 0) for r in recorded] == [
        ("invoices", "help_center", True),
        ("xylophone warranty", "help_center", False),
    ]
    assert recorded[0]["data"]["mode"] == "hybrid"  # the test index has vectors and the fake encoder loads


def test_api_search_is_recorded_unless_it_is_search_as_you_type(stats_app, visitor):
    visitor.get("/api/v1/search?q=invoice")
    visitor.get("/api/v1/search?q=invo&record=0")
    assert [(r["query"], r["surface"]) for r in rows(stats_app, "search")] == [("invoice", "api")]


def test_article_views_count_customers_not_agents(stats_app, visitor):
    visitor.get("/articles/invoices")
    signed_in(stats_app, "dana@example.com").get("/articles/invoices")
    visitor.get("/articles/does-not-exist")
    assert [r["article"] for r in rows(stats_app, "view")] == ["invoices"]


def test_helpful_votes_with_reasons(stats_app, visitor):
    page = visitor.get("/articles/invoices").get_data(as_text=True)
    token = csrf_token(page)
    visitor.post("/articles/invoices/feedback", data={"helpful": "no", "reason": "outdated", "csrf_token": token})
    visitor.post(
        "/articles/invoices/feedback",
        data={"helpful": "no", "reason": "other", "comment": "The button moved", "csrf_token": token},
    )
    visitor.post("/articles/invoices/feedback", data={"helpful": "yes", "csrf_token": token})
    votes = [r["data"] for r in rows(stats_app, "helpful")]
    assert votes == [
        {"helpful": False, "reason": "outdated"},
        {"helpful": False, "comment": "The button moved"},
        {"helpful": True},
    ]


def test_contact_form_records_suggestions_shown_and_the_ticket_in_one_session(stats_app, visitor):
    page = visitor.get("/contact?subject=download+invoices").get_data(as_text=True)
    session = page.split('name="session" value="', 1)[1].split('"', 1)[0]
    assert len(session) >= 12
    form = {"name": "Ann", "email": "ann@example.com", "subject": "Invoices", "message": "Where are they?"}
    visitor.post("/contact", data={**form, "session": session, "shown": "invoices", "csrf_token": csrf_token(page)})
    shown, submitted = rows(stats_app, "suggestion_shown"), rows(stats_app, "ticket_submitted")
    assert [(r["surface"], r["session"], r["data"]["articles"][0]) for r in shown] == [
        ("contact_form", session, "invoices")
    ]
    assert [(r["surface"], r["session"], r["data"]["shown"]) for r in submitted] == [
        ("contact_form", session, ["invoices"])
    ]


def test_contact_form_shown_again_after_an_error_keeps_what_was_shown(stats_app, visitor):
    page = visitor.get("/contact").get_data(as_text=True)
    session = page.split('name="session" value="', 1)[1].split('"', 1)[0]
    form = {"name": "Ann", "email": "not an address", "subject": "Reset password", "message": "The link expired."}
    again = visitor.post(
        "/contact", data={**form, "session": session, "shown": "invoices", "csrf_token": csrf_token(page)}
    )
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    shown = html.split('name="shown" value="', 1)[1].split('"', 1)[0].split(",")
    assert shown[0] == "invoices" and "reset-password" in shown
    [recorded] = rows(stats_app, "suggestion_shown")
    assert recorded["session"] == session and "reset-password" in recorded["data"]["articles"]


def test_beacon_events_and_ticket_share_a_session(stats_app, visitor):
    batch = [
        {
            "type": "suggestion_shown",
            "surface": "beacon",
            "session": "s1",
            "query": "invoice",
            "articles": ["invoices"],
        },
        {"type": "suggestion_clicked", "surface": "beacon", "session": "s1", "article": "invoices", "position": 1},
    ]
    response = visitor.post(
        "/api/v1/events", data=__import__("json").dumps({"events": batch}), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 202 and response.get_json() == {"recorded": 2}
    ticket = {"name": "Ann", "email": "ann@example.com", "message": "Help", "source": "beacon", "session": "s1"}
    assert visitor.post("/api/v1/tickets", json=ticket).status_code == 201
    recorded = rows(stats_app)
    assert [(r["type"], r["surface"], r["session"]) for r in recorded] == [
        ("suggestion_shown", "beacon", "s1"),
        ("suggestion_clicked", "beacon", "s1"),
        ("ticket_submitted", "beacon", "s1"),
    ]
    assert recorded[1]["position"] == 1 and recorded[1]["article"] == "invoices"


@pytest.mark.parametrize(
    "body,message",
    [
        ({"events": []}, "1 to 20"),
        ({"events": [{"type": "view"}]}, "type must be one of"),
        ({"events": [{"type": "search_click"}]}, "article is required"),
        ({"events": [{"type": "search", "query": "x", "surface": "mars"}]}, "surface"),
        ({"events": [{"type": "search_click", "article": "a", "position": -1}]}, "position"),
        ({"events": [{"type": "search", "query": "x" * 1001}]}, "query"),
        ({"events": [{"type": "search", "query": "x"}] * 21}, "1 to 20"),
    ],
)
def test_bad_event_batches_are_refused_whole(stats_app, visitor, body, message):
    response = visitor.post("/api/v1/events", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    assert rows(stats_app) == []


def test_agents_suggestions_and_resolutions_are_recorded(stats_app, visitor):
    ticket = {
        "name": "Ann",
        "email": "ann@example.com",
        "subject": "Invoices",
        "message": "Download invoice pdf, and how do I reset my password?",
        "shown": ["invoices"],
    }
    ticket_id = visitor.post("/api/v1/tickets", json=ticket).get_json()["id"]
    agent = signed_in(stats_app, "dana@example.com")
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    agent.post(f"/agent/tickets/{ticket_id}/resolved", data={"article": "invoices", "csrf_token": csrf_token(page)})
    agent.get(f"/agent/tickets/{ticket_id}")  # the reload after marking it is not a new impression
    resolved = rows(stats_app, "ticket_resolved")
    assert [(r["article"], r["data"]) for r in resolved] == [
        ("invoices", {"ticket_id": ticket_id, "shown_before": True})
    ]
    assert [r["surface"] for r in rows(stats_app, "suggestion_shown")] == ["agent"]


# Privacy, bots and failures


def test_no_ip_address_is_stored_only_a_daily_salted_hash(stats_app, visitor):
    visitor.get("/search?q=invoices")
    visitor.get("/articles/invoices")
    other = stats_app.test_client()
    other.environ_base.update({"HTTP_USER_AGENT": BROWSER["User-Agent"], "REMOTE_ADDR": "198.51.100.9"})
    other.get("/articles/invoices")
    recorded = rows(stats_app)
    assert "203.0.113.7" not in repr(recorded) and "198.51.100.9" not in repr(recorded)
    assert len({r["visitor"] for r in recorded}) == 2 and all(len(r["visitor"]) == 32 for r in recorded)
    with stats_app.app_context(), get_engine().connect() as conn:
        salts = conn.execute(sa.select(daily_salts.c.day)).scalars().all()
    assert salts == [dt.datetime.now(dt.UTC).date()]


def test_the_team_checking_the_help_center_is_not_counted(stats_app):
    agent = signed_in(stats_app, "dana@example.com")
    agent.get("/search?q=invoices")
    agent.post("/api/v1/events", json={"events": [{"type": "search_click", "article": "invoices", "query": "x"}]})
    assert rows(stats_app) == []


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0",
    ],
)
def test_bots_are_not_counted(stats_app, user_agent):
    client = stats_app.test_client()
    client.get("/search?q=invoices", headers={"User-Agent": user_agent})
    client.get("/articles/invoices", headers={"User-Agent": user_agent})
    assert rows(stats_app) == []


def test_pages_work_when_event_storage_fails(stats_app, visitor):
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(sa.text("DROP TABLE events"))
    assert visitor.get("/search?q=invoices").status_code == 200
    assert visitor.get("/articles/invoices").status_code == 200
    with stats_app.app_context():
        assert events.flush() == 0  # the write failed, was logged, and the events wait for a retry
        assert len(events.writer().queue) == 2
        events.writer().queue.clear()  # this database stays broken: nothing for the writer to retry


# Purge and retention


def test_purge_removes_old_events_and_keeps_recent_ones_and_tickets(stats_app, visitor):
    now = dt.datetime.now(dt.UTC)
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(
            events_table.insert(),
            [event("view", when=now - dt.timedelta(days=d), article="invoices") for d in (1, 100, 400)],
        )
    visitor.post("/api/v1/tickets", json={"name": "Ann", "email": "ann@example.com", "message": "Hi"})
    runner = stats_app.test_cli_runner()
    result = runner.invoke(args=["analytics", "purge", "--yes"])  # KB_ANALYTICS_RETENTION_DAYS: 365
    assert result.exit_code == 0 and "Removed 1 event(s)" in result.output
    result = runner.invoke(args=["analytics", "purge", "--older-than", "30", "--yes"])
    assert "Removed 1 event(s)" in result.output
    remaining = rows(stats_app)
    assert [r["type"] for r in remaining] == ["view", "ticket_submitted"]
    assert runner.invoke(args=["analytics", "purge", "--all", "--yes"]).exit_code == 0
    assert rows(stats_app) == []
    with stats_app.app_context():
        from kb.desk import tickets

        assert tickets.get(1)["email"] == "ann@example.com"  # tickets are not analytics
    refused = runner.invoke(args=["analytics", "purge"], input="n\n")
    assert refused.exit_code == 1


def test_the_event_writer_applies_the_retention_setting(stats_app):
    with stats_app.app_context():
        engine = get_engine()
        now = dt.datetime.now(dt.UTC)
        with engine.begin() as conn:
            conn.execute(events_table.insert(), [event("view", when=now - dt.timedelta(days=d)) for d in (1, 366)])
        writer = events.EventWriter(engine, interval=0.01, retention_days=365)
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        while writer.purged_at is None and dt.datetime.now() < deadline:
            writer.wake.wait(0.01)
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(events_table)).scalar_one() == 1

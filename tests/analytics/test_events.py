"""Self-service analytics: events from each surface, privacy, the figures, content gaps, feedback, purge."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kb import auth
from kb.analytics import events, stats
from kb.db import daily_salts, get_engine
from kb.db import events as events_table
from tests.conftest import FakeEncoder, csrf_token, make_app, make_config, shut_down

PASSWORD = "correct horse battery"
ADMIN_TOKEN = "tok-admin-0123456789abcdef"
AGENT_TOKEN = "tok-agent-0123456789abcdef"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}


@pytest.fixture
def stats_app(built_data_dir, database_url):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=database_url, ADMIN_TOKEN=ADMIN_TOKEN, AGENT_TOKENS=AGENT_TOKEN)
    )
    with app.app_context():
        auth.add_agent("boss@example.com", PASSWORD, role="admin")
        auth.add_agent("dana@example.com", PASSWORD)
    yield app
    shut_down(app)


@pytest.fixture
def client(stats_app):
    client = stats_app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": BROWSER["User-Agent"], "REMOTE_ADDR": "203.0.113.7"})
    return client


def rows(app, type_=None) -> list[dict]:
    with app.app_context():
        events.flush()
        query = sa.select(events_table).order_by(events_table.c.id)
        if type_:
            query = query.where(events_table.c.type == type_)
        with get_engine().connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]


def signed_in(app, email):
    client = app.test_client()
    token = csrf_token(client.get("/agent/sign-in").get_data(as_text=True))
    client.post("/agent/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


# Each event from its surface


def test_help_center_search_is_recorded_once_with_its_result_count(stats_app, client):
    client.get("/search?q=invoices")
    client.get("/search?q=invoices&page=2")  # paging is not a new search
    client.get("/search?q=xylophone+warranty")
    recorded = rows(stats_app, "search")
    assert [(r["query"], r["surface"], r["results"] > 0) for r in recorded] == [
        ("invoices", "help_center", True),
        ("xylophone warranty", "help_center", False),
    ]
    assert recorded[0]["data"]["mode"] in ("hybrid", "fulltext")


def test_api_search_is_recorded_unless_it_is_search_as_you_type(stats_app, client):
    client.get("/api/v1/search?q=invoice")
    client.get("/api/v1/search?q=invo&record=0")
    assert [(r["query"], r["surface"]) for r in rows(stats_app, "search")] == [("invoice", "api")]


def test_article_views_count_customers_not_agents(stats_app, client):
    client.get("/articles/invoices")
    signed_in(stats_app, "dana@example.com").get("/articles/invoices")
    client.get("/articles/does-not-exist")
    assert [r["article"] for r in rows(stats_app, "view")] == ["invoices"]


def test_helpful_votes_with_reasons(stats_app, client):
    page = client.get("/articles/invoices").get_data(as_text=True)
    token = csrf_token(page)
    client.post("/articles/invoices/feedback", data={"helpful": "no", "reason": "outdated", "csrf_token": token})
    client.post(
        "/articles/invoices/feedback",
        data={"helpful": "no", "reason": "other", "comment": "The button moved", "csrf_token": token},
    )
    client.post("/articles/invoices/feedback", data={"helpful": "yes", "csrf_token": token})
    votes = [r["data"] for r in rows(stats_app, "helpful")]
    assert votes == [
        {"helpful": False, "reason": "outdated"},
        {"helpful": False, "comment": "The button moved"},
        {"helpful": True},
    ]


def test_contact_form_records_suggestions_shown_and_the_ticket_in_one_session(stats_app, client):
    page = client.get("/contact?subject=download+invoices").get_data(as_text=True)
    session = page.split('name="session" value="', 1)[1].split('"', 1)[0]
    assert len(session) >= 12
    form = {"name": "Ann", "email": "ann@example.com", "subject": "Invoices", "message": "Where are they?"}
    client.post("/contact", data={**form, "session": session, "shown": "invoices", "csrf_token": csrf_token(page)})
    shown, submitted = rows(stats_app, "suggestion_shown"), rows(stats_app, "ticket_submitted")
    assert [(r["surface"], r["session"], r["data"]["articles"][0]) for r in shown] == [
        ("contact_form", session, "invoices")
    ]
    assert [(r["surface"], r["session"], r["data"]["shown"]) for r in submitted] == [
        ("contact_form", session, ["invoices"])
    ]


def test_contact_form_shown_again_after_an_error_keeps_what_was_shown(stats_app, client):
    page = client.get("/contact").get_data(as_text=True)
    session = page.split('name="session" value="', 1)[1].split('"', 1)[0]
    form = {"name": "Ann", "email": "not an address", "subject": "Reset password", "message": "The link expired."}
    again = client.post(
        "/contact", data={**form, "session": session, "shown": "invoices", "csrf_token": csrf_token(page)}
    )
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    shown = html.split('name="shown" value="', 1)[1].split('"', 1)[0].split(",")
    assert shown[0] == "invoices" and "reset-password" in shown
    [recorded] = rows(stats_app, "suggestion_shown")
    assert recorded["session"] == session and "reset-password" in recorded["data"]["articles"]


def test_beacon_events_and_ticket_share_a_session(stats_app, client):
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
    response = client.post(
        "/api/v1/events", data=__import__("json").dumps({"events": batch}), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 202 and response.get_json() == {"recorded": 2}
    ticket = {"name": "Ann", "email": "ann@example.com", "message": "Help", "source": "beacon", "session": "s1"}
    assert client.post("/api/v1/tickets", json=ticket).status_code == 201
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
def test_bad_event_batches_are_refused_whole(stats_app, client, body, message):
    response = client.post("/api/v1/events", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    assert rows(stats_app) == []


def test_agents_suggestions_and_resolutions_are_recorded(stats_app, client):
    ticket = {
        "name": "Ann",
        "email": "ann@example.com",
        "subject": "Invoices",
        "message": "Download invoice pdf, and how do I reset my password?",
        "shown": ["invoices"],
    }
    ticket_id = client.post("/api/v1/tickets", json=ticket).get_json()["id"]
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


def test_no_ip_address_is_stored_only_a_daily_salted_hash(stats_app, client):
    client.get("/search?q=invoices")
    client.get("/articles/invoices")
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
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "curl/8.5.0",
        "python-requests/2.32",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0",
    ],
)
def test_bots_are_not_counted(stats_app, agent):
    client = stats_app.test_client()
    client.get("/search?q=invoices", headers={"User-Agent": agent})
    client.get("/articles/invoices", headers={"User-Agent": agent})
    assert rows(stats_app) == []


def test_pages_work_when_event_storage_fails(stats_app, client):
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(sa.text("DROP TABLE events"))
    assert client.get("/search?q=invoices").status_code == 200
    assert client.get("/articles/invoices").status_code == 200
    with stats_app.app_context():
        assert events.flush() == 0  # the write failed, was logged, and the events wait for a retry
        assert len(events.writer().queue) == 2
        events.writer().queue.clear()  # this database stays broken: nothing for the writer to retry


# The figures, on a known synthetic event log

DAY1 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
DAY2 = DAY1 + dt.timedelta(days=1)
OUTSIDE = DAY1 - dt.timedelta(days=3)


def event(type_, when=DAY1, **fields):
    row = dict.fromkeys(("article", "query", "results", "position", "session", "visitor"))
    row.update(type=type_, created_at=when, surface="help_center", data={})
    row.update(fields)
    return row


SYNTHETIC = [
    # 5 searches in the period (3 on day 1, 2 on day 2), one more outside it
    event("search", query="Invoices", results=3, visitor="v1"),
    event("search", query="invoices ", results=3, visitor="v2"),
    event("search", query="xylophone warranty", results=0, visitor="v1"),
    event("search", when=DAY2, query="reset password", results=2, visitor="v1"),
    event("search", when=DAY2, query="xylophone warranty", results=0, visitor="v3"),
    event("search", when=OUTSIDE, query="old", results=0, visitor="v9"),
    # clicks at positions 1, 1 and 3
    event("search_click", query="invoices", article="invoices", position=1),
    event("search_click", query="invoices", article="invoices", position=1),
    event("search_click", when=DAY2, query="reset password", article="reset-password", position=3),
    # views and votes
    event("view", article="invoices"),
    event("view", article="invoices"),
    event("view", article="reset-password"),
    event("helpful", article="invoices", data={"helpful": True}, visitor="v1"),
    event("helpful", article="reset-password", data={"helpful": False, "reason": "outdated"}, visitor="v1"),
    event("helpful", article="reset-password", data={"helpful": False, "reason": "outdated"}, visitor="v2"),
    # v3 clicks "No", then sends a comment: one vote
    event("helpful", article="reset-password", data={"helpful": False}, visitor="v3"),
    event("helpful", article="reset-password", data={"helpful": False, "comment": "no SMS option"}, visitor="v3"),
    # v4 says "No", then changes their mind the same day: one "Yes" on invoices... for reset-password it is
    event("helpful", article="invoices", data={"helpful": False, "reason": "unclear"}, visitor="v4"),
    event("helpful", article="invoices", data={"helpful": True}, visitor="v4"),
    # suggestions: beacon 4 shown / 1 clicked; contact form 1 shown / 0; agent 2 shown / 1 clicked
    *[event("suggestion_shown", surface="beacon", session=f"b{i}") for i in range(4)],
    event("suggestion_clicked", surface="beacon", session="b0", article="invoices", position=1),
    event("suggestion_shown", surface="contact_form", session="c1"),
    event("suggestion_shown", surface="agent"),
    event("suggestion_shown", surface="agent"),
    event("suggestion_clicked", surface="agent", article="invoices", position=2),
    # tickets: sessions b1 and c1 wrote in anyway; s9 never saw suggestions
    event("ticket_submitted", surface="beacon", session="b1"),
    event("ticket_submitted", surface="contact_form", session="c1"),
    event("ticket_submitted", surface="beacon", session="s9"),
    # resolutions: 1 of 2 had been shown the resolving article
    event("ticket_resolved", surface="agent", article="invoices", data={"ticket_id": 1, "shown_before": True}),
    event("ticket_resolved", surface="agent", article="invoices", data={"ticket_id": 2, "shown_before": True}),
    # ticket 2 re-marked: the agent picked the wrong article first; only the latest mark counts
    event(
        "ticket_resolved", DAY2, surface="agent", article="reset-password", data={"ticket_id": 2, "shown_before": False}
    ),
]


def load_synthetic(app):
    with app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), SYNTHETIC)


def test_every_figure_on_a_known_event_log(stats_app, client):
    load_synthetic(stats_app)
    response = client.get(
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
    assert stats["content_gaps"] == [
        {"label": "xylophone warranty", "count": 2, "queries": [{"query": "xylophone warranty", "count": 2}]}
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


def test_dashboard_shows_the_same_figures_and_exports_csv(stats_app):
    load_synthetic(stats_app)
    admin = signed_in(stats_app, "boss@example.com")
    page = admin.get("/admin/?from=2026-11-02&to=2026-11-03").get_data(as_text=True)
    assert 'data-kpi="searches">5<' in page and 'data-kpi="deflection">60.0%<' in page
    assert "xylophone warranty" in page.split("data-content-gaps", 1)[1]
    least = page.split("data-least-helpful", 1)[1]
    assert "Reset your password" in least and "Needs work" in least and "It is out of date (2)" in least
    assert "<svg" in page
    csv_text = admin.get("/admin/export/top-searches.csv?from=2026-11-02&to=2026-11-03").get_data(as_text=True)
    assert csv_text.splitlines() == [
        "query,searches,no_results,clicks",
        "invoices,2,0,2",
        "xylophone warranty,2,2,0",
        "reset password,1,0,1",
    ]
    for name in stats.tables(stats.Stats(stats.parse_period(None, None))):
        assert admin.get(f"/admin/export/{name}.csv").status_code == 200
    assert admin.get("/admin/export/nothing.csv").status_code == 404


def test_csv_cells_cannot_run_as_spreadsheet_formulas(stats_app):
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), [event("search", query='=HYPERLINK("http://x")', results=0)])
    admin = signed_in(stats_app, "boss@example.com")
    csv_text = admin.get("/admin/export/top-searches.csv?from=2026-11-02&to=2026-11-02").get_data(as_text=True)
    assert "'=hyperlink" in csv_text


def test_dashboard_and_stats_are_for_admins_only(stats_app, client):
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/export/top-searches.csv").status_code == 302
    assert signed_in(stats_app, "dana@example.com").get("/admin/").status_code == 403
    assert signed_in(stats_app, "boss@example.com").get("/admin/").status_code == 200
    assert client.get("/api/v1/admin/stats").status_code == 401
    agent = client.get("/api/v1/admin/stats", headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    assert agent.status_code == 403 and "searches" not in agent.get_json()
    bad = client.get("/api/v1/admin/stats?from=yesterday", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"


# Content gaps


def test_failed_searches_sharing_words_are_grouped_without_the_model():
    items = [
        {"query": "export invoices csv", "count": 5},
        {"query": "change account owner", "count": 3},
        {"query": "csv export of invoices", "count": 2},
        {"query": "account owner transfer", "count": 1},
    ]
    groups = stats.cluster_queries(items)
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


# Ranking feedback


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


def test_articles_clicked_and_found_helpful_get_a_small_visible_boost(stats_app, client):
    question = "password invoices"
    before = suggest(client, question)
    target = before[-1]
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), clicks_and_votes(question, target["slug"], clicks=20))
    after = {s["slug"]: s for s in suggest(client, question)}
    boosted = after[target["slug"]]
    assert "feedback" in boosted["reasons"]
    assert 0 < boosted["score"] - target["score"] <= 0.05 + 1e-6  # bounded
    others = [s for s in suggest(client, "how do I enable two-factor authentication") if "feedback" in s["reasons"]]
    assert others == []  # an unrelated question is not boosted


def test_no_boost_for_few_clicks_or_unhelpful_articles(stats_app, client):
    question = "password invoices"
    slug = suggest(client, question)[0]["slug"]
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), clicks_and_votes(question, slug, clicks=2))
        conn.execute(
            events_table.insert(), clicks_and_votes("invoices password", slug, clicks=10, helpful=0, unhelpful=5)
        )
    assert all("feedback" not in s["reasons"] for s in suggest(client, question))


def test_ranking_feedback_can_be_turned_off(built_data_dir, tmp_path):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.db'}", RANKING_FEEDBACK="off")
    )
    slug = suggest(app.test_client(), "password invoices")[0]["slug"]
    with app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), clicks_and_votes("password invoices", slug, clicks=20))
    assert all("feedback" not in s["reasons"] for s in suggest(app.test_client(), "password invoices"))


# Purge and retention


def test_purge_removes_old_events_and_keeps_recent_ones_and_tickets(stats_app, client):
    now = dt.datetime.now(dt.UTC)
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(
            events_table.insert(),
            [event("view", when=now - dt.timedelta(days=d), article="invoices") for d in (1, 100, 400)],
        )
    client.post("/api/v1/tickets", json={"name": "Ann", "email": "ann@example.com", "message": "Hi"})
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
    groups = [[q["query"] for q in g["queries"]] for g in stats.cluster_queries(items, encoder)]
    assert groups == [
        ["forgot my password", "can't log in, need a new password"],
        ["how do I transfer ownership of my account", "make someone else the account owner"],
        ["delete my account"],
        ["dark mode"],
    ]


def test_fake_encoder_is_accepted_for_grouping():
    groups = stats.cluster_queries([{"query": "refund please", "count": 1}], FakeEncoder())
    assert groups[0]["label"] == "refund please"

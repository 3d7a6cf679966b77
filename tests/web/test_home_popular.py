"""The home page: "Popular articles" from the last 30 days' views, and the hero on a band of the accent colour."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb.analytics import events
from kb.analytics.popular import POPULAR_LIMIT, popular_slugs
from kb.db import events as events_table
from kb.db import get_engine
from kb.web.site_files import relative_luminance, text_on
from tests.fixtures.analytics import event

NOW = dt.datetime.now(dt.UTC)


def store_views(app, views: dict[str, int], when: dt.datetime = NOW) -> None:
    """``views[slug]`` view events of ``slug`` at ``when``, written straight into the events table."""
    rows = [event("view", when=when, article=slug) for slug, n in views.items() for _ in range(n)]
    with app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), rows)


def popular_section(client) -> str | None:
    """The "Popular articles" section of the home page, or None when it is not there."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'<section class="popular".*?</section>', html, re.DOTALL)
    return match.group(0) if match else None


def listed(section: str) -> list[str]:
    return re.findall(r'href="/articles/([^"]+)"', section)


def test_popular_articles_are_the_most_viewed_first(client, app):
    store_views(app, {"invoices": 2, "reset-password": 5, "two-factor-authentication": 1})
    section = popular_section(client)
    assert section is not None and "Popular articles" in section
    assert listed(section) == ["reset-password", "invoices", "two-factor-authentication"]
    assert "Reset your password" in section


def test_recorded_views_count_once_written(client, app):
    with app.app_context():
        for slug in ("invoices", "invoices", "reset-password"):
            assert events.record("view", article=slug)
        events.flush()
    assert listed(popular_section(client)) == ["invoices", "reset-password"]


def test_views_older_than_30_days_are_not_counted(client, app):
    store_views(app, {"reset-password": 9}, when=NOW - dt.timedelta(days=31))
    store_views(app, {"invoices": 1, "two-factor-authentication": 2}, when=NOW - dt.timedelta(days=29))
    assert listed(popular_section(client)) == ["two-factor-authentication", "invoices"]


def test_internal_and_draft_articles_are_never_popular(client, app):
    store_views(app, {"internal-refund-policy": 50, "draft-pricing": 40, "no-such-article": 30, "invoices": 1})
    section = popular_section(client)
    assert listed(section) == ["invoices"]
    assert "Refund policy" not in section and "pricing" not in section


def test_at_most_the_limit_of_popular_articles(app):
    store_views(app, {"invoices": 3, "reset-password": 2, "two-factor-authentication": 1})
    published = {"invoices", "reset-password", "two-factor-authentication"}
    with app.app_context():
        assert popular_slugs(get_engine(), published, limit=2) == ["invoices", "reset-password"]
        assert popular_slugs(get_engine(), set()) == []
    assert POPULAR_LIMIT == 6


def test_no_views_no_popular_section(client):
    html = client.get("/").get_data(as_text=True)
    assert "Popular articles" not in html
    assert "Recently updated" in html


def test_a_failing_database_leaves_the_home_page_up(client, app, monkeypatch):
    store_views(app, {"invoices": 1})
    logged: list[str] = []

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr("kb.web.help.popular_slugs", broken)
    monkeypatch.setattr(app.logger, "exception", lambda message, *args, **kwargs: logged.append(message % args))
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Popular articles" not in html and "How can we help?" in html and "Recently updated" in html
    assert any("could not count popular articles" in message for message in logged)


@pytest.mark.parametrize(
    ("accent", "text"),
    [("#2563eb", "#ffffff"), ("#0f766e", "#ffffff"), ("#000", "#ffffff"), ("#ffd700", "#000000"), ("#fff", "#000000")],
)
def test_hero_text_takes_the_colour_that_reads_on_the_accent(client, app, accent, text):
    app.config.update(ACCENT_COLOR=accent)
    css = client.get("/theme.css").get_data(as_text=True)
    assert f"--accent: {accent};" in css and f"--on-accent: {text};" in css


def contrast(a: str, b: str) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_on_any_accent_is_at_least_4_5_to_1():
    steps = ("00", "33", "66", "77", "88", "99", "aa", "cc", "ff")
    for r, g, b in itertools.product(steps, repeat=3):
        accent = f"#{r}{g}{b}"
        assert contrast(accent, text_on(accent)) >= 4.5, accent


def test_the_hero_sits_on_the_accent_band(client, app):
    css = (Path(app.static_folder) / "kb.css").read_text("utf-8")
    assert re.search(r"\.hero \{[^}]*background: var\(--accent\);[^}]*color: var\(--on-accent\)", css)
    assert '<section class="hero">' in client.get("/").get_data(as_text=True)

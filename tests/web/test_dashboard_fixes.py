"""The dashboard's fixes of issue 16 over HTTP: a period it cannot use is a message beside the date fields on the
dashboard of the default period, counts agree with their nouns, the most helpful articles are those voted
helpful, and the searches chart has a y-axis of round ticks."""

from __future__ import annotations

import re

import pytest

from kb import auth
from kb.analytics import stats
from kb.db import events as events_table
from kb.db import get_engine
from kb.web.admin import round_ticks
from tests.fixtures.agents import PASSWORD, signed_in
from tests.fixtures.analytics import ADMIN_TOKEN, DAY1, event, load_synthetic
from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.html import elements

PERIOD = "from=2026-11-02&to=2026-11-03"


@pytest.fixture
def app(built_data_dir, some_database_url):
    app = make_app(make_config(built_data_dir, DATABASE_URL=some_database_url, ADMIN_TOKEN=ADMIN_TOKEN))
    with app.app_context():
        auth.add_agent("boss@example.com", PASSWORD, role="admin")
    yield app
    shut_down(app)


@pytest.fixture
def admin(app):
    return signed_in(app, "boss@example.com")


def insert(app, *rows) -> None:
    with app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), list(rows))


def date_fields(page: str) -> dict[str, dict[str, str]]:
    """The period form's date inputs by name: their attributes."""
    inputs = [dict(attrs) for tag, attrs in elements(page) if tag == "input"]
    return {attrs["name"]: attrs for attrs in inputs if attrs.get("type") == "date"}


def period_form(page: str) -> str:
    return page[page.index('<form method="get"') : page.index("</form>", page.index('<form method="get"'))]


def section(page: str, marker: str) -> str:
    """The dashboard panel that starts at ``marker`` (up to the next panel)."""
    rest = page.split(marker, 1)[1]
    return rest.split('<section class="panel"', 1)[0]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ({"from": "2026-11-05", "to": "2026-11-01"}, "“From” (2026-11-05) is after “To” (2026-11-01)."),
        ({"from": "yesterday", "to": "2026-11-01"}, "“From” and “To” must be dates like 2026-11-01."),
        ({"from": "2026-11-01", "to": "2026-02-30"}, "“From” and “To” must be dates like 2026-11-01."),
    ],
)
def test_a_period_it_cannot_use_is_a_message_beside_the_date_fields(admin, typed, problem):
    response = admin.get("/admin/", query_string=typed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Something went wrong" not in page and 'data-kpi="searches"' in page  # the dashboard itself
    default = stats.parse_period(None, None)
    form = period_form(page)
    message = re.search(r'<p class="field-error" id="period-error"[^>]*>([^<]*)</p>', form)
    assert message, form
    shown = f"Showing {default.start.isoformat()} to {default.end.isoformat()} instead."
    assert message[1] == f"{problem} {shown}"
    fields = date_fields(page)
    assert {name: f["value"] for name, f in fields.items()} == typed  # what was typed, kept
    for field in fields.values():
        assert field["aria-invalid"] == "true" and field["aria-describedby"] == "period-error"
    export = f"from={default.start.isoformat()}&amp;to={default.end.isoformat()}"
    assert f"/admin/export/top-searches.csv?{export}" in page  # the figures are the default period's


def test_a_usable_period_has_no_message_and_shows_its_dates(admin):
    response = admin.get(f"/admin/?{PERIOD}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "period-error" not in page and "aria-invalid" not in page
    assert {name: f["value"] for name, f in date_fields(page).items()} == {"from": "2026-11-02", "to": "2026-11-03"}


def test_the_stats_api_still_answers_a_reversed_period_with_its_json_400(admin):
    response = admin.get(
        "/api/v1/admin/stats?from=2026-11-05&to=2026-11-01", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_one_of_a_thing_is_singular_and_two_are_plural(app, admin):
    insert(
        app,
        event("search", query="invoices", results=1, visitor="v1"),
        event("view", article="invoices", visitor="v1"),
        event("suggestion_shown", surface="beacon", session="b1"),
        event("ticket_resolved", surface="agent", article="invoices", data={"ticket_id": 1, "shown_before": True}),
    )
    one = admin.get("/admin/?from=2026-11-02&to=2026-11-02").get_data(as_text=True)
    assert 'data-kpi="searches">1</span><span>search</span>' in one
    assert 'data-kpi="views">1</span><span>article view</span>' in one
    assert 'data-kpi="visitors">1</span><span>visitor-day</span>' in one
    assert "of the 1 beacon and contact-form session that saw" in one
    assert "of the 1 ticket resolved by an article" in one

    insert(
        app,
        event("search", query="invoices", results=1, visitor="v2"),
        event("view", article="invoices", visitor="v2"),
        event("ticket_resolved", surface="agent", article="invoices", data={"ticket_id": 2}),
    )
    two = admin.get("/admin/?from=2026-11-02&to=2026-11-02").get_data(as_text=True)
    assert 'data-kpi="searches">2</span><span>searches</span>' in two
    assert 'data-kpi="views">2</span><span>article views</span>' in two
    assert 'data-kpi="visitors">2</span><span>visitor-days</span>' in two
    assert "of the 2 tickets resolved by an article" in two


def test_the_content_gaps_count_searches_in_the_singular_and_plural(app, admin):
    load_synthetic(app)
    insert(app, event("search", query="quantum refund", results=0, visitor="v7"))
    gaps = section(admin.get(f"/admin/?{PERIOD}").get_data(as_text=True), "data-content-gaps")
    assert 'xylophone warranty</strong> <span class="count">2 searches</span>' in gaps
    assert 'quantum refund</strong> <span class="count">1 search</span>' in gaps


def vote(slug: str, visitor: str, helpful: bool) -> dict:
    return event("helpful", article=slug, visitor=visitor, data={"helpful": helpful})


def test_the_most_helpful_articles_are_those_voted_yes_by_yes_then_rate(app, admin):
    insert(
        app,
        *[vote("internal-refund-policy", f"p{i}", i < 3) for i in range(6)],  # 3 Yes, 3 No: the most Yes
        *[vote("two-factor-authentication", f"t{i}", True) for i in range(2)],  # 2 Yes, 0 No: 100%
        *[vote("invoices", f"i{i}", i < 2) for i in range(3)],  # 2 Yes, 1 No: 67%
        *[vote("reset-password", f"r{i}", False) for i in range(4)],  # 0 Yes: never "most helpful"
    )
    page = admin.get("/admin/?from=2026-11-02&to=2026-11-02").get_data(as_text=True)
    listed = re.findall(r'<a href="/articles/([^"]+)">', section(page, 'id="helpful-heading"'))
    assert listed == ["internal-refund-policy", "two-factor-authentication", "invoices"]
    assert "reset-password" in section(page, "data-least-helpful")  # it is where it belongs
    api = admin.get(
        "/api/v1/admin/stats?from=2026-11-02&to=2026-11-02", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert {a["slug"] for a in api.get_json()["articles"]} >= {"reset-password", "invoices"}  # all still counted


def test_the_searches_chart_has_a_y_axis_of_round_ticks_up_to_the_busiest_day(app, admin):
    insert(app, *[event("search", when=DAY1, query=f"q{i}", results=1) for i in range(7)])
    page = admin.get("/admin/?from=2026-11-02&to=2026-11-03").get_data(as_text=True)
    chart = section(page, 'id="searches-heading"')
    y_axis = chart.split('class="chart-y-axis"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'<span class="tick">(\d+)</span>', y_axis) == ["8", "6", "4", "2", "0"]
    assert 'class="chart-axis-title">Searches<' in chart
    assert 'viewBox="0 0 2 8" preserveAspectRatio="none"' in chart  # two days, up to the top tick
    assert "<text" not in chart  # every label is HTML beside the stretched drawing, never stretched with it
    assert (
        '<rect x="0.1" y="1" width="0.8" height="7"' in chart and '<rect x="1.1" y="8" width="0.8" height="0"' in chart
    )


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (4, [0, 1, 2, 3, 4]),
        (5, [0, 2, 4, 6]),
        (9, [0, 5, 10]),
        (12, [0, 5, 10, 15]),
        (100, [0, 50, 100]),
        (2345, [0, 1000, 2000, 3000]),
    ],
)
def test_round_ticks_cover_the_peak_in_a_few_round_steps(peak, ticks):
    assert round_ticks(peak) == ticks

"""The admin dashboard (/admin/): the same figures as the stats API, CSV exports, and admins only."""

from __future__ import annotations

from kb.analytics import export, stats
from kb.db import events as events_table
from kb.db import get_engine
from tests.fixtures.agents import signed_in
from tests.fixtures.analytics import ADMIN_TOKEN, AGENT_TOKEN, event, load_synthetic


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
    for name in export.tables(stats.Stats(stats.parse_period(None, None))):
        assert admin.get(f"/admin/export/{name}.csv").status_code == 200
    assert admin.get("/admin/export/nothing.csv").status_code == 404


def test_csv_cells_cannot_run_as_spreadsheet_formulas(stats_app):
    with stats_app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), [event("search", query='=HYPERLINK("http://x")', results=0)])
    admin = signed_in(stats_app, "boss@example.com")
    csv_text = admin.get("/admin/export/top-searches.csv?from=2026-11-02&to=2026-11-02").get_data(as_text=True)
    assert "'=hyperlink" in csv_text


def test_dashboard_and_stats_are_for_admins_only(stats_app, visitor):
    assert visitor.get("/admin/").status_code == 302
    assert visitor.get("/admin/export/top-searches.csv").status_code == 302
    assert signed_in(stats_app, "dana@example.com").get("/admin/").status_code == 403
    assert signed_in(stats_app, "boss@example.com").get("/admin/").status_code == 200
    assert visitor.get("/api/v1/admin/stats").status_code == 401
    agent = visitor.get("/api/v1/admin/stats", headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    assert agent.status_code == 403 and "searches" not in agent.get_json()
    bad = visitor.get("/api/v1/admin/stats?from=yesterday", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"

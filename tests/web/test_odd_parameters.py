"""Odd parameters from signed-in users are 4xx or a sensible default, never a 500 (hardening finding 4)."""

from __future__ import annotations

import pytest

from kb import auth
from tests.fixtures.agents import PASSWORD, signed_in
from tests.fixtures.app import make_app, make_config

ADMIN = "tok-admin-0123456789abcdef"


@pytest.fixture
def signed_in_app(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", ADMIN_TOKEN=ADMIN))
    with app.app_context():
        auth.add_agent("dana@example.com", PASSWORD, name="Dana", role="admin")
    return app


@pytest.mark.parametrize("page", ["²", "٣", "99999999999999999999", "-1", "0", "1e3", ""])
def test_an_odd_ticket_list_page_shows_a_page(signed_in_app, page):
    assert signed_in(signed_in_app, "dana@example.com").get(f"/agent/?page={page}").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["from=9999-12-31&to=9999-12-31", "from=0001-01-01&to=0001-01-02", "from=1999-12-31", "to=9999-01-01"],
)
def test_a_period_out_of_range_is_a_400_saying_so(signed_in_app, query):
    response = signed_in_app.test_client().get(
        f"/api/v1/admin/stats?{query}", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    assert response.status_code == 400
    assert "dates must be from 2000-01-01" in response.get_json()["error"]["message"]
    assert signed_in(signed_in_app, "dana@example.com").get(f"/admin/?{query}").status_code == 400

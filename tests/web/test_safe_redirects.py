"""After sign-in kb goes back to the page asked for, and never off the site (hardening finding 2)."""

from __future__ import annotations

import pytest

from kb import auth
from tests.fixtures.agents import PASSWORD, sign_in
from tests.fixtures.app import make_app, make_config

# Each would leave the site once a browser reads it: tabs and newlines are dropped, a backslash is a slash.
OFF_SITE = [
    "//evil.example",
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D%0A/evil.example",
    "/%5C/evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%00/evil.example",
    "%2F%2Fevil.example",
    "/%E2%80%A8/evil.example",  # a Unicode line separator
]


@pytest.fixture
def redirect_app(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    with app.app_context():
        auth.add_agent("dana@example.com", PASSWORD, name="Dana")
    return app


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_the_site(redirect_app, target):
    from urllib.parse import unquote

    client = redirect_app.test_client()
    response = sign_in(client, "dana@example.com", PASSWORD, unquote(target))
    assert response.status_code == 303
    assert response.headers["Location"] == "/agent/"
    # signed in now, the sign-in page sends the agent on at once: still only to this site
    response = client.get(f"/agent/sign-in?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent/"


@pytest.mark.parametrize("target", ["/agent/tickets/1", "/admin/?from=2026-11-01&to=2026-11-30", "/articles/a#b"])
def test_sign_in_goes_back_to_a_page_of_this_site(redirect_app, target):
    response = sign_in(redirect_app.test_client(), "dana@example.com", PASSWORD, target)
    assert response.status_code == 303 and response.headers["Location"] == target


@pytest.mark.parametrize("target", [None, "", "/", "/agent/", "/a/b?c=d", "/%7Euser"])
def test_safe_next_keeps_paths_of_this_site(target):
    assert auth.safe_next(target, "/home") == (target or "/home")

"""Every response carries the security headers, and an unexpected error tells the client nothing about the
server (the Security article's promises)."""

from __future__ import annotations

import pytest

from tests.fixtures.app import make_app, make_config

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "path", ["/", "/articles/reset-password", "/search?q=x", "/api/v1/search?q=x", "/nope", "/agent/sign-in"]
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("style-src")[0]  # no inline script, ever


def test_https_sites_send_strict_transport_security(built_data_dir, tmp_path):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", BASE_URL="https://help.x.io")
    )
    assert "max-age=31536000" in app.test_client().get("/").headers["Strict-Transport-Security"]


@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_an_unexpected_error_shows_no_details(built_data_dir, tmp_path, path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", TESTING=False))

    def boom():
        raise RuntimeError("secret detail: /etc/kb/password")

    app.add_url_rule(path, "boom" + path.replace("/", "_"), boom)
    response = app.test_client().get(path)
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret detail" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "Something went wrong on our side" in text

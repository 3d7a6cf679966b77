"""Fuzzing: the JSON API against its own OpenAPI document (schemathesis), the Markdown pipeline (hypothesis).

No generated request may cause a 5xx or a response that breaks the documented schema, and no Markdown,
however odd, may produce HTML outside the sanitizer's allowlist.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kb import auth
from tests.conftest import make_app, make_config
from tests.test_sanitize import assert_safe, render_body

AGENT = "tok-fuzz-agent-0123456789"
ADMIN = "tok-fuzz-admin-0123456789"


@pytest.fixture(scope="module")
def fuzz_app(built_data_dir, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'kb.sqlite3'}"
    app = make_app(make_config(built_data_dir, DATABASE_URL=url, AGENT_TOKENS=AGENT, ADMIN_TOKEN=ADMIN))
    with app.app_context():
        auth.add_agent("fuzz@example.com", "a long fuzzing password")
    return app


def operations(app) -> dict:
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return {result.ok().label: result.ok() for result in loaded.get_all_operations()}


LABELS = [
    "GET /api/v1/search",
    "GET /api/v1/suggest",
    "POST /api/v1/suggest",
    "POST /api/v1/tickets",
    "GET /api/v1/articles/{slug}",
    "POST /api/v1/events",
    "GET /api/v1/admin/stats",
    "POST /api/v1/agent/suggest",
    "GET /api/v1/agent/tickets",
    "GET /api/v1/agent/tickets/{ticket_id}",
]


def test_every_operation_is_fuzzed(fuzz_app):
    assert sorted(operations(fuzz_app)) == sorted(LABELS)


@pytest.mark.parametrize("label", LABELS)
def test_the_api_never_fails_and_answers_as_documented(fuzz_app, label):
    operation = operations(fuzz_app)[label]
    token = ADMIN if "/admin/" in label else AGENT

    @given(operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )

    run()


MARKDOWN = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>",
                "[x](javascript:alert(1))",
                "<a href='data:text/html,x'>x</a>",
                "<iframe src=//evil>",
                "<svg onload=alert(1)>",
                "```\n<b>code</b>\n```",
                "> [!NOTE]\n> note",
                "| a | b |\n|---|---|\n| 1 | 2 |",
                "# Heading {#id}",
                "<div style='x'>",
                "!!! warning\n    text",
                "[^1]\n\n[^1]: note",
                "<details open>",
                "&#x3C;script>",
            ]
        ),
    ),
    max_size=12,
).map("\n".join)


@given(MARKDOWN)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_markdown_produces_unsanitized_html(source):
    rendered = render_body(source)
    assert_safe(rendered.html)
    for section in rendered.sections:
        assert "<" not in section.heading or "&lt;" in section.heading or section.heading == ""

"""Fuzzing the JSON API against its own OpenAPI document (schemathesis): no generated request may cause a 5xx
or a response that breaks the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kb import auth
from tests.fixtures.app import make_app, make_config
from tests.fixtures.fast import examples

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
    "POST /integrations/webhook",
]


def test_every_operation_is_fuzzed(fuzz_app):
    assert sorted(operations(fuzz_app)) == sorted(LABELS)


@pytest.mark.parametrize("label", LABELS)
def test_the_api_never_fails_and_answers_as_documented(fuzz_app, label):
    operation = operations(fuzz_app)[label]
    token = ADMIN if "/admin/" in label else AGENT

    @given(operation.as_strategy())
    @settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )

    run()

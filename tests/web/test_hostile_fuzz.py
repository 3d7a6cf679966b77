"""Fuzzing every JSON and form endpoint with hostile values: deep nesting, lone surrogates, NUL and control
characters, huge and odd URLs, header injection. None may cause a 5xx, and every error under /api/ and
/integrations/ comes in the one JSON shape. On SQLite and on PostgreSQL (hardening, "Done when")."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import auth
from kb.web.integrations import helpscout_signature, webhook_signature
from tests.fixtures.app import csrf_token, make_app, make_config, shut_down
from tests.fixtures.databases import prepare_database
from tests.fixtures.fast import examples

AGENT = "tok-fuzz-agent-0123456789"
ADMIN = "tok-fuzz-admin-0123456789"
HELPSCOUT = "hs-fuzz-secret"
WEBHOOK = "wh-fuzz-secret"
NASTY = [
    "\x00",
    "\ud800",
    "a\udfffb",
    "\x1b[31m",
    "line\r\nBcc: attacker@evil.example",
    "Dana <attacker@evil.example>, Dana",
    "javascript:alert(1)",
    "http://[::1",
    "http://%5B::1",
    "https://example.com/" + "a" * 3000,
    "x" * 25_000,
    "%00%0d%0a",
    "\u202e\u2028\ufeff",
    "'; DROP TABLE tickets; --",
    "<script>alert(1)</script>",
    "²",
    "99999999999999999999",
    "-1",
]
text = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(codec=None, categories=None), max_size=60),  # surrogates and controls included
)
leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
json_values = st.recursive(leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4))
# what a client can put in a header (the HTTP client refuses newlines there), odd URLs above all
referers = st.one_of(
    st.sampled_from([n for n in NASTY if "\n" not in n and n.isprintable()]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80),
)
deep = st.integers(20, 2000).map(lambda n: "[" * n + "]" * n)
JSON_ENDPOINTS = {
    "/api/v1/suggest": ["text", "url", "locale", "limit"],
    "/api/v1/tickets": ["name", "email", "subject", "message", "url", "shown", "source", "session"],
    "/api/v1/events": ["events"],
    "/api/v1/agent/suggest": ["subject", "body", "customer_email", "url", "shown", "limit"],
    "/integrations/webhook": ["subject", "body", "customer_email", "url", "shown", "limit"],
    "/integrations/helpscout": ["ticket", "customer"],
}
QUERY_ENDPOINTS = {
    "/api/v1/search": ["q", "limit", "mode", "category", "record"],
    "/api/v1/suggest": ["q", "url", "limit"],
    "/api/v1/agent/tickets": ["q", "status", "page", "per_page"],
    "/api/v1/admin/stats": ["from", "to"],
    "/search": ["q", "category", "page"],
    "/agent/": ["q", "status", "page"],
    "/admin/": ["from", "to"],
}
FORMS = {
    "/contact": ["name", "email", "subject", "message", "session", "shown"],
    "/articles/reset-password/feedback": ["helpful", "reason", "comment"],
    "/agent/sign-in": ["email", "password", "next"],
}
FUZZ = settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(request, built_data_dir, tmp_path_factory):
    url = prepare_database(request.param, tmp_path_factory.mktemp("fuzz"))
    config = make_config(
        built_data_dir,
        DATABASE_URL=url,
        AGENT_TOKENS=AGENT,
        ADMIN_TOKEN=ADMIN,
        HELPSCOUT_SECRET=HELPSCOUT,
        WEBHOOK_SECRET=WEBHOOK,
    )
    app = make_app(config)
    with app.app_context():
        auth.add_agent("fuzz@example.com", "a long fuzzing password", role="admin")
    yield app
    shut_down(app)


@pytest.fixture(scope="module")
def agent_client(fuzz_app):
    client = fuzz_app.test_client()
    token = csrf_token(client.get("/agent/sign-in").get_data(as_text=True))
    form = {"email": "fuzz@example.com", "password": "a long fuzzing password", "csrf_token": token}
    assert client.post("/agent/sign-in", data=form).status_code == 303
    return client


def headers_for(path: str, body: bytes) -> dict:
    found = {"Content-Type": "application/json"}
    if "/agent/" in path or path.endswith("/webhook"):
        found["Authorization"] = f"Bearer {AGENT}"
    if "/admin/" in path:
        found["Authorization"] = f"Bearer {ADMIN}"
    if path.endswith("/helpscout"):
        found["X-HelpScout-Signature"] = helpscout_signature(body, HELPSCOUT)
    return found


def assert_answered(response, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.get_data(as_text=True)[:500])
    if path.startswith(("/api/", "/integrations/")) and response.status_code >= 400:
        error = response.get_json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str), (path, error)


def encode(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("path", sorted(JSON_ENDPOINTS))
def test_json_endpoints_survive_hostile_fields(fuzz_app, path):
    client = fuzz_app.test_client()

    @FUZZ
    @given(st.fixed_dictionaries({}, optional={name: json_values for name in JSON_ENDPOINTS[path]}))
    def run(body):
        raw = encode(body)
        assert_answered(client.post(path, data=raw, headers=headers_for(path, raw)), path)

    run()


@pytest.mark.parametrize("path", sorted(JSON_ENDPOINTS))
def test_json_endpoints_survive_any_body(fuzz_app, path):
    client = fuzz_app.test_client()

    @FUZZ
    @given(st.one_of(json_values.map(encode), deep.map(str.encode), st.binary(max_size=200)))
    def run(raw):
        assert_answered(client.post(path, data=raw, headers=headers_for(path, raw)), path)

    run()


@pytest.mark.parametrize("path", sorted(QUERY_ENDPOINTS))
def test_query_strings_survive_hostile_values(fuzz_app, agent_client, path):
    @FUZZ
    @given(st.fixed_dictionaries({}, optional={name: text for name in QUERY_ENDPOINTS[path]}))
    def run(params):
        client = agent_client if path.startswith(("/agent/", "/admin/")) else fuzz_app.test_client()
        query = {k: v.encode("utf-8", "surrogatepass") for k, v in params.items()}
        response = client.get(path, query_string=query, headers=headers_for(path, b""))
        assert_answered(response, path)

    run()


@pytest.mark.parametrize("path", sorted(FORMS))
def test_forms_survive_hostile_values(fuzz_app, path):
    client = fuzz_app.test_client()
    page = "/agent/sign-in" if path.startswith("/agent/") else path.replace("/feedback", "")
    token = csrf_token(client.get(page if page != "/contact" else "/contact").get_data(as_text=True))

    @FUZZ
    @given(st.fixed_dictionaries({}, optional={name: text for name in FORMS[path]}), referers)
    def run(fields, referer):
        form = {k: v.encode("utf-8", "surrogatepass") for k, v in fields.items()}
        response = client.post(path, data={**form, "csrf_token": token}, headers={"Referer": referer})
        assert_answered(response, path)

    run()


def test_the_webhook_signature_path_survives_hostile_bodies(fuzz_app):
    client = fuzz_app.test_client()

    @FUZZ
    @given(json_values.map(encode))
    def run(raw):
        headers = {"Content-Type": "application/json", "X-KB-Signature": webhook_signature(raw, WEBHOOK)}
        assert_answered(client.post("/integrations/webhook", data=raw, headers=headers), "/integrations/webhook")

    run()

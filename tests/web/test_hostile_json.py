"""Hostile JSON gets a 4xx in the one error shape from every JSON endpoint, never a 5xx, and text is cleaned
where it enters so that no database rejects it later (hardening findings 4 and 5)."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from kb.db import tickets as tickets_table
from kb.state import state_of
from kb.web.requests import MAX_JSON_DEPTH, clean_json, clean_text, parse_json
from tests.fixtures.app import make_app, make_config
from tests.fixtures.databases import BOTH_DATABASES

TOKEN = "tok-agent-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
JSON = {"Content-Type": "application/json"}
ENDPOINTS = [
    ("/api/v1/suggest", JSON),
    ("/api/v1/tickets", JSON),
    ("/api/v1/events", JSON),
    ("/api/v1/agent/suggest", BEARER),
    ("/integrations/webhook", BEARER),
]
TICKET = {"name": "Ann", "email": "ann@example.com", "subject": "Invoice", "message": "Where is my invoice?"}


@pytest.fixture
def json_app(built_data_dir, some_database_url):
    return make_app(make_config(built_data_dir, DATABASE_URL=some_database_url, AGENT_TOKENS=TOKEN))


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


@pytest.mark.parametrize(("path", "headers"), ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [nested(990), nested(MAX_JSON_DEPTH + 1), b'{"text": ' + b'{"a": ' * 500 + b"1" + b"}" * 501],
    ids=["990-deep", "just-too-deep", "deep-object"],
)
def test_deeply_nested_json_is_a_400_in_the_error_shape(json_app, path, headers, body):
    response = json_app.test_client().post(path, data=body, headers=headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_json" and f"nests deeper than {MAX_JSON_DEPTH} levels" in error["message"]


@pytest.mark.parametrize(("path", "headers"), ENDPOINTS)
@pytest.mark.parametrize("body", [b"{", b'{"text": "\xff\xfe"}', b"\x00"], ids=["truncated", "not-utf8", "nul"])
def test_malformed_json_is_a_400_saying_so(json_app, path, headers, body):
    response = json_app.test_client().post(path, data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(("path", "headers"), ENDPOINTS)
def test_a_chunked_body_over_the_limit_is_413_not_invalid_json(json_app, path, headers):
    body = b'{"text": "' + b"a" * (70 * 1024) + b'"}'
    response = json_app.test_client().post(
        path,
        input_stream=io.BytesIO(body),
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn marks a chunked body
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


@pytest.mark.parametrize(
    ("path", "headers", "body"),
    [
        ("/api/v1/suggest", JSON, {"text": "invoice \ud800 pdf\x00"}),
        ("/api/v1/agent/suggest", BEARER, {"subject": "invoice \udfff", "body": "pdf\x00"}),
        ("/integrations/webhook", BEARER, {"subject": "invoice \ud800", "body": "\x00"}),
    ],
)
def test_lone_surrogates_and_nul_are_cleaned_not_a_500(json_app, path, headers, body):
    response = json_app.test_client().post(path, data=json.dumps(body), headers=headers)
    assert response.status_code == 200


@BOTH_DATABASES
def test_a_ticket_with_nul_and_surrogates_is_stored_cleaned(json_app):
    ticket = {**TICKET, "name": "Ann\x00", "message": "Where is\x00 my invoice? \ud83d", "subject": "A\x07B"}
    response = json_app.test_client().post("/api/v1/tickets", data=json.dumps(ticket), headers=JSON)
    assert response.status_code == 201
    with state_of(json_app).engine.connect() as conn:
        row = conn.execute(sa.select(tickets_table)).mappings().one()
    assert (row["name"], row["message"], row["subject"]) == ("Ann", "Where is my invoice? \ufffd", "AB")


def test_form_and_query_values_are_cleaned(json_app):
    response = json_app.test_client().get("/api/v1/search?q=invoice%00%01pdf")
    assert response.status_code == 200
    assert response.get_json()["query"] == "invoicepdf"


def test_clean_text_keeps_what_people_write():
    text = "Tabs\tand\nnew lines\r\n, accents é, emoji 🙂, CJK 漢字 and RTL עברית"
    assert clean_text(text) == text
    assert clean_text("a\x00b\x1bc\x7fd\ud800e") == "abcd\ufffde"


def test_clean_json_cleans_keys_and_values_at_every_depth():
    assert clean_json({"k\x00": ["v\x00", {"\ud800": "x"}]}) == {"k": ["v", {"\ufffd": "x"}]}
    assert parse_json(b'{"a": "\\u0000\\ud800"}') == {"a": "\ufffd"}
    with pytest.raises(ValueError, match="nests deeper"):
        parse_json(nested(100_000))

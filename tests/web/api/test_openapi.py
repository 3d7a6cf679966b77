"""The OpenAPI document at /api/v1/openapi.json: valid, complete, and what the API really answers."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_matches_the_routes(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    routes = {
        r.rule.replace("<slug>", "{slug}").replace("<int:ticket_id>", "{ticket_id}")
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and "openapi" not in r.rule
    }
    assert set(spec["paths"]) == routes


def test_api_responses_match_the_openapi_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]

    def check(payload, name):
        schema = {**schemas[name], "$defs": schemas}
        text = json.dumps(schema).replace("#/components/schemas/", "#/$defs/")
        Draft202012Validator(json.loads(text)).validate(payload)

    check(client.get("/api/v1/search?q=invoice").get_json(), "SearchResponse")
    check(client.post("/api/v1/suggest", json={"text": "download invoices"}).get_json(), "SuggestResponse")
    check(client.post("/api/v1/suggest", json={"text": 42}).get_json(), "Error")

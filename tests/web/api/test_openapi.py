"""The OpenAPI document at /api/v1/openapi.json: valid, complete, and what the API really answers."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.fixtures.agents import BEARER

NOT_DOCUMENTED = {"/integrations/helpscout"}  # Help Scout's own protocol: its dynamic app is set up in Help Scout
CONVERSATION = [
    {"role": "customer", "text": "Hello, I have a question about my account."},
    {"role": "agent", "text": "Sure, what would you like to know?"},
    {"role": "customer", "text": "Where can I download my invoices as PDF?"},
]


def spec_of(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def checker(spec: dict):
    """``check(payload, schema_name)``: validates ``payload`` against one of the document's named schemas."""
    schemas = spec["components"]["schemas"]

    def check(payload, name):
        schema = {**schemas[name], "$defs": schemas}
        text = json.dumps(schema).replace("#/components/schemas/", "#/$defs/")
        Draft202012Validator(json.loads(text)).validate(payload)

    return check


def test_openapi_document_is_valid_and_matches_the_routes(client, app):
    spec = spec_of(client)
    validate(spec)
    routes = {
        r.rule.replace("<slug>", "{slug}").replace("<int:ticket_id>", "{ticket_id}")
        for r in app.url_map.iter_rules()
        if r.rule.startswith(("/api/v1/", "/integrations/")) and "openapi" not in r.rule
    }
    assert set(spec["paths"]) == routes - NOT_DOCUMENTED


def test_api_responses_match_the_openapi_schemas(client):
    check = checker(spec_of(client))
    check(client.get("/api/v1/search?q=invoice").get_json(), "SearchResponse")
    check(client.post("/api/v1/suggest", json={"text": "download invoices"}).get_json(), "SuggestResponse")
    check(client.post("/api/v1/suggest", json={"messages": CONVERSATION}).get_json(), "SuggestResponse")
    check(client.post("/api/v1/suggest", json={"text": 42}).get_json(), "Error")
    check(client.post("/api/v1/suggest", json={"messages": [{"role": "bot", "text": "hi"}]}).get_json(), "Error")


def test_agent_and_webhook_responses_match_the_openapi_schemas(anon):
    spec = spec_of(anon)
    check = checker(spec)
    request = {"subject": "Invoice", "messages": CONVERSATION, "customer_email": "ann@example.com"}
    check(request, "AgentSuggestRequest")
    answer = anon.post("/api/v1/agent/suggest", json=request, headers=BEARER).get_json()
    assert answer["suggestions"]
    check(answer, "AgentSuggestResponse")

    webhook = spec["paths"]["/integrations/webhook"]["post"]
    body_schema = webhook["requestBody"]["content"]["application/json"]["schema"]
    answer_schema = webhook["responses"]["200"]["content"]["application/json"]["schema"]
    spec["components"]["schemas"]["WebhookRequest"] = body_schema
    spec["components"]["schemas"]["WebhookResponse"] = answer_schema
    body = {"ticket": {"id": "ZD-17", "messages": CONVERSATION}}
    check(body, "WebhookRequest")
    answer = anon.post("/integrations/webhook", json=body, headers=BEARER).get_json()
    assert answer["ticket_id"] == "ZD-17" and answer["suggestions"]
    check(answer, "WebhookResponse")


def test_messages_and_the_new_suggestion_fields_are_documented(client):
    schemas = spec_of(client)["components"]["schemas"]
    assert schemas["Message"]["properties"]["role"]["enum"] == ["customer", "agent"]
    assert schemas["Message"]["required"] == ["role", "text"]
    for request in ("SuggestRequest", "AgentSuggestRequest"):
        messages = schemas[request]["properties"]["messages"]
        assert messages["items"] == {"$ref": "#/components/schemas/Message"} and messages["maxItems"] == 100
    assert schemas["Suggestion"]["properties"]["confident"]["type"] == "boolean"
    assert "confident" in schemas["Suggestion"]["required"]
    marks = schemas["AgentSuggestion"]["allOf"][1]["properties"]["marks"]
    assert marks["items"]["enum"] == ["shown", "opened", "helped"]

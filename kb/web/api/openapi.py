"""The OpenAPI 3.1 description of kb's JSON API, served at /api/v1/openapi.json: the document and its paths.

The named schemas the paths refer to are built in :mod:`kb.web.api.schemas`.
"""

from __future__ import annotations

from kb.analytics.events import CLIENT_TYPES, SURFACES
from kb.desk.inbox import STATUSES
from kb.web.api.inputs import MAX_QUERY_CHARS, MAX_TEXT, MAX_URL
from kb.web.api.schemas import ref, schemas
from search.hybrid import MODES

ERROR = {
    "description": "The request was refused; the message says why.",
    "content": {"application/json": {"schema": ref("Error")}},
}
AGENT_ONLY: list[dict] = [{"agentToken": []}]


def document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kb API",
            "version": "1",
            "description": "Search the help center and suggest articles before a ticket opens. Every error is "
            '`{"error": {"code", "message"}}`. Public endpoints are rate-limited per client (429 with Retry-After); '
            "a server at capacity answers search and suggest with 503 and Retry-After at once.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/search": {"get": _search()},
            "/api/v1/suggest": {"get": _suggest_get(), "post": _suggest_post()},
            "/api/v1/tickets": {"post": _tickets_post()},
            "/api/v1/articles/{slug}": {"get": _article_get()},
            "/api/v1/events": {"post": _events_post()},
            "/api/v1/admin/stats": {"get": _admin_stats()},
            "/api/v1/agent/suggest": {"post": _agent_suggest()},
            "/api/v1/agent/tickets": {"get": _agent_tickets()},
            "/api/v1/agent/tickets/{ticket_id}": {"get": _agent_ticket()},
            "/integrations/webhook": {"post": _webhook()},
        },
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "agentToken": {"type": "http", "scheme": "bearer"},
                "adminToken": {"type": "http", "scheme": "bearer"},
                "webhookSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-KB-Signature",
                    "description": "`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with KB_WEBHOOK_SECRET",
                },
            },
        },
    }


def _search() -> dict:
    return {
        "summary": "Search published articles (hybrid ranking, section deep links)",
        "operationId": "search",
        "parameters": [
            _param("q", {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS}, required=True),
            _param("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}),
            _param("mode", {"type": "string", "enum": list(MODES)}),
            _param("category", {"type": "string"}),
        ],
        "responses": {"200": _json("Ranked results", "SearchResponse"), **errors(400, 429, 503)},
    }


def _suggest_get() -> dict:
    return {
        "summary": "Suggested articles for a short text and/or the page the customer is on",
        "operationId": "suggestGet",
        "parameters": [
            _param("q", {"type": "string", "maxLength": MAX_TEXT}),
            _param("url", {"type": "string", "maxLength": MAX_URL}),
            _param("limit", {"type": "integer", "minimum": 1, "maximum": 20}),
        ],
        "responses": {"200": _json("Suggestions", "SuggestResponse"), **errors(400, 413, 429, 503)},
    }


def _suggest_post() -> dict:
    return {
        "summary": "Suggested articles for what a customer wrote (any length)",
        "operationId": "suggest",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ref("SuggestRequest")}},
        },
        "responses": {
            "200": _json("Suggestions, best first; empty when none is confident enough", "SuggestResponse"),
            **errors(400, 413, 415, 429, 503),
        },
    }


def _article_get() -> dict:
    return {
        "summary": "A published article as sanitized HTML (what the beacon shows in its panel)",
        "operationId": "getArticle",
        "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("The article", "Article"), **errors(404, 429)},
    }


def _tickets_post() -> dict:
    return {
        "summary": "Submit a ticket (stored first, then delivered to the team's webhook and/or e-mail)",
        "operationId": "createTicket",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ref("TicketRequest")}},
        },
        "responses": {
            "201": _json("Stored; delivery follows", "TicketCreated"),
            **errors(400, 413, 415, 429, 503),
        },
    }


def _events_post() -> dict:
    event = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"type": "string", "enum": list(CLIENT_TYPES)},
            "surface": {"type": "string", "enum": list(SURFACES)},
            "query": {"type": "string", "maxLength": MAX_QUERY_CHARS},
            "article": {"type": "string", "maxLength": 200, "description": "Required for clicks and votes"},
            "helpful": {"type": "boolean", "description": "Required for a helpful event (a vote), refused on others"},
            "confident": {"type": "boolean", "description": "On a search event: whether any result was confident"},
            "position": {"type": "integer", "minimum": 0, "maximum": 10000},
            "results": {"type": "integer", "minimum": 0, "maximum": 10000},
            "session": {"type": "string", "maxLength": 64, "description": "One beacon or contact-form conversation"},
            "articles": {"type": "array", "maxItems": 50, "items": {"type": "string"}},
        },
    }
    return {
        "summary": "Record what a page showed and what the customer clicked (for navigator.sendBeacon)",
        "operationId": "recordEvents",
        "requestBody": {
            "required": True,
            "content": {
                media: {
                    "schema": {
                        "type": "object",
                        "required": ["events"],
                        "properties": {"events": {"type": "array", "minItems": 1, "maxItems": 20, "items": event}},
                    }
                }
                for media in ("application/json", "text/plain")
            },
        },
        "responses": {
            "202": {
                "description": "Queued (bots are not counted)",
                "content": {
                    "application/json": {"schema": {"type": "object", "properties": {"recorded": {"type": "integer"}}}}
                },
            },
            **errors(400, 413, 415, 429),
        },
    }


def _admin_stats() -> dict:
    return {
        "summary": "Self-service figures for a period: searches, content gaps, articles, click-through, deflection",
        "operationId": "adminStats",
        "security": [{"adminToken": []}],
        "parameters": [
            _param("from", {"type": "string", "format": "date"}),
            _param("to", {"type": "string", "format": "date"}),
        ],
        "responses": {
            "200": {
                "description": "The figures (the same as the /admin dashboard)",
                "content": {"application/json": {"schema": ref("Stats")}},
            },
            **errors(400, 401, 403, 429),
        },
    }


def _agent_suggest() -> dict:
    return {
        "summary": "Suggested articles for a ticket in any inbox (internal articles included, with excerpts)",
        "operationId": "agentSuggest",
        "security": AGENT_ONLY,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ref("AgentSuggestRequest")}},
        },
        "responses": {
            "200": _json("Suggestions, leaving out what the customer was already shown", "AgentSuggestResponse"),
            **errors(400, 401, 413, 415, 429),
        },
    }


def _webhook() -> dict:
    ticket = {
        "allOf": [
            ref("AgentSuggestRequest"),
            {
                "type": "object",
                "properties": {
                    "id": {"type": ["string", "integer"], "description": "The helpdesk's own id, answered back"},
                    "description": {"type": "string", "description": "Read as `body` (so are `text` and `message`)"},
                    "email": {"type": "string", "description": "Read as `customer_email`"},
                },
            },
        ],
        "description": "`body` (and `messages` texts) may be HTML: they are read as plain text.",
    }
    request = {"anyOf": [{"type": "object", "required": ["ticket"], "properties": {"ticket": ticket}}, ticket]}
    answer = {
        "allOf": [
            ref("AgentSuggestResponse"),
            {
                "type": "object",
                "required": ["ticket_id"],
                "properties": {"ticket_id": {"type": ["string", "integer", "null"]}},
            },
        ]
    }
    return {
        "summary": "Suggested articles for a ticket from any helpdesk, sent as it arrives (nothing is stored)",
        "operationId": "webhook",
        "security": [*AGENT_ONLY, {"webhookSignature": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
        "responses": {
            "200": {"description": "Suggestions for the ticket", "content": {"application/json": {"schema": answer}}},
            **errors(400, 401, 403, 413, 415, 429),
        },
    }


def _agent_tickets() -> dict:
    return {
        "summary": "Tickets received by kb, newest first",
        "operationId": "agentTickets",
        "security": AGENT_ONLY,
        "parameters": [
            _param("status", {"type": "string", "enum": list(STATUSES)}),
            _param("q", {"type": "string", "maxLength": 200}),
            _param("page", {"type": "integer", "minimum": 1, "default": 1}),
            _param("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
        ],
        "responses": {"200": _json("One page of tickets", "TicketList"), **errors(400, 401, 429)},
    }


def _agent_ticket() -> dict:
    return {
        "summary": "One ticket, what its customer was already shown, and the articles to send",
        "operationId": "agentTicket",
        "security": AGENT_ONLY,
        "parameters": [{"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json("The ticket and suggestions", "TicketDetail"), **errors(401, 404, 429)},
    }


def errors(*statuses: int) -> dict:
    """The shared error response under each of ``statuses``."""
    return {str(status): ERROR for status in statuses}


def _param(name: str, schema: dict, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _json(description: str, schema: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(schema)}},
    }

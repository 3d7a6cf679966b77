"""The OpenAPI 3.1 description of kb's JSON API, served at /api/v1/openapi.json."""

from __future__ import annotations

ERROR = {
    "description": "The request was refused; the message says why.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


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
        },
        "components": {
            "schemas": {**_schemas(), **_agent_schemas()},
            "securitySchemes": {
                "agentToken": {"type": "http", "scheme": "bearer"},
                "adminToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def _search() -> dict:
    return {
        "summary": "Search published articles (hybrid ranking, section deep links)",
        "operationId": "search",
        "parameters": [
            _param("q", {"type": "string", "minLength": 1, "maxLength": 1000}, required=True),
            _param("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}),
            _param("mode", {"type": "string", "enum": ["hybrid", "fulltext", "semantic"]}),
            _param("category", {"type": "string"}),
        ],
        "responses": {"200": _json("Ranked results", "SearchResponse"), **errors(400, 429, 503)},
    }


def _suggest_get() -> dict:
    return {
        "summary": "Suggested articles for a short text and/or the page the customer is on",
        "operationId": "suggestGet",
        "parameters": [
            _param("q", {"type": "string", "maxLength": 20000}),
            _param("url", {"type": "string", "maxLength": 2048}),
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
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SuggestRequest"}}},
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
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TicketRequest"}}},
        },
        "responses": {
            "201": _json("Stored; delivery follows", "TicketCreated"),
            **errors(400, 413, 415, 429, 503),
        },
    }


AGENT_ONLY = [{"agentToken": []}]


def _events_post() -> dict:
    event = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"type": "string", "enum": ["search", "search_click", "suggestion_shown", "suggestion_clicked"]},
            "surface": {"type": "string", "enum": ["help_center", "beacon", "contact_form", "agent", "api"]},
            "query": {"type": "string", "maxLength": 1000},
            "article": {"type": "string", "maxLength": 200, "description": "Required for clicks"},
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
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}},
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
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AgentSuggestRequest"}}},
        },
        "responses": {
            "200": _json("Suggestions, leaving out what the customer was already shown", "AgentSuggestResponse"),
            **errors(400, 401, 413, 415, 429),
        },
    }


def _agent_tickets() -> dict:
    return {
        "summary": "Tickets received by kb, newest first",
        "operationId": "agentTickets",
        "security": AGENT_ONLY,
        "parameters": [
            _param("status", {"type": "string", "enum": ["open", "answered", "closed"]}),
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


def _agent_schemas() -> dict:
    slugs = {"type": "array", "items": {"type": "string"}}
    agent_suggestion = {
        "allOf": [
            {"$ref": "#/components/schemas/Suggestion"},
            {
                "type": "object",
                "required": ["excerpt"],
                "properties": {
                    "excerpt": {"type": "string", "description": "Plain text, ready to paste into a reply"},
                    "internal": {"type": "boolean", "description": "Only for agents: do not send to customers"},
                },
            },
        ]
    }
    return {
        "AgentSuggestRequest": {
            "type": "object",
            "properties": {
                "subject": {"type": "string"},
                "body": {"type": "string", "description": "subject and body: at most 20000 characters together"},
                "customer_email": {"type": "string", "maxLength": 320},
                "url": {"type": "string", "maxLength": 2048},
                "shown": {**slugs, "maxItems": 50, "description": "Slugs the customer has already seen"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            },
        },
        "AgentSuggestion": agent_suggestion,
        "Stats": _stats_schema(),
        "AgentSuggestResponse": {
            "type": "object",
            "required": ["suggestions", "already_shown"],
            "properties": {
                "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/AgentSuggestion"}},
                "already_shown": {**slugs, "description": "Left out: shown to this customer before"},
            },
        },
        "Ticket": {
            "type": "object",
            "required": ["id", "created_at", "name", "email", "subject", "message", "source", "shown", "status"],
            "properties": {
                "id": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": ["string", "null"], "format": "date-time"},
                "name": {"type": "string"},
                "email": {"type": "string"},
                "subject": {"type": "string"},
                "message": {"type": "string"},
                "url": {"type": ["string", "null"]},
                "source": {"type": "string", "enum": ["contact_form", "beacon", "api"]},
                "shown": slugs,
                "status": {"type": "string", "enum": ["open", "answered", "closed"]},
                "resolved_article": {"type": ["string", "null"]},
                "resolved_by": {"type": ["string", "null"]},
            },
        },
        "TicketList": {
            "type": "object",
            "required": ["tickets", "total", "page", "pages", "counts"],
            "properties": {
                "tickets": {"type": "array", "items": {"$ref": "#/components/schemas/Ticket"}},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
        "TicketDetail": {
            "type": "object",
            "required": ["ticket", "already_shown", "suggestions"],
            "properties": {
                "ticket": {"$ref": "#/components/schemas/Ticket"},
                "already_shown": slugs,
                "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/AgentSuggestion"}},
            },
        },
    }


def _stats_schema() -> dict:
    rate = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    count = {"type": "integer", "minimum": 0}
    query_count = {
        "type": "object",
        "required": ["query", "count"],
        "properties": {"query": {"type": "string"}, "count": count},
    }
    return {
        "type": "object",
        "required": [
            "from",
            "to",
            "searches",
            "no_result_searches",
            "article_views",
            "articles",
            "suggestion_ctr",
            "deflection_rate",
            "deflection",
            "content_gaps",
            "top_searches",
            "ctr_by_position",
        ],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "searches": count,
            "searches_per_day": {"type": "array", "items": {"type": "object"}},
            "unique_visitors": count,
            "top_searches": {"type": "array", "items": {"type": "object"}},
            "no_result_searches": {"type": "array", "items": query_count},
            "content_gaps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["label", "count", "queries"],
                    "properties": {
                        "label": {"type": "string"},
                        "count": count,
                        "queries": {"type": "array", "items": query_count},
                    },
                },
            },
            "article_views": count,
            "articles": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "views", "helpful", "not_helpful", "flagged"],
                    "properties": {
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                        "views": count,
                        "helpful": count,
                        "not_helpful": count,
                        "helpful_rate": rate,
                        "reasons": {"type": "object", "additionalProperties": count},
                        "comments": {"type": "array", "items": {"type": "string"}},
                        "flagged": {"type": "boolean"},
                    },
                },
            },
            "ctr_by_position": {"type": "array", "items": {"type": "object"}},
            "suggestion_ctr": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["shown", "clicked", "rate"],
                    "properties": {"shown": count, "clicked": count, "rate": rate},
                },
            },
            "deflection_rate": rate,
            "deflection": {"type": "object"},
        },
    }


def _schemas() -> dict:
    nullable_string = {"type": ["string", "null"]}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }
            },
        },
        "SearchResult": {
            "type": "object",
            "required": ["slug", "title", "url", "section", "snippet", "score", "category"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string", "description": "Includes #anchor when a section matched"},
                "section": nullable_string,
                "snippet": {"type": "string", "description": "Escaped HTML with <mark> around query words"},
                "score": {"type": "number"},
                "category": {"type": "string"},
            },
        },
        "SearchResponse": {
            "type": "object",
            "required": ["query", "mode", "total", "did_you_mean", "results"],
            "properties": {
                "query": {"type": "string"},
                "mode": {"type": "string", "enum": ["hybrid", "fulltext", "semantic"]},
                "total": {"type": "integer"},
                "did_you_mean": nullable_string,
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
            },
        },
        "SuggestRequest": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "maxLength": 20000},
                "url": {"type": "string", "maxLength": 2048},
                "locale": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            },
        },
        "Suggestion": {
            "type": "object",
            "required": ["slug", "title", "url", "snippet", "score", "reasons"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string"},
                "section": nullable_string,
                "snippet": {"type": "string"},
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "reasons": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["semantic", "keywords", "page rule", "feedback"]},
                },
                "category": {"type": "string"},
            },
        },
        "TicketRequest": {
            "type": "object",
            "required": ["name", "email", "message"],
            "properties": {
                "name": {"type": "string", "maxLength": 200},
                "email": {"type": "string", "format": "email", "maxLength": 320},
                "subject": {"type": "string", "maxLength": 300},
                "message": {"type": "string", "maxLength": 20000},
                "url": {"type": "string", "maxLength": 2048},
                "shown": {
                    "type": "array",
                    "maxItems": 50,
                    "items": {"type": "string"},
                    "description": "Slugs of the articles suggested before the customer wrote",
                },
                "source": {"type": "string", "enum": ["beacon", "api"]},
            },
        },
        "Article": {
            "type": "object",
            "required": ["slug", "title", "url", "html"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "summary": {"type": "string"},
                "url": {"type": "string"},
                "category": {"type": "string"},
                "updated": {"type": ["string", "null"]},
                "html": {"type": "string", "description": "Sanitized with kb's allowlist"},
            },
        },
        "TicketCreated": {
            "type": "object",
            "required": ["id", "status"],
            "properties": {"id": {"type": "integer"}, "status": {"type": "string"}},
        },
        "SuggestResponse": {
            "type": "object",
            "required": ["suggestions"],
            "properties": {"suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/Suggestion"}}},
        },
    }


def errors(*statuses: int) -> dict:
    """The shared error response under each of ``statuses``."""
    return {str(status): ERROR for status in statuses}


def _param(name: str, schema: dict, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _json(description: str, schema: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }

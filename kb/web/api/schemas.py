"""The component schemas of kb's OpenAPI document (``#/components/schemas/...``), one builder per area."""

from __future__ import annotations

from kb.desk.inbox import MARKS, STATUSES
from kb.web.api.inputs import MAX_MESSAGES, MAX_TEXT, MAX_URL, ROLES
from search.hybrid import MODES

NULLABLE_STRING = {"type": ["string", "null"]}
SLUGS = {"type": "array", "items": {"type": "string"}}


def schemas() -> dict:
    """Every named schema the paths refer to."""
    return {
        **_error_schemas(),
        **_search_schemas(),
        **_suggest_schemas(),
        **_ticket_schemas(),
        **_agent_schemas(),
        "Stats": _stats_schema(),
    }


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_schemas() -> dict:
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
    }


DEGRADED = {
    "type": "boolean",
    "description": "Full-text only for now although semantic search is on: its index is being built, or the model "
    "cannot be loaded (see /healthz)",
}


def _search_schemas() -> dict:
    return {
        "SearchResult": {
            "type": "object",
            "required": ["slug", "title", "url", "section", "snippet", "score", "confident", "category"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string", "description": "Includes #anchor when a section matched"},
                "section": NULLABLE_STRING,
                "snippet": {"type": "string", "description": "Escaped HTML with <mark> around query words"},
                "score": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "How well the article matches the query; results are sorted by it",
                },
                "confident": {
                    "type": "boolean",
                    "description": "The score reaches KB_SUGGEST_MIN_SCORE: this result likely answers the query",
                },
                "category": {"type": "string"},
            },
        },
        "Answer": {
            "type": "object",
            "description": "An instant answer: the one to three sentences of the best result that answer the "
            "query, quoted from the article (never written by kb). Shown only when the best result is confident and "
            "the sentences are close enough to the query (KB_ANSWER_MIN_SCORE); needs semantic search.",
            "required": ["text", "slug", "url", "title", "section"],
            "properties": {
                "text": {"type": "string", "description": "Plain text (not HTML), the article's own words"},
                "slug": {"type": "string"},
                "url": {
                    "type": "string",
                    "description": "The article at the section, with ?highlight= carrying the sentences: the page "
                    "scrolls to them and highlights them",
                },
                "title": {"type": "string", "description": "The article's title"},
                "section": {**NULLABLE_STRING, "description": "The section's heading; null for the article's intro"},
            },
        },
        "SearchResponse": {
            "type": "object",
            "required": ["query", "mode", "degraded", "total", "did_you_mean", "confident", "answer", "results"],
            "properties": {
                "query": {"type": "string"},
                "confident": {"type": "boolean", "description": "Whether any result is confident"},
                "answer": {"oneOf": [ref("Answer"), {"type": "null"}]},
                "mode": {"type": "string", "enum": list(MODES), "description": "The ranking used"},
                "degraded": DEGRADED,
                "total": {"type": "integer"},
                "did_you_mean": NULLABLE_STRING,
                "results": {"type": "array", "items": ref("SearchResult")},
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
                "updated": NULLABLE_STRING,
                "html": {"type": "string", "description": "Sanitized with kb's allowlist"},
            },
        },
    }


def messages_schema() -> dict:
    """``messages``: a conversation, as the suggest requests and the webhook take it."""
    return {
        "type": "array",
        "maxItems": MAX_MESSAGES,
        "items": ref("Message"),
        "description": "The conversation, oldest first. The customer's latest turn is the question; earlier "
        f"turns (the agent's too) are its context. At most {MAX_TEXT} characters of text in all.",
    }


def _suggest_schemas() -> dict:
    return {
        "Message": {
            "type": "object",
            "required": ["role", "text"],
            "properties": {"role": {"type": "string", "enum": list(ROLES)}, "text": {"type": "string"}},
        },
        "SuggestRequest": {
            "type": "object",
            "description": "Give `text` or `messages` (not both), and/or `url`.",
            "properties": {
                "text": {"type": "string", "maxLength": MAX_TEXT, "description": "What the customer wrote"},
                "messages": messages_schema(),
                "url": {"type": "string", "maxLength": MAX_URL},
                "locale": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            },
        },
        "Suggestion": {
            "type": "object",
            "required": ["slug", "title", "url", "snippet", "score", "confident", "reasons"],
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string"},
                "section": NULLABLE_STRING,
                "snippet": {"type": "string"},
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "confident": {
                    "type": "boolean",
                    "description": "The engine is confident this answers the text (customers are shown only these)",
                },
                "reasons": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["semantic", "keywords", "page rule", "feedback"]},
                },
                "category": {"type": "string"},
            },
        },
        "SuggestResponse": {
            "type": "object",
            "required": ["suggestions", "answer", "mode", "degraded"],
            "properties": {
                "suggestions": {"type": "array", "items": ref("Suggestion")},
                "answer": {"oneOf": [ref("Answer"), {"type": "null"}]},
                "mode": {"type": "string", "enum": ["hybrid", "fulltext"], "description": "The ranking used"},
                "degraded": DEGRADED,
            },
        },
    }


def _ticket_schemas() -> dict:
    return {
        "TicketRequest": {
            "type": "object",
            "required": ["name", "email", "message"],
            "properties": {
                "name": {"type": "string", "maxLength": 200},
                "email": {"type": "string", "format": "email", "maxLength": 320},
                "subject": {"type": "string", "maxLength": 300},
                "message": {"type": "string", "maxLength": MAX_TEXT},
                "url": {"type": "string", "maxLength": MAX_URL},
                "shown": {
                    **SLUGS,
                    "maxItems": 50,
                    "description": "Slugs of the articles suggested before the customer wrote",
                },
                "source": {"type": "string", "enum": ["beacon", "api"]},
            },
        },
        "TicketCreated": {
            "type": "object",
            "required": ["id", "status"],
            "properties": {"id": {"type": "integer"}, "status": {"type": "string"}},
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
                "url": NULLABLE_STRING,
                "source": {"type": "string", "enum": ["contact_form", "beacon", "api"]},
                "shown": SLUGS,
                "status": {"type": "string", "enum": list(STATUSES)},
                "resolved_article": NULLABLE_STRING,
                "resolved_by": NULLABLE_STRING,
            },
        },
    }


def _agent_schemas() -> dict:
    agent_suggestions = {"type": "array", "items": ref("AgentSuggestion")}
    return {
        "AgentSuggestRequest": {
            "type": "object",
            "description": f"Give `subject`, `body` and/or `messages` (at most {MAX_TEXT} characters together).",
            "properties": {
                "subject": {"type": "string"},
                "body": {"type": "string"},
                "messages": messages_schema(),
                "customer_email": {"type": "string", "maxLength": 320},
                "url": {"type": "string", "maxLength": MAX_URL},
                "shown": {**SLUGS, "maxItems": 50, "description": "Slugs the customer has already seen"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20},
            },
        },
        "AgentSuggestion": {
            "allOf": [
                ref("Suggestion"),
                {
                    "type": "object",
                    "required": ["excerpt"],
                    "properties": {
                        "excerpt": {
                            "type": "string",
                            "description": "Plain text, ready to paste into a reply: the article's sentences that "
                            "answer the ticket (an instant answer's), else those of the section holding its words",
                        },
                        "internal": {"type": "boolean", "description": "Only for agents: do not send to customers"},
                        "marks": {
                            "type": "array",
                            "items": {"type": "string", "enum": list(MARKS)},
                            "description": "What this customer did with it before: shown it, opened it, found it "
                            "helpful",
                        },
                    },
                },
            ]
        },
        "AgentSuggestResponse": {
            "type": "object",
            "required": ["suggestions", "already_shown"],
            "properties": {
                "suggestions": agent_suggestions,
                "already_shown": {**SLUGS, "description": "Left out: shown to this customer before"},
            },
        },
        "TicketList": {
            "type": "object",
            "required": ["tickets", "total", "page", "pages", "counts"],
            "properties": {
                "tickets": {"type": "array", "items": ref("Ticket")},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
        "TicketDetail": {
            "type": "object",
            "required": ["ticket", "already_shown", "suggestions"],
            "properties": {"ticket": ref("Ticket"), "already_shown": SLUGS, "suggestions": agent_suggestions},
        },
    }


RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
COUNT = {"type": "integer", "minimum": 0}
QUERY_COUNT = {
    "type": "object",
    "required": ["query", "count"],
    "properties": {"query": {"type": "string"}, "count": COUNT},
}
OBJECTS = {"type": "array", "items": {"type": "object"}}


def _stats_schema() -> dict:
    """``Stats``: the /admin dashboard's figures for a period."""
    required = ["from", "to", "searches", "no_result_searches", "article_views", "articles", "suggestion_ctr"]
    required += ["deflection_rate", "deflection", "content_gaps", "top_searches", "ctr_by_position"]
    return {
        "type": "object",
        "required": required,
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "searches": COUNT,
            "searches_per_day": OBJECTS,
            "unique_visitors": COUNT,
            "top_searches": OBJECTS,
            "no_result_searches": {"type": "array", "items": QUERY_COUNT},
            "unconfident_searches": {
                "type": "array",
                "items": QUERY_COUNT,
                "description": "Searches that found results, none of them confident",
            },
            "content_gaps": {"type": "array", "items": _content_gap()},
            "article_views": COUNT,
            "articles": {"type": "array", "items": _article_figures()},
            "ctr_by_position": OBJECTS,
            "suggestion_ctr": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["shown", "clicked", "rate"],
                    "properties": {"shown": COUNT, "clicked": COUNT, "rate": RATE},
                },
            },
            "deflection_rate": RATE,
            "deflection": {"type": "object"},
        },
    }


def _content_gap() -> dict:
    return {
        "type": "object",
        "required": ["label", "count", "queries"],
        "properties": {
            "label": {"type": "string"},
            "count": COUNT,
            "no_results": COUNT,
            "no_confident_result": COUNT,
            "queries": {"type": "array", "items": QUERY_COUNT},
        },
    }


def _article_figures() -> dict:
    return {
        "type": "object",
        "required": ["slug", "views", "helpful", "not_helpful", "flagged"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "views": COUNT,
            "helpful": COUNT,
            "not_helpful": COUNT,
            "helpful_rate": RATE,
            "reasons": {"type": "object", "additionalProperties": COUNT},
            "comments": {"type": "array", "items": {"type": "string"}},
            "flagged": {"type": "boolean"},
        },
    }

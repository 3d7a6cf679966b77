"""The JSON API under /api/v1: every input checked and bounded here, at the edge."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from kb.analytics import events
from kb.errors import APIError
from kb.query.search import run_search
from kb.query.suggest import run_suggest

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 50
MODES = ("hybrid", "fulltext", "semantic")
MAX_TEXT = 20_000
MAX_URL = 2048
MAX_SUGGEST_LIMIT = 20


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise APIError(
            f"`{name}` must be a whole number from {low} to {high}, got {raw!r}", code="invalid_parameter"
        ) from None
    if not low <= value <= high:
        raise APIError(f"`{name}` must be from {low} to {high}, got {value}", code="invalid_parameter")
    return value


def query_arg(name: str = "q") -> str:
    text = request.args.get(name, "").strip()
    if not text:
        raise APIError(f"`{name}` is required: the words to search for", code="missing_parameter")
    if len(text) > MAX_QUERY_CHARS:
        raise APIError(
            f"`{name}` is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})", code="query_too_long"
        )
    return text


@bp.get("/search")
def search():
    query = query_arg()
    limit = int_arg("limit", 10, 1, MAX_LIMIT)
    mode = request.args.get("mode") or None
    if mode is not None and mode not in MODES:
        raise APIError(f"`mode` must be one of {', '.join(MODES)}, got {mode!r}", code="invalid_parameter")
    category = request.args.get("category") or None
    result = run_search(query, mode=mode, limit=limit, category=category)
    if request.args.get("record") != "0":  # search-as-you-type asks for each keystroke, and reports the final one
        events.record("search", surface="api", query=query, results=result.total, mode=result.mode)
    return jsonify(result.to_dict())


@bp.post("/events")
def client_events():
    """What a page saw and did (suggestions shown and clicked, result clicks), sent by navigator.sendBeacon."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise APIError(
            f"the request body is larger than {limit // 1024} kB", status=413, code="request_entity_too_large"
        )
    if request.mimetype not in ("application/json", "text/plain"):  # sendBeacon sends text/plain: no preflight
        raise APIError("send JSON as application/json or text/plain", status=415, code="unsupported_media_type")
    try:
        payload = json.loads(request.get_data(cache=False) or b"null")
    except ValueError:
        raise APIError("the request body is not valid JSON", code="invalid_json") from None
    try:
        recorded = events.record_client_events(payload)
    except events.EventInvalid as e:
        raise APIError(str(e), code="invalid_event") from None
    return jsonify({"recorded": recorded}), 202


@bp.get("/openapi.json")
def openapi():
    from kb.web.api.openapi import document
    from kb.web.site_files import base_url

    return jsonify(document(base_url()))


@bp.post("/suggest")
def suggest_post():
    body = json_body()
    text = field(body, "text", str, default="")
    url = field(body, "url", str, default=None)
    field(body, "locale", str, default=None)  # checked, but the help center has one language for now
    limit = field(body, "limit", int, default=None)
    return suggestions(text, url, limit)


@bp.get("/suggest")
def suggest_get():
    limit = int_arg("limit", 0, 1, MAX_SUGGEST_LIMIT) or None
    return suggestions(request.args.get("q", ""), request.args.get("url") or None, limit)


def suggestions(text: str, url: str | None, limit: int | None):
    if len(text) > MAX_TEXT:
        raise APIError(
            f"`text` is too long ({len(text)} characters; at most {MAX_TEXT})", status=413, code="text_too_long"
        )
    if url is not None and len(url) > MAX_URL:
        raise APIError(f"`url` is too long (at most {MAX_URL} characters)", code="invalid_field")
    if limit is not None and not 1 <= limit <= MAX_SUGGEST_LIMIT:
        raise APIError(f"`limit` must be from 1 to {MAX_SUGGEST_LIMIT}, got {limit}", code="invalid_field")
    if not text.strip() and not url:
        raise APIError("give `text` (what the customer wrote) or `url` (the page they are on)", code="missing_field")
    found = run_suggest(text, url=url, limit=limit)
    return jsonify({"suggestions": [s.to_dict() for s in found]})


@bp.get("/articles/<slug>")
def article(slug: str):
    """A published article's sanitized HTML, for the beacon to show inside its panel."""
    from kb.index.serving import get_build

    page = get_build().site.public_page(slug)
    if page is None:
        raise APIError(f"no published article {slug!r}", status=404, code="not_found")
    return jsonify(
        {
            "slug": page.slug,
            "title": page.title,
            "summary": page.summary,
            "url": page.url,
            "category": page.category,
            "updated": page.updated,
            "html": page.html,
        }
    )


@bp.post("/tickets")
def create_ticket():
    from kb.desk import tickets

    body = json_body()
    try:
        ticket = tickets.check(body)
    except tickets.TicketInvalid as e:
        error = APIError(f"the ticket was not stored: {e}", code="invalid_ticket")
        return jsonify({"error": {**error.to_dict()["error"], "fields": e.problems}}), 400
    source = body.get("source") if body.get("source") in ("beacon", "api") else "api"
    session = field(body, "session", str, default=None)
    try:
        ticket_id = tickets.create(ticket, source, current_app.config)
    except SQLAlchemyError:
        current_app.logger.exception("could not store a ticket")
        raise APIError(
            "the ticket could not be stored right now; please try again",
            status=503,
            code="unavailable",
            headers={"Retry-After": "10"},
        ) from None
    events.record("ticket_submitted", surface=source, session=session, ticket_id=ticket_id, shown=list(ticket.shown))
    return jsonify({"id": ticket_id, "status": "open"}), 201


def json_body() -> dict:
    if not request.is_json:
        raise APIError(
            "send a JSON object with Content-Type: application/json", status=415, code="unsupported_media_type"
        )
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise APIError(
            f"the request body is larger than {limit // 1024} kB", status=413, code="request_entity_too_large"
        )
    body = request.get_json(silent=True)
    if body is None:
        raise APIError("the request body is not valid JSON", code="invalid_json")
    if not isinstance(body, dict):
        raise APIError(f"the JSON body must be an object, got {type(body).__name__}", code="invalid_json")
    return body


def field(body: dict, name: str, kind: type, *, default=None):
    """``body[name]`` checked to be of ``kind`` (``null`` counts as absent)."""
    value = body.get(name)
    if value is None:
        return default
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        expected = {str: "a string", int: "a whole number", list: "a list", bool: "true or false"}[kind]
        raise APIError(f"`{name}` must be {expected}, got {json_type(value)}", code="invalid_field")
    return value


def json_type(value) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)

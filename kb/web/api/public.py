"""The JSON API under /api/v1: every input checked and bounded here, at the edge."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext
from sqlalchemy.exc import SQLAlchemyError

from kb.analytics import events
from kb.errors import APIError, EventInvalid, TicketInvalid
from kb.query.search import run_search
from kb.query.suggest import ranking_mode, run_suggest
from kb.web.api.inputs import (
    MAX_SUGGEST_LIMIT,
    beacon_body,
    check_limit,
    check_text,
    check_url,
    field,
    has_text,
    int_arg,
    json_body,
    query_arg,
    read_messages,
)
from kb.web.i18n import ticket_problem
from kb.web.locales import request_locale, use_locale
from search import hybrid
from suggest.reading import Message

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 50


@bp.get("/search")
def search():
    query = query_arg()
    limit = int_arg("limit", 10, 1, MAX_LIMIT)
    mode = request.args.get("mode") or None
    if mode is not None and mode not in hybrid.MODES:
        message = gettext("`mode` must be one of %(modes)s, got %(got)s", modes=", ".join(hybrid.MODES), got=repr(mode))
        raise APIError(message, code="invalid_parameter")
    category = request.args.get("category") or None
    locale = use_locale(request.args.get("locale"), query)
    result = run_search(query, mode=mode, limit=limit, category=category)
    if request.args.get("record") != "0":  # search-as-you-type asks for each keystroke, and reports the final one
        events.record(
            "search", surface="api", query=query, results=result.total, mode=result.mode, confident=result.confident
        )
    return jsonify({**result.to_dict(), "locale": locale.tag})


@bp.post("/events")
def client_events():
    """What a page saw and did (suggestions shown and clicked, result clicks), sent by navigator.sendBeacon."""
    try:
        recorded = events.record_client_events(beacon_body())
    except EventInvalid as e:
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
    messages = read_messages(body)
    if messages is not None and text.strip():
        raise APIError(gettext("give `text` or `messages`, not both"), code="conflicting_fields")
    url = field(body, "url", str, default=None)
    locale = field(body, "locale", str, default=None)
    limit = field(body, "limit", int, default=None)
    use_locale(locale, text or " ".join(m.text for m in messages or [] if m.role == "customer"))
    return suggestions(text, url, limit, messages)


@bp.get("/suggest")
def suggest_get():
    limit = int_arg("limit", 0, 1, MAX_SUGGEST_LIMIT) or None
    use_locale(request.args.get("locale"), request.args.get("q", ""))
    return suggestions(request.args.get("q", ""), request.args.get("url") or None, limit)


def suggestions(text: str, url: str | None, limit: int | None, messages: list[Message] | None = None):
    check_text(text)
    url = check_url(url)
    check_limit(limit)
    if not (text.strip() or has_text(messages) or url):
        raise APIError(
            gettext(
                "give `text` (what the customer wrote), `messages` (the conversation) or `url` (the page they are on)"
            ),
            code="missing_field",
        )
    found = run_suggest(text, messages=messages, url=url, limit=limit)
    mode, degraded = ranking_mode()
    payload = {
        "suggestions": [s.to_dict() for s in found.items],
        "answer": found.answer.to_dict() if found.answer else None,
        "mode": mode,
        "degraded": degraded,
    }
    return jsonify({**payload, "locale": request_locale().tag})


@bp.get("/articles/<slug>")
def article(slug: str):
    """A published article's sanitized HTML, for the beacon to show inside its panel."""
    from kb.index.serving import get_build

    use_locale(request.args.get("locale") or None)
    page = get_build().site.public_page(slug)
    if page is None:
        raise APIError(gettext("no published article %(slug)s", slug=repr(slug)), status=404, code="not_found")
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
    written = " ".join(str(body.get(name) or "") for name in ("subject", "message"))
    locale = use_locale(body.get("locale"), written)  # first: its problems are told in its language
    try:
        ticket = tickets.check(body)
    except TicketInvalid as e:
        fields = {name: ticket_problem(problem) for name, problem in e.problems.items()}
        listed = "; ".join(f"`{name}` {problem}" for name, problem in fields.items())
        message = gettext("the ticket was not stored: %(problems)s", problems=listed)
        raise APIError(message, code="invalid_ticket", details={"fields": fields}) from None
    source = "beacon" if body.get("source") == "beacon" else "api"
    session = field(body, "session", str, default=None)
    ticket.locale = locale.tag
    try:
        ticket_id = tickets.create(ticket, source, current_app.config)
    except SQLAlchemyError:
        current_app.logger.exception("could not store a ticket")
        raise APIError(
            gettext("the ticket could not be stored right now; please try again"),
            status=503,
            code="unavailable",
            headers={"Retry-After": "10"},
        ) from None
    events.record("ticket_submitted", surface=source, session=session, ticket_id=ticket_id, shown=list(ticket.shown))
    return jsonify({"id": ticket_id, "status": "open"}), 201

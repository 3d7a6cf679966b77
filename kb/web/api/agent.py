"""The agent API under /api/v1/agent: suggestions for any inbox, and kb's tickets. Bearer tokens only."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext

from kb import auth
from kb.desk import inbox, tickets
from kb.errors import APIError
from kb.web.api.inputs import (
    check_length,
    check_limit,
    check_url,
    field,
    has_text,
    int_arg,
    json_body,
    read_messages,
    with_opening,
)
from kb.web.locales import request_locale, use_locale

bp = Blueprint("agent_api", __name__, url_prefix="/api/v1/agent")


@bp.before_request
def require_agent_token():
    if request.method != "OPTIONS":
        auth.require_token("agent")


@bp.post("/suggest")
def suggest():
    body = json_body()
    ticket = read_ticket(body)
    found, already = inbox.suggest_for_customer(**ticket)
    payload = {"suggestions": [s.to_dict() for s in found], "already_shown": already}
    return jsonify({**payload, "locale": request_locale().tag})


def read_ticket(body: dict) -> dict:
    """The fields of a ticket from another inbox, checked: subject, body and/or messages (the conversation),
    customer_email, url, shown, limit. With messages, the subject and body are the conversation's opening turn."""
    subject = field(body, "subject", str, default="")
    text = field(body, "body", str, default="")
    messages = read_messages(body)
    email = field(body, "customer_email", str, default=None)
    url = field(body, "url", str, default=None)
    shown = field(body, "shown", list, default=[])
    limit = field(body, "limit", int, default=None)
    written = sum(len(m.text) for m in messages or ())
    check_length(len(subject) + len(text) + written, gettext("`subject`, `body` and `messages` together are"))
    url = check_url(url)
    if email is not None and len(email) > 320:
        raise APIError(gettext("`customer_email` is too long (at most 320 characters)"), code="invalid_field")
    if len(shown) > 50 or not all(isinstance(s, str) and len(s) <= 200 for s in shown):
        raise APIError(gettext("`shown` must be a list of at most 50 article slugs"), code="invalid_field")
    check_limit(limit)
    if not (subject.strip() or text.strip() or has_text(messages) or url):
        raise APIError(
            gettext("give the ticket's `subject`, `body` or `messages` (or the `url` it came from)"),
            code="missing_field",
        )
    written_text = " ".join([subject, text, *(m.text for m in messages or () if m.role == "customer")])
    use_locale(field(body, "locale", str, default=None), written_text)  # given, else the language it is written in
    ticket = {"email": email, "url": url, "shown": shown, "limit": limit}
    if messages:
        return {**ticket, "subject": "", "body": "", "messages": with_opening(subject, text, messages)}
    return {**ticket, "subject": subject, "body": text, "messages": None}


@bp.get("/tickets")
def ticket_list():
    status = request.args.get("status") or None
    if status is not None and status not in inbox.STATUSES:
        message = gettext(
            "`status` must be one of %(statuses)s, got %(got)s", statuses=", ".join(inbox.STATUSES), got=repr(status)
        )
        raise APIError(message, code="invalid_parameter")
    query = request.args.get("q", "")
    if len(query) > 200:
        raise APIError(gettext("`q` is too long (at most 200 characters)"), code="query_too_long")
    page = int_arg("page", 1, 1, 100_000)
    per_page = int_arg("per_page", inbox.PER_PAGE, 1, 100)
    listing = inbox.list_tickets(status=status, query=query, page=page, per_page=per_page)
    return jsonify(
        {
            "tickets": [inbox.ticket_to_dict(t) for t in listing.tickets],
            "total": listing.total,
            "page": listing.page,
            "pages": listing.pages,
            "counts": listing.counts,
        }
    )


@bp.get("/tickets/<int:ticket_id>")
def ticket_detail(ticket_id: int):
    found = tickets.get(ticket_id)
    if found is None:
        raise APIError(gettext("there is no ticket %(id)s", id=ticket_id), status=404, code="not_found")
    suggestions, already = inbox.suggest_for_customer(
        found["subject"], found["message"], email=found["email"], url=found["url"], shown=found["shown"] or []
    )
    return jsonify(
        {
            "ticket": inbox.ticket_to_dict(found),
            "already_shown": already,
            "suggestions": [s.to_dict() for s in suggestions],
        }
    )

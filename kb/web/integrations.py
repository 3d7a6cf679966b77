"""Suggested articles inside other inboxes: a Help Scout dynamic app, and a signed webhook for any helpdesk.

Both are called server to server, so they are authenticated by a shared secret (an HMAC of the raw body)
or an agent token rather than by a session, and are exempt from CSRF.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import bleach
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext

from kb import auth
from kb.desk import inbox
from kb.errors import APIError
from kb.web.api.inputs import MAX_MESSAGES, MAX_TEXT, json_body, with_opening
from kb.web.locales import request_locale, use_locale
from kb.web.site_files import base_url
from suggest.reading import AGENT, CUSTOMER, Message

bp = Blueprint("integrations", __name__, url_prefix="/integrations")
HELPSCOUT_LIMIT = 5


def helpscout_signature(body: bytes, secret: str) -> str:
    """What Help Scout sends in X-HelpScout-Signature: base64 of HMAC-SHA1 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()).decode("ascii")


def webhook_signature(body: bytes, secret: str) -> str:
    """What a sender puts in X-KB-Signature: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _check_signature(header: str, expected_for, secret_name: str) -> None:
    secret = current_app.config.get(secret_name) or ""
    if not secret:
        message = gettext("this integration is off: set %(setting)s to turn it on", setting=f"KB_{secret_name}")
        raise APIError(message, status=403, code="disabled")
    given = request.headers.get(header)
    if not given:
        raise APIError(gettext("the %(header)s header is missing", header=header), status=401, code="unauthorized")
    if not hmac.compare_digest(given.strip().encode(), expected_for(request.get_data(), secret).encode()):
        message = gettext("the %(header)s header does not match the body", header=header)
        raise APIError(message, status=403, code="bad_signature")


@bp.post("/helpscout")
def helpscout():
    """Help Scout's dynamic app: the conversation in, ``{"html": ...}`` with suggested articles out."""
    _check_signature("X-HelpScout-Signature", helpscout_signature, "HELPSCOUT_SECRET")
    body = json_body()
    ticket, customer = _object(body.get("ticket")), _object(body.get("customer"))
    conversation = helpscout_conversation(ticket)
    if not any(conversation.values()):
        html = render_template("integrations/helpscout.html", suggestions=[], shown=[], waiting=True)
        return jsonify({"html": html})
    written = [conversation.get("subject") or "", conversation.get("body") or ""]
    written += [m.text for m in conversation.get("messages") or () if m.role == "customer"]
    use_locale(None, " ".join(written))  # Help Scout does not say which language the customer wrote in
    suggestions, shown = inbox.suggest_for_customer(
        **conversation, email=_customer_email(customer), limit=HELPSCOUT_LIMIT
    )
    site_pages = _pages()
    listed = {s.slug for s in suggestions}
    html = render_template(
        "integrations/helpscout.html",
        suggestions=suggestions,
        shown=[site_pages[s] for s in shown if s in site_pages and s not in listed],  # the rest carry a mark
        marks=inbox.MARKS,
        base=base_url(),
        waiting=False,
    )
    return jsonify({"html": html})


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _pages():
    from kb.index.serving import get_build

    return get_build().site.pages


def _text(value, limit: int = 10_000) -> str:
    """Plain text from a Help Scout field, which may hold HTML (thread bodies do)."""
    if not isinstance(value, str):
        return ""
    return " ".join(bleach.clean(value[: limit * 2], tags=[], strip=True).split())[:limit]


def helpscout_conversation(ticket: dict) -> dict:
    """A Help Scout conversation as :func:`kb.desk.inbox.suggest_for_customer` reads it: its threads as
    ``messages``, or (before any thread can be read) its subject and preview."""
    subject = _text(ticket.get("subject"))
    messages = helpscout_messages(ticket, room=MAX_TEXT - len(subject) - 1)
    if messages:  # the subject is the subject line of the customer's first e-mail: it opens the conversation
        return {"subject": "", "body": "", "messages": with_opening(subject, "", messages)}
    return {"subject": subject, "body": _text(ticket.get("preview")), "messages": None}


def helpscout_messages(ticket: dict, room: int = MAX_TEXT) -> list[Message]:
    """A Help Scout conversation's threads as messages, oldest first: the customer's threads (and chat turns)
    as the customer's, replies as the agent's; notes, drafts and events (line items, forwards) left out.

    Help Scout lists threads newest first. The newest are kept when the conversation is longer than the API
    takes (``MAX_MESSAGES`` turns, ``room`` characters)."""
    threads = ticket.get("threads")
    if not isinstance(threads, list):
        threads = []
    newest_first: list[Message] = []
    for thread in threads[: MAX_MESSAGES * 2]:
        role = _thread_role(thread)
        text = _text(thread.get("body") or thread.get("text")) if role else ""
        if len(text) > room or len(newest_first) == MAX_MESSAGES:
            break
        if role is None or not text:
            continue
        newest_first.append(Message(role, text))
        room -= len(text)
    return newest_first[::-1]


# Help Scout's thread types: "customer" (an e-mail from the customer), "message" (an agent's reply), "chat" (a
# turn of either side: its createdBy says whose). The rest ("note", "lineitem" for events, "phone" for an
# agent's log of a call, "forwardparent", "forwardchild") are not turns of the conversation.
_THREAD_ROLES = {"customer": CUSTOMER, "message": AGENT}


def _thread_role(thread) -> str | None:
    """Whose turn a thread is (None: not a turn, or not published: a draft, or a reply under review)."""
    if not isinstance(thread, dict) or thread.get("state") not in (None, "published"):
        return None
    kind = thread.get("type")
    if kind == "chat":
        author = thread.get("createdBy")
        return AGENT if isinstance(author, dict) and author.get("type") == "user" else CUSTOMER
    return _THREAD_ROLES.get(kind) if isinstance(kind, str) else None


def _customer_email(customer: dict) -> str | None:
    email = customer.get("email")
    if isinstance(email, str) and email:
        return email[:320]
    emails = customer.get("emails")
    if isinstance(emails, list) and emails:
        first = emails[0]
        value = first.get("value") if isinstance(first, dict) else first
        return value[:320] if isinstance(value, str) else None
    return None


@bp.post("/webhook")
def webhook():
    """A ticket from any helpdesk (agent token or X-KB-Signature); answers with suggested articles."""
    if auth.bearer_token() is not None:
        auth.require_token("agent")
    else:
        _check_signature("X-KB-Signature", webhook_signature, "WEBHOOK_SECRET")
    body = json_body()
    ticket = body["ticket"] if isinstance(body.get("ticket"), dict) else body
    from kb.web.api.agent import read_ticket

    fields = read_ticket(_normalized(ticket))
    if fields["messages"]:  # checked as the API checks them; then made plain text, as `body` is
        fields["messages"] = [Message(m.role, _text(m.text, MAX_TEXT)) for m in fields["messages"]]
    suggestions, shown = inbox.suggest_for_customer(**fields)
    return jsonify(
        {
            "ticket_id": ticket.get("id") if isinstance(ticket.get("id"), (str, int)) else None,
            "suggestions": [s.to_dict() for s in suggestions],
            "already_shown": shown,
            "locale": request_locale().tag,
        }
    )


def _normalized(ticket: dict) -> dict:
    """Accept the names other helpdesks use: ``description``/``text``/``message`` for body, ``email``.
    (``messages``, the conversation, is read as the API reads it.)"""
    data = dict(ticket)
    for alias in ("description", "text", "message"):
        if data.get("body") is None and isinstance(data.get(alias), str):
            data["body"] = data[alias]
    if data.get("customer_email") is None and isinstance(data.get("email"), str):
        data["customer_email"] = data["email"]
    if isinstance(data.get("body"), str):
        data["body"] = _text(data["body"], 20_000)
    return data

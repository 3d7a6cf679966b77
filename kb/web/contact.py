"""The help center's contact form: suggestions as the customer types, and a ticket that is never lost."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from kb.analytics import events
from kb.desk import tickets
from kb.query.capacity import Busy
from kb.query.suggest import customer_url, run_suggest

bp = Blueprint("contact", __name__)


@bp.get("/contact")
def form():
    values = {"subject": request.args.get("subject", "")[:300], "session": secrets.token_urlsafe(12)}
    suggestions = _suggest(values["subject"], values.get("message", ""))
    if suggestions:
        shown_now(suggestions, values["session"])
    return render_template("help/contact.html", values=values, errors={}, suggestions=suggestions)


def shown_now(suggestions, session: str) -> None:
    events.record("suggestion_shown", surface="contact_form", session=session, articles=[s.slug for s in suggestions])


@bp.post("/contact")
def submit():
    values = {k: request.form.get(k, "") for k in ("name", "email", "subject", "message")}
    values["session"] = request.form.get("session", "")[:64]
    shown = [s for s in request.form.get("shown", "").split(",") if s][:50]
    try:
        ticket = tickets.check({**values, "shown": shown, "url": _page_written_on()})
        ticket_id = tickets.create(ticket, "contact_form", current_app.config)
        events.record(
            "ticket_submitted",
            surface="contact_form",
            session=values["session"] or None,
            ticket_id=ticket_id,
            shown=list(ticket.shown),
        )
    except tickets.TicketInvalid as e:
        return _again(values, shown, e.problems, 400)
    except SQLAlchemyError:
        current_app.logger.exception("could not store a ticket from the contact form")
        problem = {"form": "We could not save your message just now. Please try again in a minute."}
        return _again(values, shown, problem, 503)
    flash(
        f"Thanks, {ticket.name}! We got your message (ticket #{ticket_id}) and will reply to {ticket.email}.", "contact"
    )
    return redirect(url_for("contact.sent"), code=303)


@bp.get("/contact/sent")
def sent():
    return render_template("help/contact_sent.html")


def _again(values: dict, shown: list[str], errors: dict, status: int):
    """The form again with everything the customer typed, what to fix, and every article shown so far."""
    suggestions = _suggest(values.get("subject", ""), values.get("message", ""))
    if suggestions and values.get("session"):
        shown_now(suggestions, values["session"])
    shown = list(dict.fromkeys([*shown, *(s.slug for s in suggestions)]))[:50]
    page = render_template("help/contact.html", values=values, errors=errors, suggestions=suggestions, shown=shown)
    return page, status


def _suggest(subject: str, message: str) -> list:
    """Suggestions beside the form, for what was written read as a ticket; none when the server is at capacity
    (the form itself always works)."""
    if not (subject.strip() or message.strip()):
        return []
    try:
        return run_suggest(message, subject=subject, limit=3)
    except Busy:
        return []


def _page_written_on() -> str | None:
    """The page the form was sent from (the Referer), when it is a web address: a missing or odd Referer
    never costs the customer their message."""
    try:
        return customer_url(request.referrer) if request.referrer else None
    except ValueError:
        return None

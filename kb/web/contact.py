"""The help center's contact form: suggestions as the customer types, and a ticket that is never lost."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy.exc import SQLAlchemyError

from kb.analytics import events
from kb.desk import tickets
from kb.query.capacity import Busy
from kb.query.suggest import customer_url, run_suggest
from kb.web.i18n import TOO_LONG
from kb.web.locales import localized, request_locale

bp = Blueprint("contact", __name__)
# how the form's errors name each field (the message's field is labelled "How can we help?")
FIELD_NAMES = {
    "name": lazy_gettext("Your name"),
    "email": lazy_gettext("Email"),
    "subject": lazy_gettext("Subject"),
    "message": lazy_gettext("Your message"),
}


@localized(bp, "/contact", methods=["GET"])
def form():
    values = {"subject": request.args.get("subject", "")[:300], "session": secrets.token_urlsafe(12)}
    suggestions = _suggest(values["subject"], values.get("message", ""))
    if suggestions:
        shown_now(suggestions, values["session"])
    return render_template("help/contact.html", values=values, errors={}, suggestions=suggestions)


def shown_now(suggestions, session: str) -> None:
    events.record("suggestion_shown", surface="contact_form", session=session, articles=[s.slug for s in suggestions])


@localized(bp, "/contact", methods=["POST"], endpoint="submit")
def submit():
    values = {k: request.form.get(k, "") for k in ("name", "email", "subject", "message")}
    values["session"] = request.form.get("session", "")[:64]
    shown = [s for s in request.form.get("shown", "").split(",") if s][:50]
    try:
        ticket = tickets.check({**values, "shown": shown, "url": _page_written_on()})
        ticket.locale = request_locale().tag
        ticket_id = tickets.create(ticket, "contact_form", current_app.config)
        events.record(
            "ticket_submitted",
            surface="contact_form",
            session=values["session"] or None,
            ticket_id=ticket_id,
            shown=list(ticket.shown),
        )
    except tickets.TicketInvalid as e:
        return _again(values, shown, field_errors(e.problems), 400)
    except SQLAlchemyError:
        current_app.logger.exception("could not store a ticket from the contact form")
        problem = {"form": gettext("We could not save your message just now. Please try again in a minute.")}
        return _again(values, shown, problem, 503)
    thanks = gettext(
        "Thanks, %(name)s! We got your message (ticket #%(id)s) and will reply to %(email)s.",
        name=ticket.name,
        id=ticket_id,
        email=ticket.email,
    )
    flash(thanks, "contact")
    return redirect(url_for("contact.sent"), code=303)


@localized(bp, "/contact/sent", methods=["GET"])
def sent():
    return render_template("help/contact_sent.html")


def field_errors(problems: dict[str, str]) -> dict[str, str]:
    """Each field's problem (kb.desk.tickets' words: "is required") as the sentence the form shows beside it."""
    return {name: _field_error(name, problem) for name, problem in problems.items()}


def _field_error(name: str, problem: str) -> str:
    field = str(FIELD_NAMES.get(name, name))
    too_long = TOO_LONG.fullmatch(problem)
    if problem == "is required":
        return gettext("%(field)s is required.", field=field)
    if problem == "is not an e-mail address":
        return gettext("%(field)s is not an e-mail address.", field=field)
    if too_long:
        return gettext("%(field)s is too long (at most %(most)s characters).", field=field, most=too_long[1])
    return f"{field} {problem}."


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
        return run_suggest(message, subject=subject, limit=3).items
    except Busy:
        return []


def _page_written_on() -> str | None:
    """The page the form was sent from (the Referer), when it is a web address: a missing or odd Referer
    never costs the customer their message."""
    try:
        return customer_url(request.referrer) if request.referrer else None
    except ValueError:
        return None

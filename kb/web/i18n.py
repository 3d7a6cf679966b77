"""The interface's language: Flask-Babel, with the gettext catalogs in kb/translations (``make messages``).

Which locale a request gets, in order: the page's locale (``g.kb_locale``, set from the URL on help-center pages
and from the ``locale`` parameter in the JSON API); else the best of the configured locales for the browser's
``Accept-Language`` (agent and admin pages, API errors); else the help center's default locale.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import current_app, g, has_request_context
from flask_babel import Babel, format_date, format_number, gettext

from kb.config import TRANSLATIONS
from kb.content.locales import Locale, configured
from kb.web.locales import browser_locale


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark for extraction, translate later")
    """Mark a message defined outside kb.web for extraction; the template or view translates it when shown."""
    return message


# Labels that kb.analytics.events and kb.desk.inbox define (in English) and the pages show translated.
SHOWN_LABELS = (
    N_("It is out of date"),
    N_("It is unclear"),
    N_("It didn't answer my question"),
    N_("Shown to the customer"),
    N_("Opened"),
    N_("Said it helped"),
    # ticket statuses (kb.desk.inbox.STATUSES), as shown and capitalized
    N_("open"),
    N_("answered"),
    N_("closed"),
    N_("Open"),
    N_("Answered"),
    N_("Closed"),
    # where a ticket came from and where suggestions were shown (underscores shown as spaces)
    N_("contact form"),
    N_("beacon"),
    N_("api"),
    N_("agent"),
)


TOO_LONG = re.compile(r"is too long \(at most (\d+) characters\)")


def ticket_problem(problem: str) -> str:
    """A problem with a ticket's field, in kb.desk.tickets' English words ("is required"), in the reader's
    language, to follow the field's name."""
    too_long = TOO_LONG.fullmatch(problem)
    if too_long:
        return gettext("is too long (at most %(most)s characters)", most=too_long[1])
    known = {
        "is required": gettext("is required"),
        "is not an e-mail address": gettext("is not an e-mail address"),
        "must be a string": gettext("must be a string"),
        "must be a list of at most 50 article slugs": gettext("must be a list of at most 50 article slugs"),
    }
    return known.get(problem, problem)


def current_locale() -> Locale:
    """The locale of the interface for this request (the default locale outside a request)."""
    locales = configured(current_app.config)
    if not has_request_context():
        return locales[0]
    page = g.get("kb_locale")
    if page is not None:
        return page
    return browser_locale() or locales[0]


def select_locale() -> str:
    return current_locale().babel


def local_date(value) -> str:
    """A date as people of the current locale write it. The English interface keeps ISO dates (2024-05-01)."""
    if not value:
        return ""
    if current_locale().language == "en":
        return value.isoformat()[:10] if isinstance(value, (date, datetime)) else str(value)
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, "long")


def init_app(app) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS),
        default_timezone="UTC",
    )
    app.jinja_env.globals.update(format_date=format_date, format_number=format_number, local_date=local_date)
    app.jinja_env.filters.update(local_date=local_date, number=format_number)

    @app.context_processor
    def inject_locale():
        return {"kb_locale_tag": current_locale().tag}

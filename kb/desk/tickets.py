"""Tickets from the contact form, the beacon and the API: checked, stored first, then handed to the outbox.

A ticket and its deliveries are written in one transaction, so a request the customer sent is either stored
with everything needed to deliver it, or refused with an error they see. Nothing is dropped in between.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

import sqlalchemy as sa

from kb.db import get_engine, outbox, tickets
from kb.errors import TicketInvalid
from kb.query.suggest import MAX_URL, customer_url
from suggest.engine import MAX_TEXT

LIMITS = {"name": 200, "email": 320, "subject": 300, "message": MAX_TEXT, "url": MAX_URL}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class TicketInput:
    name: str
    email: str
    message: str
    subject: str = ""
    url: str | None = None
    shown: tuple[str, ...] = ()
    locale: str | None = None  # the language the customer wrote in, e.g. "pt-BR"


def check(data: dict) -> TicketInput:
    """Validate raw fields (from a form or JSON) into a :class:`TicketInput`; raise with every problem."""
    problems: dict[str, str] = {}
    values: dict[str, str] = {}
    for name in ("name", "email", "subject", "message", "url"):
        value = data.get(name)
        if value is None or value == "":
            values[name] = ""
            continue
        if not isinstance(value, str):
            problems[name] = "must be a string"
            continue
        value = value.strip() if name == "message" else " ".join(value.split())  # one line: a header, a link
        if len(value) > LIMITS[name]:
            problems[name] = f"is too long (at most {LIMITS[name]} characters)"
        values[name] = value
    for required in ("name", "email", "message"):
        if not values.get(required) and required not in problems:
            problems[required] = "is required"
    if values.get("email") and "email" not in problems and not _is_email(values["email"]):
        problems["email"] = "is not an e-mail address"
    if values.get("url") and "url" not in problems:
        try:
            values["url"] = customer_url(values["url"])
        except ValueError as e:
            problems["url"] = str(e)
    shown = data.get("shown") or []
    if not isinstance(shown, list) or not all(isinstance(s, str) and len(s) <= 200 for s in shown) or len(shown) > 50:
        problems["shown"] = "must be a list of at most 50 article slugs"
        shown = []
    if problems:
        raise TicketInvalid(problems)
    return TicketInput(
        values["name"],
        values["email"],
        values["message"],
        values["subject"],
        values["url"] or None,
        tuple(dict.fromkeys(shown)),
    )


def _is_email(value: str) -> bool:
    """A single address the e-mail header classes accept as it is (so a reply can always be sent to it)."""
    if not _EMAIL_RE.match(value):
        return False
    try:
        return Address(addr_spec=value).addr_spec == value
    except (ValueError, IndexError, HeaderParseError):
        return False


def destinations(config) -> list[str]:
    found = []
    if config.get("TICKET_WEBHOOK_URL"):
        found.append("webhook")
    if config.get("SMTP_URL") and config.get("TICKET_EMAIL_TO"):
        found.append("email")
    return found


def create(ticket: TicketInput, source: str, config, engine: sa.Engine | None = None) -> int:
    """Store ``ticket`` and one outbox row per configured destination, in one transaction. Returns its id."""
    now = dt.datetime.now(dt.UTC)
    engine = engine or get_engine()
    with engine.begin() as conn:
        ticket_id = conn.execute(
            tickets.insert().values(
                created_at=now,
                name=ticket.name,
                email=ticket.email,
                subject=ticket.subject,
                message=ticket.message,
                url=ticket.url,
                source=source,
                shown=list(ticket.shown),
                status="open",
                locale=ticket.locale,
            )
        ).inserted_primary_key[0]
        for destination in destinations(config):
            conn.execute(
                outbox.insert().values(
                    ticket_id=ticket_id, destination=destination, status="pending", attempts=0, next_attempt_at=now
                )
            )
    return ticket_id


MAX_ID = 2**63 - 1  # what the databases' integer columns hold; a larger id in a URL names no ticket


def get(ticket_id: int, engine: sa.Engine | None = None) -> dict | None:
    if not 0 < ticket_id <= MAX_ID:
        return None
    with (engine or get_engine()).connect() as conn:
        row = conn.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).mappings().first()
    return dict(row) if row else None

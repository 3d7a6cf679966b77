"""The agent inbox: listing tickets, what each customer was already shown, and what to send them now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from kb.analytics import events
from kb.db import events as event_rows
from kb.db import get_engine, tickets
from kb.desk.tickets import MAX_ID
from kb.errors import InboxError
from kb.query.suggest import Suggestion, run_suggest
from suggest.reading import Message

STATUSES = ("open", "answered", "closed")
PER_PAGE = 25
SHOWN_LOOKBACK = dt.timedelta(days=90)
# What an agent is told about a suggestion the customer already met, in this order, and how it reads
MARKS = {"shown": "Shown to the customer", "opened": "Opened", "helped": "Said it helped"}
MAX_TRAIL_EVENTS = 1000


@dataclass
class TicketPage:
    tickets: list[dict]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


def list_tickets(*, status: str | None = None, query: str = "", page: int = 1, per_page: int = PER_PAGE) -> TicketPage:
    """Tickets newest first, optionally of one status and matching words in subject, message, name or e-mail."""
    where = []
    if status in STATUSES:
        where.append(tickets.c.status == status)
    for word in query.split()[:10]:
        like = f"%{_escape_like(word.lower())}%"
        where.append(
            sa.or_(
                *(
                    sa.func.lower(column).like(like, escape="\\")
                    for column in (tickets.c.subject, tickets.c.message, tickets.c.name, tickets.c.email)
                )
            )
        )
    page = max(page, 1)
    with get_engine().connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(tickets).where(*where)).scalar_one()
        rows = conn.execute(
            sa.select(tickets)
            .where(*where)
            .order_by(tickets.c.created_at.desc(), tickets.c.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).mappings()
        found = [dict(row) for row in rows]
        counts: dict[str, int] = dict(
            conn.execute(sa.select(tickets.c.status, sa.func.count()).group_by(tickets.c.status)).all()
        )
    return TicketPage(found, total, page, max(1, -(-total // per_page)), {s: counts.get(s, 0) for s in STATUSES})


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def shown_to_customer(email: str | None, *, now: dt.datetime | None = None) -> list[str]:
    """Articles suggested to this customer before they wrote any ticket in the last 90 days."""
    rows = _customer_tickets(email, now=now)
    return list(dict.fromkeys(slug for _, shown in rows for slug in (shown or [])))


def _customer_tickets(email: str | None, *, now: dt.datetime | None = None) -> list[tuple[int, list[str] | None]]:
    """(id, shown) of this customer's tickets of the last 90 days, newest first (at most 50)."""
    if not email:
        return []
    since = (now or dt.datetime.now(dt.UTC)) - SHOWN_LOOKBACK
    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.select(tickets.c.id, tickets.c.shown)
            .where(sa.func.lower(tickets.c.email) == email.strip().lower(), tickets.c.created_at >= since)
            .order_by(tickets.c.created_at.desc(), tickets.c.id.desc())
            .limit(50)
        ).all()
    return [(row.id, row.shown) for row in rows]


@dataclass
class CustomerTrail:
    """What a customer did with the help center's articles before (or while) writing to us, by slug."""

    shown: list[str] = field(default_factory=list)  # suggested to them (the beacon, the contact form), in order
    opened: set[str] = field(default_factory=set)  # a suggestion they clicked, or an article page they viewed
    helped: set[str] = field(default_factory=set)  # an article they voted helpful

    def marks(self, slug: str) -> list[str]:
        """The marks of ``slug``, in the order of MARKS."""
        found = {"shown": slug in self.shown, "opened": slug in self.opened, "helped": slug in self.helped}
        return [mark for mark in MARKS if found[mark]]


def customer_trail(email: str | None, shown: Sequence[str] = (), *, now: dt.datetime | None = None) -> CustomerTrail:
    """What this customer was shown, opened and found helpful, from their tickets of the last 90 days.

    A ticket is linked to the customer's visit by its ``ticket_submitted`` event: the event's ``session`` is the
    beacon or contact-form conversation the ticket was written in (whose ``suggestion_clicked`` events are the
    suggestions they opened), and its ``visitor`` is the day's visitor hash (the customer's ``view`` and
    ``helpful`` events on the help center that day carry the same one; the hash changes daily, so nothing from
    another day is linked).
    """
    rows = _customer_tickets(email, now=now)
    trail = CustomerTrail(shown=list(dict.fromkeys([*shown, *(slug for _, seen in rows for slug in (seen or []))])))
    if not rows:
        return trail
    with get_engine().connect() as conn:
        visits = _visits(conn, [ticket_id for ticket_id, _ in rows])
        views = _same_day_events(conn, visits, "view")
        votes = _same_day_events(conn, visits, "helpful") + _session_events(conn, visits, "helpful")
        trail.opened = _clicked(conn, visits) | {row.article for row in views}
    trail.helped = {row.article for row in votes if (row.data or {}).get("helpful") is True}
    return trail


@dataclass(frozen=True)
class _Visit:
    """The help-center visit a ticket was written in, as its ``ticket_submitted`` event recorded it."""

    session: str | None
    visitor: str | None
    day: dt.date


def _visits(conn: sa.Connection, ticket_ids: list[int]) -> list[_Visit]:
    rows = conn.execute(
        sa.select(event_rows.c.session, event_rows.c.visitor, event_rows.c.created_at).where(
            event_rows.c.type == "ticket_submitted", event_rows.c.data["ticket_id"].as_integer().in_(ticket_ids)
        )
    ).all()
    return [
        _Visit(row.session, row.visitor, row.created_at.astimezone(dt.UTC).date())
        for row in rows
        if row.session or row.visitor
    ]


def _clicked(conn: sa.Connection, visits: list[_Visit]) -> set[str]:
    """Articles of the suggestions clicked in the visits' beacon or contact-form conversations."""
    return {row.article for row in _session_events(conn, visits, "suggestion_clicked")}


def _session_events(conn: sa.Connection, visits: list[_Visit], type_: str) -> list[sa.Row]:
    """The ``type_`` events about an article in the visits' beacon or contact-form conversations (the beacon's
    "Did this answer your question?" votes carry the conversation)."""
    sessions = {v.session for v in visits if v.session}
    if not sessions:
        return []
    query = sa.select(event_rows.c.article, event_rows.c.data).where(
        event_rows.c.type == type_, event_rows.c.session.in_(sessions), event_rows.c.article.is_not(None)
    )
    return list(conn.execute(query.limit(MAX_TRAIL_EVENTS)).all())


def _same_day_events(conn: sa.Connection, visits: list[_Visit], type_: str) -> list[sa.Row]:
    """The ``type_`` events about an article by a visit's visitor: the same day's, as visitor hashes are salted
    with a salt of their own each day."""
    visitors = {v.visitor for v in visits if v.visitor}
    if not visitors:
        return []
    since = dt.datetime.combine(min(v.day for v in visits), dt.time(), tzinfo=dt.UTC)
    return list(
        conn.execute(
            sa.select(event_rows.c.article, event_rows.c.data)
            .where(
                event_rows.c.type == type_,
                event_rows.c.visitor.in_(visitors),
                event_rows.c.created_at >= since,
                event_rows.c.article.is_not(None),
            )
            .limit(MAX_TRAIL_EVENTS)
        ).all()
    )


def suggest_for_ticket(
    subject: str,
    body: str,
    *,
    url: str | None = None,
    shown: Sequence[str] = (),
    limit: int | None = None,
    messages: Sequence[Message] | None = None,
) -> list[Suggestion]:
    """What an agent could send, best first: internal and unconfident articles included (each says whether it
    is ``confident``), and articles the customer was already shown ranked with the rest, marked "shown"."""
    return mark(agent_suggestions(subject, body, url=url, limit=limit, messages=messages), CustomerTrail(list(shown)))


def agent_suggestions(
    subject: str,
    body: str,
    *,
    url: str | None = None,
    limit: int | None = None,
    messages: Sequence[Message] | None = None,
) -> list[Suggestion]:
    """The engine's suggestions for a ticket as an agent sees them: internal and unconfident ones included, in
    the engine's order, which is that of their ``score`` (the percentage agents read beside each)."""
    if not (subject.strip() or body.strip() or messages or url):
        return []
    return run_suggest(
        body,
        subject=subject,
        messages=messages,
        url=url,
        limit=limit,
        include_internal=True,
        excerpt=True,
        only_confident=False,
        shed=False,
    ).items


def mark(suggestions: list[Suggestion], trail: CustomerTrail) -> list[Suggestion]:
    """``suggestions`` with the marks of what the customer did with each."""
    for suggestion in suggestions:
        suggestion.marks = trail.marks(suggestion.slug)
    return suggestions


def set_status(ticket_id: int, status: str) -> bool:
    if status not in STATUSES:
        raise InboxError(f"status must be one of {', '.join(STATUSES)}")
    if not 0 < ticket_id <= MAX_ID:
        return False
    with get_engine().begin() as conn:
        changed = conn.execute(
            tickets.update().where(tickets.c.id == ticket_id).values(status=status, updated_at=dt.datetime.now(dt.UTC))
        ).rowcount
    return bool(changed)


def mark_resolved(ticket_id: int, slug: str | None, agent_email: str) -> bool:
    """Record which article answered the ticket (None clears it); an open ticket becomes answered."""
    now = dt.datetime.now(dt.UTC)
    if not 0 < ticket_id <= MAX_ID:
        return False
    with get_engine().begin() as conn:
        row = conn.execute(
            sa.select(tickets.c.status, tickets.c.shown, tickets.c.email).where(tickets.c.id == ticket_id)
        ).first()
        if row is None:
            return False
        values = {"resolved_article": slug, "resolved_by": agent_email if slug else None, "updated_at": now}
        if slug and row.status == "open":
            values["status"] = "answered"
        conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(**values))
    if slug:
        shown = {*(row.shown or []), *shown_to_customer(row.email)}
        events.record("ticket_resolved", surface="agent", article=slug, ticket_id=ticket_id, shown_before=slug in shown)
    return True


def suggest_for_customer(
    subject: str,
    body: str,
    *,
    email: str | None = None,
    url: str | None = None,
    shown: Sequence[str] = (),
    limit: int | None = None,
    messages: Sequence[Message] | None = None,
) -> tuple[list[Suggestion], list[str]]:
    """Suggestions for an incoming ticket, each marked with what this customer did with it (shown, opened,
    helped), and the slugs this customer was already shown (the ticket's ``shown`` and their earlier tickets')."""
    trail = customer_trail(email, shown)
    return mark(agent_suggestions(subject, body, url=url, limit=limit, messages=messages), trail), trail.shown


def ticket_to_dict(ticket: dict) -> dict:
    data = {k: v for k, v in ticket.items() if k not in ("created_at", "updated_at")}
    data["created_at"] = ticket["created_at"].isoformat()
    data["updated_at"] = ticket["updated_at"].isoformat() if ticket.get("updated_at") else None
    data["shown"] = list(ticket.get("shown") or [])
    return data

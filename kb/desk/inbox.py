"""The agent inbox: listing tickets, what each customer was already shown, and what to send them now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from kb.analytics import events
from kb.db import get_engine, tickets
from kb.desk.tickets import MAX_ID
from kb.errors import InboxError
from kb.query.suggest import Suggestion, run_suggest

STATUSES = ("open", "answered", "closed")
PER_PAGE = 25
SHOWN_LOOKBACK = dt.timedelta(days=90)


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
        counts = dict(conn.execute(sa.select(tickets.c.status, sa.func.count()).group_by(tickets.c.status)).all())
    return TicketPage(found, total, page, max(1, -(-total // per_page)), {s: counts.get(s, 0) for s in STATUSES})


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def shown_to_customer(email: str | None, *, now: dt.datetime | None = None) -> list[str]:
    """Articles suggested to this customer before they wrote any ticket in the last 90 days."""
    if not email:
        return []
    since = (now or dt.datetime.now(dt.UTC)) - SHOWN_LOOKBACK
    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.select(tickets.c.shown)
            .where(sa.func.lower(tickets.c.email) == email.strip().lower(), tickets.c.created_at >= since)
            .order_by(tickets.c.created_at.desc())
            .limit(50)
        ).scalars()
        return list(dict.fromkeys(slug for shown in rows for slug in (shown or [])))


def suggest_for_ticket(
    subject: str, body: str, *, url: str | None = None, shown: list[str] = (), limit: int | None = None
) -> list[Suggestion]:
    """What an agent could send: internal articles included, articles the customer already saw left out."""
    text = f"{subject}\n{body}".strip()
    if not text and not url:
        return []
    return run_suggest(
        text, url=url, limit=limit, include_internal=True, exclude=frozenset(shown), excerpt=True, shed=False
    )


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
    subject: str, body: str, *, email: str | None = None, url: str | None = None, shown=(), limit: int | None = None
) -> tuple[list[Suggestion], list[str]]:
    """Suggestions for an incoming ticket, leaving out what this customer was already shown (returned too)."""
    already = list(dict.fromkeys([*shown, *shown_to_customer(email)]))
    return suggest_for_ticket(subject, body, url=url, shown=already, limit=limit), already


def ticket_to_dict(ticket: dict) -> dict:
    data = {k: v for k, v in ticket.items() if k not in ("created_at", "updated_at")}
    data["created_at"] = ticket["created_at"].isoformat()
    data["updated_at"] = ticket["updated_at"].isoformat() if ticket.get("updated_at") else None
    data["shown"] = list(ticket.get("shown") or [])
    return data

"""Delivering stored tickets to the team: a webhook (generic JSON or Slack) and/or e-mail over SMTP.

Each delivery is a row in the ``outbox`` table. A worker takes a lease on a due row with one conditional
UPDATE (only one worker, on any host, can win it), delivers, and marks it delivered; on failure it schedules a
retry with exponential backoff. Nothing takes a row while its lease runs, ``kb outbox --retry`` included, and a
worker changes a row only while it still holds the lease it took (the lease's expiry is its token).

What is guaranteed: a ticket stored (answered 201) is delivered to each destination, and sent again only when
the worker delivering it died (killed, host lost) before it could record the delivery: then, once the lease
expires (``LEASE_SECONDS``), another worker sends it again, with the same ``Idempotency-Key`` header (webhook)
or ``Message-ID`` (e-mail). A receiver that honours the key therefore sees each ticket exactly once. The worker
runs inside every server process; nothing else needs starting.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import threading
import urllib.error
import urllib.request
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from babel.support import Translations

from kb.config import TRANSLATIONS
from kb.content.locales import Locale, canonical, configured
from kb.db import outbox, tickets

log = logging.getLogger(__name__)
LEASE_SECONDS = 60  # longer than a delivery can take (TIMEOUT for the connection, and as long again to send)
MAX_ATTEMPTS = 25  # with the backoff below: about two days of retries
TIMEOUT = 10
ROUND = 20  # deliveries a worker takes at a time


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s, ... capped at 2 hours."""
    return dt.timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 7200))


def deliver_due(engine: sa.Engine, config, *, now: dt.datetime | None = None, limit: int = ROUND) -> int:
    """Deliver up to ``limit`` due rows. Returns how many were delivered."""
    return _round(engine, config, now, limit)[1]


def _round(engine: sa.Engine, config, now: dt.datetime | None, limit: int) -> tuple[int, int]:
    """(due rows found, rows delivered): other workers may take some of those found first."""
    due = _due_ids(engine, now or _now(), limit)
    delivered = 0
    for row_id in due:
        claimed = _claim(engine, row_id, now or _now())
        if claimed is not None:
            delivered += _deliver(engine, config, claimed)
    return len(due), delivered


def _due_ids(engine: sa.Engine, now: dt.datetime, limit: int) -> list[int]:
    query = (
        sa.select(outbox.c.id)
        .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
        .where(sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
        .order_by(outbox.c.next_attempt_at)
        .limit(limit)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def _claim(engine: sa.Engine, row_id: int, now: dt.datetime) -> dict | None:
    """Take the lease on one row for this worker; None when another worker holds it or got it first."""
    lease = _lease_expiry(now)
    with engine.begin() as conn:
        result = conn.execute(
            outbox.update()
            .where(outbox.c.id == row_id, outbox.c.status == "pending")
            .where(sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
            .values(claimed_until=lease, attempts=outbox.c.attempts + 1)
        )
        if result.rowcount != 1:
            return None
        row = (
            conn.execute(
                sa.select(
                    outbox,
                    tickets.c.name,
                    tickets.c.email,
                    tickets.c.subject,
                    tickets.c.message,
                    tickets.c.url,
                    tickets.c.source,
                    tickets.c.shown,
                    tickets.c.locale,
                    tickets.c.created_at.label("ticket_created"),
                )
                .join(tickets, tickets.c.id == outbox.c.ticket_id)
                .where(outbox.c.id == row_id)
            )
            .mappings()
            .one()
        )
    return {**dict(row), "lease": lease}


def _lease_expiry(now: dt.datetime) -> dt.datetime:
    # whole milliseconds, so that the value read back from any database compares equal to this one
    expiry = now + dt.timedelta(seconds=LEASE_SECONDS)
    return expiry.replace(microsecond=expiry.microsecond // 1000 * 1000)


def _held(row: dict):
    """The condition "this worker still holds the lease it took on ``row``"."""
    return sa.and_(outbox.c.id == row["id"], outbox.c.claimed_until == row["lease"])


def _deliver(engine: sa.Engine, config, row: dict) -> int:
    try:
        if row["destination"] == "webhook":
            send_webhook(config, row)
        else:
            send_email(config, row)
    except Exception as e:  # any failure is retried later; the reason is kept for `kb outbox`
        _failed(engine, row, f"{type(e).__name__}: {e}")
        return 0
    with engine.begin() as conn:
        held = conn.execute(
            outbox.update()
            .where(_held(row))
            .values(status="delivered", delivered_at=_now(), claimed_until=None, last_error=None)
        ).rowcount
    if not held:  # the lease ran out first: another worker may have sent it too, with the same key
        log.warning("ticket %s delivered to %s after its lease expired", row["ticket_id"], row["destination"])
    log.info("ticket %s delivered to %s", row["ticket_id"], row["destination"])
    return 1


def _failed(engine: sa.Engine, row: dict, reason: str) -> None:
    attempts = row["attempts"]  # already counted by the claim
    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    with engine.begin() as conn:
        conn.execute(
            outbox.update()
            .where(_held(row))
            .values(
                status=status, claimed_until=None, last_error=reason[:2000], next_attempt_at=_now() + backoff(attempts)
            )
        )
    log.warning(
        "delivery of ticket %s to %s failed (attempt %s): %s", row["ticket_id"], row["destination"], attempts, reason
    )


def payload(row: dict) -> dict:
    return {
        "id": row["ticket_id"],
        "created_at": _iso(row["ticket_created"]),
        "name": row["name"],
        "email": row["email"],
        "subject": row["subject"],
        "message": row["message"],
        "url": row["url"],
        "source": row["source"],
        "suggested_before": row["shown"],
        "locale": row.get("locale"),
    }


def send_webhook(config, row: dict) -> None:
    data = payload(row)
    if config.get("TICKET_WEBHOOK_FORMAT") == "slack":
        title = data["subject"] or data["message"][:80]
        data = {"text": f"New ticket #{data['id']} from {data['name']} <{data['email']}>: {title}\n{data['message']}"}
    request = urllib.request.Request(
        config["TICKET_WEBHOOK_URL"],
        data=json.dumps(data).encode("utf-8"),
        headers={"Content-Type": "application/json", "Idempotency-Key": f"kb-ticket-{row['ticket_id']}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (configured by the admin)
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(request.full_url, response.status, "not a 2xx answer", response.headers, None)


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, as one space: what a header may hold."""
    return " ".join(text.split())


def send_email(config, row: dict) -> None:
    """E-mail over ``KB_SMTP_URL``: smtp://[user:password@]host[:port] (STARTTLS if offered) or smtps://."""
    url = urlsplit(config["SMTP_URL"])
    data = payload(row)
    host = url.hostname or "localhost"
    customer = Address(display_name=one_line(data["name"]), addr_spec=data["email"])
    _ = team_translations(config).gettext  # the team reads the help center's default language
    message = EmailMessage()
    title = data["subject"] or data["message"][:60]
    message["Subject"] = one_line(_("[Ticket #%(id)s] %(title)s") % {"id": data["id"], "title": title})
    message["From"] = config.get("SMTP_FROM") or Address("kb", "kb", host)
    message["To"] = config["TICKET_EMAIL_TO"]
    message["Reply-To"] = customer  # quoted by the header class: a name can never add an address
    message["Message-ID"] = f"<kb-ticket-{data['id']}-{row['destination']}@{host}>"  # the same when sent again
    lines = [
        data["message"],
        "",
        _("From: %(customer)s") % {"customer": customer},
        _("Page: %(url)s") % {"url": data["url"] or "-"},
        _("Suggested before writing: %(articles)s") % {"articles": ", ".join(data["suggested_before"]) or _("nothing")},
    ]
    if data["locale"] and len(configured(config)) > 1:
        lines.append(_("Written in: %(language)s") % {"language": _language_name(data["locale"], config)})
    message.set_content("\n".join(lines))
    client = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with client(url.hostname, url.port or (465 if url.scheme == "smtps" else 25), timeout=TIMEOUT) as smtp:
        if url.scheme == "smtp" and smtp.has_extn("starttls"):
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def team_translations(config) -> Translations:
    """kb's strings in the help center's default language, for what the support team reads outside a request."""
    return Translations.load(str(TRANSLATIONS), [configured(config)[0].babel])


def _language_name(tag: str, config) -> str:
    return Locale(canonical(tag)).name_in(configured(config)[0])


def pending(engine: sa.Engine) -> list[dict]:
    """Deliveries not yet made (pending or failed), oldest first."""
    query = sa.select(outbox).where(outbox.c.status != "delivered").order_by(outbox.c.id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def retry_now(engine: sa.Engine) -> int:
    """Make every pending or failed delivery due now (failed ones get a fresh set of attempts). A delivery under
    way (its lease running) is left to the worker sending it, so nothing is sent twice."""
    now = _now()
    with engine.begin() as conn:
        result = conn.execute(
            outbox.update()
            .where(outbox.c.status != "delivered")
            .where(sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
            .values(status="pending", attempts=0, next_attempt_at=now, claimed_until=None)
        )
    return result.rowcount


class Worker(threading.Thread):
    """Delivers due rows every ``interval`` seconds until stopped."""

    def __init__(self, engine: sa.Engine, config, interval: float = 2.0):
        super().__init__(name="kb-outbox", daemon=True)
        self.engine, self.config, self.interval = engine, config, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            found = ROUND
            while found == ROUND and not self.stopped.is_set():  # a backlog is worked off without pauses
                try:
                    found, _ = _round(self.engine, self.config, None, ROUND)
                except sa.exc.SQLAlchemyError:  # database away: try again next round, nothing is lost
                    log.exception("outbox round failed")
                    break

    def stop(self) -> None:
        self.stopped.set()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value

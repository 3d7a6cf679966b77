"""Recording what customers do (searches, clicks, views, votes, suggestions, tickets) for the analytics.

Recording never slows or breaks a page: events go into an in-process queue that a background thread writes
in batches, one transaction per batch. When the database is down, a batch is kept and retried (up to a bound);
the page has long been served. No IP address is stored: at most a hash of address and browser salted with a
random salt that is replaced every day, enough to count unique visitors per day and no more. Bots are not
recorded at all.
"""

from __future__ import annotations

import atexit
import collections
import datetime as dt
import hashlib
import logging
import os
import re
import secrets
import threading
import time

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request

from kb.content.locales import canonical, tag_problem
from kb.db import daily_salts, events
from kb.errors import EventInvalid
from kb.state import state_of

log = logging.getLogger(__name__)

# Why a customer found an article unhelpful, as the "was this helpful?" form offers it and the dashboard counts it
NOT_HELPFUL_REASONS = {
    "outdated": "It is out of date",
    "unclear": "It is unclear",
    "wrong": "It didn't answer my question",
}
SURFACES = ("help_center", "beacon", "contact_form", "agent", "api")
MAX_QUEUE = 50_000
FLUSH_INTERVAL = 1.0
MAX_BACKOFF = 30.0
BATCH = 500
# Crawlers, link previews, uptime monitors, scripts and headless browsers: not customers.
BOT_RE = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|monitor|pingdom|uptime|"
    r"curl/|wget/|python-requests|python-urllib|httpx|aiohttp|go-http-client|okhttp|java/|libwww|headless|"
    r"lighthouse|phantomjs|scrapy",
    re.IGNORECASE,
)


def is_bot(user_agent: str | None) -> bool:
    return bool(user_agent) and bool(BOT_RE.search(user_agent))


def record(
    type_: str,
    *,
    surface: str = "help_center",
    article: str | None = None,
    query: str | None = None,
    results: int | None = None,
    position: int | None = None,
    session: str | None = None,
    locale: str | None = None,
    **data,
) -> bool:
    """Queue one event; False when it is not recorded (a bot, or the queue is full). Never raises.

    ``locale``: the language it happened in (default: the request's, when it has one)."""
    try:
        if has_request_context() and (is_bot(request.user_agent.string) or _team_member(surface)):
            return False
        row = {
            "type": type_,
            "created_at": dt.datetime.now(dt.UTC),
            "surface": surface,
            "article": article[:200] if article else None,
            "query": query[:1000] if query else None,
            "results": results,
            "position": position,
            "session": session[:64] if session else None,
            "visitor": visitor_hash() if has_request_context() else None,
            "locale": (locale or _request_locale() or "")[:35] or None,
            "data": {k: v for k, v in data.items() if v is not None},
        }
        return writer().put(row)
    except Exception:  # analytics must never take a page down with it
        log.exception("could not record a %s event", type_)
        return False


def _request_locale() -> str | None:
    if not has_request_context():
        return None
    locale = g.get("kb_content_locale") or g.get("kb_locale")  # an agent's view of a ticket: the ticket's
    return locale.tag if locale is not None else None


def _team_member(surface: str) -> bool:
    """Signed-in agents and admins checking the help center are not customers (their own view excepted)."""
    from kb.auth import is_agent

    return surface != "agent" and is_agent()


def writer() -> EventWriter:
    state = state_of(current_app)
    current = state.event_writer
    if current is None or current.pid != os.getpid():  # a forked worker starts its own writer
        current = state.event_writer = EventWriter(
            state.engine, retention_days=current_app.config["ANALYTICS_RETENTION_DAYS"]
        )
    return current


def close() -> None:
    """Stop this process's event writer after writing its queue (tests, or an app being torn down)."""
    state = state_of(current_app)
    current, state.event_writer = state.event_writer, None
    if current is not None and current.pid == os.getpid():
        current.stop()


def flush() -> int:
    """Write what this process has queued now (before computing figures, in tests, at exit)."""
    state = state_of(current_app)
    current = state.event_writer
    return current.flush() if current is not None and current.pid == os.getpid() else 0


class EventWriter:
    """A queue of events and the daemon thread that writes them in batches."""

    def __init__(self, engine: sa.Engine, interval: float = FLUSH_INTERVAL, retention_days: int = 0):
        self.engine = engine
        self.interval = interval
        self.retention_days = retention_days
        self.purged_at: float | None = None
        self.pid = os.getpid()
        self.queue: collections.deque[dict] = collections.deque()
        self.flush_lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = False
        self.dropped = 0  # events not queued: the queue was full
        self.refused = 0  # events the database refused to store
        self.failing = False
        self.thread = threading.Thread(target=self._run, name="kb-events", daemon=True)
        self.thread.start()
        atexit.register(self.flush)

    def put(self, row: dict) -> bool:
        if len(self.queue) >= MAX_QUEUE:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("the event queue is full (the database may be down); %d events dropped", self.dropped)
            return False
        self.queue.append(row)
        if len(self.queue) >= BATCH:
            self.wake.set()
        return True

    def flush(self) -> int:
        """Write what is queued. A database that cannot be reached keeps the events queued for the next try;
        an event the database refuses (bad data) is logged and dropped alone, never with its batch."""
        with self.flush_lock:
            written = 0
            while self.queue:
                batch = [self.queue.popleft() for _ in range(min(BATCH, len(self.queue)))]
                done, unwritten = self._write(batch)
                written += done
                if unwritten:
                    self.queue.extendleft(reversed(unwritten))
                    self.failing = True
                    break
            else:
                self.failing = False
            return written

    def _write(self, batch: list[dict]) -> tuple[int, list[dict]]:
        """(events written, events to try again later)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(events.insert(), batch)
            return len(batch), []
        except REFUSED:
            if len(batch) == 1:
                self.refused += 1
                log.exception("dropped a %s event the database refuses", batch[0].get("type"))
                return 0, []
        except sa.exc.SQLAlchemyError:  # unreachable, restarting, locked: the same events may go in later
            log.exception("could not write %d events; will retry", len(batch))
            return 0, batch
        written = 0
        for n, row in enumerate(batch):  # one of them is refused: write the others one by one
            done, unwritten = self._write([row])
            if unwritten:
                return written, batch[n:]
            written += done
        return written, []

    def stop(self) -> None:
        """Write what is queued and end the thread (the app is shutting down)."""
        self.stopping = True
        self.wake.set()
        self.thread.join(10)
        self.flush()

    def _run(self) -> None:
        failures = 0
        while not self.stopping:
            self.wake.wait(min(self.interval * 2**failures, MAX_BACKOFF))  # a database that is down is not hammered
            self.wake.clear()
            if self.stopping:
                break
            try:
                self.flush()
                due = self.purged_at is None or time.monotonic() - self.purged_at > PURGE_EVERY
                if self.retention_days and due and not self.failing:
                    purge(self.engine, older_than_days=self.retention_days)
                    self.purged_at = time.monotonic()
            except Exception:
                log.exception("the event writer failed; retrying")
                self.failing = True
            failures = min(failures + 1, 10) if self.failing else 0


PURGE_EVERY = 3600.0
# What the database refuses to store, whenever it is tried (unlike a database that is down, which is retried)
REFUSED = (sa.exc.DataError, sa.exc.IntegrityError, ValueError)


def purge(engine: sa.Engine, *, older_than_days: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete events older than ``older_than_days`` (all of them when None). Returns how many."""
    query = events.delete()
    if older_than_days is not None:
        cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=older_than_days)
        query = query.where(events.c.created_at < cutoff)
    with engine.begin() as conn:
        removed = conn.execute(query).rowcount
    if removed:
        log.info(
            "purged %d analytics events%s", removed, f" older than {older_than_days} days" if older_than_days else ""
        )
    return removed


# Unique visitors without storing addresses


def visitor_hash() -> str | None:
    """A salted hash of the client's address and browser; the salt is random and replaced every day."""
    salt = todays_salt()
    if salt is None:
        return None
    material = f"{salt}|{request.remote_addr or ''}|{request.user_agent.string}".encode()  # KB_PROXY_HOPS
    return hashlib.sha256(material).hexdigest()[:32]


def todays_salt() -> str | None:
    today = dt.datetime.now(dt.UTC).date()
    state = state_of(current_app)
    cached = state.visitor_salt
    if cached and cached[0] == today:
        return cached[1]
    try:
        salt = _load_or_create_salt(state.engine, today)
    except sa.exc.SQLAlchemyError:
        log.warning("no visitor salt for today (database unreachable); visitors are not counted meanwhile")
        return None
    state.visitor_salt = (today, salt)
    return salt


def _load_or_create_salt(engine: sa.Engine, today: dt.date) -> str:
    with engine.begin() as conn:
        conn.execute(daily_salts.delete().where(daily_salts.c.day < today))  # yesterday's hashes stay unlinkable
        found = conn.execute(sa.select(daily_salts.c.salt).where(daily_salts.c.day == today)).scalar()
    if found:
        return found
    try:
        with engine.begin() as conn:
            conn.execute(daily_salts.insert().values(day=today, salt=secrets.token_hex(32)))
    except sa.exc.IntegrityError:
        pass  # another worker made today's salt first: use theirs
    with engine.connect() as conn:
        return conn.execute(sa.select(daily_salts.c.salt).where(daily_salts.c.day == today)).scalar_one()


def count(type_: str, **where) -> int:
    flush()
    query = sa.select(sa.func.count()).select_from(events).where(events.c.type == type_)
    for column, value in where.items():
        query = query.where(events.c[column] == value)
    with state_of(current_app).engine.connect() as conn:
        return conn.execute(query).scalar_one()


# Events reported by browsers (the beacon, search-as-you-type, the contact form, agent copy buttons). A search
# event may say whether any result it showed was ``confident``: one that says so and found none is a content gap.
# A ``helpful`` event is the beacon's "Did this answer your question?": the same vote as the article page's form
# (``helpful`` true or false in its data, counted by kb.analytics.stats), with the beacon conversation's session.

CLIENT_TYPES = ("search", "search_click", "suggestion_shown", "suggestion_clicked", "helpful")
MAX_CLIENT_EVENTS = 20
# Each client event's text fields: (name, the most characters)
CLIENT_TEXTS = (("query", 1000), ("article", 200), ("session", 64))
# The true-or-false fields a client event may carry, each on one type of event only
CLIENT_FLAGS = {"confident": "search", "helpful": "helpful"}
# What each type of client event cannot go without
CLIENT_REQUIRED = {
    "search": ("query",),
    "search_click": ("article",),
    "suggestion_clicked": ("article",),
    "helpful": ("article", "helpful"),
}


def record_client_events(payload) -> int:
    """Check a batch ``{"events": [...]}`` sent by a page, then queue it; raise on the first bad event."""
    items = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_CLIENT_EVENTS:
        raise EventInvalid(f'send {{"events": [...]}} with 1 to {MAX_CLIENT_EVENTS} events')
    checked = [_client_event(i, item) for i, item in enumerate(items)]
    batch_locale = payload.get("locale")  # the page's, for every event that does not say its own
    if batch_locale is not None and (not isinstance(batch_locale, str) or tag_problem(batch_locale) is not None):
        raise EventInvalid("locale must be a language tag like en or pt-BR")
    if batch_locale:
        for event in checked:
            event.setdefault("locale", canonical(batch_locale))
    return sum(record(**event) for event in checked)


def _client_event(index: int, item) -> dict:
    where = f"events[{index}]"
    if not isinstance(item, dict):
        raise EventInvalid(f"{where} must be an object")
    type_ = item.get("type")
    if type_ not in CLIENT_TYPES:
        raise EventInvalid(f"{where}.type must be one of {', '.join(CLIENT_TYPES)}")
    surface = item.get("surface", "help_center")
    if surface not in SURFACES:
        raise EventInvalid(f"{where}.surface must be one of {', '.join(SURFACES)}")
    event = {"type_": type_, "surface": surface, **_texts(where, item), **_counts(where, item)}
    locale = item.get("locale")
    if locale is not None:
        if not isinstance(locale, str) or tag_problem(locale) is not None:
            raise EventInvalid(f"{where}.locale must be a language tag like en or pt-BR")
        event["locale"] = canonical(locale)
    articles = item.get("articles")
    if articles is not None:
        event["articles"] = _articles(where, articles)
    event.update(_flags(where, type_, item))  # confident: whether any result shown was confident (kb.analytics.gaps)
    for name in CLIENT_REQUIRED.get(type_, ()):
        if event.get(name) is None:
            raise EventInvalid(f"{where}.{name} is required for a {type_} event")
    return event


def _texts(where: str, item: dict) -> dict:
    texts = {}
    for name, limit in CLIENT_TEXTS:
        value = item.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise EventInvalid(f"{where}.{name} must be a string of at most {limit} characters")
        texts[name] = value or None
    return texts


def _counts(where: str, item: dict) -> dict:
    counts = {}
    for name in ("position", "results"):
        value = item.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000):
            raise EventInvalid(f"{where}.{name} must be a whole number from 0 to 10000")
        counts[name] = value
    return counts


def _flags(where: str, type_: str, item: dict) -> dict:
    flags = {}
    for name, only_on in CLIENT_FLAGS.items():
        value = item.get(name)
        if value is None:
            continue
        if not isinstance(value, bool) or type_ != only_on:
            raise EventInvalid(f"{where}.{name} must be true or false, and only on a {only_on} event")
        flags[name] = value
    return flags


def _articles(where: str, articles) -> list[str]:
    if (
        not isinstance(articles, list)
        or len(articles) > 50
        or not all(isinstance(a, str) and len(a) <= 200 for a in articles)
    ):
        raise EventInvalid(f"{where}.articles must be a list of at most 50 article slugs")
    return articles

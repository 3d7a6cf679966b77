"""The database (SQLite in DATA_DIR by default, any SQLAlchemy URL with KB_DATABASE_URL): tables and engine.

Shared state lives here so that several workers, or several hosts on PostgreSQL, see the same tickets,
outbox and events.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
import threading
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from kb.state import state_of

metadata = sa.MetaData()
_inherited: list[sqlite3.Connection] = []  # connections made before a fork: kept from being closed


class WorkerSharedFile:
    """A small SQLite file the workers of one host share, besides the database (rate-limit counts, query
    vectors): a connection per thread and per process, since a SQLite connection must not cross a fork; WAL, so
    that readers never wait for a writer; commits not synced to disk (a crash loses the last few), checkpoints
    synced, so that a power cut cannot corrupt the file. ``schema`` runs on every new connection."""

    def __init__(self, path: str | Path, *, schema: str, timeout: float) -> None:
        self.path, self.schema, self.timeout = str(path), schema, timeout
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, in autocommit mode."""
        if getattr(self._local, "pid", None) != os.getpid():
            if getattr(self._local, "conn", None) is not None:  # the parent's: closing it here would release
                _inherited.append(self._local.conn)  # the locks this process's own connections hold on the file
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(self.schema)
            self._local.conn, self._local.pid = conn, os.getpid()
        return self._local.conn


class UTCDateTime(sa.TypeDecorator):
    """Timestamps read back as aware UTC datetimes on every database (SQLite returns them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("type", sa.String(40), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("surface", sa.String(40), nullable=False, default="help_center"),
    sa.Column("article", sa.String(200)),
    sa.Column("query", sa.String(1000)),
    sa.Column("data", sa.JSON, nullable=False, default=dict),
    sa.Column("results", sa.Integer),  # searches: how many results
    sa.Column("position", sa.Integer),  # clicks: 1-based rank of what was clicked
    sa.Column("session", sa.String(64), index=True),  # beacon / contact form conversation, for deflection
    sa.Column("visitor", sa.String(32)),  # salted hash of address and browser; the salt changes daily
    sa.Column("locale", sa.String(35), index=True),  # the language of the page or request, e.g. "pt-BR"
)

daily_salts = sa.Table(
    "daily_salts",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("salt", sa.String(64), nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False, default=""),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("url", sa.String(2048)),
    sa.Column("source", sa.String(40), nullable=False),  # contact_form, beacon, api
    sa.Column("shown", sa.JSON, nullable=False, default=list),  # slugs suggested before the customer wrote
    sa.Column("status", sa.String(20), nullable=False, default="open"),  # open, answered, closed
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("resolved_article", sa.String(200)),  # the article an agent marked as resolving it
    sa.Column("resolved_by", sa.String(320)),
    sa.Column("locale", sa.String(35)),  # the language the customer wrote in: the page's, the API's, or detected
    sa.Index("ix_tickets_email", "email"),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("role", sa.String(20), nullable=False, default="agent"),  # agent, admin
    sa.Column("source", sa.String(20), nullable=False, default="cli"),  # cli, config (KB_AGENTS)
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_sign_in_at", UTCDateTime()),
    # raised at sign-out: every session signed in before (on any device, any host) ends
    sa.Column("session_version", sa.Integer, nullable=False, default=0, server_default="0"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256; the token is shown once
    sa.Column("role", sa.String(20), nullable=False, default="agent"),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_used_at", UTCDateTime()),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("destination", sa.String(20), nullable=False),  # webhook, email
    sa.Column("status", sa.String(20), nullable=False, default="pending", index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("claimed_until", UTCDateTime()),
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", UTCDateTime()),
)


def database_url(config) -> str:
    return config["DATABASE_URL"] or f"sqlite:///{Path(config['DATA_DIR']) / 'kb.sqlite3'}"


def make_engine(config) -> sa.Engine:
    url = database_url(config)
    options = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30}  # wait for another worker's write instead of failing
    elif url.startswith("postgresql"):
        # A database that is down or cut off must cost a request seconds (then a 503), never a hung worker.
        options["pool_timeout"] = 5
        options["connect_args"] = {
            "connect_timeout": 5,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 2,
            "tcp_user_timeout": 10_000,
        }
    engine = sa.create_engine(url, **options)
    if url.startswith("postgresql"):
        sa.event.listen(engine, "connect", _end_abandoned_transactions)
    return engine


IDLE_IN_TRANSACTION = "30s"


def _end_abandoned_transactions(connection, record) -> None:
    """A host that dies mid-transaction must not hold its row locks (an outbox lease, a ticket) for the hours
    PostgreSQL's own keepalive may take to notice: the server ends a transaction left idle this long. kb's
    transactions last milliseconds."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION}'")
    connection.commit()


def alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest version: created whole when empty, else migrated with Alembic."""
    from alembic import command

    with _one_migration_at_a_time(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # held until this transaction ends
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        present = set(sa.inspect(conn).get_table_names())
        config = alembic_config(conn)
        if not present & set(metadata.tables):
            metadata.create_all(conn)
            command.stamp(config, "head")
            return
        if "alembic_version" not in present:
            command.stamp(config, FIRST_REVISION)  # made by kb 0.1's create_all, before migrations existed
        command.upgrade(config, "head")


FIRST_REVISION = "0001"
MIGRATION_LOCK = 7_370_211  # any fixed number: PostgreSQL's advisory lock for kb's schema changes


@contextlib.contextmanager
def _one_migration_at_a_time(engine: sa.Engine):
    """Hosts and processes starting together upgrade the schema one after the other, so the second finds it
    done (two `kb db upgrade` on a new database both created the tables). PostgreSQL: an advisory lock taken in
    the migration's transaction; SQLite: a lock on a file beside the database."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def init_app(app) -> None:
    """Connect (lazily: no query runs here). The schema is brought up to date by ``kb db upgrade``, which
    ``kb serve`` and ``kb index`` run first."""
    state_of(app).engine = make_engine(app.config)


def get_engine() -> sa.Engine:
    return state_of(current_app).engine

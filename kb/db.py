"""The database (SQLite in DATA_DIR by default, any SQLAlchemy URL with KB_DATABASE_URL): tables and engine.

Shared state lives here so that several workers, or several hosts on PostgreSQL, see the same tickets,
outbox and events.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("type", sa.String(40), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("surface", sa.String(40), nullable=False, default="help_center"),
    sa.Column("article", sa.String(200)),
    sa.Column("query", sa.String(1000)),
    sa.Column("data", sa.JSON, nullable=False, default=dict),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False, default=""),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("url", sa.String(2048)),
    sa.Column("source", sa.String(40), nullable=False),  # contact_form, beacon, api
    sa.Column("shown", sa.JSON, nullable=False, default=list),  # slugs suggested before the customer wrote
    sa.Column("status", sa.String(20), nullable=False, default="open"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
    sa.Column("destination", sa.String(20), nullable=False),  # webhook, email
    sa.Column("status", sa.String(20), nullable=False, default="pending", index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
)


def database_url(config) -> str:
    return config["DATABASE_URL"] or f"sqlite:///{Path(config['DATA_DIR']) / 'kb.sqlite3'}"


def make_engine(config) -> sa.Engine:
    url = database_url(config)
    options = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30}  # wait for another worker's write instead of failing
    engine = sa.create_engine(url, **options)
    metadata.create_all(engine)
    return engine


def init_app(app) -> None:
    app.extensions.setdefault("kb", {})["engine"] = make_engine(app.config)


def get_engine() -> sa.Engine:
    return current_app.extensions["kb"]["engine"]

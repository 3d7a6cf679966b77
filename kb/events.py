"""Recording what customers do (votes, searches, views) in the database given by ``DATABASE_URL``.

Recording must never break a page: a storage failure is logged and the request goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

log = logging.getLogger(__name__)
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

EVENT_TYPES = ("helpful",)


def database_url(config) -> str:
    return config["DATABASE_URL"] or f"sqlite:///{Path(config['DATA_DIR']) / 'kb.sqlite3'}"


def init_app(app) -> None:
    engine = sa.create_engine(database_url(app.config), pool_pre_ping=True)
    app.extensions.setdefault("kb", {})["engine"] = engine
    metadata.create_all(engine)


def get_engine() -> sa.Engine:
    return current_app.extensions["kb"]["engine"]


def record(
    type_: str, *, surface: str = "help_center", article: str | None = None, query: str | None = None, **data
) -> bool:
    """Store one event. Returns False (and logs) when storage fails; never raises."""
    row = {
        "type": type_,
        "created_at": dt.datetime.now(dt.UTC),
        "surface": surface,
        "article": article,
        "query": query,
        "data": data,
    }
    try:
        with get_engine().begin() as conn:
            conn.execute(events.insert().values(**row))
    except sa.exc.SQLAlchemyError:
        log.exception("could not record a %s event", type_)
        return False
    return True


def count(type_: str, **where) -> int:
    query = sa.select(sa.func.count()).select_from(events).where(events.c.type == type_)
    for column, value in where.items():
        query = query.where(events.c[column] == value)
    with get_engine().connect() as conn:
        return conn.execute(query).scalar_one()

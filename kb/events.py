"""Recording what customers do (votes, searches, views) in the database given by ``DATABASE_URL``.

Recording must never break a page: a storage failure is logged and the request goes on.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from kb.db import events, get_engine

log = logging.getLogger(__name__)


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

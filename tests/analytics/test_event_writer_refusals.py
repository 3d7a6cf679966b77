"""One event the database refuses is dropped alone: the events queued with it are written, and the writer goes
on recording (hardening finding 5)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kb.analytics.events import EventWriter
from kb.db import events as events_table
from kb.state import state_of
from tests.fixtures.app import make_app, make_config


def row(query: str) -> dict:
    return {
        "type": "search",
        "created_at": dt.datetime.now(dt.UTC),
        "surface": "api",
        "query": query,
        "data": {},
    }


@pytest.fixture
def engine(built_data_dir, some_database_url):
    app = make_app(make_config(built_data_dir, DATABASE_URL=some_database_url))
    yield state_of(app).engine
    state_of(app).engine.dispose()


# SQLite cannot encode a lone surrogate; PostgreSQL refuses NUL in text (and the surrogate): each refused whatever
# the retry. (SQLite stores NUL, so it has no NUL case.)
@pytest.mark.parametrize(
    ("db_kind", "bad"),
    [("sqlite", "lone \ud800 surrogate"), ("postgresql", "lone \ud800 surrogate"), ("postgresql", "nul \x00 byte")],
)
def test_a_refused_event_is_dropped_alone_and_recording_goes_on(engine, db_kind, bad):
    writer = EventWriter(engine, interval=3600)
    try:
        for text in ("first", bad, "third"):
            writer.put(row(text))
        assert writer.flush() == 2
        assert writer.refused == 1 and not writer.failing and not writer.queue
        writer.put(row("later"))
        assert writer.flush() == 1
    finally:
        writer.stop()
    with engine.connect() as conn:
        stored = conn.execute(sa.select(events_table.c.query).order_by(events_table.c.id)).scalars().all()
    assert stored == ["first", "third", "later"]


def test_events_wait_while_the_database_is_unreachable(tmp_path):
    writer = EventWriter(sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'kb.sqlite3'}"), interval=3600)
    try:
        writer.put(row("kept"))
        assert writer.flush() == 0
        assert writer.failing and len(writer.queue) == 1 and writer.refused == 0
    finally:
        writer.queue.clear()  # nothing left for the flush at exit to retry against the missing database
        writer.stopping = True
        writer.wake.set()
        writer.thread.join(5)

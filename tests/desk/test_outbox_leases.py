"""Delivery takes a lease: nothing re-takes a row while another worker is delivering it, `kb outbox --retry`
included, and a ticket sent again after a worker died carries the same Idempotency-Key (hardening finding 8)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from kb.db import outbox as outbox_table
from kb.desk import outbox
from kb.state import state_of
from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.databases import BOTH_DATABASES

TICKET = {"name": "Ann", "email": "ann@example.com", "subject": "Invoice", "message": "Where is my invoice?"}


@pytest.fixture
def slow(receiver):
    """The webhook receiver, holding each request until ``slow.hold`` is set."""
    receiver.hold = threading.Event()
    return receiver


def keys(receiver) -> list[str]:
    return [r["key"] for r in receiver.received]


@pytest.fixture
def hook_app(built_data_dir, some_database_url, slow):
    app = make_app(make_config(built_data_dir, DATABASE_URL=some_database_url, TICKET_WEBHOOK_URL=slow.url))
    assert app.test_client().post("/api/v1/tickets", json=TICKET).status_code == 201
    yield app
    shut_down(app)


@BOTH_DATABASES
def test_retry_while_a_delivery_is_under_way_sends_it_once(hook_app, slow):
    engine = state_of(hook_app).engine
    first = threading.Thread(target=outbox.deliver_due, args=(engine, hook_app.config))
    first.start()
    assert slow.arrived.wait(5)
    assert outbox.retry_now(engine) == 0  # the delivery under way is left alone
    assert outbox.deliver_due(engine, hook_app.config) == 0  # nobody else takes the row meanwhile
    slow.hold.set()
    first.join(10)
    assert keys(slow) == ["kb-ticket-1"]
    assert outbox.pending(engine) == []


@BOTH_DATABASES
def test_a_worker_killed_mid_delivery_is_replaced_with_the_same_key(hook_app, slow):
    engine = state_of(hook_app).engine
    slow.hold.set()
    [row_id] = outbox._due_ids(engine, outbox._now(), 10)
    assert outbox._claim(engine, row_id, outbox._now()) is not None  # a worker takes the lease... and dies
    assert outbox.deliver_due(engine, hook_app.config) == 0  # while its lease runs, nobody sends it
    later = outbox._now() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)
    assert outbox.deliver_due(engine, hook_app.config, now=later) == 1
    assert keys(slow) == ["kb-ticket-1"]


@BOTH_DATABASES
def test_a_worker_whose_lease_ran_out_cannot_undo_the_next_one(hook_app):
    engine = state_of(hook_app).engine
    [row_id] = outbox._due_ids(engine, outbox._now(), 10)
    stale = outbox._claim(engine, row_id, outbox._now())
    later = outbox._now() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)
    current = outbox._claim(engine, row_id, later)
    outbox._failed(engine, stale, "the stale worker's late failure")
    with engine.connect() as conn:
        row = conn.execute(sa.select(outbox_table).where(outbox_table.c.id == row_id)).mappings().one()
    assert row["claimed_until"] == current["lease"] and row["last_error"] is None

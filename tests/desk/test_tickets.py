"""Tickets (kb.desk.tickets): stored before anything is delivered, and refused with the wrong fields named."""

from __future__ import annotations

import pytest

from kb.db import get_engine
from kb.desk import outbox, tickets
from tests.fixtures.desk import GOOD


def test_ticket_is_stored_before_delivery(ticket_app, receiver):
    receiver.up = False
    client = ticket_app.test_client()
    response = client.post("/api/v1/tickets", json={**GOOD, "shown": ["invoices"], "source": "beacon"})
    assert response.status_code == 201
    ticket_id = response.get_json()["id"]
    with ticket_app.app_context():
        stored = tickets.get(ticket_id)
        assert stored["email"] == "ada@example.com" and stored["shown"] == ["invoices"]
        assert stored["source"] == "beacon" and stored["status"] == "open"
        assert [r["status"] for r in outbox.pending(get_engine())] == ["pending"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "email", "message"}),
        ({**GOOD, "email": "not-an-address"}, {"email"}),
        ({**GOOD, "name": 5}, {"name"}),
        ({**GOOD, "message": "x" * 20_001}, {"message"}),
        ({**GOOD, "shown": "invoices"}, {"shown"}),
    ],
)
def test_invalid_tickets_name_the_wrong_fields(client, body, fields):
    response = client.post("/api/v1/tickets", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_ticket" and set(error["fields"]) == fields

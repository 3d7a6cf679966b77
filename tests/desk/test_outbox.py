from __future__ import annotations

import socket
import threading
import time

import pytest

from kb.db import get_engine
from kb.desk import outbox, tickets
from kb.state import state_of
from tests.conftest import csrf_token, make_app, make_config, shut_down


@pytest.fixture
def ticket_app(database_url, built_data_dir, receiver):
    app = make_app(make_config(built_data_dir, DATABASE_URL=database_url, TICKET_WEBHOOK_URL=receiver.url))
    yield app
    shut_down(app)


def get_engine_of(app):
    return state_of(app).engine


GOOD = {"name": "Ada", "email": "ada@example.com", "subject": "Invoice", "message": "Where is my invoice?"}


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


def test_webhook_down_then_up_is_delivered_exactly_once(ticket_app, receiver):
    client = ticket_app.test_client()
    receiver.up = False
    ticket_id = client.post("/api/v1/tickets", json=GOOD).get_json()["id"]
    engine = get_engine_of(ticket_app)
    assert outbox.deliver_due(engine, ticket_app.config) == 0
    row = outbox.pending(engine)[0]
    assert row["attempts"] == 1 and "500" in row["last_error"]
    assert outbox.deliver_due(engine, ticket_app.config) == 0  # not due yet: backing off
    receiver.up = True
    assert outbox.retry_now(engine) == 1
    assert outbox.deliver_due(engine, ticket_app.config) == 1
    assert outbox.deliver_due(engine, ticket_app.config) == 0
    assert [r["body"]["id"] for r in receiver.received] == [ticket_id]
    assert receiver.received[0]["key"] == f"kb-ticket-{ticket_id}"
    assert receiver.received[0]["body"]["message"] == "Where is my invoice?"


def test_concurrent_workers_deliver_each_ticket_once(ticket_app, receiver):
    client = ticket_app.test_client()
    ids = [client.post("/api/v1/tickets", json={**GOOD, "message": f"m{i}"}).get_json()["id"] for i in range(12)]
    engine = get_engine_of(ticket_app)
    workers = [threading.Thread(target=outbox.deliver_due, args=(engine, ticket_app.config)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    outbox.deliver_due(engine, ticket_app.config)
    assert sorted(r["body"]["id"] for r in receiver.received) == ids


def test_background_worker_delivers(ticket_app, receiver):
    client = ticket_app.test_client()
    client.post("/api/v1/tickets", json=GOOD)
    worker = outbox.Worker(get_engine_of(ticket_app), ticket_app.config, interval=0.05)
    worker.start()
    try:
        for _ in range(100):
            if receiver.received:
                break
            time.sleep(0.05)
    finally:
        worker.stop()
        worker.join()
    assert len(receiver.received) == 1


def test_slack_format(ticket_app, receiver):
    ticket_app.config["TICKET_WEBHOOK_FORMAT"] = "slack"
    ticket_app.test_client().post("/api/v1/tickets", json=GOOD)
    outbox.deliver_due(get_engine_of(ticket_app), ticket_app.config)
    assert receiver.received[0]["body"]["text"].startswith("New ticket #1 from Ada <ada@example.com>: Invoice")


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


def test_smtp_delivery(built_data_dir, tmp_path):
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(envelope)
            return "250 OK"

    handler = Handler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app(
            make_config(
                built_data_dir,
                DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}",
                SMTP_URL=f"smtp://127.0.0.1:{port}",
                TICKET_EMAIL_TO="support@example.com",
            )
        )
        app.test_client().post("/api/v1/tickets", json=GOOD)
        assert outbox.deliver_due(get_engine_of(app), app.config) == 1
    finally:
        controller.stop()
    [envelope] = handler.messages
    assert envelope.rcpt_tos == ["support@example.com"]
    text = envelope.content.decode()
    assert "Subject: [Ticket #1] Invoice" in text and "Where is my invoice?" in text
    assert "Reply-To: Ada <ada@example.com>" in text


def test_contact_form_stores_a_ticket_and_keeps_input_on_errors(client, app):
    page = client.get("/contact?subject=invoice").get_data(as_text=True)
    assert "Download invoices" in page  # suggestions for the subject, without JavaScript
    token = csrf_token(page)
    bad = client.post(
        "/contact",
        data={"csrf_token": token, "name": "Ada", "email": "nope", "message": "My long message that must not be lost"},
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "My long message that must not be lost" in html and "not an e-mail address" in html
    good = client.post(
        "/contact",
        data={
            "csrf_token": token,
            "name": "Ada",
            "email": "ada@example.com",
            "subject": "Invoice",
            "message": "Hi",
            "shown": "invoices",
        },
    )
    assert good.status_code == 303
    assert "ticket #1" in client.get("/contact/sent").get_data(as_text=True)
    with app.app_context():
        assert tickets.get(1)["shown"] == ["invoices"] and tickets.get(1)["source"] == "contact_form"


def test_contact_form_needs_csrf(client):
    assert client.post("/contact", data={**GOOD}).status_code == 400


def test_outbox_cli_lists_and_retries(ticket_app, receiver):
    receiver.up = False
    ticket_app.test_client().post("/api/v1/tickets", json=GOOD)
    runner = ticket_app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "--deliver"])
    assert "ticket #1 → webhook: pending, 1 attempt(s)" in listed.output
    receiver.up = True
    retried = runner.invoke(args=["outbox", "--retry"])
    assert "Delivered 1." in retried.output and "Nothing waiting" in retried.output

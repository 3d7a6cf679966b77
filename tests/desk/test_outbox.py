"""The outbox (kb.desk.outbox): every stored ticket delivered exactly once, to a webhook or by e-mail, retried."""

from __future__ import annotations

import socket
import threading
import time

from kb.desk import outbox
from kb.state import state_of
from tests.fixtures.app import make_app, make_config
from tests.fixtures.desk import GOOD


def get_engine_of(app):
    return state_of(app).engine


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


def test_outbox_cli_lists_and_retries(ticket_app, receiver):
    receiver.up = False
    ticket_app.test_client().post("/api/v1/tickets", json=GOOD)
    runner = ticket_app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "--deliver"])
    assert "ticket #1 → webhook: pending, 1 attempt(s)" in listed.output
    receiver.up = True
    retried = runner.invoke(args=["outbox", "--retry"])
    assert "Delivered 1." in retried.output and "Nothing waiting" in retried.output

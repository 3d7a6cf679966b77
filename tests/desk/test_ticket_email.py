"""Ticket e-mails are built by the standard library's address and header classes: a newline or an address in a
customer's name or subject can neither break the e-mail nor add a recipient (hardening finding 6)."""

from __future__ import annotations

from email.utils import getaddresses

import pytest

from kb.desk import outbox
from kb.state import state_of
from tests.fixtures.app import make_app, make_config

TICKET = {"name": "Ada", "email": "ada@example.com", "subject": "Invoice", "message": "Where is my invoice?"}


@pytest.fixture
def mail_app(built_data_dir, tmp_path, mail_server):
    return make_app(
        make_config(
            built_data_dir,
            DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            SMTP_URL=mail_server.url,
            TICKET_EMAIL_TO="support@example.com",
        )
    )


def deliver(app, ticket: dict):
    response = app.test_client().post("/api/v1/tickets", json=ticket)
    assert response.status_code == 201, response.get_json()
    assert outbox.deliver_due(state_of(app).engine, app.config) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "Ada\nBcc: attacker@evil.example"},
        {"subject": "Invoice\r\nBcc: attacker@evil.example"},
        {"name": "Ada\r\n\r\nInjected body", "subject": "A\tB\x0bC"},
    ],
)
def test_newlines_in_a_name_or_subject_are_folded_and_the_mail_goes(mail_app, mail_server, fields):
    deliver(mail_app, {**TICKET, **fields})
    [message] = mail_server.messages()
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\n" not in str(message["Reply-To"])
    assert mail_server.envelopes[0].rcpt_tos == ["support@example.com"]


def test_an_address_in_the_name_never_becomes_a_recipient_of_the_reply(mail_app, mail_server):
    deliver(mail_app, {**TICKET, "name": "Dana <attacker@evil.example>, Dana"})
    [message] = mail_server.messages()
    assert [address for _, address in getaddresses([str(message["Reply-To"])])] == ["ada@example.com"]
    assert message["Reply-To"].addresses[0].display_name == "Dana <attacker@evil.example>, Dana"


@pytest.mark.parametrize("email", ["ada@example.com, attacker@evil.example", "a,b@example.com", "ada@exa mple.com"])
def test_an_email_field_holding_more_than_one_address_is_refused(mail_app, email):
    response = mail_app.test_client().post("/api/v1/tickets", json={**TICKET, "email": email})
    assert response.status_code == 400
    assert "email" in response.get_json()["error"]["fields"]

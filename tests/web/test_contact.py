"""The contact form (/contact): suggestions without JavaScript, input kept on errors, a ticket stored."""

from __future__ import annotations

from kb.desk import tickets
from tests.fixtures.app import csrf_token
from tests.fixtures.desk import GOOD


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

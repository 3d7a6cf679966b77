"""The inbox integrations: Help Scout's dynamic app and the signed incoming webhook (/integrations/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from tests.fixtures.agents import BEARER, HELPSCOUT_SECRET, WEBHOOK_SECRET, submit

# Help Scout dynamic app


def helpscout(client, payload, *, secret=HELPSCOUT_SECRET, signature=None, body=None):
    raw = json.dumps(payload).encode()
    signed = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha1).digest()).decode()
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers["X-HelpScout-Signature"] = signature or signed
    return client.post("/integrations/helpscout", data=body if body is not None else raw, headers=headers)


CONVERSATION = {
    "ticket": {
        "id": 1,
        "number": 1001,
        "subject": "Paperwork",
        "threads": [
            {"type": "message", "body": "<p>Thanks, we'll look.</p>"},
            {"type": "customer", "body": "<p>Where can I <b>download</b> my invoices as PDF?</p>"},
        ],
    },
    "customer": {"id": 5, "fname": "Ann", "email": "ann@example.com"},
    "mailbox": {"id": 7, "email": "help@example.com"},
}


def test_helpscout_valid_signature_gets_suggestions_as_html(anon):
    response = helpscout(anon, CONVERSATION)
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert 'href="http://localhost/articles/invoices' in html and "Download invoices" in html


def test_helpscout_reads_the_customer_threads_not_only_the_subject(anon):
    vague = {**CONVERSATION, "ticket": {**CONVERSATION["ticket"], "threads": []}}
    assert "/articles/invoices" not in helpscout(anon, vague).get_json()["html"]


@pytest.mark.parametrize(
    "kwargs,status",
    [
        ({"signature": False}, 401),
        ({"signature": "bm90IHRoZSBzaWduYXR1cmU="}, 403),
        ({"secret": "another-secret"}, 403),
        ({"body": json.dumps({**CONVERSATION, "customer": {"email": "mallory@example.com"}}).encode()}, 403),
    ],
    ids=["missing", "invalid", "wrong-secret", "tampered-body"],
)
def test_helpscout_refuses_bad_signatures(anon, kwargs, status):
    response = helpscout(anon, CONVERSATION, **kwargs)
    assert response.status_code == status
    assert "html" not in response.get_json()


def test_helpscout_is_off_without_a_secret(app):
    response = helpscout(app.test_client(), CONVERSATION)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "disabled"


def test_helpscout_html_is_escaped_and_drafts_get_a_note(anon):
    draft = helpscout(anon, {"ticket": False, "customer": {}}).get_json()["html"]
    assert "once the conversation has a subject" in draft
    hostile = {"ticket": {"subject": "<script>alert(1)</script> invoices download"}}
    assert "<script>" not in helpscout(anon, hostile).get_json()["html"]


def test_helpscout_marks_what_the_customer_was_already_shown(anon):
    submit(anon, shown=["invoices"])
    html = helpscout(anon, CONVERSATION).get_json()["html"]
    item = next(li for li in html.split("<li")[1:] if "/articles/invoices" in li)
    assert "Shown to the customer" in item  # ranked with the rest, marked: it may still be the answer
    assert "Also shown to this customer" not in html  # listed once


# Incoming webhook


def webhook(client, payload, *, headers=None, secret=WEBHOOK_SECRET):
    raw = json.dumps(payload).encode()
    if headers is None:
        headers = {"X-KB-Signature": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}
    return client.post("/integrations/webhook", data=raw, headers={"Content-Type": "application/json", **headers})


def test_webhook_with_a_token_or_a_signature_answers_with_suggestions(anon):
    ticket = {"id": "ZD-17", "subject": "Invoice", "description": "<p>How do I download invoices?</p>"}
    for headers in (BEARER, None):
        answer = webhook(anon, {"ticket": ticket}, headers=headers)
        assert answer.status_code == 200
        data = answer.get_json()
        assert data["ticket_id"] == "ZD-17"
        assert data["suggestions"][0]["slug"] == "invoices" and data["suggestions"][0]["excerpt"]


@pytest.mark.parametrize(
    "kwargs,status",
    [
        ({"headers": {}}, 401),
        ({"headers": {"Authorization": "Bearer not-a-valid-token-1234"}}, 401),
        ({"secret": "another-secret"}, 403),
        ({"headers": {"X-KB-Signature": "sha256=00"}}, 403),
    ],
)
def test_webhook_refuses_unauthenticated_requests(anon, kwargs, status):
    response = webhook(anon, {"subject": "invoice"}, **kwargs)
    assert response.status_code == status
    assert "suggestions" not in response.get_json()


def test_webhook_does_not_store_tickets(agent_app, anon):
    webhook(anon, {"subject": "invoice download", "customer_email": "zed@example.com"}, headers=BEARER)
    assert anon.get("/api/v1/agent/tickets", headers=BEARER).get_json()["total"] == 0


def test_webhook_bad_body_is_a_4xx_json_error(anon):
    assert webhook(anon, {"subject": ["x"]}, headers=BEARER).status_code == 400
    response = anon.post("/integrations/webhook", data="not json", headers={**BEARER, "Content-Type": "text/plain"})
    assert response.status_code == 415

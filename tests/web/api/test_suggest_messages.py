"""A conversation as the input of every suggestion surface: ``messages`` on /api/v1/suggest, the agent API and the
webhook, and a Help Scout conversation's threads read as messages.

The index is built with the fake encoder (bag-of-words vectors) and Whoosh's keyword ranking, so what decides the
order here is which words the engine reads as the question: the customer's latest turn, never an agent's turn.
"""

from __future__ import annotations

import re

import pytest

from tests.fixtures.agents import BEARER
from tests.web.test_integrations import helpscout, webhook

INVOICES = "Where can I download my invoices as PDF?"
PASSWORD = "I forgot my password, how do I reset it?"
TWO_FACTOR = "Also turn on two-factor authentication with an authenticator app and keep your recovery codes."
RESET = "How do I reset my password?"


def conversation(*turns: tuple[str, str]) -> list[dict]:
    return [{"role": role, "text": text} for role, text in turns]


def suggest(client, **body):
    return client.post("/api/v1/suggest", json=body)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [s["slug"] for s in response.get_json()["suggestions"]]


def error_of(response, status: int, code: str) -> str:
    """The error's message, once the response is the one JSON error shape with ``status`` and ``code``."""
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    return error["message"]


# POST /api/v1/suggest


def test_the_customers_latest_turn_is_the_question(client):
    assert slugs(suggest(client, text=INVOICES))[0] == "invoices"
    chat = conversation(("customer", INVOICES), ("agent", "They are under Billing, Invoices."), ("customer", PASSWORD))
    response = suggest(client, messages=chat)
    assert slugs(response)[0] == "reset-password"
    assert all(isinstance(s["confident"], bool) for s in response.get_json()["suggestions"])


def test_an_agents_turn_is_context_not_the_question(client):
    """The same words, the roles swapped: what the customer asks decides, not what the agent says."""
    asked = suggest(client, messages=conversation(("customer", RESET), ("agent", TWO_FACTOR)))
    assert slugs(asked)[0] == "reset-password"
    swapped = suggest(client, messages=conversation(("agent", RESET), ("customer", TWO_FACTOR)))
    assert slugs(swapped)[0] == "two-factor-authentication"


def test_one_customer_message_reads_as_its_text(client):
    alone = suggest(client, messages=conversation(("customer", INVOICES)))
    assert slugs(alone) == slugs(suggest(client, text=INVOICES))


def test_messages_with_the_page_url(client):
    response = suggest(client, messages=conversation(("customer", RESET)), url="https://app.example.com/billing/plans")
    assert slugs(response)[0] == "invoices"  # the page rule first, as with `text`
    assert "page rule" in response.get_json()["suggestions"][0]["reasons"]


MESSAGE = {"role": "customer", "text": "hello"}


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        ({"messages": "How do I reset my password?"}, 400, "invalid_field", "`messages` must be a list, got a string"),
        ({"messages": MESSAGE}, 400, "invalid_field", "`messages` must be a list, got an object"),
        ({"messages": [MESSAGE] * 101}, 400, "invalid_field", "`messages` must be at most 100 messages, got 101"),
        ({"messages": ["hello"]}, 400, "invalid_field", "`messages[0]` must be an object with a `role` and a `text`"),
        (
            {"messages": [MESSAGE] * 3 + [{"role": "bot", "text": "hi"}]},
            400,
            "invalid_field",
            '`messages[3].role` must be "customer" or "agent", got "bot"',
        ),
        ({"messages": [{"text": "hi"}]}, 400, "invalid_field", '`messages[0].role` must be "customer" or "agent"'),
        ({"messages": [MESSAGE, {"role": "agent", "text": 5}]}, 400, "invalid_field", "`messages[1].text` must be a"),
        ({"messages": [{"role": "agent"}]}, 400, "invalid_field", "`messages[0].text` must be a string, got nothing"),
        (
            {"messages": [{"role": "customer", "text": "x" * 10_001}] * 2},
            413,
            "text_too_long",
            "`messages` are too long (20002 characters; at most 20000)",
        ),
        ({"text": "invoices", "messages": [MESSAGE]}, 400, "conflicting_fields", "give `text` or `messages`, not both"),
        ({"messages": []}, 400, "missing_field", "`messages`"),
        ({"messages": [{"role": "customer", "text": "  "}]}, 400, "missing_field", "`messages`"),
    ],
    ids=[
        "string",
        "object",
        "too-many",
        "not-an-object",
        "bad-role",
        "no-role",
        "text-number",
        "no-text",
        "too-long",
        "both",
        "empty",
        "blank",
    ],
)
def test_bad_messages_get_a_json_error_naming_the_field(client, body, status, code, says):
    assert says in error_of(suggest(client, **body), status, code)


def test_a_hundred_messages_are_accepted(client):
    chat = conversation(*[("agent", "Anything else?"), ("customer", "Not yet.")] * 49, ("customer", RESET))
    assert len(chat) == 99
    assert slugs(suggest(client, messages=[*chat, {"role": "agent", "text": "One moment."}]))[0] == "reset-password"


# The agent API and the webhook


def agent_suggest(anon, **body):
    return anon.post("/api/v1/agent/suggest", json=body, headers=BEARER)


def test_agent_api_reads_messages(anon):
    asked = agent_suggest(anon, messages=conversation(("customer", RESET), ("agent", TWO_FACTOR)))
    assert slugs(asked)[0] == "reset-password"
    assert asked.get_json()["suggestions"][0]["excerpt"]
    swapped = agent_suggest(anon, messages=conversation(("agent", RESET), ("customer", TWO_FACTOR)))
    assert slugs(swapped)[0] == "two-factor-authentication"


def test_agent_api_reads_the_subject_and_body_besides_messages_as_the_opening_turn(anon):
    vague = conversation(
        ("customer", "Hello, can you help me with this please?"),
        ("agent", "Of course, what is it about?"),
        ("customer", "It is about the thing I wrote first."),
    )
    assert "invoices" not in slugs(agent_suggest(anon, messages=vague))
    assert slugs(agent_suggest(anon, subject="Download invoices as PDF", messages=vague))[0] == "invoices"
    assert slugs(agent_suggest(anon, body="I need to reset my password", messages=vague))[0] == "reset-password"


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        ({"messages": [{"role": "staff", "text": "hi"}]}, 400, "invalid_field", "`messages[0].role`"),
        ({"messages": {"role": "agent"}}, 400, "invalid_field", "`messages` must be a list"),
        (
            {"subject": "x" * 10_000, "messages": [{"role": "customer", "text": "y" * 10_001}]},
            413,
            "text_too_long",
            "`subject`, `body` and `messages` together are too long (20001 characters; at most 20000)",
        ),
        ({"messages": []}, 400, "missing_field", "`messages`"),
    ],
    ids=["bad-role", "not-a-list", "too-long-together", "empty"],
)
def test_agent_api_bad_messages(anon, body, status, code, says):
    assert says in error_of(agent_suggest(anon, **body), status, code)


def test_webhook_reads_messages_as_plain_text(anon):
    chat = conversation(("customer", f"<p>{RESET}</p>"), ("agent", f"<div>{TWO_FACTOR}</div>"))
    for headers in (BEARER, None):  # an agent token, or the signature
        answer = webhook(anon, {"ticket": {"id": 42, "messages": chat}}, headers=headers)
        assert slugs(answer)[0] == "reset-password"
        assert answer.get_json()["ticket_id"] == 42
    swapped = conversation(("agent", RESET), ("customer", TWO_FACTOR))
    assert slugs(webhook(anon, {"messages": swapped}, headers=BEARER))[0] == "two-factor-authentication"


def test_webhook_bad_messages_name_the_field(anon):
    response = webhook(anon, {"ticket": {"messages": [{"role": "customer", "text": ["x"]}]}}, headers=BEARER)
    assert "`messages[0].text` must be a string, got a list" in error_of(response, 400, "invalid_field")


# Help Scout: the conversation's threads, newest first in its payload


def suggested_in(response) -> list[str]:
    """The slugs Help Scout's sidebar suggests, in order (not those listed as already shown)."""
    assert response.status_code == 200, response.get_json()
    html = response.get_json()["html"].split("Already shown to this customer")[0]
    return list(dict.fromkeys(re.findall(r"/articles/([\w-]+)", html)))


def thread(kind: str, body: str, **more) -> dict:
    return {"type": kind, "body": f"<p>{body}</p>", **more}


def helpscout_ticket(*threads: dict, subject: str = "") -> dict:
    return {"ticket": {"id": 1, "subject": subject, "threads": list(threads)}, "customer": {"email": "ann@example.com"}}


def test_helpscout_reads_every_thread_and_the_newest_customer_thread_is_the_question(anon):
    reply = thread("message", "Let me check that for you.")
    newest_password = helpscout_ticket(thread("customer", PASSWORD), reply, thread("customer", INVOICES))
    assert suggested_in(helpscout(anon, newest_password))[:2] == ["reset-password", "invoices"]
    newest_invoices = helpscout_ticket(thread("customer", INVOICES), reply, thread("customer", PASSWORD))
    assert suggested_in(helpscout(anon, newest_invoices))[:2] == ["invoices", "reset-password"]


def test_helpscout_replies_are_the_agents_turns(anon):
    answered = helpscout_ticket(thread("message", TWO_FACTOR), thread("customer", RESET), subject="Sign-in")
    assert suggested_in(helpscout(anon, answered))[0] == "reset-password"
    swapped = helpscout_ticket(thread("customer", TWO_FACTOR), thread("message", RESET), subject="Sign-in")
    assert suggested_in(helpscout(anon, swapped))[0] == "two-factor-authentication"


def test_helpscout_chat_turns_are_read_by_who_wrote_them(anon):
    chat = helpscout_ticket(
        thread("chat", TWO_FACTOR, createdBy={"type": "user", "id": 3}),
        thread("chat", RESET, createdBy={"type": "customer", "id": 5}),
    )
    assert suggested_in(helpscout(anon, chat))[0] == "reset-password"


@pytest.mark.parametrize(
    "left_out",
    [thread("note", INVOICES), thread("message", INVOICES, state="draft"), thread("lineitem", INVOICES)],
    ids=["note", "draft-reply", "line-item"],
)
def test_helpscout_notes_drafts_and_events_are_not_the_conversation(anon, left_out):
    html = helpscout(anon, helpscout_ticket(left_out)).get_json()["html"]
    assert "once the conversation has a subject or a message" in html  # nothing to read
    with_customer = helpscout_ticket(left_out, thread("customer", RESET))
    assert "invoices" not in suggested_in(helpscout(anon, with_customer))


def test_helpscout_subject_opens_the_conversation(anon):
    vague = [thread("customer", "It is about the thing I wrote first."), thread("message", "Of course, tell me more.")]
    assert "invoices" not in suggested_in(helpscout(anon, helpscout_ticket(*vague)))
    titled = helpscout_ticket(*vague, subject="Download invoices as PDF")
    assert suggested_in(helpscout(anon, titled))[0] == "invoices"

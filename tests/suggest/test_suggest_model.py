"""Suggestions with the real model on the shipped help center, for the texts customers really send: tickets with
quoted replies and signatures, whole conversations, and questions the help center cannot answer."""

from __future__ import annotations

import pytest

CORS_TICKET = "The beacon opens on our site but no articles appear, the console shows a CORS error"


def suggested(client, **body) -> list[dict]:
    response = client.post("/api/v1/suggest", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["suggestions"]


def test_the_cors_ticket_gets_the_beacon_article_first(shipped_client):
    found = suggested(shipped_client, text=CORS_TICKET)
    assert found[0]["slug"] == "chat-beacon" and found[0]["confident"] is True
    assert "#" in found[0]["url"]  # deep-linked to the section that answers


def test_suggestions_are_ordered_by_the_score_they_print(shipped_client):
    for text in (CORS_TICKET, "How do I add agents?", "search results are in the wrong order"):
        scores = [s["score"] for s in suggested(shipped_client, text=text)]
        assert scores == sorted(scores, reverse=True)


def test_a_quoted_reply_is_not_read_as_the_question(shipped_client):
    body = (
        "Hi team,\n\nHow can I export the analytics to a spreadsheet?\n\nThanks,\nDana\nAcme Inc.\n\n"
        "On Tue, 3 Mar 2026 at 10:00, Support <help@example.com> wrote:\n"
        "> To reset the agent password, open the agent accounts page and use the password reset link.\n"
        "> Password resets expire after an hour.\n"
    )
    found = suggested(shipped_client, text=body)
    assert found[0]["slug"] == "analytics-dashboard", [s["slug"] for s in found]
    assert "agent-accounts-and-tokens" not in [s["slug"] for s in found[:1]]


def test_a_conversation_is_read_for_its_last_question_in_the_context_named_before(shipped_client):
    messages = [
        {"role": "customer", "text": "hi, we want the chat widget on our online shop"},
        {"role": "agent", "text": "Sure, that is the chat beacon: one script tag on your site."},
        {"role": "customer", "text": "ok great. and can we change its colour to match our brand?"},
    ]
    found = suggested(shipped_client, messages=messages)
    assert found[0]["slug"] == "chat-beacon", [s["slug"] for s in found]
    assert found[0]["url"].endswith("#customize-the-look")


def test_a_transcript_in_plain_text_is_read_as_a_conversation(shipped_client):
    transcript = (
        "Customer: hello, our help center runs on one server now\n"
        "Agent: ok, how can I help?\n"
        "Customer: we are moving to two servers behind a load balancer, what do we need to change?"
    )
    assert suggested(shipped_client, text=transcript)[0]["slug"] == "several-hosts"


@pytest.mark.parametrize(
    "text",
    [
        "refund my subscription",
        "what is the airspeed of an unladen swallow",
        "User: hi\nAgent: hello, how can I help?\nUser: will it rain in Lisbon tomorrow afternoon?",
    ],
)
def test_what_the_help_center_cannot_answer_gets_no_confident_answer(shipped_client, text):
    assert suggested(shipped_client, text=text) == []
    question = text.splitlines()[-1].removeprefix("User: ")  # what a customer would type in the search box
    results = shipped_client.get("/api/v1/search", query_string={"q": question}).get_json()["results"]
    assert not any(r.get("confident") for r in results)

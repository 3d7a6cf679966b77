"""How a customer's text is read: its kind, its question, and its turns."""

from __future__ import annotations

import pytest

from suggest.reading import AGENT, CONVERSATION, CUSTOMER, QUESTION, SEARCH, TICKET, Message, parse_transcript, read


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("reset password", SEARCH),
        ("How do I reset my password?", QUESTION),
        ("I was charged twice. " * 12, TICKET),
        ("", SEARCH),
    ],
)
def test_the_kind_of_a_plain_text(text, kind):
    assert read(text).kind == kind


def test_a_subject_makes_a_ticket_whose_question_is_the_subject_and_first_sentences():
    reading = read(
        "Hi team,\n\nMy invoice shows the wrong VAT number. Can you fix it?\n\nThanks,\nDana", subject="Invoice"
    )
    assert reading.kind == TICKET
    assert reading.question.startswith("Invoice My invoice shows the wrong VAT number.")
    assert "Hi team" not in reading.text and "Dana" not in reading.text


def test_quoted_replies_are_not_read():
    body = "The export still fails.\n\nOn Tue, 3 Mar 2026, Support <help@example.com> wrote:\n> Try clearing the cache."
    assert "cache" not in read(body, subject="Export").text


def test_a_transcript_is_read_as_a_conversation_whose_question_is_the_customers_last_turn():
    transcript = (
        "User: hi, I'm planning a trip\nAgent: sure, I recommend the Grant Hotel\nUser: do they have free wifi?"
    )
    reading = read(transcript)
    assert reading.kind == CONVERSATION
    assert reading.question == "do they have free wifi?"
    assert [m.role for m in reading.turns] == [CUSTOMER, AGENT, CUSTOMER]
    assert reading.context[-1].text == "sure, I recommend the Grant Hotel"


def test_an_agents_last_turn_is_context_never_the_question():
    reading = read(messages=[Message(CUSTOMER, "my card was declined at checkout"), Message(AGENT, "which card?")])
    assert reading.question == "my card was declined at checkout"


def test_a_tiny_last_turn_leans_on_the_customers_turn_before():
    turns = [Message(CUSTOMER, "can I pay by bank transfer"), Message(AGENT, "yes"), Message(CUSTOMER, "and invoices?")]
    assert read(messages=turns).question == "can I pay by bank transfer and invoices?"


def test_one_customer_message_is_read_by_its_own_kind():
    assert read(messages=[Message(CUSTOMER, "reset password")]).kind == SEARCH


@pytest.mark.parametrize(
    "text",
    ["Note: the export fails\nError: 500", "User: only one turn", "plain text\nUser: late speaker\nAgent: hi"],
)
def test_texts_that_are_not_transcripts(text):
    assert parse_transcript(text) is None


def test_transcript_lines_without_a_speaker_continue_the_turn():
    turns = parse_transcript("Customer: my export fails\nwith error 500\nSupport: which file?")
    assert turns == [Message(CUSTOMER, "my export fails with error 500"), Message(AGENT, "which file?")]

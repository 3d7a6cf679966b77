"""The suggestion engine on its own: which page URLs a rule matches, and how each kind of text is embedded."""

from __future__ import annotations

import pytest

from suggest import engine, reading
from suggest.engine import matches_page


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        ("/billing/*", "https://app.example.com/billing/plans", True),
        ("/billing/*", "https://app.example.com/settings", False),
        ("/billing", "https://app.example.com/billing?x=1", True),
        ("https://app.example.com/settings/*", "https://app.example.com/settings/team", True),
        ("https://app.example.com/settings/*", "https://other.example.com/settings/team", False),
        ("/billing/*", "", False),
    ],
)
def test_page_rules(pattern, url, expected):
    assert matches_page(pattern, url) is expected


def test_a_question_is_embedded_once():
    pieces, weights = engine.embedded_pieces(reading.read("How do I reset my password?"))
    assert pieces == ["How do I reset my password?"] and weights == [1.0]


def test_a_long_ticket_is_embedded_as_its_question_and_its_first_words():
    body = "I cannot sign in since Monday. " + "The page reloads and shows nothing at all. " * 60
    pieces, weights = engine.embedded_pieces(reading.read(body, subject="Sign-in broken"))
    assert len(pieces) == 2 and pieces[0].startswith("Sign-in broken I cannot sign in")
    assert len(pieces[1].split()) == engine.TICKET_WORDS and weights[0] > weights[1]


def test_a_conversation_is_embedded_in_a_handful_of_pieces():
    turns = [reading.Message(reading.CUSTOMER if i % 2 == 0 else reading.AGENT, f"turn {i} " * 30) for i in range(20)]
    turns.append(reading.Message(reading.CUSTOMER, "and do they have free parking there?"))
    pieces, _ = engine.embedded_pieces(reading.read(messages=turns))
    assert pieces[0] == "and do they have free parking there?"
    assert len(pieces) == 3 and len(pieces[2].split()) == engine.RECENT_WORDS

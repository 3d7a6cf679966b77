"""A snippet without a matching word is the section's start, shortened by kb.content.render.shorten."""

from __future__ import annotations

from kb.content.render import shorten
from search.snippets import snippet


def test_shorten_cuts_between_words_and_drops_trailing_punctuation():
    assert shorten("One two,  three four", 12) == "One two…"
    assert shorten("short", 12) == "short"
    assert shorten("Plans, seats, invoices", 15) == "Plans, seats…"


def test_a_snippet_keeps_the_punctuation_where_it_is_cut():
    text = "Plans, seats, invoices and receipts are listed here."
    assert shorten(text, 15, strip="") == "Plans, seats,…"
    assert snippet(text, ["nothing"], length=15) == "Plans, seats,…"
    assert snippet(text, [], length=15) == "Plans, seats,…"

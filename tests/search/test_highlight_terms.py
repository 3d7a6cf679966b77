"""Snippets mark what the analyzer matched, never stop words or single letters such as "I" or the "t" of "can't"."""

from __future__ import annotations

import re

import pytest

from search import fulltext, snippets
from search.documents import SectionDoc


def marked(html: str) -> list[str]:
    return [word.lower() for word in re.findall(r"<mark>(.*?)</mark>", html)]


@pytest.mark.parametrize("mode", ["fulltext", "hybrid", "semantic"])
def test_search_results_never_mark_single_letters_or_stop_words(client, mode):
    query = "can't I reset my password?"
    results = client.get("/api/v1/search", query_string={"q": query, "mode": mode}).get_json()["results"]
    words = {word for r in results for word in marked(r["snippet"])}
    assert words, "the query's words are marked"
    assert words <= {"reset", "resets", "password", "passwords"}


@pytest.mark.parametrize(
    "query, terms",
    [
        ("can't I reset my password", ["reset", "my", "password"]),
        ('"can\'t I sign in" please', ["sign", "pleas"]),
        ("resetting passwords", ["resett", "password"]),
        ("a b c 2 x", []),
    ],
)
def test_the_terms_to_mark_are_the_analyzers_words_of_two_letters_or_more(query, terms):
    assert fulltext.query_terms(fulltext.make_schema(), query) == terms


def test_a_search_result_carries_only_the_terms_to_mark(tmp_path):
    text = "I can't reset it: the reset link is in the mail."
    doc = SectionDoc("reset", "", "Reset", "account", "published", "", (), (), text)
    fulltext.write([doc], tmp_path / "fulltext")
    with fulltext.open_index(tmp_path / "fulltext").searcher(weighting=fulltext.weighting()) as searcher:
        result = fulltext.search(searcher, "can't I reset it")
    assert result.hits and result.terms == ["reset"]


def test_a_snippet_marks_no_single_letter_even_when_asked():
    html = snippets.snippet("I can't reset it, so I reset it again.", ["i", "t", "reset"])
    assert marked(html) == ["reset", "reset"]


@pytest.mark.parametrize(
    "query, text, expected",
    [
        ("resets", "Reset it: each reset resets the link.", ["reset", "reset", "resets"]),
        ("indexing", "Index the articles; indexes are rebuilt while indexing.", ["index", "indexes", "indexing"]),
        ("database", "The database holds tickets; databases can be shared.", ["database", "databases"]),
        ("conversations", "A conversation is read whole.", ["conversation"]),
    ],
)
def test_a_snippet_marks_every_word_the_analyzer_makes_the_same_term_of(query, text, expected):
    terms = fulltext.query_terms(fulltext.make_schema(), query)  # stems, as a search result carries them
    assert marked(snippets.snippet(text, terms)) == expected
    assert marked(snippets.snippet(text, [query])) == expected  # the word as typed works too

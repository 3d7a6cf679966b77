"""Search results' snippets: the article text escaped, every form of a query word marked, bounded in length."""

from __future__ import annotations

import re

import pytest

from search import snippets
from search.documents import make_analyzer

_SNIPPET_ANALYZER = make_analyzer()  # the index's own analyzer: snippets must agree with it


def test_snippets_escape_article_text():
    html = snippets.snippet('Use <b>bold</b> & "quotes" for the password', ["password"])
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in html
    assert "<mark>password</mark>" in html
    assert "<b>" not in html


def test_snippet_without_matching_terms_is_escaped_excerpt():
    assert snippets.snippet("<img src=x onerror=alert(1)>", ["nothing"]) == "&lt;img src=x onerror=alert(1)&gt;"


def test_snippet_marks_every_form_of_a_query_word_but_not_stop_words():
    html = snippets.snippet("Invoices list each invoice; the invoiced amount is paid by the owner.", ["invoice", "the"])
    assert html.count("<mark>") == 3
    assert "<mark>Invoices</mark>" in html and "<mark>invoiced</mark>" in html
    assert "<mark>the</mark>" not in html


def test_snippet_of_a_long_section_shows_where_most_query_words_meet():
    filler = " ".join(["Nothing relevant is said in this sentence at all."] * 12)
    text = f"Reset the router first. {filler} To reset your password, open Settings. {filler} Reset again."
    html = snippets.snippet(text, ["reset", "password"], length=160)
    assert "<mark>reset</mark> your <mark>password</mark>" in html


def test_snippet_joins_two_passages_far_apart():
    filler = " ".join(["Nothing relevant is said in this sentence at all."] * 4)
    html = snippets.snippet(
        f"Reset the router first. {filler} Then change the password.", ["reset", "password"], length=160
    )
    first, second = html.split(" … ")
    assert first.startswith("<mark>Reset</mark> the router")
    assert second.endswith("change the <mark>password</mark>.")


def test_snippet_of_a_long_section_is_bounded():
    text = "word " * 5000 + "the password is here " + "word " * 5000
    html = snippets.snippet(text, ["password"])
    assert "<mark>password</mark>" in html
    assert len(html) < 400


@pytest.mark.parametrize(
    "text, terms",
    [
        ("Résumé uploads: upload the RÉSUMÉ, then re-upload it. Uploaded files stay.", ["résumé", "upload"]),
        ("Version 3.5 of the API; v3.5 and 3.50 differ. Call api.example.com/v3.", ["3.5", "api"]),
        ("Can't sign in? Signing-in fails when the sign_in cookie is blocked; SIGN IN again.", ["sign", "in"]),
        ("Connect, connected, connection, connecting: all connect-ish words.", ["connections"]),
    ],
)
def test_snippet_marks_exactly_the_words_the_analyzer_matches(text, terms):
    stems = {t.text for t in _SNIPPET_ANALYZER(" ".join(terms))}
    expected = [t.text for t in _SNIPPET_ANALYZER(text, chars=True, keeporiginal=True) if t.text in stems]
    marked = re.findall(r"<mark>(.*?)</mark>", snippets.snippet(text, terms, length=500))
    assert [t.text for w in marked for t in _SNIPPET_ANALYZER(w)] == expected

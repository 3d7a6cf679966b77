"""A word in quotes means the word: an error code pasted in quotes is ranked as the word alone is, by the BM25F
arrays (Whoosh's phrase matching, many times slower, is left to quotes around several words, and to the
phrase alone: the words beside it are ranked by the arrays)."""

from __future__ import annotations

import pytest

from kb.index.layout import BuildFolder, current_build_dir, index_root
from search import fulltext, lexical


@pytest.fixture
def indexes(built_data_dir):
    parts = BuildFolder(current_build_dir(index_root(built_data_dir)))
    with fulltext.open_index(parts.fulltext).searcher(weighting=fulltext.weighting()) as searcher:
        yield searcher, lexical.LexicalIndex.load(parts.lexical)


def test_a_quoted_word_is_ranked_by_the_arrays_as_the_word_alone(indexes, monkeypatch):
    searcher, arrays = indexes
    alone = fulltext.search(searcher, "invoice download", lexical=arrays)
    monkeypatch.setattr(searcher, "search", lambda *a, **k: pytest.fail("Whoosh ran a query"))
    quoted = fulltext.search(searcher, '"invoice" download', lexical=arrays)
    assert [(h.id, h.score) for h in quoted.hits] == [(h.id, h.score) for h in alone.hits] != []
    assert quoted.terms == alone.terms


def test_quotes_around_several_words_still_make_a_phrase(indexes, monkeypatch):
    searcher, arrays = indexes
    ran = []
    whoosh_search = searcher.search
    monkeypatch.setattr(searcher, "search", lambda q, **k: ran.append(str(q)) or whoosh_search(q, **k))
    hits = fulltext.search(searcher, '"billing address" "invoice"', lexical=arrays).hits
    assert hits[0].id == "invoices#change-the-billing-address"
    # Whoosh matches the phrase alone (fast); the word is ranked by the arrays, and the scores add up
    assert len(ran) == 1 and 'body:"bill address"' in ran[0] and "invoic" not in ran[0]


def test_a_phrase_adds_to_the_score_of_the_words_beside_it(indexes):
    searcher, arrays = indexes
    words = {h.id: h.score for h in fulltext.search(searcher, "invoice", lexical=arrays).hits}
    both = {h.id: h.score for h in fulltext.search(searcher, '"billing address" invoice', lexical=arrays).hits}
    phrase = {h.id: h.score for h in fulltext.search(searcher, '"billing address"', lexical=arrays).hits}
    assert phrase and set(phrase) <= set(both) and set(words) <= set(both)  # either one finds a section
    for section, score in phrase.items():
        assert both[section] == pytest.approx(words.get(section, 0.0) + score)
    assert next(iter(both)) in phrase  # the section with the phrase and the word comes first

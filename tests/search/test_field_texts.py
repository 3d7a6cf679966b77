"""Both search indexes read a section's fields through search.documents.field_texts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from search import fulltext, lexical
from search.documents import FIELDS, SectionDoc, field_texts, make_analyzer


def section(**changes) -> SectionDoc:
    fields = {
        "slug": "reset",
        "anchor": "steps",
        "title": "Reset your password",
        "category": "account",
        "status": "published",
        "summary": "How to get back in.",
        "tags": ("two words", "login"),
        "headings": ("Steps", "On the phone"),
        "text": "Open Settings, then Security.",
    }
    return SectionDoc(**{**fields, **changes})


def test_field_texts_cover_every_searched_field():
    texts = field_texts(section())
    assert tuple(texts) == FIELDS == tuple(fulltext.FIELD_BOOSTS)
    assert texts["headings"] == "Steps / On the phone"
    assert texts["tags"] == "two words,login"


def test_a_tag_of_several_words_is_one_keyword_in_the_full_text_index(tmp_path):
    fulltext.write([section()], tmp_path / "fulltext")
    with fulltext.open_index(tmp_path / "fulltext").searcher() as searcher:
        assert sorted(searcher.lexicon("tags")) == [b"login", b"two words"]


def test_the_bm25f_arrays_index_each_word_of_a_tag(tmp_path):
    lexical.write([section()], tmp_path / "lexical", make_analyzer(), fulltext.FIELD_BOOSTS)
    index = lexical.LexicalIndex.load(tmp_path / "lexical")
    assert {"two", "word", "login"} <= set(index.vocab)
    assert index.search(["word"], 5) == index.search(["login"], 5)  # each found in the tags field alone


@given(st.lists(st.text(max_size=12), max_size=5))
def test_commas_between_tags_split_words_as_spaces_did(tags):
    analyzer = make_analyzer()
    assert [t.text for t in analyzer(",".join(tags))] == [t.text for t in analyzer(" ".join(tags))]

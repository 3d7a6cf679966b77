"""Did-you-mean is offered whenever a word of the query is unknown to the index, whatever the others find."""

from __future__ import annotations

import pytest

from search import fulltext
from search.documents import SectionDoc


def api_search(client, q: str, mode: str = "fulltext") -> dict:
    return client.get("/api/v1/search", query_string={"q": q, "mode": mode}).get_json()


@pytest.mark.parametrize("mode", ["fulltext", "hybrid"])
def test_a_misspelled_word_is_corrected_even_when_the_others_find_results(client, mode):
    payload = api_search(client, "pasword reset", mode)
    assert payload["did_you_mean"] == "password reset"
    assert payload["results"], "the known word still finds sections"


@pytest.mark.parametrize("query", ["password reset", "login reset", "invoices", "Reset your password"])
def test_a_query_of_known_words_gets_no_correction(client, query):
    assert api_search(client, query)["did_you_mean"] is None  # "login" is only a tag: known all the same


def test_the_search_page_offers_the_correction_above_its_results(client):
    html = client.get("/search", query_string={"q": "pasword reset"}).get_data(as_text=True)
    assert "password reset</a>?" in html
    assert 'class="result"' in html
    assert html.index('class="did-you-mean"') < html.index('class="result"')


def test_the_cli_offers_the_correction(runner):
    result = runner.invoke(args=["search", "pasword reset", "--mode", "fulltext"])
    assert result.exit_code == 0, result.output
    assert "Did you mean: password reset" in result.output


def section(anchor: str, text: str, code_spans: tuple[tuple[int, int], ...] = ()) -> SectionDoc:
    return SectionDoc(
        slug="settings",
        anchor=anchor,
        title="Settings",
        category="setup",
        status="published",
        summary="Every setting.",
        tags=("configuration",),
        headings=("Mail",),
        text=text,
        code_spans=code_spans,
    )


@pytest.fixture
def searcher(tmp_path):
    text = "Set gunicorn workers in the mailer configuration."
    start = text.index("gunicorn")
    results = "The result of a search lists results; each result links to its section."
    docs = [section("mail", text, ((start, start + len("gunicorn")),)), section("rebuild", "Rebuild it. " + results)]
    fulltext.write(docs, tmp_path / "fulltext")
    with fulltext.open_index(tmp_path / "fulltext").searcher(weighting=fulltext.weighting()) as searcher:
        yield searcher


def test_a_word_found_only_in_code_or_a_heading_is_known(searcher):
    for query in ("gunicorn workers", "mail workers", "configuration workers"):
        assert fulltext.search(searcher, query).did_you_mean is None


def test_only_unknown_words_are_looked_up_in_the_spelling_dictionary(searcher, monkeypatch):
    looked_up: list[str] = []
    suggest = searcher.suggest

    def counting_suggest(field_name, word, **options):
        looked_up.append(word)
        return suggest(field_name, word, **options)

    monkeypatch.setattr(searcher, "suggest", counting_suggest)
    assert fulltext.search(searcher, "mailer workers configuration").did_you_mean is None
    assert looked_up == []
    assert fulltext.search(searcher, "mailr workers").did_you_mean == "mailer workers"
    assert looked_up == ["mailr"]


def test_the_correction_is_the_nearest_known_word_not_the_most_frequent(searcher):
    assert fulltext.search(searcher, "rebuld workers").did_you_mean == "rebuild workers"  # not "result"

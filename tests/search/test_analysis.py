"""Each language's analysis (search.analysis): Portuguese stems, stop words and folded accents; English exactly as
kb always analyzed it; offline language detection among the help center's languages."""

from __future__ import annotations

import pytest
from whoosh.analysis import StemmingAnalyzer

from search.analysis import (
    analyzer_language,
    detect_language,
    fold,
    language_of,
    make_analyzer,
    stop_words,
    word_analysis,
)


def terms(text: str, language: str) -> list[str]:
    return [token.text for token in make_analyzer(language)(text)]


# Portuguese


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("configuracao", "configuração"),
        ("configuracoes", "Configurações"),
        ("autenticacao", "autenticação"),
        ("informacoes", "informações"),
        ("senhas", "senha"),
        ("Senha", "senha"),
        ("faturas", "fatura"),
        ("seguranca", "segurança"),
        ("pagina", "página"),
    ],
)
def test_portuguese_words_typed_without_accents_or_in_another_form_share_a_term(typed, written):
    assert terms(typed, "pt") == terms(written, "pt")
    assert len(terms(typed, "pt")) == 1


def test_portuguese_terms_are_stemmed_and_plain_letters():
    assert terms("Configurações senhas autenticação", "pt") == ["configur", "senh", "autentic"]
    for term in terms("Não consigo entrar na página de segurança da conta", "pt"):
        assert term.isascii(), term


def test_portuguese_stop_words_are_dropped_accented_or_not():
    assert terms("não", "pt") == [] and terms("nao", "pt") == []
    assert terms("como redefinir a minha senha para o e-mail", "pt") == terms("redefinir senha e-mail", "pt")
    assert {"não", "nao", "de", "para", "como"} <= stop_words("pt")


def test_different_portuguese_words_keep_different_terms():
    assert terms("senha", "pt") != terms("sessão", "pt")
    assert terms("fatura", "pt") != terms("falta", "pt")


@pytest.mark.parametrize("word", ["configuração", "configuracao", "senhas", "autenticador", "código", "aplicativo"])
def test_snippets_word_analysis_agrees_with_the_index_analyzer(word):
    analysis = word_analysis("pt")
    assert analysis.folds is True
    assert [analysis.term(word.lower())] == terms(word, "pt")


# English: unchanged


def test_english_keeps_whooshs_stemming_analyzer():
    english = make_analyzer("en")
    assert english == StemmingAnalyzer(minsize=1)
    assert make_analyzer() == english  # English is the default language


def test_english_is_stemmed_with_its_stop_words_and_accents_kept():
    assert terms("The passwords and signing", "en") == ["password", "sign"]
    assert terms("résumé", "en") == ["résumé"]  # English does not fold
    assert terms("configuração", "en") != terms("configuracao", "en")


def test_english_word_analysis_is_the_stemming_analyzers():
    analysis = word_analysis("en")
    assert analysis.folds is False
    assert analysis.term("passwords") == "password"
    assert "the" in analysis.stops


# Other languages


def test_another_language_with_a_stemmer_gets_its_own_analysis():
    assert terms("contraseñas", "es") == terms("contrasenas", "es") == ["contrasen"]
    assert analyzer_language(make_analyzer("es")) == "es"


def test_a_language_without_a_stemmer_is_lowercased_and_folded_words():
    assert terms("Ação Rápida", "xx") == ["acao", "rapida"]


def test_the_analyzer_says_which_language_it_reads():
    assert analyzer_language(make_analyzer("pt")) == "pt"
    assert analyzer_language(make_analyzer("en")) == "en"


@pytest.mark.parametrize(
    ("tag", "language"), [("pt-BR", "pt"), ("pt_BR", "pt"), ("PT", "pt"), ("en", "en"), (None, "en")]
)
def test_language_of_a_locale_tag(tag, language):
    assert language_of(tag) == language


def test_fold_removes_accents_and_keeps_plain_text():
    assert fold("Configuração") == "Configuracao"
    assert fold("não é válido") == "nao e valido"
    assert fold("plain text, 123") == "plain text, 123"


# Detecting the language of a text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Esqueci minha senha e não consigo entrar na minha conta", "pt"),
        ("Como faço para baixar a fatura do mês passado?", "pt"),
        ("I forgot my password and cannot sign in to my account", "en"),
        ("Where can I download last month's invoice?", "en"),
    ],
)
def test_detect_language_among_the_configured_ones(text, language):
    assert detect_language(text, ("en", "pt")) == language
    assert detect_language(text, ("pt", "en")) == language  # the order given does not matter


@pytest.mark.parametrize("text", ["", "   ", "ok", "senha", "2fa"])
def test_detect_language_is_none_when_unsure(text):
    assert detect_language(text, ("en", "pt")) is None


def test_detect_language_needs_two_languages_to_choose_from():
    assert detect_language("Esqueci minha senha e não consigo entrar na minha conta", ("en",)) is None
    assert detect_language("Esqueci minha senha e não consigo entrar na minha conta", ()) is None


def test_detect_language_only_answers_a_language_it_was_given():
    german = "Ich habe mein Passwort vergessen und kann mich nicht anmelden"
    assert detect_language(german, ("en", "pt")) in (None, "en", "pt")
    assert detect_language(german, ("de", "en")) == "de"

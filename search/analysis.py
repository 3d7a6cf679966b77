"""How the text of each language becomes search terms: words, lowercased, the language's stop words dropped,
stemmed with its Snowball stemmer, and (for languages written with accents) folded to plain letters, so that
"configuracao" finds "configuração".

English keeps the analyzer kb always had (Whoosh's ``StemmingAnalyzer``, no folding), so its figures do not
move. A language Whoosh has no stemmer for is read as words, lowercased and folded, without stemming.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StemmingAnalyzer,
    StopFilter,
    Token,
)
from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

DEFAULT_LANGUAGE = "en"
TOKEN_PATTERN = r"[\w\*]+(\.?[\w\*]+)*"  # Whoosh's default, as StemmingAnalyzer uses it

# Endings typed without their accent ("configuracao", "informacoes") and how the language writes them, so that
# the stemmer, which knows only the accented forms, cuts both to the same stem.
UNACCENTED_ENDINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "pt": (("coes", "ções"), ("cao", "ção"), ("soes", "sões"), ("sao", "são"), ("oes", "ões"), ("ao", "ão")),
}


def fold(text: str) -> str:
    """``text`` with accents and other diacritics removed: "Configuração" -> "Configuracao"."""
    return text.translate(accent_map)


class RestoreAccents(Filter):
    """Gives a word typed without accents the accented ending the stemmer expects ("cao" -> "ção")."""

    def __init__(self, endings: tuple[tuple[str, str], ...]) -> None:
        self.endings = endings

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RestoreAccents) and other.endings == self.endings

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = restore_accents(token.text, self.endings)
            yield token


class FoldAccents(Filter):
    """Folds each term to plain letters (after stemming, which needs the accents). Ends the chain of every
    language but English, and names the language, so that an index's schema says which language it reads."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FoldAccents) and other.language == self.language

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold(token.text)
            yield token


def restore_accents(word: str, endings: tuple[tuple[str, str], ...]) -> str:
    if word.isascii():
        for plain, accented in endings:
            if word.endswith(plain) and len(word) > len(plain) + 1:
                return word[: -len(plain)] + accented
    return word


def language_of(tag: str | None) -> str:
    """The language part of a locale tag: "pt-BR" -> "pt"; none -> English."""
    return (tag or DEFAULT_LANGUAGE).split("-")[0].split("_")[0].lower()


def make_analyzer(language: str = DEFAULT_LANGUAGE) -> Analyzer:
    """The analyzer of every searched text field of a ``language`` index (ISO 639-1 code)."""
    if language == DEFAULT_LANGUAGE:
        return StemmingAnalyzer(minsize=1)
    chain = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
    if language in UNACCENTED_ENDINGS:
        chain = chain | RestoreAccents(UNACCENTED_ENDINGS[language])
    stops = stop_words(language)
    if stops:
        chain = chain | StopFilter(stoplist=stops, minsize=1)
    if has_stemmer(language):
        chain = chain | StemFilter(lang=language)
    return chain | FoldAccents(language)


def analyzer_language(analyzer: Analyzer) -> str:
    """The language ``analyzer`` (one :func:`make_analyzer` made) reads."""
    for item in getattr(analyzer, "items", ()):
        if isinstance(item, FoldAccents):
            return item.language
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=32)
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words, accented and folded ("não" and "nao")."""
    if language == DEFAULT_LANGUAGE or not has_stopwords(language):
        return frozenset()
    words = frozenset(stopwords_for_language(language))
    return words | {fold(w) for w in words}


@dataclass(frozen=True)
class WordAnalysis:
    """The parts of a language's analysis that snippets apply word by word, without a Whoosh token chain."""

    token_re: re.Pattern[str]
    stops: frozenset[str]
    term: Callable[[str], str]  # a lowercased word -> its term
    folds: bool  # whether terms are folded (a term's first letters may then differ from the word's)


@lru_cache(maxsize=32)
def word_analysis(language: str = DEFAULT_LANGUAGE) -> WordAnalysis:
    if language == DEFAULT_LANGUAGE:
        tokenizer, _lowercase, stop, stemmer = StemmingAnalyzer(minsize=1).items
        return WordAnalysis(tokenizer.expression, stop.stops, lru_cache(maxsize=20_000)(stemmer.stemfn), False)
    stem = stemmer_for_language(language) if has_stemmer(language) else (lambda w: w)
    endings = UNACCENTED_ENDINGS.get(language, ())

    @lru_cache(maxsize=20_000)
    def term(word: str) -> str:
        return fold(stem(restore_accents(word, endings)))

    return WordAnalysis(re.compile(TOKEN_PATTERN), stop_words(language), term, True)


DETECT_MIN_CONFIDENCE = 0.8  # below, a text is too short or too mixed to tell: the caller's default holds
_identifiers_lock = threading.Lock()


def detect_language(text: str, among: tuple[str, ...]) -> str | None:
    """The language of ``text`` among ``among`` (ISO 639-1 codes), detected offline by py3langid; None when
    there is nothing to choose between, no text, or the detector is not confident."""
    if len(among) < 2 or not text.strip():
        return None
    language, confidence = _identifier(tuple(sorted(among))).classify(text[:2000])
    return language if confidence >= DETECT_MIN_CONFIDENCE else None


@lru_cache(maxsize=8)
def _identifier(among: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    with _identifiers_lock:  # loading the model takes most of a second: once per process and set of languages
        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(among))
    return identifier

"""Search result snippets: the best passages of a section's text, HTML-escaped, with the query's words marked.

A word is marked when the analyzer of the full-text index (tokenizer, stop words, stemmer) makes the same
term of it as of a query term, so what is marked is exactly what matched; stop words and terms too short to
tell anything (the "i" of "I", the "t" of "can't") are never marked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from whoosh import highlight

from kb.content.render import shorten
from search.analysis import DEFAULT_LANGUAGE, WordAnalysis, word_analysis
from search.documents import is_marked

SURROUND = 60  # characters of context before the first and after the last marked word of a passage
MAX_WINDOW_MATCHES = 40  # the place is chosen among the first matches: enough, and cheap
WINDOW_STEMS = 8  # the longest (most telling) stems are looked for; a 30-word question has 30

Match = tuple[int, int, str]  # (start, end, stem) of a word to mark


def snippet(text: str, terms: list[str], *, length: int = 220, language: str = DEFAULT_LANGUAGE) -> str:
    """An HTML snippet of ``text`` with ``terms`` marked in ``<mark>``; all text is HTML-escaped.

    Words match when the analyzer of the index (tokenizer, stop words, stemmer) makes the same term of them
    as of a query term. The snippet is the best one or two passages of about ``length`` characters: those
    holding the most distinct query terms, joined by " … ". Only a window around the place where most query
    words meet is read, so a 5,000-word section costs little more than a short one."""
    text = _flatten(text)
    if terms and text:
        words = word_analysis(language)
        stems = _stems_of(tuple(terms), language)
        fragment = _highlight(_window(text, stems, length, words), stems, length, words)
        if fragment:
            return fragment
    return highlight.htmlescape(shorten(text, length, strip=""))


def _stem_words(text: str, words: WordAnalysis) -> list[str]:
    return [words.term(w) for m in words.token_re.finditer(text) if (w := m.group(0).lower()) not in words.stops]


@lru_cache(maxsize=256)
def _stems_of(terms: tuple[str, ...], language: str) -> frozenset[str]:
    """The stems to mark for a query's ``terms`` (remembered: every snippet of a page asks the same).

    A term may be a word as typed ("resets") or the term the analyzer made of one: "databas" for "database",
    which stemmed once more would be "databa" and match nothing, so each term counts as it is too."""
    words = word_analysis(language)
    given = (term.lower() for term in terms if term.lower() not in words.stops)
    return frozenset(stem for stem in (*_stem_words(" ".join(terms), words), *given) if is_marked(stem))


def _highlight(text: str, stems: frozenset[str], length: int, words: WordAnalysis) -> str | None:
    """The one or two passages of ``text`` richest in ``stems``, escaped, each matching word in ``<mark>``."""
    matches = _matches(text, stems, words)
    if not matches:
        return None
    spans = sorted(p[3] for p in sorted(_passages(text, matches, length), reverse=True)[:2])
    if len(spans) == 2 and spans[1][0] <= spans[0][1]:
        spans = [(spans[0][0], max(spans[0][1], spans[1][1]))]
    return " … ".join(_mark(text, start, end, matches) for start, end in spans)


def _matches(text: str, stems: frozenset[str], words: WordAnalysis) -> list[Match]:
    """Every word of ``text`` whose stem is one of ``stems``, in order."""
    matches = []
    # folded terms may not start as their words do ("indic" of "índice"): then every word is a candidate
    starts = frozenset() if words.folds else frozenset(s[:2] for s in stems)
    for m in _candidates_pattern(starts).finditer(text):
        word = m.group(0).lower()
        if word not in words.stops and (stem := words.term(word)) in stems:
            matches.append((m.start(), m.end(), stem))
    return matches


def _passages(text: str, matches: list[Match], length: int) -> list[tuple[int, int, int, tuple[int, int]]]:
    """The passages of ``text`` around runs of ``matches`` that fit in ``length``, each as (distinct terms,
    words marked, -first match, span), so that the best sort last."""
    passages = []
    i = 0
    while i < len(matches):
        j = i
        while j + 1 < len(matches) and matches[j + 1][1] - matches[i][0] <= length - 2 * SURROUND:
            j += 1
        group = matches[i : j + 1]
        span = _span(text, group[0][0], group[-1][1])
        passages.append((len({g[2] for g in group}), len(group), -group[0][0], span))
        i = j + 1
    return passages


@lru_cache(maxsize=256)
def _candidates_pattern(starts: frozenset[str]) -> re.Pattern[str]:
    """Words that begin with one of ``starts``: the only ones whose stem can be a query stem, since stemming
    changes the end of a word, not its first two letters. Lets the regular expression engine skip the rest."""
    if not starts:
        return re.compile(r"(?<![\w*])[\w*]+(?:\.?[\w*]+)*")
    return re.compile(r"(?<![\w*])(?:" + _alternatives(starts) + r")[\w*]*(?:\.?[\w*]+)*", re.I)


def _span(text: str, first: int, last: int) -> tuple[int, int]:
    """From ``SURROUND`` characters before ``first`` to as many after ``last``, cut at spaces."""
    start, end = max(0, first - SURROUND), min(len(text), last + SURROUND)
    if start > 0 and " " in text[start:first]:
        start = text.index(" ", start) + 1
    if end < len(text) and " " in text[last:end]:
        end = text.rindex(" ", last, end)
    return start, end


def _mark(text: str, start: int, end: int, matches: list[Match]) -> str:
    out, at = [], start
    for begin, finish, _ in matches:
        if begin >= start and finish <= end:
            out.append(highlight.htmlescape(text[at:begin]))
            out.append("<mark>" + highlight.htmlescape(text[begin:finish]) + "</mark>")
            at = finish
    out.append(highlight.htmlescape(text[at:end]))
    return "".join(out)


def _window(text: str, stems: frozenset[str], length: int, words: WordAnalysis) -> str:
    """The part of a long ``text`` worth highlighting: ``3 * length`` characters starting a little before
    the place where the most distinct query stems appear close together. The place is found by looking for
    the longest (most telling) stems at the start of words (``str.find``, in C) instead of analyzing the
    whole text."""
    if not stems or len(text) <= 3 * length or words.folds:  # folded stems are not found as they are written
        return text
    lowered = text.lower()
    if len(lowered) != len(text):  # lowering moved the offsets ("İ" becomes two characters)
        return text
    telling = sorted(stems, key=lambda s: (-len(s), s))[:WINDOW_STEMS]
    found = _first_word_starts(lowered, telling, MAX_WINDOW_MATCHES)
    if not found:
        return text[: 3 * length]
    start = max(0, _densest(found, 2 * length) - length // 2)
    return text[start : start + 3 * length]


def _first_word_starts(text: str, stems: list[str], limit: int) -> list[tuple[int, str]]:
    """The first ``limit`` places in ``text`` where a word starts with one of ``stems``, as (offset, stem) in
    order; where several stems start the same word, the longest."""
    at: dict[int, str] = {}
    for stem in stems:  # longest first
        position, seen = text.find(stem), 0
        while position != -1 and seen < limit:
            if position == 0 or not (text[position - 1].isalnum() or text[position - 1] == "_"):
                at.setdefault(position, stem)
                seen += 1
            position = text.find(stem, position + 1)
    return sorted(at.items())[:limit]


def _densest(found: list[tuple[int, str]], width: int) -> int:
    """The offset of the match followed by the most distinct words within ``width`` characters (the first
    such one): a sliding window over ``found``, (offset, word) pairs in order."""
    best, best_count, inside, end = found[0][0], 0, Counter[str](), 0
    for at, word in found:
        while end < len(found) and found[end][0] < at + width:
            inside[found[end][1]] += 1
            end += 1
        if len(inside) > best_count:
            best, best_count = at, len(inside)
        inside[word] -= 1
        if not inside[word]:
            del inside[word]
    return best


def _alternatives(words: Iterable[str]) -> str:
    """``words`` as regular-expression alternatives, longest first (so the longest match wins)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _flatten(text: str) -> str:
    """One line for a snippet: lines that end a sentence join with a space, others (table cells, list items,
    headings) with a middle dot, so that "Plan / Billed / Monthly" does not read as one sentence."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    out = ""
    for line in lines:
        if out:
            out += " " if out[-1] in ".!?:;," else " · "
        out += line
    return out

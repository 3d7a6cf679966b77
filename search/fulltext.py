"""Full-text search over article sections with Whoosh (BM25F, English stemming, highlighting).

Façade verbs: :func:`write` builds an index in a folder, :func:`open_index` opens one, :func:`search` queries a
searcher. Every section of every article is one document, keyed ``slug#anchor``, carrying its article's
title, summary and tags so that a match on any of them can still point at the best section.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path

from whoosh import highlight, index, qparser, query
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.scoring import BM25F

from search.documents import SectionDoc

FIELDS = ("title", "headings", "tags", "summary", "body")
FIELD_BOOSTS = {"title": 3.0, "headings": 2.0, "tags": 2.0, "summary": 1.5, "body": 1.0}
MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 40
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD_RE = re.compile(r"(?<![\w:])[^\W\d_]{4,}(?![\w:])")
FUZZY_MIN_LENGTH = 5
FEW_HITS = 3  # "did you mean" is offered only when a query finds fewer sections than this


def make_analyzer():
    return StemmingAnalyzer(minsize=1)


_SNIPPET_ANALYZER = make_analyzer()


def make_schema() -> Schema:
    analyzer = make_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        slug=ID(stored=True),
        anchor=STORED,
        category=ID(stored=True),
        status=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True, spelling=True),
        headings=TEXT(analyzer=analyzer, stored=True),
        tags=KEYWORD(lowercase=True, commas=True, scorable=True),
        summary=TEXT(analyzer=analyzer),
        body=TEXT(analyzer=analyzer, stored=True, spelling=True),
        hash=STORED,
    )


@dataclass
class Hit:
    id: str
    slug: str
    anchor: str
    score: float


@dataclass
class Result:
    hits: list[Hit]
    terms: list[str] = field(default_factory=list)  # the words to highlight in snippets
    did_you_mean: str | None = None
    fuzzy: bool = False  # True when the hits come from the typo-tolerant fallback


def write(docs: list[SectionDoc], index_dir: Path) -> None:
    """Create a new full-text index of ``docs`` in ``index_dir`` (which must be empty or absent)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(index_dir), make_schema())
    with ix.writer(procs=1, limitmb=256) as writer:
        for doc in docs:
            writer.add_document(**_fields(doc))


def update(docs: list[SectionDoc], index_dir: Path, removed_ids: set[str]) -> None:
    """Add or replace ``docs`` and delete ``removed_ids`` in an existing index."""
    ix = index.open_dir(str(index_dir))
    with ix.writer(procs=1, limitmb=256) as writer:
        for doc_id in removed_ids:
            writer.delete_by_term("id", doc_id)
        for doc in docs:
            writer.update_document(**_fields(doc))


def open_index(index_dir: Path) -> index.Index:
    return index.open_dir(str(index_dir))


def exists(index_dir: Path) -> bool:
    return index_dir.is_dir() and index.exists_in(str(index_dir))


def _fields(doc: SectionDoc) -> dict:
    return {
        "id": doc.id,
        "slug": doc.slug,
        "anchor": doc.anchor,
        "category": doc.category,
        "status": doc.status,
        "title": doc.title,
        "headings": " / ".join(doc.headings),
        "tags": ",".join(doc.tags),
        "summary": doc.summary,
        "body": doc.text,
        "hash": doc.hash,
    }


def clean_query(text: str) -> str:
    """Make any user text safe to parse: no control characters, bounded length, balanced quotes."""
    text = _CONTROL_RE.sub(" ", text)[:MAX_QUERY_CHARS]
    if text.count('"') % 2:
        text = text.replace('"', " ")
    words = text.split()
    return " ".join(words[:MAX_QUERY_TERMS])


def make_parser(schema: Schema, boosts: dict[str, float] | None = None) -> qparser.QueryParser:
    """A parser for plain words and "quoted phrases" only: field names, operators, wildcards, ranges and
    boosts are read as ordinary words, so no input can make a query fail to parse."""
    parser = qparser.MultifieldParser(
        list(FIELDS), schema, fieldboosts=boosts or FIELD_BOOSTS, group=qparser.OrGroup.factory(0.9)
    )
    for plugin in (
        qparser.SingleQuotePlugin,
        qparser.FieldsPlugin,
        qparser.WildcardPlugin,
        qparser.RangePlugin,
        qparser.GroupPlugin,
        qparser.OperatorsPlugin,
        qparser.BoostPlugin,
        qparser.EveryPlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser


def search(
    searcher,
    text: str,
    *,
    limit: int = 50,
    category: str | None = None,
    include_internal: bool = False,
    boosts: dict[str, float] | None = None,
    correct: bool = True,
    lexical=None,
) -> Result:
    """Rank sections for ``text``. Falls back to a spelling-corrected, then a fuzzy query when nothing matches.

    With ``lexical`` (a :class:`search.lexical.LexicalIndex` of the same sections), plain keyword queries
    are ranked by its BM25F arrays; phrase queries always go through Whoosh.
    """
    qstring = clean_query(text)
    if not qstring:
        return Result(hits=[])
    allowed = _filter(category, include_internal)
    if lexical is not None and '"' not in qstring:
        terms = plain_terms(qstring)  # what the parser would find, without its cost
        ranked = lexical.search(terms, limit, category=category, include_internal=include_internal)
        hits = [Hit(id=i, slug=i.split("#", 1)[0], anchor=i.split("#", 1)[1], score=score) for i, score in ranked]
    else:
        q = make_parser(searcher.schema, boosts).parse(qstring)
        terms = _query_words(q)
        hits = _run(searcher, q, limit, allowed)
    did_you_mean = _did_you_mean(searcher, qstring) if correct and len(hits) < FEW_HITS else None
    if hits:
        return Result(hits=hits, terms=terms, did_you_mean=did_you_mean)
    if did_you_mean:
        corrected = make_parser(searcher.schema, boosts).parse(did_you_mean)
        hits = _run(searcher, corrected, limit, allowed)
        if hits:
            return Result(hits=hits, terms=_query_words(corrected), did_you_mean=did_you_mean, fuzzy=True)
    fuzzy = _fuzzy_query(searcher.schema, terms)
    hits = _run(searcher, fuzzy, limit, allowed) if fuzzy is not None else []
    return Result(hits=hits, terms=terms, did_you_mean=did_you_mean, fuzzy=bool(hits))


def query_terms(schema: Schema, text: str) -> list[str]:
    """The analyzed words of ``text`` as the parser sees them (for highlighting)."""
    qstring = clean_query(text)
    if '"' not in qstring:
        return plain_terms(qstring)
    return _query_words(make_parser(schema).parse(qstring))


def plain_terms(qstring: str) -> list[str]:
    """The terms the multi-field parser makes of words without quotes: each word through each field's
    analyzer, in order, once each. Several times faster than parsing, which copies the query tree per term."""
    words: dict[str, None] = {}
    for word in qstring.split():
        words.update(dict.fromkeys(_word_terms(word)))
    return list(words)


_QUERY_SCHEMA = make_schema()  # every index is written with this schema (the manifest's schema version says so)


@lru_cache(maxsize=20_000)
def _word_terms(word: str) -> tuple[str, ...]:
    """One word's terms through every searched field's analyzer, remembered: analyzing runs a chain of
    Python generators per word and field, and customers' questions reuse the same few thousand words."""
    terms = (token.text for name in FIELDS for token in _QUERY_SCHEMA[name].analyzer(word, mode="query"))
    return tuple(dict.fromkeys(terms))


def _run(searcher, q, limit: int, restrict) -> list[Hit]:
    allowed, hidden = restrict
    results = searcher.search(q, limit=limit, filter=allowed, mask=hidden)
    return [Hit(id=r["id"], slug=r["slug"], anchor=r["anchor"], score=r.score) for r in results]


def _filter(category: str | None, include_internal: bool):
    """(filter, mask) for Whoosh. Internal sections are few, so masking them is far cheaper than filtering
    every published one (drafts are never indexed)."""
    allowed = query.Term("category", category) if category else None
    hidden = None if include_internal else query.Term("status", "internal")
    return allowed, hidden


def _query_words(q) -> list[str]:
    words = []
    for _, text in q.iter_all_terms(phrases=True):
        word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        if word not in words:
            words.append(word)
    return words


def _did_you_mean(searcher, qstring: str) -> str | None:
    """``qstring`` with each word the index has never seen replaced by its closest known word, or None."""
    reader = searcher.reader()
    analyzer = searcher.schema["body"].analyzer
    changed = False

    def fix(match: re.Match) -> str:
        nonlocal changed
        word = match.group(0)
        stems = [t.text for t in analyzer(word)]
        if not stems or any(reader.frequency(f, s) for s in stems for f in ("title", "body")):
            return word
        for field_name in ("body", "title"):
            suggestions = searcher.suggest(field_name, word.lower(), limit=1, maxdist=2, prefix=1)
            if suggestions:
                changed = True
                return suggestions[0]
        return word

    corrected = _WORD_RE.sub(fix, qstring)
    return corrected if changed and corrected.lower() != qstring.lower() else None


def _fuzzy_query(schema: Schema, terms: list[str]):
    fuzzy = [
        query.FuzzyTerm(f, t, boost=FIELD_BOOSTS.get(f, 1.0), maxdist=1, prefixlength=1)
        for t in terms
        if len(t) >= FUZZY_MIN_LENGTH
        for f in ("title", "headings", "body")
    ]
    return query.Or(fuzzy) if fuzzy else None


def snippet(text: str, terms: list[str], *, length: int = 220) -> str:
    """An HTML snippet of ``text`` with ``terms`` marked in ``<mark>``; all text is HTML-escaped.

    Words match when the analyzer of the index (tokenizer, stop words, stemmer) makes the same term of them
    as of a query term. The snippet is the best one or two passages of about ``length`` characters: those
    holding the most distinct query terms, joined by " … ". Only a window around the place where most query
    words meet is read, so a 5,000-word section costs little more than a short one."""
    text = _flatten(text)
    if terms and text:
        stems = _stems_of(tuple(terms))
        fragment = _highlight(_window(text, stems, length), stems, length)
        if fragment:
            return fragment
    return highlight.htmlescape(_shorten(text, length))


def _analyzer_parts(analyzer):
    """(token pattern, stop words, stemming function) of a Whoosh ``StemmingAnalyzer``."""
    tokenizer, _lowercase, stop, stemmer = analyzer.items
    return tokenizer.expression, stop.stops, lru_cache(maxsize=20_000)(stemmer.stemfn)


_TOKEN_RE, _STOP_WORDS, _stem = _analyzer_parts(_SNIPPET_ANALYZER)
SURROUND = 60  # characters of context before the first and after the last marked word of a passage


def _stem_words(text: str) -> list[str]:
    return [_stem(w) for m in _TOKEN_RE.finditer(text) if (w := m.group(0).lower()) not in _STOP_WORDS]


@lru_cache(maxsize=256)
def _stems_of(terms: tuple[str, ...]) -> frozenset[str]:
    """The stems to mark for a query's ``terms`` (remembered: every snippet of a page asks the same)."""
    return frozenset(_stem_words(" ".join(terms)))


def _highlight(text: str, stems: frozenset[str], length: int) -> str | None:
    """The one or two passages of ``text`` richest in ``stems``, escaped, each matching word in ``<mark>``."""
    matches = []
    for m in _candidates_pattern(frozenset(s[:2] for s in stems)).finditer(text):
        word = m.group(0).lower()
        if word not in _STOP_WORDS and (stem := _stem(word)) in stems:
            matches.append((m.start(), m.end(), stem))
    if not matches:
        return None
    passages = []  # (distinct terms, words marked, -first match, span)
    i = 0
    while i < len(matches):
        j = i
        while j + 1 < len(matches) and matches[j + 1][1] - matches[i][0] <= length - 2 * SURROUND:
            j += 1
        group = matches[i : j + 1]
        span = _span(text, group[0][0], group[-1][1])
        passages.append((len({g[2] for g in group}), len(group), -group[0][0], span))
        i = j + 1
    spans = sorted(p[3] for p in sorted(passages, reverse=True)[:2])
    if len(spans) == 2 and spans[1][0] <= spans[0][1]:
        spans = [(spans[0][0], max(spans[0][1], spans[1][1]))]
    return " … ".join(_mark(text, start, end, matches) for start, end in spans)


@lru_cache(maxsize=256)
def _candidates_pattern(starts: frozenset[str]):
    """Words that begin with one of ``starts``: the only ones whose stem can be a query stem, since stemming
    changes the end of a word, not its first two letters. Lets the regular expression engine skip the rest."""
    return re.compile(r"(?<![\w*])(?:" + _alternatives(starts) + r")[\w*]*(?:\.?[\w*]+)*", re.I)


def _span(text: str, first: int, last: int) -> tuple[int, int]:
    """From ``SURROUND`` characters before ``first`` to as many after ``last``, cut at spaces."""
    start, end = max(0, first - SURROUND), min(len(text), last + SURROUND)
    if start > 0 and " " in text[start:first]:
        start = text.index(" ", start) + 1
    if end < len(text) and " " in text[last:end]:
        end = text.rindex(" ", last, end)
    return start, end


def _mark(text: str, start: int, end: int, matches: list[tuple[int, int, str]]) -> str:
    out, at = [], start
    for begin, finish, _ in matches:
        if begin >= start and finish <= end:
            out.append(highlight.htmlescape(text[at:begin]))
            out.append("<mark>" + highlight.htmlescape(text[begin:finish]) + "</mark>")
            at = finish
    out.append(highlight.htmlescape(text[at:end]))
    return "".join(out)


def _window(text: str, stems: frozenset[str], length: int) -> str:
    """The part of a long ``text`` worth highlighting: ``3 * length`` characters starting a little before
    the place where the most distinct query stems appear close together. The place is found by one regular
    expression of the longest (most telling) stems, which runs in C, instead of analyzing the whole text."""
    if not stems or len(text) <= 3 * length:
        return text
    telling = frozenset(sorted(stems, key=lambda s: (-len(s), s))[:WINDOW_STEMS])
    matches = islice(_stems_pattern(telling).finditer(text), MAX_WINDOW_MATCHES)
    found = [(m.start(), m.group(0).lower()) for m in matches]
    if not found:
        return text[: 3 * length]
    best, best_count, inside, end = found[0][0], 0, Counter(), 0
    for at, word in found:  # a sliding window over the matches: distinct words within 2 * length after each
        while end < len(found) and found[end][0] < at + 2 * length:
            inside[found[end][1]] += 1
            end += 1
        if len(inside) > best_count:
            best, best_count = at, len(inside)
        inside[word] -= 1
        if not inside[word]:
            del inside[word]
    start = max(0, best - length // 2)
    return text[start : start + 3 * length]


MAX_WINDOW_MATCHES = 40  # the place is chosen among the first matches: enough, and cheap
WINDOW_STEMS = 8  # a regular expression's cost grows with its alternatives; a 30-word question has 30


@lru_cache(maxsize=256)
def _stems_pattern(stems: frozenset[str]) -> re.Pattern:
    return re.compile(
        r"(?<!\w)(?:" + _alternatives(stems) + ")", re.I
    )  # faster than \b, which defeats the prefix check


def _alternatives(words) -> str:
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


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def weighting() -> BM25F:
    return BM25F(B=0.75, K1=1.2)

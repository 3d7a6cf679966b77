"""Full-text search over article sections with Whoosh (BM25F, English stemming, spelling correction).

Façade verbs: :func:`write` builds an index in a folder, :func:`open_index` opens one, :func:`search` queries a
searcher; ``search.snippets`` highlights a result. Every section of every article is one
document, keyed ``slug#anchor``, carrying its article's title, summary and tags so that a match on any of them
can still point at the best section.
"""

from __future__ import annotations

import mmap
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index, qparser, query
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from search.analysis import DEFAULT_LANGUAGE, analyzer_language
from search.documents import FIELDS, SectionDoc, field_texts, is_marked, make_analyzer

if TYPE_CHECKING:
    from search.lexical import LexicalIndex

# Code (commands, settings, example queries) counts least: an article that quotes "reset password" as an example
# of a query must rank below the one about resetting a password, yet a setting's name must still find its page.
FIELD_BOOSTS = {"title": 3.0, "headings": 2.0, "tags": 2.0, "summary": 1.5, "body": 1.0, "code": 0.7}
MAX_QUERY_CHARS = 1000  # the longest query kept: the one home of this limit (the web API checks against it)
MAX_QUERY_TERMS = 40
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD_RE = re.compile(r"(?<![\w:])[^\W\d_]{4,}(?![\w:])")
_ONE_WORD_RE = re.compile(r"\w+")
FUZZY_MIN_LENGTH = 5
Restriction = tuple[query.Query | None, query.Query | None]  # (filter, mask) for Whoosh


def make_schema(language: str = DEFAULT_LANGUAGE) -> Schema:
    """The fields of a section in an index of ``language``'s text (ISO 639-1), analyzed the way it reads."""
    analyzer = make_analyzer(language)
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
        code=TEXT(analyzer=analyzer, spelling=True),
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
    terms: list[str] = field(default_factory=list)  # the terms snippets mark (see query_terms)
    did_you_mean: str | None = None
    fuzzy: bool = False  # True when the hits come from the typo-tolerant fallback


# Each segment's files stay apart instead of packed into one: Whoosh reads a packed segment's postings and
# term index through an in-memory copy (BytesIO of the mapped file), made again by every searcher, so each
# thread of each worker held its own 20-odd MB of a 2,000-article help center. Apart, each is read through a
# map of its own (see open_index), whose pages every process shares.
COMPOUND = False


def write(docs: list[SectionDoc], index_dir: Path, language: str = DEFAULT_LANGUAGE) -> None:
    """Create a new full-text index of ``docs``, written in ``language``, in ``index_dir`` (empty or absent)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(index_dir), make_schema(language))
    with ix.writer(procs=1, limitmb=256, compound=COMPOUND) as writer:
        for doc in docs:
            writer.add_document(**_fields(doc))


def update(docs: list[SectionDoc], index_dir: Path, removed_ids: set[str]) -> None:
    """Add or replace ``docs`` and delete ``removed_ids`` in an existing index."""
    ix = index.open_dir(str(index_dir))
    with ix.writer(procs=1, limitmb=256, compound=COMPOUND) as writer:
        for doc_id in removed_ids:
            writer.delete_by_term("id", doc_id)
        for doc in docs:
            writer.update_document(**_fields(doc))


def open_index(index_dir: Path) -> index.Index:
    """The index in ``index_dir``, for searching: its files read through memory maps (see :class:`_Mapped`)."""
    return _MappedStorage(str(index_dir)).open_index()


class _MappedStorage(FileStorage):
    """Whoosh's file storage, read-only, each file opened as a memory map of its own: a reader copies only the
    bytes it reads (as from Whoosh's in-memory files), and the pages are the page cache's, which every
    worker shares, instead of a private copy of the file per searcher."""

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as file:
            if not os.fstat(file.fileno()).st_size:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return _Mapped(mapped, name=name, **kwargs)


class _Mapped(BufferFile):
    """A :class:`~whoosh.filedb.structfile.BufferFile` over a memory map instead of a ``BytesIO`` copy of it (a
    map reads, seeks and slices like one)."""

    def __init__(self, mapped: mmap.mmap, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = mapped
        self.file = mapped


def exists(index_dir: Path, language: str = DEFAULT_LANGUAGE) -> bool:
    """Whether ``index_dir`` holds a full-text index of ``language`` with this kb's fields (another cannot be
    updated)."""
    if not (index_dir.is_dir() and index.exists_in(str(index_dir))):
        return False
    schema = open_index(index_dir).schema
    return set(schema.names()) == set(make_schema().names()) and language_of(schema) == language


def language_of(schema: Schema) -> str:
    """The language an index with ``schema`` was written in."""
    return analyzer_language(schema["body"].analyzer)


def _fields(doc: SectionDoc) -> dict[str, str]:
    return {
        "id": doc.id,
        "slug": doc.slug,
        "anchor": doc.anchor,
        "category": doc.category,
        "status": doc.status,
        **field_texts(doc),
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
    searcher: Searcher,
    text: str,
    *,
    limit: int = 50,
    category: str | None = None,
    include_internal: bool = False,
    boosts: dict[str, float] | None = None,
    correct: bool = True,
    lexical: LexicalIndex | None = None,
) -> Result:
    """Rank sections for ``text``. Falls back to a spelling-corrected, then a fuzzy query when nothing matches.

    With ``correct``, the result says "did you mean" whenever a word of ``text`` is unknown to the index and
    a close known word exists, whatever the other words find.

    With ``lexical`` (a :class:`search.lexical.LexicalIndex` of the same sections), plain keyword queries
    are ranked by its BM25F arrays; phrase queries always go through Whoosh.
    """
    qstring = _one_word_phrases_as_words(clean_query(text))
    if not qstring:
        return Result(hits=[])
    allowed = _filter(category, include_internal)
    if lexical is not None:
        words, phrases = _phrases_apart(qstring)
        language = language_of(searcher.schema)
        terms = plain_terms(words, language)  # what the parser would find, without its cost
        matched = _phrase_scores(searcher, phrases, boosts, allowed, limit) if phrases else None
        ranked = lexical.search(terms, limit, category=category, include_internal=include_internal, extra=matched)
        hits = [Hit(id=i, slug=i.split("#", 1)[0], anchor=i.split("#", 1)[1], score=score) for i, score in ranked]
        if phrases:
            terms = plain_terms(" ".join([words, *phrases]), language)  # for the fuzzy query below
    else:
        q = make_parser(searcher.schema, boosts).parse(qstring)
        terms = _query_words(q)
        hits = _run(searcher, q, limit, allowed)
    did_you_mean = _did_you_mean(searcher, qstring) if correct else None
    marked = query_terms(searcher.schema, qstring)
    if hits:
        return Result(hits=hits, terms=marked, did_you_mean=did_you_mean)
    if did_you_mean:
        corrected = make_parser(searcher.schema, boosts).parse(did_you_mean)
        hits = _run(searcher, corrected, limit, allowed)
        if hits:
            marked = query_terms(searcher.schema, did_you_mean)
            return Result(hits=hits, terms=marked, did_you_mean=did_you_mean, fuzzy=True)
    fuzzy = _fuzzy_query(searcher.schema, terms)
    hits = _run(searcher, fuzzy, limit, allowed) if fuzzy is not None else []
    return Result(hits=hits, terms=marked, did_you_mean=did_you_mean, fuzzy=bool(hits))


def without_phrases(text: str) -> str:
    """``text`` with its double quotes taken out, for a customer's message rather than a search: a ticket
    that quotes an error message means its words, not a phrase search (which goes through Whoosh's phrase
    matching, several seconds for a 30-word message on 2,000 articles, instead of the BM25F arrays' 1 ms)."""
    return text.replace('"', " ") if '"' in text else text


def _phrases_apart(qstring: str) -> tuple[str, list[str]]:
    """(the words outside quotes, the phrases inside them) of a cleaned query (quotes paired)."""
    parts = qstring.split('"')
    return " ".join(parts[0::2]).strip(), [p.strip() for p in parts[1::2] if p.strip()]


def _phrase_scores(
    searcher: Searcher, phrases: list[str], boosts: dict[str, float] | None, restrict: Restriction, limit: int
) -> dict[str, float]:
    """The Whoosh score of each section matching one of ``phrases``, the best ``limit``. A query's
    phrases alone are matched by Whoosh, its other words by the BM25F arrays, and a section's scores added
    up, much as Whoosh's own OR of the phrase and the words adds them (measured: 5 ms for the phrase, where Whoosh
    took 100 to 400 ms for a phrase and a few words on 2,000 articles)."""
    q = make_parser(searcher.schema, boosts).parse(" ".join(f'"{p}"' for p in phrases))
    return {hit.id: hit.score for hit in _run(searcher, q, limit, restrict)}


def _one_word_phrases_as_words(qstring: str) -> str:
    """``qstring`` with each quoted single word unquoted: it means the word itself (an error code pasted in
    quotes, ``"0x80070005"``), and a query without phrases is ranked by the BM25F arrays instead of Whoosh's
    phrase matching (measured: 111 ms for a heading quoting one error name, against a few ms). Quotes pair in
    order, as the parser pairs them (``clean_query`` leaves an even number)."""
    if '"' not in qstring:
        return qstring
    parts = qstring.split('"')
    for i in range(1, len(parts), 2):  # what each pair of quotes holds
        inside = parts[i].strip()
        parts[i] = f" {inside} " if _ONE_WORD_RE.fullmatch(inside) else f'"{parts[i]}"'
    return " ".join("".join(parts).split())


def query_terms(schema: Schema, text: str) -> list[str]:
    """The terms of ``text`` that snippets mark: its words as the text fields' analyzer makes them (stemmed,
    without stop words), once each, except those too short to mark."""
    language = language_of(schema)
    terms = (term for word in clean_query(text).split() for term in _body_terms(word, language))
    return list(dict.fromkeys(term for term in terms if is_marked(term)))


def plain_terms(qstring: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The terms the multi-field parser makes of words without quotes: each word through each field's
    analyzer, in order, once each. Several times faster than parsing, which copies the query tree per term."""
    words: dict[str, None] = {}
    for word in qstring.split():
        words.update(dict.fromkeys(_word_terms(word, language)))
    return list(words)


@lru_cache(maxsize=32)
def _query_schema(language: str) -> Schema:
    return make_schema(language)  # every index of a language has this schema (the manifest's version says so)


@lru_cache(maxsize=20_000)
def _word_terms(word: str, language: str) -> tuple[str, ...]:
    """One word's terms through every searched field's analyzer, remembered: analyzing runs a chain of
    Python generators per word and field, and customers' questions reuse the same few thousand words."""
    schema = _query_schema(language)
    terms = (token.text for name in FIELDS for token in schema[name].analyzer(word, mode="query"))
    return tuple(dict.fromkeys(terms))


@lru_cache(maxsize=20_000)
def _body_terms(word: str, language: str) -> tuple[str, ...]:
    """One word's terms as the text fields' analyzer makes them, remembered (see :func:`_word_terms`); the
    analyzer reads each word apart from the others, so a text's terms are its words' terms."""
    return tuple(token.text for token in _query_schema(language)["body"].analyzer(word, mode="query"))


def _run(searcher: Searcher, q: query.Query, limit: int, restrict: Restriction) -> list[Hit]:
    allowed, hidden = restrict
    results = searcher.search(q, limit=limit, filter=allowed, mask=hidden)
    return [Hit(id=r["id"], slug=r["slug"], anchor=r["anchor"], score=r.score) for r in results]


def _filter(category: str | None, include_internal: bool) -> Restriction:
    """(filter, mask) for Whoosh. Internal sections are few, so masking them is far cheaper than filtering
    every published one (drafts are never indexed)."""
    allowed = query.Term("category", category) if category else None
    hidden = None if include_internal else query.Term("status", "internal")
    return allowed, hidden


def _query_words(q: query.Query) -> list[str]:
    words = []
    for _, text in q.iter_all_terms(phrases=True):
        word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        if word not in words:
            words.append(word)
    return words


def _did_you_mean(searcher: Searcher, qstring: str) -> str | None:
    """``qstring`` with each word the index has never seen replaced by its closest known word, or None.

    Offered whatever the other words find: "pasword reset" finds sections by "reset" alone, and still means
    "password reset". Telling a known word costs a few term lookups; only an unknown one is looked up in the
    spelling dictionary."""
    changed = False

    def fix(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        if _is_known(searcher, word):
            return word
        correction = _closest_known_word(searcher, word)
        changed = changed or correction is not None
        return correction or word

    corrected = _WORD_RE.sub(fix, qstring)
    return corrected if changed and corrected.lower() != qstring.lower() else None


def _is_known(searcher: Searcher, word: str) -> bool:
    """Whether the index holds ``word``: as a term of any searched field, or as a tag. A stop word, of which
    the analyzer makes nothing, is known."""
    reader = searcher.reader()
    stems = _body_terms(word, language_of(searcher.schema))
    return not stems or any((name, term) in reader for term in (*stems, word.lower()) for name in FIELDS)


def _closest_known_word(searcher: Searcher, word: str) -> str | None:
    """A word of the prose, else of titles, else of code, one edit from ``word``, else two. Whoosh ranks the
    words within the distance asked by frequency alone ("result" before "rebuild" for "rebuld"), hence one
    distance at a time."""
    for distance in (1, 2):
        for field_name in ("body", "title", "code"):
            suggestions = searcher.suggest(field_name, word.lower(), limit=1, maxdist=distance, prefix=1)
            if suggestions:
                return suggestions[0]
    return None


def _fuzzy_query(schema: Schema, terms: list[str]) -> query.Query | None:
    fuzzy = [
        query.FuzzyTerm(f, t, boost=FIELD_BOOSTS.get(f, 1.0), maxdist=1, prefixlength=1)
        for t in terms
        if len(t) >= FUZZY_MIN_LENGTH
        for f in ("title", "headings", "body", "code")
    ]
    return query.Or(fuzzy) if fuzzy else None


def weighting() -> BM25F:
    return BM25F(B=0.75, K1=1.2)

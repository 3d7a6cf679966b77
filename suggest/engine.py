"""The suggestion engine: the articles most likely to resolve what a customer wrote, before a ticket opens.

Input is free text of any length (a few words typed in the beacon, a ticket with subject and body, a chat
transcript). Long text is read in two ways so that nothing past the model's 256-token window is lost:
the *head* (subject and first lines, where people say what is wrong) and the *whole* text in chunks. The
query embedding is a weighted mean of the head's and the chunks' embeddings; the keyword query is the head's
words plus the whole text's most distinctive words. Both rankings are fused as in search, and each article
gets a confidence: the best cosine similarity between any part of the text (head, chunk or sentence) and
the article's best section. Below ``min_score``
nothing is suggested: no suggestion is better than a wrong one.

Pure and Flask-free: the web layer passes in the indexes, the encoder and the page rules.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import numpy as np
from whoosh.analysis import Analyzer
from whoosh.searching import Searcher

from search import fulltext, hybrid

if TYPE_CHECKING:
    from search.hybrid import ArticleHit
    from search.lexical import LexicalIndex
    from search.semantic import Encoder, SemanticIndex

HEAD_CHARS = 300
CHUNK_WORDS = 180
MAX_CHUNKS = 8
HEAD_WEIGHT = 2.0
KEY_TERMS = 30
MAX_SENTENCES = 24
MAX_TEXT = 20_000  # the longest text read: the one home of this limit (the web API checks against it)
# Confidence without a model: BM25 saturated into 0..1 (a score of KEYWORD_HALF gives 0.5).
KEYWORD_HALF = 12.0


_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")


class Feedback(Protocol):
    """What clicks and votes taught (kb.query.boosts): a boost per article slug for a question."""

    def boosts(self, text: str, vector: np.ndarray | None = None) -> dict[str, float]: ...


@dataclass
class Candidate:
    slug: str
    anchor: str
    score: float  # confidence, 0..1
    reasons: list[str] = field(default_factory=list)
    rank_score: float = 0.0


@dataclass
class Query:
    """What the engine reads from the customer's text."""

    text: str
    head: str
    chunks: list[str]


def read_text(text: str) -> Query:
    """Split free text into its head (first line or two) and chunks of the whole."""
    text = text[:MAX_TEXT].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = ""
    for line in lines:
        head = f"{head} {line}".strip()
        if len(head) >= HEAD_CHARS // 2:
            break
    head = head[:HEAD_CHARS]
    words = text.split()
    chunks = [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS)][:MAX_CHUNKS]
    return Query(text=" ".join(words), head=head, chunks=chunks)


def query_vectors(query: Query, encoder: Encoder) -> tuple[np.ndarray, np.ndarray]:
    """(ranking vector, part vectors). The ranking vector is the weighted mean of the head's and the chunks'
    embeddings; the parts are the head, the chunks and the distinct sentences, so that a question buried
    in a long message still counts in full towards the confidence."""
    chunks = query.chunks if len(query.chunks) > 1 or (query.chunks and query.chunks[0] != query.head) else []
    sentences = [] if len(query.text) <= HEAD_CHARS else distinct_sentences(query.text)
    vectors = encoder.encode_queries([query.head] + chunks + sentences)
    weights = np.array([HEAD_WEIGHT] + [1.0] * len(chunks), dtype=np.float32)
    mean = (vectors[: 1 + len(chunks)] * weights[:, None]).sum(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0), vectors


def distinct_sentences(text: str) -> list[str]:
    """Sentences of ``text`` worth embedding on their own: distinct, not tiny, at most ``MAX_SENTENCES``
    (the first ones and the last ones, where people state the problem and ask the question)."""
    found = list(dict.fromkeys(s.strip() for s in _SENTENCE_RE.split(text) if len(s.strip()) >= 15))
    if len(found) <= MAX_SENTENCES:
        return found
    half = MAX_SENTENCES // 2
    return found[:half] + found[-half:]


def keyword_query(query: Query, lexical_index: LexicalIndex | None, analyzer: Analyzer) -> str:
    """The head's words plus the most distinctive words of the rest (by tf-idf), at most ``KEY_TERMS``."""
    head_terms = [t.text for t in analyzer(query.head)]
    if len(query.text) <= len(query.head) + 20 or lexical_index is None:
        return query.head if len(query.text) <= HEAD_CHARS else " ".join(dict.fromkeys(head_terms))
    counts = Counter(t.text for t in analyzer(query.text))
    total = max(len(lexical_index.ids), 1)

    def weight(term: str) -> float:
        row = lexical_index.vocab.get(term)
        if row is None:
            return 0.0
        df = int(lexical_index.indptr[row + 1] - lexical_index.indptr[row])
        return (1 + math.log(counts[term])) * math.log(1 + total / (df + 1))

    rest = sorted((t for t in counts if t not in head_terms), key=weight, reverse=True)
    chosen = list(dict.fromkeys(head_terms)) + [t for t in rest if weight(t) > 0]
    return " ".join(chosen[:KEY_TERMS])


def matches_page(pattern: str, url: str) -> bool:
    """``suggest_for`` patterns: a path (``/billing/*``) matches the URL's path, a full URL the whole URL."""
    if not url or not pattern:
        return False
    if "://" in pattern:
        return fnmatch.fnmatchcase(url.split("#")[0], pattern)
    path = urlsplit(url).path or "/"
    return fnmatch.fnmatchcase(path, pattern)


def suggest(
    text: str,
    *,
    searcher: Searcher,
    lexical: LexicalIndex | None = None,
    semantic_index: SemanticIndex | None = None,
    encoder: Encoder | None = None,
    page_rules: dict[str, list[str]] | None = None,
    url: str | None = None,
    limit: int = 5,
    min_score: float = 0.0,
    include_internal: bool = False,
    exclude: frozenset[str] = frozenset(),
    feedback: Feedback | None = None,
) -> tuple[list[Candidate], list[str]]:
    """Suggested articles for ``text`` (best first) and the query words to highlight.

    Args:
        page_rules: slug -> ``suggest_for`` patterns; a rule matching ``url`` puts its article first.
        exclude: slugs never to suggest (already shown, or not allowed for this audience).
        feedback: ``boosts(text, vector) -> {slug: boost}`` learned from clicks and votes (kb.query.boosts).
    """
    query = read_text(text)
    ruled = [slug for slug, patterns in (page_rules or {}).items() if any(matches_page(p, url or "") for p in patterns)]
    candidates: list[Candidate] = []
    terms: list[str] = []
    vector = None
    if query.text:
        candidates, terms, vector = _ranked(query, searcher, lexical, semantic_index, encoder, include_internal)
    if feedback is not None and candidates:
        apply_boosts(candidates, feedback.boosts(query.head or query.text, vector))
    by_slug = {c.slug: c for c in candidates}
    first = []
    for slug in ruled:  # a page rule is the author's own word: first, whatever the text says
        candidate = by_slug.pop(slug, None) or Candidate(slug, "", 1.0 if not query.text else 0.0)
        candidate.reasons = ["page rule"] + candidate.reasons
        first.append(candidate)
    rest = [c for c in by_slug.values() if c.score >= min_score]
    rest.sort(key=lambda c: (-c.rank_score, c.slug))
    chosen = [c for c in first + rest if c.slug not in exclude]
    return chosen[:limit], terms


def _ranked(
    query: Query,
    searcher: Searcher,
    lexical: LexicalIndex | None,
    semantic_index: SemanticIndex | None,
    encoder: Encoder | None,
    include_internal: bool,
) -> tuple[list[Candidate], list[str], np.ndarray | None]:
    vector, parts = (
        query_vectors(query, encoder) if encoder is not None and semantic_index is not None else (None, None)
    )
    keywords = keyword_query(query, lexical, searcher.schema["body"].analyzer)
    outcome = hybrid.search(
        keywords,
        searcher=searcher,
        lexical=lexical,
        semantic_index=semantic_index if vector is not None else None,
        encoder=None,
        mode=hybrid.HYBRID,
        limit=hybrid.CANDIDATES,
        include_internal=include_internal,
        query_vector=vector,
        correct=False,
    )
    scores = None
    if parts is not None and semantic_index is not None:
        scores = confidences(outcome.hits, parts, semantic_index)
    candidates = []
    for i, hit in enumerate(outcome.hits):
        reasons = []
        if hybrid.SEMANTIC in hit.sources:
            reasons.append("semantic")
        if hybrid.FULLTEXT in hit.sources:
            reasons.append("keywords")
        if scores is not None:
            score = scores[i]
        else:
            keyword = hit.raw.get(hybrid.FULLTEXT, 0.0)
            score = keyword / (keyword + KEYWORD_HALF)
        candidates.append(Candidate(hit.slug, hit.anchor, max(0.0, min(1.0, score)), reasons, hit.score))
    terms = fulltext.query_terms(searcher.schema, query.head or keywords)
    return candidates, terms, (parts[0] if parts is not None else None)  # the head: what the customer asks


def confidences(hits: list[ArticleHit], parts: np.ndarray, semantic_index: SemanticIndex) -> list[float]:
    """Each hit's confidence: the best cosine between any part of the text and the hit's best section
    (0 for a section without a vector), in one product for all hits."""
    rows = [semantic_index.row_of.get(hit.section_id) for hit in hits]
    known = [row for row in rows if row is not None]
    if not known:
        return [0.0] * len(hits)
    best = iter((parts @ semantic_index.matrix[known].T).max(axis=0).tolist())
    return [next(best) if row is not None else 0.0 for row in rows]


# A boost of MAX_BOOST confidence moves an article by about one place among close RRF scores, no more.
BOOST_TO_RANK = 0.2


def apply_boosts(candidates: list[Candidate], boosts: dict[str, float]) -> None:
    """Raise the confidence and rank of boosted articles a little, and say so in their reasons."""
    for candidate in candidates:
        boost = boosts.get(candidate.slug)
        if boost:
            candidate.score = min(1.0, candidate.score + boost)
            candidate.rank_score += boost * BOOST_TO_RANK
            candidate.reasons = [*candidate.reasons, "feedback"]

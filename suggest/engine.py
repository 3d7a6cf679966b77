"""The suggestion engine: the articles most likely to resolve what a customer wrote, before a ticket opens.

Input is what a customer wrote, read by ``suggest.reading`` as a search, a question, a ticket or a
conversation. Each kind is ranked its own way, in one encoder call (its few pieces embedded in one batch):

- a search or a question: its words, and its embedding;
- a ticket: the words of its question (subject and first sentences) in full and the most distinctive words
  of the rest at half weight; the embedding leans on the question and takes in the whole message;
- a conversation: every word said, weighted by how recently it was said (the place named three turns ago
  still counts, less than the latest question); the embedding is the mean of the latest question, the last
  few turns, and the recent conversation, and the cosine's share is lower (a chat's words name the things
  asked about, which its embedding blurs).

Both rankings are fused by ``search.hybrid`` into one score per article in 0..1 that orders the list and is
the confidence printed beside it. Under ``min_score`` an article is not confident: customers are not shown
it (no suggestion is better than a wrong one); agents see it, flagged.

Pure and Flask-free: the web layer passes in the indexes, the encoder and the page rules.
"""

from __future__ import annotations

import fnmatch
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, Protocol
from urllib.parse import urlsplit

import numpy as np
from whoosh.searching import Searcher

from search import fulltext, hybrid
from suggest import reading
from suggest.reading import Message, Reading

if TYPE_CHECKING:
    from search.lexical import LexicalIndex
    from search.semantic import Encoder, SemanticIndex

MAX_TEXT = 20_000  # the longest text read: the one home of this limit (the web API checks against it)
KEY_TERMS = 30  # a ticket's distinctive words kept besides its question's
OTHER_WORDS_WEIGHT = 0.5  # how much a ticket's words outside its question count
TURN_DECAY = 0.9  # each turn back in a conversation, its words count this much less
CONTEXT_TURNS = 3  # the latest turns embedded together with the question
RECENT_WORDS = 100  # the recent conversation embedded as one piece (as good as 180 words on chats, half the cost)
TICKET_WORDS = 180  # a ticket's first words embedded as one piece
QUESTION_WEIGHT = 2.0  # a ticket's question against its whole text, in its embedding
# A conversation's score rescaled to mean what a question's does: chats score lower for an equally right
# match (their words and meaning spread over many turns). Measured with `kb eval --endpoint suggest` on whole
# chats: the score that keeps 90 % of their right answers is 0.30, against 0.40 for questions.
CONVERSATION_SCALE = 1.33
CONVERSATION_SHARE = 0.4  # the cosine's share of the score for a conversation (hybrid.SEMANTIC_SHARE otherwise)


PAGE_RULE = "page rule"  # the reason of a suggestion put first by its article's ``suggest_for`` rule


class Feedback(Protocol):
    """What clicks and votes taught (kb.query.boosts): a boost per article slug for a question."""

    def boosts(self, text: str, vector: np.ndarray | None = None) -> dict[str, float]: ...


@dataclass
class Candidate:
    slug: str
    anchor: str
    score: float  # confidence, 0..1: what orders the list
    reasons: list[str] = field(default_factory=list)
    confident: bool = False


class Suggested(NamedTuple):
    candidates: list[Candidate]  # best first
    terms: list[str]  # the query words to highlight
    vector: np.ndarray | None  # the text's embedding, when it was embedded: what an answer's sentences are chosen by


def matches_page(pattern: str, url: str) -> bool:
    """``suggest_for`` patterns: a path (``/billing/*``) matches the URL's path, a full URL the whole URL."""
    if not url or not pattern:
        return False
    if "://" in pattern:
        return fnmatch.fnmatchcase(url.split("#")[0], pattern)
    path = urlsplit(url).path or "/"
    return fnmatch.fnmatchcase(path, pattern)


def suggest(
    text: str = "",
    *,
    messages: Sequence[Message] | None = None,
    subject: str = "",
    searcher: Searcher,
    lexical: LexicalIndex | None = None,
    semantic_index: SemanticIndex | None = None,
    encoder: Encoder | None = None,
    page_rules: dict[str, list[str]] | None = None,
    url: str | None = None,
    limit: int = 5,
    min_score: float = 0.0,
    only_confident: bool = True,
    mode: str = hybrid.HYBRID,
    include_internal: bool = False,
    exclude: frozenset[str] = frozenset(),
    feedback: Feedback | None = None,
) -> Suggested:
    """Suggested articles for ``text`` (best first), the query words to highlight and the text's embedding.

    Args:
        page_rules: slug -> ``suggest_for`` patterns; a rule matching ``url`` puts its article first.
        exclude: slugs never to suggest (already shown, or not allowed for this audience).
        mode: how to rank (hybrid, or one source alone, to measure what fusion adds).
        feedback: ``boosts(text, vector) -> {slug: boost}`` learned from clicks and votes (kb.query.boosts).
    """
    read = reading.read(text[:MAX_TEXT], messages=messages, subject=subject)
    ruled = [slug for slug, patterns in (page_rules or {}).items() if any(matches_page(p, url or "") for p in patterns)]
    candidates: list[Candidate] = []
    terms: list[str] = []
    vector = None
    if read.text:
        encoder = encoder if mode != hybrid.FULLTEXT else None
        candidates, terms, vector = _ranked(read, searcher, lexical, semantic_index, encoder, include_internal, mode)
    if feedback is not None and candidates:
        apply_boosts(candidates, feedback.boosts(read.question or read.text, vector))
    by_slug = {c.slug: c for c in candidates}
    first = []
    for slug in ruled:  # a page rule is the author's own word: first, whatever the text says
        candidate = by_slug.pop(slug, None) or Candidate(slug, "", 1.0)
        candidate.score, candidate.confident = 1.0, True
        candidate.reasons = [PAGE_RULE] + candidate.reasons
        first.append(candidate)
    for candidate in by_slug.values():
        candidate.confident = candidate.score >= min_score
    rest = sorted((c for c in by_slug.values() if c.confident or not only_confident), key=lambda c: (-c.score, c.slug))
    chosen = [c for c in first + rest if c.slug not in exclude]
    return Suggested(chosen[:limit], terms, vector)


def _ranked(
    read: Reading,
    searcher: Searcher,
    lexical: LexicalIndex | None,
    semantic_index: SemanticIndex | None,
    encoder: Encoder | None,
    include_internal: bool,
    mode: str = hybrid.HYBRID,
) -> tuple[list[Candidate], list[str], np.ndarray | None]:
    vector = None
    if encoder is not None and semantic_index is not None:
        pieces, weights = embedded_pieces(read)
        vector = mean_vector(encoder.encode_queries(pieces), weights)
    share = None
    if read.kind == reading.CONVERSATION:
        share = hybrid.semantic_share(semantic_index, CONVERSATION_SHARE)
    outcome = hybrid.search(
        fulltext.without_phrases(read.question or read.text),
        searcher=searcher,
        lexical=lexical,
        semantic_index=semantic_index if vector is not None else None,
        encoder=None,
        mode=mode,
        limit=hybrid.CANDIDATES,
        include_internal=include_internal,
        query_vector=vector,
        share=share,
        term_weights=keyword_weights(read, lexical),
        correct=False,
    )
    scale = CONVERSATION_SCALE if read.kind == reading.CONVERSATION else 1.0
    candidates = [Candidate(hit.slug, hit.anchor, min(1.0, hit.score * scale), _reasons(hit)) for hit in outcome.hits]
    return candidates, outcome.terms, vector


def _reasons(hit: hybrid.ArticleHit) -> list[str]:
    return [
        name for source, name in ((hybrid.SEMANTIC, "semantic"), (hybrid.FULLTEXT, "keywords")) if source in hit.sources
    ]


def embedded_pieces(read: Reading) -> tuple[list[str], list[float]]:
    """The few texts a reading is embedded as, in one batch, and their weights in its one query vector."""
    if read.kind == reading.CONVERSATION:
        turns = read.turns
        window = " ".join(t.text for t in turns[-CONTEXT_TURNS:])
        recent = " ".join(read.text.split()[-RECENT_WORDS:]) if len(turns) > CONTEXT_TURNS else ""
        pieces = [p for p in dict.fromkeys([read.question, window, recent]) if p]
        return pieces, [1.0] * len(pieces)
    if read.kind == reading.TICKET:
        whole = " ".join(read.text.split()[:TICKET_WORDS])
        if whole != read.question:
            return [read.question, whole], [QUESTION_WEIGHT, 1.0]
    return [read.question or read.text], [1.0]


def mean_vector(vectors: np.ndarray, weights: list[float]) -> np.ndarray:
    mean = (vectors * np.asarray(weights, dtype=np.float32)[:, None]).sum(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def keyword_weights(read: Reading, lexical: LexicalIndex | None) -> dict[str, float] | None:
    """How much each analyzed word counts in the keyword ranking, or None to rank the question's own words
    as search does (a search or a question, or without the BM25F arrays)."""
    if lexical is None or read.kind in (reading.SEARCH, reading.QUESTION):
        return None
    if read.kind == reading.CONVERSATION:
        weights: dict[str, float] = {}
        for age, turn in enumerate(reversed(read.turns)):
            for term in fulltext.plain_terms(turn.text, lexical.language):
                weights.setdefault(term, TURN_DECAY**age)  # a word counts as much as its latest mention
        return weights or None
    question = dict.fromkeys(fulltext.plain_terms(read.question, lexical.language), 1.0)
    rest = distinctive_terms(read.text, lexical, exclude=question)
    return {**dict.fromkeys(rest[: max(0, KEY_TERMS - len(question))], OTHER_WORDS_WEIGHT), **question} or None


def distinctive_terms(text: str, lexical: LexicalIndex, exclude: dict[str, float]) -> list[str]:
    """The analyzed words of ``text`` the index knows, most distinctive first (by tf-idf)."""
    counts = Counter(term for word in text.split() for term in fulltext.plain_terms(word, lexical.language))
    total = max(len(lexical.ids), 1)

    def weight(term: str) -> float:
        row = lexical.vocab[term]
        df = int(lexical.indptr[row + 1] - lexical.indptr[row])
        return (1 + math.log(counts[term])) * math.log(1 + total / (df + 1))

    known = [t for t in counts if t in lexical.vocab and t not in exclude]
    return sorted(known, key=weight, reverse=True)


def apply_boosts(candidates: list[Candidate], boosts: dict[str, float]) -> None:
    """Raise the confidence (and so the rank) of boosted articles a little, and say so in their reasons: a full
    boost (kb.query.boosts.MAX_BOOST) moves an article by about one place among close scores, no more."""
    for candidate in candidates:
        boost = boosts.get(candidate.slug)
        if boost:
            candidate.score = min(1.0, candidate.score + boost)
            candidate.reasons = [*candidate.reasons, "feedback"]

"""Hybrid ranking: full-text and semantic section rankings fused into one list of articles.

Each section gets one score in 0..1 that both orders the list and says how well the section matches:
a share of its cosine similarity to the query plus the rest of its *keyword coverage*, its BM25F score
measured against the score of a section matching every query word as well as the best one does. Both parts
are absolute (a low score means a poor match, whatever the query), so the same number decides whether kb
is confident enough to answer at all.

How much the cosine counts is set by the reader (a conversation leans on its words more than a question
does) and by the corpus, measured when it is indexed: a model that was not trained on the language of the
articles (an English-only model on a Portuguese help center) ranks by spelling more than by meaning, so its
share shrinks. Sections found by one source get their exact score from the other where it is cheap (the
cosine of any section is one dot product), so that fusion never punishes a section for being missed by
one list's cut-off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from whoosh.searching import Searcher

from kb.errors import ModelUnavailableError
from search import fulltext, multilingual, semantic
from search.semantic import Encoder, SemanticIndex

if TYPE_CHECKING:
    from search.lexical import LexicalIndex

# The ranking modes, and the names of the sources a hybrid ranking fuses (the full-text and semantic rankings).
HYBRID = "hybrid"
FULLTEXT = "fulltext"
SEMANTIC = "semantic"
MODES = (HYBRID, FULLTEXT, SEMANTIC)  # the one list of search modes; the web layer and the config check it
# The cosine's share of a fused score. Chosen with `kb eval` on the shared sets (see the "Measuring search
# quality" article): 0.7-0.85 beat both single methods on both English FAQ sets; 0.8 sits in that range.
SEMANTIC_SHARE = 0.8
# How much of that share is kept for a model that does not read the corpus's language: 0.3 / 0.8 of the
# cosine was the best share on a Portuguese set with the English model, and never below full-text alone.
FOREIGN_FACTOR = 0.375
CANDIDATES = 50
SEMANTIC_FLOOR = 0.2  # cosine under which a semantic neighbour is noise, not a match
KEYWORD_HALF = 12.0  # without the BM25F arrays to measure against: a raw score of this much is a half match
SIBLING_BONUS = 0.1  # what each other matching section of an article adds to its best one's score, ...
SIBLING_CAP = 0.3  # ... at most this share of it


@dataclass
class SectionScore:
    id: str
    score: float  # 0..1
    parts: dict[str, float] = field(default_factory=dict)  # source -> its part of the score, 0..1
    raw: dict[str, float] = field(default_factory=dict)  # source -> BM25 score or cosine

    @property
    def slug(self) -> str:
        return self.id.split("#", 1)[0]

    @property
    def anchor(self) -> str:
        return self.id.split("#", 1)[1] if "#" in self.id else ""


@dataclass
class ArticleHit:
    slug: str
    anchor: str  # best section's anchor, "" for the intro
    score: float  # 0..1: how well the article's best section (and, a little, its others) matches
    sources: list[str]  # which rankings found it among their candidates
    raw: dict[str, float]

    @property
    def section_id(self) -> str:
        return f"{self.slug}#{self.anchor}"


@dataclass
class Outcome:
    mode: str  # the mode actually used (hybrid falls back to fulltext without a model)
    hits: list[ArticleHit]
    terms: list[str]
    did_you_mean: str | None = None
    degraded: bool = False
    vector: np.ndarray | None = None  # the query's embedding, when the ranking made or was given one


def semantic_share(semantic_index: SemanticIndex | None, base: float | None = None) -> float:
    """The cosine's share of a fused score for this index: ``base`` (default: its model's, ``SEMANTIC_SHARE``
    unless :data:`search.multilingual.SEMANTIC_SHARES` says otherwise), less for a model foreign to its language."""
    if semantic_index is None:
        return 0.0
    if base is None:
        base = multilingual.SEMANTIC_SHARES.get(semantic_index.model, SEMANTIC_SHARE)
    return base if semantic_index.reads_its_language else base * FOREIGN_FACTOR


def fuse(keyword: dict[str, float], cosine: dict[str, float], share: float) -> list[SectionScore]:
    """Sections scored ``share * cosine + (1 - share) * keyword`` (each part 0..1, 0 where unknown), best first."""
    fused = []
    for section_id in dict.fromkeys([*keyword, *cosine]):
        parts = {}
        if section_id in keyword:
            parts[FULLTEXT] = (1 - share) * keyword[section_id]
        if section_id in cosine:
            parts[SEMANTIC] = share * max(0.0, cosine[section_id])
        fused.append(SectionScore(section_id, sum(parts.values()), parts))
    return sorted(fused, key=lambda s: (-s.score, s.id))


def best_per_article(sections: list[SectionScore]) -> list[ArticleHit]:
    """Collapse sections to articles. An article scores its best section plus a small bonus for every
    other matching section (capped), so an article that answers in several places ranks a little higher."""
    by_slug: dict[str, list[SectionScore]] = {}
    for section in sections:
        by_slug.setdefault(section.slug, []).append(section)
    hits = []
    for slug, group in by_slug.items():
        best = max(group, key=lambda s: s.score)
        extra = sum(s.score for s in group if s is not best)
        score = min(1.0, best.score + min(extra * SIBLING_BONUS, best.score * SIBLING_CAP))
        sources = sorted({src for s in group for src in s.raw})
        raw = {src: max(s.raw[src] for s in group if src in s.raw) for src in sources}
        hits.append(ArticleHit(slug, best.anchor, score, sources, raw))
    return sorted(hits, key=lambda h: (-h.score, h.slug))


def search(
    text: str,
    *,
    searcher: Searcher,
    semantic_index: SemanticIndex | None,
    encoder: Encoder | None,
    mode: str = HYBRID,
    limit: int = 10,
    category: str | None = None,
    include_internal: bool = False,
    query_vector: np.ndarray | None = None,
    share: float | None = None,
    term_weights: dict[str, float] | None = None,
    lexical: LexicalIndex | None = None,
    correct: bool = True,
) -> Outcome:
    """Rank articles for ``text`` in ``mode``; semantic parts are skipped (``degraded``) without a model.

    Args:
        query_vector: the query's embedding, when the caller made it (the encoder is not called then).
        share: the cosine's share of the fused score (default: :func:`semantic_share` of the index).
        term_weights: analyzed keyword terms and how much each counts, instead of ``text``'s own words
            (needs ``lexical``); ``text`` is still what is highlighted.
    """
    can_embed = semantic_index is not None and (encoder is not None or query_vector is not None)
    degraded = mode != FULLTEXT and not can_embed
    used = FULLTEXT if degraded else mode
    keyword: dict[str, float] = {}
    raw: dict[str, dict[str, float]] = {}
    terms: list[str] = []  # the words to highlight: the keyword side's, else the text's own
    did_you_mean = None
    if used in (HYBRID, FULLTEXT):
        ranked, did_you_mean, terms = _keyword_ranking(
            text, searcher, lexical, category, include_internal, term_weights, correct
        )
        raw[FULLTEXT] = dict(ranked)
        language = lexical.language if lexical is not None else fulltext.language_of(searcher.schema)
        ranked_terms = (
            list(term_weights) if term_weights else fulltext.plain_terms(fulltext.clean_query(text), language)
        )
        best = lexical.best_possible(ranked_terms, term_weights) if lexical is not None else None
        keyword = {i: _coverage(score, best) for i, score in ranked}
    if used == SEMANTIC:
        terms = fulltext.query_terms(searcher.schema, text)
    cosine: dict[str, float] = {}
    vector = None
    if used in (HYBRID, SEMANTIC) and text.strip() and semantic_index is not None:  # not degraded: it can embed
        vector = _query_vector(text, encoder, query_vector)
        nearest = semantic_index.search(vector, CANDIDATES, category=category, include_internal=include_internal)
        scale = semantic.calibration(semantic_index.model)  # every model's cosines on one scale
        near = {h["id"]: scale(h["score"]) for h in nearest}
        raw[SEMANTIC] = {i: score for i, score in near.items() if score >= SEMANTIC_FLOOR}
        others = cosines(semantic_index, vector, [i for i in keyword if i not in raw[SEMANTIC]])
        cosine = {**{i: scale(c) for i, c in others.items()}, **raw[SEMANTIC]}
    if used == FULLTEXT:
        weight = 0.0
    elif used == SEMANTIC:
        weight, keyword = 1.0, {}
    else:
        weight = semantic_share(semantic_index) if share is None else share
    sections = fuse(keyword, cosine, weight)
    for section in sections:
        section.raw = {src: raw[src][section.id] for src in raw if section.id in raw[src]}
    hits = best_per_article([s for s in sections if s.raw])
    return Outcome(used, hits[:limit], terms, did_you_mean, degraded, vector)


def _keyword_ranking(
    text: str,
    searcher: Searcher,
    lexical: LexicalIndex | None,
    category: str | None,
    include_internal: bool,
    term_weights: dict[str, float] | None,
    correct: bool,
) -> tuple[list[tuple[str, float]], str | None, list[str]]:
    """([(section id, BM25F score)] best first, did-you-mean, highlight terms) for the keyword side."""
    if term_weights is not None and lexical is not None:
        ranked = lexical.search(
            list(term_weights),
            CANDIDATES,
            category=category,
            include_internal=include_internal,
            term_weights=term_weights,
        )
        return ranked, None, fulltext.query_terms(searcher.schema, text)
    result = fulltext.search(
        searcher,
        text,
        limit=CANDIDATES,
        category=category,
        include_internal=include_internal,
        lexical=lexical,
        correct=correct,
    )
    return [(h.id, h.score) for h in result.hits], result.did_you_mean, result.terms


def _coverage(score: float, best: float | None) -> float:
    """A BM25F score as a share of a full match (0..1)."""
    if best is None:
        return score / (score + KEYWORD_HALF)
    return min(1.0, score / best)


def cosines(semantic_index: SemanticIndex, vector: np.ndarray, section_ids: list[str]) -> dict[str, float]:
    """The exact cosine of ``vector`` to each of ``section_ids`` that has an embedding."""
    rows = [(i, semantic_index.row_of[i]) for i in section_ids if i in semantic_index.row_of]
    if not rows:
        return {}
    values = np.asarray(semantic_index.matrix[[r for _, r in rows]] @ vector)
    return {i: float(v) for (i, _), v in zip(rows, values, strict=True)}


def _query_vector(text: str, encoder: Encoder | None, vector: np.ndarray | None) -> np.ndarray:
    """``vector`` when given, else ``encoder``'s embedding of ``text``."""
    if vector is not None:
        return vector
    if encoder is None:
        raise ModelUnavailableError("no encoder to embed the query with")
    return encoder.encode_queries([text])[0]


def nearest_articles(
    slug: str, semantic_index: SemanticIndex, *, limit: int = 5, allowed: Callable[[str], bool] = lambda s: True
) -> list[str]:
    """Slugs of the articles closest to ``slug`` (mean of its section vectors), for "related articles"."""
    rows = [i for i, s in enumerate(semantic_index.slugs) if s == slug]
    if not rows:
        return []
    centre = np.asarray(semantic_index.matrix[rows], dtype=np.float32).mean(axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    scores = np.asarray(semantic_index.matrix @ centre)
    best: dict[str, float] = {}
    for row in np.argsort(-scores):
        other = semantic_index.slugs[row]
        if other != slug and other not in best and allowed(other):
            best[other] = float(scores[row])
            if len(best) == limit:
                break
    return list(best)

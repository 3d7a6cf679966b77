"""Hybrid ranking: full-text and semantic section rankings fused into one list of articles.

Fusion is weighted reciprocal-rank fusion (RRF): a section at rank ``r`` in a source list scores
``weight / (k + r)``; sums over sources are then aggregated to articles, each keeping its best section.
RRF needs no score calibration between BM25 and cosine, which is why it generalises across corpora.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from whoosh.searching import Searcher

from kb.errors import ModelUnavailableError
from search import fulltext
from search.semantic import Encoder, SemanticIndex

if TYPE_CHECKING:
    from search.lexical import LexicalIndex

# The ranking modes, and the names of the sources a hybrid ranking fuses (the full-text and semantic rankings).
HYBRID = "hybrid"
FULLTEXT = "fulltext"
SEMANTIC = "semantic"
MODES = (HYBRID, FULLTEXT, SEMANTIC)  # the one list of search modes; the web layer and the config check it
# Tuned with `kb eval` on two public FAQ sets (see the "Measuring search quality" article): every k in 5-15
# with a full-text weight of 0.25-0.4 beat both single methods on both sets; these sit in the middle.
RRF_K = 10
WEIGHTS = {FULLTEXT: 0.35, SEMANTIC: 1.0}
CANDIDATES = 50
SEMANTIC_FLOOR = 0.2  # cosine under which a semantic neighbour is noise, not a match


@dataclass
class SectionScore:
    id: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # source -> 1-based rank
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
    score: float
    sources: list[str]
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


def reciprocal_rank_fusion(
    ranked: dict[str, list[tuple[str, float]]], *, k: int = RRF_K, weights: dict[str, float] | None = None
) -> list[SectionScore]:
    """Fuse ``{source: [(id, raw score), ...best first]}`` into one list, best first."""
    weights = weights or WEIGHTS
    fused: dict[str, SectionScore] = {}
    for source, items in ranked.items():
        weight = weights.get(source, 1.0)
        for rank, (item_id, raw) in enumerate(items, start=1):
            entry = fused.setdefault(item_id, SectionScore(item_id, 0.0))
            entry.score += weight / (k + rank)
            entry.ranks[source] = rank
            entry.raw[source] = raw
    return sorted(fused.values(), key=lambda s: (-s.score, s.id))


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
        sources = sorted({src for s in group for src in s.ranks})
        raw = {src: max(s.raw[src] for s in group if src in s.raw) for src in sources}
        hits.append(ArticleHit(slug, best.anchor, best.score + min(extra * 0.1, best.score * 0.3), sources, raw))
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
    weights: dict[str, float] | None = None,
    lexical: LexicalIndex | None = None,
    correct: bool = True,
) -> Outcome:
    """Rank articles for ``text`` in ``mode``; semantic parts are skipped (``degraded``) without a model."""
    can_embed = semantic_index is not None and (encoder is not None or query_vector is not None)
    degraded = mode != FULLTEXT and not can_embed
    used = FULLTEXT if degraded else mode
    ranked: dict[str, list[tuple[str, float]]] = {}
    terms: list[str] = []
    did_you_mean = None
    if used in (HYBRID, FULLTEXT):
        result = fulltext.search(
            searcher,
            text,
            limit=CANDIDATES,
            category=category,
            include_internal=include_internal,
            lexical=lexical,
            correct=correct,
        )
        ranked[FULLTEXT] = [(h.id, h.score) for h in result.hits]
        terms, did_you_mean = result.terms, result.did_you_mean
    else:
        terms = fulltext.query_terms(searcher.schema, text)
    if used in (HYBRID, SEMANTIC) and text.strip() and semantic_index is not None:  # not degraded: it can embed
        vector = _query_vector(text, encoder, query_vector)
        nearest = semantic_index.search(vector, CANDIDATES, category=category, include_internal=include_internal)
        ranked[SEMANTIC] = [(h["id"], h["score"]) for h in nearest if h["score"] >= SEMANTIC_FLOOR]
    hits = best_per_article(reciprocal_rank_fusion(ranked, weights=weights))
    return Outcome(used, hits[:limit], terms, did_you_mean, degraded)


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

"""Search as the web pages, the JSON API and the CLI present it: ranked articles with section links,
highlighted, escaped snippets, and whether kb is confident that each one answers the query."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from kb.index.serving import get_build, get_default_build, get_encoder
from kb.query.answers import Answer, instant_answer, passage
from kb.query.capacity import ranking_slot
from search import hybrid, multilingual, snippets

MAX_RESULTS = 50


def min_score() -> float:
    """The confidence threshold of this request's locale: ``MULTILINGUAL_MIN_SCORE`` where its articles were
    embedded with a multilingual model (whose cosines run on another scale), else ``SUGGEST_MIN_SCORE``. A
    search result or a suggestion scoring this much (0..1) clearly answers what was asked: one threshold for
    both, so that search and suggestions never disagree about it."""
    index = get_build().semantic
    if index is not None and index.model in multilingual.MULTILINGUAL_MODELS:
        return current_app.config["MULTILINGUAL_MIN_SCORE"]
    return current_app.config["SUGGEST_MIN_SCORE"]


@dataclass
class Result:
    slug: str
    title: str
    url: str
    section: str | None  # heading of the best section; None when the article as a whole matched
    snippet: str  # HTML: escaped text with <mark> around query words
    score: float
    confident: bool  # the score reaches the threshold (min_score)
    category: str
    status: str
    sources: list[str]

    def to_dict(self) -> dict:
        return {
            "slug": self.slug,
            "title": self.title,
            "url": self.url,
            "section": self.section,
            "snippet": self.snippet,
            "score": round(self.score, 6),
            "confident": self.confident,
            "category": self.category,
        }


@dataclass
class Search:
    query: str
    mode: str
    results: list[Result]
    did_you_mean: str | None
    degraded: bool
    answer: Answer | None = None  # the sentences of the best result that answer the query, when it is confident

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def confident(self) -> bool:
        """Some result clearly answers the query; when none does, the best ones are only possibly related."""
        return any(r.confident for r in self.results)

    def to_dict(self) -> dict:
        """The shape of ``GET /api/v1/search`` (and ``kb search --json``)."""
        return {
            "query": self.query,
            "mode": self.mode,
            "degraded": self.degraded,
            "total": self.total,
            "did_you_mean": self.did_you_mean,
            "confident": self.confident,
            "answer": self.answer.to_dict() if self.answer else None,
            "results": [r.to_dict() for r in self.results],
        }


def run_search(
    query: str,
    *,
    mode: str | None = None,
    limit: int = MAX_RESULTS,
    category: str | None = None,
    include_internal: bool = False,
    build=None,
) -> Search:
    """Ranked, presented results for ``query`` (in ``build``, a locale's part of the index: the request's by
    default).

    Raises:
        kb.query.capacity.Busy: this process already ranks and queues as many requests as it may.
    """
    build = build or get_build()
    mode = mode or current_app.config["SEARCH_MODE"]
    with ranking_slot():
        outcome = hybrid.search(
            query,
            searcher=build.searcher(),
            lexical=build.lexical,
            semantic_index=build.semantic,
            encoder=get_encoder() if mode != "fulltext" else None,
            mode=mode,
            limit=limit,
            category=category,
            include_internal=include_internal,
        )
        threshold = min_score()
        results = [
            r for hit in outcome.hits if (r := present(hit, outcome.terms, build.site, build.language, threshold))
        ]
        answer = None
        if results and results[0].confident:
            answer = instant_answer(build, results[0].slug, passage(build, results[0].slug, outcome.vector))
    return Search(query, outcome.mode, results, outcome.did_you_mean, outcome.degraded, answer)


UNTRANSLATED_LIMIT = 3


def untranslated_results(query: str, category: str | None = None) -> list[Result]:
    """In a locale after the default: the default locale's articles that have no translation here and match
    ``query``'s words, to show after the locale's own results. Full-text only: no second model call."""
    build, default = get_build(), get_default_build()
    if build is default or not query.strip():
        return []
    translated = {page.translation_of for page in build.site.all_pages.values() if page.translation_of}
    found = run_search(query, mode=hybrid.FULLTEXT, limit=UNTRANSLATED_LIMIT * 4, category=category, build=default)
    threshold = current_app.config["SUGGEST_MIN_SCORE"]  # the default locale's scale
    return [r for r in found.results if r.slug not in translated and r.score >= threshold][:UNTRANSLATED_LIMIT]


@dataclass(frozen=True)
class Place:
    """Where a ranked hit points: the link (deep to the section when there is one), the section's heading, and
    the text to quote from it. What search results and suggestions show alike."""

    url: str
    heading: str | None
    text: str


def place(page, anchor: str | None) -> Place:
    section = page.section(anchor)
    return Place(
        url=page.url + (f"#{anchor}" if anchor else ""),
        heading=section.heading if anchor else None,
        text=section.text or page.summary,
    )


def shown_as(page, where: Place, terms: list[str], **snippet_options) -> dict:
    """The fields a search result and a suggestion show alike, for ``page`` at ``where`` (snippets in the
    request's language unless ``language`` is given)."""
    if "language" not in snippet_options:
        snippet_options["language"] = get_build().language
    return {
        "slug": page.slug,
        "title": page.title,
        "url": where.url,
        "section": where.heading,
        "snippet": snippets.snippet(where.text, terms, **snippet_options),
        "category": page.category,
    }


def present(hit: hybrid.ArticleHit, terms: list[str], site, language: str, threshold: float) -> Result | None:
    """``hit`` as a result, confident when it scores ``threshold`` (the request's :func:`min_score`)."""
    page = site.pages.get(hit.slug)
    if page is None:
        return None
    where = place(page, hit.anchor)
    return Result(
        **shown_as(page, where, terms, language=language),
        score=hit.score,
        confident=hit.score >= threshold,
        status=page.status,
        sources=hit.sources,
    )

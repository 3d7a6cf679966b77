"""Suggestions as the API, the contact form and the CLI present them."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app

from kb.index.serving import get_build, get_encoder, get_searcher
from kb.query import boosts
from kb.query.answers import Answer, instant_answer, passage
from kb.query.capacity import ranking_slot
from kb.query.search import min_score, place, shown_as
from search import fulltext
from search.answers import SENTENCE_END, Passage
from suggest import engine
from suggest.reading import Message

MAX_URL = 2048  # the longest page address kept, from a suggestion request or a ticket


def customer_url(value: str) -> str:
    """``value`` checked as the address of a page a customer is on: the one check for every URL a customer
    gives (a suggestion request's ``url``, a ticket's page, the contact form's Referer).

    Raises:
        ValueError: what is wrong, to follow the field's name ("must be an http:// or https:// address").
    """
    value = value.strip()
    if len(value) > MAX_URL:
        raise ValueError(f"is too long (at most {MAX_URL} characters)")
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in value):
        raise ValueError("must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (parsing the port is what checks it)
    except ValueError:
        raise ValueError("is not a valid web address") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address")
    return value


@dataclass
class Suggestion:
    slug: str
    title: str
    url: str
    section: str | None
    snippet: str
    score: float
    reasons: list[str]
    category: str
    internal: bool
    confident: bool = False
    excerpt: str | None = None
    marks: list[str] = field(default_factory=list)  # what the agent is told: "shown", "opened", "helped"

    def to_dict(self) -> dict:
        data = {
            "slug": self.slug,
            "title": self.title,
            "url": self.url,
            "section": self.section,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "confident": self.confident,
            "reasons": self.reasons,
            "category": self.category,
        }
        if self.internal:
            data["internal"] = True
        if self.excerpt is not None:
            data["excerpt"] = self.excerpt
        if self.marks:
            data["marks"] = list(self.marks)
        return data


@dataclass
class Suggestions:
    items: list[Suggestion]  # best first
    answer: Answer | None = None  # the sentences of the best confident suggestion that answer the text


def run_suggest(
    text: str = "",
    *,
    messages: Sequence[Message] | None = None,
    subject: str = "",
    url: str | None = None,
    limit: int | None = None,
    include_internal: bool = False,
    exclude: frozenset[str] = frozenset(),
    excerpt: bool = False,
    only_confident: bool = True,
    shed: bool = True,
) -> Suggestions:
    """Suggestions for what a customer wrote (``text``, a ticket's ``subject`` and body, or a conversation's
    ``messages``), presented, best first, and the instant answer when the best one is confident.

    Args:
        only_confident: leave out what the engine is not confident of (customers); agents see it, flagged.
        excerpt: give each suggestion the plain-text passage an agent can paste (its instant-answer sentences).
        shed: refuse (rather than queue) when this process is at capacity (False for agents).

    Raises:
        kb.query.capacity.Busy: ``shed`` and this process already ranks and queues as many requests as it may.
    """
    config = current_app.config
    build = get_build()
    site = build.site
    with ranking_slot(shed=shed):
        encoder = get_encoder()
        found = engine.suggest(
            text,
            messages=messages,
            subject=subject,
            searcher=get_searcher(),
            lexical=build.lexical,
            semantic_index=build.semantic,
            encoder=encoder,
            page_rules=site.suggest_rules(include_internal),
            url=url,
            limit=limit or config["SUGGEST_LIMIT"],
            min_score=min_score(),
            only_confident=only_confident,
            include_internal=include_internal,
            exclude=frozenset(exclude),
            feedback=boosts.current(current_app._get_current_object(), encoder),
        )
        shown = [c for c in found.candidates if c.slug in site.pages]
        passages = {c.slug: passage(build, c.slug, found.vector) for c in shown} if excerpt else {}
        ranked = [c for c in shown if c.confident and c.reasons and c.reasons[0] != engine.PAGE_RULE]
        answer = None
        if ranked:
            best = ranked[0].slug
            answer = instant_answer(build, best, passages[best] if excerpt else passage(build, best, found.vector))
        items = [
            present(c, found.terms, site, agent_excerpt(c, found.terms, passages[c.slug]) if excerpt else None)
            for c in shown
        ]
    return Suggestions(items, answer)


def ranking_mode() -> tuple[str, bool]:
    """(mode, degraded) of the suggestions this process gives now: "fulltext" and degraded while the semantic
    index is being built or the model cannot be loaded, "fulltext" when semantic search is switched off."""
    if not current_app.config["SEMANTIC_ENABLED"]:
        return "fulltext", False
    semantic_ready = get_build().semantic is not None and get_encoder() is not None
    return ("hybrid", False) if semantic_ready else ("fulltext", True)


def present(candidate: engine.Candidate, terms: list[str], site, excerpt: str | None = None) -> Suggestion:
    """``candidate`` as it is shown, with ``excerpt``, the text an agent can paste, when there is one."""
    page = site.pages[candidate.slug]
    where = place(page, candidate.anchor)
    return Suggestion(
        **shown_as(page, where, terms, length=180),
        score=candidate.score,
        confident=candidate.confident,
        reasons=candidate.reasons,
        internal=page.status == "internal",
        excerpt=excerpt,
    )


def agent_excerpt(candidate: engine.Candidate, terms: list[str], found: Passage | None) -> str:
    """What an agent's "Copy excerpt" copies: the article's sentences that answer the text (``found``, the
    instant answer's passage for the best suggestion), else those of its section holding most of its words."""
    if found is not None:
        return found.text
    where = place(get_build().site.pages[candidate.slug], candidate.anchor)
    return make_excerpt(where.text, terms, language=get_build().language)


EXCERPT_CHARS = 300


def make_excerpt(text: str, terms: Sequence[str] = (), limit: int = EXCERPT_CHARS, language: str = "en") -> str:
    """Plain text an agent can paste: the sentences of ``text`` that fit in ``limit`` characters, from the one
    that holds most of the query's ``terms`` (analyzed words) on, so that a section answering several
    problems gives the passage about the customer's."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    sentences = SENTENCE_END.split(text)
    wanted = set(terms)
    if wanted and len(sentences) > 1:
        found = [len(wanted.intersection(fulltext.plain_terms(sentence, language))) for sentence in sentences]
        start = found.index(max(found))
        text = " ".join(sentences[start:]) if found[start] else text
    return _first_sentences(text, limit)


def _first_sentences(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sentence_end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if sentence_end >= limit // 3:
        return cut[: sentence_end + 1]
    return cut.rsplit(" ", 1)[0].rstrip(",;:") + "…"

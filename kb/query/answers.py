"""Instant answers as the search page, the beacon, the JSON API and the agent view present them: the sentences of
the best result's section that answer the question, and a link that opens the article on them, highlighted."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
from flask import current_app

from search import answers, semantic

HIGHLIGHT_PARAMETER = "highlight"  # article.js and beacon.js highlight the text it carries (kb/static/highlight.js)


@dataclass(frozen=True)
class Answer:
    text: str  # the article's own sentences, plain text
    slug: str
    url: str  # the article at the section, with the passage to highlight
    title: str
    section: str | None  # the section's heading; None for the article's intro

    def to_dict(self) -> dict:
        return {"text": self.text, "slug": self.slug, "url": self.url, "title": self.title, "section": self.section}


def passage(build, slug: str, vector: np.ndarray | None) -> answers.Passage | None:
    """The sentences of article ``slug`` that answer the query ``vector`` best, or None without sentence vectors
    (a full-text build, or one made before kb had them)."""
    index, sentences, page = build.semantic, build.sentences, build.site.pages.get(slug)
    if vector is None or index is None or sentences is None or page is None:
        return None
    rows = [row for row in index.rows_of_article.get(slug, []) if sentences.covers(row)]
    if not rows:
        return None
    calibrate = semantic.calibration(index.model)
    cosines = np.asarray(index.matrix[rows] @ vector)
    sections = [
        answers.SectionText(row, index.ids[row], page.section(index.ids[row].split("#", 1)[1]).text, calibrate(c))
        for row, c in zip(rows, cosines.tolist(), strict=True)
    ]
    return sentences.passage(sections, vector, calibrate)


def instant_answer(build, slug: str, found: answers.Passage | None) -> Answer | None:
    """The answer shown above the results, from the best result (``slug``, which the caller found confident):
    its passage (see :func:`passage`), when the passage itself is close enough to the question
    (``ANSWER_MIN_SCORE``)."""
    if found is None or found.score < current_app.config["ANSWER_MIN_SCORE"]:
        return None
    page = build.site.pages[slug]
    anchor = found.section_id.split("#", 1)[1]
    return Answer(
        text=found.text,
        slug=slug,
        url=highlight_url(page.url, anchor, found.text),
        title=page.title,
        section=page.section(anchor).heading if anchor else None,
    )


def highlight_url(url: str, anchor: str, text: str) -> str:
    """``url`` opened at the section ``anchor``, asking the page to highlight ``text`` (its own words only: the
    script highlights the text when the article holds it, and ignores it otherwise)."""
    return f"{url}?{urlencode({HIGHLIGHT_PARAMETER: text})}" + (f"#{anchor}" if anchor else "")

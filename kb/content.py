"""Compile a loaded :class:`~kb.articles.Library` into pages: rendered, linked and checked.

This is the step ``kb check`` and ``kb index`` share: render every article, then verify every internal link,
``#anchor``, image and ``related`` slug against the whole set, collecting all problems at once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from kb.articles import Article, Library, Problem
from kb.render import Rendered, Section, render_article


@dataclass
class Page:
    """A rendered article as the help center and the index use it (JSON-serializable)."""

    slug: str
    title: str
    category: str
    path: str
    status: str
    summary: str
    tags: list[str]
    related: list[str]
    order: float
    updated: str | None
    suggest_for: list[str]
    html: str
    toc: list[dict]
    sections: list[Section]
    source_hash: str
    meta: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"/articles/{self.slug}"

    @classmethod
    def from_dict(cls, data: dict) -> Page:
        data = dict(data)
        data["sections"] = [Section(**s) for s in data["sections"]]
        return cls(**data)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class Compiled:
    pages: dict[str, Page]
    problems: list[Problem]


def compile_library(library: Library) -> Compiled:
    """Render every article of ``library`` and check the references between them."""
    slugs_by_path = {a.path: a.slug for a in library.articles.values()}
    rendered = {slug: render_article(a, slugs_by_path) for slug, a in library.articles.items()}
    problems = list(library.problems)
    problems += check_references(library, rendered)
    pages = {slug: make_page(library.articles[slug], r) for slug, r in rendered.items()}
    return Compiled(pages=pages, problems=problems)


def make_page(article: Article, rendered: Rendered) -> Page:
    return Page(
        slug=article.slug,
        title=article.title,
        category=article.category,
        path=article.path,
        status=article.status,
        summary=article.summary or rendered.excerpt(),
        tags=article.tags,
        related=article.related,
        order=article.order,
        updated=article.updated.isoformat() if article.updated else None,
        suggest_for=article.suggest_for,
        html=rendered.html,
        toc=rendered.toc,
        sections=rendered.sections,
        source_hash=article.source_hash,
        meta=_json_safe(article.meta),
    )


def check_references(library: Library, rendered: dict[str, Rendered]) -> list[Problem]:
    """Problems with links, anchors, images and ``related`` slugs, each with its file and line."""
    by_path = {a.path: a for a in library.articles.values()}
    problems = []
    for slug, result in rendered.items():
        article = library.articles[slug]
        for ref in result.references:
            message = ref.broken or _reference_problem(ref, by_path, rendered, library.root)
            if message:
                problems.append(Problem(article.path, ref.line, message))
        for other in article.related:
            if other not in library.articles:
                line = article.meta_lines.get("related")
                problems.append(Problem(article.path, line, f"`related` names {other!r}, which is not an article slug"))
            elif other == slug:
                problems.append(Problem(article.path, article.meta_lines.get("related"), "`related` names itself"))
    return problems


def _reference_problem(ref, by_path: dict[str, Article], rendered: dict[str, Rendered], root: Path) -> str:
    if ref.kind == "image" or not ref.target.endswith(".md"):
        if not (root / ref.target).is_file():
            return f"{ref.kind} {ref.href} not found (looked for {ref.target})"
        return ""
    target = by_path.get(ref.target)
    if target is None:
        if (root / ref.target).is_file():
            return f"link to {ref.href}: {ref.target} is not a usable article (see its own errors)"
        return f"link to {ref.href}: no article at {ref.target}"
    if ref.fragment and ref.fragment not in rendered[target.slug].anchors:
        anchors = ", ".join(sorted(rendered[target.slug].anchors)) or "none"
        return f"link to {ref.href}: {target.path} has no heading #{ref.fragment} (anchors: {anchors})"
    return ""


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)

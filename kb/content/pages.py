"""Compile a loaded :class:`~kb.content.articles.Library` into pages: rendered, linked and checked.

This is the step ``kb check`` and ``kb index`` share: render every article, then verify every internal link,
``#anchor``, image and ``related`` slug against the whole set, collecting all problems at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.content.articles import (
    Article,
    Category,
    Library,
    Problem,
    iter_article_files,
    load_categories,
    outside_links,
    parse_article,
    read_source,
    resolve_inside,
    source_hash,
)
from kb.content.render import Reference, Rendered, Section, render_article


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
    toc: list[dict[str, Any]]
    sections: list[Section]
    source_hash: str
    locale: str = ""  # the URL segment of its locale ("pt-br"); "" in the default locale
    translation_of: str = ""  # the slug of the default locale's article it translates ("" when none)
    meta: dict[str, Any] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # this file's own (parse) problems

    @property
    def url(self) -> str:
        return f"/{self.locale}/articles/{self.slug}" if self.locale else f"/articles/{self.slug}"

    def section(self, anchor: str) -> Section:
        """The section with ``anchor``; the intro when there is none (e.g. the heading was removed)."""
        return next((s for s in self.sections if s.anchor == anchor), self.sections[0])

    def outline_dict(self) -> dict[str, Any]:
        """Every field but the content: what lists, links and ranks need."""
        return {name: getattr(self, name) for name in OUTLINE_FIELDS}

    def content_dict(self) -> dict[str, Any]:
        """The content fields, as JSON-ready values (shallow on purpose: dataclasses.asdict deep-copies, ~10x
        slower)."""
        data = {name: getattr(self, name) for name in CONTENT_FIELDS}
        data["sections"] = [s.__dict__ for s in self.sections]
        data["references"] = [r.__dict__ for r in self.references]
        data["problems"] = [p.__dict__ for p in self.problems]
        return data


# The content, in two groups read apart: search results need a page's sections, the article page the rest.
CONTENT_GROUPS = {"sections": ("sections",), "body": ("html", "toc", "meta", "meta_lines", "references", "problems")}
CONTENT_FIELDS = tuple(name for group in CONTENT_GROUPS.values() for name in group)
OUTLINE_FIELDS = tuple(name for name in Page.__dataclass_fields__ if name not in CONTENT_FIELDS)
_FROM_JSON = {
    "sections": lambda items: [Section(**s) for s in items],
    "references": lambda items: [Reference(**r) for r in items],
    "problems": lambda items: [Problem(**p) for p in items],
}


def content_from_dict(data: dict[str, Any]) -> dict[str, Any]:
    """The content fields present in a page's JSON form, as a :class:`Page` holds them."""
    return {name: _FROM_JSON.get(name, lambda value: value)(data[name]) for name in CONTENT_FIELDS if name in data}


@dataclass
class Compiled:
    pages: dict[str, Page]
    problems: list[Problem]
    categories: dict[str, Category] = field(default_factory=dict)
    reused: int = 0  # pages taken unchanged from the previous build


def compile_articles(
    root: Path | str, previous: dict[str, Page] | None = None, *, skip: frozenset[str] = frozenset(), locale: str = ""
) -> Compiled:
    """Load, render and check every article under ``root`` (but in its top-level folders named in ``skip``:
    other locales'); ``locale`` is the URL segment of a locale after the default, which links are under.

    A file whose text is unchanged since ``previous`` (the last build's pages) keeps its page as it was,
    without being parsed or rendered again, as long as no article was added, removed or renamed (which
    could change where its links point).
    """
    root = Path(root).resolve()
    before = {p.path: p for p in (previous or {}).values()}
    library = Library(root=root, problems=outside_links(root, skip))
    unchanged: dict[str, tuple[str, Page]] = {}  # path -> (text, page of the previous build)
    texts: dict[str, str] = {}  # path -> text of new or changed files
    for path in iter_article_files(root, skip):
        text, problems = read_source(path, root)
        rel = path.relative_to(root).as_posix()
        library.problems += problems
        if text is None:
            continue
        page = before.get(rel)
        if page is not None and page.source_hash == source_hash(text):
            unchanged[rel] = (text, page)
        else:
            texts[rel] = text
    parsed = {rel: parse_article(text, rel) for rel, text in texts.items()}
    articles, problems = _collect(parsed, {rel: page for rel, (_, page) in unchanged.items()})
    if {a.path: a.slug for a in articles.values()} != {p.path: p.slug for p in before.values()}:
        # an article was added, removed or renamed: links may now point elsewhere, so render everything
        parsed.update({rel: parse_article(text, rel) for rel, (text, _) in unchanged.items()})
        unchanged = {}
        articles, problems = _collect(parsed, {})
    library.articles = articles
    library.problems += problems
    slugs_by_path = {a.path: a.slug for a in library.articles.values()}
    pages = {}
    for slug, article in library.articles.items():
        if article.path in unchanged:
            pages[slug] = unchanged[article.path][1]
        elif (rendered := _render_in_time(article, slugs_by_path, library.problems, locale)) is not None:
            pages[slug] = make_page(article, rendered, parsed[article.path][1])
    categories = load_categories(root, {p.category for p in pages.values()}, library.problems, skip)
    problems = library.problems + check_references(pages, root)
    return Compiled(pages=pages, problems=problems, categories=categories, reused=len(unchanged))


RENDER_SECONDS = 10  # a help article renders in milliseconds; minutes would be a pathological input


def _render_in_time(
    article: Article, slugs_by_path: dict[str, str], problems: list[Problem], locale: str = ""
) -> Rendered | None:
    """The rendered article, or None (and the problem) when rendering takes longer than ``RENDER_SECONDS``."""
    try:
        with time_limit(RENDER_SECONDS):
            return render_article(article, slugs_by_path, locale=locale)
    except TooSlow:
        message = f"took longer than {RENDER_SECONDS} s to render, so it is left out: simplify or split it"
        problems.append(Problem(article.path, None, message))
        return None


class TooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TooSlow` in the block after ``seconds``. Only in the main thread (``kb index``, ``kb
    check``): signals reach no other, so a build in a server thread runs without the limit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _collect(
    parsed: dict[str, tuple[Article | None, list[Problem]]], unchanged: dict[str, Page]
) -> tuple[dict[str, Article], list[Problem]]:
    """Usable articles by slug (first path wins a duplicate slug) and the problems of every file."""
    library = Library(root=Path("."))
    for rel in sorted(set(parsed) | set(unchanged)):
        if rel in parsed:
            article, problems = parsed[rel]
        else:
            article, problems = _placeholder(unchanged[rel]), unchanged[rel].problems
        library.problems += problems
        if article is not None:
            library.add(article)
    return library.articles, library.problems


def _placeholder(page: Page) -> Article:
    """An :class:`Article` standing for an unchanged page, enough for slug bookkeeping."""
    return Article(
        slug=page.slug,
        title=page.title,
        category=page.category,
        path=page.path,
        body="",
        body_line=1,
        meta_lines=page.meta_lines,
    )


def make_page(article: Article, rendered: Rendered, problems: list[Problem]) -> Page:
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
        meta_lines=article.meta_lines,
        references=rendered.references,
        problems=list(problems),
    )


def check_references(pages: dict[str, Page], root: Path) -> list[Problem]:
    """Problems with links, anchors, images and ``related`` slugs, each with its file and line."""
    by_path = {p.path: p for p in pages.values()}
    problems = []
    for slug, page in pages.items():
        for ref in page.references:
            message = ref.broken or _reference_problem(ref, by_path, root)
            if message:
                problems.append(Problem(page.path, ref.line, message))
        for other in page.related:
            line = page.meta_lines.get("related")
            if other not in pages:
                problems.append(Problem(page.path, line, f"`related` names {other!r}, which is not an article slug"))
            elif other == slug:
                problems.append(Problem(page.path, line, "`related` names itself"))
    return problems


def _reference_problem(ref: Reference, by_path: dict[str, Page], root: Path) -> str:
    if ref.target is None:  # not resolved: ``broken`` says why
        return ref.broken
    if is_asset(ref):
        real = resolve_inside(root, ref.target)
        if real is None and (root / ref.target).is_symlink():
            return f"{ref.kind} {ref.href} is a link to outside the articles folder, which kb does not serve"
        if real is None or not real.is_file():
            return f"{ref.kind} {ref.href} not found (looked for {ref.target})"
        return ""
    target = by_path.get(ref.target)
    if target is None:
        if (root / ref.target).is_file():
            return f"link to {ref.href}: {ref.target} is not a usable article (see its own errors)"
        return f"link to {ref.href}: no article at {ref.target}"
    anchors = {s.anchor for s in target.sections if s.anchor}
    if ref.fragment and ref.fragment not in anchors:
        listed = ", ".join(sorted(anchors)) or "none"
        return f"link to {ref.href}: {target.path} has no heading #{ref.fragment} (anchors: {listed})"
    return ""


def is_asset(ref: Reference) -> bool:
    """Whether ``ref`` names a file served under /assets/ (an image, or a link to anything but an article)."""
    return ref.target is not None and (ref.kind == "image" or not ref.target.endswith(".md"))


def asset_audiences(pages: Iterable[Page]) -> dict[str, str]:
    """Who may fetch each file the articles show or link: "public" when a published article uses it, "agents"
    when only internal or draft articles do. A file no article uses is not served at all."""
    audiences: dict[str, str] = {}
    for page in pages:
        for ref in page.references:
            if ref.target is not None and is_asset(ref) and not ref.broken:
                if page.status == "published":
                    audiences[ref.target] = "public"
                else:
                    audiences.setdefault(ref.target, "agents")
    return audiences


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)

"""The content model: articles and categories read from Markdown files with YAML front matter.

Pure: no Flask, no search. ``load_articles(dir)`` walks a folder and returns a :class:`Library` holding every
article it could use plus every problem it found, so that ``kb check`` can report them all at once and the
server can skip a broken file and keep serving the rest. The front matter is read and checked by
``kb.content.frontmatter``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb.content.frontmatter import (
    DEFAULT_ORDER,
    SLUG_RE,
    category_slug,
    check_fields,
    key_lines,
    load_yaml,
    read_meta,
    yaml_reason,
)
from kb.content.locales import edition_folders

ICONS = ("book", "rocket", "pencil", "search", "chat", "inbox", "chart", "server", "code")
_LEADING_H1_RE = re.compile(r"\A\s*#[ \t]+(.+?)[ \t]*#*[ \t]*(?:\r?\n|\Z)")


@dataclass(frozen=True)
class Problem:
    """Something wrong with an article, as ``path:line: message``; ``level`` is "error" or "warning"."""

    path: str
    line: int | None
    message: str
    level: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.level}: {self.message}"


@dataclass
class Article:
    slug: str
    title: str
    category: str
    path: str  # relative POSIX path inside the articles folder, e.g. "search/how-search-works.md"
    body: str
    body_line: int  # 1-based line of the file where ``body`` starts
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    status: str = "published"
    related: list[str] = field(default_factory=list)
    order: float = DEFAULT_ORDER
    updated: dt.date | None = None
    suggest_for: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # every front-matter key, known or not
    meta_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line in the file
    source_hash: str = ""


@dataclass
class Category:
    slug: str
    title: str
    description: str = ""
    order: float = DEFAULT_ORDER
    icon: str = "book"


@dataclass
class Library:
    """Everything read from an articles folder: usable articles, categories and the problems found."""

    root: Path
    articles: dict[str, Article] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, article: Article) -> bool:
        """Add ``article`` unless its slug is taken (then record the problem and return False)."""
        other = self.articles.get(article.slug)
        if other is not None:
            line = article.meta_lines.get("slug")
            self.problems.append(
                Problem(article.path, line, f"duplicate slug {article.slug!r}, already used by {other.path}")
            )
            return False
        self.articles[article.slug] = article
        return True


def parse_article(text: str, path: str) -> tuple[Article | None, list[Problem]]:
    """Parse one article's source. Returns the article (None when it has errors) and its problems.

    The title comes from the front-matter ``title``; without one, from a leading ``# H1`` of the body
    (a warning); with neither, the article is an error. A leading H1 is removed from the body either way,
    since pages show the title themselves.
    """
    problems: list[Problem] = []

    def report(line: int | None, message: str, level: str) -> None:
        problems.append(Problem(path, line, message, level))

    meta, body, body_line = read_meta(text, report)
    if meta is None:
        return None, problems
    body, body_line, heading = _strip_leading_h1(body, body_line)
    fields = check_fields(meta, text, path, heading, report)
    if fields is None:
        return None, problems
    article = Article(
        slug=fields.slug,
        title=fields.title,
        category=fields.category,
        path=path,
        body=body,
        body_line=body_line,
        summary=fields.summary,
        tags=fields.tags,
        status=fields.status,
        related=fields.related,
        order=fields.order,
        updated=fields.updated,
        suggest_for=fields.suggest_for,
        meta=meta,
        meta_lines=key_lines(text, meta),
        source_hash=source_hash(text),
    )
    return article, problems


MAX_ARTICLE_BYTES = 1024 * 1024  # a help article is a few kB; a larger file is a mistake or an attack


def read_source(path: Path, root: Path) -> tuple[str | None, list[Problem]]:
    """The decoded text of an article file (UTF-8, newlines normalized), or None and the problem."""
    rel = path.relative_to(root).as_posix()
    real = resolve_inside(root, rel)
    if real is None:
        return None, [Problem(rel, None, "cannot read file: missing, or a link to outside the articles folder")]
    try:
        if real.stat().st_size > MAX_ARTICLE_BYTES:
            limit = MAX_ARTICLE_BYTES // 1024 // 1024
            return None, [Problem(rel, None, f"larger than {limit} MB: split it into several articles")]
        raw = real.read_bytes()
    except OSError as e:
        return None, [Problem(rel, None, f"cannot read file: {e.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, [Problem(rel, line, f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8")]
    return text.replace("\r\n", "\n"), []


# The version of how articles are rendered: bumped when the HTML made of the same Markdown changes (2: code blocks
# and tables are focusable scroll regions), so that an incremental build renders every stored page again.
RENDERING = 2


def source_hash(text: str) -> str:
    """What decides whether a stored page can be reused: the file's text, and the rendering that made it."""
    return hashlib.sha1(f"{RENDERING}\x1f{text}".encode()).hexdigest()


def read_article(path: Path, root: Path) -> tuple[Article | None, list[Problem]]:
    """Read and parse the article file at ``path`` (inside ``root``)."""
    text, problems = read_source(path, root)
    if text is None:
        return None, problems
    return parse_article(text, path.relative_to(root).as_posix())


def load_articles(root: Path | str) -> Library:
    """Load every ``*.md`` article and ``_category.yml`` under ``root``."""
    root = Path(root).resolve()
    library = Library(root=root)
    for path in iter_article_files(root):
        article, problems = read_article(path, root)
        library.problems.extend(problems)
        if article is not None:
            library.add(article)
    library.categories = load_categories(root, {a.category for a in library.articles.values()}, library.problems)
    return library


def iter_article_files(root: Path, skip: frozenset[str] = frozenset()) -> list[Path]:
    """Article files under ``root``, sorted, skipping hidden folders, the top-level folders named in ``skip``
    (other locales' articles) and links that lead outside it."""
    found = []
    skip = skip | edition_folders(root)
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders
        dirs[:] = [d for d in dirs if not d.startswith(".") and not (d in skip and Path(folder) == root)]
        for name in files:
            if name.endswith(".md") and not name.startswith("."):
                path = Path(folder, name)
                # only a link can lead outside: every folder walked into is a real one, inside root
                if not path.is_symlink() or resolve_inside(root, path.relative_to(root).as_posix()) is not None:
                    found.append(path)
    return sorted(found)


def resolve_inside(root: Path | str, rel: str) -> Path | None:
    """The real path of ``rel`` (relative to ``root``) once every symbolic link is followed, or None when it
    ends outside ``root`` or does not exist. The one check between a name and a file kb reads or serves."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(real_root / rel))
    if real != real_root and not real.is_relative_to(real_root):
        return None
    return real if real.exists() else None


def outside_links(root: Path | str, skip: frozenset[str] = frozenset()) -> list[Problem]:
    """An error for each symbolic link under ``root`` (outside hidden folders and the top-level folders in
    ``skip``) that leads out of it: kb neither reads nor serves what it points at, so a link cannot publish a
    secret or a system file."""
    root = Path(root)
    problems = []
    skip = skip | edition_folders(root)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not (d in skip and Path(folder) == root)]
        for name in sorted(dirs + files):
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() and resolve_inside(root, rel) is None:
                problems.append(
                    Problem(
                        rel,
                        None,
                        f"symbolic link to {os.readlink(path)}, which is outside the "
                        "articles folder (or missing): kb does not read or serve it; copy the "
                        "file into the articles folder instead",
                    )
                )
    return sorted(problems, key=lambda p: p.path)


def load_categories(
    root: Path, used: set[str], problems: list[Problem], skip: frozenset[str] = frozenset()
) -> dict[str, Category]:
    """Categories of the top-level folders (but those in ``skip``) and of ``used`` category slugs, described by
    optional ``<folder>/_category.yml`` files."""
    categories: dict[str, Category] = {}
    skip = skip | edition_folders(root)
    folders = (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in skip)
    for folder in sorted(folders):
        slug = category_slug(folder.name)
        if SLUG_RE.match(slug):
            categories[slug] = _read_category(folder, slug, root, problems)
    for slug in sorted(used - set(categories)):
        categories[slug] = Category(slug=slug, title=humanize(slug))
    return dict(sorted(categories.items(), key=lambda kv: (kv[1].order, kv[1].title.lower())))


def _read_category(folder: Path, slug: str, root: Path, problems: list[Problem]) -> Category:
    category = Category(slug=slug, title=humanize(folder.name))
    rel = (folder / "_category.yml").relative_to(root).as_posix()
    meta_path = resolve_inside(root, rel)
    if meta_path is None:  # missing, or a link out of the folder (which outside_links reports)
        return category
    try:
        meta = load_yaml(meta_path.read_text("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        problems.append(Problem(rel, line + 1 if line is not None else None, f"invalid YAML: {yaml_reason(e)}"))
        return category
    if not isinstance(meta, dict):
        problems.append(Problem(rel, 1, "must be a mapping of title, description, order and icon"))
        return category
    for key in ("title", "description"):
        if key in meta and isinstance(meta[key], str):
            setattr(category, key, meta[key].strip())
    if isinstance(meta.get("order"), (int, float)):
        category.order = meta["order"]
    icon = meta.get("icon")
    if icon is not None:
        if icon in ICONS:
            category.icon = icon
        else:
            problems.append(Problem(rel, None, f"unknown icon {icon!r}; use one of {', '.join(ICONS)}", "warning"))
    return category


def humanize(slug: str) -> str:
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:] if words else "General"


def _strip_leading_h1(body: str, body_line: int) -> tuple[str, int, str | None]:
    match = _LEADING_H1_RE.match(body)
    if not match:
        return body, body_line, None
    removed = body[: match.end()]
    return body[match.end() :], body_line + removed.count("\n"), match.group(1).strip()

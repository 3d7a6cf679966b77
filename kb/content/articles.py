"""The content model: articles and categories read from Markdown files with YAML front matter.

Pure: no Flask, no search. ``load_articles(dir)`` walks a folder and returns a :class:`Library` holding every
article it could use plus every problem it found, so that ``kb check`` can report them all at once and the
server can skip a broken file and keep serving the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:  # the C loader is ~10x faster on 2,000+ files; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

STATUSES = ("published", "draft", "internal")
ICONS = ("book", "rocket", "pencil", "search", "chat", "inbox", "chart", "server", "code")
DEFAULT_ORDER = 1000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)
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
    meta: dict = field(default_factory=dict)  # every front-matter key, known or not
    meta_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line in the file
    source_hash: str = ""

    @property
    def is_public(self) -> bool:
        return self.status == "published"


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

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split ``text`` into (front-matter YAML or None, body, 1-based line where the body starts)."""
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return None, text, 1
    return match.group(1), text[match.end() :], text[: match.end()].count("\n") + 1


def parse_article(text: str, path: str) -> tuple[Article | None, list[Problem]]:
    """Parse one article's source. Returns the article (None when it has errors) and its problems.

    The title comes from the front-matter ``title``; without one, from a leading ``# H1`` of the body
    (a warning); with neither, the article is an error. A leading H1 is removed from the body either way,
    since pages show the title themselves.
    """
    problems: list[Problem] = []
    meta, body, body_line = _read_meta(text, path, problems)
    if meta is None:
        return None, problems

    def key_line(key: str) -> int:
        return _line_of_key(text, key)

    def error(key: str, message: str) -> None:
        problems.append(Problem(path, key_line(key), message))

    body, body_line, heading = _strip_leading_h1(body, body_line)
    title = meta.get("title")
    if title is None:
        if heading:
            title = heading
            problems.append(Problem(path, 1, "no `title` in front matter; using the first heading", "warning"))
        else:
            problems.append(Problem(path, 1, "missing `title` in front matter"))
    elif not isinstance(title, str) or not title.strip():
        error("title", f"`title` must be a non-empty string, got {_describe(title)}")

    folder = path.split("/")[0] if "/" in path else ""
    slug = meta.get("slug", default_slug(path))
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        error("slug", f"`slug` must be lowercase letters, digits, '-' or '_', got {slug!r}")
    category = meta.get("category", category_slug(folder))
    if not isinstance(category, str) or not SLUG_RE.match(category):
        error("category", f"`category` must be a slug such as 'account', got {category!r}")
    status = meta.get("status", "published")
    if status not in STATUSES:
        error("status", f"`status` must be one of {', '.join(STATUSES)}; got {status!r}")
    summary = meta.get("summary", meta.get("description", ""))
    if not isinstance(summary, str):
        error("summary", f"`summary` must be a string, got {_describe(summary)}")
    elif not summary.strip() and title:
        problems.append(
            Problem(path, 1, "no `summary`: listings and suggestions will use the first paragraph", "warning")
        )
    order = meta.get("order", DEFAULT_ORDER)
    if isinstance(order, bool) or not isinstance(order, (int, float)):
        error("order", f"`order` must be a number, got {_describe(order)}")
    tags = _string_list(meta, "tags", error)
    related = _string_list(meta, "related", error)
    suggest_for = _string_list(meta, "suggest_for", error)
    updated = _read_date(
        meta.get("updated"), lambda m: problems.append(Problem(path, key_line("updated"), m, "warning"))
    )

    if any(p.level == "error" for p in problems):
        return None, problems
    article = Article(
        slug=slug,
        title=title.strip(),
        category=category,
        path=path,
        body=body,
        body_line=body_line,
        summary=summary.strip(),
        tags=tags,
        status=status,
        related=related,
        order=order,
        updated=updated,
        suggest_for=suggest_for,
        meta=meta,
        meta_lines={k: line for k in meta if (line := key_line(k))},
        source_hash=source_hash(text),
    )
    return article, problems


def read_source(path: Path, root: Path) -> tuple[str | None, list[Problem]]:
    """The decoded text of an article file (UTF-8, newlines normalized), or None and the problem."""
    rel = path.relative_to(root).as_posix()
    real = resolve_inside(root, rel)
    if real is None:
        return None, [Problem(rel, None, "cannot read file: missing, or a link to outside the articles folder")]
    try:
        raw = real.read_bytes()
    except OSError as e:
        return None, [Problem(rel, None, f"cannot read file: {e.strerror}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, [Problem(rel, line, f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8")]
    return text.replace("\r\n", "\n"), []


def source_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


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


def iter_article_files(root: Path):
    """Article files under ``root``, sorted, skipping hidden folders and links that lead outside it."""
    found = []
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".md") and not name.startswith("."):
                path = Path(folder, name)
                if resolve_inside(root, path.relative_to(root).as_posix()) is not None:
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


def outside_links(root: Path | str) -> list[Problem]:
    """An error for each symbolic link under ``root`` (outside hidden folders) that leads out of it: kb neither
    reads nor serves what it points at, so a link cannot publish a secret or a system file."""
    root = Path(root)
    problems = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in sorted(dirs + files):
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() and resolve_inside(root, rel) is None:
                problems.append(Problem(rel, None, f"symbolic link to {os.readlink(path)}, which is outside the "
                                        "articles folder (or missing): kb does not read or serve it; copy the "
                                        "file into the articles folder instead"))
    return sorted(problems, key=lambda p: p.path)


def load_categories(root: Path, used: set[str], problems: list[Problem]) -> dict[str, Category]:
    """Categories of the top-level folders and of ``used`` category slugs, described by optional
    ``<folder>/_category.yml`` files."""
    categories: dict[str, Category] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
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
        meta = yaml.load(meta_path.read_text("utf-8"), Loader=_Loader) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        problems.append(Problem(rel, line + 1 if line is not None else None, f"invalid YAML: {_yaml_reason(e)}"))
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


def default_slug(path: str) -> str:
    """The slug an article gets from its file name: ``Getting Started.md`` -> ``getting-started``."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9_]+", "-", ascii_stem.lower()).strip("-") or "article"


def category_slug(folder: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", folder.lower()).strip("-") or "general"


def humanize(slug: str) -> str:
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:] if words else "General"


def _read_meta(text: str, path: str, problems: list[Problem]) -> tuple[dict | None, str, int]:
    front, body, body_line = split_front_matter(text)
    if front is None:
        if text.startswith("---"):
            problems.append(Problem(path, 1, "front matter is not closed: add a line with just '---' after it"))
            return None, body, body_line
        return {}, body, body_line
    try:
        meta = yaml.load(front, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening '---'
        problems.append(Problem(path, line, f"invalid YAML in front matter: {_yaml_reason(e)}"))
        return None, body, body_line
    if meta is None:
        return {}, body, body_line
    if not isinstance(meta, dict):
        problems.append(
            Problem(path, 2, f"front matter must be a mapping of `key: value` lines, got {_describe(meta)}")
        )
        return None, body, body_line
    return {str(k): v for k, v in meta.items()}, body, body_line


def _strip_leading_h1(body: str, body_line: int) -> tuple[str, int, str | None]:
    match = _LEADING_H1_RE.match(body)
    if not match:
        return body, body_line, None
    removed = body[: match.end()]
    return body[match.end() :], body_line + removed.count("\n"), match.group(1).strip()


def _string_list(meta: dict, key: str, error) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    error(key, f"`{key}` must be a list of strings, got {_describe(value)}")
    return []


def _read_date(value, warn) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        warn(f"`updated` should be a date like 2026-11-01, got {value!r}; ignored")
        return None


def _line_of_key(text: str, key: str) -> int | None:
    match = re.search(rf"^{re.escape(key)}[ \t]*:", text, re.M)
    return text[: match.start()].count("\n") + 1 if match else None


def _describe(value) -> str:
    return f"{type(value).__name__} {value!r}" if not isinstance(value, (dict, list)) else type(value).__name__


def _yaml_reason(error: Exception) -> str:
    problem = getattr(error, "problem", None)
    return problem if problem else str(error).splitlines()[0]

"""An article's front matter: the YAML block at the top of its file, read and checked key by key.

Pure: problems are reported through a callback, ``report(line, message, level)``, so that the caller says which
file they belong to (``kb.content.articles`` makes them :class:`~kb.content.articles.Problem` objects).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

try:  # the C loader is ~10x faster on 2,000+ files; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

STATUSES = ("published", "draft", "internal")
DEFAULT_ORDER = 1000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)

Report = Callable[[int | None, str, str], None]  # report(line, message, level "error" or "warning")


@dataclass
class Fields:
    """The article fields read from front matter, checked."""

    title: str
    slug: str
    category: str
    status: str
    summary: str
    order: float
    tags: list[str]
    related: list[str]
    suggest_for: list[str]
    updated: dt.date | None


MAX_YAML_CHARS = 64 * 1024  # front matter and _category.yml: a few keys, never a document of its own


class AliasRefused(yaml.YAMLError):
    """YAML aliases (``*name``) are refused: a few hundred bytes of them can expand to gigabytes."""

    def __init__(self, mark: Any) -> None:
        super().__init__("aliases (*name) are not allowed; write each value out")
        self.problem_mark = mark


def load_yaml(text: str) -> Any:
    """``text`` parsed as YAML: safe (plain data only), at most ``MAX_YAML_CHARS``, and without aliases, which
    could make a tiny file expand without bound ("billion laughs"); raises ``yaml.YAMLError``."""
    if len(text) > MAX_YAML_CHARS:
        raise yaml.YAMLError(f"it is longer than {MAX_YAML_CHARS // 1024} kB")
    for event in yaml.parse(text, Loader=_Loader):  # events are read before anything is built
        if isinstance(event, yaml.AliasEvent):
            raise AliasRefused(event.start_mark)
    return yaml.load(text, Loader=_Loader)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split ``text`` into (front-matter YAML or None, body, 1-based line where the body starts)."""
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return None, text, 1
    return match.group(1), text[match.end() :], text[: match.end()].count("\n") + 1


def read_meta(text: str, report: Report) -> tuple[dict[str, Any] | None, str, int]:
    """(front-matter keys and values, body, line where the body starts); the keys are None, and the error
    reported, when the front matter cannot be read. A file without front matter has no keys."""
    front, body, body_line = split_front_matter(text)
    if front is None:
        if text.startswith("---"):
            report(1, "front matter is not closed: add a line with just '---' after it", "error")
            return None, body, body_line
        return {}, body, body_line
    try:
        meta = load_yaml(front)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening '---'
        report(line, f"invalid YAML in front matter: {yaml_reason(e)}", "error")
        return None, body, body_line
    if meta is None:
        return {}, body, body_line
    if not isinstance(meta, dict):
        report(2, f"front matter must be a mapping of `key: value` lines, got {describe(meta)}", "error")
        return None, body, body_line
    return {str(k): v for k, v in meta.items()}, body, body_line


def check_fields(meta: dict[str, Any], text: str, path: str, heading: str | None, report: Report) -> Fields | None:
    """The article's fields from its front matter ``meta``, each problem reported at the line of its key; None
    when one of them is an error.

    The title comes from the front-matter ``title``; without one, from the body's leading ``# H1``,
    ``heading`` (a warning); with neither, the article is an error.
    """
    check = _Checker(text, report)
    title = _title(meta, heading, check)
    slug, category, status = _placement(meta, path, check)
    summary = _summary(meta, title, check)
    order = meta.get("order", DEFAULT_ORDER)
    if isinstance(order, bool) or not isinstance(order, (int, float)):
        check.error("order", f"`order` must be a number, got {describe(order)}")
    tags = string_list(meta, "tags", check.error)
    related = string_list(meta, "related", check.error)
    suggest_for = string_list(meta, "suggest_for", check.error)
    updated = read_date(meta.get("updated"), lambda m: check.warning("updated", m))
    if check.failed:
        return None
    return Fields(
        title=title.strip(),
        slug=slug,
        category=category,
        status=status,
        summary=summary.strip(),
        order=order,
        tags=tags,
        related=related,
        suggest_for=suggest_for,
        updated=updated,
    )


class _Checker:
    """Reports the problems of one article's front matter, and remembers whether one was an error."""

    def __init__(self, text: str, report: Report) -> None:
        self.text = text
        self.report = report
        self.failed = False

    def error(self, key: str, message: str) -> None:
        """An error about ``key``, at its line."""
        self.failed = True
        self.report(line_of_key(self.text, key), message, "error")

    def warning(self, key: str, message: str) -> None:
        self.report(line_of_key(self.text, key), message, "warning")

    def at_top(self, message: str, level: str) -> None:
        """A problem about the whole front matter, at the first line."""
        self.failed = self.failed or level == "error"
        self.report(1, message, level)


def _title(meta: dict[str, Any], heading: str | None, check: _Checker) -> Any:
    title = meta.get("title")
    if title is None:
        if heading:
            title = heading
            check.at_top("no `title` in front matter; using the first heading", "warning")
        else:
            check.at_top("missing `title` in front matter", "error")
    elif not isinstance(title, str) or not title.strip():
        check.error("title", f"`title` must be a non-empty string, got {describe(title)}")
    return title


def _placement(meta: dict[str, Any], path: str, check: _Checker) -> tuple[Any, Any, Any]:
    """(slug, category, status): where the article lives and who sees it."""
    folder = path.split("/")[0] if "/" in path else ""
    slug = meta.get("slug", default_slug(path))
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        check.error("slug", f"`slug` must be lowercase letters, digits, '-' or '_', got {slug!r}")
    category = meta.get("category", category_slug(folder))
    if not isinstance(category, str) or not SLUG_RE.match(category):
        check.error("category", f"`category` must be a slug such as 'account', got {category!r}")
    status = meta.get("status", "published")
    if status not in STATUSES:
        check.error("status", f"`status` must be one of {', '.join(STATUSES)}; got {status!r}")
    return slug, category, status


def _summary(meta: dict[str, Any], title: object, check: _Checker) -> Any:
    summary = meta.get("summary", meta.get("description", ""))
    if not isinstance(summary, str):
        check.error("summary", f"`summary` must be a string, got {describe(summary)}")
    elif not summary.strip() and title:
        check.at_top("no `summary`: listings and suggestions will use the first paragraph", "warning")
    return summary


def key_lines(text: str, meta: dict[str, Any]) -> dict[str, int]:
    """Front-matter key -> its line in ``text``, for the keys found there."""
    return {k: line for k in meta if (line := line_of_key(text, k))}


def line_of_key(text: str, key: str) -> int | None:
    match = re.search(rf"^{re.escape(key)}[ \t]*:", text, re.M)
    return text[: match.start()].count("\n") + 1 if match else None


def string_list(meta: dict[str, Any], key: str, error: Callable[[str, str], None]) -> list[str]:
    """``meta[key]`` as a list of strings (a single string is a list of one); ``error(key, message)`` if it is
    neither."""
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    error(key, f"`{key}` must be a list of strings, got {describe(value)}")
    return []


def read_date(value: object, warn: Callable[[str], None]) -> dt.date | None:
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


def default_slug(path: str) -> str:
    """The slug an article gets from its file name: ``Getting Started.md`` -> ``getting-started``."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9_]+", "-", ascii_stem.lower()).strip("-") or "article"


def category_slug(folder: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", folder.lower()).strip("-") or "general"


def describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}" if not isinstance(value, (dict, list)) else type(value).__name__


def yaml_reason(error: Exception) -> str:
    if isinstance(error, AliasRefused) or type(error) is yaml.YAMLError:
        return str(error.args[0]) if error.args else str(error)
    problem = getattr(error, "problem", None)
    return problem if problem else str(error).splitlines()[0]

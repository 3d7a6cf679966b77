"""Translations: which article of the default locale each article of another locale translates, and whether it is
still current.

A translation has the same slug as its source, or names the source with ``translation_of: <slug>``. It is
outdated when its source changed after it: when it records the source's text hash (``translated_from``, the
value ``kb check`` prints), that hash differs; otherwise, when the source's ``updated`` date is later than its
own. A published source with no translation is a warning, so the team sees what is left to translate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb.content.articles import Problem, resolve_inside
from kb.content.frontmatter import split_front_matter
from kb.content.locales import Locale, articles_root, canonical, edition_folders, locale_folders
from kb.content.pages import Compiled, Page, compile_articles

HASH_CHARS = 12


@dataclass
class Edition:
    """The help center in one of its languages: its locale and its articles, compiled."""

    locale: Locale
    compiled: Compiled


def compile_editions(
    articles_dir: Path | str,
    locales: tuple[Locale, ...],
    previous: Callable[[Locale], dict[str, Page] | None] = lambda locale: None,
) -> list[Edition]:
    """Load, render and check every locale's articles, the default's first (``previous``: each locale's pages
    of the last build, to reuse). The other locales' problems name their folder, and include the translation
    checks."""
    editions: list[Edition] = []
    unlisted = _unlisted_editions(articles_dir, locales)
    for locale in locales:
        is_default = locale == locales[0]
        skip = locale_folders(locales) if is_default else frozenset()
        segment = "" if is_default else locale.segment
        root = articles_root(articles_dir, locales, locale)
        compiled = compile_articles(root, previous(locale), skip=skip, locale=segment)
        if not is_default:
            _as_translations(compiled, editions[0].compiled.pages, Path(articles_dir), locale.segment)
        if is_default:
            compiled.problems += unlisted
        editions.append(Edition(locale, compiled))
    return editions


def _unlisted_editions(articles_dir: Path | str, locales: tuple[Locale, ...]) -> list[Problem]:
    """A warning for each locale folder that ``KB_LOCALES`` does not list: its articles are not served."""
    if len(locales) == 1 and locales[0].segment in edition_folders(articles_dir):
        return []  # a one-language help center may keep its articles in a folder named after it
    listed = {locale.segment for locale in locales}
    tags = ",".join(locale.tag for locale in locales)
    return [
        Problem(
            folder,
            None,
            f"looks like the {canonical(folder)} edition of the help center, but KB_LOCALES ({tags}) does not list "
            f"it, so it is not served; set KB_LOCALES={tags},{canonical(folder)} to serve it",
            "warning",
        )
        for folder in sorted(edition_folders(articles_dir) - listed)
    ]


def _as_translations(compiled: Compiled, sources: dict[str, Page], articles_dir: Path, segment: str) -> None:
    compiled.problems = [Problem(f"{segment}/{p.path}", p.line, p.message, p.level) for p in compiled.problems]
    link_translations(compiled.pages, sources, segment)
    compiled.problems += check_translations(compiled.pages, sources, articles_dir, segment)


def text_hash(body: str) -> str:
    """The hash a translation records of its source: the source's Markdown body, whitespace-insensitive."""
    return hashlib.sha1(" ".join(body.split()).encode("utf-8")).hexdigest()[:HASH_CHARS]


def source_slug(page: Page) -> str:
    """The slug of the default locale's article ``page`` translates."""
    wanted = page.meta.get("translation_of")
    return wanted.strip() if isinstance(wanted, str) and wanted.strip() else page.slug


def link_translations(translations: dict[str, Page], sources: dict[str, Page], segment: str) -> None:
    """Mark each page of a locale with its URL segment and the source it translates (when that exists)."""
    for page in translations.values():
        page.locale = segment
        slug = source_slug(page)
        page.translation_of = slug if slug in sources else ""


def check_translations(
    translations: dict[str, Page], sources: dict[str, Page], source_root: Path, segment: str
) -> list[Problem]:
    """Outdated translations, ``translation_of`` naming no article, and published sources left untranslated.

    Paths are given as the team sees them, from the articles folder (``pt-br/search/tips.md``)."""
    problems: list[Problem] = []
    translated: set[str] = set()
    for page in translations.values():
        slug = source_slug(page)
        source = sources.get(slug)
        where = f"{segment}/{page.path}"
        if source is None:
            if "translation_of" in page.meta:
                line = page.meta_lines.get("translation_of")
                problems.append(Problem(where, line, f"`translation_of`: there is no article {slug!r} to translate"))
            continue
        translated.add(slug)
        if (reason := outdated(page, source, source_root)) is not None:
            problems.append(Problem(where, page.meta_lines.get("translated_from"), reason, "warning"))
    for slug, source in sorted(sources.items()):
        if slug not in translated and source.status == "published":
            problems.append(
                Problem(
                    source.path,
                    None,
                    f"no {canonical(segment)} translation yet: write {segment}/{source.path}",
                    "warning",
                )
            )
    return problems


def outdated(page: Page, source: Page, source_root: Path) -> str | None:
    """Why ``page`` no longer says what its ``source`` says, or None when it is current."""
    recorded = page.meta.get("translated_from")
    if recorded is not None:
        now = source_text_hash(source, source_root)
        if now is not None and str(recorded).strip() != now:
            return (
                f"outdated: {source.path} changed since this translation (translated_from {recorded}, now {now}); "
                f"update the translation, then set translated_from: {now}"
            )
        return None
    if source.updated and page.updated and source.updated > page.updated:
        return (
            f"outdated: {source.path} was updated on {source.updated}, after this translation ({page.updated}); "
            "update it and its `updated` date"
        )
    return None


def source_text_hash(source: Page, source_root: Path) -> str | None:
    path = resolve_inside(source_root, source.path)
    if path is None:
        return None
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return text_hash(split_front_matter(text.replace("\r\n", "\n"))[1])

"""The languages a help center is written in: ``KB_LOCALES`` (``en,pt-BR``; the first is the default).

A locale is written as a BCP 47 tag (``pt-BR``), appears in URLs and folder names in lower case (``/pt-br/...``,
``articles/pt-br/``) and in gettext catalogs with an underscore (``pt_BR``). The default locale's articles are
the articles folder itself; every other locale's are in the sub-folder named after it. A help center with one
locale keeps the folder as it is, whatever its language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale as BabelLocale
from babel import UnknownLocaleError

TAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?(?:[-_][A-Za-z]{2}|[-_]\d{3})?$")  # language-Script-RE
DEFAULT_TAG = "en"


@dataclass(frozen=True)
class Locale:
    """One language of the help center."""

    tag: str  # canonical BCP 47: "pt-BR", "en"

    @property
    def language(self) -> str:
        """ISO 639 language code: "pt"."""
        return self.tag.split("-")[0]

    @property
    def segment(self) -> str:
        """How the locale appears in URLs and folder names: "pt-br"."""
        return self.tag.lower()

    @property
    def babel(self) -> str:
        """The gettext catalog's name: "pt_BR"."""
        return self.tag.replace("-", "_")

    @property
    def name(self) -> str:
        """The language's name in itself, as a language switcher shows it: "Português (Brasil)"."""
        return native_name(self.tag)

    def name_in(self, other: Locale) -> str:
        """The language's name as ``other``'s readers write it: "inglês" for English, in Portuguese."""
        return display_name(self.tag, other.tag)

    def __str__(self) -> str:
        return self.tag


def canonical(tag: str) -> str:
    """``pt_br``, ``PT-br`` -> ``pt-BR``; ``EN`` -> ``en``."""
    language, *rest = re.split(r"[-_]", tag.strip())
    cased = [part.title() if len(part) == 4 else part.upper() for part in rest]  # zh-Hant-TW
    return "-".join([language.lower(), *cased])


def tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a usable locale, or None."""
    if not TAG_RE.match(tag.strip()):
        return f"{tag!r} is not a language tag like en or pt-BR"
    try:
        BabelLocale.parse(canonical(tag), sep="-")
    except (UnknownLocaleError, ValueError):
        return f"{tag!r} is not a language kb knows"
    return None


def parse_locales(value: str | Iterable[str]) -> tuple[Locale, ...]:
    """The locales of a ``KB_LOCALES`` value, default first, without repeats; ``en`` when empty."""
    tags = value.split(",") if isinstance(value, str) else list(value)
    seen: dict[str, Locale] = {}
    for tag in (t.strip() for t in tags):
        if tag and canonical(tag).lower() not in seen:
            seen[canonical(tag).lower()] = Locale(canonical(tag))
    return tuple(seen.values()) or (Locale(DEFAULT_TAG),)


def configured(config: Mapping[str, object]) -> tuple[Locale, ...]:
    """The app's locales (``config["LOCALES"]``), default first."""
    return _parsed(str(config.get("LOCALES", DEFAULT_TAG)))


@lru_cache(maxsize=16)
def _parsed(value: str) -> tuple[Locale, ...]:
    return parse_locales(value)  # asked for on every url_for of a request: parsed once per value


def by_segment(locales: Iterable[Locale], segment: str) -> Locale | None:
    """The locale of a URL segment or folder name (``pt-br``), or None."""
    wanted = segment.lower().replace("_", "-")
    return next((locale for locale in locales if locale.segment == wanted), None)


def articles_root(articles_dir: Path | str, locales: tuple[Locale, ...], locale: Locale) -> Path:
    """The folder of ``locale``'s articles: the articles folder for the default, its sub-folder for the others."""
    root = Path(articles_dir)
    return root if locale == locales[0] else root / locale.segment


def locale_folders(locales: tuple[Locale, ...]) -> frozenset[str]:
    """Folder names of the articles folder that hold another locale's articles, not a category."""
    return frozenset(locale.segment for locale in locales[1:])


@lru_cache(maxsize=256)
def display_name(tag: str, reader: str) -> str:
    try:
        return BabelLocale.parse(tag, sep="-").get_display_name(BabelLocale.parse(reader, sep="-")) or tag
    except (UnknownLocaleError, ValueError):
        return tag


@lru_cache(maxsize=64)
def native_name(tag: str) -> str:
    try:
        name = BabelLocale.parse(tag, sep="-").get_display_name() or tag
    except (UnknownLocaleError, ValueError):
        return tag
    return name[:1].upper() + name[1:]


def edition_folders(root: Path | str) -> frozenset[str]:
    """Top-level folders of an articles folder that hold a locale's edition rather than a category: named like a
    locale (``pt-br``, ``de``), with category folders inside and no article of their own. They are never read as
    categories, whether or not ``KB_LOCALES`` lists them."""
    root = Path(root)
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")]
    except OSError:
        return frozenset()
    return frozenset(f.name for f in folders if _names_a_locale(f.name) and _holds_categories(f))


def _names_a_locale(name: str) -> bool:
    return name == name.lower() and tag_problem(name) is None


def _holds_categories(folder: Path) -> bool:
    entries = list(folder.iterdir())
    return not any(e.suffix == ".md" and e.is_file() for e in entries) and any(e.is_dir() for e in entries)

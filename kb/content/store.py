"""The help center's read model: pages and categories as the web views navigate them."""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from kb.content.articles import Category
from kb.content.pages import CONTENT_GROUPS, OUTLINE_FIELDS, Page, asset_audiences, content_from_dict


@dataclass
class CategoryView:
    category: Category
    pages: list[Page]

    @property
    def slug(self) -> str:
        return self.category.slug


class Site:
    """Published and internal pages by slug, and categories with their published pages in order."""

    def __init__(
        self, pages: dict[str, Page], categories: dict[str, Category], assets: dict[str, str] | None = None
    ) -> None:
        """``assets``: who may fetch each file the articles use (see :func:`asset_audiences`); computed from the
        pages' references when not given."""
        self.all_pages = pages  # drafts included: kept in the build so the next build can reuse them
        self.pages = {slug: p for slug, p in pages.items() if p.status != "draft"}
        self.categories = categories
        self.assets = asset_audiences(pages.values()) if assets is None else assets
        self._rules: dict[str, dict[str, list[str]]] = {}
        self._by_category: dict[str, list[Page]] = {slug: [] for slug in categories}
        for page in sorted(self.pages.values(), key=lambda p: (p.order, p.title.lower())):
            if page.status == "published":
                self._by_category.setdefault(page.category, []).append(page)

    def suggest_rules(self, include_internal: bool = False) -> dict[str, list[str]]:
        """Slug -> ``suggest_for`` patterns of the articles this audience may be suggested."""
        key = "internal" if include_internal else "public"
        if key not in self._rules:
            self._rules[key] = {
                slug: p.suggest_for
                for slug, p in self.pages.items()
                if p.suggest_for and (p.status == "published" or include_internal)
            }
        return self._rules[key]

    def asset_audience(self, path: str) -> str | None:
        """ "public", "agents" (only internal or draft articles use the file) or None (no article uses it)."""
        return self.assets.get(path)

    def public_page(self, slug: str) -> Page | None:
        page = self.pages.get(slug)
        return page if page and page.status == "published" else None

    def category_views(self) -> list[CategoryView]:
        return [
            CategoryView(c, self._by_category.get(slug, []))
            for slug, c in self.categories.items()
            if self._by_category.get(slug)
        ]

    def category_view(self, slug: str) -> CategoryView | None:
        category = self.categories.get(slug)
        if category is None or not self._by_category.get(slug):
            return None
        return CategoryView(category, self._by_category[slug])

    def published(self) -> list[Page]:
        return [p for pages in self._by_category.values() for p in pages]

    def recent(self, limit: int = 6) -> list[Page]:
        dated = [p for p in self.published() if p.updated]
        return sorted(dated, key=lambda p: p.updated or "", reverse=True)[:limit]

    def neighbours(self, page: Page) -> tuple[Page | None, Page | None]:
        """The previous and next published pages in ``page``'s category."""
        siblings = self._by_category.get(page.category, [])
        index = next((i for i, p in enumerate(siblings) if p.slug == page.slug), None)
        if index is None:
            return None, None
        previous = siblings[index - 1] if index > 0 else None
        following = siblings[index + 1] if index + 1 < len(siblings) else None
        return previous, following

    def declared_related(self, page: Page) -> list[Page]:
        return [p for slug in page.related if (p := self.public_page(slug))]

    def save(self, path: Path) -> None:
        """Write the pages' outlines and categories to ``path`` and their content beside it (``.content``)."""
        outlines = []
        with contents_path(path).open("wb") as contents:
            for page in self.all_pages.values():
                content, where = page.content_dict(), {}
                for group, names in CONTENT_GROUPS.items():
                    blob = orjson.dumps({name: content[name] for name in names})
                    where[group] = [contents.tell(), len(blob)]
                    contents.write(blob)
                outlines.append({**page.outline_dict(), "content": where})
        data = {"categories": [asdict(c) for c in self.categories.values()], "pages": outlines, "assets": self.assets}
        path.write_bytes(orjson.dumps(data))

    @classmethod
    def load(cls, path: Path, *, lazy: bool = True) -> Site:
        """The site saved at ``path``.

        Args:
            lazy: read each page's content (HTML, sections, table of contents) from the mapped file when it is
                asked for, instead of holding all of it. A server's workers then share the file's pages, and
                keep only the content of the pages they show; an index build reads everything at once.
        """
        data = orjson.loads(path.read_bytes())
        categories = {c["slug"]: Category(**c) for c in data["categories"]}
        store = PageContents(contents_path(path))
        pages: dict[str, Page]
        if lazy:
            pages = {p["slug"]: StoredPage.outline(p, store) for p in data["pages"]}
        else:
            pages = {p["slug"]: Page(**_outline(p), **store.read_all(p["content"])) for p in data["pages"]}
            store.close()
        return cls(pages, categories, data["assets"])


_GROUP_OF = {name: group for group, names in CONTENT_GROUPS.items() for name in names}


def contents_path(path: Path) -> Path:
    return path.with_suffix(".content")


def _outline(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in OUTLINE_FIELDS}


class PageContents:
    """The content of every page, one JSON document after another in a file read a document at a time.

    Reads are ``pread`` calls on a descriptor kept open (the file may be replaced or deleted by a later build
    meanwhile): what was read stays in the kernel's page cache, shared by every worker and given back under
    memory pressure, rather than mapped into each process (mapped, every page a worker ever touched, and the
    pages around it, counted in its memory). Parsed content is remembered for the ``CACHED`` most recently
    used pages (or sections of pages) of this process."""

    CACHED = 256

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY)  # not inherited by programs kb runs (PEP 446)
        self._closer = weakref.finalize(self, os.close, self._fd)
        self._recent: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, offset: int, length: int) -> dict[str, Any]:
        return content_from_dict(orjson.loads(os.pread(self._fd, length, offset)))

    def read_all(self, where: dict[str, list[int]]) -> dict[str, Any]:
        return {name: value for offset, length in where.values() for name, value in self.read(offset, length).items()}

    def get(self, offset: int, length: int) -> dict[str, Any]:
        with self._lock:
            content = self._recent.get(offset)
            if content is not None:
                self._recent.move_to_end(offset)
                return content
        content = self.read(offset, length)
        with self._lock:
            self._recent[offset] = content
            if len(self._recent) > self.CACHED:
                self._recent.popitem(last=False)
        return content

    def close(self) -> None:
        self._closer()


class StoredPage(Page):
    """A :class:`Page` whose content fields are read from :class:`PageContents` when first used.

    Only the outline lives in the object, so that a forked worker reading a page does not copy the pages of
    memory it shares with its siblings (touching a Python object writes to it); the content it reads is its
    own, and dropped again when other pages are read more recently."""

    @classmethod
    def outline(cls, data: dict[str, Any], store: PageContents) -> StoredPage:
        page = object.__new__(cls)
        page.__dict__.update(_outline(data))
        page.__dict__["_content_at"] = {group: tuple(at) for group, at in data["content"].items()}
        page.__dict__["_store"] = store
        return page

    def __getattr__(self, name: str) -> Any:
        group = _GROUP_OF.get(name)
        if group is not None:
            return self._store.get(*self._content_at[group])[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

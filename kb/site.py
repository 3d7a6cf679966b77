"""The help center's read model: pages and categories as the web views navigate them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from kb.articles import Category
from kb.content import Page


@dataclass
class CategoryView:
    category: Category
    pages: list[Page]

    @property
    def slug(self) -> str:
        return self.category.slug


class Site:
    """Published and internal pages by slug, and categories with their published pages in order."""

    def __init__(self, pages: dict[str, Page], categories: dict[str, Category]):
        self.all_pages = pages  # drafts included: kept in the build so the next build can reuse them
        self.pages = {slug: p for slug, p in pages.items() if p.status != "draft"}
        self.categories = categories
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
        return sorted(dated, key=lambda p: p.updated, reverse=True)[:limit]

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
        data = {
            "categories": [asdict(c) for c in self.categories.values()],
            "pages": [p.to_dict() for p in self.all_pages.values()],
        }
        path.write_bytes(orjson.dumps(data))

    @classmethod
    def load(cls, path: Path) -> Site:
        data = orjson.loads(path.read_bytes())
        categories = {c["slug"]: Category(**c) for c in data["categories"]}
        pages = {p["slug"]: Page.from_dict(p) for p in data["pages"]}
        return cls(pages, categories)

"""The unit of retrieval: one section of one article, as both search indexes store it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from kb.content.render import Section


@dataclass(frozen=True)
class SectionDoc:
    slug: str
    anchor: str  # "" for the article's intro
    title: str
    category: str
    status: str
    summary: str
    tags: tuple[str, ...]
    headings: tuple[str, ...]  # heading path below the title, e.g. ("Install", "On Linux")
    text: str

    @property
    def id(self) -> str:
        return f"{self.slug}#{self.anchor}"

    @cached_property
    def semantic_text(self) -> str:
        """What the embedding model reads: where the section sits, then what it says."""
        if not self.anchor:
            return "\n".join(p for p in (self.title, self.summary, self.text) if p)
        return "\n".join([" > ".join((self.title, *self.headings)), self.text])

    @cached_property
    def hash(self) -> str:
        key = "\x1f".join((self.semantic_text, self.category, self.status, self.summary, ",".join(self.tags)))
        return hashlib.sha1(key.encode("utf-8")).hexdigest()


def section_docs(*, slug: str, title: str, category: str, status: str, summary: str, tags, sections: list[Section]):
    """One :class:`SectionDoc` per section; a section with neither text nor heading is skipped."""
    docs = []
    for section in sections:
        if section.anchor and not section.text.strip() and not section.heading.strip():
            continue
        docs.append(
            SectionDoc(
                slug=slug,
                anchor=section.anchor,
                title=title,
                category=category,
                status=status,
                summary=summary,
                tags=tuple(tags),
                headings=tuple(section.path[1:]),
                text=section.text,
            )
        )
    return docs

"""The unit of retrieval: one section of one article, as both search indexes store it, and how they read it
(the text of each searched field, and the analyzer that makes terms of it)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from kb.content.render import Section
from search import analysis

FIELDS = ("title", "headings", "tags", "summary", "body", "code")  # the searched fields, in the order both indexes use
MIN_MARKED_LENGTH = 2  # shorter terms ("i", the "t" of "can't") are searched but never marked in a snippet


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
    text: str  # everything the section says, prose and code, as snippets and the embedding model read it
    code_spans: tuple[tuple[int, int], ...] = ()  # (start, end) of the code in ``text``

    @property
    def id(self) -> str:
        return f"{self.slug}#{self.anchor}"

    @cached_property
    def prose(self) -> str:
        """``text`` without its code: what the section says in its own words."""
        if not self.code_spans:
            return self.text
        starts = [0, *(end for _, end in self.code_spans)]
        ends = [*(start for start, _ in self.code_spans), len(self.text)]
        return " ".join(self.text[start:end] for start, end in zip(starts, ends, strict=True))

    @cached_property
    def code(self) -> str:
        """The section's inline code and code blocks: commands, settings and quoted examples."""
        return "\n".join(self.text[start:end] for start, end in self.code_spans)

    @cached_property
    def semantic_text(self) -> str:
        """What the embedding model reads: where the section sits, then what it says."""
        if not self.anchor:
            return "\n".join(p for p in (self.title, self.summary, self.text) if p)
        return "\n".join([" > ".join((self.title, *self.headings)), self.text])

    @cached_property
    def hash(self) -> str:
        key = "\x1f".join((self.semantic_text, self.category, self.status, self.summary, ",".join(self.tags)))
        if self.code_spans:  # only then: a section without code keeps its hash, and so its embedding
            key += "\x1f" + repr(self.code_spans)
        return hashlib.sha1(key.encode("utf-8")).hexdigest()


def make_analyzer(language: str = analysis.DEFAULT_LANGUAGE) -> analysis.Analyzer:
    """The analyzer of every searched text field of an index in ``language`` (see :mod:`search.analysis`)."""
    return analysis.make_analyzer(language)


def field_texts(doc: SectionDoc) -> dict[str, str]:
    """The text of each of ``FIELDS`` for ``doc``, as both the full-text index and the BM25F arrays read it.

    Tags are joined with commas: the full-text index's keyword field splits at commas (so a tag of several
    words stays one keyword), and the word analyzer of the BM25F arrays splits at them as at spaces. Code is a
    field of its own, apart from the prose of the body, so that an article quoting example commands or queries
    ranks below the one written about what they name."""
    return {
        "title": doc.title,
        "headings": " / ".join(doc.headings),
        "tags": ",".join(doc.tags),
        "summary": doc.summary,
        "body": doc.prose,
        "code": doc.code,
    }


def is_marked(term: str) -> bool:
    """Whether a snippet marks the words an analyzed query ``term`` stands for (stop words are never terms)."""
    return len(term) >= MIN_MARKED_LENGTH


def section_docs(
    *, slug: str, title: str, category: str, status: str, summary: str, tags: Iterable[str], sections: list[Section]
) -> list[SectionDoc]:
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
                code_spans=tuple(section.code_spans),
            )
        )
    return docs

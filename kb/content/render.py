"""Render an article's Markdown into sanitized HTML, a table of contents and searchable sections.

Owns the single Markdown configuration, so that the anchor ids on a page and the ``#anchor`` of a search
result always agree.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from kb.content.articles import Article
from kb.content.sanitize import clean_html

ASSETS_PREFIX = "/assets/"
ARTICLE_PREFIX = "/articles/"
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_TAGS = _HEADING_TAGS | {"p", "li", "pre", "tr", "td", "th", "div", "blockquote", "dt", "dd", "br"}
_CODE_TAGS = {"code", "pre"}  # inline code spans and code blocks
_SPACE_OR_WORD = re.compile(r"\s+|\S+")
# Sanitized HTML escapes "<" in text and attribute values, so these only match the tags themselves.
_PRE_TAG = re.compile(r"<pre(?=[\s>])")
_TABLE_TAG = re.compile(r"<table(?=[\s>])")
_CODE_REGION = 'tabindex="0" role="region" aria-label="Code sample"'
_TABLE_REGION = 'tabindex="0" role="region" aria-label="Table"'


@dataclass
class Section:
    """A searchable part of an article: the intro (``anchor`` "") or the text under one heading."""

    anchor: str
    heading: str
    level: int
    path: list[str]  # headings from the top of the article down to this one
    text: str
    # (start, end) of each run of code in ``text``; no default, so that pages stored by a kb that did not
    # record them fail to load and are rendered again
    code_spans: list[tuple[int, int]]

    def __post_init__(self) -> None:
        self.code_spans = [(start, end) for start, end in self.code_spans]  # JSON gives lists


@dataclass
class Reference:
    """A link or image in an article's source, kept so ``kb check`` can verify it."""

    kind: str  # "link" or "image"
    href: str
    line: int | None
    target: str | None = None  # article path (links) or asset path (images), relative to the articles folder
    fragment: str = ""
    broken: str = ""  # why it cannot resolve, when already known at render time


@dataclass
class Rendered:
    html: str
    toc: list[dict[str, Any]]
    sections: list[Section]
    references: list[Reference] = field(default_factory=list)

    def excerpt(self, length: int = 200) -> str:
        for section in self.sections:
            if section.text.strip():
                return shorten(section.text, length)
        return ""


def render_article(article: Article, slugs_by_path: dict[str, str], *, locale: str = "") -> Rendered:
    """Render ``article`` to sanitized HTML.

    Args:
        slugs_by_path: article path -> slug for every article, used to turn relative ``.md`` links into
            ``/articles/<slug>`` URLs.
    """
    resolver = _LinkResolver(article, slugs_by_path, locale)
    md = markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "admonition",
            "sane_lists",
            "def_list",
            "footnotes",
            "codehilite",
            "toc",
            _KBExtension(resolver),
        ],
        extension_configs={
            "codehilite": {"guess_lang": False, "css_class": "highlight"},
            "tables": {"use_align_attribute": True},
            "toc": {"slugify": slugify_unicode, "toc_depth": "2-6"},
        },
        output_format="html",
    )
    body_html = _make_wide_blocks_focusable(clean_html(md.convert(article.body)))
    return Rendered(
        html=body_html,
        toc=_toc(md.toc_tokens),  # type: ignore[attr-defined]  # set by the toc extension
        sections=split_sections(body_html, article.title),
        references=resolver.references,
    )


def split_sections(body_html: str, title: str) -> list[Section]:
    """Split rendered HTML at its headings: an intro section, then one section per heading with an id."""
    parser = _SectionParser(title)
    parser.feed(body_html)
    parser.close()
    return parser.finish()


def shorten(text: str, length: int, *, strip: str = ",.;:") -> str:
    """``text`` on one line, cut between words to at most ``length`` characters ending in "…" when too long;
    ``strip`` are the characters dropped from the end of the cut text before the "…"."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0].rstrip(strip) + "…"


def _make_wide_blocks_focusable(body_html: str) -> str:
    """``body_html`` with each code block and table made a named region that the keyboard can reach.

    On a narrow screen they scroll sideways inside themselves (kb.css), and without a tab stop a keyboard could
    not scroll them. Added after sanitizing, which strips these attributes from anything an author writes.
    """
    body_html = _PRE_TAG.sub(f"<pre {_CODE_REGION}", body_html)
    body_html = _TABLE_TAG.sub(f'<div class="table-scroll" {_TABLE_REGION}><table', body_html)
    return body_html.replace("</table>", "</table></div>")


def _toc(tokens: list[dict[str, Any]], max_level: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "id": t["id"],
            "title": html.unescape(t["name"]),
            "level": t["level"],
            "children": _toc(t["children"], max_level) if t["level"] < max_level else [],
        }
        for t in tokens
        if t["level"] <= max_level
    ]


class _LinkResolver:
    """Rewrites relative links and image paths, recording each one as a :class:`Reference`."""

    def __init__(self, article: Article, slugs_by_path: dict[str, str], locale: str = "") -> None:
        """``locale``: the URL segment of the article's locale ("pt-br"), which its links and files are under."""
        self.article = article
        self.slugs_by_path = slugs_by_path
        self.article_prefix = f"/{locale}{ARTICLE_PREFIX}" if locale else ARTICLE_PREFIX
        self.assets_prefix = f"{ASSETS_PREFIX}{locale}/" if locale else ASSETS_PREFIX
        self.folder = posixpath.dirname(article.path)
        self.references: list[Reference] = []
        self._cursor: dict[str, int] = {}

    def link(self, href: str) -> str:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("/") or "\x02" in href:
            return href  # external, absolute, or an e-mail autolink Markdown has obfuscated
        ref = Reference("link", href, self._line_of(href), fragment=parts.fragment)
        self.references.append(ref)
        if not parts.path:
            ref.target = self.article.path
            return href
        if not parts.path.endswith(".md"):
            return self._asset(ref, parts.path)
        target = self._resolve(ref, parts.path)
        if target is None:
            return href
        ref.target = target
        slug = self.slugs_by_path.get(target)
        if slug is None:
            return href
        return self.article_prefix + slug + (f"#{parts.fragment}" if parts.fragment else "")

    def image(self, src: str) -> str:
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or src.startswith("/") or "\x02" in src:
            return src
        ref = Reference("image", src, self._line_of(src))
        self.references.append(ref)
        return self._asset(ref, parts.path)

    def _asset(self, ref: Reference, path: str) -> str:
        target = self._resolve(ref, path)
        if target is None:
            return ""
        ref.target = target
        return self.assets_prefix + target

    def _resolve(self, ref: Reference, path: str) -> str | None:
        target = posixpath.normpath(posixpath.join(self.folder, unquote(path)))
        if target.startswith("../") or target == ".." or target.startswith("/"):
            ref.broken = f"{path} points outside the articles folder"
            return None
        return target

    def _line_of(self, href: str) -> int | None:
        """The line of the next use of ``href`` as a link target (``](href`` or ``<href>``) in the body."""
        body = self.article.body
        start = self._cursor.get(href, 0)
        match = re.compile(rf"(?:\]\(\s*<?|\]:\s*<?|<){re.escape(href)}(?=[\s)>\"']|$)", re.M).search(body, start)
        if match is None:
            index = body.find(href, start)
            if index < 0:
                return None
        else:
            index = match.start()
        self._cursor[href] = index + 1
        return self.article.body_line + body.count("\n", 0, index)


class _ResolveLinks(Treeprocessor):
    def __init__(self, md: markdown.Markdown, resolver: _LinkResolver) -> None:
        super().__init__(md)
        self.resolver = resolver

    def run(self, root: ElementTree.Element) -> None:
        for element in root.iter("a"):
            href = element.get("href")
            if href and not href.startswith("#fn"):
                element.set("href", self.resolver.link(href))
        for element in root.iter("img"):
            src = element.get("src")
            if src:
                element.set("src", self.resolver.image(src))
                element.set("loading", "lazy")


class _GitHubAlerts(Preprocessor):
    """Turn GitHub/DocFX alerts (``> [!NOTE]`` followed by ``> text``) into admonitions."""

    _START = re.compile(r"^ {0,3}>\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$", re.I)
    _KINDS = {"note": "note", "tip": "tip", "important": "note", "warning": "warning", "caution": "danger"}

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            match = self._START.match(lines[i])
            if not match:
                out.append(lines[i])
                i += 1
                continue
            kind = match.group(1).lower()
            out += ["", f'!!! {self._KINDS[kind]} "{kind.capitalize()}"']
            i += 1
            while i < len(lines) and re.match(r"^ {0,3}>", lines[i]):
                out.append("    " + lines[i].lstrip()[1:].removeprefix(" "))
                i += 1
            out.append("")
        return out


class _KBExtension(Extension):
    def __init__(self, resolver: _LinkResolver) -> None:
        super().__init__()
        self.resolver = resolver

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        md.preprocessors.register(_GitHubAlerts(md), "kb_alerts", 24)  # after fenced code is stashed
        md.treeprocessors.register(_ResolveLinks(md, self.resolver), "kb_links", 1)


class _SectionParser(HTMLParser):
    def __init__(self, title: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = [Section("", title, 1, [title], "", [])]
        self._runs: list[tuple[str, bool]] = []  # the section's text so far: (text, is code) pieces
        self._code_depth = 0
        self._heading: list[str] | None = None
        self._heading_tag = ""
        self._heading_id = ""
        self._stack: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        heading_id = dict(attrs).get("id") if tag in _HEADING_TAGS else None
        if heading_id:
            self._close_section()
            self._heading, self._heading_tag, self._heading_id = [], tag, heading_id
        elif tag in _BLOCK_TAGS:
            self._append(" \n")
        if tag in _CODE_TAGS:
            self._code_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == self._heading_tag:
            level = int(tag[1])
            heading = " ".join("".join(self._heading).split())
            while self._stack and self._stack[-1][0] >= level:
                self._stack.pop()
            self._stack.append((level, heading))
            path = [self.sections[0].heading] + [h for _, h in self._stack]
            self.sections.append(Section(self._heading_id, heading, level, path, "", []))
            self._heading = None
        elif tag in _BLOCK_TAGS:
            self._append(" \n")
        if tag in _CODE_TAGS:
            self._code_depth = max(0, self._code_depth - 1)

    def handle_data(self, data: str) -> None:
        self._append(data)

    def _append(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        else:
            self._runs.append((data, self._code_depth > 0))

    def _close_section(self) -> None:
        section = self.sections[-1]
        section.text, section.code_spans = _normalize_text(self._runs)
        self._runs = []

    def finish(self) -> list[Section]:
        self._close_section()
        return self.sections


def _normalize_text(runs: list[tuple[str, bool]]) -> tuple[str, list[tuple[int, int]]]:
    """The text of ``runs`` ((text, is code) pieces, in order) as lines of words one space apart, without blank
    lines, and the (start, end) offsets of its code in that text (adjacent pieces of code make one span)."""
    out: list[str] = []
    size = 0
    gap = ""  # what separates the next word from the last one written: nothing, " " or "\n"
    spans: list[tuple[int, int]] = []
    last_is_code = False
    for piece, is_code in runs:
        for match in _SPACE_OR_WORD.finditer(piece):
            token = match.group()
            if token.isspace():
                gap = "\n" if "\n" in token or gap == "\n" else " "
                continue
            if size and gap:
                out.append(gap)
                size += 1
            gap = ""
            start, size = size, size + len(token)
            out.append(token)
            if is_code and last_is_code:
                spans[-1] = (spans[-1][0], size)
            elif is_code:
                spans.append((start, size))
            last_is_code = is_code
    return "".join(out), spans

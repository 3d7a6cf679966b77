"""Build the index: the one offline step that writes ``DATA_DIR/index``. The web app only reads it.

``build_index`` reads top to bottom as its steps: load articles → render and check → write the page store →
write the full-text index → write the semantic index → write the manifest → switch. Each build goes into a
fresh folder under ``index/builds/``; only when it is complete does ``index/CURRENT`` (replaced atomically)
point at it, so a crash, a kill or a full disk mid-build leaves the previous index serving.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.articles import Problem
from kb.content.locales import DEFAULT_TAG, Locale, parse_locales
from kb.content.pages import Compiled
from kb.content.store import Site
from kb.content.translations import compile_editions
from kb.errors import ContentError, KBError
from kb.index.layout import (
    TEMP_PREFIX,
    BuildFolder,
    builds_dir,
    current_build_dir,
    index_root,
    write_manifest,
)
from search import answers, fulltext, lexical, semantic
from search.analysis import language_of
from search.documents import SectionDoc, make_analyzer, section_docs

log = logging.getLogger(__name__)
KEEP_BUILDS = 3


@dataclass
class BuildReport:
    build_id: str
    articles: int
    rendered: int
    sections: int
    fulltext_updated: int
    fulltext_removed: int
    embedded: int
    reused: int
    semantic: bool
    sentences_embedded: int  # the sections' sentences embedded for instant answers (those of unchanged ones are kept)
    seconds: float
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        errors = sum(p.level == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        semantic_part = f"{self.embedded} embedded, {self.reused} reused" if self.semantic else "semantic off"
        return (
            f"Indexed {self.articles} articles ({self.rendered} rendered), {self.sections} sections "
            f"({self.fulltext_updated} updated, {self.fulltext_removed} removed; {semantic_part}) "
            f"in {self.seconds:.1f}s; {errors} error(s), {warnings} warning(s)."
        )


@dataclass
class LocalePart:
    """One locale's share of a build: its articles compiled, and where its parts are written."""

    locale: Locale
    folder: BuildFolder
    previous: Path | None  # the same locale's part of the previous build
    compiled: Compiled
    encoder: object | None
    docs: list[SectionDoc] = field(default_factory=list)
    articles: int = 0  # the pages it serves (drafts are kept for the next build, not served)


def build_index(
    articles_dir: Path | str,
    data_dir: Path | str,
    *,
    encoder=None,
    full: bool = False,
    progress=None,
    allow_errors: bool = False,
    locales: tuple[Locale, ...] | None = None,
    encoders: Mapping[str, object | None] | None = None,
) -> BuildReport:
    """Build (incrementally unless ``full``) the index of ``articles_dir`` into ``data_dir``.

    Args:
        encoder: a :class:`search.semantic.Encoder`, or None for a full-text-only index.
        progress: optional ``callable(stage, count)`` told about work done, for progress bars.
        allow_errors: publish even when an article has errors (its file is skipped, or a link left broken).
        locales: the help center's languages, default first (default: English alone). The default's articles
            are ``articles_dir``; each other's, its sub-folder (see :mod:`kb.content.locales`).
        encoders: the encoder of each locale by tag, for those not embedded with ``encoder``.

    Raises:
        ContentError: an article has an error (as ``kb check`` reports it) and ``allow_errors`` is off: nothing
            is written, and the previous build keeps serving.
    """
    started = time.perf_counter()
    root = index_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    locales = locales or parse_locales(DEFAULT_TAG)
    with _build_lock(root):
        previous = None if full else current_build_dir(root)
        build_dir = builds_dir(root) / f"{TEMP_PREFIX}{_new_build_id()}"
        parts = compile_locales(articles_dir, locales, BuildFolder(build_dir), previous, encoder, encoders)
        problems = [p for part in parts for p in part.compiled.problems]
        errors = [p for p in problems if p.level == "error"]
        if errors and not allow_errors:
            raise ContentError(sorted(errors, key=lambda p: (p.path, p.line or 0)))
        try:
            build_dir.mkdir(parents=True)
            counts = [_write_part(part, progress) for part in parts]
            _write_manifest(build_dir, articles_dir, parts)
            build_id = _switch(root, build_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        _prune(root)
    default = parts[0]
    return BuildReport(
        build_id=build_id,
        articles=sum(p.articles for p in parts),
        rendered=sum(len(p.compiled.pages) - p.compiled.reused for p in parts),
        sections=sum(len(p.docs) for p in parts),
        fulltext_updated=sum(c[0] for c in counts),
        fulltext_removed=sum(c[1] for c in counts),
        embedded=sum(c[3] for c in counts),
        reused=sum(c[2] for c in counts),
        semantic=default.encoder is not None,
        sentences_embedded=sum(c[4] for c in counts),
        seconds=time.perf_counter() - started,
        problems=problems,
    )


def compile_locales(
    articles_dir, locales: tuple[Locale, ...], build: BuildFolder, previous: Path | None, encoder, encoders
) -> list[LocalePart]:
    """Each locale's articles compiled (reusing the previous build's pages), and where its part is written."""

    def part_before(locale: Locale) -> Path | None:
        if previous is None or locale == locales[0]:
            return previous
        return BuildFolder(previous).locale(locale.segment).path

    editions = compile_editions(articles_dir, locales, lambda locale: _previous_pages(part_before(locale)))
    return [
        LocalePart(
            locale=edition.locale,
            folder=build if edition.locale == locales[0] else build.locale(edition.locale.segment),
            previous=part_before(edition.locale),
            compiled=edition.compiled,
            encoder=encoder if encoders is None or edition.locale == locales[0] else encoders.get(edition.locale.tag),
        )
        for edition in editions
    ]


def _write_part(part: LocalePart, progress) -> tuple[int, int, int, int, int]:
    """Write one locale's page store and indexes; (full-text updated, removed, embeddings reused, embedded,
    sentences embedded)."""
    site = Site(part.compiled.pages, part.compiled.categories)
    part.docs = site_section_docs(site.pages.values())
    part.articles = len(site.pages)
    part.folder.path.mkdir(parents=True, exist_ok=True)
    site.save(part.folder.pages)
    language = language_of(part.locale.tag)
    _write_lexical(part.docs, part.folder.lexical, part.previous, language)
    updated, removed = _write_fulltext(part.docs, part.folder.fulltext, part.previous, language)
    folder = part.folder.semantic
    reused, embedded, sentences = _write_semantic(part.docs, folder, part.previous, part.encoder, progress)
    return updated, removed, reused, embedded, sentences


EXPORT_CHECK_LIMIT = 1000  # sections compared with the original model (all of them in smaller help centers)


def export_query_model(data_dir: Path | str, encoder) -> str | None:
    """Export and check the int8 ONNX query model once, after an index build with ``encoder`` (the real model).

    Returns a line for the user, or None when a checked export is already there.
    """
    from search import onnx
    from search.semantic import ModelUnavailableError

    if not onnx.is_available():
        return "Queries are embedded with sentence-transformers (install onnxruntime for the faster int8 model)."
    if onnx.exported(data_dir):
        return None
    texts = section_texts(data_dir, EXPORT_CHECK_LIMIT)
    try:
        meta = onnx.export(encoder, data_dir, texts)
    except ModelUnavailableError as e:
        return f"Warning: no int8 query model ({e}); queries are embedded with sentence-transformers."
    return (
        f"Exported the int8 query model in {meta['seconds']} s: cosine >= {meta['min_cosine']} with the original "
        f"on {meta['checked_texts']} sections."
    )


def section_texts(data_dir: Path | str, limit: int) -> list[str]:
    """Texts of the current build's sections; evenly spread over the build when there are more than ``limit``."""
    build_dir = current_build_dir(index_root(data_dir))
    if build_dir is None:
        return []
    pages = Site.load(BuildFolder(build_dir).pages, lazy=False).pages.values()
    texts = [section.text for page in pages for section in page.sections if section.text.strip()]
    if len(texts) <= limit:
        return texts
    step = len(texts) / limit
    return [texts[int(i * step)] for i in range(limit)]


def _previous_pages(build_dir: Path | None):
    if build_dir is None or not BuildFolder(build_dir).pages.is_file():
        return None
    try:
        return Site.load(BuildFolder(build_dir).pages, lazy=False).all_pages
    except (ValueError, KeyError, TypeError, OSError):  # written by another kb version: just render everything
        return None


def site_section_docs(pages) -> list[SectionDoc]:
    """The sections of ``pages`` as both search indexes store them (what is embedded, in this order)."""
    docs: list[SectionDoc] = []
    for page in pages:
        docs += section_docs(
            slug=page.slug,
            title=page.title,
            category=page.category,
            status=page.status,
            summary=page.summary,
            tags=page.tags,
            sections=page.sections,
        )
    return docs


def _write_fulltext(docs: list[SectionDoc], target: Path, previous: Path | None, language: str) -> tuple[int, int]:
    """Copy the previous full-text index and apply only the changes, or write it anew. Returns (updated, removed)."""
    before = BuildFolder(previous) if previous else None
    if before is None or not fulltext.exists(before.fulltext, language) or not lexical.exists(before.lexical):
        fulltext.write(docs, target, language)
        return len(docs), 0
    shutil.copytree(before.fulltext, target, ignore=shutil.ignore_patterns("*LOCK*"))
    old = lexical.stored_hashes(before.lexical)  # the same sections, and far quicker to read than Whoosh
    changed = [d for d in docs if old.get(d.id) != d.hash]
    removed = set(old) - {d.id for d in docs}
    if changed or removed:
        fulltext.update(changed, target, removed)
    return len(changed), len(removed)


def _write_lexical(docs: list[SectionDoc], target: Path, previous: Path | None, language: str) -> int:
    before = BuildFolder(previous).lexical if previous is not None else None
    before = before if before is not None and lexical.exists(before) else None
    return lexical.write(docs, target, make_analyzer(language), fulltext.FIELD_BOOSTS, before)


def _write_semantic(docs, target: Path, previous: Path | None, encoder, progress) -> tuple[int, int, int]:
    """Embed the sections, and their sentences for instant answers; (sections re-used, sections embedded,
    sentences embedded)."""
    if encoder is None:
        return 0, 0, 0
    before, sentences_before = None, None
    if previous is not None and semantic.exists(BuildFolder(previous).semantic):
        before = semantic.SemanticIndex.load(BuildFolder(previous).semantic)
        if answers.exists(BuildFolder(previous).semantic):
            sentences_before = answers.SentenceIndex.load(BuildFolder(previous).semantic)
    on_batch = (lambda n: progress("embed", n)) if progress else None
    reused, embedded = semantic.write(docs, target, encoder, before, progress=on_batch)
    same_model = before is not None and before.model == encoder.name
    _, sentences = answers.write(docs, target, encoder, sentences_before, same_model=same_model)
    return reused, embedded, sentences


def _write_manifest(build_dir: Path, articles_dir, parts: list[LocalePart]) -> None:
    default = parts[0]
    manifest = {
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "articles_dir": str(Path(articles_dir).resolve()),
        "model": default.encoder.name if default.encoder is not None else None,  # type: ignore[attr-defined]
        "articles": default.articles,
        "sections": len(default.docs),
        "locales": {
            part.locale.tag: {
                "articles": part.articles,
                "sections": len(part.docs),
                "model": part.encoder.name if part.encoder is not None else None,  # type: ignore[attr-defined]
            }
            for part in parts
        },
    }
    write_manifest(build_dir, manifest)


def _switch(root: Path, build_dir: Path) -> str:
    """Make ``build_dir`` the current build with one atomic rename of the CURRENT pointer."""
    build_id = build_dir.name.removeprefix(TEMP_PREFIX)
    final = build_dir.with_name(build_id)
    _fsync_tree(build_dir)
    build_dir.rename(final)
    pointer = root / "CURRENT.tmp"
    with open(pointer, "w", encoding="utf-8") as f:
        f.write(build_id + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer, root / "CURRENT")
    return build_id


def _prune(root: Path) -> None:
    """Delete all but the newest few builds (older readers may still hold the previous ones) and stale temps."""
    builds = sorted((p for p in builds_dir(root).iterdir() if not p.name.startswith(".")), key=lambda p: p.name)
    current = current_build_dir(root)
    for old in builds[:-KEEP_BUILDS]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)
    for temp in builds_dir(root).glob(f"{TEMP_PREFIX}*"):
        shutil.rmtree(temp, ignore_errors=True)


def _new_build_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"


def _fsync_tree(path: Path) -> None:
    for file in path.rglob("*"):
        if file.is_file():
            with open(file, "rb") as f:
                os.fsync(f.fileno())


@contextlib.contextmanager
def _build_lock(root: Path):
    with open(root / ".build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KBError(f"another `kb index` is already building {root}; wait for it to finish") from None
        yield

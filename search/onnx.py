"""Embeddings without torch: the same all-MiniLM-L6-v2, exported to ONNX, in full precision and in int8.

``kb index`` exports the model once (``export``), checks it against sentence-transformers on the sections
it indexes (``lowest_cosine``: every int8 cosine must reach ``MIN_COSINE``), and keeps it in ``DATA_DIR/model``.
Serving workers then embed queries with the int8 graph, onnxruntime and the ``tokenizers`` library: a few
milliseconds per query and a fraction of torch's memory and start-up. Later index builds embed documents
with the fp32 graph on every core, in batches of texts of about the same length: the original model's
vectors (cosine ``DOCUMENTS_MIN_COSINE`` or more), without loading torch at all.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from search.semantic import DEFAULT_MODEL, Encoder, ModelUnavailableError

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

    from search.semantic import SentenceTransformerEncoder

log = logging.getLogger(__name__)
MIN_COSINE = 0.98
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
FILE = "model.int8.onnx"  # for queries: a few milliseconds each, within MIN_COSINE of the original
DOCUMENTS_FILE = "model.fp32.onnx"  # for documents at index time: the original's embeddings, without torch
DOCUMENTS_MIN_COSINE = 0.999
META = "export.json"
VERSION = 2  # of the export recipe; a new recipe makes kb index export again (2: the fp32 graph is kept)
DOCUMENTS_BATCH = 32


def is_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


def export_dir(data_dir: Path | str) -> Path:
    return Path(data_dir) / "model" / f"{DEFAULT_MODEL}-int8"


def exported(data_dir: Path | str) -> dict[str, Any] | None:
    """The export's metadata when a verified export for this recipe is in ``data_dir``; else None."""
    meta_path = export_dir(data_dir) / META
    if not meta_path.exists():
        return None
    meta = orjson.loads(meta_path.read_bytes())
    if meta.get("version") != VERSION or meta.get("min_cosine", 0) < MIN_COSINE:
        return None
    return meta


class OnnxEncoder:
    """The :class:`~search.semantic.Encoder` protocol over the int8 ONNX export."""

    def __init__(self, directory: Path, *, threads: int = 1, file: str = FILE) -> None:
        if not is_available():
            raise ModelUnavailableError("onnxruntime is not installed")
        import onnxruntime
        from tokenizers import Tokenizer

        self.name = DEFAULT_MODEL
        self.dimension = 384
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # one thread per worker, and fork-safe
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Memory patterns plan one allocation per input shape seen; queries come in every length, so the plans
        # only pile up (measured: 8 MB more per worker after 900 queries of 5 to 120 words, no faster).
        options.enable_mem_pattern = False
        try:
            self.session = onnxruntime.InferenceSession(
                str(directory / file), options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # a damaged file: fall back rather than fail
            raise ModelUnavailableError(f"cannot load {directory / file}: {e}") from e
        # onnxruntime's memory arena grows to the largest input it has run and keeps that for good: after one
        # whole chat (three pieces of up to 256 tokens) a worker held 34 to 47 MB more. A query run hands the
        # arena's free memory back when it ends: free for a question or a search (measured: the same time to
        # 0.03 ms), 15 to 30% more for a whole chat.
        self._releasing = onnxruntime.RunOptions()
        self._releasing.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def _encode(self, texts: list[str], *, release: bool = False) -> np.ndarray:
        """Embeddings of ``texts`` in one run; with ``release``, the memory the run took from the arena is
        handed back when it ends (queries: few texts, any length; documents are embedded in many runs)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        options = self._releasing if release else None
        return np.asarray(self.session.run(None, feeds, options)[0], dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, release=True)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts`` in batches of texts of about the same length (little padding), in order."""
        if not texts:
            return self._encode([])
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), DOCUMENTS_BATCH):
            rows = order[start : start + DOCUMENTS_BATCH]
            vectors[rows] = self._encode([texts[i] for i in rows])
        return vectors


def document_encoder(data_dir: Path | str, threads: int | None = None) -> OnnxEncoder | None:
    """The fp32 export for embedding documents on every core, when ``data_dir`` has a checked one; else None."""
    meta = exported(data_dir)
    if not meta or meta.get("documents_min_cosine", 0) < DOCUMENTS_MIN_COSINE:
        return None
    return OnnxEncoder(export_dir(data_dir), threads=threads or os.cpu_count() or 1, file=DOCUMENTS_FILE)


def export(reference: SentenceTransformerEncoder, data_dir: Path | str, check_texts: list[str]) -> dict[str, Any]:
    """Export ``reference`` (a loaded SentenceTransformerEncoder) to int8 ONNX in ``data_dir``, verified.

    Raises ModelUnavailableError when the export tools are missing or the check fails (nothing is kept then).
    """
    if importlib.util.find_spec("onnx") is None or not is_available():
        raise ModelUnavailableError("onnx and onnxruntime are needed to export the model")
    started = time.monotonic()
    model = reference.sentence_transformer()
    target = export_dir(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        _export_graph(model, work / "model.onnx")
        _quantize(work / "model.onnx", work / "pre.onnx", work / FILE)
        candidate = work / "export"
        candidate.mkdir()
        shutil.move(str(work / FILE), candidate / FILE)
        shutil.move(str(work / "model.onnx"), candidate / DOCUMENTS_FILE)
        shutil.copy(reference.model_path() / "tokenizer.json", candidate / "tokenizer.json")
        original = reference.encode_documents(check_texts) if check_texts else None  # once, for both checks
        cores = os.cpu_count() or 1
        worst = lowest_cosine(OnnxEncoder(candidate, threads=cores), original, check_texts)
        if worst < MIN_COSINE:
            raise ModelUnavailableError(f"the int8 export drifts too far (cosine {worst:.4f} < {MIN_COSINE})")
        documents = OnnxEncoder(candidate, threads=cores, file=DOCUMENTS_FILE)
        documents_worst = lowest_cosine(documents, original, check_texts)
        meta = {
            "version": VERSION,
            "model": DEFAULT_MODEL,
            "min_cosine": round(worst, 4),
            "documents_min_cosine": round(documents_worst, 5),
            "checked_texts": len(check_texts),
            "seconds": round(time.monotonic() - started, 1),
        }
        (candidate / META).write_bytes(orjson.dumps(meta))
        if target.exists():
            shutil.rmtree(target)
        candidate.rename(target)
    log.info("exported %s to %s (min cosine %.4f over %d texts)", DEFAULT_MODEL, target, worst, len(check_texts))
    return meta


def _export_graph(model: SentenceTransformer, path: Path) -> None:
    """Trace ``model``'s transformer, with its pooling and normalization, to an fp32 ONNX graph at ``path``."""
    import torch

    auto_model = model[0].auto_model  # the Hugging Face transformer inside the sentence-transformers model
    assert isinstance(auto_model, torch.nn.Module)
    transformer = _Pooled(auto_model).eval()
    sample = model.tokenizer(["a question", "a longer example sentence"], padding=True, return_tensors="pt")
    axes = {"batch": 0, "tokens": 1}
    dynamic = {name: {axes["batch"]: "batch", axes["tokens"]: "tokens"} for name in _INPUTS}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on tracing; the result is verified by export()
        torch.onnx.export(
            transformer,
            tuple(sample[name] for name in _INPUTS),
            str(path),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**dynamic, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def _quantize(graph: Path, prepared: Path, quantized: Path) -> None:
    """Quantize the fp32 ``graph`` to int8 at ``quantized`` (by way of ``prepared``, its pre-processed form)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    quant_pre_process(str(graph), str(prepared), skip_symbolic_shape=True)
    # Per-channel weights keep every section's embedding within MIN_COSINE of the original model's.
    quantize_dynamic(str(prepared), str(quantized), per_channel=True, weight_type=QuantType.QInt8)


def lowest_cosine(encoder: Encoder, original: np.ndarray | None, texts: list[str]) -> float:
    """The lowest cosine between ``encoder``'s embeddings of ``texts`` and ``original`` ones (1.0 if none)."""
    if not texts or original is None:
        return 1.0
    return float((encoder.encode_documents(texts) * original).sum(axis=1).min())


_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _pooled_module() -> type[torch.nn.Module]:
    import torch

    class Pooled(torch.nn.Module):
        """The transformer plus sentence-transformers' mean pooling and normalization, as one graph."""

        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            tokens = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled


def _Pooled(transformer: torch.nn.Module) -> torch.nn.Module:  # noqa: N802 (a class, built lazily so that importing this module never imports torch)
    return _pooled_module()(transformer)

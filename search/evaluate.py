"""Retrieval evaluation: nDCG@10, Recall@5 and MRR@10 of each ranking mode on a labelled set.

A set is a folder with ``corpus.jsonl`` ({id, title, text}), ``queries.jsonl`` ({id, text}) and ``qrels.tsv``
(query id, doc id, relevance). Each document becomes one article with one section in a throw-away index
built by the same code as ``kb index``; only queries with at least one relevant document count.
"""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from kb.errors import KBError
from search import fulltext, hybrid, lexical, semantic
from search.analysis import DEFAULT_LANGUAGE, language_of
from search.documents import SectionDoc

METRICS = ("ndcg@10", "recall@5", "mrr@10")


@dataclass
class EvalSet:
    name: str
    docs: list[SectionDoc]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: relevance > 0}
    language: str = DEFAULT_LANGUAGE  # of the corpus, as kb index would analyze it (detected, or as given)


def load_eval_set(folder: Path | str, language: str | None = None) -> EvalSet:
    """The set in ``folder``; its corpus is analyzed as ``language`` (ISO 639-1; default: the language most of its
    documents are written in, detected offline)."""
    folder = Path(folder)
    for name in ("corpus.jsonl", "queries.jsonl", "qrels.tsv"):
        if not (folder / name).is_file():
            raise KBError(f"{folder} has no {name}: an evaluation set needs corpus.jsonl, queries.jsonl and qrels.tsv")
    docs = [_doc(json.loads(line)) for line in _lines(folder / "corpus.jsonl")]
    queries = {q["id"]: q["text"] for q in map(json.loads, _lines(folder / "queries.jsonl"))}
    qrels: dict[str, dict[str, int]] = {}
    for line in _lines(folder / "qrels.tsv"):
        parts = line.split("\t")
        if len(parts) < 3 or not parts[2].strip().lstrip("-").isdigit():
            continue  # a header line
        query_id, doc_id, relevance = parts[0], parts[1], int(parts[2])
        if relevance > 0 and query_id in queries:
            qrels.setdefault(query_id, {})[_slug(doc_id)] = relevance
    language = language or semantic.corpus_language(docs) or DEFAULT_LANGUAGE
    return EvalSet(folder.name, docs, {q: queries[q] for q in qrels}, qrels, language_of(language))


@dataclass
class Indexes:
    """Throw-away indexes of an evaluation set's corpus."""

    searcher: Searcher
    lexical: lexical.LexicalIndex
    semantic: semantic.SemanticIndex | None


@contextlib.contextmanager
def build_indexes(
    eval_set: EvalSet, encoder: semantic.Encoder | None, document_encoder: semantic.Encoder | None = None
) -> Iterator[Indexes]:
    """Index the corpus as ``kb index`` would (each document one article with one section), embedding it with
    ``document_encoder`` (the model ``kb index`` uses; default: ``encoder``) when there is an ``encoder``."""
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        fulltext.write(eval_set.docs, Path(tmp) / "fulltext", eval_set.language)
        index = fulltext.open_index(Path(tmp) / "fulltext")
        lexical.write(eval_set.docs, Path(tmp) / "lexical", index.schema["body"].analyzer, fulltext.FIELD_BOOSTS)
        semantic_index = None
        if encoder is not None:
            semantic.write(eval_set.docs, Path(tmp) / "semantic", document_encoder or encoder)
            semantic_index = semantic.SemanticIndex.load(Path(tmp) / "semantic")
        with index.searcher(weighting=fulltext.weighting()) as searcher:
            yield Indexes(searcher, lexical.LexicalIndex.load(Path(tmp) / "lexical"), semantic_index)


def evaluate(
    eval_set: EvalSet,
    modes: list[str],
    encoder: semantic.Encoder | None,
    document_encoder: semantic.Encoder | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics per mode; semantic and hybrid need ``encoder`` (queries; ``document_encoder`` embeds the corpus)."""
    needs_model = encoder is not None and any(m != hybrid.FULLTEXT for m in modes)
    with build_indexes(eval_set, encoder if needs_model else None, document_encoder) as built:
        vectors: dict[str, np.ndarray] = {}
        if needs_model and encoder is not None:
            ids = list(eval_set.queries)
            vectors = dict(zip(ids, encoder.encode_queries([eval_set.queries[i] for i in ids]), strict=True))
        return {
            mode: _score_mode(eval_set, mode, built.searcher, built.lexical, built.semantic, encoder, vectors)
            for mode in modes
        }


def average(rankings: dict[str, list[str]], eval_set: EvalSet) -> dict[str, float]:
    """Mean of each metric over the set's queries, for ``{query id: ranked doc ids}``."""
    totals = dict.fromkeys(METRICS, 0.0)
    for query_id, ranking in rankings.items():
        for name, value in score_ranking(ranking, eval_set.qrels[query_id]).items():
            totals[name] += value
    return {name: total / (len(rankings) or 1) for name, total in totals.items()}


def _score_mode(
    eval_set: EvalSet,
    mode: str,
    searcher: Searcher,
    lexical_index: lexical.LexicalIndex,
    semantic_index: semantic.SemanticIndex | None,
    encoder: semantic.Encoder | None,
    vectors: dict[str, np.ndarray],
) -> dict[str, float]:
    rankings = {}
    for query_id, text in eval_set.queries.items():
        outcome = hybrid.search(
            text,
            searcher=searcher,
            lexical=lexical_index,
            semantic_index=semantic_index,
            encoder=encoder,
            mode=mode,
            limit=10,
            query_vector=vectors.get(query_id),
        )
        rankings[query_id] = [h.slug for h in outcome.hits]
    return average(rankings, eval_set)


def score_ranking(ranking: list[str], relevant: dict[str, int]) -> dict[str, float]:
    """nDCG@10 (graded gains), Recall@5 and MRR@10 of one ranked list of doc ids."""
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranking[:10], start=1))
    ideal = sum(g / math.log2(rank + 1) for rank, g in enumerate(sorted(relevant.values(), reverse=True)[:10], 1))
    found = sum(1 for doc in ranking[:5] if doc in relevant)
    first = next((rank for rank, doc in enumerate(ranking[:10], start=1) if doc in relevant), None)
    return {
        "ndcg@10": dcg / ideal if ideal else 0.0,
        "recall@5": found / len(relevant),
        "mrr@10": 1.0 / first if first else 0.0,
    }


def _doc(record: dict[str, Any]) -> SectionDoc:
    return SectionDoc(
        slug=_slug(str(record["id"])),
        anchor="",
        title=record.get("title") or "",
        category="eval",
        status="published",
        summary="",
        tags=(),
        headings=(),
        text=record.get("text") or "",
    )


def _slug(doc_id: str) -> str:
    return doc_id.replace("#", "%23")


def _lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line.rstrip("\n")

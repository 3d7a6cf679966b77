"""Evaluating the suggestion engine: ranking quality with whole texts as input (questions, tickets, whole
conversations), the time a suggestion takes against the model's own cost, and what each confidence
threshold would do (how many questions keep a confident right answer in the top 3, and how many questions
the help center cannot answer still get a confident suggestion). This is how ``KB_SUGGEST_MIN_SCORE`` is chosen."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from search import hybrid
from search.evaluate import EvalSet, Indexes, average, build_indexes
from search.semantic import Encoder
from suggest import engine, reading

# up to 0.9: the multilingual model's cosines, and so its scores, run higher than the English model's
THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
TOP = 3  # a confident right answer counts when it is among the first TOP suggestions


def evaluate_suggestions(
    eval_set: EvalSet,
    encoder: Encoder | None,
    negatives: Sequence[str] = (),
    modes: Sequence[str] = (hybrid.HYBRID,),
    document_encoder: Encoder | None = None,
) -> dict[str, Any]:
    """``{"modes": {mode: metrics + median_ms}, "model_ms": ..., "thresholds": [...]}`` (thresholds of hybrid).

    ``negatives`` are questions this corpus cannot answer (for example another set's questions): the share
    of them that would still get a suggestion at each threshold is its false-suggestion rate. ``model_ms``
    and ``model_whole_ms`` are the model's own cost, what a suggestion is measured against (see _model_ms).
    ``document_encoder`` embeds the corpus, as ``kb index`` would (default: ``encoder``).
    """
    encoder = getattr(encoder, "encoder", encoder)  # past a query cache: each mode pays for its own embeddings
    results: dict[str, Any] = {"modes": {}}
    with build_indexes(eval_set, encoder, document_encoder) as built:
        for mode in modes:
            if mode != hybrid.FULLTEXT and encoder is None:
                continue
            rankings, tops, times = _run_all(eval_set, built, encoder, mode)
            results["modes"][mode] = {**average(rankings, eval_set), "median_ms": statistics.median(times) * 1000}
            if mode == modes[-1]:
                negative_scores = [
                    c[0].score if (c := _suggest(t, built, encoder, mode, 1)) else 0.0 for t in negatives
                ]
                results["thresholds"] = threshold_table(eval_set, tops, negative_scores if negatives else None)
    results["model_ms"] = _model_ms(eval_set, encoder, whole=False)
    results["model_whole_ms"] = _model_ms(eval_set, encoder, whole=True)
    return results


Tops = dict[str, list[tuple[str, float]]]  # query id -> its first suggestions (slug, score)


def _run_all(
    eval_set: EvalSet, built: Indexes, encoder: Encoder | None, mode: str
) -> tuple[dict[str, list[str]], Tops, list[float]]:
    rankings: dict[str, list[str]] = {}
    tops: Tops = {}
    times = []
    for query_id, text in eval_set.queries.items():
        started = time.perf_counter()
        candidates = _suggest(text, built, encoder, mode, 10)
        times.append(time.perf_counter() - started)
        rankings[query_id] = [c.slug for c in candidates]
        tops[query_id] = [(c.slug, c.score) for c in candidates[:TOP]]
    return rankings, tops, times


def _suggest(text: str, built: Indexes, encoder: Encoder | None, mode: str, limit: int) -> list[engine.Candidate]:
    return engine.suggest(
        text,
        searcher=built.searcher,
        lexical=built.lexical,
        semantic_index=built.semantic,
        encoder=encoder,
        mode=mode,
        limit=limit,
        min_score=0.0,
    )[0]


def _model_ms(eval_set: EvalSet, encoder: Encoder | None, *, whole: bool) -> float | None:
    """The median time of one encoder call on each text's question (``whole``: on the whole text, as plain
    dense retrieval embeds it)."""
    if encoder is None:
        return None
    times = []
    for text in eval_set.queries.values():
        question = text if whole else (reading.read(text).question or text)
        started = time.perf_counter()
        encoder.encode_queries([question])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def threshold_table(eval_set: EvalSet, tops: Tops, negative_scores: list[float] | None) -> list[dict[str, Any]]:
    rows = []
    answerable = sum(1 for q, top in tops.items() if any(slug in eval_set.qrels[q] for slug, _ in top))
    for threshold in THRESHOLDS:
        confident = {q: [slug for slug, score in top if score >= threshold] for q, top in tops.items()}
        shown = {q: slugs for q, slugs in confident.items() if slugs}
        right_first = sum(1 for q, slugs in shown.items() if slugs[0] in eval_set.qrels[q])
        right_top = sum(1 for q, slugs in shown.items() if any(s in eval_set.qrels[q] for s in slugs))
        false = sum(score >= threshold for score in negative_scores) / len(negative_scores) if negative_scores else None
        rows.append(
            {
                "min_score": threshold,
                "coverage": len(shown) / (len(eval_set.queries) or 1),
                "precision@1": right_first / len(shown) if shown else 0.0,
                "confident_right@3": right_top / (len(eval_set.queries) or 1),
                "kept": right_top / (answerable or 1),  # of the questions with a right answer in the top 3
                "false_suggestions": false,
            }
        )
    return rows

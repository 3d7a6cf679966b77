"""Evaluating the suggestion engine: ranking quality with whole questions as input, and what each
confidence threshold would do (how many questions still get a suggestion, and how often the first one
is right). This is how ``KB_SUGGEST_MIN_SCORE`` is chosen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from search.evaluate import EvalSet, average, build_indexes
from search.semantic import Encoder
from suggest import engine

THRESHOLDS = (0.0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


def evaluate_suggestions(eval_set: EvalSet, encoder: Encoder | None, negatives: Sequence[str] = ()) -> dict[str, Any]:
    """``{"ranking": metrics, "thresholds": [{min_score, coverage, precision@1, false_suggestions}]}``.

    ``negatives`` are questions this corpus cannot answer (for example another set's questions): the share
    of them that would still get a suggestion at each threshold is its false-suggestion rate.
    """
    rankings: dict[str, list[str]] = {}
    tops: dict[str, tuple[str, float]] = {}
    with build_indexes(eval_set, encoder) as built:

        def run(text: str, limit: int) -> list[engine.Candidate]:
            return engine.suggest(
                text,
                searcher=built.searcher,
                lexical=built.lexical,
                semantic_index=built.semantic,
                encoder=encoder,
                limit=limit,
                min_score=0.0,
            )[0]

        for query_id, text in eval_set.queries.items():
            candidates = run(text, 10)
            rankings[query_id] = [c.slug for c in candidates]
            if candidates:
                tops[query_id] = (candidates[0].slug, candidates[0].score)
        negative_scores = [c[0].score if (c := run(text, 1)) else 0.0 for text in negatives]
    table = threshold_table(eval_set, tops)
    for row in table:
        row["false_suggestions"] = (
            sum(score >= row["min_score"] for score in negative_scores) / len(negative_scores) if negatives else None
        )
    return {"ranking": average(rankings, eval_set), "thresholds": table}


def threshold_table(eval_set: EvalSet, tops: dict[str, tuple[str, float]]) -> list[dict[str, Any]]:
    rows = []
    for threshold in THRESHOLDS:
        shown = {q: slug for q, (slug, score) in tops.items() if score >= threshold}
        right = sum(1 for q, slug in shown.items() if slug in eval_set.qrels[q])
        rows.append(
            {
                "min_score": threshold,
                "coverage": len(shown) / (len(eval_set.queries) or 1),
                "precision@1": right / len(shown) if shown else 0.0,
            }
        )
    return rows

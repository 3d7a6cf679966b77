"""The ranking metrics `kb eval` reports, on lists whose figures are known."""

from __future__ import annotations

import numpy as np

from search.evaluate import score_ranking


def test_ranking_metrics_on_known_lists():
    perfect = score_ranking(["a", "x"], {"a": 1})
    assert perfect == {"ndcg@10": 1.0, "recall@5": 1.0, "mrr@10": 1.0}
    second = score_ranking(["x", "a"], {"a": 1})
    assert second["mrr@10"] == 0.5 and round(second["ndcg@10"], 4) == round(1 / np.log2(3), 4)
    assert score_ranking(["x"] * 10 + ["a"], {"a": 1}) == {"ndcg@10": 0.0, "recall@5": 0.0, "mrr@10": 0.0}

"""Hybrid ranking: one absolute score per section from its cosine and its keyword coverage, the best section
per article, and the cosine's share for a model foreign to the corpus's language."""

from __future__ import annotations

import numpy as np
import pytest

from search.hybrid import FOREIGN_FACTOR, SEMANTIC_SHARE, best_per_article, fuse, semantic_share
from search.semantic import SemanticIndex


def test_fuse_scores_each_section_from_both_parts_and_keeps_best_section_per_article():
    fused = fuse({"a#x": 1.0, "b#": 0.5}, {"b#y": 0.8, "a#x": 0.7}, share=0.8)
    assert fused[0].id == "a#x" and fused[0].score == pytest.approx(0.8 * 0.7 + 0.2 * 1.0)
    for section in fused:
        section.raw = dict.fromkeys(section.parts, 1.0)
    articles = best_per_article(fused)
    assert [a.slug for a in articles] == ["a", "b"]
    assert articles[0].anchor == "x" and articles[0].sources == ["fulltext", "semantic"]
    assert all(0.0 <= a.score <= 1.0 for a in articles)


def test_a_section_known_to_one_source_only_gets_only_that_part():
    fused = {s.id: s.score for s in fuse({"a#": 1.0}, {"b#": 1.0}, share=0.8)}
    assert fused == {"a#": pytest.approx(0.2), "b#": pytest.approx(0.8)}


def _index(model: str, language: str | None) -> SemanticIndex:
    return SemanticIndex(model, [], [], [], np.array([]), np.array([]), np.zeros((0, 3), np.float32), language)


def test_a_model_foreign_to_the_corpus_language_counts_less():
    assert semantic_share(_index("all-MiniLM-L6-v2", "en")) == SEMANTIC_SHARE
    assert semantic_share(_index("all-MiniLM-L6-v2", "pt")) == pytest.approx(SEMANTIC_SHARE * FOREIGN_FACTOR)
    assert semantic_share(_index("all-MiniLM-L6-v2", None)) == SEMANTIC_SHARE  # an index built before detection
    assert semantic_share(_index("some-multilingual-model", "pt")) == SEMANTIC_SHARE
    assert semantic_share(None) == 0.0
    # multilingual-e5-small ranks Portuguese below full-text alone: keywords weigh more beside it
    assert semantic_share(_index("multilingual-e5-small", "pt")) == 0.4
    assert semantic_share(_index("multilingual-e5-small", "pt"), 0.6) == 0.6  # a caller's own share stands


def test_every_models_cosines_are_put_on_one_scale():
    from search.semantic import calibration

    assert calibration("all-MiniLM-L6-v2")(0.37) == 0.37  # the scale itself
    e5 = calibration("multilingual-e5-small")  # which places everything within 0.75-0.95
    assert e5(0.70) == 0.0 and e5(0.99) == 1.0
    assert e5(0.81) == pytest.approx(0.10, abs=0.01)  # an unrelated question's best section
    assert e5(0.89) == pytest.approx(0.66, abs=0.01)  # an answer

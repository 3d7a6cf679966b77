"""Hybrid ranking: reciprocal rank fusion of the full-text and semantic lists, the best section per article."""

from __future__ import annotations

from search.hybrid import best_per_article, reciprocal_rank_fusion


def test_rrf_fuses_and_keeps_best_section_per_article():
    fused = reciprocal_rank_fusion({"fulltext": [("a#x", 9.0), ("b#", 5.0)], "semantic": [("b#y", 0.8), ("a#x", 0.7)]})
    assert fused[0].id == "a#x" and fused[0].ranks == {"fulltext": 1, "semantic": 2}
    articles = best_per_article(fused)
    assert [a.slug for a in articles] == ["a", "b"]
    assert articles[0].anchor == "x" and articles[0].sources == ["fulltext", "semantic"]

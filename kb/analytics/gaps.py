"""Content gaps: failed searches grouped by meaning (by the embedding model when it is there, by shared words
when it is not), so that the dashboard lists each missing article once, not each way of asking for it.

A search failed when it found nothing, or when it found articles but none that kb is confident answers it
(search scores are absolute, so weak matches are almost always there). Searches recorded before kb noted
confidence count only when they found nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

# Cosine between a query and a group's first query (all-MiniLM-L6-v2). Short help-desk queries on different
# topics reach 0.56 ("reset my password" / "delete my account") and loose paraphrases fall to 0.35, so no
# threshold is perfect; 0.6 keeps distinct gaps apart and groups close rewordings (0.64-0.67 measured).
CLUSTER_SIMILARITY = 0.6
WORD_OVERLAP = 0.5  # without the model: share of shared words


_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "a an and are can do does for from how i in is it my of on or the to what when where why with you".split()
)


def gap_queries(no_results: list[dict], unconfident: list[dict]) -> list[dict]:
    """The failed searches, most often first, from ``[{"query", "count"}]`` of searches that found nothing and
    of searches whose results were none of them confident: each query with how often it was which
    (``no_results``, ``no_confident_result``) and in all (``count``)."""
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: {"no_results": 0, "no_confident_result": 0})
    for item in no_results:
        kinds[item["query"]]["no_results"] += item["count"]
    for item in unconfident:
        kinds[item["query"]]["no_confident_result"] += item["count"]
    gaps = [{"query": q, "count": sum(k.values()), **k} for q, k in kinds.items()]
    return sorted(gaps, key=lambda g: (-g["count"], g["query"]))


def cluster_queries(items: list[dict], encoder=None) -> list[dict]:
    """Group ``[{"query", "count", ...}]`` (most frequent first) so that paraphrases share a group, labelled
    by its first query, with every count its queries carry summed (as :func:`gap_queries` gives them: how
    many found nothing, how many found nothing confident).

    Greedy and order-stable: each query joins the first group whose leading query is close enough
    (cosine of the embeddings with a model, shared words without), else starts a new group.
    """
    if not items:
        return []
    queries = [item["query"] for item in items]
    if encoder is not None:
        vectors = np.asarray(encoder.encode_queries(queries), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12

        def close(i: int, j: int) -> bool:
            return float(vectors[i] @ vectors[j]) >= CLUSTER_SIMILARITY
    else:
        words = [frozenset(w for w in _WORD.findall(q.lower()) if w not in _STOP) for q in queries]

        def close(i: int, j: int) -> bool:
            union = words[i] | words[j]
            return bool(union) and len(words[i] & words[j]) / len(union) >= WORD_OVERLAP

    leaders: list[int] = []
    members: dict[int, list[int]] = {}
    for i in range(len(items)):
        leader = next((lead for lead in leaders if close(i, lead)), None)
        if leader is None:
            leaders.append(i)
            members[i] = [i]
        else:
            members[leader].append(i)
    groups = [
        {
            "label": items[lead]["query"],
            **_totals([items[m] for m in members[lead]]),
            "queries": [items[m] for m in members[lead]],
        }
        for lead in leaders
    ]
    return sorted(groups, key=lambda g: (-g["count"], g["label"]))


def _totals(queries: list[dict]) -> dict[str, int]:
    """Each count the grouped queries carry (``count``, and ``no_results`` / ``no_confident_result`` when they
    have them), summed over the group."""
    return {key: sum(q[key] for q in queries) for key, value in queries[0].items() if isinstance(value, int)}


def gap_encoders() -> dict:
    """The query encoder of each locale's articles, by tag (None where there is none): gaps of a language are
    grouped by the model that reads it."""
    from flask import current_app, g

    from kb.content.locales import configured
    from kb.index.serving import get_encoder

    found = {}
    before = g.get("kb_content_locale")
    try:
        for locale in configured(current_app.config):
            g.kb_content_locale = locale
            try:
                found[locale.tag] = get_encoder()
            except Exception:  # the dashboard works without the model
                current_app.logger.exception("no encoder for grouping the %s content gaps", locale.tag)
                found[locale.tag] = None
    finally:
        g.kb_content_locale = before
    found[None] = found[configured(current_app.config)[0].tag]  # events recorded before kb knew locales
    return found

"""Content gaps: failed searches grouped by meaning (by the embedding model when it is there, by shared words
when it is not), so that the dashboard lists each missing article once, not each way of asking for it."""

from __future__ import annotations

import re

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


def cluster_queries(items: list[dict], encoder=None) -> list[dict]:
    """Group ``[{"query", "count"}]`` (most frequent first) so that paraphrases share a group.

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
            "count": sum(items[m]["count"] for m in members[lead]),
            "queries": [items[m] for m in members[lead]],
        }
        for lead in leaders
    ]
    return sorted(groups, key=lambda g: (-g["count"], g["label"]))

"""The semantic index without a model: nearest neighbours by cosine, and the query embedding cache."""

from __future__ import annotations

import numpy as np

from search.semantic import CachingEncoder, top_k
from tests.fixtures.model import FakeEncoder


def test_top_k_matches_brute_force_on_random_vectors():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(500, 32)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    query = matrix[7] + 0.01
    hits = top_k(query, matrix, 10)
    expected = np.argsort(-(matrix @ query))[:10]
    assert [h["id"] for h in hits] == expected.tolist()
    assert hits[0]["id"] == 7
    assert all(a["score"] >= b["score"] for a, b in zip(hits, hits[1:], strict=False))


def test_top_k_respects_mask_and_small_inputs():
    matrix = np.eye(3, dtype=np.float32)
    assert [h["id"] for h in top_k(np.array([1, 0, 0], np.float32), matrix, 5, np.array([False, True, True]))] == [1, 2]
    assert top_k(np.zeros(3, np.float32), np.zeros((0, 3), np.float32), 5) == []


def counting_encoder(asked: list[list[str]]) -> type[FakeEncoder]:
    """A fake encoder class whose instances write down every batch of queries they embed in ``asked``."""

    class Counting(FakeEncoder):
        def encode_queries(self, texts):
            asked.append(list(texts))
            return super().encode_queries(texts)

    return Counting


def test_query_embeddings_are_remembered_most_recent_first():
    asked: list[list[str]] = []
    Counting = counting_encoder(asked)  # noqa: N806 (a class)

    cached = CachingEncoder(Counting(), size=2)
    first = cached.encode_queries(["reset password", "download invoice"])
    again = cached.encode_queries(["download invoice", "reset password", "download invoice"])
    assert asked == [["reset password", "download invoice"]]
    assert np.array_equal(again[1], first[0]) and np.array_equal(again[0], again[2])
    cached.encode_queries(["close account"])  # the least recently used ("reset password") makes room
    cached.encode_queries(["download invoice", "reset password"])
    assert asked[1:] == [["close account"], ["reset password"]]
    assert cached.encode_queries([]).shape == (0, FakeEncoder.dimension)


class MemoryVectors:
    """A shared store of query vectors, as Redis would hold them for every worker."""

    def __init__(self):
        self.vectors: dict[tuple[str, str], np.ndarray] = {}

    def get_many(self, model, texts):
        return {t: self.vectors[(model, t)] for t in texts if (model, t) in self.vectors}

    def put_many(self, model, vectors):
        self.vectors.update({(model, t): v for t, v in vectors.items()})


def test_a_question_another_worker_embedded_is_not_embedded_again():
    asked: list[list[str]] = []
    Counting = counting_encoder(asked)  # noqa: N806 (a class)

    shared = MemoryVectors()
    first_worker, second_worker = CachingEncoder(Counting(), shared=shared), CachingEncoder(Counting(), shared=shared)
    made = first_worker.encode_queries(["reset password"])
    found = second_worker.encode_queries(["reset password", "download invoice"])
    assert asked == [["reset password"], ["download invoice"]]
    assert np.array_equal(found[0], made[0])


def test_a_failing_shared_store_is_skipped_and_the_query_embedded():
    class Broken:
        def get_many(self, model, texts):
            raise ConnectionError("Redis is down")

        def put_many(self, model, vectors):
            raise ConnectionError("Redis is down")

    cached = CachingEncoder(FakeEncoder(), shared=Broken())
    expected = FakeEncoder().encode_queries(["reset password"])
    assert np.array_equal(cached.encode_queries(["reset password"]), expected)

"""Query vectors every worker and host shares, in Redis (``KB_REDIS_URL``): a question embedded by one worker
is not embedded again by another (the beacon's question, then the contact form's, rarely reach the same one).

Measured by ``bench/shared_cache.py`` on a 2-core AMD EPYC: a Redis hit costs 0.09 ms and a miss (the lookup,
then the store) 0.18 ms, against 6.7 ms for the model on a 30-word question and 1.7 ms on a 4-word search:
sharing pays once more than 3% (questions) to 10% (searches) of texts were embedded by another worker.
Without Redis each worker keeps its own (``search.semantic.CachingEncoder``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import time

import numpy as np

log = logging.getLogger(__name__)
PREFIX = "kb:query-vector:"
TTL = 7 * 24 * 3600  # seconds a vector is kept: the same questions come back week after week
TIMEOUT = 0.05  # seconds: slower than that, embedding is as quick
PAUSE_AFTER_FAILURE = 30.0  # seconds the store is skipped after it failed (each request would wait for it)


class RedisVectors:
    """A :class:`search.semantic.SharedVectors` over Redis: float32 bytes under a digest of model and text."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        self._skip_until = 0.0

    def get_many(self, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        if time.monotonic() < self._skip_until:
            return {}
        values = self._guarded(lambda: self.client.mget([key(model, t) for t in texts]))
        return {t: np.frombuffer(v, dtype=np.float32) for t, v in zip(texts, values, strict=True) if v is not None}

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if time.monotonic() < self._skip_until or not vectors:
            return
        pipe = self.client.pipeline(transaction=False)
        for text, vector in vectors.items():
            pipe.set(key(model, text), np.asarray(vector, dtype=np.float32).tobytes(), ex=TTL)
        self._guarded(pipe.execute)

    def _guarded(self, call):
        try:
            return call()
        except Exception:
            self._skip_until = time.monotonic() + PAUSE_AFTER_FAILURE
            raise


def key(model: str, text: str) -> str:
    return PREFIX + hashlib.sha1(f"{model}\x1f{text}".encode()).hexdigest()


def shared_vectors(config) -> RedisVectors | None:
    """The shared store of query vectors when ``REDIS_URL`` is set (and the redis package installed), else None."""
    if not config.get("REDIS_URL"):
        return None
    if importlib.util.find_spec("redis") is None:
        log.warning(
            "KB_REDIS_URL is set but the redis package is not installed (pip install 'kb[redis]'): "
            "each worker keeps its own query vectors"
        )
        return None
    return RedisVectors(config["REDIS_URL"])

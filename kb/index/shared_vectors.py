"""Query vectors every worker shares: a question embedded by one worker is not embedded again by another (the
beacon's question, then the contact form's, rarely reach the same one).

- Several hosts share them in Redis (``KB_REDIS_URL``).
- The workers of one ``kb serve`` without Redis share them in a SQLite file in ``DATA_DIR``.

Measured by ``bench/shared_cache.py`` on 2-core AMD EPYC VMs, against the model's 4.3 to 6.7 ms on a 30-word
question and 1.7 to 2.0 ms on a 4-word search:

- SQLite: a hit costs 0.011 ms and a miss (the lookup, then the store) 0.045 ms, so sharing pays once more than
  about 1% (questions) to 2% (searches) of texts were embedded by another worker;
- Redis: a hit 0.09 to 0.42 ms and a miss 0.18 to 0.84 ms (from one VM to the other), so sharing pays from 3 to
  18% (questions) and 10 to 34% (searches): worth it between hosts, which have no other way to share.

A store that fails is skipped and the query embedded (``search.semantic.CachingEncoder``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sqlite3
import time
from pathlib import Path

import numpy as np

from kb.db import WorkerSharedFile

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


FILE = "query-vectors.sqlite3"  # in DATA_DIR
MOST_KEPT = 20_000  # vectors the file keeps, the most recently embedded (about 32 MB)
TRIM_EVERY = 500  # stores by one process between two trims of the file to MOST_KEPT
BUSY_TIMEOUT_MS = 50  # another worker writing for longer than that: embedding is as quick
SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (digest BLOB PRIMARY KEY, vector BLOB NOT NULL)"


class SqliteVectors:
    """A :class:`search.semantic.SharedVectors` in a SQLite file that the workers of one host share
    (:class:`kb.db.WorkerSharedFile`): float32 bytes under a digest of model and text, the newest ``MOST_KEPT``
    kept. What a crash loses is embedded again."""

    def __init__(self, path: Path, most_kept: int = MOST_KEPT) -> None:
        self.most_kept = most_kept
        self._file = WorkerSharedFile(path, schema=SCHEMA, timeout=BUSY_TIMEOUT_MS / 1000)
        self._stored = 0
        self._file.connection()  # fails here, at start, where kb cannot write

    def get_many(self, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        digests = [digest(model, t) for t in texts]
        query = f"SELECT digest, vector FROM vectors WHERE digest IN ({','.join('?' * len(digests))})"
        rows = dict(self._file.connection().execute(query, digests))
        return {t: np.frombuffer(rows[d], dtype=np.float32) for t, d in zip(texts, digests, strict=True) if d in rows}

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        rows = [(digest(model, t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in vectors.items()]
        self._file.connection().executemany("INSERT OR REPLACE INTO vectors (digest, vector) VALUES (?, ?)", rows)
        self._stored += len(rows)
        if self._stored >= TRIM_EVERY:
            self._stored = 0
            self.trim()

    def trim(self) -> None:
        """Forget all but the ``most_kept`` most recently stored vectors (rowids grow with every store)."""
        self._file.connection().execute(
            "DELETE FROM vectors WHERE rowid <= (SELECT max(rowid) FROM vectors) - ?", (self.most_kept,)
        )


def key(model: str, text: str) -> str:
    return PREFIX + digest(model, text).hex()


def digest(model: str, text: str) -> bytes:
    return hashlib.sha1(f"{model}\x1f{text}".encode()).digest()


def shared_vectors(config) -> RedisVectors | SqliteVectors | None:
    """The shared store of query vectors: Redis when ``REDIS_URL`` is set (and the redis package installed),
    else the SQLite file of ``QUERY_VECTORS_FILE`` (set by ``kb serve`` for its workers), else None."""
    if not config.get("REDIS_URL"):
        return _sqlite_vectors(config.get("QUERY_VECTORS_FILE"))
    if importlib.util.find_spec("redis") is None:
        log.warning(
            "KB_REDIS_URL is set but the redis package is not installed (pip install 'kb[redis]'): "
            "each worker keeps its own query vectors"
        )
        return None
    return RedisVectors(config["REDIS_URL"])


def _sqlite_vectors(path: str | None) -> SqliteVectors | None:
    if not path:
        return None
    try:
        return SqliteVectors(Path(path))
    except sqlite3.Error as e:
        log.warning("cannot keep shared query vectors in %s (%s): each worker keeps its own", path, e)
        return None

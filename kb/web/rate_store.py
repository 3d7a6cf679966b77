"""Rate-limit counters every worker of one host shares, in a small SQLite file, when there is no Redis.

Flask-Limiter's own memory store counts per process, so with four workers a client got four times its limit.
This is a ``limits`` storage (fixed windows, which is what Flask-Limiter uses by default) behind the URI
``kbsqlite:///path/to/ratelimits.sqlite3``: each increment is one atomic upsert, safe across processes.
Several hosts share their counts through Redis (``KB_REDIS_URL``) instead.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time

from limits.storage import Storage

from kb.db import WorkerSharedFile

SCHEME = "kbsqlite"
SWEEP_EVERY = 1000  # increments, on average, between deletions of expired counters
SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"


class SQLiteStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self.path = (uri or "").split("://", 1)[1]
        self._file = WorkerSharedFile(self.path, schema=SCHEMA, timeout=5)
        super().__init__(
            uri, wrap_exceptions=wrap_exceptions, **options
        )  # opened on first use: the factory writes nothing

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        return self._file.connection()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        if random.randrange(SWEEP_EVERY) == 0:
            db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        (count,) = db.execute(
            "INSERT INTO counters (key, count, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN expires <= ? THEN excluded.count ELSE count + excluded.count END, "
            "expires = CASE WHEN expires <= ? THEN excluded.expires ELSE expires END RETURNING count",
            (key, amount, now + expiry, now, now),
        ).fetchone()
        return int(count)

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT count FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
        found = row.fetchone()
        return int(found[0]) if found else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))


def storage_uri(data_dir: str) -> str:
    return f"{SCHEME}:///{os.path.join(data_dir, 'ratelimits.sqlite3').lstrip('/')}"

"""Benchmark: would a query-embedding cache shared by every worker cost less than embedding again?

    .venv/bin/python bench/shared_cache.py DATA_DIR [--redis redis://127.0.0.1:6379/15] [--texts 300]

DATA_DIR holds kb's model export (``kb index`` makes it). Each worker already remembers the query vectors it
made (``search.semantic.CachingEncoder``); a shared cache would also answer a worker for a text another worker
embedded. Measured in one run: M, the int8 model's own time on each text (30-word questions and 4-word
searches), against the round trip of a 384-d vector through Redis and through a SQLite table (WAL, the
embedded default store), a hit (GET) and a miss (GET, then SET of the fresh vector). Prints the fraction of
texts that would have to be found in the shared cache, and not in the worker's own, for it to pay.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from index_build import cpu_model  # noqa: E402

from search import onnx  # noqa: E402

WORDS = (
    "password reset link email account sign in invoice billing plan upgrade export data api key beacon widget "
    "search article category team member role permission language translation mobile phone browser error page"
).split()


def texts(count: int, words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)) + f" {n}" for n in range(count)]


def median_ms(action, items) -> float:
    times = []
    for item in items:
        started = time.perf_counter()
        action(item)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def sqlite_store(folder: Path):
    db = sqlite3.connect(folder / "cache.sqlite3", isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE vectors (text TEXT PRIMARY KEY, vector BLOB)")

    def get(text: str):
        row = db.execute("SELECT vector FROM vectors WHERE text = ?", (text,)).fetchone()
        return np.frombuffer(row[0], dtype=np.float32) if row else None

    def put(text: str, vector: np.ndarray) -> None:
        db.execute("INSERT OR REPLACE INTO vectors VALUES (?, ?)", (text, vector.tobytes()))

    return get, put


def redis_store(url: str):
    import redis

    client = redis.Redis.from_url(url)
    client.ping()
    prefix = "kb-bench-vector:"

    def get(text: str):
        data = client.get(prefix + text)
        return np.frombuffer(data, dtype=np.float32) if data else None

    def put(text: str, vector: np.ndarray) -> None:
        client.set(prefix + text, vector.tobytes(), ex=600)

    return get, put


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--texts", type=int, default=300)
    args = parser.parse_args()
    encoder = onnx.OnnxEncoder(onnx.export_dir(args.data_dir), threads=1)
    encoder.encode_queries(["warm up"])
    questions, searches = texts(args.texts, 30, 1), texts(args.texts, 4, 2)
    model = {
        "30-word question": median_ms(lambda t: encoder.encode_queries([t]), questions),
        "4-word search": median_ms(lambda t: encoder.encode_queries([t]), searches),
    }
    vector = encoder.encode_queries(["a vector"])[0]
    print(f"CPU: {cpu_model()}; M (int8 model, one thread): " + ", ".join(f"{k} {v:.2f} ms" for k, v in model.items()))
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"sqlite (WAL, DATA_DIR)": sqlite_store(Path(tmp))}
        try:
            stores["redis"] = redis_store(args.redis)
        except Exception as e:  # noqa: BLE001 (no Redis here: measure the rest)
            print(f"redis: not measured ({e})")
        for name, (get, put) in stores.items():
            miss = median_ms(lambda t, get=get, put=put: get(t) is None and put(t, vector), questions)
            hit = median_ms(get, questions)
            for kind, m in model.items():
                # a shared cache pays when hits * (M - hit) > (1 - hits) * miss
                pays_at = miss / (m - hit + miss) if m > hit else float("inf")
                print(
                    f"{name:24} hit {hit:.3f} ms, miss {miss:.3f} ms; for a {kind}: pays when more than "
                    f"{pays_at:.1%} of texts are found there (and not in the worker's own cache)"
                )


if __name__ == "__main__":
    main()

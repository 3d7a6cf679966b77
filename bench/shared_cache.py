"""Benchmark: would a query-embedding cache shared by every worker cost less than embedding again?

    .venv/bin/python bench/shared_cache.py DATA_DIR [--redis redis://127.0.0.1:6379/15] [--texts 300]

DATA_DIR holds kb's model export (``kb index`` makes it). Each worker already remembers the query vectors it
made (``search.semantic.CachingEncoder``); a shared cache would also answer a worker for a text another worker
embedded. Measured in one run: M, the int8 model's own time on each text (30-word questions and 4-word
searches), against the round trip of a 384-d vector through kb's two shared stores (``kb.index.shared_vectors``:
Redis, and the SQLite file of one ``kb serve``'s workers), a hit and a miss (the lookup, then the store).
Prints the fraction of texts that would have to be found in the shared cache, and not in the worker's own,
for it to pay.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from index_build import cpu_model  # noqa: E402

from kb.index.shared_vectors import FILE, RedisVectors, SqliteVectors  # noqa: E402
from search import onnx  # noqa: E402

WORDS = (
    "password reset link email account sign in invoice billing plan upgrade export data api key beacon widget "
    "search article category team member role permission language translation mobile phone browser error page"
).split()
MODEL = f"bench-{time.time_ns()}"  # keys of this run's own


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
    store = SqliteVectors(folder / FILE)
    return lambda text: store.get_many(MODEL, [text]).get(text), lambda text, v: store.put_many(MODEL, {text: v})


def redis_store(url: str):
    store = RedisVectors(url)
    store.client.ping()
    return lambda text: store.get_many(MODEL, [text]).get(text), lambda text, v: store.put_many(MODEL, {text: v})


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
        stores = {"sqlite (DATA_DIR)": sqlite_store(Path(tmp))}
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

"""Benchmark: search latency on a large index (e.g. the officedocs-support corpus, ~14,000 sections).

    .venv/bin/python bench/search_latency.py ../shared/corpora/officedocs-support [--queries 200]

Builds a full-text index of FOLDER, then a semantic index whose vectors are random (embedding 14,000 long
sections on two cores takes a quarter of an hour, and top-k over random vectors costs exactly the same), and
times `GET /api/v1/search` through the app in each mode with the real query encoder. Prints p50/p90/p99 in ms.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from kb import create_app
from kb.analytics import events
from kb.cli import upgrade_database
from kb.content.store import Site
from kb.index.build import build_index, site_section_docs
from kb.index.layout import current_build_dir, index_root
from search import answers, semantic


class RandomEncoder:
    """Random unit vectors: what a semantic index costs to search, without the hour of embedding."""

    dimension = 384

    def __init__(self, name: str) -> None:
        self.name = name
        self.rng = np.random.default_rng(0)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        matrix = self.rng.normal(size=(len(texts), self.dimension)).astype(np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    encode_queries = encode_documents


def random_embeddings(build_dir: Path, model: str) -> None:
    """Write a semantic index over the build's sections, and their sentences (for instant answers), with random
    unit vectors."""
    docs = site_section_docs(Site.load(build_dir / "pages.json", lazy=False).pages.values())
    target = build_dir / "semantic"
    target.mkdir(exist_ok=True)
    encoder = RandomEncoder(model)
    semantic.write(docs, target, encoder)
    answers.write(docs, target, encoder, None, same_model=False)


def sample_queries(build_dir: Path, count: int) -> list[str]:
    """Queries made of article titles' words (what customers type), reproducibly shuffled."""
    rng = random.Random(0)
    titles = [p.title for p in Site.load(build_dir / "pages.json").pages.values()]
    return [
        " ".join(rng.sample(t.split(), min(4, len(t.split())))) for t in rng.sample(titles, min(count, len(titles)))
    ]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"p50 {statistics.median(ordered):6.1f} ms   p90 {pick(0.9):6.1f} ms   p99 {pick(0.99):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as data:
        report = build_index(args.folder, data, encoder=None, full=True, allow_errors=True)
        build_dir = current_build_dir(index_root(data))
        random_embeddings(build_dir, semantic.DEFAULT_MODEL)
        app = create_app(
            {"ARTICLES_DIR": str(args.folder), "DATA_DIR": data, "SECRET_KEY": "bench", "RATE_LIMIT": "off"}
        )
        with app.app_context():
            upgrade_database(app)
        client = app.test_client()
        modes = ("fulltext", "semantic", "hybrid")
        queries = sample_queries(build_dir, args.queries * len(modes))
        print(
            f"machine: {platform.machine()}, Python {platform.python_version()}; index: {report.articles} articles, "
            f"{report.sections} sections; {args.queries} queries per mode, limit 10, with snippets"
        )
        for n, mode in enumerate(modes):
            client.get("/api/v1/search", query_string={"q": "warm up", "mode": mode})
            samples = []
            for q in queries[n * args.queries : (n + 1) * args.queries]:  # each mode its own: no cached embedding
                started = time.perf_counter()
                response = client.get("/api/v1/search", query_string={"q": q, "mode": mode, "limit": 10})
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)
            print(f"{mode:9} {percentiles(samples)}")
        print("query encoder:", client.get("/healthz").get_json()["semantic"]["encoder"])
        with app.app_context():
            events.flush()  # before the data folder goes


if __name__ == "__main__":
    main()

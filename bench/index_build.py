"""Benchmark: full and incremental `kb index` of a folder of articles, with or without the real model.

    .venv/bin/python bench/index_build.py ../shared/corpora/officedocs-support [--no-semantic]

Prints sections/s for a full build, and the time of an incremental build after editing one article.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from kb.index.build import build_index
from search import semantic


class HashingEncoder:
    name = "hashing-384"
    dimension = 384

    def encode_documents(self, texts):
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                matrix[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)

    encode_queries = encode_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--no-semantic", action="store_true", help="full-text only")
    parser.add_argument("--repeat", type=int, default=5, help="incremental builds to time")
    parser.add_argument(
        "--hashing-encoder",
        action="store_true",
        help="384-d hashed bag-of-words vectors instead of the model: times everything but inference",
    )
    args = parser.parse_args()
    if args.no_semantic:
        encoder = None
    elif args.hashing_encoder:
        encoder = HashingEncoder()
    else:
        encoder = semantic.load_encoder(semantic.DEFAULT_MODEL)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        articles = Path(tmp) / "articles"
        shutil.copytree(args.folder, articles)
        data = Path(tmp) / "data"
        full = build_index(articles, data, encoder=encoder, full=True, allow_errors=True)
        print(
            f"full build: {full.articles} articles, {full.sections} sections in {full.seconds:.1f}s "
            f"= {full.sections / full.seconds:.0f} sections/s ({'with' if encoder else 'without'} embeddings)"
        )
        victim = sorted(articles.rglob("*.md"))[len(full.problems) % 7]
        times = []
        for run in range(args.repeat):
            victim.write_text(victim.read_text("utf-8") + f"\n\nEdit {run} for the benchmark.\n", "utf-8")
            started = time.perf_counter()
            incremental = build_index(articles, data, encoder=encoder, allow_errors=True)
            times.append(time.perf_counter() - started)
        print(
            f"incremental build after editing one article: median {statistics.median(times):.2f}s over {args.repeat} "
            f"runs (min {min(times):.2f}s, max {max(times):.2f}s); {incremental.rendered} article rendered, "
            f"{incremental.fulltext_updated} section re-indexed, {incremental.embedded} re-embedded"
        )


if __name__ == "__main__":
    main()

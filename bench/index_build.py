"""Benchmark: full and incremental `kb index` of a folder of articles, with or without the real model.

    .venv/bin/python bench/index_build.py ../shared/corpora/officedocs-support [--no-semantic]

Prints sections/s for a full build, and the time of an incremental build after editing one article.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from kb.build import build_index
from search import semantic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--no-semantic", action="store_true", help="full-text only")
    args = parser.parse_args()
    encoder = None if args.no_semantic else semantic.load_encoder(semantic.DEFAULT_MODEL)
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        articles = Path(tmp) / "articles"
        shutil.copytree(args.folder, articles)
        data = Path(tmp) / "data"
        full = build_index(articles, data, encoder=encoder, full=True)
        print(f"full build: {full.articles} articles, {full.sections} sections in {full.seconds:.1f}s "
              f"= {full.sections / full.seconds:.0f} sections/s ({'with' if encoder else 'without'} embeddings)")
        victim = next(articles.rglob("*.md"))
        victim.write_text(victim.read_text("utf-8") + "\n\nOne more paragraph for the benchmark.\n", "utf-8")
        started = time.perf_counter()
        incremental = build_index(articles, data, encoder=encoder)
        print(f"incremental build after editing one article: {time.perf_counter() - started:.1f}s "
              f"({incremental.fulltext_updated} sections re-indexed, {incremental.embedded} re-embedded)")


if __name__ == "__main__":
    main()

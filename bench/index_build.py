"""Benchmark: full and incremental `kb index` of a folder of articles, with or without the real model.

    .venv/bin/python bench/index_build.py ../shared/corpora/officedocs-support [--no-semantic]
    .venv/bin/python bench/index_build.py ../shared/corpora/officedocs-support --onnx instance --articles 2000

Prints sections/s for a full build, and the time of an incremental build after editing one article. With
``--onnx DATA_DIR`` (a data folder holding kb's model export), documents are embedded as `kb index` embeds
them there, with the fp32 export on every core, and the build is compared with the export's raw batch
throughput on the same sections (and on the sentences kb embeds for instant answers), in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
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
    parser.add_argument("--onnx", type=Path, default=None, help="a data folder with kb's model export")
    parser.add_argument("--articles", type=int, default=None, help="index only the first N articles")
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
    elif args.onnx:
        from search import onnx

        encoder = onnx.document_encoder(args.onnx)
        if encoder is None:
            raise SystemExit(f"{args.onnx} has no model export with the fp32 graph: run kb index there first")
    else:
        encoder = semantic.load_encoder(semantic.DEFAULT_MODEL)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        articles = Path(tmp) / "articles"
        copy_articles(args.folder, articles, args.articles)
        data = Path(tmp) / "data"
        full = build_index(articles, data, encoder=encoder, full=True, allow_errors=True)
        print(
            f"full build: {full.articles} articles, {full.sections} sections in {full.seconds:.1f}s "
            f"= {full.sections / full.seconds:.0f} sections/s ({'with' if encoder else 'without'} embeddings)"
        )
        if encoder is not None:
            print(f"  of which {full.sentences_embedded} sentences embedded for instant answers")
        if args.onnx:
            sections_s, sentences_s = raw_seconds(encoder, data)
            raw = full.sections / sections_s
            print(
                f"raw batch throughput of the export on the same sections: {raw:.0f} sections/s "
                f"({sections_s:.1f}s), and on their sentences {sentences_s:.1f}s"
            )
            print(
                f"kb index: {full.sections / full.seconds / raw:.2f}x the raw throughput on sections; "
                f"{(sections_s + sentences_s) / full.seconds:.2f}x the raw speed of all it embeds "
                f"(sections and sentences), so {full.seconds - sections_s - sentences_s:.1f}s is kb's own work"
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


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def copy_articles(source: Path, target: Path, limit: int | None) -> None:
    """The folder, or its first ``limit`` articles (with every category file), copied to ``target``."""
    if limit is None:
        shutil.copytree(source, target)
        return
    for path in sorted(source.rglob("*.md"))[:limit]:
        (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / path.relative_to(source))
    for path in source.rglob("_category.yml"):
        if (target / path.relative_to(source)).parent.is_dir():
            shutil.copy(path, target / path.relative_to(source))


def raw_seconds(encoder, data: Path) -> tuple[float, float]:
    """Seconds the encoder alone takes to embed every section of the build just made, and every sentence kb
    embeds for instant answers, each in one call."""
    from kb.content.store import Site
    from kb.index.build import site_section_docs
    from kb.index.layout import BuildFolder, current_build_dir, index_root
    from search.answers import sentence_spans

    pages = Site.load(BuildFolder(current_build_dir(index_root(data))).pages, lazy=False).pages.values()
    docs = site_section_docs(pages)
    sentences = [d.text[s:e] for d in docs for s, e in sentence_spans(d.text, d.code_spans)]
    started = time.perf_counter()
    encoder.encode_documents([doc.semantic_text for doc in docs])
    middle = time.perf_counter()
    encoder.encode_documents(sentences)
    return middle - started, time.perf_counter() - middle


if __name__ == "__main__":
    main()

"""Benchmark: kb's full-text search (ranked, with snippets) against tantivy and bm25s, on the same sections and
queries, in one run on one machine.

    .venv/bin/pip install tantivy bm25s   # for the benchmark only; kb does not depend on them
    .venv/bin/python bench/vs_peers.py ../shared/corpora/officedocs-support [--articles 2000] [--queries 300]

The queries are section headings of the corpus (short, in the corpus's words), drawn with a fixed seed. Each
engine returns its 10 best sections: kb through the same code as ``GET /api/v1/search?mode=fulltext`` (ranking,
spelling check, escaped snippets with the query's words marked); tantivy with its own snippets of the body;
bm25s (ranking only, it has no snippets). The engines take turns query by query (in a rotating order, for
``--rounds`` passes over the queries), so that whatever else the machine does slows them alike. Prints p50/p90
per query in ms and kb's p50 as a multiple of each peer's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from index_build import copy_articles, cpu_model

from kb import create_app
from kb.content.store import Site
from kb.index.build import build_index, site_section_docs
from kb.index.layout import BuildFolder, current_build_dir, index_root
from kb.query.search import run_search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the queries")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}")
    with tempfile.TemporaryDirectory(prefix="kb-peers-") as tmp:
        articles, data = Path(tmp) / "articles", Path(tmp) / "data"
        copy_articles(args.folder, articles, args.articles)
        report = build_index(articles, data, encoder=None, full=True, allow_errors=True)
        pages = Site.load(BuildFolder(current_build_dir(index_root(data))).pages, lazy=False).pages.values()
        docs = site_section_docs(pages)
        queries = pick_queries(docs, args.queries)
        print(f"{report.articles} articles, {len(docs)} sections, {len(queries)} queries (section headings)")
        engines = {
            "kb (full-text, snippets)": kb_search(articles, data, queries[0]),
            "tantivy (snippets)": tantivy_search(docs, Path(tmp) / "tantivy"),
            "bm25s (no snippets)": bm25s_search(docs),
        }
        timings = take_turns(engines, queries, args.rounds)
    kb_p50 = statistics.median(timings["kb (full-text, snippets)"])
    for name, times in timings.items():
        p50, p90 = statistics.median(times), statistics.quantiles(times, n=10)[-1]
        ratio = "" if times is timings["kb (full-text, snippets)"] else f"  kb p50 = {kb_p50 / p50:.1f}x this"
        print(f"{name:28} p50 {p50 * 1000:7.2f} ms  p90 {p90 * 1000:7.2f} ms{ratio}")


def pick_queries(docs, count: int) -> list[str]:
    headings = sorted({d.headings[-1] for d in docs if d.headings and 2 <= len(d.headings[-1].split()) <= 6})
    return random.Random(7).sample(headings, min(count, len(headings)))


def take_turns(engines: dict, queries: list[str], rounds: int) -> dict[str, list[float]]:
    """Seconds each engine took on each query, the engines taking turns on every query."""
    names = list(engines)
    times: dict[str, list[float]] = {name: [] for name in names}
    for turn, query in enumerate(query for _ in range(rounds) for query in queries):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            started = time.perf_counter()
            engines[name](query)
            times[name].append(time.perf_counter() - started)
    return times


def kb_search(articles: Path, data: Path, first_query: str):
    app = create_app({"ARTICLES_DIR": str(articles), "DATA_DIR": str(data), "SEMANTIC_ENABLED": False})
    with app.test_request_context():
        run_search(first_query, mode="fulltext", limit=10)  # opens the index

    def search(query: str) -> None:
        with app.test_request_context():
            run_search(query, mode="fulltext", limit=10)

    return search


def tantivy_search(docs, folder: Path):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    schema = builder.build()
    folder.mkdir()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer()
    for doc in docs:
        writer.add_document(tantivy.Document(title=doc.title, body=doc.text))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def search(text: str) -> None:
        query = index.parse_query_lenient(text, ["title", "body"])[0]
        generator = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
        for _, address in searcher.search(query, 10).hits:
            generator.snippet_from_doc(searcher.doc(address)).to_html()

    return search


def bm25s_search(docs):
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([f"{d.title} {d.text}" for d in docs], stopwords="en", show_progress=False))

    def search(text: str) -> None:
        retriever.retrieve(bm25s.tokenize([text], stopwords="en", show_progress=False), k=10, show_progress=False)

    return search


if __name__ == "__main__":
    main()

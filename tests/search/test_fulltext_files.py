"""The full-text index on disk and in memory: each segment's files apart, read through memory maps, so that the
many searchers of a server (one per thread of each worker) share the pages instead of each copying the index."""

from __future__ import annotations

import random
import tracemalloc

from search import fulltext
from search.documents import SectionDoc

WORDS = [f"word{i}" for i in range(3000)]


def docs(count: int) -> list[SectionDoc]:
    rng = random.Random(0)
    return [
        SectionDoc(f"a{i}", "", f"Article {i}", "cat", "published", "", (), (), " ".join(rng.choices(WORDS, k=300)))
        for i in range(count)
    ]


def test_segments_are_written_as_separate_files(tmp_path):
    fulltext.write(docs(20), tmp_path / "ft")
    names = {path.suffix for path in (tmp_path / "ft").iterdir()}
    assert ".seg" not in names  # a compound segment, which searchers would read through a copy
    assert {".pst", ".trm"} <= names


def test_searchers_read_the_index_without_copying_it(tmp_path):
    fulltext.write(docs(600), tmp_path / "ft")
    size = sum(path.stat().st_size for path in (tmp_path / "ft").iterdir())
    assert size > 1_000_000
    ix = fulltext.open_index(tmp_path / "ft")
    tracemalloc.start()
    searchers = [ix.searcher() for _ in range(6)]
    found = [fulltext.search(s, "word7 word42", limit=10).hits for s in searchers]
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert all(found) and all([h.id for h in hits] == [h.id for h in found[0]] for hits in found)
    assert held < size / 4, f"{len(searchers)} searchers hold {held} bytes of a {size}-byte index"
    for searcher in searchers:
        searcher.close()

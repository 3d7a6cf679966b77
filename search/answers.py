"""Instant answers: the one to three sentences of a section that answer a question, chosen by their meaning.

At index time each section's prose is cut into sentences, and every sentence is embedded with the sections'
own model (``semantic/sentences.npy``, beside the sections' embeddings). At query time the query vector the
ranking already made is compared with the sentences of the best section: a few dot products, no model call.
The passage is the article's own words, cut at sentence boundaries, never rewritten.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import orjson

from search.documents import SectionDoc

if TYPE_CHECKING:
    from search.semantic import Encoder

MIN_WORDS = 3  # shorter pieces ("Note:", a table cell) say too little to answer anything
LABEL_WORDS = 8  # a line this short without a full stop is a label or a table cell
MAX_SENTENCES = 40  # embedded per section: a section that long is a reference, and its first ones lead
MAX_PASSAGE_SENTENCES = 3
MAX_PASSAGE_CHARS = 420
SENTENCE_SHARE = 0.5  # a sentence's own cosine in its score, its section's cosine the rest
EXTEND_MARGIN = 0.1  # a neighbouring sentence joins the passage when its cosine is this close to the best one's
SHORT_WORDS = 10  # a passage shorter than this takes in the sentence after it ("Open Settings." says little)
BATCH_SIZE = 128
QUANTUM = 127  # a sentence vector's components in -1..1, stored as int8 in -127..127
FILES = ("sentences.npy", "sentence_starts.npy", "sentence_spans.npy")  # the vectors, and where each one is
HASHES = "sentence_sections.json"  # the content hash of each section, for incremental builds
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)\s+(?=\S)")  # also where agents' excerpts cut
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SectionText:
    """A section a passage may come from: its row in the sections' embeddings, its text, and its cosine to the
    query (calibrated, 0..1)."""

    row: int
    id: str
    text: str
    score: float


@dataclass(frozen=True)
class Passage:
    section_id: str
    text: str  # the sentences, as the article says them, on one line
    score: float  # how well it answers the query (0..1): its best sentence's cosine and its section's, averaged


def sentence_spans(text: str, code_spans: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of each sentence of its prose, in order: its lines (paragraphs, list items,
    table cells) cut after ``.``, ``!`` or ``?``; lines that are all code, and pieces too short to say
    anything (see :func:`_says_something`), are left out."""
    spans = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip() and not _all_code(start, end, code_spans):
            spans += [s for s in _cut(line, start) if _says_something(text[s[0] : s[1]])]
        start = end + 1
    return spans[:MAX_SENTENCES]


def _says_something(piece: str) -> bool:
    """A sentence, or a line long enough to be one (a table cell of a few words is a label, not an answer)."""
    words = len(_WORD.findall(piece))
    return words >= MIN_WORDS and (words >= LABEL_WORDS or piece.rstrip()[-1:] in ".!?:;")


def _all_code(start: int, end: int, code_spans: Sequence[tuple[int, int]]) -> bool:
    return any(code_start <= start and end <= code_end for code_start, code_end in code_spans)


def _cut(line: str, offset: int) -> list[tuple[int, int]]:
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(line):
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, len(line.rstrip())))
    return [(offset + s + _leading_space(line[s:e]), offset + e) for s, e in pieces if line[s:e].strip()]


def _leading_space(piece: str) -> int:
    return len(piece) - len(piece.lstrip())


@dataclass
class SentenceIndex:
    """Every sentence vector of a build part, grouped by section in the order of the sections' embeddings.

    None of it is read at load (a help center of 12,000 sections has 60,000 sentences): a question reads only
    the rows of the article it answers from, with ``pread`` (see :class:`RowFile`)."""

    matrix: np.ndarray  # (sentences, dim) int8: each unit vector times QUANTUM, rounded (see :func:`quantized`)
    starts: np.ndarray  # section row -> its first sentence row; one more entry at the end
    spans: np.ndarray  # (sentences, 2): sentence row -> (start, end) in its section's text
    folder: Path | None = None  # where it was loaded from (its sections' hashes are read from there when asked)
    file: RowFile | None = None  # the matrix's rows, read on demand (queries); builds read ``matrix``, mapped

    @classmethod
    def load(cls, index_dir: Path) -> SentenceIndex:
        matrix, starts, spans = (_mapped(index_dir / name) for name in FILES)
        return cls(matrix, starts, spans, index_dir, RowFile(index_dir / FILES[0]))

    @cached_property
    def by_hash(self) -> dict[str, int]:
        """Section content hash -> section row (what an incremental build reuses vectors by)."""
        if self.folder is None:
            return {}
        hashes = orjson.loads((self.folder / HASHES).read_bytes())
        return {h: row for row, h in enumerate(hashes)}

    def rows(self, section_row: int) -> range:
        return range(int(self.starts[section_row]), int(self.starts[section_row + 1]))

    def cosines(self, rows: range, vector: np.ndarray) -> list[float]:
        """The cosine of each sentence of ``rows`` to ``vector`` (a unit vector)."""
        block = (self.file.rows(rows) if self.file else self.matrix[rows.start : rows.stop]).astype(np.float32)
        norms = np.linalg.norm(block, axis=1)
        return (block @ vector / np.where(norms == 0, 1, norms)).tolist()

    def covers(self, section_row: int) -> bool:
        return 0 <= section_row < len(self.starts) - 1

    def passage(
        self, sections: Sequence[SectionText], vector: np.ndarray, calibrate: Callable[[float], float]
    ) -> Passage | None:
        """The passage of ``sections`` (one article's) that answers the query ``vector`` best. A sentence scores
        its own cosine and, as much, its section's: a sentence read alone is easily close to a question by its
        words ("Save this as reset-password.md" to "reset my password"), and the section says what it is about."""
        best: tuple[float, SectionText, list[float]] | None = None
        ranges = [self.rows(section.row) for section in sections]
        if not any(ranges):
            return None
        offset = min(r.start for r in ranges if r)
        every = self.cosines(range(offset, max(r.stop for r in ranges)), vector)  # an article's rows follow each other
        for section, rows in zip(sections, ranges, strict=True):
            if not rows:
                continue
            cosines = [calibrate(c) for c in every[rows.start - offset : rows.stop - offset]]
            score = SENTENCE_SHARE * max(cosines) + (1 - SENTENCE_SHARE) * section.score
            if best is None or score > best[0]:
                best = (score, section, cosines)
        if best is None:
            return None
        score, section, cosines = best
        rows = self.rows(section.row)
        spans = [(int(s), int(e)) for s, e in self.spans[rows.start : rows.stop]]
        chosen = choose_sentences(cosines, spans, section.text)
        first, last = spans[chosen[0]], spans[chosen[-1]]
        return Passage(section.id, " ".join(section.text[first[0] : last[1]].split()), score)


def choose_sentences(scores: list[float], spans: list[tuple[int, int]], text: str) -> list[int]:
    """The indexes of the sentences that make the passage: the best one, and the neighbours that come right
    before or after it in the text and score nearly as well (or follow a passage too short to stand alone)."""
    best = max(range(len(scores)), key=scores.__getitem__)
    chosen = [best]

    def adjacent(a: int, b: int) -> bool:  # sentence b follows sentence a with only spacing between them
        return b == a + 1 and not text[spans[a][1] : spans[b][0]].strip()

    def length(rows: list[int]) -> int:
        return spans[rows[-1]][1] - spans[rows[0]][0]

    while len(chosen) < MAX_PASSAGE_SENTENCES:
        before, after = chosen[0] - 1, chosen[-1] + 1
        options = []
        if before >= 0 and adjacent(before, chosen[0]):
            options.append((scores[before], [before, *chosen]))
        if after < len(spans) and adjacent(chosen[-1], after):
            short = len(_WORD.findall(text[spans[chosen[0]][0] : spans[chosen[-1]][1]])) < SHORT_WORDS
            options.append((scores[after] + (1.0 if short else 0.0), [*chosen, after]))
        options = [(s, rows) for s, rows in options if length(rows) <= MAX_PASSAGE_CHARS]
        if not options:
            break
        score, rows = max(options, key=lambda o: o[0])
        if score < scores[best] - EXTEND_MARGIN:
            break
        chosen = rows
    return chosen


def write(
    docs: list[SectionDoc], index_dir: Path, encoder: Encoder, previous: SentenceIndex | None, same_model: bool
) -> tuple[int, int]:
    """Embed the sentences of ``docs`` into ``index_dir``, reusing ``previous``'s for sections whose content
    hash is unchanged (when it was made with the same model). Returns (sentences reused, sentences embedded)."""
    reusable = previous.by_hash if previous is not None and same_model else {}
    spans_of = [  # an unchanged section's sentences are where they were (cutting 12,000 sections takes 1 s)
        _spans_at(previous, reusable[d.hash])
        if d.hash in reusable and previous is not None
        else sentence_spans(d.text, d.code_spans)
        for d in docs
    ]
    todo = [
        (row, i, doc.text[s:e])
        for row, (doc, spans) in enumerate(zip(docs, spans_of, strict=True))
        if doc.hash not in reusable
        for i, (s, e) in enumerate(spans)
    ]
    starts = np.cumsum([0] + [len(spans) for spans in spans_of]).tolist()
    matrix = np.zeros((starts[-1], encoder.dimension), dtype=np.int8)
    for row, doc in enumerate(docs):
        if doc.hash in reusable and previous is not None:
            old = previous.rows(reusable[doc.hash])
            matrix[starts[row] : starts[row + 1]] = previous.matrix[old.start : old.stop]
    order = sorted(range(len(todo)), key=lambda t: len(todo[t][2]))  # little padding in each batch
    for first in range(0, len(order), BATCH_SIZE):
        batch = [todo[t] for t in order[first : first + BATCH_SIZE]]
        vectors = encoder.encode_documents([sentence for _, _, sentence in batch])
        for (row, i, _), vector in zip(batch, vectors, strict=True):
            matrix[starts[row] + i] = quantized(vector)
    flat = [s for spans in spans_of for s in spans]
    for name, array in zip(FILES, (matrix, starts, flat), strict=True):
        np.save(index_dir / name, np.asarray(array, dtype=matrix.dtype if array is matrix else np.int32))
    (index_dir / HASHES).write_bytes(orjson.dumps([d.hash for d in docs]))
    return starts[-1] - len(todo), len(todo)


def _spans_at(index: SentenceIndex, section_row: int) -> list[tuple[int, int]]:
    rows = index.rows(section_row)
    return [(start, end) for start, end in index.spans[rows.start : rows.stop].tolist()]


def quantized(vector: np.ndarray) -> np.ndarray:
    """A unit vector as int8: a quarter of float32's memory (60,000 sentences take 23 MB, shared by every
    worker), and cosines off by 0.002 on average, 0.008 at most, which is far below what tells sentences apart."""
    return np.clip(np.rint(np.asarray(vector, dtype=np.float32) * QUANTUM), -QUANTUM, QUANTUM).astype(np.int8)


def exists(index_dir: Path) -> bool:
    return all((index_dir / name).is_file() for name in (*FILES, HASHES))


class RowFile:
    """The rows of a 2-D ``.npy`` matrix, read on demand with ``pread`` on a descriptor kept open.

    Mapped instead, every page a worker ever read (and the pages the kernel maps around each one) would count
    in that worker's memory; read, they stay in the kernel's page cache, shared, and given back when memory is
    short. A question reads one article's rows, a few kilobytes: a system call costs less than a page fault."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            version = np.lib.format.read_magic(file)
            read_header = (
                np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(file)
            if fortran or len(shape) != 2:
                raise ValueError(f"{path}: not a C-ordered matrix")
            self.data_at = file.tell()
        self.dtype, self.shape = np.dtype(dtype), shape
        self.row_bytes = self.dtype.itemsize * shape[1]
        self._fd = os.open(path, os.O_RDONLY)  # not inherited by programs kb runs (PEP 446)
        self._closer = weakref.finalize(self, os.close, self._fd)

    def rows(self, rows: range) -> np.ndarray:
        start, stop = max(0, rows.start), min(self.shape[0], rows.stop)
        if stop <= start:
            return np.zeros((0, self.shape[1]), dtype=self.dtype)
        data = os.pread(self._fd, (stop - start) * self.row_bytes, self.data_at + start * self.row_bytes)
        return np.frombuffer(data, dtype=self.dtype).reshape(stop - start, self.shape[1])


def _mapped(path: Path) -> np.ndarray:
    # a plain array view of the map: slicing a np.memmap makes a new memmap object each time
    return np.load(path, mmap_mode="r").view(np.ndarray)

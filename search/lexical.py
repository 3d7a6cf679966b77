"""BM25F ranking of sections as numpy arrays, for keyword queries in a few milliseconds.

Whoosh (``search.fulltext``) stays the full-text index of record: it analyzes, corrects spelling, matches
phrases and highlights. But scoring an OR of every query word over every field in pure Python costs about
100 ms on 14,000 sections, so plain keyword ranking uses this precomputed form of the same model instead:
the same analyzer, the same field boosts, and Robertson's BM25F, where each field's term frequency is
length-normalized and boosted, summed, and only then saturated:

    tf~(t, d) = sum over fields f of boost_f * tf_f(t, d) / (1 - b + b * len_f(d) / avglen_f)
    score(q, d) = sum over t in q of idf(t) * tf~(t, d) / (k1 + tf~(t, d))

The per-(term, section) weights are computed at build time and stored term-major (CSR), so a query is a
few array slices and one ``bincount``. Each section's analyzed terms are kept too, keyed by content hash,
so an incremental build only analyzes the sections that changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from whoosh.analysis import Analyzer

from search.analysis import DEFAULT_LANGUAGE, analyzer_language
from search.documents import SectionDoc, field_texts

K1 = 1.2
B = 0.75
COORD_SCALE = 0.9
FULL_MATCH_TERMS = 10


@dataclass
class LexicalIndex:
    vocab: dict[str, int]
    indptr: np.ndarray  # (terms + 1,) int64: postings of term t are [indptr[t], indptr[t + 1])
    docs: np.ndarray  # (postings,) int32 section rows
    weights: np.ndarray  # (postings,) float32 BM25F contributions
    matched: np.ndarray  # (postings,) uint8: in how many fields the term occurs in the section
    term_fields: np.ndarray  # (terms,) uint8: in how many fields the term occurs anywhere
    ids: list[str]
    statuses: np.ndarray
    categories: np.ndarray
    language: str = DEFAULT_LANGUAGE  # of the analyzer that made the terms (search.analysis)

    @classmethod
    def load(cls, index_dir: Path) -> LexicalIndex:
        meta = orjson.loads((index_dir / "lexical.json").read_bytes())
        return cls(
            vocab={term: i for i, term in enumerate(meta["vocab"])},
            indptr=np.load(index_dir / "indptr.npy"),
            docs=np.load(index_dir / "docs.npy"),
            weights=np.load(index_dir / "weights.npy"),
            matched=np.load(index_dir / "matched.npy"),
            term_fields=np.load(index_dir / "term_fields.npy"),
            ids=meta["ids"],
            statuses=np.array(meta["statuses"]),
            categories=np.array(meta["categories"]),
            language=meta.get("language", DEFAULT_LANGUAGE),
        )

    def search(
        self,
        terms: list[str],
        limit: int,
        *,
        category: str | None = None,
        include_internal: bool = False,
        term_weights: dict[str, float] | None = None,
        extra: dict[str, float] | None = None,
    ) -> list[tuple[str, float]]:
        """The best ``limit`` sections for the analyzed ``terms`` as ``[(id, score)]``, best first.

        ``term_weights`` scales each term's contribution (1.0 when absent): how much a word of a long text
        counts, for example more for the words of a conversation's latest turn than for those said before.
        ``extra`` is score some sections get besides their terms' (a phrase's, by section id)."""
        known = [t for t in dict.fromkeys(terms) if t in self.vocab]
        rows = [self.vocab[t] for t in known]
        if not (rows or extra) or not self.ids:
            return []
        scores: np.ndarray = np.zeros(len(self.ids))
        if rows:
            spans = [slice(self.indptr[r], self.indptr[r + 1]) for r in rows]
            docs = np.concatenate([self.docs[s] for s in spans])
            contributions = [self.weights[s] for s in spans]
            if term_weights is not None:
                contributions = [c * term_weights.get(t, 1.0) for c, t in zip(contributions, known, strict=True)]
            scores = np.bincount(docs, weights=np.concatenate(contributions), minlength=len(self.ids))
            matched = [self.matched[s] for s in spans]
            matching = np.bincount(docs, weights=np.concatenate(matched), minlength=len(self.ids))
            scores = coordinate(scores, matching, int(self.term_fields[rows].sum()))
        if extra:
            rows_of = [(self.row_of[i], score) for i, score in extra.items() if i in self.row_of]
            if rows_of:
                at, added = zip(*rows_of, strict=True)
                scores[list(at)] += added
        if not include_internal:
            scores[self.statuses == "internal"] = 0.0
        if category:
            scores[self.categories != category] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-scores[candidates], limit - 1)[:limit]]
        ordered = candidates[np.lexsort((candidates, -scores[candidates]))]
        return [(self.ids[i], float(scores[i])) for i in ordered]

    @cached_property
    def row_of(self) -> dict[str, int]:
        """Each section id's row in the arrays."""
        return {section: row for row, section in enumerate(self.ids)}

    def best_possible(self, terms: list[str], term_weights: dict[str, float] | None = None) -> float:
        """The score of a full match, what a section's score is measured against to tell a full match from a
        partial one: matching the query's ``FULL_MATCH_TERMS`` weightiest words as well as the best section
        matching each does (a long text's many words are never all in one section). A word no section has
        counts as a rare word would, so that a query of unknown words never looks fully matched."""
        if not self.ids:
            return 1.0
        weighted = []
        for term in dict.fromkeys(terms):
            row = self.vocab.get(term)
            best = float(self._best_weights[row]) if row is not None else self._rare_weight
            weighted.append(best * (term_weights.get(term, 1.0) if term_weights is not None else 1.0))
        return sum(sorted(weighted, reverse=True)[:FULL_MATCH_TERMS]) or 1.0

    @cached_property
    def _best_weights(self) -> np.ndarray:
        """(terms,) the highest contribution of each term to any section."""
        return np.maximum.reduceat(self.weights, self.indptr[:-1]) if len(self.weights) else np.zeros(0, np.float32)

    @cached_property
    def _rare_weight(self) -> float:
        return float(np.percentile(self._best_weights, 90)) if len(self._best_weights) else 1.0


def coordinate(scores: np.ndarray, matching: np.ndarray, term_count: int, scale: float = COORD_SCALE) -> np.ndarray:
    """Whoosh's coordination bonus ("short query ranking"): sections matching more of the query's
    (term, field) pairs score higher. Sections that match nothing stay at 0."""
    if term_count <= 1:
        return scores
    bonus = (scores + (matching - 1) / (term_count - scale) ** 2) * ((term_count - 1) / term_count)
    return np.where(matching > 0, bonus, 0.0)


def analyze(doc: SectionDoc, analyzer: Analyzer, fields: Sequence[str]) -> tuple[list[str], list[int], list[int]]:
    """(terms, field numbers, term frequencies) of one section, field by field."""
    terms, field_numbers, counts = [], [], []
    texts = field_texts(doc)
    for number, name in enumerate(fields):
        for term, count in Counter(t.text for t in analyzer(texts[name])).items():
            terms.append(term)
            field_numbers.append(number)
            counts.append(count)
    return terms, field_numbers, counts


def write(
    docs: list[SectionDoc],
    index_dir: Path,
    analyzer: Analyzer,
    boosts: dict[str, float],
    previous: Path | None = None,
) -> int:
    """Write the BM25F arrays for ``docs``; returns how many sections had to be analyzed.

    The analyzed postings of each section are stored too (``raw_*.npy``), so that the next build takes an
    unchanged section's postings from ``previous`` as array slices instead of analyzing its text again.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fields = list(boosts)
    language = analyzer_language(analyzer)
    before = _load_raw(previous, fields, language) if previous is not None else None
    vocab, pieces, analyzed = _section_postings(docs, analyzer, fields, before)
    sizes = np.array([len(p[0]) for p in pieces], dtype=np.int64)
    terms_all = _joined([p[0] for p in pieces], np.int32)
    fields_all = _joined([p[1] for p in pieces], np.int8)
    counts_all = _joined([p[2] for p in pieces], np.int32)
    used, terms_all = np.unique(terms_all, return_inverse=True)  # drop words no section uses any more
    vocab = [vocab[i] for i in used]
    rows = np.repeat(np.arange(len(docs), dtype=np.int64), sizes)
    arrays = _weights(
        rows,
        terms_all.astype(np.int64),
        fields_all.astype(np.int64),
        counts_all.astype(np.float32),
        _field_lengths(rows, fields_all, counts_all, len(docs), len(fields)),
        np.array([boosts[f] for f in fields], np.float32),
        len(vocab),
    )
    arrays.update(
        raw_terms=terms_all.astype(np.int32),
        raw_fields=fields_all,
        raw_counts=counts_all,
        raw_offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
    )
    _save(index_dir, arrays, {**_meta(docs, vocab, fields), "language": language})
    return analyzed


Piece = tuple[np.ndarray, np.ndarray, np.ndarray]  # one section's postings: (term ids, field numbers, counts)


def _section_postings(
    docs: list[SectionDoc], analyzer: Analyzer, fields: list[str], before: dict[str, Any] | None
) -> tuple[list[str], list[Piece], int]:
    """(vocabulary, postings of each section, sections analyzed): an unchanged section's postings are taken
    from the previous build's ``before``, the others' made by analyzing their text."""
    vocab: list[str] = list(before["vocab"]) if before else []
    term_ids = {t: i for i, t in enumerate(vocab)}
    row_of = {h: i for i, h in enumerate(before["hashes"])} if before else {}
    pieces: list[Piece] = []
    analyzed = 0
    for doc in docs:
        row = row_of.get(doc.hash)
        if before is not None and row is not None:
            start, end = before["offsets"][row], before["offsets"][row + 1]
            pieces.append((before["terms"][start:end], before["fields"][start:end], before["counts"][start:end]))
            continue
        terms, field_numbers, counts = analyze(doc, analyzer, fields)
        ids = [term_ids.setdefault(t, len(term_ids)) for t in terms]
        vocab.extend(list(term_ids)[len(vocab) :])
        pieces.append((np.array(ids, np.int32), np.array(field_numbers, np.int8), np.array(counts, np.int32)))
        analyzed += 1
    return vocab, pieces, analyzed


def _joined(arrays: list[np.ndarray], dtype: type[np.generic]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype)


def _field_lengths(rows: np.ndarray, fields: np.ndarray, counts: np.ndarray, n_docs: int, n_fields: int) -> np.ndarray:
    """(sections, fields) float32: how many terms each field of each section holds."""
    cells = rows * n_fields + fields.astype(np.int64)
    lengths = np.bincount(cells, weights=counts, minlength=n_docs * n_fields)
    return lengths.reshape(n_docs, n_fields).astype(np.float32)


def _meta(docs: list[SectionDoc], vocab: list[str], fields: list[str]) -> dict[str, Any]:
    return {
        "vocab": vocab,
        "ids": [d.id for d in docs],
        "hashes": [d.hash for d in docs],
        "statuses": [d.status for d in docs],
        "categories": [d.category for d in docs],
        "fields": fields,
        "k1": K1,
        "b": B,
    }


def _save(index_dir: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    for name, array in arrays.items():
        np.save(index_dir / f"{name}.npy", array)
    (index_dir / "lexical.json").write_bytes(orjson.dumps(meta))


def stored_hashes(index_dir: Path) -> dict[str, str]:
    """Section id -> content hash of the sections in the index at ``index_dir``."""
    meta = orjson.loads((index_dir / "lexical.json").read_bytes())
    return dict(zip(meta["ids"], meta.get("hashes", [""] * len(meta["ids"])), strict=True))


def _weights(
    rows: np.ndarray,
    terms: np.ndarray,
    fields: np.ndarray,
    counts: np.ndarray,
    lengths: np.ndarray,
    boosts: np.ndarray,
    vocab_size: int,
) -> dict[str, np.ndarray]:
    n_docs = max(len(lengths), 1)
    n_fields = lengths.shape[1]
    average = np.maximum(lengths.mean(axis=0), 1e-9) if len(lengths) else np.ones(n_fields, np.float32)
    # document frequency per (field, term), as Whoosh computes idf per field
    field_term = fields * vocab_size + terms
    df = np.bincount(field_term, minlength=n_fields * vocab_size)
    idf = np.log(n_docs / (df[field_term] + 1.0)) + 1.0
    norm = 1.0 - B + B * lengths[rows, fields] / average[fields]
    per_field = boosts[fields] * idf * counts * (K1 + 1) / (counts + K1 * norm)
    key = terms * n_docs + rows  # one entry per (term, section): fields summed
    unique, inverse = np.unique(key, return_inverse=True)
    weights = np.bincount(inverse, weights=per_field).astype(np.float32)
    matched = np.bincount(inverse).astype(np.uint8)  # in how many fields the term occurs
    term_of, doc_of = unique // n_docs, unique % n_docs
    indptr = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_of, minlength=vocab_size), out=indptr[1:])
    term_fields = (df.reshape(n_fields, vocab_size) > 0).sum(axis=0).astype(np.uint8)
    return {
        "indptr": indptr,
        "docs": doc_of.astype(np.int32),
        "weights": weights,
        "matched": matched,
        "term_fields": term_fields,
    }


def _load_raw(previous: Path, fields: list[str], language: str) -> dict[str, Any] | None:
    if not (previous / "raw_offsets.npy").is_file() or not exists(previous):
        return None
    meta = orjson.loads((previous / "lexical.json").read_bytes())
    if meta.get("fields") != fields or "hashes" not in meta or meta.get("language", DEFAULT_LANGUAGE) != language:
        return None
    return {
        "vocab": meta["vocab"],
        "hashes": meta["hashes"],
        "offsets": np.load(previous / "raw_offsets.npy"),
        "terms": np.load(previous / "raw_terms.npy"),
        "fields": np.load(previous / "raw_fields.npy"),
        "counts": np.load(previous / "raw_counts.npy"),
    }


def exists(index_dir: Path) -> bool:
    return (index_dir / "lexical.json").is_file()

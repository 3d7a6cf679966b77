"""Instant answers' sentences: how a section is cut into them, how a passage is chosen, and how they are kept."""

from __future__ import annotations

import numpy as np

from search import answers
from search.answers import SectionText, SentenceIndex, choose_sentences, sentence_spans
from search.documents import SectionDoc
from tests.fixtures.model import FakeEncoder


def sentences_of(text: str, code_spans=()) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text, code_spans)]


def test_a_section_is_cut_into_its_sentences_and_list_items():
    text = (
        "Open the sign-in page. Choose Forgot password, e.g. from the menu!\n"
        "Enter the email address of your account here"
    )
    assert sentences_of(text) == [
        "Open the sign-in page.",
        "Choose Forgot password, e.g. from the menu!",
        "Enter the email address of your account here",
    ]


def test_code_blocks_labels_and_fragments_are_not_sentences():
    code = "pip install kb\nkb serve --port 5000"
    text = f"Run these commands in a terminal:\n{code}\nAPI key\nSee below.\nWebsites that may embed it"
    start = text.index(code)
    assert sentences_of(text, [(start, start + len(code))]) == ["Run these commands in a terminal:"]


def test_inline_code_stays_in_its_sentence():
    text = "Set KB_BEACON_ORIGINS to your site's origin. Restart kb afterwards."
    spans = [(4, 21)]
    assert sentences_of(text, spans) == ["Set KB_BEACON_ORIGINS to your site's origin.", "Restart kb afterwards."]


def test_the_passage_takes_in_close_neighbours_and_stops_at_three_sentences():
    text = " ".join(f"{' '.join(['word'] * 6)} {n}." for n in ("one", "two", "three", "four"))
    spans = sentence_spans(text)
    assert choose_sentences([0.2, 0.8, 0.75, 0.3], spans, text) == [1, 2]
    assert choose_sentences([0.74, 0.8, 0.75, 0.7], spans, text) == [0, 1, 2]
    assert choose_sentences([0.1, 0.9, 0.2, 0.1], spans, text) == [1, 2]  # too short alone: the next one joins


def test_a_passage_never_bridges_a_code_block():
    code = "kb index --full"
    text = f"Rebuild the whole index with this command, which takes a while:\n{code}\nThe old index keeps serving."
    start = text.index(code)
    spans = sentence_spans(text, [(start, start + len(code))])
    assert len(spans) == 2
    assert choose_sentences([0.9, 0.89], spans, text) == [0]


def test_a_sentence_scores_with_its_section_so_a_stray_word_does_not_win():
    encoder = FakeEncoder()
    texts = ["Save the example file as reset-password.md in your articles folder.", "Forgot your password?"]
    sections = ["Article format: fields and folders", "Reset your password when you forgot it"]
    vectors = np.stack([answers.quantized(v) for v in encoder.encode_documents(texts)])
    index = SentenceIndex(vectors, np.array([0, 1, 2]), np.array([(0, len(t)) for t in texts]))
    section_vectors = encoder.encode_documents(sections)
    query = encoder.encode_queries(["reset password forgot"])[0]
    candidates = [SectionText(row, f"s#{row}", texts[row], float(section_vectors[row] @ query)) for row in (0, 1)]
    found = index.passage(candidates, query, lambda c: c)
    assert found is not None and found.section_id == "s#1"
    assert found.text == "Forgot your password?"
    assert 0 < found.score <= 1


def doc(anchor: str, text: str) -> SectionDoc:
    return SectionDoc("slug", anchor, "Title", "cat", "published", "", (), (anchor,), text)


def test_unchanged_sections_keep_their_sentence_vectors(tmp_path):
    class Counting(FakeEncoder):
        texts: list[str] = []

        def encode_documents(self, texts):
            self.texts = [*self.texts, *texts]
            return super().encode_documents(texts)

    first = [doc("a", "Alpha sentence one here. Alpha sentence two here."), doc("b", "Beta words stay the same.")]
    (tmp_path / "one").mkdir()
    assert answers.write(first, tmp_path / "one", FakeEncoder(), None, same_model=False) == (0, 3)
    before = SentenceIndex.load(tmp_path / "one")
    changed = [doc("b", "Beta words stay the same."), doc("a", "Alpha changed entirely now.")]
    encoder = Counting()
    (tmp_path / "two").mkdir()
    assert answers.write(changed, tmp_path / "two", encoder, before, same_model=True) == (1, 1)
    assert encoder.texts == ["Alpha changed entirely now."]
    after = SentenceIndex.load(tmp_path / "two")
    assert after.starts.tolist() == [0, 1, 2]
    assert after.spans.tolist() == [[0, 25], [0, 27]]
    np.testing.assert_allclose(after.matrix[0], before.matrix[2])
    fresh = FakeEncoder().encode_documents(["Alpha changed entirely now."])[0]
    np.testing.assert_array_equal(after.matrix[1], answers.quantized(fresh))
    assert after.matrix.dtype == np.int8


def test_quantized_sentence_vectors_keep_their_cosines():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[0] + 0.5 * vectors[1]
    query /= np.linalg.norm(query)
    index = SentenceIndex(np.stack([answers.quantized(v) for v in vectors]), np.array([0, 50]), np.zeros((50, 2)))
    np.testing.assert_allclose(index.cosines(range(50), query), vectors @ query, atol=0.01)


def test_sentence_rows_are_read_from_the_saved_matrix(tmp_path):
    matrix = np.random.default_rng(1).integers(-127, 128, size=(9, 384), dtype=np.int8)
    np.save(tmp_path / "m.npy", matrix)
    rows = answers.RowFile(tmp_path / "m.npy")
    np.testing.assert_array_equal(rows.rows(range(3, 7)), matrix[3:7])
    np.testing.assert_array_equal(rows.rows(range(8, 12)), matrix[8:])  # clipped at the end
    assert rows.rows(range(4, 4)).shape == (0, 384)

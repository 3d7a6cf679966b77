from __future__ import annotations

import re
import shutil
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from werkzeug.serving import make_server

from kb import create_app
from kb.build import build_index

TESTS = Path(__file__).parent
ARTICLES = TESTS / "articles"


class FakeEncoder:
    """Deterministic bag-of-words vectors: texts that share (content) words are close. No model, no torch."""

    name = "fake-encoder"
    dimension = 1024

    def _encode(self, texts: list[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w{4,}", text.lower()):  # short words are mostly function words
                matrix[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    def encode_documents(self, texts):
        return self._encode(texts)

    def encode_queries(self, texts):
        return self._encode(texts)


def make_config(data_dir: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "ARTICLES_DIR": str(ARTICLES),
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "test-secret",
        "RATE_LIMIT": "off",
        "SUGGEST_MIN_SCORE": 0.05,  # the fake encoder's cosines are lower than the real model's
        "EMBEDDING_MODEL": FakeEncoder.name,
        "ENCODER_FACTORY": FakeEncoder,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory) -> Path:
    """An index of tests/articles built once per session (read-only for tests)."""
    data_dir = tmp_path_factory.mktemp("data")
    build_index(ARTICLES, data_dir, encoder=FakeEncoder())
    return data_dir


@pytest.fixture
def app(built_data_dir, tmp_path):
    return create_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def articles_copy(tmp_path) -> Path:
    """A writable copy of tests/articles, for tests that edit articles."""
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class LiveServer:
    def __init__(self, app, host: str = "127.0.0.1"):
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free local port (for browser tests)."""
    with LiveServer(app) as server:
        yield server

"""The int8 ONNX query model: exported by kb index, checked against the original, used without torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from kb.index.build import export_query_model
from kb.state import state_of
from search import onnx
from tests.fixtures.app import ARTICLES, make_app, make_config

pytestmark = pytest.mark.slow
QUERIES = ["How do I reset my password?", "download last month's invoice as a PDF", "two factor codes rejected"]


def test_the_export_is_checked_on_every_section(exported_dir):
    meta = onnx.exported(exported_dir)
    assert meta["min_cosine"] >= onnx.MIN_COSINE and meta["checked_texts"] > 10
    assert (onnx.export_dir(exported_dir) / onnx.FILE).stat().st_size < 30_000_000  # int8: a quarter of fp32
    assert export_query_model(exported_dir, None) is None  # done once


def test_int8_query_vectors_match_the_original_model(exported_dir, real_encoder):
    ours = onnx.OnnxEncoder(onnx.export_dir(exported_dir)).encode_queries(QUERIES)
    theirs = real_encoder.encode_queries(QUERIES)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-3)
    assert (ours * theirs).sum(axis=1).min() >= onnx.MIN_COSINE


def test_long_query_batches_match_the_original_model(exported_dir, real_encoder):
    # every query run hands the arena's memory back when it ends (onnx.OnnxEncoder): a long batch, then more
    chat = [" ".join(["my invoice shows a charge twice after I changed plans"] * 30), "refund please", QUERIES[0]]
    encoder = onnx.OnnxEncoder(onnx.export_dir(exported_dir))
    ours = np.vstack([encoder.encode_queries(chat), encoder.encode_queries(QUERIES)])
    theirs = np.vstack([real_encoder.encode_queries(chat), real_encoder.encode_queries(QUERIES)])
    assert (ours * theirs).sum(axis=1).min() >= onnx.MIN_COSINE


def run_in_a_fresh_python(script: str, data_dir) -> dict:
    """What ``script`` prints last, as JSON, run in a new interpreter (so ``sys.modules`` tells what kb imported)
    with kb's settings pointing at ``data_dir`` and the test articles."""
    env = {
        **os.environ,
        "KB_DATA_DIR": str(data_dir),
        "KB_ARTICLES_DIR": str(ARTICLES),
        "KB_DATABASE_URL": "sqlite://",
        "KB_SECRET_KEY": "x",
    }
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_serving_uses_the_export_without_importing_torch(exported_dir):
    script = (
        "import sys, json\n"
        "from kb import create_app\n"
        "from kb.cli import upgrade_database\n"
        "app = create_app()\n"
        "with app.app_context(): upgrade_database(app)\n"
        "client = app.test_client()\n"
        "answer = client.post('/api/v1/suggest', json={'text': 'I forgot my password and the link expired'})\n"
        "print(json.dumps({'slugs': [s['slug'] for s in answer.get_json()['suggestions']],\n"
        "    'encoder': client.get('/healthz').get_json()['semantic']['encoder'],\n"
        "    'torch': 'torch' in sys.modules}))\n"
    )
    outcome = run_in_a_fresh_python(script, exported_dir)
    assert outcome == {"slugs": outcome["slugs"], "encoder": "onnx-int8", "torch": False}
    assert outcome["slugs"][0] == "reset-password"


def encoder_kind(data_dir, **settings) -> str:
    app = make_app(
        make_config(data_dir, DATABASE_URL="sqlite://", EMBEDDING_MODEL="all-MiniLM-L6-v2", **settings),
        encoder_factory=None,
    )
    with app.app_context():
        holder = state_of(app).encoder
        holder.get()
        return holder.kind


def test_falls_back_to_sentence_transformers(exported_dir, tmp_path, monkeypatch):
    assert encoder_kind(exported_dir) == "onnx-int8"
    assert encoder_kind(exported_dir, ONNX_ENABLED=False) == "sentence-transformers"
    broken = tmp_path / "broken"
    shutil.copytree(exported_dir, broken)
    (onnx.export_dir(broken) / onnx.FILE).write_bytes(b"not a model")
    assert encoder_kind(broken) == "sentence-transformers"
    monkeypatch.setattr(onnx, "is_available", lambda: False)  # onnxruntime not installed
    assert encoder_kind(exported_dir) == "sentence-transformers"


def test_fp32_document_vectors_match_sentence_transformers_on_every_shipped_section(exported_dir, real_encoder):
    from kb.config import SHIPPED_ARTICLES
    from kb.content.pages import compile_articles
    from kb.content.store import Site
    from kb.index.build import site_section_docs

    compiled = compile_articles(SHIPPED_ARTICLES)
    texts = [doc.semantic_text for doc in site_section_docs(Site(compiled.pages, compiled.categories).pages.values())]
    assert len(texts) > 250
    ours = onnx.document_encoder(exported_dir).encode_documents(texts)
    theirs = real_encoder.encode_documents(texts)
    assert (ours * theirs).sum(axis=1).min() >= 0.99  # measured: 0.9999 and more
    assert onnx.exported(exported_dir)["documents_min_cosine"] >= onnx.DOCUMENTS_MIN_COSINE


def test_kb_index_embeds_with_the_export_without_importing_torch(exported_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(onnx.export_dir(exported_dir), onnx.export_dir(data_dir))
    script = (
        "import sys, json\n"
        "from kb import create_app, cli\n"
        "app = create_app()\n"
        "cli.init_app(app)\n"
        "result = app.test_cli_runner().invoke(args=['index'])\n"
        "print(json.dumps({'code': result.exit_code, 'output': result.output, 'torch': 'torch' in sys.modules}))\n"
    )
    outcome = run_in_a_fresh_python(script, data_dir)
    assert outcome["code"] == 0 and "embedded" in outcome["output"], outcome
    assert outcome["torch"] is False

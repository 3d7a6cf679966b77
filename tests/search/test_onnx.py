"""The int8 ONNX query model: exported by kb index, checked against the original, used without torch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from kb.index.build import build_index, export_query_model
from kb.state import state_of
from search import onnx
from tests.conftest import ARTICLES, make_app, make_config

pytestmark = pytest.mark.slow
QUERIES = ["How do I reset my password?", "download last month's invoice as a PDF", "two factor codes rejected"]


@pytest.fixture(scope="module")
def exported_dir(real_encoder, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("onnx")
    build_index(ARTICLES, data_dir, encoder=real_encoder)
    message = export_query_model(data_dir, real_encoder)
    assert message and message.startswith("Exported the int8 query model"), message
    return data_dir


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
    env = {
        **os.environ,
        "KB_DATA_DIR": str(exported_dir),
        "KB_ARTICLES_DIR": str(ARTICLES),
        "KB_DATABASE_URL": "sqlite://",
        "KB_SECRET_KEY": "x",
    }
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"slugs": outcome["slugs"], "encoder": "onnx-int8", "torch": False}
    assert outcome["slugs"][0] == "reset-password"


def encoder_kind(data_dir, **settings) -> str:
    app = make_app(
        make_config(
            data_dir, DATABASE_URL="sqlite://", ENCODER_FACTORY=None, EMBEDDING_MODEL="all-MiniLM-L6-v2", **settings
        )
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


def test_kb_serve_loads_the_model_once_before_forking_and_workers_use_it(exported_dir):
    from tests.test_serve import free_port, request, wait_until_up, worker_pids

    port = free_port()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(exported_dir),
        "KB_ARTICLES_DIR": str(ARTICLES),
        "KB_DATABASE_URL": "sqlite://",
        "KB_SECRET_KEY": "x",
        "KB_RATE_LIMIT": "off",
    }
    kb = os.path.join(os.path.dirname(sys.executable), "kb")
    command = [kb, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server)
        master_maps = Path(f"/proc/{server.pid}/maps").read_text()
        answers = []
        for _ in range(6):  # reaches both workers
            data = json.dumps({"text": "I forgot my password and the link expired"}).encode()
            req = urllib.request.Request(
                f"{url}/api/v1/suggest", data=data, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=30) as response:
                answers.append(json.loads(response.read())["suggestions"][0]["slug"])
        health = json.loads(urllib.request.urlopen(f"{url}/healthz", timeout=30).read())
        workers = worker_pids(server)
        workers_maps = [Path(f"/proc/{pid}/maps").read_text() for pid in workers]
        assert request(f"{url}/readyz") == 200
        server.send_signal(signal.SIGHUP)  # the old workers leave, new ones fork from the same master
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and set(worker_pids(server)) & set(workers):
            time.sleep(0.1)
        assert request(f"{url}/readyz") == 200
    finally:
        server.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        _, errors = server.communicate(timeout=60)
    assert "onnxruntime" in master_maps  # loaded in the master, so the workers share its pages
    assert all("libtorch" not in maps for maps in [master_maps, *workers_maps])
    assert answers == ["reset-password"] * 6
    assert health["semantic"]["encoder"] == "onnx-int8"
    log = errors.decode()
    assert "Traceback" not in log
    # Workers leave cleanly, though onnxruntime's exit handlers would wait for the master's thread
    assert "terminate called" not in log and "was sent" not in log and "exited with code" not in log, log[-2000:]
    assert log.count("Worker exiting") == 4 and server.returncode == 0
    assert time.monotonic() - stopping < 15

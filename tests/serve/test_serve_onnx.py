"""`kb serve` with the int8 ONNX query model: loaded once in the gunicorn master, shared by forked workers that
never load torch, and workers that still leave cleanly (onnxruntime's exit handlers would wait on the master)."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.servers import request, wait_until_up, worker_pids

pytestmark = [pytest.mark.slow, pytest.mark.serve]


def test_kb_serve_loads_the_model_once_before_forking_and_workers_use_it(exported_dir, kb_serve):
    server, url = kb_serve("sqlite://", data_dir=exported_dir)
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

"""Liveness (/healthz) and readiness (/readyz) for load balancers and orchestrators."""

from __future__ import annotations

import threading
import time

from kb.state import state_of
from search.semantic import ModelUnavailableError
from tests.fixtures.app import make_app, make_config
from tests.fixtures.model import FakeEncoder


def ready(client, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.02)


def test_ready_once_the_index_and_the_model_are_loaded(built_data_dir, tmp_path):
    release = threading.Event()

    def slow_model():
        release.wait(5)
        return FakeEncoder()

    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"), encoder_factory=slow_model)
    client = app.test_client()
    first = client.get("/readyz")
    assert first.status_code == 503 and first.headers["Cache-Control"] == "no-store"
    body = first.get_json()
    assert body["status"] == "not ready" and body["checks"]["model"] == {"ok": False, "state": "loading"}
    assert body["checks"]["index"]["ok"] and body["checks"]["database"] == {"ok": True}
    release.set()
    response = ready(client)
    assert response.status_code == 200 and response.get_json()["checks"]["model"]["state"] == "loaded"
    assert client.get("/healthz").status_code == 200  # liveness never waited for the model


def test_a_model_that_cannot_load_is_ready_degraded(built_data_dir, tmp_path):
    def broken():
        raise ModelUnavailableError("no model here")

    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"), encoder_factory=broken)
    response = ready(app.test_client())
    assert response.status_code == 200
    assert response.get_json()["checks"]["model"] == {"ok": True, "state": "degraded", "error": "no model here"}


def test_not_ready_without_an_index(tmp_path):
    app = make_app(make_config(tmp_path / "empty", DATABASE_URL=f"sqlite:///{tmp_path}/x.db"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["index"]["ok"] is False
    assert app.test_client().get("/healthz").status_code == 200


def test_not_ready_when_the_database_is_unreachable(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"))
    ready(app.test_client())
    (tmp_path / "x.db").unlink()
    (tmp_path / "x.db").mkdir()  # a path that can no longer be opened as a database
    state_of(app).engine.dispose()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == {"ok": False, "error": "the database is unreachable"}

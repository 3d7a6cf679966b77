"""The background semantic build's side of serve-first: the progress it reports, and when one is needed."""

from __future__ import annotations

import json
import time

from kb.index import background
from kb.index.build import build_index
from tests.fixtures.app import ARTICLES, make_app, make_config


def test_kb_index_reports_its_progress_in_the_status_file(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    data_dir = tmp_path / "data"
    app.config["DATA_DIR"] = str(data_dir)
    build_index(ARTICLES, data_dir, encoder=None)  # what kb serve serves first
    status_file = background.status_path(data_dir)
    result = app.test_cli_runner().invoke(args=["index", "--status-file", str(status_file)])
    assert result.exit_code == 0, result.output
    status = json.loads(status_file.read_text())
    assert status["state"] == "done" and status["total"] > 0 and status["done"] == status["total"]
    assert background.building(data_dir) is None


def test_a_build_under_way_is_reported_until_it_goes_quiet(tmp_path):
    writer = background.StatusWriter(background.status_path(tmp_path))
    writer.update("embedding", done=3, total=10)
    assert background.building(tmp_path)["done"] == 3
    writer.update("failed", error="no space left on device")
    assert background.building(tmp_path) is None
    killed_mid_build = {**writer.status, "state": "embedding", "updated": time.time() - background.STALE_AFTER - 1}
    background.status_path(tmp_path).write_text(json.dumps(killed_mid_build))
    assert background.building(tmp_path) is None


def test_only_a_full_text_only_index_needs_a_semantic_build(tmp_path, monkeypatch):
    monkeypatch.setattr(background.semantic, "is_available", lambda: True)
    config = {"SEMANTIC_ENABLED": True, "DATA_DIR": str(tmp_path)}
    assert background.needs_semantic(config) is False  # nothing built yet: kb serve builds first
    build_index(ARTICLES, tmp_path, encoder=None)
    assert background.needs_semantic(config) is True
    assert background.needs_semantic({**config, "SEMANTIC_ENABLED": False}) is False

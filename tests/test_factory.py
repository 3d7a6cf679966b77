from __future__ import annotations

import pytest

from kb import cli, create_app
from kb.errors import ConfigError
from tests.fixtures.app import make_config


def test_config_mapping_is_used(tmp_path):
    app = create_app(make_config(tmp_path, SITE_NAME="Acme"))
    assert app.config["SITE_NAME"] == "Acme"
    assert app.testing


def test_environment_variables_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KB_SITE_NAME", "Env Help")
    monkeypatch.setenv("KB_SUGGEST_LIMIT", "7")
    monkeypatch.setenv("KB_SEMANTIC_ENABLED", "false")
    app = create_app()
    assert app.config["SITE_NAME"] == "Env Help"
    assert app.config["SUGGEST_LIMIT"] == 7
    assert app.config["SEMANTIC_ENABLED"] is False


def test_every_config_problem_is_reported_at_once(tmp_path):
    with pytest.raises(ConfigError) as info:
        create_app(
            make_config(
                tmp_path,
                ARTICLES_DIR=str(tmp_path / "missing"),
                SUGGEST_LIMIT=99,
                ACCENT_COLOR="red; }",
                SEARCH_MODE="magic",
                EMBEDDING_MODEL="",
            )
        )
    problems = info.value.problems
    assert len(problems) == 5
    assert any(p.startswith("KB_ARTICLES_DIR:") for p in problems)
    assert any("KB_SEARCH_MODE: 'magic' is not one of hybrid, fulltext, semantic" in p for p in problems)
    assert "Aborted with 5 configuration error(s)" in str(info.value)


def test_the_factory_writes_nothing(tmp_path):
    data_dir = tmp_path / "data"
    create_app(make_config(data_dir, SECRET_KEY="", DATABASE_URL=f"sqlite:///{data_dir / 'kb.sqlite3'}"))
    assert not data_dir.exists()


def test_db_upgrade_keeps_one_secret_key_for_every_process(tmp_path):
    config = make_config(tmp_path, SECRET_KEY="")
    passing = create_app(config)  # nothing kept yet: a key for this process only
    runner = passing.test_cli_runner()
    cli.init_app(passing)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    kept = (tmp_path / "secret_key").read_text().strip()
    assert len(kept) == 64 and (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert passing.config["SECRET_KEY"] == kept  # the upgrading process signs with it from now on too
    assert create_app(config).config["SECRET_KEY"] == create_app(config).config["SECRET_KEY"] == kept


def test_factory_does_not_open_the_index(tmp_path):
    app = create_app(make_config(tmp_path))  # nothing built yet: must not fail
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "kb index" in response.get_data(as_text=True)

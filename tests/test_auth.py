"""Agent accounts (kb.auth): salted password hashes, accounts declared in the configuration, bad settings."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kb import auth
from kb.db import agents, get_engine
from tests.fixtures.agents import PASSWORD, sign_in
from tests.fixtures.app import make_app, make_config


def test_passwords_are_stored_as_salted_hashes(agent_app):
    with agent_app.app_context():
        auth.add_agent("eve@example.com", PASSWORD)
        with get_engine().connect() as conn:
            hashes = dict(conn.execute(sa.select(agents.c.email, agents.c.password_hash)).all())
    assert PASSWORD not in "".join(hashes.values())
    assert hashes["eve@example.com"].startswith("scrypt:")
    assert hashes["eve@example.com"] != hashes["dana@example.com"]  # salted: same password, other hash


def test_agents_declared_in_configuration_can_sign_in(built_data_dir, tmp_path):
    runner = make_app(make_config(built_data_dir, DATABASE_URL="sqlite://")).test_cli_runner()
    hashed = runner.invoke(args=["agents", "hash", "--password-stdin"], input=PASSWORD + "\n").output.strip()
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    app = make_app(make_config(built_data_dir, DATABASE_URL=url, AGENTS=f"lee@example.com={hashed}"))
    client = app.test_client()
    assert sign_in(client, "lee@example.com", PASSWORD).status_code == 303
    dropped = make_app(make_config(built_data_dir, DATABASE_URL=url, AGENTS=""))
    assert sign_in(dropped.test_client(), "lee@example.com", PASSWORD).status_code == 401


@pytest.mark.parametrize(
    "setting,message",
    [
        ({"AGENTS": "lee@example.com=plaintext"}, "KB_AGENTS"),
        ({"AGENTS": "just-an-email"}, "KB_AGENTS"),
        ({"AGENT_TOKENS": "short"}, "KB_AGENT_TOKENS"),
        ({"ADMIN_TOKEN": "short"}, "KB_ADMIN_TOKEN"),
    ],
)
def test_bad_account_settings_stop_start_up(built_data_dir, setting, message):
    from kb.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        make_app(make_config(built_data_dir, DATABASE_URL="sqlite://", **setting))

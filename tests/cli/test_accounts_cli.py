"""`kb agents` and `kb tokens`: accounts and API tokens managed from the command line."""

from __future__ import annotations

import sqlalchemy as sa

from kb.db import get_engine
from tests.fixtures.databases import BOTH_DATABASES


@BOTH_DATABASES
def test_agents_cli(agent_app):
    runner = agent_app.test_cli_runner()
    added = runner.invoke(
        args=["agents", "add", "Sam@Example.com", "--name", "Sam", "--admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["agents", "list"]).output
    assert "sam@example.com\tadmin\tSam" in listed and "dana@example.com\tagent" in listed
    short = runner.invoke(args=["agents", "add", "x@example.com", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "too short" in short.output
    assert runner.invoke(args=["agents", "remove", "sam@example.com"]).exit_code == 0
    assert runner.invoke(args=["agents", "remove", "sam@example.com"]).exit_code == 1


@BOTH_DATABASES
def test_created_tokens_work_until_revoked(agent_app, anon):
    runner = agent_app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "helpdesk"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("kb_") and len(token) > 40
    headers = {"Authorization": f"Bearer {token}"}
    assert anon.get("/api/v1/agent/tickets", headers=headers).status_code == 200
    listed = runner.invoke(args=["tokens", "list"]).output
    assert "helpdesk" in listed and token not in listed and "never" not in listed  # last use recorded
    assert runner.invoke(args=["tokens", "create", "helpdesk"]).exit_code == 1  # names are unique
    assert runner.invoke(args=["tokens", "revoke", "helpdesk"]).exit_code == 0
    assert anon.get("/api/v1/agent/tickets", headers=headers).status_code == 401
    with agent_app.app_context(), get_engine().connect() as conn:
        stored = conn.execute(sa.text("select token_hash from api_tokens")).all()
    assert stored == []

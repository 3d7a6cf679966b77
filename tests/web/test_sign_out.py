"""Signing out ends the session on the server: a session cookie copied before sign-out no longer opens the agent
pages, on any host sharing the database (hardening finding 9)."""

from __future__ import annotations

from tests.fixtures.agents import signed_in
from tests.fixtures.app import csrf_token, make_app, make_config, shut_down
from tests.fixtures.databases import BOTH_DATABASES


def signed_in_to(app):
    client = signed_in(app, "dana@example.com")
    assert client.get("/agent/").status_code == 200
    return client


def copy_of(app, client):
    """Another browser holding the same session cookie (as an attacker who copied it would)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


@BOTH_DATABASES
def test_a_copied_session_cookie_stops_working_at_sign_out(agent_app):
    agent = signed_in_to(agent_app)
    thief = copy_of(agent_app, agent)
    assert thief.get("/agent/").status_code == 200
    token = csrf_token(agent.get("/agent/").get_data(as_text=True))
    assert agent.post("/agent/sign-out", data={"csrf_token": token}).status_code == 303
    assert thief.get("/agent/").status_code == 302
    assert thief.get("/agent/").headers["Location"].startswith("/agent/sign-in")


@BOTH_DATABASES
def test_sign_out_on_one_host_ends_the_session_on_another(agent_app, built_data_dir, some_database_url):
    other_host = make_app(make_config(built_data_dir, DATABASE_URL=some_database_url))
    agent = signed_in_to(agent_app)
    there = copy_of(other_host, agent)
    assert there.get("/agent/").status_code == 200
    token = csrf_token(agent.get("/agent/").get_data(as_text=True))
    agent.post("/agent/sign-out", data={"csrf_token": token})
    assert there.get("/agent/").status_code == 302
    shut_down(other_host)


def test_signing_in_again_after_sign_out_works(agent_app):
    agent = signed_in_to(agent_app)
    agent.post("/agent/sign-out", data={"csrf_token": csrf_token(agent.get("/agent/").get_data(as_text=True))})
    signed_in_to(agent_app)

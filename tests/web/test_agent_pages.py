"""The agent inbox: accounts and tokens, the /agent pages, the agent API and the inbox integrations."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa

from kb import auth
from kb.db import agents, get_engine
from kb.state import state_of
from tests.fixtures.app import csrf_token, make_app, make_config, shut_down
from tests.fixtures.databases import BOTH_DATABASES

PASSWORD = "correct horse battery"
TOKEN = "tok-agent-0123456789abcdef"
ADMIN = "tok-admin-0123456789abcdef"
HELPSCOUT_SECRET = "hs-secret-for-tests"
WEBHOOK_SECRET = "wh-secret-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
INVOICE_TICKET = {
    "name": "Ann",
    "email": "ann@example.com",
    "subject": "Invoice question",
    "message": "Where can I download my invoice as a PDF for my accountant?",
}


@pytest.fixture
def agent_app(built_data_dir, some_database_url):
    app = make_app(
        make_config(
            built_data_dir,
            DATABASE_URL=some_database_url,
            AGENT_TOKENS=TOKEN,
            ADMIN_TOKEN=ADMIN,
            HELPSCOUT_SECRET=HELPSCOUT_SECRET,
            WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
    )
    with app.app_context():
        auth.add_agent("dana@example.com", PASSWORD, name="Dana")
    yield app
    shut_down(app)


@pytest.fixture
def anon(agent_app):
    return agent_app.test_client()


@pytest.fixture
def agent(agent_app):
    """A client signed in as the agent Dana."""
    client = agent_app.test_client()
    sign_in(client, "dana@example.com", PASSWORD)
    return client


def sign_in(client, email, password, next_path="/agent/"):
    token = csrf_token(client.get("/agent/sign-in").get_data(as_text=True))
    return client.post(
        "/agent/sign-in", data={"email": email, "password": password, "csrf_token": token, "next": next_path}
    )


def submit(client, **fields):
    response = client.post("/api/v1/tickets", json={**INVOICE_TICKET, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


# Access


AGENT_PAGES = ["/agent/", "/agent/tickets/1"]
AGENT_API = [
    ("post", "/api/v1/agent/suggest", {"subject": "invoice"}),
    ("get", "/api/v1/agent/tickets", None),
    ("get", "/api/v1/agent/tickets/1", None),
]


@pytest.mark.parametrize("path", AGENT_PAGES)
def test_agent_pages_send_anonymous_visitors_to_sign_in(anon, path):
    submit(anon)
    response = anon.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/agent/sign-in?next=")
    assert b"Invoice question" not in response.data


@pytest.mark.parametrize("method,path,body", AGENT_API)
@pytest.mark.parametrize(
    "headers,code",
    [
        ({}, "unauthorized"),
        ({"Authorization": "Bearer wrong-token-xxxxxxxx"}, "invalid_token"),
        ({"Authorization": f"Basic {TOKEN}"}, "unauthorized"),
        ({"Authorization": "Bearer " + "x" * 500}, "invalid_token"),
    ],
)
def test_agent_api_refuses_missing_and_wrong_tokens(anon, method, path, body, headers, code):
    submit(anon)
    response = getattr(anon, method)(path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"ann@example.com" not in response.data


def test_agent_session_cookie_does_not_open_the_agent_api(agent):
    assert agent.get("/api/v1/agent/tickets").status_code == 401


@pytest.mark.parametrize("token", [TOKEN, ADMIN])
def test_configured_tokens_open_the_agent_api(anon, token):
    response = anon.get("/api/v1/agent/tickets", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


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


def test_passwords_are_stored_as_salted_hashes(agent_app):
    with agent_app.app_context():
        auth.add_agent("eve@example.com", PASSWORD)
        with get_engine().connect() as conn:
            hashes = dict(conn.execute(sa.select(agents.c.email, agents.c.password_hash)).all())
    assert PASSWORD not in "".join(hashes.values())
    assert hashes["eve@example.com"].startswith("scrypt:")
    assert hashes["eve@example.com"] != hashes["dana@example.com"]  # salted: same password, other hash


def test_sign_in_with_a_wrong_password_or_unknown_email_fails(anon):
    for email, password in [("dana@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)]:
        response = sign_in(anon, email, password)
        assert response.status_code == 401
        assert b"do not match" in response.data
    assert anon.get("/agent/").status_code == 302


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(anon):
    assert sign_in(anon, "dana@example.com", PASSWORD, "/agent/?status=open").location == "/agent/?status=open"
    anon.post("/agent/sign-out", data={"csrf_token": csrf_token(anon.get("/agent/").get_data(as_text=True))})
    assert sign_in(anon, "dana@example.com", PASSWORD, "//evil.example/").location == "/agent/"


def test_forms_need_a_csrf_token(agent_app, agent):
    ticket_id = submit(agent)
    no_token = [
        ("/agent/sign-in", {"email": "dana@example.com", "password": PASSWORD}),
        (f"/agent/tickets/{ticket_id}/status", {"status": "closed"}),
        (f"/agent/tickets/{ticket_id}/resolved", {"article": "invoices"}),
        ("/agent/sign-out", {}),
    ]
    for path, data in no_token:
        response = agent.post(path, data=data)
        assert response.status_code == 400, path
        assert b"CSRF" in response.data
    with agent_app.app_context():
        from kb.desk import tickets

        assert tickets.get(ticket_id)["status"] == "open"
    assert agent.get("/agent/").status_code == 200  # still signed in


def test_sign_out_ends_the_session(agent):
    token = csrf_token(agent.get("/agent/").get_data(as_text=True))
    assert agent.post("/agent/sign-out", data={"csrf_token": token}).status_code == 303
    assert agent.get("/agent/").status_code == 302


@BOTH_DATABASES
def test_changing_a_password_or_removing_an_agent_ends_their_sessions(agent_app, agent):
    with agent_app.app_context():
        auth.add_agent("dana@example.com", "a brand new password")
    assert agent.get("/agent/").status_code == 302
    sign_in(agent, "dana@example.com", "a brand new password")
    assert agent.get("/agent/").status_code == 200
    with agent_app.app_context():
        auth.remove_agent("dana@example.com")
    assert agent.get("/agent/").status_code == 302


def test_sign_in_is_rate_limited(built_data_dir, tmp_path):
    app = make_app(
        make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.db'}", RATE_LIMIT="100/minute")
    )
    state_of(app).limiter.reset()  # the counters live in the shared data folder
    client = app.test_client()
    statuses = [sign_in(client, "dana@example.com", "wrong password!").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]


# Agent view


@BOTH_DATABASES
def test_ticket_list_newest_first_with_status_tabs_and_search(agent_app, agent):
    first = submit(agent)
    second = submit(agent, subject="Two-factor codes", message="My authenticator codes are rejected.", source="beacon")
    with agent_app.app_context():
        from kb.desk import inbox

        inbox.set_status(first, "closed")
    page = agent.get("/agent/").get_data(as_text=True)
    assert page.index(f'data-ticket="{second}"') < page.index(f'data-ticket="{first}"')
    assert "beacon" in page
    open_only = agent.get("/agent/?status=open").get_data(as_text=True)
    assert f'data-ticket="{second}"' in open_only and f'data-ticket="{first}"' not in open_only
    found = agent.get("/agent/?q=authenticator").get_data(as_text=True)
    assert f'data-ticket="{second}"' in found and f'data-ticket="{first}"' not in found
    nothing = agent.get("/agent/?q=100%25_").get_data(as_text=True)  # LIKE wildcards are matched literally
    assert "data-ticket=" not in nothing and "No tickets" in nothing


def test_ticket_list_pages(agent):
    for n in range(27):
        submit(agent, subject=f"Question {n}")
    first = agent.get("/agent/").get_data(as_text=True)
    assert first.count("data-ticket=") == 25 and "Page 1 of 2" in first
    assert agent.get("/agent/?page=2").get_data(as_text=True).count("data-ticket=") == 2


def test_ticket_page_shows_message_what_was_shown_and_suggestions(agent):
    ticket_id = submit(agent, message="Where can I download my <b>invoice</b>?", shown=["reset-password"])
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Where can I download my &lt;b&gt;invoice&lt;/b&gt;?" in page  # the customer's text, escaped
    shown = page.split("data-shown-list", 1)[1].split("</ul>", 1)[0]
    assert "/articles/reset-password" in shown
    suggested = page.split("suggested-heading", 1)[1]
    assert 'data-suggestion="invoices"' in suggested
    assert 'data-suggestion="reset-password"' not in suggested  # already shown: not suggested again
    assert "Why: " in suggested and 'data-copy="http://localhost/articles/invoices' in suggested


def test_articles_already_shown_are_left_out_of_suggestions(anon):
    fresh = anon.post("/api/v1/agent/suggest", json={"subject": "download invoice pdf"}, headers=BEARER).get_json()
    assert "invoices" in [s["slug"] for s in fresh["suggestions"]]
    seen = anon.post(
        "/api/v1/agent/suggest", json={"subject": "download invoice pdf", "shown": ["invoices"]}, headers=BEARER
    ).get_json()
    assert "invoices" not in [s["slug"] for s in seen["suggestions"]]
    assert seen["already_shown"] == ["invoices"]


@BOTH_DATABASES
def test_what_a_customer_saw_before_earlier_tickets_is_left_out_too(anon):
    submit(anon, shown=["invoices"], source="beacon")
    body = {"subject": "download invoice pdf", "customer_email": "ANN@example.com"}
    answer = anon.post("/api/v1/agent/suggest", json=body, headers=BEARER).get_json()
    assert answer["already_shown"] == ["invoices"]
    assert "invoices" not in [s["slug"] for s in answer["suggestions"]]


def test_internal_articles_are_suggested_to_agents_and_readable_by_them_only(agent, anon):
    ticket_id = submit(agent, subject="Refund", message="I want a refund for the annual plan I bought by mistake.")
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert 'data-suggestion="internal-refund-policy"' in page and "Internal</span>" in page
    article = agent.get("/articles/internal-refund-policy")
    assert article.status_code == 200 and b"Internal article." in article.data
    assert "no-store" in article.headers["Cache-Control"]
    assert anon.get("/articles/internal-refund-policy").status_code == 404
    assert anon.get("/articles/draft-pricing").status_code == 404
    assert agent.get("/articles/draft-pricing").status_code == 404  # drafts stay drafts
    public = anon.post("/api/v1/suggest", json={"text": "refund for the annual plan"}).get_json()
    assert "internal-refund-policy" not in [s["slug"] for s in public["suggestions"]]


@BOTH_DATABASES
def test_agents_change_status_and_mark_the_resolving_article(agent_app, agent):
    ticket_id = submit(agent)
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    response = agent.post(
        f"/agent/tickets/{ticket_id}/resolved", data={"article": "invoices", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Resolved by" in page and "dana@example.com" in page
    token = csrf_token(page)
    assert (
        agent.post(f"/agent/tickets/{ticket_id}/status", data={"status": "closed", "csrf_token": token}).status_code
        == 303
    )
    assert (
        agent.post(f"/agent/tickets/{ticket_id}/status", data={"status": "lost", "csrf_token": token}).status_code
        == 400
    )
    assert (
        agent.post(f"/agent/tickets/{ticket_id}/resolved", data={"article": "nope", "csrf_token": token}).status_code
        == 400
    )
    assert agent.post("/agent/tickets/999/status", data={"status": "closed", "csrf_token": token}).status_code == 404
    with agent_app.app_context():
        from kb.desk import tickets

        stored = tickets.get(ticket_id)
    assert stored["status"] == "closed" and stored["resolved_article"] == "invoices"
    assert stored["resolved_by"] == "dana@example.com" and stored["updated_at"] is not None


def test_unknown_ticket_is_404(agent):
    assert agent.get("/agent/tickets/12345").status_code == 404
    assert agent.get(f"/agent/tickets/{2**70}").status_code == 404  # beyond any database integer
    token = csrf_token(agent.get("/agent/").get_data(as_text=True))
    assert (
        agent.post(f"/agent/tickets/{2**70}/status", data={"status": "closed", "csrf_token": token}).status_code == 404
    )


# Agent API


def test_agent_suggest_has_the_suggest_shape_plus_excerpts(anon):
    body = {"subject": "Invoice", "body": "How do I download invoices?", "customer_email": "x@example.com", "url": None}
    answer = anon.post("/api/v1/agent/suggest", json=body, headers=BEARER)
    assert answer.status_code == 200
    suggestion = answer.get_json()["suggestions"][0]
    assert suggestion["slug"] == "invoices"
    assert {"slug", "title", "url", "section", "snippet", "score", "reasons", "category", "excerpt"} <= set(suggestion)
    assert "<" not in suggestion["excerpt"] and 0 < len(suggestion["excerpt"]) <= 301


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({}, 400, "missing_field"),
        ({"subject": 42}, 400, "invalid_field"),
        ({"subject": "x", "limit": 0}, 400, "invalid_field"),
        ({"subject": "x", "shown": "invoices"}, 400, "invalid_field"),
        ({"subject": "x", "shown": ["a"] * 51}, 400, "invalid_field"),
        ({"subject": "x" * 20_001}, 413, "text_too_long"),
    ],
)
def test_agent_suggest_bad_requests(anon, body, status, code):
    response = anon.post("/api/v1/agent/suggest", json=body, headers=BEARER)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


@BOTH_DATABASES
def test_agent_ticket_api(anon):
    ticket_id = submit(anon, shown=["reset-password"])
    listing = anon.get("/api/v1/agent/tickets?status=open", headers=BEARER).get_json()
    assert [t["id"] for t in listing["tickets"]] == [ticket_id] and listing["counts"]["open"] == 1
    detail = anon.get(f"/api/v1/agent/tickets/{ticket_id}", headers=BEARER).get_json()
    assert detail["ticket"]["email"] == "ann@example.com" and detail["already_shown"] == ["reset-password"]
    assert "invoices" in [s["slug"] for s in detail["suggestions"]]
    assert anon.get("/api/v1/agent/tickets?status=lost", headers=BEARER).status_code == 400
    assert anon.get("/api/v1/agent/tickets/999", headers=BEARER).status_code == 404


# Help Scout dynamic app


def helpscout(client, payload, *, secret=HELPSCOUT_SECRET, signature=None, body=None):
    raw = json.dumps(payload).encode()
    signed = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha1).digest()).decode()
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers["X-HelpScout-Signature"] = signature or signed
    return client.post("/integrations/helpscout", data=body if body is not None else raw, headers=headers)


CONVERSATION = {
    "ticket": {
        "id": 1,
        "number": 1001,
        "subject": "Paperwork",
        "threads": [
            {"type": "message", "body": "<p>Thanks, we'll look.</p>"},
            {"type": "customer", "body": "<p>Where can I <b>download</b> my invoices as PDF?</p>"},
        ],
    },
    "customer": {"id": 5, "fname": "Ann", "email": "ann@example.com"},
    "mailbox": {"id": 7, "email": "help@example.com"},
}


def test_helpscout_valid_signature_gets_suggestions_as_html(anon):
    response = helpscout(anon, CONVERSATION)
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert 'href="http://localhost/articles/invoices' in html and "Download invoices" in html


def test_helpscout_uses_the_first_customer_thread_not_only_the_subject(anon):
    vague = {**CONVERSATION, "ticket": {**CONVERSATION["ticket"], "threads": []}}
    assert "/articles/invoices" not in helpscout(anon, vague).get_json()["html"]


@pytest.mark.parametrize(
    "kwargs,status",
    [
        ({"signature": False}, 401),
        ({"signature": "bm90IHRoZSBzaWduYXR1cmU="}, 403),
        ({"secret": "another-secret"}, 403),
        ({"body": json.dumps({**CONVERSATION, "customer": {"email": "mallory@example.com"}}).encode()}, 403),
    ],
    ids=["missing", "invalid", "wrong-secret", "tampered-body"],
)
def test_helpscout_refuses_bad_signatures(anon, kwargs, status):
    response = helpscout(anon, CONVERSATION, **kwargs)
    assert response.status_code == status
    assert "html" not in response.get_json()


def test_helpscout_is_off_without_a_secret(app):
    response = helpscout(app.test_client(), CONVERSATION)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "disabled"


def test_helpscout_html_is_escaped_and_drafts_get_a_note(anon):
    draft = helpscout(anon, {"ticket": False, "customer": {}}).get_json()["html"]
    assert "once the conversation has a subject" in draft
    hostile = {"ticket": {"subject": "<script>alert(1)</script> invoices download"}}
    assert "<script>" not in helpscout(anon, hostile).get_json()["html"]


def test_helpscout_lists_what_the_customer_was_already_shown(anon):
    submit(anon, shown=["invoices"])
    html = helpscout(anon, CONVERSATION).get_json()["html"]
    shown_part = html.split("Already shown to this customer", 1)[1]
    assert "/articles/invoices" in shown_part
    assert "/articles/invoices" not in html.split("Already shown to this customer", 1)[0]


# Incoming webhook


def webhook(client, payload, *, headers=None, secret=WEBHOOK_SECRET):
    raw = json.dumps(payload).encode()
    if headers is None:
        headers = {"X-KB-Signature": "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}
    return client.post("/integrations/webhook", data=raw, headers={"Content-Type": "application/json", **headers})


def test_webhook_with_a_token_or_a_signature_answers_with_suggestions(anon):
    ticket = {"id": "ZD-17", "subject": "Invoice", "description": "<p>How do I download invoices?</p>"}
    for headers in (BEARER, None):
        answer = webhook(anon, {"ticket": ticket}, headers=headers)
        assert answer.status_code == 200
        data = answer.get_json()
        assert data["ticket_id"] == "ZD-17"
        assert data["suggestions"][0]["slug"] == "invoices" and data["suggestions"][0]["excerpt"]


@pytest.mark.parametrize(
    "kwargs,status",
    [
        ({"headers": {}}, 401),
        ({"headers": {"Authorization": "Bearer not-a-valid-token-1234"}}, 401),
        ({"secret": "another-secret"}, 403),
        ({"headers": {"X-KB-Signature": "sha256=00"}}, 403),
    ],
)
def test_webhook_refuses_unauthenticated_requests(anon, kwargs, status):
    response = webhook(anon, {"subject": "invoice"}, **kwargs)
    assert response.status_code == status
    assert "suggestions" not in response.get_json()


def test_webhook_does_not_store_tickets(agent_app, anon):
    webhook(anon, {"subject": "invoice download", "customer_email": "zed@example.com"}, headers=BEARER)
    assert anon.get("/api/v1/agent/tickets", headers=BEARER).get_json()["total"] == 0


def test_webhook_bad_body_is_a_4xx_json_error(anon):
    assert webhook(anon, {"subject": ["x"]}, headers=BEARER).status_code == 400
    response = anon.post("/integrations/webhook", data="not json", headers={**BEARER, "Content-Type": "text/plain"})
    assert response.status_code == 415


# Accounts: CLI and configuration


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

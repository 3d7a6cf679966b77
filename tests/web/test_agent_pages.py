"""The agent inbox's pages (/agent/): signing in and out, the ticket list, a ticket with what to send next."""

from __future__ import annotations

import pytest

from kb import auth
from kb.state import state_of
from tests.fixtures.agents import (
    PASSWORD,
    sign_in,
    submit,
)
from tests.fixtures.app import csrf_token, make_app, make_config
from tests.fixtures.databases import BOTH_DATABASES

# Access


AGENT_PAGES = ["/agent/", "/agent/tickets/1"]


@pytest.mark.parametrize("path", AGENT_PAGES)
def test_agent_pages_send_anonymous_visitors_to_sign_in(anon, path):
    submit(anon)
    response = anon.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/agent/sign-in?next=")
    assert b"Invoice question" not in response.data


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
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.db'}", RATE_LIMIT="100/minute"))
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
    shown = ["invoices", "unicode-guide"]
    ticket_id = submit(agent, message="Where can I download my <b>invoice</b>?", shown=shown)
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "Where can I download my &lt;b&gt;invoice&lt;/b&gt;?" in page  # the customer's text, escaped
    assert "2 articles were suggested to them before they wrote." in page
    elsewhere = page.split("data-shown-list", 1)[1].split("</ul>", 1)[0]  # shown, and not among the suggestions
    assert "/articles/unicode-guide" in elsewhere and "/articles/invoices" not in elsewhere
    suggested = page.split("suggested-heading", 1)[1]
    first = suggested.split('<li class="suggestion', 2)[1]
    assert 'data-suggestion="invoices"' in first  # already shown, and still the best answer: first, and marked
    assert 'data-marks="shown"' in first and ">Shown to the customer</span>" in first
    assert "Why: " in suggested and 'data-copy="http://localhost/articles/invoices' in suggested


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

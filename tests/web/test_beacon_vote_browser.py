"""The beacon's "Did this answer your question?": the same vote as the article page's, counted on the dashboard.

In a real browser, a customer on another site answers Yes (or No) in the beacon's article view; the admin stats
API counts the vote for that article, and the agent answering a ticket from that conversation sees the article
marked "said it helped". Over HTTP, the vote's event (a ``helpful`` event on /api/v1/events) is checked strictly.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from kb.analytics import events
from tests.fixtures.analytics import ADMIN_TOKEN, AGENT_TOKEN, rows
from tests.fixtures.app import make_app, make_config, shut_down

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}


@pytest.fixture
def app(built_data_dir, tmp_path, host):
    """The help center whose beacon ``host`` embeds, with an admin token and an agent token."""
    config = make_config(
        built_data_dir,
        BEACON_ORIGINS=host.origin,
        DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}",
        ADMIN_TOKEN=ADMIN_TOKEN,
        AGENT_TOKENS=AGENT_TOKEN,
    )
    app = make_app(config)
    yield app
    shut_down(app)


def article_figures(app, slug: str, *, votes: int = 1, timeout: float = 5.0) -> dict:
    """The stats API's figures for ``slug`` once it counts ``votes`` votes (sendBeacon is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = app.test_client().get("/api/v1/admin/stats", headers=ADMIN)
        assert answer.status_code == 200, answer.get_json()
        found = {a["slug"]: a for a in answer.get_json()["articles"]}.get(slug, {"helpful": 0, "not_helpful": 0})
        if found["helpful"] + found["not_helpful"] >= votes or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def stored(app, type_: str, *, timeout: float = 5.0) -> list[dict]:
    """The events of ``type_`` once there is one: each sendBeacon request arrives in its own time."""
    deadline = time.monotonic() + timeout
    while not (found := rows(app, type_)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def open_article_in_beacon(page: Page, host) -> Locator:
    """On the host's billing page, ask the beacon about a password reset and open the article it suggests."""
    page.goto(host.origin + "/billing/index.html")
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = page.get_by_role("dialog", name="Help")
    suggestions = dialog.get_by_role("list", name="Suggested articles").get_by_role("listitem")
    expect(suggestions.first).to_contain_text("Download invoices")  # the page's own, before typing
    dialog.get_by_label("Ask a question").fill("I forgot my password")
    dialog.get_by_role("button", name=re.compile("^Reset your password")).click()
    expect(dialog.get_by_role("heading", name="Reset your password", level=2)).to_be_visible()
    expect(dialog.get_by_text("Did this answer your question?")).to_be_visible()
    return dialog


def test_yes_in_the_beacon_counts_as_helpful_and_the_agent_sees_it_helped(open_page, kb, host, app):
    page = open_page()
    dialog = open_article_in_beacon(page, host)
    dialog.get_by_role("button", name="Yes").click()
    expect(dialog.get_by_text("Great, glad it helped!")).to_be_focused()

    figures = article_figures(app, "reset-password")
    assert (figures["helpful"], figures["not_helpful"], figures["helpful_rate"]) == (1, 0, 1.0)
    [clicked] = stored(app, "suggestion_clicked")
    [vote] = stored(app, "helpful")
    assert (vote["surface"], vote["article"], vote["data"]) == ("beacon", "reset-password", {"helpful": True})
    assert vote["session"] and vote["session"] == clicked["session"]  # the beacon conversation

    # The customer writes to us anyway, in the same conversation: the agent sees that the article helped.
    dialog.get_by_role("button", name="‹ Back").click()
    dialog.get_by_role("button", name="Still need help? Contact us").click()
    dialog.get_by_label("Name").fill("Ada Lovelace")
    dialog.get_by_label("Email").fill("ada@example.com")
    dialog.get_by_label("How can we help?").fill("I reset my password; now my invoice PDF will not download.")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as answer:
        dialog.get_by_role("button", name="Send message").click()
    assert answer.value.status == 201
    [ticket] = stored(app, "ticket_submitted")
    assert ticket["session"] == vote["session"]
    detail = app.test_client().get(f"/api/v1/agent/tickets/{answer.value.json()['id']}", headers=AGENT).get_json()
    marks = {s["slug"]: s["marks"] for s in detail["suggestions"]}
    assert "helped" in marks["reset-password"], marks
    assert not page.errors, page.errors


def test_no_in_the_beacon_counts_as_not_helpful_and_goes_on_to_the_form(open_page, kb, host, app):
    page = open_page()
    dialog = open_article_in_beacon(page, host)
    dialog.get_by_role("button", name="No").click()
    expect(dialog.get_by_role("heading", name="Contact us")).to_be_visible()

    figures = article_figures(app, "reset-password")
    assert (figures["helpful"], figures["not_helpful"]) == (0, 1)
    [vote] = stored(app, "helpful")
    assert (vote["surface"], vote["data"]) == ("beacon", {"helpful": False}) and vote["session"]
    assert not page.errors, page.errors


# The vote's event over HTTP (no browser)

VOTE = {"type": "helpful", "surface": "beacon", "session": "s1", "article": "invoices", "helpful": True}


def post_events(client, *batch):
    return client.post(
        "/api/v1/events", data=json.dumps({"events": list(batch)}), headers={"Content-Type": "text/plain"}
    )


def test_a_vote_sent_by_a_page_is_the_article_pages_vote(stats_app, visitor):
    assert post_events(visitor, VOTE, {**VOTE, "article": "reset-password", "helpful": False}).status_code == 202
    [yes, no] = rows(stats_app, "helpful")
    assert (yes["article"], yes["session"], yes["data"]) == ("invoices", "s1", {"helpful": True})
    assert (no["article"], no["surface"], no["data"]) == ("reset-password", "beacon", {"helpful": False})
    assert yes["visitor"] and yes["visitor"] == no["visitor"]  # one customer: votes are counted once per visitor
    answer = visitor.get("/api/v1/admin/stats", headers=ADMIN).get_json()
    figures = {a["slug"]: (a["helpful"], a["not_helpful"]) for a in answer["articles"]}
    assert figures["invoices"] == (1, 0) and figures["reset-password"] == (0, 1)


def test_a_vote_needs_no_session(stats_app, visitor):
    vote = {k: v for k, v in VOTE.items() if k != "session"}
    assert post_events(visitor, vote).get_json() == {"recorded": 1}
    [stored] = rows(stats_app, "helpful")
    assert stored["session"] is None and stored["data"] == {"helpful": True}


@pytest.mark.parametrize(
    "change,message",
    [
        ({"article": 42}, "events[0].article must be a string of at most 200 characters"),
        ({"article": ["invoices"]}, "events[0].article must be a string of at most 200 characters"),
        ({"article": None}, "events[0].article is required for a helpful event"),
        ({"article": ""}, "events[0].article is required for a helpful event"),
        ({"helpful": None}, "events[0].helpful is required for a helpful event"),
        ({"helpful": "yes"}, "events[0].helpful must be true or false, and only on a helpful event"),
        ({"helpful": 1}, "events[0].helpful must be true or false, and only on a helpful event"),
        ({"session": 7}, "events[0].session must be a string of at most 64 characters"),
        ({"session": "s" * 65}, "events[0].session must be a string of at most 64 characters"),
        ({"type": "search_click"}, "events[0].helpful must be true or false, and only on a helpful event"),
    ],
)
def test_a_bad_vote_is_refused_with_a_json_error(stats_app, visitor, change, message):
    vote = {k: v for k, v in {**VOTE, **change}.items() if v is not None}
    response = post_events(visitor, vote)
    assert response.status_code == 400 and response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert (error["code"], error["message"]) == ("invalid_event", message)
    assert rows(stats_app) == []


def test_a_batch_with_one_bad_vote_is_refused_whole(stats_app, visitor):
    response = post_events(visitor, VOTE, {**VOTE, "helpful": "no"})
    assert response.status_code == 400 and "events[1].helpful" in response.get_json()["error"]["message"]
    with stats_app.app_context():
        assert events.count("helpful") == 0

"""What an agent sees about a ticket's suggestions: articles the customer was already shown ranked with the rest
and marked (shown, opened, helped, from the customer's own events), unconfident ones flagged, all in the order
of the confidence printed beside them."""

from __future__ import annotations

import re

import pytest

from kb import auth
from kb.analytics import events
from tests.fixtures.agents import BEARER, PASSWORD, TOKEN, signed_in, submit
from tests.fixtures.app import csrf_token, make_app, make_config, shut_down
from tests.fixtures.databases import BOTH_DATABASES

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
# One ticket about three topics, so that the test articles rank in a few places with different confidences
THREE_TOPICS = {
    "subject": "Invoice download and password reset",
    "message": "Where can I download my invoice PDF? Also the password reset email never arrived, "
    "and my two-factor codes are rejected.",
}


def customer(app, address: str = "203.0.113.7"):
    """A customer's browser: a client of ``app`` with a browser's User-Agent and an address of its own."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": BROWSER, "REMOTE_ADDR": address})
    return client


def written(app) -> None:
    """Wait for the customer's events to be stored (the event writer stores them within a second)."""
    with app.app_context():
        events.flush()


def suggested(page: str) -> list[str]:
    """The suggestions on an agent's ticket page, in their order: one HTML chunk each."""
    aside = page.split('id="suggested-heading"', 1)[1]
    return re.findall(r'<li class="suggestion[^"]*" data-suggestion=.*?</li>', aside, re.DOTALL)


def item(page: str, slug: str) -> str:
    found = [chunk for chunk in suggested(page) if f'data-suggestion="{slug}"' in chunk]
    assert found, f"{slug} is not among the suggestions"
    return found[0]


def badges(chunk: str) -> list[str]:
    return re.findall(r'<span class="badge badge-mark badge-\w+" data-mark="\w+">([^<]+)</span>', chunk)


def test_an_article_already_shown_stays_among_the_suggestions_marked_shown(agent_app, agent, anon):
    ticket_id = submit(anon, shown=["invoices"], source="beacon")
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    invoices = item(page, "invoices")
    assert suggested(page)[0] == invoices  # the best answer, first, even though the customer saw it
    assert 'data-marks="shown"' in invoices and badges(invoices) == ["Shown to the customer"]
    assert 'href="/articles/invoices#' in invoices  # a deep link to the section that answers
    assert "Copy link" in invoices and "Copy excerpt" in invoices
    assert "data-shown-list" not in page  # no second, bare list of what is already among the suggestions
    assert "1 article was suggested to them before they wrote." in page
    others = [chunk for chunk in suggested(page) if chunk != invoices]
    assert others and all("data-marks" not in chunk and not badges(chunk) for chunk in others)

    detail = anon.get(f"/api/v1/agent/tickets/{ticket_id}", headers=BEARER).get_json()
    assert detail["already_shown"] == ["invoices"]
    marks = {s["slug"]: s.get("marks") for s in detail["suggestions"]}
    assert marks.pop("invoices") == ["shown"] and set(marks.values()) == {None}  # "marks" only when there are


def test_shown_articles_that_are_not_suggested_are_still_listed_with_links(agent, anon):
    ticket_id = submit(anon, shown=["invoices", "unicode-guide", "draft-pricing"])  # the invoice question
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert 'data-marks="shown"' in item(page, "invoices") and 'data-suggestion="unicode-guide"' not in page
    assert "3 articles were suggested to them before they wrote." in page
    listed = page.split("data-shown-list", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'data-shown="([^"]+)"', listed) == ["unicode-guide", "draft-pricing"]  # not invoices again
    assert '<a href="/articles/unicode-guide">Café guide: ünïcode headings</a>' in listed
    assert "This resolved it" in listed
    assert "draft-pricing <span" in listed and "(no longer exists)" in listed  # unpublished since


@BOTH_DATABASES
def test_suggestions_the_customer_opened_in_the_contact_form_are_marked_opened(agent_app, agent):
    browser = customer(agent_app)
    form = browser.get("/contact?subject=invoice").get_data(as_text=True)
    session = re.search(r'name="session" value="([^"]+)"', form).group(1)
    click = {"type": "suggestion_clicked", "surface": "contact_form", "session": session, "article": "invoices"}
    assert browser.post("/api/v1/events", json={"events": [click]}).status_code == 202
    other = {**click, "session": "someone-else", "article": "two-factor-authentication"}  # another conversation
    assert browser.post("/api/v1/events", json={"events": [other]}).status_code == 202
    answer = browser.post(
        "/contact",
        data={
            "csrf_token": csrf_token(form),
            "session": session,
            "shown": "invoices",
            "name": "Ann",
            "email": "ann@example.com",
            **THREE_TOPICS,
        },
    )
    assert answer.status_code == 303
    written(agent_app)

    page = agent.get("/agent/tickets/1").get_data(as_text=True)
    invoices = item(page, "invoices")
    assert 'data-marks="shown opened"' in invoices
    assert badges(invoices) == ["Shown to the customer", "Opened"]
    assert 'data-marks="' not in item(page, "two-factor-authentication")


@BOTH_DATABASES
def test_articles_read_and_voted_helpful_on_the_help_center_that_day_are_marked(agent_app, agent, anon):
    browser = customer(agent_app)
    article = browser.get("/articles/reset-password").get_data(as_text=True)
    vote = {"csrf_token": csrf_token(article), "helpful": "yes"}
    assert browser.post("/articles/reset-password/feedback", data=vote).status_code == 303
    browser.get("/articles/two-factor-authentication")
    no = {"csrf_token": csrf_token(article), "helpful": "no", "reason": "unclear"}
    assert browser.post("/articles/two-factor-authentication/feedback", data=no).status_code == 303
    stranger = customer(agent_app, address="198.51.100.9")  # someone else, who liked the invoices article
    page = stranger.get("/articles/invoices").get_data(as_text=True)
    stranger.post("/articles/invoices/feedback", data={"csrf_token": csrf_token(page), "helpful": "yes"})
    ticket_id = submit(browser, **THREE_TOPICS)
    written(agent_app)

    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert badges(item(page, "reset-password")) == ["Opened", "Said it helped"]
    assert badges(item(page, "two-factor-authentication")) == ["Opened"]  # read, but it did not help
    assert badges(item(page, "invoices")) == []
    body = {"subject": "password reset", "customer_email": "ann@example.com"}
    found = anon.post("/api/v1/agent/suggest", json=body, headers=BEARER).get_json()["suggestions"]
    assert {s["slug"]: s.get("marks") for s in found}["reset-password"] == ["opened", "helped"]


def test_suggestions_are_listed_in_the_order_of_the_confidence_printed_beside_them(agent, anon):
    ticket_id = submit(anon, **THREE_TOPICS, shown=["two-factor-authentication"])
    page = agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    chunks = suggested(page)
    printed = [int(re.search(r"confidence (\d+)%", chunk).group(1)) for chunk in chunks]
    assert len(printed) >= 3, printed
    assert printed == sorted(printed, reverse=True), printed
    scores = [float(re.search(r'data-score="([\d.]+)"', chunk).group(1)) for chunk in chunks]
    assert scores == sorted(scores, reverse=True)
    positions = [int(re.search(r'data-position="(\d+)"', chunk).group(1)) for chunk in chunks]
    assert positions == list(range(1, len(chunks) + 1))  # what a copy reports as the click's position


@pytest.fixture
def unsure_app(built_data_dir, tmp_path):
    """An app whose threshold no test article reaches: customers get no suggestion, agents get them flagged."""
    config = make_config(
        built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", SUGGEST_MIN_SCORE=0.99, AGENT_TOKENS=TOKEN
    )
    app = make_app(config)
    with app.app_context():
        auth.add_agent("dana@example.com", PASSWORD)
    yield app
    shut_down(app)


def test_agents_see_unconfident_suggestions_flagged_that_customers_do_not_get(unsure_app):
    anon = unsure_app.test_client()
    assert anon.post("/api/v1/suggest", json={"text": THREE_TOPICS["message"]}).get_json()["suggestions"] == []
    ticket_id = submit(anon, **THREE_TOPICS)
    page = signed_in(unsure_app, "dana@example.com").get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    chunks = suggested(page)
    assert chunks and all('class="suggestion suggestion-unsure"' in c and ">Low confidence</span>" in c for c in chunks)
    assert "Those kb is less sure of are marked “Low confidence”." in page
    detail = anon.get(f"/api/v1/agent/tickets/{ticket_id}", headers=BEARER).get_json()
    assert detail["suggestions"] and {s["confident"] for s in detail["suggestions"]} == {False}


def test_confident_suggestions_carry_no_low_confidence_flag(agent, anon):
    ticket_id = submit(anon)  # the invoice question: the invoices article is a confident answer
    invoices = item(agent.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True), "invoices")
    assert 'class="suggestion"' in invoices and "Low confidence" not in invoices

"""A real ticket on the shipped help center, with the real model, in a real browser: the customer was shown the
beacon article before writing that the beacon shows no articles because of a CORS error. The agent must see that
article first anyway, deep-linked to the section that answers (its troubleshooting entry for exactly this: the
site's origin missing from the allowed ones), marked as shown to the customer, with the buttons to send it and an
excerpt that is that passage; at phone and desktop sizes, without scrolling sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kb import auth

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AGENT_EMAIL, AGENT_PASSWORD = "grace@example.com", "correct horse battery"
CORS = "The beacon opens on our site but no articles appear, the console shows a CORS error"
ANSWER = "chat-beacon"  # articles/suggestions/chat-beacon.md, "Add the chat beacon to your website"
SECTION = "troubleshooting"  # its "## Troubleshooting": "A cross-origin (CORS) error in the console means ..."
# The page they wrote from, as long as a web app's addresses are (it must not widen the agent's page)
PAGE = "https://app.example.com/workspace/acmecorporation/settings/integrations/widget?tab=installation"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def app(shipped_client):
    """The shipped help center with the real model (shared by the session's real-model tests), and an agent."""
    app = shipped_client.application
    with app.app_context():
        auth.add_agent(AGENT_EMAIL, AGENT_PASSWORD, name="Grace Hopper")
    return app


def write_the_cors_ticket(app) -> int:
    """As the beacon sends it: the question they typed is the subject and the message; they had been shown the
    beacon article."""
    ticket = {
        "name": "Ada Lovelace",
        "email": "ada.cors@example.com",
        "subject": CORS,
        "message": CORS,
        "url": PAGE,
        "shown": [ANSWER],
        "source": "beacon",
        "session": "beacon-conversation-1",
    }
    response = app.test_client().post("/api/v1/tickets", json=ticket)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def sign_in(page: Page, ticket_id: int) -> None:
    page.goto(f"/agent/tickets/{ticket_id}")
    page.get_by_label("Email").fill(AGENT_EMAIL)
    page.get_by_label("Password").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=CORS, level=1)).to_be_visible()
    page.wait_for_load_state("load")  # measured with its stylesheets in


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_the_article_the_customer_was_shown_comes_first_with_its_section_and_copy_buttons(open_page, live_server, app):
    ticket_id = write_the_cors_ticket(app)
    page = open_page(base_url=live_server.url, viewport=DESKTOP)
    sign_in(page, ticket_id)

    suggestions = page.locator("[data-suggestion]")
    expect(suggestions.first).to_be_visible()
    ranking = suggestions.evaluate_all(  # what the real model ranks, as the agent reads it (for the failure message)
        "items => items.map(i => `${i.querySelector('h3 a').getAttribute('href')} ${i.dataset.score}`"
        " + (i.classList.contains('suggestion-unsure') ? ' (low confidence)' : ''))"
    )
    first = suggestions.first
    assert first.get_attribute("data-suggestion") == ANSWER, ranking
    link = first.get_by_role("heading", level=3).get_by_role("link")
    assert link.get_attribute("href") == f"/articles/{ANSWER}#{SECTION}", ranking
    expect(link).to_have_text("Add the chat beacon to your website › Troubleshooting")
    expect(first.locator("[data-mark]")).to_have_text(["Shown to the customer"])
    printed = int(re.fullmatch(r"confidence (\d+)%", first.locator("[data-confidence]").inner_text()).group(1))
    assert abs(printed - float(first.get_attribute("data-score")) * 100) <= 0.51
    url = f"{live_server.url}/articles/{ANSWER}#{SECTION}"
    expect(first.get_by_role("button", name="Copy link")).to_have_attribute("data-copy", url)
    excerpt = re.compile(
        rf"^Add the chat beacon to your website: .*CORS.*KB_BEACON_ORIGINS.*\n{re.escape(url)}$", re.DOTALL
    )
    expect(first.get_by_role("button", name="Copy excerpt")).to_have_attribute("data-copy", excerpt)
    shown = page.get_by_role("region", name="Already shown to the customer")
    expect(shown).to_contain_text("1 article was suggested to them before they wrote.")
    expect(shown.locator("[data-shown-list]")).to_have_count(0)  # not listed twice
    assert not scrolls_sideways(page)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(first.get_by_role("button", name="Copy link")).to_be_visible()
    expect(first.locator("[data-mark]")).to_be_visible()
    assert not scrolls_sideways(page)
    assert not page.errors, page.errors
